/* Cgroups: the public API -- a container's cgroup created, joined, updated,
 * frozen and destroyed, its pids and stats read.  The layout is detected in
 * cgroup_layout.c, linux.resources parsed in cgroup_resources.c, cgroupsPath
 * resolved in cgroup_path.c; what to write where lives in cgroup_v1.c and
 * cgroup_v2.c.
 *
 * Resources go to the v1 hierarchy of their controller when there is one, and
 * otherwise to the cgroup2 directory: on hybrid hosts that is how hugetlb,
 * living only in the unified hierarchy, gets applied. */
#include "linux/cgroup_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/fs.h"

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

int cgroups_create_for_self(const char *path, json_t *resources, bool rootless, struct cgroup_join **join,
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
	if ((r = open_join(l, &d, res.n_hugepages > 0, join, err)) < 0)
		goto fail;
	goto out;
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

int cgroups_join_devices(const char *path, struct moat_err *err)
{
	const struct cg_layout *l;
	int r = cg_layout(&l, err);
	if (r < 0 || (r = check_path(path, err)) < 0)
		return r;
	int i = cg_v1_index(l, CG_DEVICES);
	if (i < 0)
		return -EOPNOTSUPP;
	char tasks[PATH_MAX];
	snprintf(tasks, sizeof(tasks), "%s%s/tasks", l->v1[i].mnt, path);
	int fd = open(tasks, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return moat_fail_errno(err, errno, "join the devices cgroup: open %s", tasks);
	/* "0" in tasks: the calling thread only; threads made afterwards follow */
	r = write(fd, "0", 1) == 1 ? 0 : moat_fail_errno(err, errno, "join the devices cgroup: write %s", tasks);
	close(fd);
	return r;
}
