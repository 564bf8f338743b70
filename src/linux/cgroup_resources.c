/* Cgroups: linux.resources, parsed and validated into struct cg_res, and checked
 * against the controllers the host has.  What to write where lives in
 * cgroup_v1.c and cgroup_v2.c. */
#include "linux/cgroup_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"


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
unsigned unified_ctrls(const struct cg_res *r)
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

/* Fail before anything is created when r asks for a controller no hierarchy has. */
int check_available(const struct cg_layout *l, const struct cg_res *r, struct moat_err *err)
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
