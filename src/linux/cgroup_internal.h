/* Shared between the cgroup files: cgroup_layout.c (the hierarchies),
 * cgroup_resources.c (linux.resources parsed), cgroup_path.c (cgroupsPath
 * resolved), cgroup_files.c (file and stats helpers), cgroups.c (the public
 * API) and the two drivers, cgroup_v1.c and cgroup_v2.c.  Not part of moat's
 * interface; the unit tests include it to reach the pure parts (parsing, the
 * BPF builder). */
#ifndef MOAT_LINUX_CGROUP_INTERNAL_H
#define MOAT_LINUX_CGROUP_INTERNAL_H

#include <jansson.h>
#include <linux/bpf.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "linux/cgroups.h"
#include "util/error.h"

/* Controllers, as bits of a mask. CG_NAMED is a v1 hierarchy without
 * controllers (name=systemd): joined, never configured. */
enum {
	CG_CPU = 1u << 0,
	CG_CPUACCT = 1u << 1,
	CG_CPUSET = 1u << 2,
	CG_MEMORY = 1u << 3,
	CG_DEVICES = 1u << 4,
	CG_FREEZER = 1u << 5,
	CG_BLKIO = 1u << 6, /* v1 blkio and v2 io */
	CG_PIDS = 1u << 7,
	CG_HUGETLB = 1u << 8,
	CG_NET_CLS = 1u << 9,
	CG_NET_PRIO = 1u << 10,
	CG_PERF_EVENT = 1u << 11,
	CG_RDMA = 1u << 12,
	CG_MISC = 1u << 13,
	CG_NAMED = 1u << 14,
};

/* Controller name (v1 or v2 spelling) to its bit, 0 if unknown. */
unsigned cg_ctrl_bit(const char *name, size_t len);
/* The v2 name of a controller bit ("io" for CG_BLKIO). */
const char *cg_ctrl_v2_name(unsigned bit);

#define CG_MAX_HIER 16
#define CG_PATH 512
/* Errors name the field: RES ".memory.limit". */
#define RES "linux.resources"

struct cg_hier {
	char mnt[CG_PATH]; /* mount point: the hierarchy's root */
	unsigned ctrls;
};

struct cg_layout {
	char root[CG_PATH];
	enum cgroup_mode mode;
	struct cg_hier v1[CG_MAX_HIER];
	size_t n_v1;
	bool has_unified;     /* cgroup2 mounted: the root (v2) or root/unified (hybrid) */
	struct cg_hier unified; /* ctrls: those listed in its cgroup.controllers */
};

/* The layout of the cgroup root, detected once per root. */
int cg_layout(const struct cg_layout **out, struct moat_err *err);
/* Index of the v1 hierarchy holding ctrl, or -1. */
int cg_v1_index(const struct cg_layout *l, unsigned ctrl);
/* The controllers of all the v1 hierarchies together. */
unsigned v1_mask(const struct cg_layout *l);
/* The controllers the cgroup2 directory serves: all on v2, the rest on hybrid. */
unsigned v2_handled(const struct cg_layout *l);

/* linux.resources, parsed.  Strings point into the JSON document.  A value the
 * spec (or runc) treats as "unset" -- 0 for most limits -- is parsed as unset. */
struct cg_i64 {
	bool set;
	int64_t v;
};
struct cg_u64 {
	bool set;
	uint64_t v;
};

enum { CG_ACC_R = 1, CG_ACC_W = 2, CG_ACC_M = 4, CG_ACC_ALL = 7 };

struct cg_dev_rule {
	bool allow;
	char type;            /* 'a' (all devices, whatever the numbers), 'c' or 'b' */
	int64_t major, minor; /* -1: any */
	unsigned access;      /* CG_ACC_* */
};

struct cg_weight_dev {
	int64_t major, minor;
	struct cg_u64 weight, leaf_weight;
};

struct cg_rate_dev {
	int64_t major, minor;
	uint64_t rate;
};

enum { CG_THR_READ_BPS, CG_THR_WRITE_BPS, CG_THR_READ_IOPS, CG_THR_WRITE_IOPS, CG_THR_N };

struct cg_hugepage {
	const char *size; /* "2MB" */
	uint64_t limit;
};

struct cg_prio {
	const char *name;
	uint32_t prio;
};

struct cg_rdma {
	const char *device;
	struct cg_u64 handles, objects;
};

struct cg_res {
	struct cg_i64 mem_limit, mem_reservation, mem_swap, mem_kernel, mem_kernel_tcp; /* -1: unlimited */
	struct cg_u64 swappiness;
	bool disable_oom;
	bool check_before_update;
	struct cg_u64 cpu_shares, cpu_period, cpu_burst, cpu_rt_period;
	struct cg_i64 cpu_quota, cpu_rt_runtime, cpu_idle;
	const char *cpus, *mems;
	struct cg_i64 pids_limit; /* -1: unlimited */
	struct cg_u64 blkio_weight, blkio_leaf_weight;
	struct cg_weight_dev *weight_devs;
	size_t n_weight_devs;
	struct cg_rate_dev *throttle[CG_THR_N];
	size_t n_throttle[CG_THR_N];
	struct cg_hugepage *hugepages;
	size_t n_hugepages;
	bool has_devices; /* linux.resources.devices given */
	struct cg_dev_rule *devices;
	size_t n_devices;
	struct cg_u64 net_classid;
	struct cg_prio *prios;
	size_t n_prios;
	struct cg_rdma *rdma;
	size_t n_rdma;
	json_t *unified;
	bool limits; /* anything but device rules: what rootless cannot skip */
};

/* resources may be NULL (nothing to apply). */
int cg_res_parse(json_t *resources, struct cg_res *r, struct moat_err *err);
void cg_res_free(struct cg_res *r);
/* The rules to enforce when linux.resources.devices is given: deny all, the
 * config's rules in order, then the devices every container gets (as runc).
 * *out malloc'd. */
int cg_device_rules(const struct cg_res *r, struct cg_dev_rule **out, size_t *n, struct moat_err *err);
/* The controllers named by the keys of linux.resources.unified ("memory.high"). */
unsigned unified_ctrls(const struct cg_res *r);
/* Fail before anything is created when r asks for a controller no hierarchy has. */
int check_available(const struct cg_layout *l, const struct cg_res *r, struct moat_err *err);

/* File helpers on a cgroup directory fd.  cg_write names `field` (the config
 * field being applied) in errors, and reports a missing file as "not supported
 * by this kernel (<file> missing)". */
int cg_write(int dirfd, const char *file, const char *val, const char *field, struct moat_err *err);
int cg_writef(int dirfd, const char *file, const char *field, struct moat_err *err, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Read a small file into buf, trailing newline stripped. */
int cg_read(int dirfd, const char *file, char *buf, size_t size, struct moat_err *err);
/* Wait (2 s at most, backing off from 100 us to 10 ms) until a line of file
 * reads want; the freezers' wait.  Every tenth try, when nudge is given, val
 * is written to it again. */
int cg_wait_line(int dirfd, const char *file, const char *want, const char *nudge, const char *val,
		 struct moat_err *err);
/* Open a file for several write()s, one record each (devices.allow, io.max). */
int cg_open_w(int dirfd, const char *file, const char *field, struct moat_err *err);
int cg_write_fd(int fd, const char *file, const char *val, const char *field, struct moat_err *err);
/* "max" for negative values (unlimited), else the number; in buf, returned. */
const char *cg_max_str(int64_t v, char buf[32]);
/* Controllers whose files are the same in v1 and v2. */
int cg_apply_cpuset(int fd, const struct cg_res *r, struct moat_err *err);
int cg_apply_pids(int fd, const struct cg_res *r, struct moat_err *err);
int cg_apply_rdma(int fd, const struct cg_res *r, struct moat_err *err);
/* A number file: "max" is UINT64_MAX. */
int cg_read_u64(int dirfd, const char *file, uint64_t *out, struct moat_err *err);
/* The controllers r asks something of (device rules and the unified map excepted). */
unsigned cg_res_ctrls(const struct cg_res *r);

/* Stats helpers: absent files and "max" leave the key out. */
json_t *cg_obj(json_t *parent, const char *key);
void cg_stat_file(json_t *o, const char *key, int dirfd, const char *file);
/* The value of "name N" in a keyed file's contents, times mult. */
void cg_stat_keyed(json_t *o, const char *key, const char *buf, const char *name, uint64_t mult);

/* v1 driver (cgroup_v1.c).  fds[i] is the container's directory in hierarchy
 * i of the layout, -1 when absent. update: write only what r gives (the
 * update command); creation also applies device rules. */
int cg_v1_apply(const struct cg_layout *l, const int *fds, const struct cg_res *r, bool update, struct moat_err *err);
/* Give a new cpuset directory its parent's cpus and mems, which v1 requires
 * before tasks can join. dirpath is the container's directory. */
int cg_v1_cpuset_inherit(int dirfd, const char *dirpath, const char *mnt, struct moat_err *err);
int cg_v1_freeze(int dirfd, bool freeze, struct moat_err *err);
bool cg_v1_is_frozen(int dirfd);
void cg_v1_stats(const struct cg_layout *l, const int *fds, json_t *out);

/* v2 driver (cgroup_v2.c).  handled: the controllers this directory serves
 * (all of them on v2; on hybrid only those the v1 hierarchies lack). */
/* Enable ctrls in cgroup.subtree_control of every ancestor of path, from the
 * root down.  Best effort: a controller that cannot be enabled shows up later
 * as a missing file, named with the field that needed it. */
void cg_v2_enable(const char *mnt, const char *path, unsigned ctrls);
int cg_v2_apply(int dirfd, const struct cg_res *r, unsigned handled, bool update, struct moat_err *err);
int cg_v2_freeze(int dirfd, bool freeze, struct moat_err *err);
bool cg_v2_is_frozen(int dirfd);
void cg_v2_stats(int dirfd, json_t *out);

/* The BPF_PROG_TYPE_CGROUP_DEVICE program enforcing rules (evaluated like v1:
 * later rules win, a rule of type 'a' resets the default).  Pure: *out is
 * malloc'd, *n instructions. */
int cg_bpf_devices_build(const struct cg_dev_rule *rules, size_t n_rules, struct bpf_insn **out, size_t *n,
			 struct moat_err *err);
/* Load the program for rules and attach it to the cgroup directory dirfd. */
int cg_bpf_devices_attach(int dirfd, const struct cg_dev_rule *rules, size_t n_rules, struct moat_err *err);

#endif
