/* Helpers shared by several attempts: host knobs opened for writing
 * (sys-write, proc-sys-write, sysrq-trigger, core-pattern), device nodes
 * (mknod, raw-block) and walks out through /proc's root links
 * (proc-self-root, proc-pid-root). */
#include "escape.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* Host knobs ------------------------------------------------------------ */

struct fresh {
	const char *fstype;
	int flags;
	const char *const *rel;
};

static int mount_and_open(void *arg, char *msg, size_t n)
{
	struct fresh *f = arg;
	const char *dir = "/dev/shm/escape-fresh";
	mkdir(dir, 0700);
	if (mount(f->fstype, dir, f->fstype, MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		snprintf(msg, n, "new user ns: mount %s: %s", f->fstype, en(errno));
		return 0;
	}
	struct ev e = {0};
	const char *paths[16];
	char bufs[16][256];
	int k = 0;
	for (; f->rel[k] && k < 15; k++) {
		snprintf(bufs[k], sizeof(bufs[k]), "%s/%s", dir, f->rel[k]);
		paths[k] = bufs[k];
	}
	paths[k] = NULL;
	const char *hit = open_for_write(paths, &e);
	snprintf(msg, n, "new user ns, fresh %s: %s", f->fstype, e.s);
	return hit != NULL;
}

static int in_new_ns(void *arg, char *msg, size_t n)
{
	struct fresh *f = arg;
	int r = enter_userns(CLONE_NEWNS | f->flags);
	if (r < 0) {
		snprintf(msg, n, "unshare(CLONE_NEWUSER): %s", en(-r));
		return 0;
	}
	/* a new pid namespace takes effect in the next child */
	if (f->flags & CLONE_NEWPID)
		return in_child(mount_and_open, f, msg, n);
	return mount_and_open(f, msg, n);
}

__attribute__((noreturn)) int host_knobs(const char *fstype, int ns_flags, const char *const *paths, const char *const *fresh_rel)
{
	struct ev e = {0};
	if (open_for_write(paths, &e))
		escaped("%s", e.s);
	struct fresh f = {fstype, ns_flags, fresh_rel};
	char msg[1024];
	if (in_child(in_new_ns, &f, msg, sizeof(msg)))
		escaped("%s", msg);
	ev_add(&e, "%s", msg);
	blocked("%s", e.s);
}

/* Device nodes ---------------------------------------------------------- */

static const char *const node_dirs[] = {"/dev", "/dev/shm", "/tmp", NULL};

const char *make_node(const char *name, mode_t type, dev_t dev, char *path, size_t n, struct ev *e)
{
	for (const char *const *d = node_dirs; *d; d++) {
		snprintf(path, n, "%s/%s", *d, name);
		unlink(path);
		if (mknod(path, type | 0600, dev) == 0)
			return path;
		ev_add(e, "mknod %s: %s", path, en(errno));
	}
	return NULL;
}

/* Walks through /proc ---------------------------------------------------- */

static const char *dotdots = "../../../../../../../../../../../../../../../..";

static void try_path(const char *base, const char *canary, const char *secret, struct ev *e)
{
	char path[4096], buf[256];
	snprintf(path, sizeof(path), "%s/%s%s", base, dotdots, canary);
	ssize_t n = read_file(path, buf, sizeof(buf));
	if (n > 0 && strstr(buf, secret))
		escaped("read the host canary through %s/..: \"%s\"", base, secret);
	snprintf(path, sizeof(path), "%s%s", base, canary);
	n = read_file(path, buf, sizeof(buf));
	if (n > 0 && strstr(buf, secret))
		escaped("read the host canary through %s%s", base, canary);
	ev_add(e, "%s/..%s: %s", base, canary, n < 0 ? en((int)-n) : "not the host's");
}

int proc_root_walk(const char *canary, const char *secret, bool all_pids)
{
	struct ev e = {0};
	if (!all_pids) {
		try_path("/proc/self/root", canary, secret, &e);
		try_path("/proc/self/cwd", canary, secret, &e);
		try_path("/proc/thread-self/root", canary, secret, &e);
		int fd = open("/proc/self/root", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			char rel[4096], buf[256];
			snprintf(rel, sizeof(rel), "%s%s", dotdots, canary);
			int f = openat(fd, rel, O_RDONLY | O_CLOEXEC);
			if (f >= 0 && read_fd(f, buf, sizeof(buf)) > 0 && strstr(buf, secret))
				escaped("read the host canary with openat(/proc/self/root fd, ../..)");
			if (f >= 0)
				close(f);
			int out = outside_root(fd);
			if (out == 1)
				escaped("/proc/self/root is outside the container's root");
			close(fd);
		}
		blocked("%s", e.s);
	}
	struct stat root;
	stat("/", &root);
	try_path("/proc/1/root", canary, secret, &e);
	DIR *d = opendir("/proc");
	struct dirent *de;
	int pids = 0;
	while (d && (de = readdir(d))) {
		int pid = atoi(de->d_name);
		if (pid <= 0)
			continue;
		pids++;
		char base[64];
		snprintf(base, sizeof(base), "/proc/%d/root", pid);
		struct stat st;
		if (stat(base, &st) == 0 && (st.st_dev != root.st_dev || st.st_ino != root.st_ino)) {
			ev_add(&e, "pid %d has another root", pid);
			try_path(base, canary, secret, &e);
			int fd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (fd >= 0 && outside_root(fd) == 1)
				escaped("pid %d's root is outside the container's: %s", pid, base);
			if (fd >= 0)
				close(fd);
		}
	}
	if (d)
		closedir(d);
	blocked("%s; %d processes visible, all with the container's root", e.s, pids);
}
