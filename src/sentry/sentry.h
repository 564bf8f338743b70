/* The sentry: moat's application kernel for one container.
 *
 * The container's processes run under moat's syscall filter (sentry/filter.h):
 * hot calls pass to the host under BPF checks, dangerous ones are denied or
 * kill, and the calls that name host resources are sent here over seccomp
 * user-notify.  The sentry carries each one out itself, with the caller's
 * credentials, inside the container's root, and answers with the result (an
 * fd injected with SECCOMP_IOCTL_NOTIF_ADDFD, or data written to the caller).
 * It never checks memory and then lets the kernel redo the call (TOCTOU).
 *
 * Processes (outside the container's namespaces, in the runtime's):
 *   watchdog  waits for the init and the sentry; if the sentry dies first the
 *             container is killed, never left running without its kernel
 *   sentry    the listener loop, a few worker threads, its own seccomp filter */
#ifndef MOAT_SENTRY_SENTRY_H
#define MOAT_SENTRY_SENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

struct sentry_config {
	pid_t init_pid;            /* the process served, as the runtime sees it (sentry_serve) */
	int listener;              /* the user-notify fd of moat's filter (sentry_serve) */
	const char *cgroup;        /* the container's cgroup (sysinfo) */
	const char *release;       /* uname release shown to the container */
	const char *audit_path;    /* JSON lines of denied/emulated calls, or NULL */
	uint64_t caps;             /* the most the processes served may hold (their bounding set) */
	const struct sentry_prog *self_filter; /* the sentry's own, from sentry_self_allowlist */
};

/* The only calls the sentry itself may make once confined. */
const char *const *sentry_self_allowlist(size_t *n);

/* Start the watchdog and the sentry before the process they will serve is set
 * up, so that their forks and the work that needs no process overlap the
 * process's own set-up.  init_pid and listener in c are not used: they come
 * with sentry_serve over *sock.  Closing *sock before that ends both.
 * *watchdog: the watchdog's pid (a child of the caller). */
int sentry_spawn(const struct sentry_config *c, int *sock, pid_t *watchdog, struct moat_err *err);
/* Hand the process over (pid, and the listener of its filter); returns once
 * the sentry serves it, or with the sentry's own error line. */
int sentry_serve(int sock, pid_t pid, int listener, struct moat_err *err);

/* The release uname reports unless the annotation run.moat.kernel-release says otherwise. */
#define SENTRY_DEFAULT_RELEASE "6.1.0-moat"

#endif
