/* A host file passed in read-only (`run --preserve-fds 1`, fd 3): reopen it
 * for writing through /proc/self/fd/3 and append a marker line (the runner's
 * canary, the one host file an attempt may write; the runner checks it).
 * Writing it is the escape.  Args: MARKER. */
#include "escape.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

ATTEMPT(host_fd_reopen)
{
	if (argc < 1)
		blocked("usage: MARKER");
	int fl = fcntl(3, F_GETFL);
	if (fl < 0)
		blocked("fd 3 was not passed in: %s", en(errno));
	if ((fl & O_ACCMODE) != O_RDONLY)
		blocked("fd 3 is already writable: nothing to gain");
	int fd = open("/proc/self/fd/3", O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		blocked("open(/proc/self/fd/3, O_WRONLY): %s", en(errno));
	char line[256];
	snprintf(line, sizeof(line), "%s\n", argv[0]);
	ssize_t w = write(fd, line, strlen(line));
	int e = errno;
	close(fd);
	if (w < 0)
		blocked("reopened fd 3 for writing, but write: %s", en(e));
	escaped("reopened the read-only host fd 3 for writing through /proc/self/fd/3 and appended to the host file");
}
