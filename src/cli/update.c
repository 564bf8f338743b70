/* moat update [flags] ID: change a running container's resource limits.
 *
 * Either --resources FILE ("-" for stdin), a linux.resources document, or
 * runc's flags, which are turned into such a document.  Only what is given is
 * written.  Flags are accepted with one dash or two, as runc accepts them. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "linux/cgroups.h"

enum kind { BYTES, INT, UINT, STR };

static const struct flag {
	const char *name;
	const char *section; /* of linux.resources */
	const char *key;
	enum kind kind;
} flags[] = {
	{"memory", "memory", "limit", BYTES},
	{"memory-reservation", "memory", "reservation", BYTES},
	{"memory-swap", "memory", "swap", BYTES},
	{"kernel-memory", "memory", "kernel", BYTES},
	{"kernel-memory-tcp", "memory", "kernelTCP", BYTES},
	{"cpu-share", "cpu", "shares", UINT}, /* runc's spelling */
	{"cpu-shares", "cpu", "shares", UINT},
	{"cpu-period", "cpu", "period", UINT},
	{"cpu-quota", "cpu", "quota", INT},
	{"cpu-burst", "cpu", "burst", UINT},
	{"cpu-rt-period", "cpu", "realtimePeriod", UINT},
	{"cpu-rt-runtime", "cpu", "realtimeRuntime", INT},
	{"cpu-idle", "cpu", "idle", INT},
	{"cpuset-cpus", "cpu", "cpus", STR},
	{"cpuset-mems", "cpu", "mems", STR},
	{"pids-limit", "pids", "limit", INT},
	{"blkio-weight", "blockIO", "weight", UINT},
};

#define NFLAGS (sizeof(flags) / sizeof(flags[0]))
#define OPT_FLAG 256
#define OPT_RDT (OPT_FLAG + (int)NFLAGS)

static const char usage[] = "[--resources FILE | --memory N --cpu-quota N ...] ID";

/* docker's RAMInBytes: 512, 1.5g, 100m, 2GiB (binary units), or -1. */
static int parse_bytes(const char *flag, const char *s, int64_t *out, struct moat_err *err)
{
	if (!strcmp(s, "-1")) {
		*out = -1;
		return 0;
	}
	size_t num = strspn(s, "0123456789.");
	char *end;
	double v = num && isdigit((unsigned char)s[0]) ? strtod(s, &end) : -1;
	if (v < 0 || end != s + num)
		return moat_fail(err, EINVAL, "update: --%s: invalid size '%s'", flag, s);
	const char *p = s + num;
	if (*p == ' ')
		p++;
	static const char units[] = "kmgtp";
	const char *u = *p ? strchr(units, tolower((unsigned char)*p)) : NULL;
	double mult = 1;
	if (u) {
		for (const char *q = units; q <= u; q++)
			mult *= 1024;
		p++;
	}
	if (*p == 'i' || *p == 'I')
		p++;
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p || v * mult >= 9223372036854775807.0)
		return moat_fail(err, EINVAL, "update: --%s: invalid size '%s'", flag, s);
	*out = (int64_t)(v * mult);
	return 0;
}

static int flag_value(const struct flag *f, const char *s, json_t **out, struct moat_err *err)
{
	if (f->kind == STR) {
		*out = json_string(s);
		return 0;
	}
	int64_t v = 0;
	if (f->kind == BYTES) {
		int r = parse_bytes(f->name, s, &v, err);
		if (r < 0)
			return r;
	} else {
		char *end;
		errno = 0;
		long long ll = strtoll(s, &end, 10);
		if (errno || end == s || *end || (f->kind == UINT && ll < 0))
			return moat_fail(err, EINVAL, "update: --%s: '%s' is not %s integer", f->name, s,
					 f->kind == UINT ? "a non-negative" : "an");
		v = ll;
	}
	*out = json_integer(v);
	return 0;
}

static int load_resources(const char *path, json_t **out, struct moat_err *err)
{
	json_error_t jerr;
	*out = strcmp(path, "-") ? json_load_file(path, 0, &jerr) : json_loadf(stdin, 0, &jerr);
	if (!*out)
		return moat_fail(err, EINVAL, "update: --resources %s: %s (line %d)", path, jerr.text, jerr.line);
	return 0;
}

int cmd_update(struct moat_globals *g, int argc, char **argv, struct moat_err *err)
{
	struct option opts[NFLAGS + 4];
	for (size_t i = 0; i < NFLAGS; i++)
		opts[i] = (struct option){flags[i].name, required_argument, NULL, OPT_FLAG + (int)i};
	opts[NFLAGS] = (struct option){"resources", required_argument, NULL, 'r'};
	opts[NFLAGS + 1] = (struct option){"l3-cache-schema", required_argument, NULL, OPT_RDT};
	opts[NFLAGS + 2] = (struct option){"mem-bw-schema", required_argument, NULL, OPT_RDT};
	opts[NFLAGS + 3] = (struct option){NULL, 0, NULL, 0};

	json_t *res = json_object();
	if (!res)
		return moat_fail(err, ENOMEM, "update");
	const char *file = NULL;
	bool any_flag = false;
	struct container_state *st = NULL;
	int c, r = 0;
	optind = 1;
	opterr = 0;
	while (r == 0 && (c = getopt_long_only(argc, argv, "+r:", opts, NULL)) != -1) {
		if (c == 'r') {
			file = optarg;
		} else if (c == OPT_RDT) {
			r = moat_fail(err, ENOTSUP,
				      "update: Intel RDT (--l3-cache-schema, --mem-bw-schema) is not supported by moat");
		} else if (c >= OPT_FLAG && c < OPT_RDT) {
			const struct flag *f = &flags[c - OPT_FLAG];
			json_t *section = json_object_get(res, f->section), *v = NULL;
			if (!section) {
				section = json_object();
				json_object_set_new(res, f->section, section);
			}
			if ((r = flag_value(f, optarg, &v, err)) == 0)
				json_object_set_new(section, f->key, v);
			any_flag = true;
		} else {
			r = cli_usage(err, "update", usage);
		}
	}
	const char *id;
	if (r < 0 || (r = cli_one_id(argc, argv, optind, "update", &id, err)) < 0)
		goto out;
	if (file && any_flag) {
		r = moat_fail(err, EINVAL, "update: --resources cannot be combined with other limit flags");
		goto out;
	}
	if (file) {
		json_decref(res);
		if ((r = load_resources(file, &res, err)) < 0)
			goto out;
	}
	if ((r = cli_load(g, id, &st, err)) < 0)
		goto out;
	if (state_status(g->root, st) == STATUS_STOPPED) {
		r = moat_fail(err, EINVAL, "container %s is not running", id);
		goto out;
	}
	if (!st->cgroup || !*st->cgroup) {
		r = moat_fail(err, ENOTSUP, "container %s has no cgroup to update", id);
		goto out;
	}
	/* cgroups_update checks the whole document before writing anything. */
	if ((r = cgroups_update(st->cgroup, res, err)) < 0)
		moat_err_prefix(err, "update container %s", id);
out:
	if (st)
		state_free(st);
	json_decref(res);
	return r;
}
