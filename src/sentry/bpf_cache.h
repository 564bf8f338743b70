/* The sentry's filters as the kernel takes them, cached.
 *
 * Compiling the table with libseccomp and having libseccomp generate and
 * load the BPF costs ~3 ms per container (measured here: 0.8 ms to build,
 * 2 ms to generate and load), most of what the sentry adds to a start.  The
 * generated programs depend only on the table, the mode and libseccomp, so
 * the runtime keeps them in a cache directory under its --root, keyed by a
 * hash of all three, and the process loads them with seccomp(2) directly. */
#ifndef MOAT_SENTRY_BPF_CACHE_H
#define MOAT_SENTRY_BPF_CACHE_H

#include <linux/filter.h>
#include <stddef.h>

#include "sentry/filter.h"
#include "util/error.h"

struct sentry_bpf;

/* From cache_dir (created if missing) when a valid entry is there; else
 * built, and saved there for the next time (a cache that cannot be written
 * only costs speed).  cache_dir NULL: always built. */
int sentry_bpf_get(enum sentry_emulate_mode mode, const char *cache_dir, struct sentry_bpf **out,
		   struct moat_err *err);

/* Load both programs into the calling (single-threaded) process, which has
 * no_new_privs or CAP_SYS_ADMIN.  *notify_fd as sentry_filter_load. */
int sentry_bpf_load(const struct sentry_bpf *b, int *notify_fd, struct moat_err *err);

void sentry_bpf_free(struct sentry_bpf *b);

/* A process's own allowlist (the sentry confining itself): the calls named,
 * and every other one kills the process.  Built with libseccomp, cached in
 * cache_dir like the table's programs, so that the confined process only
 * loads it. */
struct sentry_prog {
	struct sock_filter *insns;
	size_t n;
};
int sentry_bpf_allowlist(const char *const *names, size_t n, const char *cache_dir, struct sentry_prog *out,
			 struct moat_err *err);
/* Load it into every thread of the calling process (TSYNC), with no_new_privs.
 * 0 or -errno. */
int sentry_prog_load_self(const struct sentry_prog *p);
void sentry_prog_free(struct sentry_prog *p);

#endif
