/* mknod: create /dev/mem (1:1) and open it; a node that opens is the host's
 * physical memory in the container's hands (never read). */
#include "escape.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

ATTEMPT(mknod)
{
	(void)argc;
	(void)argv;
	struct ev e = {0};
	char path[256];
	if (!make_node("escape-mem", S_IFCHR, makedev(1, 1), path, sizeof(path), &e))
		blocked("%s", e.s);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int err = errno;
	unlink(path);
	if (fd >= 0) {
		close(fd);
		escaped("made %s (1:1, /dev/mem) and opened it", path);
	}
	blocked("made %s (1:1) but open: %s", path, en(err));
}

