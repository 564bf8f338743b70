/* Cgroups: detecting the hierarchies (the layout) and naming the controllers.
 *
 * Layout.  The root is /sys/fs/cgroup (or $MOAT_CGROUP_ROOT).  A cgroup2
 * filesystem at the root is pure v2.  Otherwise the v1 hierarchies are the
 * "cgroup" mounts below the root listed in /proc/self/mountinfo (their super
 * options name the controllers), and a cgroup2 mount below the root (normally
 * root/unified) makes the layout hybrid.  A fake tree ($MOAT_CGROUP_ROOT, for
 * tests) is plain directories, so it is read by shape instead: cgroup.controllers
 * at its root means v2; otherwise each subdirectory is a v1 hierarchy named
 * after its controllers ("memory", "cpu,cpuacct", "systemd" for name=systemd),
 * and "unified" holding cgroup.controllers is the hybrid unified hierarchy. */
#include "linux/cgroup_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "util/fs.h"

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

/* Layout ------------------------------------------------------------------- */

static const char *cg_root(bool *fake)
{
	const char *r = getenv("MOAT_CGROUP_ROOT");
	*fake = r && *r;
	return *fake ? r : "/sys/fs/cgroup";
}

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

unsigned v1_mask(const struct cg_layout *l)
{
	unsigned m = 0;
	for (size_t i = 0; i < l->n_v1; i++)
		m |= l->v1[i].ctrls;
	return m;
}

/* The controllers the cgroup2 directory serves: all on v2, the rest on hybrid. */
unsigned v2_handled(const struct cg_layout *l)
{
	if (!l->has_unified)
		return 0;
	unsigned v1 = v1_mask(l);
	return (l->unified.ctrls | CG_DEVICES) & ~v1;
}

int cgroups_mode(enum cgroup_mode *mode, struct moat_err *err)
{
	const struct cg_layout *l;
	int r = cg_layout(&l, err);
	if (r == 0)
		*mode = l->mode;
	return r;
}
