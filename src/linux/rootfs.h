/* The container's root filesystem, built by the init inside its own mount
 * namespace before pivot_root.
 *
 * Every mount target is resolved inside the rootfs with openat2
 * (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), created if missing, and mounted
 * through its fd (/proc/self/fd/N), so a symlink planted in the image can
 * never point a mount outside the rootfs. */
#ifndef MOAT_LINUX_ROOTFS_H
#define MOAT_LINUX_ROOTFS_H

#include <stdbool.h>

#include "oci/spec.h"
#include "util/error.h"

enum root_create { ROOT_NO_CREATE, ROOT_CREATE_DIR, ROOT_CREATE_FILE };

/* Open path (relative to the rootfs, leading '/' ignored) as O_PATH inside
 * rootfd, creating missing components as directories (and the last one as
 * `create` says).  Never leaves the root. */
int root_open(int rootfd, const char *path, enum root_create create, int *out, struct moat_err *err);

struct rootfs_opts {
	const char *cgroup_path; /* the container's cgroup, for cgroup mounts */
	bool userns;             /* in a new user namespace: bind devices, keep locked flags */
	bool new_cgroupns;
};

/* Everything before pivot_root: propagation, the rootfs bind, mounts in
 * order, /dev, masked and read-only paths, cwd, read-only root. */
int rootfs_prepare(const struct oci_spec *spec, const struct rootfs_opts *o, struct moat_err *err);
/* pivot_root into the rootfs (or move + chroot with no_pivot) and drop the old root. */
int rootfs_pivot(const struct oci_spec *spec, bool no_pivot, struct moat_err *err);

#endif
