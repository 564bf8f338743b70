/* Cgroups: layout detection, linux.resources parsing, and the public API.
 * What to write where lives in cgroup_v1.c and cgroup_v2.c.
 *
 * Layout.  The root is /sys/fs/cgroup (or $MOAT_CGROUP_ROOT).  A cgroup2
 * filesystem at the root is pure v2.  Otherwise the v1 hierarchies are the
 * "cgroup" mounts below the root listed in /proc/self/mountinfo (their super
 * options name the controllers), and a cgroup2 mount below the root (normally
 * root/unified) makes the layout hybrid.  A fake tree ($MOAT_CGROUP_ROOT, for
 * tests) is plain directories, so it is read by shape instead: cgroup.controllers
 * at its root means v2; otherwise each subdirectory is a v1 hierarchy named
 * after its controllers ("memory", "cpu,cpuacct", "systemd" for name=systemd),
 * and "unified" holding cgroup.controllers is the hybrid unified hierarchy.
 *
 * Resources go to the v1 hierarchy of their controller when there is one, and
 * otherwise to the cgroup2 directory: on hybrid hosts that is how hugetlb,
 * living only in the unified hierarchy, gets applied. */
#include "linux/cgroup_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "util/fs.h"
#include "util/json.h"

#define RES "linux.resources"

/* Helpers ------------------------------------------------------------------ */

static const struct {
	const char *name;
	unsigned bit;
} ctrl_names[] = {
	{"cpu", CG_CPU},         {"cpuacct", CG_CPUACCT}, {"cpuset", CG_CPUSET},         {"memory", CG_MEMORY},
	{"devices", CG_DEVICES}, {"freezer", CG_FREEZER}, {"io", CG_BLKIO},              {"blkio", CG_BLKIO},
	{"pids", CG_PIDS},       {"hugetlb", CG_HUGETLB}, {"net_cls", CG_NET_CLS},       {"net_prio", CG_NET_PRIO},
	{"rdma", CG_RDMA},       {"misc", CG_MISC},       {"perf_event", CG_PERF_EVENT},
};

unsigned cg_ctrl_bit(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(ctrl_names) / sizeof(ctrl_names[0]); i++)
		if (strlen(ctrl_names[i].name) == len && !memcmp(ctrl_names[i].name, name, len))
			return ctrl_names[i].bit;
	return 0;
}

const char *cg_ctrl_v2_name(unsigned bit)
{
	for (size_t i = 0; i < sizeof(ctrl_names) / sizeof(ctrl_names[0]); i++)
		if (ctrl_names[i].bit == bit)
			return ctrl_names[i].name;
	return "?";
}

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

static const char *cg_root(bool *fake)
{
	const char *r = getenv("MOAT_CGROUP_ROOT");
	*fake = r && *r;
	return *fake ? r : "/sys/fs/cgroup";
}

/* Layout ------------------------------------------------------------------- */

static unsigned parse_ctrl_list(const char *s, const char *seps)
{
	unsigned mask = 0;
	while (*s) {
		size_t n = strcspn(s, seps);
		if (n > 5 && !strncmp(s, "name=", 5))
			mask |= CG_NAMED;
		else
			mask |= cg_ctrl_bit(s, n);
		s += n;
		s += strspn(s, seps);
	}
	return mask;
}

static int set_unified(struct cg_layout *l, const char *mnt, struct moat_err *err)
{
	if (strlen(mnt) >= sizeof(l->unified.mnt))
		return moat_fail(err, ENAMETOOLONG, "cgroup mount %s: path too long", mnt);
	strcpy(l->unified.mnt, mnt);
	l->has_unified = true;
	char buf[512];
	int dfd = open(mnt, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return moat_fail_errno(err, errno, "open %s", mnt);
	int r = cg_read(dfd, "cgroup.controllers", buf, sizeof(buf), err);
	close(dfd);
	if (r < 0)
		return moat_err_prefix(err, "cgroup2 at %s", mnt);
	l->unified.ctrls = parse_ctrl_list(buf, " ");
	return 0;
}

static int add_v1(struct cg_layout *l, const char *mnt, unsigned ctrls, struct moat_err *err)
{
	if (!ctrls)
		return 0;
	for (size_t i = 0; i < l->n_v1; i++)
		if (l->v1[i].ctrls == ctrls)
			return 0; /* the same hierarchy mounted twice */
	if (l->n_v1 == CG_MAX_HIER)
		return moat_fail(err, E2BIG, "more than %d cgroup v1 hierarchies", CG_MAX_HIER);
	if (strlen(mnt) >= sizeof(l->v1[0].mnt))
		return moat_fail(err, ENAMETOOLONG, "cgroup mount %s: path too long", mnt);
	strcpy(l->v1[l->n_v1].mnt, mnt);
	l->v1[l->n_v1++].ctrls = ctrls;
	return 0;
}

static int detect_mountinfo(struct cg_layout *l, struct moat_err *err)
{
	char *buf;
	int r = read_file_at(AT_FDCWD, "/proc/self/mountinfo", 64u << 20, &buf, NULL, err);
	if (r < 0)
		return r;
	size_t rootlen = strlen(l->root);
	for (char *line = buf, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		/* id parent dev root MOUNTPOINT opts [optional...] - FSTYPE source SUPEROPTS */
		char *sep = strstr(line, " - ");
		if (!sep)
			continue;
		*sep = '\0';
		char *fields[5] = {0};
		char *p = line;
		for (int i = 0; i < 5 && p; i++) {
			fields[i] = p;
			p = strchr(p, ' ');
			if (p)
				*p++ = '\0';
		}
		char *mnt = fields[4];
		if (!mnt || strncmp(mnt, l->root, rootlen) || mnt[rootlen] != '/')
			continue;
		char *fstype = sep + 3;
		char *source = strchr(fstype, ' ');
		if (!source)
			continue;
		*source++ = '\0';
		char *opts = strchr(source, ' ');
		opts = opts ? opts + 1 : (char *)"";
		if (!strcmp(fstype, "cgroup"))
			r = add_v1(l, mnt, parse_ctrl_list(opts, ","), err);
		else if (!strcmp(fstype, "cgroup2") && !l->has_unified)
			r = set_unified(l, mnt, err);
		if (r < 0)
			break;
	}
	free(buf);
	return r;
}

static int detect_fake(struct cg_layout *l, struct moat_err *err)
{
	DIR *d = opendir(l->root);
	if (!d)
		return moat_fail_errno(err, errno, "open cgroup root %s", l->root);
	int r = 0;
	if (faccessat(dirfd(d), "cgroup.controllers", F_OK, 0) == 0) {
		l->mode = CGROUP_MODE_V2;
		r = set_unified(l, l->root, err);
		closedir(d);
		return r;
	}
	struct dirent *de;
	char path[PATH_MAX];
	while (r == 0 && (de = readdir(d))) {
		struct stat st;
		if (de->d_name[0] == '.' || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		snprintf(path, sizeof(path), "%s/%s", l->root, de->d_name);
		if (!strcmp(de->d_name, "unified")) {
			if (faccessat(dirfd(d), "unified/cgroup.controllers", F_OK, 0) == 0)
				r = set_unified(l, path, err);
		} else if (!strcmp(de->d_name, "systemd")) {
			r = add_v1(l, path, CG_NAMED, err);
		} else {
			r = add_v1(l, path, parse_ctrl_list(de->d_name, ","), err);
		}
	}
	closedir(d);
	return r;
}

static struct cg_layout layout_cache;
static bool layout_valid;

int cg_layout(const struct cg_layout **out, struct moat_err *err)
{
	bool fake;
	const char *root = cg_root(&fake);
	if (layout_valid && !strcmp(layout_cache.root, root)) {
		*out = &layout_cache;
		return 0;
	}
	struct cg_layout *l = &layout_cache;
	memset(l, 0, sizeof(*l));
	layout_valid = false;
	if (strlen(root) >= sizeof(l->root))
		return moat_fail(err, ENAMETOOLONG, "cgroup root %s: path too long", root);
	strcpy(l->root, root);
	int r;
	struct statfs sf;
	if (fake) {
		r = detect_fake(l, err);
	} else if (statfs(root, &sf) < 0) {
		return moat_fail_errno(err, errno, "statfs %s", root);
	} else if (sf.f_type == CGROUP2_SUPER_MAGIC) {
		l->mode = CGROUP_MODE_V2;
		r = set_unified(l, root, err);
	} else {
		r = detect_mountinfo(l, err);
	}
	if (r < 0)
		return r;
	if (l->mode != CGROUP_MODE_V2) {
		if (!l->n_v1 && !l->has_unified)
			return moat_fail(err, ENOENT, "no cgroup filesystem is mounted under %s", root);
		l->mode = l->has_unified ? CGROUP_MODE_HYBRID : CGROUP_MODE_V1;
	}
	layout_valid = true;
	*out = l;
	return 0;
}

int cg_v1_index(const struct cg_layout *l, unsigned ctrl)
{
	for (size_t i = 0; i < l->n_v1; i++)
		if (l->v1[i].ctrls & ctrl)
			return (int)i;
	return -1;
}

static unsigned v1_mask(const struct cg_layout *l)
{
	unsigned m = 0;
	for (size_t i = 0; i < l->n_v1; i++)
		m |= l->v1[i].ctrls;
	return m;
}

int cgroups_mode(enum cgroup_mode *mode, struct moat_err *err)
{
	const struct cg_layout *l;
	int r = cg_layout(&l, err);
	if (r == 0)
		*mode = l->mode;
	return r;
}

/* Paths -------------------------------------------------------------------- */

/* "/a/b" below the root: no "..", not the root itself. */
static int check_path(const char *path, struct moat_err *err)
{
	if (!path || path[0] != '/' || !path[1])
		return moat_fail(err, EINVAL, "cgroup path '%s' must name a cgroup below the root", path ? path : "");
	for (const char *p = path; (p = strstr(p, "..")); p += 2)
		if (p[-1] == '/' && (p[2] == '/' || p[2] == '\0'))
			return moat_fail(err, EINVAL, "cgroup path '%s': '..' is not allowed", path);
	if (strlen(path) >= PATH_MAX - CG_PATH - 64)
		return moat_fail(err, ENAMETOOLONG, "cgroup path '%s' is too long", path);
	return 0;
}

/* Normalize a cgroupfs path: collapse "//" and ".", refuse "..". */
static int normalize(const char *in, char **out, struct moat_err *err)
{
	size_t n = strlen(in);
	char *o = malloc(n + 2), *w = o;
	if (!o)
		return moat_fail_errno(err, ENOMEM, "cgroupsPath");
	for (const char *p = in; *p;) {
		size_t len = strcspn(p, "/");
		if (len == 2 && !strncmp(p, "..", 2)) {
			free(o);
			return moat_fail(err, EINVAL, "linux.cgroupsPath '%s': '..' is not allowed", in);
		}
		if (len && !(len == 1 && *p == '.')) {
			*w++ = '/';
			memcpy(w, p, len);
			w += len;
		}
		p += len;
		p += strspn(p, "/");
	}
	*w = '\0';
	if (w == o) {
		free(o);
		return moat_fail(err, EINVAL, "linux.cgroupsPath '%s' names the root cgroup", in);
	}
	*out = o;
	return 0;
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t k = strlen(suffix);
	return len >= k && !memcmp(s + len - k, suffix, k);
}

/* systemd's slice naming: "a-b.slice" lives at /a.slice/a-b.slice. */
static int expand_slice(const char *slice, size_t len, char *out, size_t size, struct moat_err *err)
{
	if (len == 7 && !memcmp(slice, "-.slice", 7)) {
		out[0] = '\0';
		return 0;
	}
	if (!ends_with(slice, len, ".slice") || len == 6 || memchr(slice, '/', len) || slice[0] == '-')
		return moat_fail(err, EINVAL, "linux.cgroupsPath: invalid slice name '%.*s'", (int)len, slice);
	size_t base = len - 6, o = 0;
	for (size_t i = 0; i <= base; i++) {
		if (i < base && slice[i] != '-')
			continue;
		if (i + 1 < base && slice[i + 1] == '-')
			return moat_fail(err, EINVAL, "linux.cgroupsPath: invalid slice name '%.*s'", (int)len, slice);
		int k = snprintf(out + o, size - o, "/%.*s.slice", (int)i, slice);
		if (k < 0 || (size_t)k >= size - o)
			return moat_fail(err, ENAMETOOLONG, "linux.cgroupsPath: slice name too long");
		o += (size_t)k;
	}
	return 0;
}

/* The systemd driver's "slice:prefix:name", mapped to the cgroupfs path systemd
 * itself would use.  moat creates the directories directly (no D-Bus). */
static int systemd_path(const char *spec, const char *id, char **out, struct moat_err *err)
{
	char def[1200];
	if (!spec || !*spec) {
		snprintf(def, sizeof(def), "system.slice:moat:%s", id);
		spec = def;
	}
	const char *c1 = strchr(spec, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c2 || strchr(c2 + 1, ':'))
		return moat_fail(err, EINVAL, "linux.cgroupsPath '%s': expected slice:prefix:name for the systemd driver",
				 spec);
	const char *slice = spec, *prefix = c1 + 1, *name = c2 + 1;
	size_t slice_len = (size_t)(c1 - spec), prefix_len = (size_t)(c2 - prefix);
	if (!slice_len) {
		slice = "system.slice";
		slice_len = strlen(slice);
	}
	if (!*name || strchr(name, '/') || memchr(prefix, '/', prefix_len))
		return moat_fail(err, EINVAL, "linux.cgroupsPath '%s': invalid unit name", spec);
	char path[PATH_MAX];
	int r = expand_slice(slice, slice_len, path, sizeof(path), err);
	if (r < 0)
		return r;
	size_t o = strlen(path);
	int k;
	if (ends_with(name, strlen(name), ".slice"))
		k = snprintf(path + o, sizeof(path) - o, "/%s", name);
	else if (prefix_len)
		k = snprintf(path + o, sizeof(path) - o, "/%.*s-%s.scope", (int)prefix_len, prefix, name);
	else
		k = snprintf(path + o, sizeof(path) - o, "/%s.scope", name);
	if (k < 0 || (size_t)k >= sizeof(path) - o)
		return moat_fail(err, ENAMETOOLONG, "linux.cgroupsPath '%s' is too long", spec);
	*out = strdup(path);
	return *out ? 0 : moat_fail_errno(err, ENOMEM, "cgroupsPath");
}

int cgroups_resolve_path(const char *cgroups_path, const char *id, bool systemd, char **out, struct moat_err *err)
{
	if (systemd) {
		if (access("/run/systemd/system", F_OK) < 0)
			return moat_fail(err, ENOTSUP, "systemd cgroup driver: systemd is not running on this host");
		return systemd_path(cgroups_path, id, out, err);
	}
	if (!cgroups_path || !*cgroups_path) {
		if (asprintf(out, "/moat/%s", id) < 0)
			return moat_fail_errno(err, ENOMEM, "cgroupsPath");
		return 0;
	}
	const char *c1 = strchr(cgroups_path, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (c2 && !strchr(c2 + 1, ':') && ends_with(cgroups_path, (size_t)(c1 - cgroups_path), ".slice"))
		return moat_fail(err, EINVAL,
				 "linux.cgroupsPath '%s' looks like a systemd path but --systemd-cgroup was not given",
				 cgroups_path);
	/* A relative path is taken from the root of each hierarchy, like an absolute one. */
	return normalize(cgroups_path, out, err);
}

/* Parsing linux.resources -------------------------------------------------- */

/* An int64 limit where -1 is unlimited and 0 unset. */
static int opt_limit(json_t *o, const char *key, const char *where, struct cg_i64 *out, struct moat_err *err)
{
	int64_t v = 0;
	bool present = false;
	int r = json_opt_int(o, key, where, -1, INT64_MAX, &v, &present, err);
	if (r == 0 && present && v != 0) {
		out->set = true;
		out->v = v;
	}
	return r;
}

static int opt_u64(json_t *o, const char *key, const char *where, uint64_t max, bool zero_unset, struct cg_u64 *out,
		   struct moat_err *err)
{
	uint64_t v = 0;
	bool present = false;
	int r = json_opt_uint(o, key, where, max, &v, &present, err);
	if (r == 0 && present && !(zero_unset && v == 0)) {
		out->set = true;
		out->v = v;
	}
	return r;
}

/* A required integer member of an array element. */
static int req_int(json_t *o, const char *key, const char *where, int64_t min, int64_t max, int64_t *out,
		   struct moat_err *err)
{
	bool present = false;
	int r = json_opt_int(o, key, where, min, max, out, &present, err);
	if (r == 0 && !present)
		return moat_fail(err, EINVAL, "%s.%s: required", where, key);
	return r;
}

static int req_uint(json_t *o, const char *key, const char *where, uint64_t max, uint64_t *out, struct moat_err *err)
{
	bool present = false;
	int r = json_opt_uint(o, key, where, max, out, &present, err);
	if (r == 0 && !present)
		return moat_fail(err, EINVAL, "%s.%s: required", where, key);
	return r;
}

static int opt_str(json_t *o, const char *key, const char *where, const char **out, struct moat_err *err)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
		return moat_fail(err, EINVAL, "%s.%s: expected a string", where, key);
	*out = json_string_value(v);
	return 0;
}

/* Each element of where.key must be an object; returns the array (or NULL). */
static int obj_array(json_t *o, const char *key, const char *where, json_t **arr, size_t elem, void **out,
		     size_t *n, struct moat_err *err)
{
	*arr = NULL;
	int r = json_opt_array(o, key, where, arr, err);
	if (r < 0 || !*arr || !json_array_size(*arr))
		return r;
	size_t i;
	json_t *v;
	json_array_foreach(*arr, i, v) {
		if (!json_is_object(v))
			return moat_fail(err, EINVAL, "%s.%s[%zu]: expected an object", where, key, i);
	}
	*out = calloc(json_array_size(*arr), elem);
	if (!*out)
		return moat_fail_errno(err, ENOMEM, "%s.%s", where, key);
	*n = json_array_size(*arr);
	return 0;
}

static int parse_memory(json_t *res, struct cg_res *r, struct moat_err *err)
{
	json_t *m = NULL;
	const char *w = RES ".memory";
	int rc = json_opt_object(res, "memory", RES, &m, err);
	if (rc < 0 || !m)
		return rc;
	bool use_hierarchy = false;
	if ((rc = opt_limit(m, "limit", w, &r->mem_limit, err)) < 0 ||
	    (rc = opt_limit(m, "reservation", w, &r->mem_reservation, err)) < 0 ||
	    (rc = opt_limit(m, "swap", w, &r->mem_swap, err)) < 0 ||
	    (rc = opt_limit(m, "kernel", w, &r->mem_kernel, err)) < 0 ||
	    (rc = opt_limit(m, "kernelTCP", w, &r->mem_kernel_tcp, err)) < 0 ||
	    (rc = json_opt_bool(m, "disableOOMKiller", w, &r->disable_oom, err)) < 0 ||
	    /* Kernels have been hierarchical-only for years: checked, not applied. */
	    (rc = json_opt_bool(m, "useHierarchy", w, &use_hierarchy, err)) < 0 ||
	    (rc = json_opt_bool(m, "checkBeforeUpdate", w, &r->check_before_update, err)) < 0)
		return rc;
	/* Docker sends (uint64)-1 for "not set"; -1 means the same. */
	json_t *sw = json_object_get(m, "swappiness");
	if (!(json_is_integer(sw) && json_integer_value(sw) == -1) &&
	    !(json_is_real(sw) && json_real_value(sw) >= 18446744073709551615.0) &&
	    (rc = opt_u64(m, "swappiness", w, 100, false, &r->swappiness, err)) < 0)
		return rc;
	if (r->mem_limit.set && r->mem_swap.set && r->mem_limit.v > 0 && r->mem_swap.v > 0 &&
	    r->mem_swap.v < r->mem_limit.v)
		return moat_fail(err, EINVAL,
				 RES ".memory.swap: %" PRId64 " is below memory.limit %" PRId64
				     " (swap is the memory+swap limit)",
				 r->mem_swap.v, r->mem_limit.v);
	return 0;
}

static int check_cpu_list(const char *s, const char *field, struct moat_err *err)
{
	if (s && s[strspn(s, "0123456789,- \n")])
		return moat_fail(err, EINVAL, "%s: '%s' is not a list like 0-3,5", field, s);
	return 0;
}

static int parse_cpu(json_t *res, struct cg_res *r, struct moat_err *err)
{
	json_t *c = NULL;
	const char *w = RES ".cpu";
	int rc = json_opt_object(res, "cpu", RES, &c, err);
	if (rc < 0 || !c)
		return rc;
	bool present = false;
	if ((rc = opt_u64(c, "shares", w, 262144, true, &r->cpu_shares, err)) < 0 ||
	    (rc = opt_limit(c, "quota", w, &r->cpu_quota, err)) < 0 ||
	    (rc = opt_u64(c, "burst", w, UINT64_MAX, false, &r->cpu_burst, err)) < 0 ||
	    (rc = opt_u64(c, "period", w, 1000000, true, &r->cpu_period, err)) < 0 ||
	    (rc = opt_limit(c, "realtimeRuntime", w, &r->cpu_rt_runtime, err)) < 0 ||
	    (rc = opt_u64(c, "realtimePeriod", w, UINT64_MAX, true, &r->cpu_rt_period, err)) < 0 ||
	    (rc = opt_str(c, "cpus", w, &r->cpus, err)) < 0 || (rc = opt_str(c, "mems", w, &r->mems, err)) < 0 ||
	    (rc = json_opt_int(c, "idle", w, 0, 1, &r->cpu_idle.v, &present, err)) < 0)
		return rc;
	r->cpu_idle.set = present;
	if (r->cpu_shares.set && r->cpu_shares.v < 2)
		return moat_fail(err, ERANGE, RES ".cpu.shares: must be 0 (unset) or in [2, 262144]");
	if (r->cpu_quota.set && r->cpu_quota.v > 0 && r->cpu_quota.v < 1000)
		return moat_fail(err, ERANGE, RES ".cpu.quota: must be -1 or at least 1000 (microseconds)");
	if (r->cpu_period.set && r->cpu_period.v < 1000)
		return moat_fail(err, ERANGE, RES ".cpu.period: must be in [1000, 1000000] (microseconds)");
	if (r->cpus && !*r->cpus)
		r->cpus = NULL;
	if (r->mems && !*r->mems)
		r->mems = NULL;
	if ((rc = check_cpu_list(r->cpus, RES ".cpu.cpus", err)) < 0 ||
	    (rc = check_cpu_list(r->mems, RES ".cpu.mems", err)) < 0)
		return rc;
	return 0;
}

/* blkio weights: 10..1000, 0 unset. */
static int opt_weight(json_t *o, const char *key, const char *where, struct cg_u64 *out, struct moat_err *err)
{
	int rc = opt_u64(o, key, where, 1000, true, out, err);
	if (rc == 0 && out->set && out->v < 10)
		return moat_fail(err, ERANGE, "%s.%s: must be 0 (unset) or in [10, 1000]", where, key);
	return rc;
}

static int parse_blkio(json_t *res, struct cg_res *r, struct moat_err *err)
{
	json_t *b = NULL, *arr;
	const char *w = RES ".blockIO";
	char where[128];
	int rc = json_opt_object(res, "blockIO", RES, &b, err);
	if (rc < 0 || !b)
		return rc;
	if ((rc = opt_weight(b, "weight", w, &r->blkio_weight, err)) < 0 ||
	    (rc = opt_weight(b, "leafWeight", w, &r->blkio_leaf_weight, err)) < 0 ||
	    (rc = obj_array(b, "weightDevice", w, &arr, sizeof(struct cg_weight_dev), (void **)&r->weight_devs,
			    &r->n_weight_devs, err)) < 0)
		return rc;
	for (size_t i = 0; i < r->n_weight_devs; i++) {
		json_t *e = json_array_get(arr, i);
		struct cg_weight_dev *d = &r->weight_devs[i];
		snprintf(where, sizeof(where), "%s.weightDevice[%zu]", w, i);
		if ((rc = req_int(e, "major", where, 0, UINT32_MAX, &d->major, err)) < 0 ||
		    (rc = req_int(e, "minor", where, 0, UINT32_MAX, &d->minor, err)) < 0 ||
		    (rc = opt_weight(e, "weight", where, &d->weight, err)) < 0 ||
		    (rc = opt_weight(e, "leafWeight", where, &d->leaf_weight, err)) < 0)
			return rc;
	}
	static const char *const thr[CG_THR_N] = {"throttleReadBpsDevice", "throttleWriteBpsDevice",
						  "throttleReadIOPSDevice", "throttleWriteIOPSDevice"};
	for (int t = 0; t < CG_THR_N; t++) {
		if ((rc = obj_array(b, thr[t], w, &arr, sizeof(struct cg_rate_dev), (void **)&r->throttle[t],
				    &r->n_throttle[t], err)) < 0)
			return rc;
		for (size_t i = 0; i < r->n_throttle[t]; i++) {
			json_t *e = json_array_get(arr, i);
			struct cg_rate_dev *d = &r->throttle[t][i];
			snprintf(where, sizeof(where), "%s.%s[%zu]", w, thr[t], i);
			if ((rc = req_int(e, "major", where, 0, UINT32_MAX, &d->major, err)) < 0 ||
			    (rc = req_int(e, "minor", where, 0, UINT32_MAX, &d->minor, err)) < 0 ||
			    (rc = req_uint(e, "rate", where, UINT64_MAX, &d->rate, err)) < 0)
				return rc;
		}
	}
	return 0;
}

static int parse_hugepages(json_t *res, struct cg_res *r, struct moat_err *err)
{
	json_t *arr;
	char where[96];
	int rc = obj_array(res, "hugepageLimits", RES, &arr, sizeof(struct cg_hugepage), (void **)&r->hugepages,
			   &r->n_hugepages, err);
	for (size_t i = 0; rc == 0 && i < r->n_hugepages; i++) {
		json_t *e = json_array_get(arr, i);
		struct cg_hugepage *h = &r->hugepages[i];
		snprintf(where, sizeof(where), RES ".hugepageLimits[%zu]", i);
		if ((rc = opt_str(e, "pageSize", where, &h->size, err)) < 0 ||
		    (rc = req_uint(e, "limit", where, UINT64_MAX, &h->limit, err)) < 0)
			return rc;
		size_t digits = h->size ? strspn(h->size, "0123456789") : 0;
		if (!digits || strlen(h->size) != digits + 2 || !strchr("KMGTP", h->size[digits]) ||
		    h->size[digits + 1] != 'B')
			return moat_fail(err, EINVAL, "%s.pageSize: expected a size like 2MB or 1GB", where);
	}
	return rc;
}

static int parse_devices(json_t *res, struct cg_res *r, struct moat_err *err)
{
	json_t *arr;
	char where[96];
	int rc = obj_array(res, "devices", RES, &arr, sizeof(struct cg_dev_rule), (void **)&r->devices,
			   &r->n_devices, err);
	if (rc < 0 || !arr)
		return rc;
	r->has_devices = true;
	for (size_t i = 0; i < r->n_devices; i++) {
		json_t *e = json_array_get(arr, i);
		struct cg_dev_rule *d = &r->devices[i];
		const char *type = NULL, *access = NULL;
		snprintf(where, sizeof(where), RES ".devices[%zu]", i);
		if (!json_is_boolean(json_object_get(e, "allow")))
			return moat_fail(err, EINVAL, "%s.allow: required, true or false", where);
		d->allow = json_is_true(json_object_get(e, "allow"));
		d->major = d->minor = -1;
		if ((rc = opt_str(e, "type", where, &type, err)) < 0 ||
		    (rc = opt_str(e, "access", where, &access, err)) < 0 ||
		    (rc = json_opt_int(e, "major", where, -1, UINT32_MAX, &d->major, NULL, err)) < 0 ||
		    (rc = json_opt_int(e, "minor", where, -1, UINT32_MAX, &d->minor, NULL, err)) < 0)
			return rc;
		if (!type || !*type)
			type = "a";
		if (strlen(type) != 1 || !strchr("acb", type[0]))
			return moat_fail(err, EINVAL, "%s.type: '%s' is not one of a, c, b", where, type);
		d->type = type[0];
		d->access = access && *access ? 0 : CG_ACC_ALL;
		for (const char *p = access; p && *p; p++) {
			if (*p == 'r')
				d->access |= CG_ACC_R;
			else if (*p == 'w')
				d->access |= CG_ACC_W;
			else if (*p == 'm')
				d->access |= CG_ACC_M;
			else
				return moat_fail(err, EINVAL, "%s.access: '%s' is not a subset of \"rwm\"", where,
						 access);
		}
	}
	return 0;
}

static int parse_network(json_t *res, struct cg_res *r, struct moat_err *err)
{
	json_t *n = NULL, *arr;
	char where[96];
	const char *w = RES ".network";
	int rc = json_opt_object(res, "network", RES, &n, err);
	if (rc < 0 || !n)
		return rc;
	if ((rc = opt_u64(n, "classID", w, UINT32_MAX, false, &r->net_classid, err)) < 0 ||
	    (rc = obj_array(n, "priorities", w, &arr, sizeof(struct cg_prio), (void **)&r->prios, &r->n_prios,
			    err)) < 0)
		return rc;
	for (size_t i = 0; i < r->n_prios; i++) {
		json_t *e = json_array_get(arr, i);
		uint64_t prio = 0;
		snprintf(where, sizeof(where), "%s.priorities[%zu]", w, i);
		if ((rc = opt_str(e, "name", where, &r->prios[i].name, err)) < 0 ||
		    (rc = req_uint(e, "priority", where, UINT32_MAX, &prio, err)) < 0)
			return rc;
		if (!r->prios[i].name || !*r->prios[i].name || strpbrk(r->prios[i].name, " \n"))
			return moat_fail(err, EINVAL, "%s.name: required, an interface name", where);
		r->prios[i].prio = (uint32_t)prio;
	}
	return 0;
}

static int parse_rdma(json_t *res, struct cg_res *r, struct moat_err *err)
{
	json_t *o = NULL, *v;
	const char *key;
	char where[192];
	int rc = json_opt_object(res, "rdma", RES, &o, err);
	if (rc < 0 || !o || !json_object_size(o))
		return rc;
	r->rdma = calloc(json_object_size(o), sizeof(*r->rdma));
	if (!r->rdma)
		return moat_fail_errno(err, ENOMEM, RES ".rdma");
	json_object_foreach(o, key, v) {
		struct cg_rdma *d = &r->rdma[r->n_rdma++];
		snprintf(where, sizeof(where), RES ".rdma.%s", key);
		if (!json_is_object(v))
			return moat_fail(err, EINVAL, "%s: expected an object", where);
		if (!*key || strpbrk(key, " \n"))
			return moat_fail(err, EINVAL, "%s: invalid device name", where);
		d->device = key;
		if ((rc = opt_u64(v, "hcaHandles", where, UINT32_MAX, false, &d->handles, err)) < 0 ||
		    (rc = opt_u64(v, "hcaObjects", where, UINT32_MAX, false, &d->objects, err)) < 0)
			return rc;
	}
	return 0;
}

static int parse_unified(json_t *res, struct cg_res *r, struct moat_err *err)
{
	json_t *o = NULL, *v;
	const char *key;
	int rc = json_opt_object(res, "unified", RES, &o, err);
	if (rc < 0 || !o || !json_object_size(o))
		return rc;
	json_object_foreach(o, key, v) {
		if (!*key || strchr(key, '/') || !strcmp(key, ".") || !strcmp(key, ".."))
			return moat_fail(err, EINVAL, RES ".unified: '%s' is not a cgroup file name", key);
		if (!json_is_string(v))
			return moat_fail(err, EINVAL, RES ".unified.%s: expected a string", key);
	}
	r->unified = o;
	return 0;
}

/* The controllers r asks something of (devices excepted). */
unsigned cg_res_ctrls(const struct cg_res *r)
{
	unsigned m = 0;
	if (r->mem_limit.set || r->mem_reservation.set || r->mem_swap.set || r->mem_kernel.set ||
	    r->mem_kernel_tcp.set || r->swappiness.set || r->disable_oom)
		m |= CG_MEMORY;
	if (r->cpu_shares.set || r->cpu_quota.set || r->cpu_period.set || r->cpu_burst.set || r->cpu_rt_period.set ||
	    r->cpu_rt_runtime.set || r->cpu_idle.set)
		m |= CG_CPU;
	if (r->cpus || r->mems)
		m |= CG_CPUSET;
	if (r->pids_limit.set)
		m |= CG_PIDS;
	bool io = r->blkio_weight.set || r->blkio_leaf_weight.set || r->n_weight_devs;
	for (int t = 0; t < CG_THR_N; t++)
		io = io || r->n_throttle[t];
	if (io)
		m |= CG_BLKIO;
	if (r->n_hugepages)
		m |= CG_HUGETLB;
	if (r->net_classid.set)
		m |= CG_NET_CLS;
	if (r->n_prios)
		m |= CG_NET_PRIO;
	if (r->n_rdma)
		m |= CG_RDMA;
	return m;
}

/* The controllers named by the keys of linux.resources.unified ("memory.high"). */
static unsigned unified_ctrls(const struct cg_res *r)
{
	unsigned m = 0;
	const char *key;
	json_t *v;
	json_object_foreach(r->unified, key, v) {
		(void)v;
		m |= cg_ctrl_bit(key, strcspn(key, "."));
	}
	return m;
}

int cg_res_parse(json_t *resources, struct cg_res *r, struct moat_err *err)
{
	memset(r, 0, sizeof(*r));
	if (!resources || json_is_null(resources))
		return 0;
	if (!json_is_object(resources))
		return moat_fail(err, EINVAL, RES ": expected an object");
	json_t *p = NULL;
	int rc;
	if ((rc = parse_memory(resources, r, err)) < 0 || (rc = parse_cpu(resources, r, err)) < 0 ||
	    (rc = json_opt_object(resources, "pids", RES, &p, err)) < 0 ||
	    (p && (rc = opt_limit(p, "limit", RES ".pids", &r->pids_limit, err)) < 0) ||
	    (rc = parse_blkio(resources, r, err)) < 0 || (rc = parse_hugepages(resources, r, err)) < 0 ||
	    (rc = parse_devices(resources, r, err)) < 0 || (rc = parse_network(resources, r, err)) < 0 ||
	    (rc = parse_rdma(resources, r, err)) < 0 || (rc = parse_unified(resources, r, err)) < 0) {
		cg_res_free(r);
		return rc;
	}
	r->limits = cg_res_ctrls(r) || r->unified;
	return 0;
}

void cg_res_free(struct cg_res *r)
{
	free(r->weight_devs);
	for (int t = 0; t < CG_THR_N; t++)
		free(r->throttle[t]);
	free(r->hugepages);
	free(r->devices);
	free(r->prios);
	free(r->rdma);
	memset(r, 0, sizeof(*r));
}

int cgroups_validate(json_t *resources, struct moat_err *err)
{
	struct cg_res r;
	int rc = cg_res_parse(resources, &r, err);
	cg_res_free(&r);
	return rc;
}

/* What every container may use once device rules are given (runc's list). */
static const struct cg_dev_rule default_devices[] = {
	{true, 'c', -1, -1, CG_ACC_M},      /* mknod of any device */
	{true, 'b', -1, -1, CG_ACC_M},
	{true, 'c', 1, 3, CG_ACC_ALL},      /* null */
	{true, 'c', 1, 8, CG_ACC_ALL},      /* random */
	{true, 'c', 1, 7, CG_ACC_ALL},      /* full */
	{true, 'c', 5, 0, CG_ACC_ALL},      /* tty */
	{true, 'c', 1, 5, CG_ACC_ALL},      /* zero */
	{true, 'c', 1, 9, CG_ACC_ALL},      /* urandom */
	{true, 'c', 136, -1, CG_ACC_ALL},   /* pts */
	{true, 'c', 5, 2, CG_ACC_ALL},      /* ptmx */
	{true, 'c', 10, 200, CG_ACC_ALL},   /* tun */
};

int cg_device_rules(const struct cg_res *r, struct cg_dev_rule **out, size_t *n, struct moat_err *err)
{
	size_t nd = sizeof(default_devices) / sizeof(default_devices[0]);
	struct cg_dev_rule *v = malloc((1 + r->n_devices + nd) * sizeof(*v));
	if (!v)
		return moat_fail_errno(err, ENOMEM, RES ".devices");
	/* needless when the config starts with its own rule for all devices */
	size_t k = 0;
	if (!r->n_devices || r->devices[0].type != 'a')
		v[k++] = (struct cg_dev_rule){false, 'a', -1, -1, CG_ACC_ALL};
	if (r->n_devices)
		memcpy(v + k, r->devices, r->n_devices * sizeof(*v));
	k += r->n_devices;
	memcpy(v + k, default_devices, sizeof(default_devices));
	*out = v;
	*n = k + nd;
	return 0;
}

/* Resource fields by controller, for "no such controller" errors. */
static const char *ctrl_field(unsigned bit)
{
	switch (bit) {
	case CG_MEMORY: return RES ".memory";
	case CG_CPU: return RES ".cpu";
	case CG_CPUSET: return RES ".cpu.cpus/mems";
	case CG_PIDS: return RES ".pids";
	case CG_BLKIO: return RES ".blockIO";
	case CG_HUGETLB: return RES ".hugepageLimits";
	case CG_NET_CLS: return RES ".network.classID";
	case CG_NET_PRIO: return RES ".network.priorities";
	case CG_RDMA: return RES ".rdma";
	default: return RES;
	}
}

/* The controllers the cgroup2 directory serves: all on v2, the rest on hybrid. */
static unsigned v2_handled(const struct cg_layout *l)
{
	if (!l->has_unified)
		return 0;
	unsigned v1 = v1_mask(l);
	return (l->unified.ctrls | CG_DEVICES) & ~v1;
}

/* Fail before anything is created when r asks for a controller no hierarchy has. */
static int check_available(const struct cg_layout *l, const struct cg_res *r, struct moat_err *err)
{
	unsigned missing = cg_res_ctrls(r) & ~(v1_mask(l) | v2_handled(l));
	for (unsigned bit = 1; missing; bit <<= 1) {
		if (!(missing & bit))
			continue;
		const char *name = cg_ctrl_v2_name(bit);
		if (bit == CG_BLKIO)
			name = l->mode == CGROUP_MODE_V2 ? "io" : "blkio";
		return moat_fail(err, ENOTSUP, "%s: no %s cgroup controller on this host", ctrl_field(bit), name);
	}
	if (r->unified && !l->has_unified)
		return moat_fail(err, ENOTSUP, RES ".unified: cgroup v2 is not mounted on this host");
	return 0;
}

/* The container's directories ---------------------------------------------- */

struct cg_dirs {
	int v1[CG_MAX_HIER];
	int uni;
	int made_v1[CG_MAX_HIER]; /* trailing path components created, for cleanup */
	int made_uni;
};

static void dirs_init(struct cg_dirs *d)
{
	memset(d, 0, sizeof(*d));
	for (int i = 0; i < CG_MAX_HIER; i++)
		d->v1[i] = -1;
	d->uni = -1;
}

static void dirs_close(struct cg_dirs *d)
{
	for (int i = 0; i < CG_MAX_HIER; i++) {
		if (d->v1[i] >= 0)
			close(d->v1[i]);
		d->v1[i] = -1;
	}
	if (d->uni >= 0)
		close(d->uni);
	d->uni = -1;
}

static int open_dir(const char *mnt, const char *path, int *fd, struct moat_err *err)
{
	char full[PATH_MAX];
	snprintf(full, sizeof(full), "%s%s", mnt, path);
	*fd = open(full, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd >= 0)
		return 0;
	return moat_fail_errno(err, errno, "open cgroup %s", full);
}

/* Open the container's directory in every hierarchy; missing ones stay -1.
 * Fails only when the cgroup exists nowhere. */
static int open_dirs(const struct cg_layout *l, const char *path, struct cg_dirs *d, struct moat_err *err)
{
	dirs_init(d);
	int r = check_path(path, err);
	if (r < 0)
		return r;
	bool any = false;
	for (size_t i = 0; i < l->n_v1; i++) {
		if ((r = open_dir(l->v1[i].mnt, path, &d->v1[i], err)) < 0 && r != -ENOENT)
			goto fail;
		any = any || r == 0;
	}
	if (l->has_unified) {
		if ((r = open_dir(l->unified.mnt, path, &d->uni, err)) < 0 && r != -ENOENT)
			goto fail;
		any = any || r == 0;
	}
	if (any)
		return 0;
	r = moat_fail(err, ENOENT, "cgroup %s does not exist", path);
fail:
	dirs_close(d);
	return r;
}

/* rmdir the last `made` components of mnt+path, deepest first. */
static void remove_made(const char *mnt, const char *path, int made)
{
	char full[PATH_MAX];
	snprintf(full, sizeof(full), "%s%s", mnt, path);
	for (int i = 0; i < made; i++) {
		rmdir(full);
		char *slash = strrchr(full, '/');
		if (!slash)
			break;
		*slash = '\0';
	}
}

/* mkdir -p mnt+path, counting the components created. */
static int make_dir(const char *mnt, const char *path, int *made, struct moat_err *err)
{
	char full[PATH_MAX];
	snprintf(full, sizeof(full), "%s%s", mnt, path);
	*made = 0;
	if (mkdir(full, 0755) == 0) {
		*made = 1;
		return 0;
	}
	if (errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return moat_fail_errno(err, errno, "mkdir %s", full);
	for (char *p = full + strlen(mnt) + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(full, 0755) == 0) {
			(*made)++;
		} else if (errno != EEXIST) {
			int r = moat_fail_errno(err, errno, "mkdir %s", full);
			/* what was made ends just above the component that failed */
			for (char *q; *made > 0 && (q = strrchr(full, '/')); (*made)--) {
				*q = '\0';
				rmdir(full);
			}
			return r;
		}
		*p = c;
		if (!c)
			break;
	}
	return 0;
}

static int write_pid(int dirfd, pid_t pid, struct moat_err *err)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	return cg_write(dirfd, "cgroup.procs", buf, "cgroup.procs", err);
}

static bool perm_error(int r)
{
	return r == -EACCES || r == -EPERM || r == -EROFS;
}

/* Create (or reuse) the container's directory in one hierarchy. A rootless
 * container without limits goes without the hierarchy it may not write. */
static int create_in(const char *mnt, const char *path, bool skippable, int *fd, int *made, struct moat_err *err)
{
	int r = make_dir(mnt, path, made, err);
	if (r == 0 && (r = open_dir(mnt, path, fd, err)) < 0) {
		remove_made(mnt, path, *made);
		*made = 0;
	}
	if (r < 0 && skippable && perm_error(r)) {
		moat_err_clear(err);
		return 0;
	}
	return r;
}

struct cgroup_join {
	int fds[CG_MAX_HIER + 1];
	size_t n;
};

void cgroups_join_free(struct cgroup_join *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->n; i++)
		if (j->fds[i] >= 0)
			close(j->fds[i]);
	free(j);
}

int cgroups_join_self(struct cgroup_join *j, struct moat_err *err)
{
	for (size_t i = 0; i < j->n; i++) {
		if (j->fds[i] < 0)
			continue;
		if (write(j->fds[i], "0", 1) != 1)
			return moat_fail_errno(err, errno, "join the container's cgroup");
		close(j->fds[i]);
		j->fds[i] = -1;
	}
	return 0;
}

/* The files a process writes "0" to, to move itself: v1's "tasks" moves the
 * calling thread only, which the kernel does without the global lock that
 * moving another process takes (its first taker waits for an RCU grace
 * period: ~10 ms here, most of a cold start).  The init is single-threaded,
 * so the thread is the process. */
static int open_join(const struct cg_layout *l, const struct cg_dirs *d, bool need_unified, struct cgroup_join **out,
		     struct moat_err *err)
{
	struct cgroup_join *j = calloc(1, sizeof(*j));
	if (!j)
		return moat_fail_errno(err, ENOMEM, "cgroup");
	for (size_t i = 0; i < l->n_v1; i++) {
		j->fds[j->n] = d->v1[i] >= 0 ? openat(d->v1[i], "tasks", O_WRONLY | O_CLOEXEC) : -1;
		if (d->v1[i] >= 0 && j->fds[j->n] < 0) {
			int r = moat_fail_errno(err, errno, "open %s tasks", l->v1[i].mnt);
			cgroups_join_free(j);
			return r;
		}
		j->n++;
	}
	/* on hybrid the unified hierarchy only matters for its hugetlb limits */
	if (d->uni >= 0 && (l->mode == CGROUP_MODE_V2 || need_unified)) {
		j->fds[j->n] = openat(d->uni, "cgroup.procs", O_WRONLY | O_CLOEXEC);
		if (j->fds[j->n] < 0) {
			int r = moat_fail_errno(err, errno, "open %s cgroup.procs", l->unified.mnt);
			cgroups_join_free(j);
			return r;
		}
		j->n++;
	}
	*out = j;
	return 0;
}

static int create(const char *path, json_t *resources, pid_t pid, struct cgroup_join **join, bool rootless,
		  struct moat_err *err);

int cgroups_create(const char *path, json_t *resources, pid_t pid, bool rootless, struct moat_err *err)
{
	return create(path, resources, pid, NULL, rootless, err);
}

int cgroups_create_for_self(const char *path, json_t *resources, bool rootless, struct cgroup_join **join,
			    struct moat_err *err)
{
	return create(path, resources, 0, join, rootless, err);
}

static int create(const char *path, json_t *resources, pid_t pid, struct cgroup_join **join, bool rootless,
		  struct moat_err *err)
{
	const struct cg_layout *l;
	struct cg_res res;
	struct cg_dirs d;
	int r = cg_res_parse(resources, &res, err);
	if (r < 0)
		return r;
	dirs_init(&d);
	if ((r = cg_layout(&l, err)) < 0 || (r = check_path(path, err)) < 0 || (r = check_available(l, &res, err)) < 0)
		goto out;
	/* No device cgroup is ours to manage without privileges (runc agrees). */
	if (rootless)
		res.has_devices = false;
	bool skippable = rootless && !res.limits;
	for (size_t i = 0; i < l->n_v1; i++) {
		if ((r = create_in(l->v1[i].mnt, path, skippable, &d.v1[i], &d.made_v1[i], err)) < 0)
			goto fail;
		if (d.v1[i] >= 0 && (l->v1[i].ctrls & CG_CPUSET) &&
		    (r = cg_v1_cpuset_inherit(d.v1[i], path, l->v1[i].mnt, err)) < 0)
			goto fail;
	}
	unsigned handled = v2_handled(l);
	if (l->has_unified) {
		if ((r = create_in(l->unified.mnt, path, skippable, &d.uni, &d.made_uni, err)) < 0)
			goto fail;
		/* On v2 enable everything available so that a later update can set
		 * any limit; on hybrid only what this config needs, to leave the
		 * host's unified hierarchy as it is otherwise. */
		unsigned want = l->mode == CGROUP_MODE_V2 ? l->unified.ctrls
							  : (cg_res_ctrls(&res) | unified_ctrls(&res)) & handled;
		if (d.uni >= 0 && want)
			cg_v2_enable(l->unified.mnt, path, want);
	}
	if ((r = cg_v1_apply(l, d.v1, &res, false, err)) < 0)
		goto fail;
	if (d.uni >= 0 && (r = cg_v2_apply(d.uni, &res, handled, false, err)) < 0)
		goto fail;
	if (join) {
		if ((r = open_join(l, &d, res.n_hugepages > 0, join, err)) < 0)
			goto fail;
		r = 0;
		goto out;
	}
	size_t joined = 0;
	for (; joined < l->n_v1; joined++)
		if (d.v1[joined] >= 0 && (r = write_pid(d.v1[joined], pid, err)) < 0 &&
		    !(skippable && perm_error(r)))
			goto unjoin;
	if (d.uni >= 0 && (r = write_pid(d.uni, pid, err)) < 0 && !(skippable && perm_error(r)))
		goto unjoin;
	moat_err_clear(err);
	r = 0;
	goto out;
unjoin:
	/* Move pid back to the hierarchies' roots so the directories can go. */
	for (size_t i = 0; i < joined; i++) {
		if (d.v1[i] < 0)
			continue;
		char root_procs[PATH_MAX], buf[32];
		snprintf(root_procs, sizeof(root_procs), "%s/cgroup.procs", l->v1[i].mnt);
		snprintf(buf, sizeof(buf), "%d", (int)pid);
		int fd = open(root_procs, O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			(void)write_all(fd, buf, strlen(buf));
			close(fd);
		}
	}
fail:
	moat_err_prefix(err, "cgroup %s", path);
	dirs_close(&d);
	for (size_t i = 0; i < l->n_v1; i++)
		remove_made(l->v1[i].mnt, path, d.made_v1[i]);
	if (l->has_unified)
		remove_made(l->unified.mnt, path, d.made_uni);
out:
	dirs_close(&d);
	cg_res_free(&res);
	return r;
}

int cgroups_enter(const char *path, pid_t pid, struct moat_err *err)
{
	const struct cg_layout *l;
	int r = cg_layout(&l, err);
	if (r < 0 || (r = check_path(path, err)) < 0)
		return r;
	char full[PATH_MAX], buf[32];
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	/* A hierarchy without the directory was skipped at creation (rootless). */
	for (size_t i = 0; i <= l->n_v1; i++) {
		const char *mnt = i < l->n_v1 ? l->v1[i].mnt : l->has_unified ? l->unified.mnt : NULL;
		if (!mnt)
			break;
		snprintf(full, sizeof(full), "%s%s/cgroup.procs", mnt, path);
		int fd = open(full, O_WRONLY | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT)
			continue;
		if (fd < 0)
			return moat_fail_errno(err, errno, "join cgroup: open %s", full);
		r = write_all(fd, buf, strlen(buf));
		close(fd);
		if (r < 0)
			return moat_fail_errno(err, -r, "join cgroup: write %d to %s", (int)pid, full);
	}
	return 0;
}

int cgroups_update(const char *path, json_t *resources, struct moat_err *err)
{
	const struct cg_layout *l;
	struct cg_res res;
	struct cg_dirs d;
	int r = cg_res_parse(resources, &res, err);
	if (r < 0)
		return r;
	/* As runc, update leaves device rules alone: podman passes the full
	 * resources back, devices included, and BPF filters only stack. */
	res.has_devices = false;
	if ((r = cg_layout(&l, err)) < 0 || (r = check_available(l, &res, err)) < 0 ||
	    (r = open_dirs(l, path, &d, err)) < 0) {
		cg_res_free(&res);
		return r;
	}
	r = cg_v1_apply(l, d.v1, &res, true, err);
	unsigned handled = v2_handled(l);
	/* v2 creation enabled every controller; hybrid enables on demand */
	unsigned want = (cg_res_ctrls(&res) | unified_ctrls(&res)) & handled;
	if (l->mode == CGROUP_MODE_HYBRID && d.uni >= 0 && want)
		cg_v2_enable(l->unified.mnt, path, want);
	if (r == 0 && d.uni < 0 && (cg_res_ctrls(&res) & handled))
		r = moat_fail(err, ENOENT, "cgroup %s does not exist in %s", path, l->unified.mnt);
	if (r == 0 && d.uni >= 0)
		r = cg_v2_apply(d.uni, &res, handled, true, err);
	dirs_close(&d);
	cg_res_free(&res);
	return r;
}

/* rmdir a cgroup directory and the ones a container made below it.  Exiting
 * tasks leave a cgroup asynchronously: EBUSY is retried for about 100ms. */
static int remove_cgroup(const char *dir, long *budget_us, struct moat_err *err)
{
	for (long delay_us = 1000;; delay_us *= 2) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY || *budget_us <= 0)
			return moat_fail_errno(err, errno, "remove cgroup %s", dir);
		DIR *dp = opendir(dir);
		struct dirent *de;
		while (dp && (de = readdir(dp))) {
			if (de->d_type != DT_DIR || de->d_name[0] == '.')
				continue;
			char sub[PATH_MAX];
			snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
			int r = remove_cgroup(sub, budget_us, err);
			if (r < 0) {
				closedir(dp);
				return r;
			}
		}
		if (dp)
			closedir(dp);
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (delay_us > *budget_us)
			delay_us = *budget_us;
		struct timespec ts = {0, delay_us * 1000};
		nanosleep(&ts, NULL);
		*budget_us -= delay_us;
	}
}

int cgroups_destroy(const char *path, struct moat_err *err)
{
	const struct cg_layout *l;
	int r = cg_layout(&l, err);
	if (r < 0 || (r = check_path(path, err)) < 0)
		return r;
	char full[PATH_MAX];
	long budget_us = 100000; /* for all hierarchies together */
	for (size_t i = 0; i <= l->n_v1; i++) {
		const char *mnt = i < l->n_v1 ? l->v1[i].mnt : l->has_unified ? l->unified.mnt : NULL;
		if (!mnt)
			break;
		snprintf(full, sizeof(full), "%s%s", mnt, path);
		struct moat_err e2;
		if (remove_cgroup(full, &budget_us, &e2) < 0 && r == 0) {
			*err = e2;
			r = -e2.code;
		}
	}
	return r;
}

/* The directory of the freezer: v1's freezer hierarchy, else cgroup2's. */
static int freezer_dir(const char *path, int *fd, bool *v1, struct moat_err *err)
{
	const struct cg_layout *l;
	int r = cg_layout(&l, err);
	if (r < 0 || (r = check_path(path, err)) < 0)
		return r;
	int i = cg_v1_index(l, CG_FREEZER);
	*v1 = i >= 0;
	if (i >= 0)
		return open_dir(l->v1[i].mnt, path, fd, err);
	if (l->has_unified)
		return open_dir(l->unified.mnt, path, fd, err);
	return moat_fail(err, ENOTSUP, "no freezer cgroup on this host");
}

int cgroups_freeze(const char *path, bool freeze, struct moat_err *err)
{
	int fd;
	bool v1;
	int r = freezer_dir(path, &fd, &v1, err);
	if (r < 0)
		return r;
	r = v1 ? cg_v1_freeze(fd, freeze, err) : cg_v2_freeze(fd, freeze, err);
	close(fd);
	if (r < 0)
		moat_err_prefix(err, "%s cgroup %s", freeze ? "freeze" : "thaw", path);
	return r;
}

bool cgroups_is_frozen(const char *path)
{
	int fd;
	bool v1;
	struct moat_err err;
	if (freezer_dir(path, &fd, &v1, &err) < 0)
		return false;
	bool frozen = v1 ? cg_v1_is_frozen(fd) : cg_v2_is_frozen(fd);
	close(fd);
	return frozen;
}

struct pidvec {
	pid_t *v;
	size_t n, cap;
};

/* cgroup.procs of dirfd and of every cgroup below it. */
static int collect_pids(int dirfd, const char *path, struct pidvec *pv, struct moat_err *err)
{
	char *buf;
	int r = read_file_at(dirfd, "cgroup.procs", 64u << 20, &buf, NULL, err);
	if (r < 0)
		return moat_err_prefix(err, "cgroup %s", path);
	for (char *p = buf, *end; *p; p = end) {
		long v = strtol(p, &end, 10);
		if (end == p) {
			end = p + 1;
			continue;
		}
		if (pv->n == pv->cap) {
			size_t cap = pv->cap ? pv->cap * 2 : 64;
			pid_t *nv = realloc(pv->v, cap * sizeof(pid_t));
			if (!nv) {
				free(buf);
				return moat_fail_errno(err, ENOMEM, "cgroup %s", path);
			}
			pv->v = nv;
			pv->cap = cap;
		}
		pv->v[pv->n++] = (pid_t)v;
	}
	free(buf);
	int dfd = dup(dirfd);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return moat_fail_errno(err, errno, "cgroup %s: read directory", path);
	}
	struct dirent *de;
	while (r == 0 && (de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sub < 0)
			continue; /* removed meanwhile */
		char subpath[PATH_MAX];
		snprintf(subpath, sizeof(subpath), "%s/%s", path, de->d_name);
		r = collect_pids(sub, subpath, pv, err);
		close(sub);
	}
	closedir(d);
	return r;
}

int cgroups_pids(const char *path, pid_t **pids, size_t *n, struct moat_err *err)
{
	const struct cg_layout *l;
	int r = cg_layout(&l, err);
	if (r < 0 || (r = check_path(path, err)) < 0)
		return r;
	const char *mnt = NULL;
	int i = cg_v1_index(l, CG_FREEZER);
	if (i < 0)
		i = cg_v1_index(l, CG_PIDS);
	if (i < 0 && l->n_v1)
		i = 0;
	if (i >= 0)
		mnt = l->v1[i].mnt;
	else
		mnt = l->unified.mnt;
	int fd;
	if ((r = open_dir(mnt, path, &fd, err)) < 0)
		return r;
	struct pidvec pv = {0};
	r = collect_pids(fd, path, &pv, err);
	close(fd);
	if (r < 0) {
		free(pv.v);
		return r;
	}
	*pids = pv.v;
	*n = pv.n;
	return 0;
}

/* Drop the objects no file filled in (a controller the host lacks). */
static void prune(json_t *o)
{
	const char *key;
	json_t *v;
	void *tmp;
	json_object_foreach_safe(o, tmp, key, v) {
		if (!json_is_object(v))
			continue;
		prune(v);
		if (!json_object_size(v))
			json_object_del(o, key);
	}
}

int cgroups_stats(const char *path, json_t **out, struct moat_err *err)
{
	const struct cg_layout *l;
	struct cg_dirs d;
	int r = cg_layout(&l, err);
	if (r < 0 || (r = open_dirs(l, path, &d, err)) < 0)
		return r;
	json_t *o = json_object();
	if (!o) {
		dirs_close(&d);
		return moat_fail_errno(err, ENOMEM, "cgroup stats");
	}
	if (l->mode == CGROUP_MODE_V2) {
		if (d.uni >= 0)
			cg_v2_stats(d.uni, o);
	} else {
		cg_v1_stats(l, d.v1, o);
	}
	dirs_close(&d);
	prune(o);
	*out = o;
	return 0;
}
