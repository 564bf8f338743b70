/* Cgroups: reading and writing the files of a cgroup directory, and turning
 * them into stats.  Shared by the layout detection, the public API and the two
 * drivers. */
#include "linux/cgroup_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/fs.h"

const char *cg_max_str(int64_t v, char buf[32])
{
	if (v < 0)
		snprintf(buf, 32, "max");
	else
		snprintf(buf, 32, "%" PRId64, v);
	return buf;
}

int cg_open_w(int dirfd, const char *file, const char *field, struct moat_err *err)
{
	int fd = openat(dirfd, file, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	if (errno == ENOENT)
		return moat_fail(err, ENOENT, "%s: not supported by this kernel (%s missing)", field, file);
	return moat_fail_errno(err, errno, "%s: open %s", field, file);
}

int cg_write_fd(int fd, const char *file, const char *val, const char *field, struct moat_err *err)
{
	int r = write_all(fd, val, strlen(val));
	if (r < 0)
		return moat_fail_errno(err, -r, "%s: write '%s' to %s", field, val, file);
	return 0;
}

int cg_write(int dirfd, const char *file, const char *val, const char *field, struct moat_err *err)
{
	int fd = cg_open_w(dirfd, file, field, err);
	if (fd < 0)
		return fd;
	int r = cg_write_fd(fd, file, val, field, err);
	close(fd);
	return r;
}

int cg_writef(int dirfd, const char *file, const char *field, struct moat_err *err, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return cg_write(dirfd, file, buf, field, err);
}

int cg_read(int dirfd, const char *file, char *buf, size_t size, struct moat_err *err)
{
	int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return moat_fail_errno(err, errno, "open %s", file);
	size_t n = 0;
	while (n + 1 < size) {
		ssize_t k = read(fd, buf + n, size - 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int e = errno;
			close(fd);
			return moat_fail_errno(err, e, "read %s", file);
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	close(fd);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return 0;
}

int cg_wait_line(int dirfd, const char *file, const char *want, const char *nudge, const char *val,
		 struct moat_err *err)
{
	char buf[512];
	size_t len = strlen(want);
	long delay_us = 100, waited_us = 0;
	for (int i = 1;; i++) {
		int r = cg_read(dirfd, file, buf, sizeof(buf), err);
		if (r < 0)
			return r;
		for (const char *p = buf; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
			if (!strncmp(p, want, len) && (p[len] == '\n' || !p[len]))
				return 0;
		if (waited_us >= 2000000)
			return moat_fail(err, ETIMEDOUT, "%s did not report '%s' within 2s", file, want);
		if (nudge && i % 10 == 0 && (r = cg_write(dirfd, nudge, val, nudge, err)) < 0)
			return r;
		struct timespec ts = {0, delay_us * 1000};
		nanosleep(&ts, NULL);
		waited_us += delay_us;
		delay_us = delay_us < 10000 ? delay_us * 2 : 10000;
	}
}

int cg_read_u64(int dirfd, const char *file, uint64_t *out, struct moat_err *err)
{
	char buf[64], *end;
	int r = cg_read(dirfd, file, buf, sizeof(buf), err);
	if (r < 0)
		return r;
	if (!strcmp(buf, "max")) {
		*out = UINT64_MAX;
		return 0;
	}
	errno = 0;
	*out = strtoull(buf, &end, 10);
	if (errno || end == buf || *end)
		return moat_fail(err, EINVAL, "%s: unexpected contents '%s'", file, buf);
	return 0;
}

json_t *cg_obj(json_t *parent, const char *key)
{
	json_t *o = json_object_get(parent, key);
	if (!o) {
		o = json_object();
		json_object_set_new(parent, key, o);
	}
	return o;
}

static void stat_set(json_t *o, const char *key, uint64_t v)
{
	if (v <= INT64_MAX)
		json_object_set_new(o, key, json_integer((json_int_t)v));
}

void cg_stat_file(json_t *o, const char *key, int dirfd, const char *file)
{
	struct moat_err err;
	uint64_t v;
	if (dirfd >= 0 && cg_read_u64(dirfd, file, &v, &err) == 0 && v != UINT64_MAX)
		stat_set(o, key, v);
}

void cg_stat_keyed(json_t *o, const char *key, const char *buf, const char *name, uint64_t mult)
{
	size_t n = strlen(name);
	for (const char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, name, n) && p[n] == ' ') {
			stat_set(o, key, strtoull(p + n + 1, NULL, 10) * mult);
			return;
		}
	}
}

/* cpuset.cpus/mems and pids.max have the same names and formats in v1 and v2. */
int cg_apply_cpuset(int fd, const struct cg_res *r, struct moat_err *err)
{
	int rc = 0;
	if (r->cpus && (rc = cg_write(fd, "cpuset.cpus", r->cpus, RES ".cpu.cpus", err)) < 0)
		return rc;
	if (r->mems && (rc = cg_write(fd, "cpuset.mems", r->mems, RES ".cpu.mems", err)) < 0)
		return rc;
	return 0;
}

int cg_apply_pids(int fd, const struct cg_res *r, struct moat_err *err)
{
	char buf[32];
	return cg_write(fd, "pids.max", cg_max_str(r->pids_limit.v, buf), RES ".pids.limit", err);
}

int cg_apply_rdma(int fd, const struct cg_res *r, struct moat_err *err)
{
	int w = cg_open_w(fd, "rdma.max", RES ".rdma", err);
	if (w < 0)
		return w;
	int rc = 0;
	char line[256], h[32], o[32];
	for (size_t i = 0; rc == 0 && i < r->n_rdma; i++) {
		const struct cg_rdma *d = &r->rdma[i];
		snprintf(line, sizeof(line), "%s hca_handle=%s hca_object=%s", d->device,
			 cg_max_str(d->handles.set ? (int64_t)d->handles.v : -1, h),
			 cg_max_str(d->objects.set ? (int64_t)d->objects.v : -1, o));
		rc = cg_write_fd(w, "rdma.max", line, RES ".rdma", err);
	}
	close(w);
	return rc;
}
