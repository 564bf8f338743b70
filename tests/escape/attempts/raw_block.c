/* raw-block: read the first sector of the host's root disk, through any block
 * device already in /dev or a node made for the runner's MAJ:MIN (the
 * device of the host's "/").  Reading it is the escape.  Args: MAJ MIN. */
#include "escape.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static void try_read(const char *path, struct ev *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ev_add(e, "open %s: %s", path, en(errno));
		return;
	}
	char sector[512];
	ssize_t n = read(fd, sector, sizeof(sector));
	int err = errno;
	close(fd);
	if (n > 0)
		escaped("read %zd bytes of the block device %s", n, path);
	ev_add(e, "read %s: %s", path, n < 0 ? en(err) : "empty");
}

ATTEMPT(raw_block)
{
	struct ev e = {0};
	DIR *d = opendir("/dev");
	struct dirent *de;
	int found = 0;
	while (d && (de = readdir(d))) {
		char path[300];
		struct stat st;
		snprintf(path, sizeof(path), "/dev/%s", de->d_name);
		if (stat(path, &st) == 0 && S_ISBLK(st.st_mode)) {
			found++;
			try_read(path, &e);
		}
	}
	if (d)
		closedir(d);
	if (!found)
		ev_add(&e, "no block device in /dev");
	if (argc >= 2) {
		char path[256];
		dev_t dev = makedev((unsigned)atoi(argv[0]), (unsigned)atoi(argv[1]));
		if (make_node("escape-disk", S_IFBLK, dev, path, sizeof(path), &e)) {
			try_read(path, &e);
			unlink(path);
		}
	}
	blocked("%s", e.s);
}
