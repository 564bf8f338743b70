/* moat list [--format table|json] [--quiet]: the containers under --root. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* The user's name from /etc/passwd, else "#uid".  Read directly: moat is a
 * static binary, and glibc's NSS lookups need shared libraries. */
static const char *owner_name(uid_t uid, char *buf, size_t cap)
{
	snprintf(buf, cap, "#%u", uid);
	FILE *f = fopen("/etc/passwd", "re");
	if (!f)
		return buf;
	char line[1024];
	while (fgets(line, sizeof(line), f)) {
		char *name = strtok(line, ":");
		strtok(NULL, ":");
		char *id = strtok(NULL, ":");
		if (name && id && strtoul(id, NULL, 10) == uid) {
			snprintf(buf, cap, "%s", name);
			break;
		}
	}
	fclose(f);
	return buf;
}

int cmd_list(struct moat_globals *g, int argc, char **argv, struct moat_err *err)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'}, {"quiet", no_argument, NULL, 'q'}, {NULL, 0, NULL, 0}};
	const char *format = "table";
	bool quiet = false;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+f:q", opts, NULL)) != -1) {
		if (c == 'f')
			format = optarg;
		else if (c == 'q')
			quiet = true;
		else
			return moat_fail(err, EINVAL, "list: unknown option '%s'", argv[optind - 1]);
	}
	if (optind != argc)
		return cli_usage(err, "list", "[--format table|json] [--quiet]");
	bool json = !strcmp(format, "json");
	if (!json && strcmp(format, "table"))
		return moat_fail(err, EINVAL, "list: --format must be table or json, not '%s'", format);
	char **ids;
	int r = state_list(g->root, &ids, err);
	if (r < 0)
		return r;
	json_t *arr = json ? json_array() : NULL;
	if (!json && !quiet)
		printf("%-12s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
	for (char **id = ids; *id; id++) {
		struct container_state *st;
		struct moat_err e2;
		if (state_load(g->root, *id, &st, &e2) < 0)
			continue; /* being created or deleted right now */
		enum container_status s = state_status(g->root, st);
		char ob[64];
		if (json) {
			json_t *o = state_to_oci(st, s);
			if (o)
				json_array_append_new(arr, o);
		} else if (quiet) {
			printf("%s\n", st->id);
		} else {
			printf("%-12s %-8d %-10s %-40s %-30s %s\n", st->id, s == STATUS_STOPPED ? 0 : st->pid,
			       status_name(s), st->bundle, st->created, owner_name(st->owner, ob, sizeof(ob)));
		}
		state_free(st);
	}
	for (char **id = ids; *id; id++)
		free(*id);
	free(ids);
	if (json) {
		char *text = json_dumps(arr, 0);
		json_decref(arr);
		if (!text)
			return moat_fail(err, ENOMEM, "encode list");
		printf("%s\n", text);
		free(text);
	}
	return 0;
}
