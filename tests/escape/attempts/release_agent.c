/* CVE-2022-0492: the cgroup v1 release_agent names a program the host kernel
 * runs as root.  Open any visible release_agent for writing (never written);
 * then, as the public exploit, unshare a user, mount and cgroup namespace,
 * mount a v1 hierarchy (rdma, memory, a named one) and open its release_agent. */
#include "escape.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static int fresh_hierarchy(void *arg, char *msg, size_t n)
{
	(void)arg;
	int r = enter_userns(CLONE_NEWNS | CLONE_NEWCGROUP);
	if (r < 0) {
		snprintf(msg, n, "unshare(CLONE_NEWUSER|CLONE_NEWNS|CLONE_NEWCGROUP): %s", en(-r));
		return 0;
	}
	static const char *const opts[] = {"rdma", "memory", "none,name=escape", NULL};
	struct ev e = {0};
	const char *dir = "/dev/shm/escape-cg";
	mkdir(dir, 0700);
	for (const char *const *o = opts; *o; o++) {
		if (mount("cgroup", dir, "cgroup", 0, *o) < 0) {
			ev_add(&e, "new user ns: mount cgroup -o %s: %s", *o, en(errno));
			continue;
		}
		ev_add(&e, "new user ns: mounted cgroup -o %s", *o);
		const char *paths[] = {"/dev/shm/escape-cg/release_agent", NULL};
		if (open_for_write(paths, &e)) {
			snprintf(msg, n, "mounted cgroup -o %s in a new user namespace and opened its release_agent for writing", *o);
			return 1;
		}
		umount(dir);
	}
	snprintf(msg, n, "%s", e.s);
	return 0;
}

ATTEMPT(release_agent)
{
	(void)argc;
	(void)argv;
	/* every release_agent in sight: at the top of /sys/fs/cgroup, and of each v1 hierarchy below it */
	struct ev e = {0};
	int counts[256] = {0}, n = 0;
	const char *first[256] = {0};
	static char paths[33][300];
	snprintf(paths[n++], sizeof(paths[0]), "/sys/fs/cgroup/release_agent");
	DIR *d = opendir("/sys/fs/cgroup");
	struct dirent *de;
	while (d && (de = readdir(d)) && n < 33)
		if (de->d_name[0] != '.')
			snprintf(paths[n++], sizeof(paths[0]), "/sys/fs/cgroup/%s/release_agent", de->d_name);
	if (d)
		closedir(d);
	for (int i = 0; i < n; i++) {
		int fd = open(paths[i], O_WRONLY | O_APPEND | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			escaped("opened %s for writing", paths[i]);
		}
		int err = errno < 256 ? errno : 0;
		if (!counts[err]++)
			first[err] = paths[i];
	}
	for (int err = 0; err < 256; err++)
		if (counts[err])
			ev_add(&e, "%d release_agent file%s (%s%s): %s", counts[err], counts[err] == 1 ? "" : "s", first[err],
			       counts[err] > 1 ? ", ..." : "", en(err));
	char msg[1024];
	if (in_child(fresh_hierarchy, NULL, msg, sizeof(msg)))
		escaped("%s", msg);
	ev_add(&e, "%s", msg);
	blocked("%s", e.s);
}
