#include "sentry/filter.h"

#include <errno.h>
#include <stdbool.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sentry/table.h"

/* libseccomp's priority hint: hot syscalls are compared first. */
#define HOT_PRIORITY 255

struct sentry_filter {
	enum sentry_emulate_mode mode;
	scmp_filter_ctx table; /* one action per syscall */
	scmp_filter_ctx args;  /* refusals of checked syscalls */
};

/* The comparisons one test stands for; any of them matching means the test
 * matches. */
struct alts {
	struct scmp_arg_cmp *v;
	size_t n, cap;
};

static int alt_add(struct alts *a, unsigned int arg, enum scmp_compare op, uint64_t x, uint64_t y)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 16;
		struct scmp_arg_cmp *v = realloc(a->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = (struct scmp_arg_cmp){.arg = arg, .op = op, .datum_a = x, .datum_b = y};
	return 0;
}

/* Cover [lo, hi] with aligned power-of-two blocks, each one masked
 * comparison (at most two blocks per bit of width).  width is 32 or 64: a
 * 32-bit block ignores the upper half of the argument, as the kernel does
 * for int arguments. */
static int add_blocks(struct alts *a, unsigned int arg, uint64_t lo, uint64_t hi, unsigned int width)
{
	uint64_t width_mask = width == 64 ? UINT64_MAX : ((uint64_t)1 << width) - 1;
	for (;;) {
		unsigned int k = lo ? (unsigned int)__builtin_ctzll(lo) : width;
		if (k > width)
			k = width;
		uint64_t span; /* block size - 1 */
		for (;;) {
			span = k >= 64 ? UINT64_MAX : ((uint64_t)1 << k) - 1;
			if (span <= hi - lo)
				break;
			k--;
		}
		int r = alt_add(a, arg, SCMP_CMP_MASKED_EQ, ~span & width_mask, lo);
		if (r < 0)
			return r;
		if (span == hi - lo)
			return 0;
		lo += span + 1;
	}
}

static int cmp_value(const void *x, const void *y)
{
	const struct sentry_value *a = x, *b = y;
	return a->lo < b->lo ? -1 : a->lo > b->lo;
}

/* Everything outside the values, all 64 bits compared: the gaps between
 * them as blocks, and above the largest one comparison. */
static int add_not_in(struct alts *a, unsigned int arg, const struct sentry_value *values, size_t n)
{
	struct sentry_value *s = malloc(n * sizeof(*s));
	if (!s)
		return -ENOMEM;
	memcpy(s, values, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_value);
	uint64_t next = 0; /* the lowest value not yet covered or allowed */
	bool done = false;
	int r = 0;
	for (size_t i = 0; i < n && r == 0 && !done; i++) {
		if (s[i].lo > next)
			r = add_blocks(a, arg, next, s[i].lo - 1, 64);
		if (s[i].hi == UINT64_MAX)
			done = true;
		else if (s[i].hi + 1 > next)
			next = s[i].hi + 1;
	}
	if (r == 0 && !done)
		r = alt_add(a, arg, SCMP_CMP_GT, next - 1, 0);
	free(s);
	return r;
}

static int test_alts(const struct sentry_test *t, struct alts *a)
{
	int r = 0;
	switch (t->kind) {
	case SENTRY_ANY_BIT:
		for (size_t i = 0; i < t->n_values && r == 0; i++)
			for (unsigned int b = 0; b < 32 && r == 0; b++)
				if (t->values[i].lo & ((uint64_t)1 << b))
					r = alt_add(a, t->arg, SCMP_CMP_MASKED_EQ, (uint64_t)1 << b, (uint64_t)1 << b);
		return r;
	case SENTRY_IN:
		for (size_t i = 0; i < t->n_values && r == 0; i++)
			r = add_blocks(a, t->arg, t->values[i].lo, t->values[i].hi, 32);
		return r;
	case SENTRY_NOT_IN:
		return add_not_in(a, t->arg, t->values, t->n_values);
	}
	return -EINVAL;
}

/* One rule per combination of the tests' alternatives: each rule is an AND
 * of one comparison per test, the rules together an OR. */
static int add_refusal(scmp_filter_ctx ctx, int nr, const struct sentry_refusal *ref)
{
	struct alts a[SENTRY_MAX_TESTS] = {{0}};
	int r = 0;
	for (size_t i = 0; i < ref->n_tests && r == 0; i++)
		r = test_alts(&ref->tests[i], &a[i]);
	if (r == 0 && ref->n_tests == 1)
		for (size_t i = 0; i < a[0].n && r == 0; i++)
			r = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO((uint32_t)ref->err), nr, 1, &a[0].v[i]);
	if (r == 0 && ref->n_tests == 2)
		for (size_t i = 0; i < a[0].n && r == 0; i++)
			for (size_t j = 0; j < a[1].n && r == 0; j++) {
				struct scmp_arg_cmp c[2] = {a[0].v[i], a[1].v[j]};
				r = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO((uint32_t)ref->err), nr, 2, c);
			}
	for (size_t i = 0; i < SENTRY_MAX_TESTS; i++)
		free(a[i].v);
	return r;
}

/* ioctl: the listed requests pass; the rest fall to the default. */
static int add_only(scmp_filter_ctx ctx, int nr, const struct sentry_only *o)
{
	struct alts a = {0};
	int r = 0;
	for (size_t i = 0; i < o->n_values && r == 0; i++)
		r = add_blocks(&a, o->arg, o->values[i].lo, o->values[i].hi, 32);
	for (size_t i = 0; i < a.n && r == 0; i++)
		r = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, 1, &a.v[i]);
	free(a.v);
	return r;
}

/* The descriptor form passes, the path form goes to the sentry: disjoint
 * rules, all the bits set or one of them clear. */
static int add_pass_when(scmp_filter_ctx ctx, int nr, const struct sentry_pass_when *p)
{
	uint64_t bits = 0;
	for (size_t i = 0; i < p->n_bits; i++)
		bits |= p->bits[i].lo;
	int r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_CMP(p->arg, SCMP_CMP_MASKED_EQ, bits, bits));
	for (unsigned int b = 0; b < 32 && r == 0; b++)
		if (bits & ((uint64_t)1 << b))
			r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 1,
					     SCMP_CMP(p->arg, SCMP_CMP_MASKED_EQ, (uint64_t)1 << b, 0));
	return r;
}

static int add_entry(struct sentry_filter *f, const struct sentry_syscall *s, int nr)
{
	int r = 0;
	if (s->hot && (r = seccomp_syscall_priority(f->table, nr, HOT_PRIORITY)) < 0)
		return r;
	switch (s->action) {
	case SENTRY_PASS:
		return seccomp_rule_add(f->table, SCMP_ACT_ALLOW, nr, 0);
	case SENTRY_CHECKED:
		r = s->only ? add_only(f->table, nr, s->only) : seccomp_rule_add(f->table, SCMP_ACT_ALLOW, nr, 0);
		for (size_t i = 0; i < s->n_refusals && r == 0; i++)
			r = add_refusal(f->args, nr, &s->refusals[i]);
		return r;
	case SENTRY_EMULATE:
		if (f->mode == SENTRY_EMULATE_ALLOW)
			return seccomp_rule_add(f->table, SCMP_ACT_ALLOW, nr, 0);
		if (s->pass_when)
			return add_pass_when(f->table, nr, s->pass_when);
		return seccomp_rule_add(f->table, SCMP_ACT_NOTIFY, nr, 0);
	case SENTRY_DENY:
		if (f->mode == SENTRY_EMULATE_AUDIT)
			return seccomp_rule_add(f->table, SCMP_ACT_NOTIFY, nr, 0);
		/* libseccomp refuses rules that repeat the default action */
		if (s->err == ENOSYS)
			return 0;
		return seccomp_rule_add(f->table, SCMP_ACT_ERRNO((uint32_t)s->err), nr, 0);
	case SENTRY_KILL:
		return seccomp_rule_add(f->table, SCMP_ACT_KILL_PROCESS, nr, 0);
	case SENTRY_N_ACTIONS:
		break;
	}
	return -EINVAL;
}

static int set_attrs(scmp_filter_ctx ctx)
{
	int r;
	/* the container init sets no_new_privs itself when the config asks */
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0 ||
	    (r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)) < 0 ||
	    /* report the kernel's errno from seccomp_load, not -ECANCELED */
	    (r = seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1)) < 0)
		return r;
	return 0;
}

int sentry_filter_build(enum sentry_emulate_mode mode, struct sentry_filter **out, struct moat_err *err)
{
	*out = NULL;
	bool notify = mode != SENTRY_EMULATE_ALLOW;
	if (notify && seccomp_api_get() < 6)
		return moat_fail(err, ENOTSUP,
				 "sentry filter: user-notify needs libseccomp API level 6 (kernel >= 5.7), this host has %u",
				 seccomp_api_get());
	struct sentry_filter *f = calloc(1, sizeof(*f));
	if (!f)
		return moat_fail_errno(err, ENOMEM, "sentry filter");
	f->mode = mode;
	f->table = seccomp_init(SCMP_ACT_ERRNO(ENOSYS));
	f->args = seccomp_init(SCMP_ACT_ALLOW);
	int r;
	if (!f->table || !f->args) {
		r = moat_fail(err, ENOMEM, "sentry filter: libseccomp could not create a filter");
		goto fail;
	}
	if ((r = set_attrs(f->table)) < 0 || (r = set_attrs(f->args)) < 0) {
		r = moat_fail_errno(err, -r, "sentry filter: setting filter attributes");
		goto fail;
	}
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6)
	/* a fatal signal must not wait behind a slow handler in the sentry */
	if (notify && seccomp_api_get() >= 7 &&
	    (r = seccomp_attr_set(f->table, SCMP_FLTATR_CTL_WAITKILL, 1)) < 0) {
		r = moat_fail_errno(err, -r, "sentry filter: setting SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV");
		goto fail;
	}
#endif
	size_t n;
	const struct sentry_syscall *t = sentry_table(&n);
	for (size_t i = 0; i < n; i++) {
		int nr = seccomp_syscall_resolve_name(t[i].name);
		/* unknown here, or not a syscall of this architecture */
		if (nr < 0)
			continue;
		if ((r = add_entry(f, &t[i], nr)) < 0) {
			r = moat_fail_errno(err, -r, "sentry filter: adding the rules for '%s'", t[i].name);
			goto fail;
		}
	}
	*out = f;
	return 0;
fail:
	sentry_filter_free(f);
	return r;
}

int sentry_filter_load(struct sentry_filter *f, int *notify_fd, struct moat_err *err)
{
	*notify_fd = -1;
	int r = seccomp_load(f->table);
	if (r == -EBUSY && f->mode != SENTRY_EMULATE_ALLOW)
		return moat_fail(err, EBUSY,
				 "loading the sentry filter: the process already has a user-notify listener (the config's "
				 "seccomp profile uses SCMP_ACT_NOTIFY), and the sentry needs its own");
	if (r < 0)
		return moat_fail_errno(err, -r, "loading the sentry's table filter");
	int fd = -1;
	if (f->mode != SENTRY_EMULATE_ALLOW && (fd = seccomp_notify_fd(f->table)) < 0)
		return moat_fail(err, EIO, "loading the sentry's table filter: libseccomp returned no listener fd");
	if ((r = seccomp_load(f->args)) < 0) {
		if (fd >= 0)
			close(fd);
		return moat_fail_errno(err, -r, "loading the sentry's argument filter");
	}
	*notify_fd = fd;
	return 0;
}

int sentry_filter_export(struct sentry_filter *f, int table_fd, int args_fd, struct moat_err *err)
{
	int r = seccomp_export_bpf(f->table, table_fd);
	if (r == 0)
		r = seccomp_export_bpf(f->args, args_fd);
	return r < 0 ? moat_fail_errno(err, -r, "sentry filter: exporting the BPF programs") : 0;
}

enum sentry_emulate_mode sentry_filter_mode(const struct sentry_filter *f)
{
	return f->mode;
}

void sentry_filter_free(struct sentry_filter *f)
{
	if (!f)
		return;
	if (f->table)
		seccomp_release(f->table);
	if (f->args)
		seccomp_release(f->args);
	free(f);
}
