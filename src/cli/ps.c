/* moat ps [--format table|json] ID [PS_ARGS...]: the processes of a container.
 *
 * json prints the pids of the container's cgroup as an array.  table runs
 * ps(1) (with PS_ARGS, default -ef) and keeps its header and the lines whose
 * PID column is one of those pids, as runc does. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "linux/cgroups.h"

static const char usage[] = "[--format table|json] ID [PS_ARGS...]";

static int print_json(const pid_t *pids, size_t n, struct moat_err *err)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_integer(pids[i]));
	char *text = a ? json_dumps(a, JSON_COMPACT) : NULL;
	json_decref(a);
	if (!text)
		return moat_fail(err, ENOMEM, "ps: encode pids");
	printf("%s\n", text);
	free(text);
	return 0;
}

/* Run ps with args (argv-style, NULL-terminated, args[0] = "ps"); its
 * stdout and stderr together in *out. */
static int run_ps(char **args, char **out, struct moat_err *err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return moat_fail_errno(err, errno, "ps: pipe");
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	pid_t pid;
	int r = posix_spawnp(&pid, "ps", &fa, NULL, args, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (r != 0) {
		close(p[0]);
		return moat_fail_errno(err, r, "ps: run ps");
	}
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap + 1);
	for (ssize_t k; buf;) {
		if (len == cap) {
			char *nb = realloc(buf, 2 * cap + 1);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		k = read(p[0], buf + len, cap - len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		len += (size_t)k;
	}
	close(p[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!buf)
		return moat_fail(err, ENOMEM, "ps: read output");
	buf[len] = '\0';
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		buf[strcspn(buf, "\n")] = '\0';
		r = moat_fail(err, EIO, "ps: ps failed (status %d): %s", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
			      buf);
		free(buf);
		return r;
	}
	*out = buf;
	return 0;
}

/* The whitespace-separated field number idx of line, as a number, or -1. */
static long field_num(const char *line, int idx)
{
	const char *p = line + strspn(line, " \t");
	for (int i = 0; i < idx && *p; i++) {
		p += strcspn(p, " \t");
		p += strspn(p, " \t");
	}
	char *end;
	long v = strtol(p, &end, 10);
	return end != p && (*end == ' ' || *end == '\t' || *end == '\0') ? v : -1;
}

static int print_table(char **ps_args, int n_args, const pid_t *pids, size_t n, struct moat_err *err)
{
	char *dflt[] = {"ps", "-ef", NULL};
	char **args = dflt;
	if (n_args > 0) {
		args = calloc((size_t)n_args + 2, sizeof(char *));
		if (!args)
			return moat_fail(err, ENOMEM, "ps");
		args[0] = "ps";
		memcpy(args + 1, ps_args, (size_t)n_args * sizeof(char *));
	}
	char *out = NULL;
	int r = run_ps(args, &out, err);
	if (args != dflt)
		free(args);
	if (r < 0)
		return r;
	char *line = out, *next = strchr(out, '\n');
	if (next)
		*next++ = '\0';
	int pid_idx = -1, i = 0;
	for (const char *p = line + strspn(line, " \t"); *p; p += strspn(p, " \t"), i++) {
		size_t k = strcspn(p, " \t");
		if (k == 3 && !strncmp(p, "PID", 3))
			pid_idx = i;
		p += k;
	}
	if (pid_idx < 0) {
		free(out);
		return moat_fail(err, EINVAL, "ps: couldn't find PID field in ps output");
	}
	printf("%s\n", line);
	for (line = next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		long pid = field_num(line, pid_idx);
		for (size_t j = 0; j < n; j++) {
			if (pids[j] == pid) {
				printf("%s\n", line);
				break;
			}
		}
	}
	free(out);
	return 0;
}

int cmd_ps(struct moat_globals *g, int argc, char **argv, struct moat_err *err)
{
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'}, {NULL, 0, NULL, 0}};
	const char *format = "table";
	int c, r;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+f:", opts, NULL)) != -1) {
		if (c != 'f')
			return cli_usage(err, "ps", usage);
		format = optarg;
	}
	if (strcmp(format, "table") && strcmp(format, "json"))
		return moat_fail(err, EINVAL, "ps: invalid format '%s' (table or json)", format);
	if (optind >= argc)
		return cli_usage(err, "ps", usage);
	const char *id = argv[optind];
	if ((r = state_validate_id(id, err)) < 0)
		return r;
	char **ps_args = argv + optind + 1;
	int n_args = argc - optind - 1;
	if (n_args > 0 && !strcmp(ps_args[0], "--")) {
		ps_args++;
		n_args--;
	}
	struct container_state *st;
	if ((r = cli_load(g, id, &st, err)) < 0)
		return r;
	pid_t *pids = NULL;
	size_t n = 0;
	if (state_status(g->root, st) == STATUS_STOPPED)
		r = moat_fail(err, ESRCH, "container %s is not running", id);
	else if (!st->cgroup || !*st->cgroup)
		r = moat_fail(err, ENOTSUP, "container %s has no cgroup to list", id);
	else if ((r = cgroups_pids(st->cgroup, &pids, &n, err)) == 0)
		r = !strcmp(format, "json") ? print_json(pids, n, err) : print_table(ps_args, n_args, pids, n, err);
	free(pids);
	state_free(st);
	return r;
}
