/* setns into the host's namespaces through descriptors passed in: the
 * runner passes its own network namespace as fd 3 and mount namespace as fd 4
 * (`--preserve-fds 2`) and their inode numbers.  Joining either is the
 * escape (checked by inode afterwards).  Args: NET_INO MNT_INO. */
#include "escape.h"

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int joined(const char *ns, const char *ino)
{
	char path[64];
	struct stat st;
	snprintf(path, sizeof(path), "/proc/self/ns/%s", ns);
	return stat(path, &st) == 0 && st.st_ino == strtoull(ino, NULL, 10);
}

ATTEMPT(setns_host)
{
	if (argc < 2)
		blocked("usage: NET_INO MNT_INO");
	struct stat st;
	if (fstat(3, &st) < 0 || fstat(4, &st) < 0)
		blocked("the namespace fds were not passed in: %s", en(errno));
	int r = setns(3, CLONE_NEWNET);
	int e = errno;
	if (r == 0 && joined("net", argv[0]))
		escaped("setns(fd 3) joined the host's network namespace");
	int r2 = setns(4, CLONE_NEWNS);
	int e2 = errno;
	if (r2 == 0 && joined("mnt", argv[1]))
		escaped("setns(fd 4) joined the host's mount namespace");
	blocked("setns(host net): %s; setns(host mnt): %s", r == 0 ? "returned 0, not joined" : en(e),
		r2 == 0 ? "returned 0, not joined" : en(e2));
}
