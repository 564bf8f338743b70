/* CVE-2024-21626 (leaked descriptor): look at every descriptor the container
 * starts with beyond 0-2.  A directory or file the runtime left open that is
 * not reachable inside the container's root is the host's filesystem in the
 * container's hands (runc < 1.1.12 leaked /sys/fs/cgroup as fd 7 or 8). */
#include "escape.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

ATTEMPT(cve_2024_21626_fd)
{
	(void)argc;
	(void)argv;
	struct ev e = {0};
	int open_fds = 0;
	for (int fd = 3; fd < 1024; fd++) {
		if (fcntl(fd, F_GETFD) < 0)
			continue;
		open_fds++;
		char path[64], link[PATH_MAX] = "?";
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		ssize_t n = readlink(path, link, sizeof(link) - 1);
		if (n > 0)
			link[n] = '\0';
		struct stat st, there;
		if (fstat(fd, &st) < 0) {
			ev_add(&e, "fd %d (%s): fstat %s", fd, link, en(errno));
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			int out = outside_root(fd);
			if (out == 1)
				escaped("fd %d is a directory outside the container's root: %s", fd, link);
			ev_add(&e, "fd %d (%s) is a directory inside the root", fd, link);
		} else if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode) || S_ISCHR(st.st_mode)) {
			if (link[0] != '/' || stat(link, &there) < 0 || there.st_ino != st.st_ino || there.st_dev != st.st_dev)
				escaped("fd %d is a host file not reachable in the container: %s", fd, link);
			ev_add(&e, "fd %d (%s) is inside the root", fd, link);
		} else {
			ev_add(&e, "fd %d is %s, not a path", fd, link);
		}
	}
	if (!open_fds)
		blocked("no descriptor beyond 0-2 is open at start");
	blocked("%s", e.s);
}
