/* Command-line layer: global options and one entry point per command.
 *
 * A command returns a negative errno after filling err (main prints it once,
 * in runc's log format, and exits 1), or a non-negative exit status (run and
 * exec return the container process's status: its code, or 128+signal). */
#ifndef MOAT_CLI_CLI_H
#define MOAT_CLI_CLI_H

#include <stdbool.h>

#include "oci/state.h"
#include "util/error.h"

#define MOAT_DEFAULT_ROOT "/run/moat"

enum sandbox_level { SANDBOX_NONE, SANDBOX_SENTRY, SANDBOX_VM };

struct moat_globals {
	const char *root;        /* --root, state directory */
	const char *log;         /* --log file or NULL */
	const char *log_format;  /* text | json */
	bool debug;
	bool systemd_cgroup;
	const char *rootless;    /* --rootless true|false|auto */
	enum sandbox_level sandbox;
	bool sandbox_given;      /* --sandbox was on the command line */
	const char *audit;       /* --audit FILE (sentry) */
};

typedef int (*cmd_fn)(struct moat_globals *g, int argc, char **argv, struct moat_err *err);

int cmd_create(struct moat_globals *g, int argc, char **argv, struct moat_err *err);
int cmd_start(struct moat_globals *g, int argc, char **argv, struct moat_err *err);
int cmd_run(struct moat_globals *g, int argc, char **argv, struct moat_err *err);
int cmd_exec(struct moat_globals *g, int argc, char **argv, struct moat_err *err);
int cmd_state(struct moat_globals *g, int argc, char **argv, struct moat_err *err);
int cmd_kill(struct moat_globals *g, int argc, char **argv, struct moat_err *err);
int cmd_delete(struct moat_globals *g, int argc, char **argv, struct moat_err *err);
int cmd_list(struct moat_globals *g, int argc, char **argv, struct moat_err *err);
int cmd_ps(struct moat_globals *g, int argc, char **argv, struct moat_err *err);
int cmd_pause(struct moat_globals *g, int argc, char **argv, struct moat_err *err);
int cmd_resume(struct moat_globals *g, int argc, char **argv, struct moat_err *err);
int cmd_update(struct moat_globals *g, int argc, char **argv, struct moat_err *err);
int cmd_features(struct moat_globals *g, int argc, char **argv, struct moat_err *err);
int cmd_spec(struct moat_globals *g, int argc, char **argv, struct moat_err *err);
int cmd_check(struct moat_globals *g, int argc, char **argv, struct moat_err *err);
int cmd_policy(struct moat_globals *g, int argc, char **argv, struct moat_err *err);

/* Shared by commands ------------------------------------------------------ */

/* Exactly one positional argument, the container id, at argv[optind]. */
int cli_one_id(int argc, char **argv, int optind_, const char *cmd, const char **id, struct moat_err *err);
/* Load a container's state, naming the container in errors. */
int cli_load(struct moat_globals *g, const char *id, struct container_state **st, struct moat_err *err);
/* Is moat running rootless (--rootless, or auto: euid != 0)? */
bool cli_rootless(const struct moat_globals *g);
/* Parse "none|sentry|vm". */
int cli_parse_sandbox(const char *s, enum sandbox_level *out, struct moat_err *err);
const char *cli_sandbox_name(enum sandbox_level l);
/* A signal name (KILL, SIGKILL) or number. */
int cli_parse_signal(const char *s, int *sig, struct moat_err *err);
/* The sandbox level of a container: the annotation run.moat.sandbox, else
 * --sandbox, else the default, sentry. */
struct oci_spec;
int cli_sandbox_for(const struct moat_globals *g, const struct oci_spec *spec, enum sandbox_level *out,
		    struct moat_err *err);
/* Shared by create and run: the options both take, parsed into opts. */
struct container_opts;
int cli_parse_create_opts(int argc, char **argv, const char *cmd, bool with_detach, struct container_opts *o,
			  const char **bundle, bool *detach, bool *keep, struct moat_err *err);
/* Load the bundle's config and settle the sandbox level into o (create, run). */
int cli_prepare_container(struct moat_globals *g, struct container_opts *o, const char *bundle,
			  struct oci_spec **spec, struct moat_err *err);
/* Print usage of a command on stderr and fail with EINVAL. */
int cli_usage(struct moat_err *err, const char *cmd, const char *usage);

#endif
