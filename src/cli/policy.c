/* moat policy [--format text|json] [--explain SYSCALL]: how the sentry
 * treats every syscall (sentry/table.h) and why, with counts per action. */
#include <errno.h>
#include <getopt.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "sentry/table.h"
#include "util/json.h"

static const char usage[] = "[--format text|json] [--explain SYSCALL]";

static const char *errno_name(int e)
{
	const char *s = strerrorname_np(e);
	return s ? s : "?";
}

/* "deny EPERM" for denials, the bare action otherwise. */
static void action_label(const struct sentry_syscall *s, char *buf, size_t len)
{
	if (s->action == SENTRY_DENY)
		snprintf(buf, len, "deny %s", errno_name(s->err));
	else
		snprintf(buf, len, "%s", sentry_action_name(s->action));
}

/* Does the filter see this name here?  Unknown names are skipped by the
 * filter, whose default then answers ENOSYS. */
static bool in_filter(const struct sentry_syscall *s)
{
	return seccomp_syscall_resolve_name(s->name) >= 0;
}

static json_t *entry_json(const struct sentry_syscall *s)
{
	char **checks = sentry_describe_checks(s);
	json_t *a = checks ? json_array() : NULL;
	for (size_t i = 0; a && checks[i]; i++)
		if (json_array_append_new(a, json_string(checks[i])) < 0) {
			json_decref(a);
			a = NULL;
		}
	strv_free(checks);
	if (!a)
		return NULL;
	return json_pack("{s:s, s:s, s:o, s:o, s:s, s:s}", "name", s->name, "action", sentry_action_name(s->action),
			 "errno", s->action == SENTRY_DENY ? json_string(errno_name(s->err)) : json_null(), "checks", a,
			 "family", sentry_family_name(s->family), "reason", s->reason);
}

static int print_json(json_t *doc, struct moat_err *err)
{
	char *text = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
	json_decref(doc);
	if (!text)
		return moat_fail_errno(err, ENOMEM, "policy: building the JSON document");
	printf("%s\n", text);
	free(text);
	return 0;
}

static json_t *counts_json(void)
{
	size_t counts[SENTRY_N_ACTIONS], total = 0;
	sentry_count(counts);
	json_t *o = json_object();
	for (int a = 0; o && a < SENTRY_N_ACTIONS; a++) {
		total += counts[a];
		json_object_set_new(o, sentry_action_name((enum sentry_action)a), json_integer((json_int_t)counts[a]));
	}
	if (o)
		json_object_set_new(o, "total", json_integer((json_int_t)total));
	return o;
}

static int policy_json(struct moat_err *err)
{
	size_t n;
	const struct sentry_syscall *t = sentry_table(&n);
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++) {
		json_t *e = entry_json(&t[i]);
		if (!e || json_array_append_new(a, e) < 0) {
			json_decref(a);
			a = NULL;
		}
	}
	return print_json(a ? json_pack("{s:o, s:o}", "syscalls", a, "counts", counts_json()) : NULL, err);
}

static int policy_text(struct moat_err *err)
{
	size_t n;
	const struct sentry_syscall *t = sentry_table(&n);
	for (int fam = 0; fam < SENTRY_N_FAMILIES; fam++) {
		printf("%s%s\n", fam ? "\n" : "", sentry_family_name((enum sentry_family)fam));
		for (size_t i = 0; i < n; i++) {
			if (t[i].family != (enum sentry_family)fam)
				continue;
			char label[32];
			action_label(&t[i], label, sizeof(label));
			printf("  %-24s %-12s %s\n", t[i].name, label, t[i].reason);
			char **checks = sentry_describe_checks(&t[i]);
			if (!checks)
				return moat_fail_errno(err, ENOMEM, "policy: describing the checks of %s", t[i].name);
			for (size_t j = 0; checks[j]; j++)
				printf("  %-24s %-12s - %s\n", "", "", checks[j]);
			strv_free(checks);
		}
	}
	size_t counts[SENTRY_N_ACTIONS], total = 0;
	sentry_count(counts);
	printf("\n");
	for (int a = 0; a < SENTRY_N_ACTIONS; a++) {
		total += counts[a];
		printf("%s%zu %s", a ? ", " : "", counts[a], sentry_action_name((enum sentry_action)a));
	}
	printf(": %zu syscalls\n", total);
	bool first = true;
	for (size_t i = 0; i < n; i++) {
		if (in_filter(&t[i]))
			continue;
		printf("%s%s", first ? "not syscalls here or not known to this libseccomp (the filter answers ENOSYS): " : ", ",
		       t[i].name);
		first = false;
	}
	if (!first)
		printf("\n");
	return 0;
}

static const char *action_words(const struct sentry_syscall *s, char *buf, size_t len)
{
	switch (s->action) {
	case SENTRY_PASS:
		return "passes straight to the host kernel";
	case SENTRY_CHECKED:
		return "passes to the host kernel after BPF checks of its arguments";
	case SENTRY_EMULATE:
		return "sent to the sentry over seccomp user-notify and carried out there";
	case SENTRY_DENY:
		snprintf(buf, len, "fails with %s", errno_name(s->err));
		return buf;
	case SENTRY_KILL:
		return "kills the calling process with SIGSYS";
	case SENTRY_N_ACTIONS:
		break;
	}
	return "?";
}

static int explain(const char *name, bool json, struct moat_err *err)
{
	const struct sentry_syscall *s = sentry_lookup(name);
	if (!s)
		return moat_fail(err, EINVAL, "'%s' is not a Linux x86_64 syscall", name);
	if (json)
		return print_json(entry_json(s), err);
	char **checks = sentry_describe_checks(s);
	if (!checks)
		return moat_fail_errno(err, ENOMEM, "policy: describing the checks of %s", name);
	char buf[64];
	printf("%s (%s): %s\n", s->name, sentry_family_name(s->family), action_words(s, buf, sizeof(buf)));
	for (size_t i = 0; checks[i]; i++)
		printf("  %s\n", checks[i]);
	printf("why: %s\n", s->reason);
	if (!in_filter(s))
		printf("not a syscall here or not known to this libseccomp: the filter answers ENOSYS\n");
	strv_free(checks);
	return 0;
}

int cmd_policy(struct moat_globals *g, int argc, char **argv, struct moat_err *err)
{
	(void)g;
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"explain", required_argument, NULL, 'e'},
		{NULL, 0, NULL, 0},
	};
	const char *format = "text", *name = NULL;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+f:e:", opts, NULL)) != -1) {
		if (c == 'f')
			format = optarg;
		else if (c == 'e')
			name = optarg;
		else
			return cli_usage(err, "policy", usage);
	}
	if (optind < argc)
		return cli_usage(err, "policy", usage);
	bool json = strcmp(format, "json") == 0;
	if (!json && strcmp(format, "text") != 0)
		return moat_fail(err, EINVAL, "policy: invalid format '%s' (text or json)", format);
	int r = name ? explain(name, json, err) : json ? policy_json(err) : policy_text(err);
	if (r == 0 && fflush(stdout) == EOF)
		r = moat_fail_errno(err, errno ? errno : EIO, "policy: writing to stdout");
	return r;
}
