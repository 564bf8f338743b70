/* The container lifecycle, runtime side.
 *
 *   container_create  claims the id, clones the init into its namespaces,
 *                     maps ids, creates the cgroup, runs createRuntime and
 *                     prestart hooks, and returns once the init waits on the
 *                     exec fifo, with the state saved.  On any failure nothing
 *                     is left: no process, cgroup, state directory.
 *   container_start   releases the init through the fifo; poststart hooks.
 *   container_destroy kills what is left, removes the cgroup, runs poststop
 *                     hooks, removes the state directory.
 *   container_wait    waits for a process, relaying a terminal and forwarding
 *                     signals (run and exec in the foreground).
 * The init's side is linux/init.c. */
#ifndef MOAT_LINUX_CONTAINER_H
#define MOAT_LINUX_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>

#include "oci/spec.h"
#include "oci/state.h"
#include "util/error.h"

struct container_opts {
	const char *root;           /* state root */
	const char *id;
	const char *pid_file;
	const char *console_socket;
	int preserve_fds;
	bool no_pivot;
	bool no_new_keyring;
	bool rootless;
	bool systemd_cgroup;
	bool keep_pty;              /* keep the pty master (foreground run without console socket) */
	const char *sandbox;        /* none | sentry */
	const char *audit;          /* --audit: the sentry's log of denied and emulated calls */
};

struct container {
	struct container_state *state;
	pid_t pid;
	int pidfd;
	int pty_master; /* -1 unless keep_pty and terminal */
};

int container_create(const struct container_opts *o, struct oci_spec *spec, struct container *out,
		     struct moat_err *err);
int container_start(const char *root, struct container_state *st, struct moat_err *err);
/* force: kill a running or created container first (SIGKILL to every process of its cgroup). */
int container_destroy(const char *root, struct container_state *st, bool force, struct moat_err *err);
/* Returns the exit status as a shell reports it (code, or 128+signal), or -errno. */
int container_wait(pid_t pid, int pidfd, int pty_master, struct moat_err *err);
/* Write a pid file atomically. */
int container_write_pid_file(const char *path, pid_t pid, struct moat_err *err);

/* Internal: the init's entry point, run in the cloned child. Never returns. */
struct init_ctx;
__attribute__((noreturn)) void container_init(struct init_ctx *ctx);

#endif
