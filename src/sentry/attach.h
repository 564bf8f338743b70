/* Putting a process under the sentry, shared by create (the init) and exec:
 *   runtime: sentry_attach_prepare   build moat's filter before the process exists
 *   runtime: sentry_attach_spawn     start the sentry while the process is set up
 *   process: sentry_attach_load      load it (stacked after the config's own
 *                                    profile: the stricter result wins), hand
 *                                    the listener over, wait until served
 *   runtime: sentry_attach_serve     on SYNC_SENTRY_FD, hand that process to
 *                                    the sentry and answer SYNC_SENTRY_READY */
#ifndef MOAT_SENTRY_ATTACH_H
#define MOAT_SENTRY_ATTACH_H

#include <stdbool.h>
#include <sys/types.h>

#include "oci/spec.h"
#include "util/error.h"

struct sentry_attach;

/* audit: denied calls also go to the sentry, to be logged (--audit).
 * cache_dir: where compiled filters are kept (bpf_cache.h), or NULL. */
int sentry_attach_prepare(bool audit, const char *cache_dir, struct sentry_attach **out, struct moat_err *err);
void sentry_attach_free(struct sentry_attach *a);

/* Under the sentry, --preserve-fds may pass files and sockets but not a
 * directory (or an O_PATH fd): path calls relative to it would start, and
 * climb with "..", outside the container's root. */
int sentry_check_preserved_fds(int n, struct moat_err *err);
int sentry_attach_load(struct sentry_attach *a, int sync, struct moat_err *err);
/* runtime: start the sentry (sentry_spawn) before the process exists.
 * audit: --audit, else the annotation run.moat.audit; release: the annotation
 * run.moat.kernel-release, else the default.  process: the one served (its
 * capabilities bound what the sentry may act with). */
int sentry_attach_spawn(struct sentry_attach *a, const char *cgroup, const struct oci_spec *spec,
			const struct oci_process *process, const char *audit, struct moat_err *err);
/* In a child forked after sentry_attach_spawn (the init, exec's joiner): let
 * go of the runtime's end of the sentry's socket, whose closing must mean
 * that the runtime gave up. */
void sentry_attach_in_child(struct sentry_attach *a);
/* runtime, on SYNC_SENTRY_FD: hand the process to the sentry, then answer it
 * SYNC_SENTRY_READY. */
int sentry_attach_serve(struct sentry_attach *a, int sync, int listener, pid_t pid, struct moat_err *err);

#endif
