#include "linux/rootfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "linux/devices.h"

static int openat2_(int dirfd, const char *path, uint64_t flags, uint64_t resolve)
{
	struct open_how how = {.flags = flags, .mode = 0, .resolve = resolve};
	long r;
	do
		r = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	while (r < 0 && (errno == EAGAIN || errno == EINTR));
	return (int)r;
}

#define IN_ROOT (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)

static int root_open_depth(int rootfd, const char *path, enum root_create create, int depth, int *out,
			   struct moat_err *err);

/* A missing component that is a symlink: follow it by hand, inside the root,
 * and continue creating at its target (as `mkdir -p` through the link would). */
static int follow_dangling(int rootfd, int dir, const char *comp, const char *parent, const char *rest,
			   enum root_create create, int depth, int *out, struct moat_err *err)
{
	char link[4096], next[8192];
	ssize_t n = readlinkat(dir, comp, link, sizeof(link) - 1);
	if (n < 0)
		return moat_fail_errno(err, errno, "readlink /%s/%s in the rootfs", parent, comp);
	link[n] = '\0';
	int w = link[0] == '/' ? snprintf(next, sizeof(next), "%s/%s", link, rest)
			       : snprintf(next, sizeof(next), "%s/%s/%s", parent, link, rest);
	if (w < 0 || (size_t)w >= sizeof(next))
		return moat_fail(err, ENAMETOOLONG, "path through /%s/%s is too long", parent, comp);
	return root_open_depth(rootfd, next, create, depth + 1, out, err);
}

static int root_open_depth(int rootfd, const char *path, enum root_create create, int depth, int *out,
			   struct moat_err *err)
{
	if (depth > 40)
		return moat_fail(err, ELOOP, "too many symlinks resolving /%s in the rootfs", path);
	while (*path == '/')
		path++;
	int fd = openat2_(rootfd, *path ? path : ".", O_PATH | O_CLOEXEC, IN_ROOT);
	if (fd >= 0) {
		*out = fd;
		return 0;
	}
	if (errno != ENOENT || create == ROOT_NO_CREATE)
		return moat_fail_errno(err, errno, "resolve /%s in the rootfs", path);
	/* Walk down, creating what is missing.  Each component is created in a
	 * directory already resolved inside the root, by a name without '/'. */
	char buf[4096];
	if (strlen(path) >= sizeof(buf))
		return moat_fail(err, ENAMETOOLONG, "/%s: path too long", path);
	strcpy(buf, path);
	int dir = openat2_(rootfd, ".", O_PATH | O_CLOEXEC, IN_ROOT);
	if (dir < 0)
		return moat_fail_errno(err, errno, "open rootfs");
	char *save = NULL;
	for (char *comp = strtok_r(buf, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
		bool last = save == NULL || *save == '\0';
		size_t prefix_len = (size_t)(comp - buf) + strlen(comp);
		char prefix[4096];
		snprintf(prefix, sizeof(prefix), "%.*s", (int)prefix_len, path);
		int next = openat2_(rootfd, prefix, O_PATH | O_CLOEXEC, IN_ROOT);
		if (next < 0 && errno == ENOENT) {
			struct stat st;
			if (fstatat(dir, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
				char parent[4096];
				snprintf(parent, sizeof(parent), "%.*s", (int)(comp - buf), path);
				int r = follow_dangling(rootfd, dir, comp, parent, last ? "" : save, create, depth, out,
							err);
				close(dir);
				return r;
			}
			int rc;
			if (last && create == ROOT_CREATE_FILE) {
				rc = openat(dir, comp, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
				if (rc >= 0)
					close(rc);
			} else {
				rc = mkdirat(dir, comp, 0755);
			}
			if (rc < 0 && errno != EEXIST) {
				int e = errno;
				close(dir);
				return moat_fail_errno(err, e, "create /%s in the rootfs", prefix);
			}
			next = openat2_(rootfd, prefix, O_PATH | O_CLOEXEC, IN_ROOT);
		}
		if (next < 0) {
			int e = errno;
			close(dir);
			return moat_fail_errno(err, e, "resolve /%s in the rootfs", prefix);
		}
		close(dir);
		dir = next;
	}
	*out = dir;
	return 0;
}

int root_open(int rootfd, const char *path, enum root_create create, int *out, struct moat_err *err)
{
	return root_open_depth(rootfd, path, create, 0, out, err);
}

static void fd_path(char *buf, size_t cap, int fd)
{
	snprintf(buf, cap, "/proc/self/fd/%d", fd);
}

/* Flags that a user namespace may not clear on a remount of a mount it did not create. */
static unsigned long locked_flags(const char *path)
{
	struct statvfs sv;
	unsigned long f = 0;
	if (statvfs(path, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_RDONLY)
		f |= MS_RDONLY;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

static int remount_bind(const char *target, unsigned long flags, struct moat_err *err, const char *what)
{
	unsigned long want = MS_BIND | MS_REMOUNT | (flags & ~(MS_BIND | MS_REC | MS_REMOUNT));
	if (mount(NULL, target, NULL, want, NULL) == 0)
		return 0;
	if (errno == EPERM) {
		/* keep the flags the kernel locked on the source mount */
		unsigned long keep = locked_flags(target) & (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY | MS_NOATIME |
							      MS_NODIRATIME | MS_RELATIME);
		if (mount(NULL, target, NULL, want | keep, NULL) == 0)
			return 0;
	}
	return moat_fail_errno(err, errno, "remount %s", what);
}

/* Mount one spec mount onto the rootfs. */
static int mount_cgroup(int rootfd, const struct oci_mount *m, const struct rootfs_opts *o, struct moat_err *err);

static int do_mount(int rootfd, const struct oci_mount *m, const struct rootfs_opts *o, struct moat_err *err)
{
	int r, tfd;
	char target[64];
	if (m->tmpcopyup)
		return moat_fail(err, EOPNOTSUPP, "option tmpcopyup is not supported");
	if (m->type && (!strcmp(m->type, "cgroup") || !strcmp(m->type, "cgroup2")))
		return mount_cgroup(rootfd, m, o, err);
	if (m->bind) {
		struct stat st;
		if (stat(m->source, &st) < 0)
			return moat_fail_errno(err, errno, "bind source %s", m->source);
		enum root_create kind = S_ISDIR(st.st_mode) ? ROOT_CREATE_DIR : ROOT_CREATE_FILE;
		if ((r = root_open(rootfd, m->destination, kind, &tfd, err)) < 0)
			return r;
		fd_path(target, sizeof(target), tfd);
		r = mount(m->source, target, NULL, MS_BIND | (m->flags & MS_REC), NULL);
		close(tfd);
		if (r < 0)
			return moat_fail_errno(err, errno, "bind %s on %s", m->source, m->destination);
		if (m->flags & ~(MS_BIND | MS_REC)) {
			/* reopen: the new fd names the mount just made, not the directory under it */
			if ((r = root_open(rootfd, m->destination, ROOT_NO_CREATE, &tfd, err)) < 0)
				return r;
			fd_path(target, sizeof(target), tfd);
			r = remount_bind(target, m->flags, err, m->destination);
			close(tfd);
			if (r < 0)
				return r;
		}
	} else {
		if ((r = root_open(rootfd, m->destination, ROOT_CREATE_DIR, &tfd, err)) < 0)
			return r;
		fd_path(target, sizeof(target), tfd);
		r = mount(m->source ? m->source : m->type, target, m->type, m->flags & ~MS_REMOUNT, m->data);
		if (r < 0 && errno == EPERM && !strcmp(m->type, "sysfs")) {
			/* sysfs cannot be mounted in a user namespace without its own
			 * network namespace: bind the host's, as runc does */
			r = mount("/sys", target, NULL, MS_BIND | MS_REC, NULL);
			close(tfd);
			if (r < 0)
				return moat_fail_errno(err, errno, "bind /sys on %s", m->destination);
			if ((r = root_open(rootfd, m->destination, ROOT_NO_CREATE, &tfd, err)) < 0)
				return r;
			fd_path(target, sizeof(target), tfd);
			r = remount_bind(target, m->flags | MS_NOSUID | MS_NODEV | MS_NOEXEC, err, m->destination);
			close(tfd);
			if (r < 0)
				return r;
		} else {
			close(tfd);
			if (r < 0)
				return moat_fail_errno(err, errno, "mount %s (%s) on %s", m->source ? m->source : "none",
						       m->type, m->destination);
		}
	}
	if (m->propagation) {
		if ((r = root_open(rootfd, m->destination, ROOT_NO_CREATE, &tfd, err)) < 0)
			return r;
		fd_path(target, sizeof(target), tfd);
		r = mount(NULL, target, NULL, m->propagation, NULL);
		close(tfd);
		if (r < 0)
			return moat_fail_errno(err, errno, "set propagation of %s", m->destination);
	}
	return 0;
}

static bool is_mountpoint(const char *path)
{
	struct stat a, b;
	char parent[8300];
	snprintf(parent, sizeof(parent), "%s/..", path);
	return stat(path, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev;
}

/* cgroup v1 or hybrid: a tmpfs with one bind per hierarchy, showing only the
 * container's own cgroup; pure v2: cgroup2 in a cgroup namespace, or a bind of
 * the container's cgroup directory. */
static int mount_cgroup(int rootfd, const struct oci_mount *m, const struct rootfs_opts *o, struct moat_err *err)
{
	const char *croot = getenv("MOAT_CGROUP_ROOT");
	if (!croot)
		croot = "/sys/fs/cgroup";
	int r, tfd;
	char target[64], src[8400];
	unsigned long ro = m->flags & MS_RDONLY;
	char probe[4096];
	snprintf(probe, sizeof(probe), "%s/cgroup.controllers", croot);
	if ((r = root_open(rootfd, m->destination, ROOT_CREATE_DIR, &tfd, err)) < 0)
		return r;
	fd_path(target, sizeof(target), tfd);
	if (access(probe, F_OK) == 0) {
		if (o->new_cgroupns)
			r = mount("cgroup2", target, "cgroup2", m->flags & ~MS_RDONLY, NULL);
		else {
			snprintf(src, sizeof(src), "%s%s", croot, o->cgroup_path ? o->cgroup_path : "");
			r = mount(src, target, NULL, MS_BIND | MS_REC, NULL);
		}
		close(tfd);
		if (r < 0)
			return moat_fail_errno(err, errno, "mount cgroup2 on %s", m->destination);
		if ((r = root_open(rootfd, m->destination, ROOT_NO_CREATE, &tfd, err)) < 0)
			return r;
		fd_path(target, sizeof(target), tfd);
		r = remount_bind(target, m->flags | MS_NOSUID | MS_NODEV | MS_NOEXEC, err, m->destination);
		close(tfd);
		return r;
	}
	r = mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755");
	close(tfd);
	if (r < 0)
		return moat_fail_errno(err, errno, "mount tmpfs on %s", m->destination);
	DIR *d = opendir(croot);
	if (!d)
		return moat_fail_errno(err, errno, "open %s", croot);
	struct dirent *de;
	r = 0;
	while (r == 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char host[4200], dest[4200];
		snprintf(host, sizeof(host), "%s/%s", croot, de->d_name);
		snprintf(dest, sizeof(dest), "%s/%s", m->destination, de->d_name);
		if (de->d_type == DT_LNK) {
			char link[256];
			ssize_t n = readlink(host, link, sizeof(link) - 1);
			if (n <= 0)
				continue;
			link[n] = '\0';
			int dfd;
			if ((r = root_open(rootfd, m->destination, ROOT_NO_CREATE, &dfd, err)) < 0)
				break;
			/* O_PATH dirfds cannot take symlinkat; go through the fd path */
			char at[4200];
			snprintf(at, sizeof(at), "/proc/self/fd/%d/%s", dfd, de->d_name);
			if (symlink(link, at) < 0 && errno != EEXIST)
				r = moat_fail_errno(err, errno, "symlink %s", dest);
			close(dfd);
			continue;
		}
		if (de->d_type != DT_DIR || !is_mountpoint(host))
			continue;
		snprintf(src, sizeof(src), "%s%s", host, o->cgroup_path ? o->cgroup_path : "");
		if (access(src, F_OK) < 0)
			continue; /* rootless without this hierarchy: nothing to show */
		if ((r = root_open(rootfd, dest, ROOT_CREATE_DIR, &tfd, err)) < 0)
			break;
		fd_path(target, sizeof(target), tfd);
		if (mount(src, target, NULL, MS_BIND | MS_REC, NULL) < 0)
			r = moat_fail_errno(err, errno, "bind %s on %s", src, dest);
		close(tfd);
		if (r < 0)
			break;
		if ((r = root_open(rootfd, dest, ROOT_NO_CREATE, &tfd, err)) < 0)
			break;
		fd_path(target, sizeof(target), tfd);
		r = remount_bind(target, ro | MS_NOSUID | MS_NODEV | MS_NOEXEC, err, dest);
		close(tfd);
	}
	closedir(d);
	if (r < 0 || !ro)
		return r;
	if ((r = root_open(rootfd, m->destination, ROOT_NO_CREATE, &tfd, err)) < 0)
		return r;
	fd_path(target, sizeof(target), tfd);
	r = mount(NULL, target, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755");
	close(tfd);
	return r < 0 ? moat_fail_errno(err, errno, "remount %s read-only", m->destination) : 0;
}

static int mask_path(int rootfd, const char *path, struct moat_err *err)
{
	int fd, r;
	struct moat_err ignore;
	if (root_open(rootfd, path, ROOT_NO_CREATE, &fd, &ignore) < 0)
		return 0; /* nothing there to hide */
	struct stat st;
	char target[64];
	fd_path(target, sizeof(target), fd);
	if (fstat(fd, &st) < 0) {
		close(fd);
		return moat_fail_errno(err, errno, "maskedPaths: stat %s", path);
	}
	if (S_ISDIR(st.st_mode))
		r = mount("tmpfs", target, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0k,mode=755");
	else
		r = mount("/dev/null", target, NULL, MS_BIND, NULL);
	close(fd);
	if (r < 0)
		return moat_fail_errno(err, errno, "linux.maskedPaths: mask %s", path);
	return 0;
}

static int readonly_path(int rootfd, const char *path, struct moat_err *err)
{
	int fd, r;
	struct moat_err ignore;
	char target[64];
	if (root_open(rootfd, path, ROOT_NO_CREATE, &fd, &ignore) < 0)
		return 0;
	fd_path(target, sizeof(target), fd);
	r = mount(target, target, NULL, MS_BIND | MS_REC, NULL);
	close(fd);
	if (r < 0)
		return moat_fail_errno(err, errno, "linux.readonlyPaths: bind %s", path);
	if ((r = root_open(rootfd, path, ROOT_NO_CREATE, &fd, err)) < 0)
		return r;
	fd_path(target, sizeof(target), fd);
	r = remount_bind(target, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, err, path);
	close(fd);
	return r < 0 ? moat_err_prefix(err, "linux.readonlyPaths") : 0;
}

static bool dev_is_bind(const struct oci_spec *spec)
{
	for (size_t i = 0; i < spec->n_mounts; i++)
		if (!strcmp(spec->mounts[i].destination, "/dev") && spec->mounts[i].bind)
			return true;
	return false;
}

int rootfs_prepare(const struct oci_spec *spec, const struct rootfs_opts *o, struct moat_err *err)
{
	int r;
	/* Nothing done here may propagate back to the host. */
	unsigned long prop = MS_SLAVE | MS_REC;
	if (spec->rootfs_propagation && !(spec->rootfs_propagation & MS_SHARED))
		prop = spec->rootfs_propagation | MS_REC;
	if (mount(NULL, "/", NULL, prop, NULL) < 0)
		return moat_fail_errno(err, errno, "make / non-shared");
	/* pivot_root needs the rootfs to be a mount point */
	if (mount(spec->rootfs, spec->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return moat_fail_errno(err, errno, "bind rootfs %s", spec->rootfs);
	int rootfd = open(spec->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return moat_fail_errno(err, errno, "open rootfs %s", spec->rootfs);
	for (size_t i = 0; i < spec->n_mounts; i++) {
		if ((r = do_mount(rootfd, &spec->mounts[i], o, err)) < 0) {
			close(rootfd);
			return moat_err_prefix(err, "mounts[%zu]", i);
		}
	}
	if (!dev_is_bind(spec)) {
		int devfd;
		if ((r = root_open(rootfd, "/dev", ROOT_CREATE_DIR, &devfd, err)) < 0)
			goto out;
		close(devfd);
		/* devices_create works on the real directory, not an O_PATH fd */
		char devpath[64];
		fd_path(devpath, sizeof(devpath), rootfd);
		int wfd = open(devpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (wfd < 0) {
			r = moat_fail_errno(err, errno, "open rootfs");
			goto out;
		}
		r = devices_create(wfd, spec, o->userns, err);
		close(wfd);
		if (r < 0)
			goto out;
	}
	for (char **p = spec->masked_paths; p && *p; p++)
		if ((r = mask_path(rootfd, *p, err)) < 0)
			goto out;
	for (char **p = spec->readonly_paths; p && *p; p++)
		if ((r = readonly_path(rootfd, *p, err)) < 0)
			goto out;
	if (spec->process) {
		int cwd;
		if ((r = root_open(rootfd, spec->process->cwd, ROOT_CREATE_DIR, &cwd, err)) < 0) {
			moat_err_prefix(err, "process.cwd");
			goto out;
		}
		close(cwd);
	}
	if (spec->root_readonly) {
		if ((r = remount_bind(spec->rootfs, MS_RDONLY, err, "rootfs read-only")) < 0)
			goto out;
	}
	r = 0;
out:
	close(rootfd);
	return r;
}

int rootfs_pivot(const struct oci_spec *spec, bool no_pivot, struct moat_err *err)
{
	if (chdir(spec->rootfs) < 0)
		return moat_fail_errno(err, errno, "chdir %s", spec->rootfs);
	if (no_pivot) {
		if (mount(spec->rootfs, "/", NULL, MS_MOVE, NULL) < 0)
			return moat_fail_errno(err, errno, "move rootfs to /");
		if (chroot(".") < 0)
			return moat_fail_errno(err, errno, "chroot");
	} else {
		/* pivot_root(".", "."): the old root ends up stacked on the new one, detach it */
		if (syscall(SYS_pivot_root, ".", ".") < 0)
			return moat_fail_errno(err, errno, "pivot_root %s", spec->rootfs);
		if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
			return moat_fail_errno(err, errno, "make old root a slave");
		if (umount2(".", MNT_DETACH) < 0)
			return moat_fail_errno(err, errno, "detach old root");
	}
	if (chdir("/") < 0)
		return moat_fail_errno(err, errno, "chdir /");
	if (spec->rootfs_propagation & MS_SHARED) {
		if (mount(NULL, "/", NULL, spec->rootfs_propagation, NULL) < 0)
			return moat_fail_errno(err, errno, "linux.rootfsPropagation");
	}
	return 0;
}
