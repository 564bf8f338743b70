#include "sentry/call.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sentry/sentry_internal.h"

bool call_valid(struct call *c)
{
	uint64_t id = c->req->id;
	return ioctl(c->s->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

int call_read(struct call *c, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = {.iov_base = buf, .iov_len = len};
	struct iovec remote = {.iov_base = (void *)(uintptr_t)addr, .iov_len = len};
	ssize_t n = process_vm_readv(c->tid, &local, 1, &remote, 1, 0);
	if (n < 0)
		return errno == ESRCH ? -ESRCH : -EFAULT;
	if ((size_t)n != len)
		return -EFAULT;
	/* the pid may have been reused between RECV and the read */
	return call_valid(c) ? 0 : -ESRCH;
}

int call_read_string(struct call *c, uint64_t addr, char *buf, size_t cap)
{
	/* read page by page: the string may end just before an unmapped page */
	size_t got = 0;
	while (got < cap - 1) {
		uint64_t at = addr + got;
		size_t chunk = 4096 - (size_t)(at & 4095);
		if (chunk > cap - 1 - got)
			chunk = cap - 1 - got;
		struct iovec local = {.iov_base = buf + got, .iov_len = chunk};
		struct iovec remote = {.iov_base = (void *)(uintptr_t)at, .iov_len = chunk};
		ssize_t n = process_vm_readv(c->tid, &local, 1, &remote, 1, 0);
		if (n <= 0)
			return got ? -ENAMETOOLONG : -EFAULT;
		void *nul = memchr(buf + got, '\0', (size_t)n);
		got += (size_t)n;
		if (nul)
			return call_valid(c) ? 0 : -ESRCH;
	}
	return -ENAMETOOLONG;
}

int call_write(struct call *c, uint64_t addr, const void *buf, size_t len)
{
	struct iovec local = {.iov_base = (void *)buf, .iov_len = len};
	struct iovec remote = {.iov_base = (void *)(uintptr_t)addr, .iov_len = len};
	ssize_t n = process_vm_writev(c->tid, &local, 1, &remote, 1, 0);
	if (n < 0 || (size_t)n != len)
		return -EFAULT;
	return 0;
}

int call_dirfd(struct call *c, int fd)
{
	if (fd == AT_FDCWD) {
		char path[32];
		snprintf(path, sizeof(path), "%d/cwd", c->tid);
		int r = openat(c->s->procfd, path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		return r < 0 ? -errno : r;
	}
	int pidfd = (int)syscall(SYS_pidfd_open, c->tid, 0);
	if (pidfd < 0)
		return -errno;
	int r = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	int e = errno;
	close(pidfd);
	return r < 0 ? (e == EBADF ? -EBADF : -e) : r;
}

/* From /proc/<tid>/status: the ids and capabilities the caller acts with. */
struct creds {
	uid_t fsuid;
	gid_t fsgid;
	gid_t groups[64];
	int ngroups;
	uint64_t cap_eff;
	mode_t umask;
	pid_t nstgid, nspid; /* the caller's ids in its own pid namespace */
};

static int read_creds(struct call *c, struct creds *cr)
{
	char path[32], buf[4096];
	snprintf(path, sizeof(path), "%d/status", c->tid);
	int fd = openat(c->s->procfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -ESRCH;
	buf[n] = '\0';
	int found = 0;
	cr->umask = 022;
	/* one pass, no sscanf: this runs for every emulated call */
	for (char *line = buf; *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		char *v = strchr(line, ':');
		if (v) {
			*v++ = '\0';
			char *end;
			if (!strcmp(line, "Uid") || !strcmp(line, "Gid")) {
				/* real, effective, saved, filesystem: the fourth */
				unsigned long id = 0;
				for (int i = 0; i < 4; i++, v = end)
					id = strtoul(v, &end, 10);
				if (line[0] == 'U')
					cr->fsuid = (uid_t)id;
				else
					cr->fsgid = (gid_t)id;
				found |= line[0] == 'U' ? 1 : 2;
			} else if (!strcmp(line, "Groups")) {
				cr->ngroups = 0;
				for (;;) {
					unsigned long g = strtoul(v, &end, 10);
					if (end == v || cr->ngroups == 64)
						break;
					cr->groups[cr->ngroups++] = (gid_t)g;
					v = end;
				}
			} else if (!strcmp(line, "CapEff")) {
				cr->cap_eff = strtoull(v, NULL, 16);
				found |= 4;
			} else if (!strcmp(line, "Umask")) {
				cr->umask = (mode_t)strtoul(v, NULL, 8);
			} else if (!strcmp(line, "NStgid") || !strcmp(line, "NSpid")) {
				/* the last field is the id in the innermost namespace */
				pid_t id = 0;
				for (;;) {
					long x = strtol(v, &end, 10);
					if (end == v)
						break;
					id = (pid_t)x;
					v = end;
				}
				if (line[2] == 't')
					cr->nstgid = id;
				else
					cr->nspid = id;
			}
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	return found == 7 ? 0 : -ESRCH;
}

static int set_effective_caps(uint64_t eff)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) < 0)
		return -errno;
	d[0].effective = (uint32_t)eff & d[0].permitted;
	d[1].effective = (uint32_t)(eff >> 32) & d[1].permitted;
	/* capset on the calling thread only: other workers keep their own */
	return syscall(SYS_capset, &h, d) < 0 ? -errno : 0;
}

int call_creds_take(struct call *c, mode_t *umask_out)
{
	struct creds cr;
	int r = read_creds(c, &cr);
	if (r < 0)
		return r;
	*umask_out = cr.umask;
	c->nstgid = cr.nstgid;
	c->nspid = cr.nspid;
	if (!c->s->privileged)
		return 0; /* rootless: the sentry already has the user's ids and no caps */
	/* raw syscalls: glibc would apply setgroups to every thread */
	if (syscall(SYS_setgroups, cr.ngroups, cr.groups) < 0)
		return -errno;
	syscall(SYS_setfsgid, cr.fsgid);
	syscall(SYS_setfsuid, cr.fsuid);
	/* A container with its own user namespace holds capabilities over its own
	 * ids only; mirrored onto the host's they would be wider, so none are used. */
	return set_effective_caps(c->s->userns ? 0 : cr.cap_eff);
}

void call_creds_drop(struct call *c)
{
	if (!c->s->privileged)
		return;
	/* capabilities first: setgroups needs CAP_SETGID back */
	set_effective_caps(c->s->own_caps);
	syscall(SYS_setfsuid, 0);
	syscall(SYS_setfsgid, 0);
	syscall(SYS_setgroups, 0, NULL);
}
