#include "linux/devices.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "linux/rootfs.h"

static const struct oci_device default_devices[] = {
	{.path = "/dev/null", .type = 'c', .major = 1, .minor = 3, .mode = 0666, .has_mode = true},
	{.path = "/dev/zero", .type = 'c', .major = 1, .minor = 5, .mode = 0666, .has_mode = true},
	{.path = "/dev/full", .type = 'c', .major = 1, .minor = 7, .mode = 0666, .has_mode = true},
	{.path = "/dev/random", .type = 'c', .major = 1, .minor = 8, .mode = 0666, .has_mode = true},
	{.path = "/dev/urandom", .type = 'c', .major = 1, .minor = 9, .mode = 0666, .has_mode = true},
	{.path = "/dev/tty", .type = 'c', .major = 5, .minor = 0, .mode = 0666, .has_mode = true},
};

static const struct {
	const char *target, *link;
} dev_links[] = {
	{"/proc/self/fd", "dev/fd"},
	{"/proc/self/fd/0", "dev/stdin"},
	{"/proc/self/fd/1", "dev/stdout"},
	{"/proc/self/fd/2", "dev/stderr"},
	{"pts/ptmx", "dev/ptmx"},
};

static int create_device(int rootfd, const struct oci_device *d, bool userns, struct moat_err *err)
{
	const char *rel = d->path + 1;
	char parent[4096];
	const char *slash = strrchr(rel, '/');
	int dirfd = rootfd, r;
	if (slash) {
		snprintf(parent, sizeof(parent), "%.*s", (int)(slash - rel), rel);
		if ((r = root_open(rootfd, parent, ROOT_CREATE_DIR, &dirfd, err)) < 0)
			return r;
	}
	const char *name = slash ? slash + 1 : rel;
	mode_t mode = d->has_mode ? d->mode : 0666;
	mode_t kind = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
	r = 0;
	if (userns && kind != S_IFIFO) {
		/* no mknod in a user namespace: bind the host's node onto an empty file */
		int fd = openat(dirfd, name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0);
		if (fd < 0 && errno != EEXIST) {
			r = moat_fail_errno(err, errno, "create %s", d->path);
			goto out;
		}
		if (fd >= 0)
			close(fd);
		int tfd;
		if ((r = root_open(rootfd, rel, ROOT_NO_CREATE, &tfd, err)) < 0)
			goto out;
		char target[64];
		snprintf(target, sizeof(target), "/proc/self/fd/%d", tfd);
		if (mount(d->path, target, NULL, MS_BIND, NULL) < 0)
			r = moat_fail_errno(err, errno, "bind host device %s", d->path);
		close(tfd);
		goto out;
	}
	unlinkat(dirfd, name, 0);
	if (mknodat(dirfd, name, kind | mode, makedev((unsigned)d->major, (unsigned)d->minor)) < 0) {
		r = moat_fail_errno(err, errno, "mknod %s", d->path);
		goto out;
	}
	/* mknod is subject to umask; the spec's fileMode is exact */
	if (fchmodat(dirfd, name, mode, 0) < 0) {
		r = moat_fail_errno(err, errno, "chmod %s", d->path);
		goto out;
	}
	if ((d->has_uid || d->has_gid) &&
	    fchownat(dirfd, name, d->has_uid ? d->uid : (uid_t)-1, d->has_gid ? d->gid : (gid_t)-1,
		     AT_SYMLINK_NOFOLLOW) < 0)
		r = moat_fail_errno(err, errno, "chown %s", d->path);
out:
	if (dirfd != rootfd)
		close(dirfd);
	return r;
}

int devices_create(int rootfd, const struct oci_spec *spec, bool userns, struct moat_err *err)
{
	int r;
	for (size_t i = 0; i < sizeof(default_devices) / sizeof(default_devices[0]); i++) {
		bool overridden = false;
		for (size_t j = 0; j < spec->n_devices; j++)
			if (!strcmp(spec->devices[j].path, default_devices[i].path))
				overridden = true;
		if (!overridden && (r = create_device(rootfd, &default_devices[i], userns, err)) < 0)
			return r;
	}
	for (size_t j = 0; j < spec->n_devices; j++)
		if ((r = create_device(rootfd, &spec->devices[j], userns, err)) < 0)
			return moat_err_prefix(err, "linux.devices[%zu]", j);
	for (size_t i = 0; i < sizeof(dev_links) / sizeof(dev_links[0]); i++) {
		if (symlinkat(dev_links[i].target, rootfd, dev_links[i].link) < 0 && errno != EEXIST)
			return moat_fail_errno(err, errno, "symlink /%s", dev_links[i].link);
	}
	return 0;
}
