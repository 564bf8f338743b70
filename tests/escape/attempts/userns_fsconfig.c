/* CVE-2022-0185: unshare(CLONE_NEWUSER|CLONE_NEWNS) gives CAP_SYS_ADMIN over
 * a new mount namespace, which opens the filesystem-context API (fsopen,
 * fsconfig: the overflow was in its legacy parameter parser) and mount(2).
 * An fs context or a mounted tmpfs is the escape. */
#include "escape.h"

#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef FSCONFIG_SET_STRING
#define FSCONFIG_SET_STRING 1
#endif

static int try_fs(void *arg, char *msg, size_t n)
{
	(void)arg;
	int r = enter_userns(CLONE_NEWNS);
	if (r < 0) {
		snprintf(msg, n, "unshare(CLONE_NEWUSER|CLONE_NEWNS): %s", en(-r));
		return 0;
	}
	long fc = syscall(SYS_fsopen, "tmpfs", 0);
	if (fc >= 0) {
		long c = syscall(SYS_fsconfig, fc, FSCONFIG_SET_STRING, "size", "1m", 0);
		snprintf(msg, n, "in a new user namespace fsopen(\"tmpfs\") = fd %ld, fsconfig(size): %s", fc,
			 c < 0 ? en(errno) : "ok");
		return 1;
	}
	int e = errno;
	mkdir("/dev/shm/escape-mnt", 0700);
	if (mount("none", "/dev/shm/escape-mnt", "tmpfs", 0, NULL) == 0) {
		snprintf(msg, n, "in a new user namespace fsopen: %s, but mount(tmpfs) succeeded", en(e));
		return 1;
	}
	snprintf(msg, n, "in a new user namespace fsopen: %s, mount: %s", en(e), en(errno));
	return 0;
}

ATTEMPT(userns_fsconfig)
{
	(void)argc;
	(void)argv;
	long fc = syscall(SYS_fsopen, "tmpfs", 0);
	if (fc >= 0)
		escaped("fsopen(\"tmpfs\") = fd %ld without a new namespace", fc);
	int e = errno;
	char msg[1024];
	if (in_child(try_fs, NULL, msg, sizeof(msg)))
		escaped("%s", msg);
	blocked("fsopen: %s; %s", en(e), msg);
}
