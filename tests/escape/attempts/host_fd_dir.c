/* A host directory passed in (`run --preserve-fds 1`, fd 3): the caller
 * gave the container that directory, not its parent.  Walk ".." above it
 * (openat, and fchdir + chdir) to the runner's canary beside it; reading the
 * canary is the escape.  Args: NAME SECRET (the canary's name in the parent
 * of the passed directory). */
#include "escape.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

ATTEMPT(host_fd_dir)
{
	if (argc < 2)
		blocked("usage: NAME SECRET");
	struct stat st;
	if (fstat(3, &st) < 0)
		blocked("fd 3 was not passed in: %s", en(errno));
	if (!S_ISDIR(st.st_mode))
		blocked("fd 3 is not a directory");
	struct ev e = {0};
	char rel[PATH_MAX], buf[256];
	snprintf(rel, sizeof(rel), "../%s", argv[0]);
	int fd = openat(3, rel, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && read_fd(fd, buf, sizeof(buf)) > 0 && strstr(buf, argv[1]))
		escaped("openat(3, \"%s\") read the host canary beside the passed directory", rel);
	ev_add(&e, "openat(3, %s): %s", rel, fd < 0 ? en(errno) : "not the canary");
	if (fd >= 0)
		close(fd);
	if (fchdir(3) < 0) {
		ev_add(&e, "fchdir(3): %s", en(errno));
	} else if (chdir("..") < 0) {
		ev_add(&e, "chdir(..): %s", en(errno));
	} else {
		fd = open(argv[0], O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && read_fd(fd, buf, sizeof(buf)) > 0 && strstr(buf, argv[1]))
			escaped("fchdir(3) + chdir(\"..\") + open(\"%s\") read the host canary", argv[0]);
		ev_add(&e, "fchdir(3), chdir(..), open(%s): %s", argv[0], fd < 0 ? en(errno) : "not the canary");
	}
	blocked("%s", e.s);
}
