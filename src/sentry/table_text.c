/* The sentry table in words: the names of actions and families, and each
 * entry's checks described, for `moat policy` (and the BPF cache's key). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sentry/table.h"
#include "util/json.h"

const char *sentry_action_name(enum sentry_action a)
{
	static const char *const names[SENTRY_N_ACTIONS] = {"pass", "checked", "emulate", "deny", "kill"};
	return a < SENTRY_N_ACTIONS ? names[a] : "?";
}

const char *sentry_family_name(enum sentry_family f)
{
	static const char *const names[SENTRY_N_FAMILIES] = {
		"files", "io", "memory", "process", "signals", "time", "ipc", "network", "system",
	};
	return f < SENTRY_N_FAMILIES ? names[f] : "?";
}

/* Describing checks in words ------------------------------------------ */

static void put_values(FILE *f, const struct sentry_value *v, size_t n, const char *sep)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? sep : "", v[i].name);
}

static void put_test(FILE *f, const struct sentry_test *t)
{
	switch (t->kind) {
	case SENTRY_ANY_BIT:
		fprintf(f, "%s has any of ", t->arg_name);
		put_values(f, t->values, t->n_values, "|");
		break;
	case SENTRY_IN:
		fprintf(f, "%s is %s", t->arg_name, t->n_values > 1 ? "one of " : "");
		put_values(f, t->values, t->n_values, ", ");
		break;
	case SENTRY_NOT_IN:
		fprintf(f, "%s is %s", t->arg_name, t->n_values > 1 ? "none of " : "not ");
		put_values(f, t->values, t->n_values, ", ");
		break;
	}
}

/* Finish one line: the stream's text, appended to *v. */
static int take_line(FILE *f, char **buf, char ***v, size_t *n)
{
	if (fclose(f) != 0) {
		free(*buf);
		*buf = NULL;
		return -1;
	}
	char **nv = realloc(*v, (*n + 2) * sizeof(char *));
	if (!nv) {
		free(*buf);
		*buf = NULL;
		return -1;
	}
	*v = nv;
	nv[(*n)++] = *buf;
	nv[*n] = NULL;
	*buf = NULL;
	return 0;
}

char **sentry_describe_checks(const struct sentry_syscall *s)
{
	char **v = calloc(1, sizeof(char *));
	size_t n = 0, len;
	char *buf = NULL;
	FILE *f;
	if (!v)
		return NULL;
	if (s->only) {
		if (!(f = open_memstream(&buf, &len)))
			goto fail;
		fprintf(f, "passes only when %s is one of ", s->only->arg_name);
		put_values(f, s->only->values, s->only->n_values, ", ");
		fprintf(f, "; any other %s fails with ENOSYS", s->only->arg_name);
		if (take_line(f, &buf, &v, &n) < 0)
			goto fail;
	}
	for (size_t i = 0; i < s->n_refusals; i++) {
		const struct sentry_refusal *r = &s->refusals[i];
		if (!(f = open_memstream(&buf, &len)))
			goto fail;
		const char *e = strerrorname_np(r->err);
		fprintf(f, "refused with %s when ", e ? e : "?");
		for (size_t j = 0; j < r->n_tests; j++) {
			if (j)
				fputs(" and ", f);
			put_test(f, &r->tests[j]);
		}
		if (take_line(f, &buf, &v, &n) < 0)
			goto fail;
	}
	if (s->pass_when) {
		if (!(f = open_memstream(&buf, &len)))
			goto fail;
		fprintf(f, "passes to the host when %s has ", s->pass_when->arg_name);
		put_values(f, s->pass_when->bits, s->pass_when->n_bits, "|");
		if (take_line(f, &buf, &v, &n) < 0)
			goto fail;
	}
	return v;
fail:
	strv_free(v);
	return NULL;
}
