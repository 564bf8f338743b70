/* moat: a runc-compatible OCI runtime.  Parses the global flags, picks the
 * command and prints its error once, in runc's log format. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/cloned_binary.h"
#include "util/log.h"

#ifndef MOAT_VERSION
#define MOAT_VERSION "0.1.0"
#endif

static const struct {
	const char *name;
	cmd_fn fn;
	bool enters_container; /* runs code in the container: re-exec from a sealed copy first */
	const char *help;
} commands[] = {
	{"create", cmd_create, true, "create a container"},
	{"start", cmd_start, false, "start the user process of a created container"},
	{"run", cmd_run, true, "create and start a container"},
	{"exec", cmd_exec, true, "run a new process inside a container"},
	{"state", cmd_state, false, "print the state of a container"},
	{"kill", cmd_kill, false, "send a signal to the container's init process"},
	{"delete", cmd_delete, false, "delete a container and everything it holds"},
	{"list", cmd_list, false, "list containers"},
	{"ps", cmd_ps, false, "list the processes of a container"},
	{"pause", cmd_pause, false, "freeze all processes of a container"},
	{"resume", cmd_resume, false, "thaw a paused container"},
	{"update", cmd_update, false, "update a container's resource limits"},
	{"features", cmd_features, false, "print what this runtime supports (OCI features JSON)"},
	{"spec", cmd_spec, false, "write a default config.json"},
	{"check", cmd_check, false, "print what this host supports for each sandbox level"},
	{"policy", cmd_policy, false, "print how the sentry treats every syscall"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: moat [global options] COMMAND [options] [args]\n\n"
		   "moat runs OCI bundles in a sandbox; its command line is runc's.\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nglobal options:\n"
		   "  --root DIR            state directory (default " MOAT_DEFAULT_ROOT ")\n"
		   "  --log FILE            log to FILE instead of stderr\n"
		   "  --log-format FMT      text (default) or json\n"
		   "  --debug               log debug messages\n"
		   "  --systemd-cgroup      use the systemd cgroup driver (needs systemd)\n"
		   "  --rootless VAL        true, false or auto (default auto)\n"
		   "  --sandbox LEVEL       none, sentry (default) or vm; annotation run.moat.sandbox overrides\n"
		   "  --audit FILE          sentry: log denied and emulated calls as JSON lines\n"
		   "  --version, -v         print the version\n");
}

/* Global flags take "--flag value" or "--flag=value", before the command. */
static const char *flag_value(const char *arg, const char *name, int *i, int argc, char **argv)
{
	size_t n = strlen(name);
	if (strncmp(arg, name, n) != 0)
		return NULL;
	if (arg[n] == '=')
		return arg + n + 1;
	if (arg[n] == '\0' && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

int main(int argc, char **argv)
{
	struct moat_globals g = {.root = MOAT_DEFAULT_ROOT, .log_format = "text", .rootless = "auto"};
	struct moat_err err;
	moat_err_clear(&err);
	bool root_given = false;
	int i;
	const char *v;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		char *a = argv[i];
		if (a[1] == '-' && a[2] != '-' && a[2] != '\0')
			a++; /* accept -flag and --flag alike, as runc does */
		if ((v = flag_value(a, "-root", &i, argc, argv))) {
			g.root = v;
			root_given = true;
		}
		else if ((v = flag_value(a, "-log-format", &i, argc, argv)))
			g.log_format = v;
		else if ((v = flag_value(a, "-log", &i, argc, argv)))
			g.log = v;
		else if (!strcmp(a, "-debug"))
			g.debug = true;
		else if (!strcmp(a, "-systemd-cgroup"))
			g.systemd_cgroup = true;
		else if ((v = flag_value(a, "-rootless", &i, argc, argv)))
			g.rootless = v;
		else if ((v = flag_value(a, "-criu", &i, argc, argv)))
			; /* checkpointing is not supported; the flag is accepted for runc compatibility */
		else if ((v = flag_value(a, "-sandbox", &i, argc, argv))) {
			if (cli_parse_sandbox(v, &g.sandbox, &err) < 0) {
				fprintf(stderr, "moat: %s\n", err.msg);
				return 1;
			}
			g.sandbox_given = true;
		} else if ((v = flag_value(a, "-audit", &i, argc, argv)))
			g.audit = v;
		else if (!strcmp(a, "-version") || !strcmp(a, "-v")) {
			printf("moat version %s\nspec: %s\n", MOAT_VERSION, MOAT_OCI_VERSION);
			return 0;
		} else if (!strcmp(a, "-help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "moat: unknown global option '%s'\n", argv[i]);
			usage(stderr);
			return 1;
		}
	}
	char user_root[4096];
	if (!root_given && geteuid() != 0) {
		/* rootless: state lives in the user's runtime directory, as runc's does */
		const char *xdg = getenv("XDG_RUNTIME_DIR");
		if (xdg && *xdg)
			snprintf(user_root, sizeof(user_root), "%s/moat", xdg);
		else
			snprintf(user_root, sizeof(user_root), "/tmp/moat-%u", geteuid());
		g.root = user_root;
	}
	if (strcmp(g.rootless, "true") && strcmp(g.rootless, "false") && strcmp(g.rootless, "auto")) {
		fprintf(stderr, "moat: --rootless: '%s' is not true, false or auto\n", g.rootless);
		return 1;
	}
	int r = log_init(g.log, g.log_format, g.debug);
	if (r < 0) {
		fprintf(stderr, "moat: cannot open log %s (format %s): %s\n", g.log ? g.log : "stderr",
			g.log_format, strerror(-r));
		return 1;
	}
	if (i >= argc) {
		usage(stderr);
		return 1;
	}
	const char *name = argv[i];
	if (!strcmp(name, "help")) {
		usage(stdout);
		return 0;
	}
	for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++) {
		if (strcmp(commands[k].name, name) != 0)
			continue;
		if (commands[k].enters_container) {
			/* CVE-2019-5736: never let the container see a writable moat binary. */
			r = ensure_cloned_binary(argv, &err);
			if (r < 0) {
				log_fatal(err.msg);
				return 1;
			}
		}
		r = commands[k].fn(&g, argc - i, argv + i, &err);
		if (r < 0) {
			log_fatal(err.msg[0] ? err.msg : strerror(-r));
			return 1;
		}
		return r;
	}
	fprintf(stderr, "moat: unknown command '%s'\n", name);
	usage(stderr);
	return 1;
}
