#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "linux/container.h"
#include "oci/spec.h"
#include "vm/vm.h"

int cli_usage(struct moat_err *err, const char *cmd, const char *usage)
{
	return moat_fail(err, EINVAL, "usage: moat %s %s", cmd, usage);
}

int cli_one_id(int argc, char **argv, int optind_, const char *cmd, const char **id, struct moat_err *err)
{
	if (optind_ >= argc)
		return moat_fail(err, EINVAL, "%s: a container id is required", cmd);
	if (optind_ + 1 != argc)
		return moat_fail(err, EINVAL, "%s: expected one container id, got %d arguments", cmd, argc - optind_);
	*id = argv[optind_];
	return state_validate_id(*id, err);
}

int cli_load(struct moat_globals *g, const char *id, struct container_state **st, struct moat_err *err)
{
	int r = state_load(g->root, id, st, err);
	if (r < 0 || strcmp((*st)->sandbox ? (*st)->sandbox : "", "vm"))
		return r;
	/* a vm container exists only while its `moat run` does: a state
	 * directory whose QEMU is gone is what a killed `moat run` left */
	bool alive = state_pid_alive(*st);
	state_free(*st);
	*st = NULL;
	if (!alive) {
		state_remove(g->root, id);
		return moat_fail(err, ENOENT, "container %s does not exist", id);
	}
	return moat_fail(err, EOPNOTSUPP, "container %s: %s", id, VM_FOREGROUND_ONLY);
}

bool cli_rootless(const struct moat_globals *g)
{
	if (!strcmp(g->rootless, "true"))
		return true;
	if (!strcmp(g->rootless, "false"))
		return false;
	return geteuid() != 0;
}

int cli_parse_sandbox(const char *s, enum sandbox_level *out, struct moat_err *err)
{
	if (!strcmp(s, "none"))
		*out = SANDBOX_NONE;
	else if (!strcmp(s, "sentry"))
		*out = SANDBOX_SENTRY;
	else if (!strcmp(s, "vm"))
		*out = SANDBOX_VM;
	else
		return moat_fail(err, EINVAL, "sandbox level '%s' is not one of none, sentry, vm", s);
	return 0;
}

const char *cli_sandbox_name(enum sandbox_level l)
{
	switch (l) {
	case SANDBOX_SENTRY:
		return "sentry";
	case SANDBOX_VM:
		return "vm";
	default:
		return "none";
	}
}

int cli_parse_signal(const char *s, int *sig, struct moat_err *err)
{
	char *end;
	long n = strtol(s, &end, 10);
	if (*s && *end == '\0') {
		if (n <= 0 || n > SIGRTMAX)
			return moat_fail(err, EINVAL, "invalid signal number %s", s);
		*sig = (int)n;
		return 0;
	}
	const char *name = strncasecmp(s, "SIG", 3) == 0 ? s + 3 : s;
	for (int i = 1; i < NSIG; i++) {
		const char *abbrev = sigabbrev_np(i);
		if (abbrev && strcasecmp(abbrev, name) == 0) {
			*sig = i;
			return 0;
		}
	}
	if (strncasecmp(name, "RTMIN+", 6) == 0 || strncasecmp(name, "RTMAX-", 6) == 0) {
		n = strtol(name + 6, &end, 10);
		int v = strncasecmp(name, "RTMIN", 5) == 0 ? SIGRTMIN + (int)n : SIGRTMAX - (int)n;
		if (*end == '\0' && n >= 0 && v >= SIGRTMIN && v <= SIGRTMAX) {
			*sig = v;
			return 0;
		}
	}
	return moat_fail(err, EINVAL, "unknown signal '%s'", s);
}

int cli_sandbox_for(const struct moat_globals *g, const struct oci_spec *spec, enum sandbox_level *out,
		    struct moat_err *err)
{
	enum sandbox_level l = g->sandbox_given ? g->sandbox : SANDBOX_SENTRY;
	const char *a = spec_annotation(spec, "run.moat.sandbox");
	if (a && cli_parse_sandbox(a, &l, err) < 0)
		return moat_err_prefix(err, "annotations.run.moat.sandbox");
	*out = l;
	return 0;
}

int cli_parse_create_opts(int argc, char **argv, const char *cmd, bool with_detach, struct container_opts *o,
			  const char **bundle, bool *detach, bool *keep, struct moat_err *err)
{
	enum { OPT_PID = 1000, OPT_CONSOLE, OPT_PRESERVE, OPT_NO_PIVOT, OPT_NO_KEYRING, OPT_NO_SUBREAPER, OPT_KEEP };
	static const struct option opts[] = {
		{"bundle", required_argument, NULL, 'b'},
		{"pid-file", required_argument, NULL, OPT_PID},
		{"console-socket", required_argument, NULL, OPT_CONSOLE},
		{"preserve-fds", required_argument, NULL, OPT_PRESERVE},
		{"no-pivot", no_argument, NULL, OPT_NO_PIVOT},
		{"no-new-keyring", no_argument, NULL, OPT_NO_KEYRING},
		{"no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER},
		{"detach", no_argument, NULL, 'd'},
		{"keep", no_argument, NULL, OPT_KEEP},
		{NULL, 0, NULL, 0},
	};
	*bundle = ".";
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, with_detach ? "+b:d" : "+b:", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			*bundle = optarg;
			break;
		case OPT_PID:
			o->pid_file = optarg;
			break;
		case OPT_CONSOLE:
			o->console_socket = optarg;
			break;
		case OPT_PRESERVE: {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*end || n < 0 || n > 65536)
				return moat_fail(err, EINVAL, "%s: --preserve-fds: '%s' is not a count of fds", cmd, optarg);
			o->preserve_fds = (int)n;
			break;
		}
		case OPT_NO_PIVOT:
			o->no_pivot = true;
			break;
		case OPT_NO_KEYRING:
			o->no_new_keyring = true;
			break;
		case OPT_NO_SUBREAPER:
			break; /* moat is always the parent of the init it waits for */
		case 'd':
			if (!with_detach)
				goto bad;
			*detach = true;
			break;
		case OPT_KEEP:
			if (!with_detach)
				goto bad;
			*keep = true;
			break;
		default:
		bad:
			return moat_fail(err, EINVAL, "%s: unknown option '%s'", cmd, argv[optind - 1]);
		}
	}
	return cli_one_id(argc, argv, optind, cmd, &o->id, err);
}

int cli_prepare_container(struct moat_globals *g, struct container_opts *o, const char *bundle,
			  struct oci_spec **spec, struct moat_err *err)
{
	int r = spec_load(bundle, spec, err);
	if (r < 0)
		return r;
	enum sandbox_level level;
	if ((r = cli_sandbox_for(g, *spec, &level, err)) < 0) {
		spec_free(*spec);
		*spec = NULL;
		return r;
	}
	o->sandbox = cli_sandbox_name(level);
	o->audit = g->audit;
	return 0;
}
