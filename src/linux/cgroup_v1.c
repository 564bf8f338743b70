/* cgroup v1: one directory per hierarchy, each controller's files in the
 * hierarchy that has it.  Write orders follow runc where the kernel cares
 * (memory before or after memory+swap, cfs period and quota). */
#include "linux/cgroup_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>


/* A write of a limit where -1 (unlimited) is also what a missing file means:
 * no swap accounting, no kernel memory accounting. */
static int write_limit(int fd, const char *file, int64_t v, const char *field, struct moat_err *err)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%" PRId64, v);
	int r = cg_write(fd, file, buf, field, err);
	if (r == -ENOENT && v == -1) {
		moat_err_clear(err);
		return 0;
	}
	return r;
}

static int v1_memory(int fd, const struct cg_res *r, struct moat_err *err)
{
	int rc;
	if (r->check_before_update && r->mem_limit.set && r->mem_limit.v > 0) {
		uint64_t usage;
		if ((rc = cg_read_u64(fd, "memory.usage_in_bytes", &usage, err)) < 0)
			return moat_err_prefix(err, RES ".memory.checkBeforeUpdate");
		if (usage > (uint64_t)r->mem_limit.v)
			return moat_fail(err, EBUSY,
					 RES ".memory.limit: %" PRId64 " is below the current usage %" PRIu64
					     " (checkBeforeUpdate)",
					 r->mem_limit.v, usage);
	}
	struct cg_i64 swap = r->mem_swap;
	/* Unlimited memory without a swap value means unlimited memory+swap too. */
	if (r->mem_limit.set && r->mem_limit.v == -1 && !swap.set)
		swap = (struct cg_i64){true, -1};
	/* memory.memsw.limit_in_bytes may never be below memory.limit_in_bytes:
	 * when it grows past the current memory limit, write it first. */
	bool swap_first = false;
	if (r->mem_limit.set && swap.set) {
		uint64_t cur = 0;
		if (swap.v != -1 && (rc = cg_read_u64(fd, "memory.limit_in_bytes", &cur, err)) < 0)
			return moat_err_prefix(err, RES ".memory.limit");
		swap_first = swap.v == -1 || cur < (uint64_t)swap.v;
	}
	if (swap_first && (rc = write_limit(fd, "memory.memsw.limit_in_bytes", swap.v, RES ".memory.swap", err)) < 0)
		return rc;
	if (r->mem_limit.set &&
	    (rc = write_limit(fd, "memory.limit_in_bytes", r->mem_limit.v, RES ".memory.limit", err)) < 0)
		return rc;
	if (!swap_first && swap.set &&
	    (rc = write_limit(fd, "memory.memsw.limit_in_bytes", swap.v, RES ".memory.swap", err)) < 0)
		return rc;
	if (r->mem_reservation.set && (rc = write_limit(fd, "memory.soft_limit_in_bytes", r->mem_reservation.v,
							RES ".memory.reservation", err)) < 0)
		return rc;
	if (r->mem_kernel.set &&
	    (rc = write_limit(fd, "memory.kmem.limit_in_bytes", r->mem_kernel.v, RES ".memory.kernel", err)) < 0)
		return rc;
	if (r->mem_kernel_tcp.set && (rc = write_limit(fd, "memory.kmem.tcp.limit_in_bytes", r->mem_kernel_tcp.v,
						       RES ".memory.kernelTCP", err)) < 0)
		return rc;
	if (r->swappiness.set && (rc = cg_writef(fd, "memory.swappiness", RES ".memory.swappiness", err,
						 "%" PRIu64, r->swappiness.v)) < 0)
		return rc;
	if (r->disable_oom && (rc = cg_write(fd, "memory.oom_control", "1", RES ".memory.disableOOMKiller", err)) < 0)
		return rc;
	return 0;
}

static int v1_cpu(int fd, const struct cg_res *r, struct moat_err *err)
{
	int rc;
	/* The runtime must fit in the period: period first. */
	if (r->cpu_rt_period.set && (rc = cg_writef(fd, "cpu.rt_period_us", RES ".cpu.realtimePeriod", err,
						    "%" PRIu64, r->cpu_rt_period.v)) < 0)
		return rc;
	if (r->cpu_rt_runtime.set && (rc = cg_writef(fd, "cpu.rt_runtime_us", RES ".cpu.realtimeRuntime", err,
						     "%" PRId64, r->cpu_rt_runtime.v)) < 0)
		return rc;
	if (r->cpu_shares.set &&
	    (rc = cg_writef(fd, "cpu.shares", RES ".cpu.shares", err, "%" PRIu64, r->cpu_shares.v)) < 0)
		return rc;
	bool period_again = false;
	if (r->cpu_period.set) {
		rc = cg_writef(fd, "cpu.cfs_period_us", RES ".cpu.period", err, "%" PRIu64, r->cpu_period.v);
		/* A shorter period can push old_quota/period past the parent's
		 * limit until the quota changes too: retry after the quota. */
		if (rc == -EINVAL && r->cpu_quota.set) {
			moat_err_clear(err);
			period_again = true;
		} else if (rc < 0) {
			return rc;
		}
	}
	if (r->cpu_quota.set &&
	    (rc = cg_writef(fd, "cpu.cfs_quota_us", RES ".cpu.quota", err, "%" PRId64, r->cpu_quota.v)) < 0)
		return rc;
	if (period_again &&
	    (rc = cg_writef(fd, "cpu.cfs_period_us", RES ".cpu.period", err, "%" PRIu64, r->cpu_period.v)) < 0)
		return rc;
	if (r->cpu_burst.set &&
	    (rc = cg_writef(fd, "cpu.cfs_burst_us", RES ".cpu.burst", err, "%" PRIu64, r->cpu_burst.v)) < 0)
		return rc;
	if (r->cpu_idle.set &&
	    (rc = cg_writef(fd, "cpu.idle", RES ".cpu.idle", err, "%" PRId64, r->cpu_idle.v)) < 0)
		return rc;
	return 0;
}

/* Open file, or alt (BFQ's spelling) when the kernel has only that. */
static int open_alt(int fd, const char *file, const char *alt, const char *field, struct moat_err *err)
{
	int w = cg_open_w(fd, file, field, err);
	if (w == -ENOENT && (w = cg_open_w(fd, alt, field, err)) == -ENOENT)
		return moat_fail(err, ENOTSUP, "%s: not supported by this kernel (%s missing)", field, file);
	return w;
}

static int write_lines(int fd, const char *file, const char *alt, const char *field, const char *const *lines,
		       size_t n, struct moat_err *err)
{
	int w = alt ? open_alt(fd, file, alt, field, err) : cg_open_w(fd, file, field, err);
	if (w < 0)
		return w;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = cg_write_fd(w, file, lines[i], field, err);
	close(w);
	return rc;
}

static int v1_blkio(int fd, const struct cg_res *r, struct moat_err *err)
{
	int rc;
	char buf[32];
	if (r->blkio_weight.set) {
		snprintf(buf, sizeof(buf), "%" PRIu64, r->blkio_weight.v);
		const char *line = buf;
		if ((rc = write_lines(fd, "blkio.weight", "blkio.bfq.weight", RES ".blockIO.weight", &line, 1, err)) < 0)
			return rc;
	}
	if (r->blkio_leaf_weight.set &&
	    (rc = cg_writef(fd, "blkio.leaf_weight", RES ".blockIO.leafWeight", err, "%" PRIu64,
			    r->blkio_leaf_weight.v)) < 0)
		return rc;
	char line[96];
	for (size_t i = 0; i < r->n_weight_devs; i++) {
		const struct cg_weight_dev *d = &r->weight_devs[i];
		const char *p = line;
		if (d->weight.set) {
			snprintf(line, sizeof(line), "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor, d->weight.v);
			if ((rc = write_lines(fd, "blkio.weight_device", "blkio.bfq.weight_device",
					      RES ".blockIO.weightDevice", &p, 1, err)) < 0)
				return rc;
		}
		if (d->leaf_weight.set) {
			snprintf(line, sizeof(line), "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor,
				 d->leaf_weight.v);
			if ((rc = write_lines(fd, "blkio.leaf_weight_device", NULL, RES ".blockIO.weightDevice", &p, 1,
					      err)) < 0)
				return rc;
		}
	}
	static const char *const files[CG_THR_N] = {"blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
						    "blkio.throttle.read_iops_device",
						    "blkio.throttle.write_iops_device"};
	static const char *const fields[CG_THR_N] = {
		RES ".blockIO.throttleReadBpsDevice", RES ".blockIO.throttleWriteBpsDevice",
		RES ".blockIO.throttleReadIOPSDevice", RES ".blockIO.throttleWriteIOPSDevice"};
	for (int t = 0; t < CG_THR_N; t++) {
		if (!r->n_throttle[t])
			continue;
		int w = cg_open_w(fd, files[t], fields[t], err);
		if (w < 0)
			return w;
		rc = 0;
		for (size_t i = 0; rc == 0 && i < r->n_throttle[t]; i++) {
			const struct cg_rate_dev *d = &r->throttle[t][i];
			snprintf(line, sizeof(line), "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor, d->rate);
			rc = cg_write_fd(w, files[t], line, fields[t], err);
		}
		close(w);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int v1_hugetlb(int fd, const struct cg_res *r, struct moat_err *err)
{
	char file[64], field[64];
	for (size_t i = 0; i < r->n_hugepages; i++) {
		snprintf(file, sizeof(file), "hugetlb.%s.limit_in_bytes", r->hugepages[i].size);
		snprintf(field, sizeof(field), RES ".hugepageLimits[%zu]", i);
		int rc = cg_writef(fd, file, field, err, "%" PRIu64, r->hugepages[i].limit);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* v1 syntax: "a", or "c 1:3 rwm" with '*' for any number. */
static void rule_str(const struct cg_dev_rule *d, char *buf, size_t size)
{
	if (d->type == 'a') {
		snprintf(buf, size, "a");
		return;
	}
	char maj[24] = "*", min[24] = "*", acc[4], *a = acc;
	if (d->major >= 0)
		snprintf(maj, sizeof(maj), "%" PRId64, d->major);
	if (d->minor >= 0)
		snprintf(min, sizeof(min), "%" PRId64, d->minor);
	if (d->access & CG_ACC_R)
		*a++ = 'r';
	if (d->access & CG_ACC_W)
		*a++ = 'w';
	if (d->access & CG_ACC_M)
		*a++ = 'm';
	*a = '\0';
	snprintf(buf, size, "%c %s:%s %s", d->type, maj, min, acc);
}

/* Each rule is one write to devices.allow or devices.deny, in order. */
static int v1_devices(int fd, const struct cg_res *r, struct moat_err *err)
{
	struct cg_dev_rule *rules;
	size_t n;
	int rc = cg_device_rules(r, &rules, &n, err);
	if (rc < 0)
		return rc;
	int allow = cg_open_w(fd, "devices.allow", RES ".devices", err), deny = -1;
	if (allow >= 0)
		deny = cg_open_w(fd, "devices.deny", RES ".devices", err);
	rc = deny < 0 ? (allow < 0 ? allow : deny) : 0;
	char line[64];
	for (size_t i = 0; rc == 0 && i < n; i++) {
		rule_str(&rules[i], line, sizeof(line));
		rc = cg_write_fd(rules[i].allow ? allow : deny, rules[i].allow ? "devices.allow" : "devices.deny", line,
				 RES ".devices", err);
	}
	if (allow >= 0)
		close(allow);
	if (deny >= 0)
		close(deny);
	free(rules);
	return rc;
}

static int v1_classid(int fd, const struct cg_res *r, struct moat_err *err)
{
	return cg_writef(fd, "net_cls.classid", RES ".network.classID", err, "%" PRIu64, r->net_classid.v);
}

static int v1_prio(int fd, const struct cg_res *r, struct moat_err *err)
{
	int w = cg_open_w(fd, "net_prio.ifpriomap", RES ".network.priorities", err);
	if (w < 0)
		return w;
	int rc = 0;
	char line[128];
	for (size_t i = 0; rc == 0 && i < r->n_prios; i++) {
		snprintf(line, sizeof(line), "%s %" PRIu32, r->prios[i].name, r->prios[i].prio);
		rc = cg_write_fd(w, "net_prio.ifpriomap", line, RES ".network.priorities", err);
	}
	close(w);
	return rc;
}

int cg_v1_apply(const struct cg_layout *l, const int *fds, const struct cg_res *r, bool update, struct moat_err *err)
{
	/* runc's order of subsystems: cpuset and devices before the rest. */
	static const struct {
		unsigned ctrl;
		int (*apply)(int fd, const struct cg_res *r, struct moat_err *err);
	} groups[] = {
		{CG_CPUSET, cg_apply_cpuset}, {CG_DEVICES, v1_devices}, {CG_MEMORY, v1_memory},    {CG_CPU, v1_cpu},
		{CG_PIDS, cg_apply_pids},     {CG_BLKIO, v1_blkio},     {CG_HUGETLB, v1_hugetlb},  {CG_NET_CLS, v1_classid},
		{CG_NET_PRIO, v1_prio}, {CG_RDMA, cg_apply_rdma},
	};
	unsigned asked = cg_res_ctrls(r);
	if (!update && r->has_devices)
		asked |= CG_DEVICES;
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		if (!(asked & groups[g].ctrl))
			continue;
		int i = cg_v1_index(l, groups[g].ctrl);
		if (i < 0)
			continue; /* not a v1 controller here: the cgroup2 directory's */
		if (fds[i] < 0)
			return moat_fail(err, ENOENT, RES ": the container has no cgroup in %s", l->v1[i].mnt);
		int rc = groups[g].apply(fds[i], r, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* cpuset.cpus or cpuset.mems of a directory, copied from the nearest
 * ancestor that has a value when empty. */
static int inherit(int dirfd, const char *mnt, const char *path, const char *file, struct moat_err *err)
{
	char val[4096], dir[PATH_MAX], fpath[PATH_MAX + 32];
	int rc = cg_read(dirfd, file, val, sizeof(val), err);
	if (rc < 0 || *val)
		return rc;
	size_t mlen = strlen(mnt), len = (size_t)snprintf(dir, sizeof(dir), "%s%s", mnt, path);
	size_t empty[64];
	int n = 0;
	empty[n++] = len;
	for (;;) {
		while (len > mlen && dir[len - 1] != '/')
			len--;
		if (len <= mlen)
			return moat_fail(err, EINVAL, "cpuset: %s is empty in %s and all its ancestors", file, path);
		len--;
		snprintf(fpath, sizeof(fpath), "%.*s/%s", (int)len, dir, file);
		if ((rc = cg_read(AT_FDCWD, fpath, val, sizeof(val), err)) < 0)
			return rc;
		if (*val)
			break;
		if (n == 64)
			return moat_fail(err, ENAMETOOLONG, "cpuset: %s is nested too deeply", path);
		empty[n++] = len;
	}
	while (n-- > 0) {
		snprintf(fpath, sizeof(fpath), "%.*s/%s", (int)empty[n], dir, file);
		if ((rc = cg_write(AT_FDCWD, fpath, val, "cpuset", err)) < 0)
			return rc;
	}
	return 0;
}

int cg_v1_cpuset_inherit(int dirfd, const char *dirpath, const char *mnt, struct moat_err *err)
{
	int rc = inherit(dirfd, mnt, dirpath, "cpuset.cpus", err);
	if (rc == 0)
		rc = inherit(dirfd, mnt, dirpath, "cpuset.mems", err);
	return rc;
}

int cg_v1_freeze(int dirfd, bool freeze, struct moat_err *err)
{
	const char *want = freeze ? "FROZEN" : "THAWED";
	int rc = cg_write(dirfd, "freezer.state", want, "freezer.state", err);
	/* Writing again nudges tasks that raced the freeze (runc does too). */
	if (rc == 0)
		rc = cg_wait_line(dirfd, "freezer.state", want, "freezer.state", want, err);
	if (rc < 0 && freeze) /* not left half frozen */
		cg_write(dirfd, "freezer.state", "THAWED", "freezer.state", &(struct moat_err){0});
	return rc;
}

bool cg_v1_is_frozen(int dirfd)
{
	char state[32];
	struct moat_err err;
	return cg_read(dirfd, "freezer.state", state, sizeof(state), &err) == 0 && !strcmp(state, "FROZEN");
}

void cg_v1_stats(const struct cg_layout *l, const int *fds, json_t *out)
{
	int i;
	char buf[4096];
	struct moat_err err;
	if ((i = cg_v1_index(l, CG_MEMORY)) >= 0 && fds[i] >= 0) {
		json_t *mem = cg_obj(out, "memory");
		json_t *u = cg_obj(mem, "usage"), *s = cg_obj(mem, "swap");
		cg_stat_file(u, "usage", fds[i], "memory.usage_in_bytes");
		cg_stat_file(u, "limit", fds[i], "memory.limit_in_bytes");
		cg_stat_file(u, "max", fds[i], "memory.max_usage_in_bytes");
		cg_stat_file(u, "failcnt", fds[i], "memory.failcnt");
		cg_stat_file(s, "usage", fds[i], "memory.memsw.usage_in_bytes");
		cg_stat_file(s, "limit", fds[i], "memory.memsw.limit_in_bytes");
	}
	if ((i = cg_v1_index(l, CG_CPUACCT)) >= 0 && fds[i] >= 0) {
		json_t *u = cg_obj(cg_obj(out, "cpu"), "usage");
		cg_stat_file(u, "total", fds[i], "cpuacct.usage");
		/* cpuacct.stat counts USER_HZ ticks */
		long hz = sysconf(_SC_CLK_TCK);
		if (hz > 0 && cg_read(fds[i], "cpuacct.stat", buf, sizeof(buf), &err) == 0) {
			cg_stat_keyed(u, "user", buf, "user", 1000000000ull / (uint64_t)hz);
			cg_stat_keyed(u, "kernel", buf, "system", 1000000000ull / (uint64_t)hz);
		}
	}
	if ((i = cg_v1_index(l, CG_CPU)) >= 0 && fds[i] >= 0 && cg_read(fds[i], "cpu.stat", buf, sizeof(buf), &err) == 0) {
		json_t *t = cg_obj(cg_obj(out, "cpu"), "throttling");
		cg_stat_keyed(t, "periods", buf, "nr_periods", 1);
		cg_stat_keyed(t, "throttled_periods", buf, "nr_throttled", 1);
		cg_stat_keyed(t, "throttled_time", buf, "throttled_time", 1);
	}
	if ((i = cg_v1_index(l, CG_PIDS)) >= 0 && fds[i] >= 0) {
		json_t *p = cg_obj(out, "pids");
		cg_stat_file(p, "current", fds[i], "pids.current");
		cg_stat_file(p, "limit", fds[i], "pids.max");
	}
}
