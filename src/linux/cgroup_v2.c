/* cgroup v2: one directory, controllers enabled from the root down through
 * cgroup.subtree_control, v1 values converted the way runc converts them,
 * and device rules enforced by a BPF_PROG_TYPE_CGROUP_DEVICE program. */
#include "linux/cgroup_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "util/fs.h"


/* Enabling ------------------------------------------------------------------ */

static const unsigned v2_order[] = {CG_CPUSET, CG_CPU, CG_BLKIO, CG_MEMORY, CG_HUGETLB, CG_PIDS, CG_RDMA, CG_MISC};

static void enable_at(const char *dir, size_t len, const char *list, unsigned ctrls)
{
	char file[PATH_MAX];
	snprintf(file, sizeof(file), "%.*s/cgroup.subtree_control", (int)len, dir);
	int fd = open(file, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write_all(fd, list, strlen(list)) < 0) {
		/* The kernel refuses the whole line for one controller it cannot
		 * enable (a threaded subtree, cpuset in some setups): one by one. */
		char one[32];
		for (size_t i = 0; i < sizeof(v2_order) / sizeof(v2_order[0]); i++) {
			if (!(ctrls & v2_order[i]))
				continue;
			snprintf(one, sizeof(one), "+%s", cg_ctrl_v2_name(v2_order[i]));
			(void)write_all(fd, one, strlen(one));
		}
	}
	close(fd);
}

void cg_v2_enable(const char *mnt, const char *path, unsigned ctrls)
{
	char list[128] = "";
	size_t o = 0;
	for (size_t i = 0; i < sizeof(v2_order) / sizeof(v2_order[0]); i++)
		if (ctrls & v2_order[i])
			o += (size_t)snprintf(list + o, sizeof(list) - o, "%s+%s", o ? " " : "",
					      cg_ctrl_v2_name(v2_order[i]));
	if (!o)
		return;
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s%s", mnt, path);
	/* The root, then every ancestor of the leaf. */
	for (size_t len = strlen(mnt);;) {
		enable_at(dir, len, list, ctrls);
		const char *next = strchr(dir + len + 1, '/');
		if (!next)
			break;
		len = (size_t)(next - dir);
	}
}

/* Resources ----------------------------------------------------------------- */

static int unsupported(const char *field, struct moat_err *err)
{
	return moat_fail(err, ENOTSUP, "%s: not supported on cgroup v2", field);
}

static int v2_memory(int fd, const struct cg_res *r, struct moat_err *err)
{
	int rc;
	char b[32], sb[32];
	if (r->mem_kernel.set && r->mem_kernel.v > 0)
		return unsupported(RES ".memory.kernel", err);
	if (r->mem_kernel_tcp.set && r->mem_kernel_tcp.v > 0)
		return unsupported(RES ".memory.kernelTCP", err);
	if (r->swappiness.set)
		return unsupported(RES ".memory.swappiness", err);
	if (r->disable_oom)
		return unsupported(RES ".memory.disableOOMKiller", err);
	if (r->check_before_update && r->mem_limit.set && r->mem_limit.v > 0) {
		uint64_t cur;
		if ((rc = cg_read_u64(fd, "memory.current", &cur, err)) < 0)
			return moat_err_prefix(err, RES ".memory.checkBeforeUpdate");
		if (cur > (uint64_t)r->mem_limit.v)
			return moat_fail(err, EBUSY,
					 RES ".memory.limit: %" PRId64 " is below the current usage %" PRIu64
					     " (checkBeforeUpdate)",
					 r->mem_limit.v, cur);
	}
	/* The spec's swap is memory+swap (v1); v2's memory.swap.max is swap alone. */
	const char *swap = NULL;
	if (r->mem_swap.set && r->mem_swap.v == -1) {
		swap = "max";
	} else if (r->mem_swap.set) {
		int64_t limit = r->mem_limit.v;
		if (!r->mem_limit.set) { /* update of swap alone: against the current limit */
			uint64_t cur;
			if ((rc = cg_read_u64(fd, "memory.max", &cur, err)) < 0)
				return moat_err_prefix(err, RES ".memory.swap");
			limit = cur > INT64_MAX ? -1 : (int64_t)cur;
		}
		if (limit <= 0)
			return moat_fail(err, EINVAL, RES ".memory.swap: cannot limit swap without a memory limit");
		if (r->mem_swap.v < limit)
			return moat_fail(err, EINVAL,
					 RES ".memory.swap: %" PRId64 " is below the memory limit %" PRId64
					     " (swap is the memory+swap limit)",
					 r->mem_swap.v, limit);
		snprintf(sb, sizeof(sb), "%" PRId64, r->mem_swap.v - limit);
		swap = sb;
	} else if (r->mem_limit.set && r->mem_limit.v == -1) {
		swap = "max"; /* unlimited memory means unlimited swap too, as on v1 */
	}
	if (swap) {
		rc = cg_write(fd, "memory.swap.max", swap, RES ".memory.swap", err);
		/* Without swap accounting, no swap or unlimited swap is what there is. */
		if (rc == -ENOENT && (!strcmp(swap, "max") || !strcmp(swap, "0"))) {
			moat_err_clear(err);
			rc = 0;
		}
		if (rc < 0)
			return rc;
	}
	if (r->mem_limit.set &&
	    (rc = cg_write(fd, "memory.max", cg_max_str(r->mem_limit.v, b), RES ".memory.limit", err)) < 0)
		return rc;
	if (r->mem_reservation.set &&
	    (rc = cg_write(fd, "memory.low", cg_max_str(r->mem_reservation.v, b), RES ".memory.reservation", err)) <
		    0)
		return rc;
	return 0;
}

static int v2_cpu(int fd, const struct cg_res *r, struct moat_err *err)
{
	int rc;
	if (r->cpu_rt_runtime.set)
		return unsupported(RES ".cpu.realtimeRuntime", err);
	if (r->cpu_rt_period.set)
		return unsupported(RES ".cpu.realtimePeriod", err);
	if (r->cpu_shares.set) {
		/* runc's mapping of shares [2, 262144] onto weight [1, 10000] */
		uint64_t weight = 1 + ((r->cpu_shares.v - 2) * 9999) / 262142;
		if ((rc = cg_writef(fd, "cpu.weight", RES ".cpu.shares", err, "%" PRIu64, weight)) < 0)
			return rc;
	}
	if (r->cpu_quota.set || r->cpu_period.set) {
		char quota[32], line[64];
		if (r->cpu_quota.set) {
			cg_max_str(r->cpu_quota.v, quota);
		} else { /* a new period alone keeps the quota */
			if ((rc = cg_read(fd, "cpu.max", line, sizeof(line), err)) < 0)
				return moat_err_prefix(err, RES ".cpu.period");
			snprintf(quota, sizeof(quota), "%.*s", (int)strcspn(line, " "), line);
		}
		if (r->cpu_period.set)
			snprintf(line, sizeof(line), "%s %" PRIu64, quota, r->cpu_period.v);
		else
			snprintf(line, sizeof(line), "%s", quota);
		if ((rc = cg_write(fd, "cpu.max", line, r->cpu_quota.set ? RES ".cpu.quota" : RES ".cpu.period", err)) <
		    0)
			return rc;
	}
	if (r->cpu_burst.set &&
	    (rc = cg_writef(fd, "cpu.max.burst", RES ".cpu.burst", err, "%" PRIu64, r->cpu_burst.v)) < 0)
		return rc;
	if (r->cpu_idle.set &&
	    (rc = cg_writef(fd, "cpu.idle", RES ".cpu.idle", err, "%" PRId64, r->cpu_idle.v)) < 0)
		return rc;
	return 0;
}

static int v2_io(int fd, const struct cg_res *r, struct moat_err *err)
{
	int rc;
	char line[128];
	if (r->blkio_leaf_weight.set)
		return unsupported(RES ".blockIO.leafWeight", err);
	if (r->blkio_weight.set) {
		/* BFQ's weight has blkio's range; io.weight is 1..10000 (runc's mapping). */
		uint64_t w = r->blkio_weight.v;
		rc = cg_writef(fd, "io.bfq.weight", RES ".blockIO.weight", err, "%" PRIu64, w);
		if (rc == -ENOENT)
			rc = cg_writef(fd, "io.weight", RES ".blockIO.weight", err, "%" PRIu64,
				       1 + (w - 10) * 9999 / 990);
		if (rc < 0)
			return rc;
	}
	for (size_t i = 0; i < r->n_weight_devs; i++) {
		const struct cg_weight_dev *d = &r->weight_devs[i];
		if (d->leaf_weight.set)
			return unsupported(RES ".blockIO.weightDevice.leafWeight", err);
		if (d->weight.set &&
		    (rc = cg_writef(fd, "io.bfq.weight", RES ".blockIO.weightDevice", err, "%" PRId64 ":%" PRId64 " %" PRIu64,
				    d->major, d->minor, d->weight.v)) < 0)
			return rc;
	}
	static const char *const keys[CG_THR_N] = {"rbps", "wbps", "riops", "wiops"};
	bool any = false;
	for (int t = 0; t < CG_THR_N; t++)
		any = any || r->n_throttle[t];
	if (!any)
		return 0;
	int w = cg_open_w(fd, "io.max", RES ".blockIO", err);
	if (w < 0)
		return w;
	rc = 0;
	for (int t = 0; rc == 0 && t < CG_THR_N; t++) {
		for (size_t i = 0; rc == 0 && i < r->n_throttle[t]; i++) {
			const struct cg_rate_dev *d = &r->throttle[t][i];
			char rate[32];
			/* v1's 0 removes the limit; v2's 0 would stop all I/O */
			cg_max_str(d->rate ? (int64_t)(d->rate > INT64_MAX ? INT64_MAX : d->rate) : -1, rate);
			snprintf(line, sizeof(line), "%" PRId64 ":%" PRId64 " %s=%s", d->major, d->minor, keys[t], rate);
			rc = cg_write_fd(w, "io.max", line, RES ".blockIO", err);
		}
	}
	close(w);
	return rc;
}

static int v2_hugetlb(int fd, const struct cg_res *r, struct moat_err *err)
{
	char file[64], field[64];
	for (size_t i = 0; i < r->n_hugepages; i++) {
		snprintf(field, sizeof(field), RES ".hugepageLimits[%zu]", i);
		snprintf(file, sizeof(file), "hugetlb.%s.max", r->hugepages[i].size);
		int rc = cg_writef(fd, file, field, err, "%" PRIu64, r->hugepages[i].limit);
		if (rc < 0)
			return rc;
		/* Reservations are limited alike where the kernel accounts them. */
		snprintf(file, sizeof(file), "hugetlb.%s.rsvd.max", r->hugepages[i].size);
		rc = cg_writef(fd, file, field, err, "%" PRIu64, r->hugepages[i].limit);
		if (rc < 0 && rc != -ENOENT)
			return rc;
	}
	moat_err_clear(err);
	return 0;
}

static int v2_devices(int fd, const struct cg_res *r, struct moat_err *err)
{
	struct cg_dev_rule *rules;
	size_t n;
	int rc = cg_device_rules(r, &rules, &n, err);
	if (rc == 0)
		rc = cg_bpf_devices_attach(fd, rules, n, err);
	free(rules);
	return rc;
}

/* linux.resources.unified, verbatim, after everything else (it wins). */
static int v2_unified(int fd, const struct cg_res *r, struct moat_err *err)
{
	const char *key;
	json_t *v;
	json_object_foreach(r->unified, key, v) {
		char field[256];
		snprintf(field, sizeof(field), RES ".unified.%s", key);
		int rc = cg_write(fd, key, json_string_value(v), field, err);
		if (rc == -ENOENT)
			return moat_fail(err, ENOENT, "%s: no such cgroup file (is its controller enabled?)", field);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int cg_v2_apply(int dirfd, const struct cg_res *r, unsigned handled, bool update, struct moat_err *err)
{
	static const struct {
		unsigned ctrl;
		int (*apply)(int fd, const struct cg_res *r, struct moat_err *err);
	} groups[] = {
		{CG_CPUSET, cg_apply_cpuset}, {CG_MEMORY, v2_memory},   {CG_CPU, v2_cpu},   {CG_PIDS, cg_apply_pids},
		{CG_BLKIO, v2_io},      {CG_HUGETLB, v2_hugetlb}, {CG_RDMA, cg_apply_rdma},
	};
	unsigned asked = cg_res_ctrls(r) & handled;
	int rc;
	if (!update && r->has_devices && (handled & CG_DEVICES) && (rc = v2_devices(dirfd, r, err)) < 0)
		return rc;
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
		if ((asked & groups[g].ctrl) && (rc = groups[g].apply(dirfd, r, err)) < 0)
			return rc;
	if (r->unified && (rc = v2_unified(dirfd, r, err)) < 0)
		return rc;
	return 0;
}

/* Freezer -------------------------------------------------------------------- */

int cg_v2_freeze(int dirfd, bool freeze, struct moat_err *err)
{
	int rc = cg_write(dirfd, "cgroup.freeze", freeze ? "1" : "0", "cgroup.freeze", err);
	if (rc == 0)
		rc = cg_wait_line(dirfd, "cgroup.events", freeze ? "frozen 1" : "frozen 0", NULL, NULL, err);
	if (rc < 0 && freeze) /* not left half frozen */
		cg_write(dirfd, "cgroup.freeze", "0", "cgroup.freeze", &(struct moat_err){0});
	return rc;
}

bool cg_v2_is_frozen(int dirfd)
{
	char v[8];
	struct moat_err err;
	return cg_read(dirfd, "cgroup.freeze", v, sizeof(v), &err) == 0 && !strcmp(v, "1");
}

void cg_v2_stats(int dirfd, json_t *out)
{
	char buf[4096];
	struct moat_err err;
	json_t *mem = cg_obj(out, "memory");
	json_t *u = cg_obj(mem, "usage"), *s = cg_obj(mem, "swap");
	cg_stat_file(u, "usage", dirfd, "memory.current");
	cg_stat_file(u, "limit", dirfd, "memory.max");
	cg_stat_file(u, "max", dirfd, "memory.peak");
	cg_stat_file(s, "usage", dirfd, "memory.swap.current");
	cg_stat_file(s, "limit", dirfd, "memory.swap.max");
	if (cg_read(dirfd, "cpu.stat", buf, sizeof(buf), &err) == 0) {
		json_t *cpu = cg_obj(out, "cpu");
		json_t *cu = cg_obj(cpu, "usage"), *t = cg_obj(cpu, "throttling");
		cg_stat_keyed(cu, "total", buf, "usage_usec", 1000);
		cg_stat_keyed(cu, "user", buf, "user_usec", 1000);
		cg_stat_keyed(cu, "kernel", buf, "system_usec", 1000);
		cg_stat_keyed(t, "periods", buf, "nr_periods", 1);
		cg_stat_keyed(t, "throttled_periods", buf, "nr_throttled", 1);
		cg_stat_keyed(t, "throttled_time", buf, "throttled_usec", 1000);
	}
	json_t *p = cg_obj(out, "pids");
	cg_stat_file(p, "current", dirfd, "pids.current");
	cg_stat_file(p, "limit", dirfd, "pids.max");
}

/* Device filter -------------------------------------------------------------- */

/* The program sees struct bpf_cgroup_dev_ctx { u32 access_type (access << 16 |
 * type); u32 major; u32 minor; } in R1 and returns 1 to allow.  Like runc's
 * devicefilter: R2 = type, R3 = access, R4 = major, R5 = minor; then one block
 * per rule, last rule first so that later rules win, each jumping to the next
 * block on a mismatch; then the default. */

#define INSN(c, d, s, o, i) ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})

static size_t block_len(const struct cg_dev_rule *d)
{
	return 1 + (d->access != CG_ACC_ALL ? 3 : 0) + (d->major >= 0) + (d->minor >= 0) + 2;
}

int cg_bpf_devices_build(const struct cg_dev_rule *rules, size_t n_rules, struct bpf_insn **out, size_t *n,
			 struct moat_err *err)
{
	/* A rule of type 'a' is about every device: it sets the default and
	 * makes every rule before it moot (v1 semantics). */
	bool def_allow = false;
	size_t first = 0, len = 6 + 2;
	for (size_t i = 0; i < n_rules; i++) {
		if (rules[i].type == 'a') {
			def_allow = rules[i].allow;
			first = i + 1;
		}
	}
	for (size_t i = first; i < n_rules; i++) {
		if (rules[i].major > INT32_MAX || rules[i].minor > INT32_MAX)
			return moat_fail(err, ERANGE, RES ".devices: device number %" PRId64 ":%" PRId64 " too large",
					 rules[i].major, rules[i].minor);
		len += block_len(&rules[i]);
	}
	if (len > 4096)
		return moat_fail(err, E2BIG, RES ".devices: too many rules");
	struct bpf_insn *p = calloc(len, sizeof(*p));
	if (!p)
		return moat_fail_errno(err, ENOMEM, RES ".devices");
	size_t k = 0;
	p[k++] = INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0);
	p[k++] = INSN(BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xFFFF);
	p[k++] = INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_1, 0, 0);
	p[k++] = INSN(BPF_ALU | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16);
	p[k++] = INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_1, 4, 0);
	p[k++] = INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_1, 8, 0);
	for (size_t i = n_rules; i-- > first;) {
		const struct cg_dev_rule *d = &rules[i];
		size_t end = k + block_len(d); /* the next block */
#define NEXT ((int16_t)(end - k - 1))
		int32_t type = d->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK;
		p[k] = INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, NEXT, type);
		k++;
		if (d->access != CG_ACC_ALL) {
			int32_t acc = ((d->access & CG_ACC_R) ? BPF_DEVCG_ACC_READ : 0) |
				      ((d->access & CG_ACC_W) ? BPF_DEVCG_ACC_WRITE : 0) |
				      ((d->access & CG_ACC_M) ? BPF_DEVCG_ACC_MKNOD : 0);
			/* the access asked for must be within the rule's */
			p[k++] = INSN(BPF_ALU | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_3, 0, 0);
			p[k++] = INSN(BPF_ALU | BPF_AND | BPF_K, BPF_REG_1, 0, 0, acc);
			p[k] = INSN(BPF_JMP | BPF_JNE | BPF_X, BPF_REG_1, BPF_REG_3, NEXT, 0);
			k++;
		}
		if (d->major >= 0) {
			p[k] = INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, NEXT, (int32_t)d->major);
			k++;
		}
		if (d->minor >= 0) {
			p[k] = INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, NEXT, (int32_t)d->minor);
			k++;
		}
#undef NEXT
		p[k++] = INSN(BPF_ALU | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, d->allow ? 1 : 0);
		p[k++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	}
	p[k++] = INSN(BPF_ALU | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, def_allow ? 1 : 0);
	p[k++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	*out = p;
	*n = k;
	return 0;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

int cg_bpf_devices_attach(int dirfd, const struct cg_dev_rule *rules, size_t n_rules, struct moat_err *err)
{
	struct bpf_insn *insns;
	size_t n;
	int rc = cg_bpf_devices_build(rules, n_rules, &insns, &n, err);
	if (rc < 0)
		return rc;
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = (uint32_t)n;
	attr.license = (uint64_t)(uintptr_t) "Apache";
	int prog = sys_bpf(BPF_PROG_LOAD, &attr);
	int e = errno;
	free(insns);
	if (prog < 0)
		return moat_fail_errno(err, e, RES ".devices: load the device filter (BPF)");
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)dirfd;
	attr.attach_bpf_fd = (uint32_t)prog;
	attr.attach_type = BPF_CGROUP_DEVICE;
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	rc = sys_bpf(BPF_PROG_ATTACH, &attr);
	e = errno;
	close(prog); /* the attachment keeps the program */
	if (rc < 0)
		return moat_fail_errno(err, e, RES ".devices: attach the device filter (BPF)");
	return 0;
}
