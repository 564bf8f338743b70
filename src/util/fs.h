/* Small file helpers shared by the runtime.  All return 0 or -errno and fill err. */
#ifndef MOAT_UTIL_FS_H
#define MOAT_UTIL_FS_H

#include <stddef.h>
#include <sys/types.h>

#include "util/error.h"

/* Read a whole file (NUL-terminated) into *out (malloc'd); *len may be NULL.
 * max bounds the size read; a larger file is an error (EFBIG). */
int read_file_at(int dirfd, const char *path, size_t max, char **out, size_t *len, struct moat_err *err);

/* Write data to path (truncating), without creating it: the cgroup/proc kind of file. */
int write_file_at(int dirfd, const char *path, const char *data, size_t len, struct moat_err *err);

/* Write path atomically: a temp file in the same directory, fsync-free rename over path. */
int write_file_atomic(const char *path, const char *data, size_t len, mode_t mode, struct moat_err *err);

/* mkdir -p with mode; existing directories are fine. */
int mkdir_p(const char *path, mode_t mode, struct moat_err *err);

/* Remove a directory tree that moat itself created (state dirs); does not cross mounts. */
int rm_rf(const char *path);

/* Write all of buf to fd, retrying on EINTR and short writes. Returns 0 or -errno. */
int write_all(int fd, const void *buf, size_t len);

#endif
