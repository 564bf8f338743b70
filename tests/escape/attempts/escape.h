/* The escape gallery: one attempt per source file, linked into one static
 * multi-call binary (`escape NAME [ARGS...]`) that tests/escape/run copies
 * into a container's rootfs and runs there at each sandbox level.
 *
 * Each attempt prints exactly one line and exits 0:
 *   BLOCKED <evidence>   the dangerous capability was not reached
 *   ESCAPED <evidence>   it was: an fd came back, a host secret was read, ...
 * Evidence is the errno the call met, or what was read.  An attempt never
 * harms the host: calls whose success would change the host are made with
 * arguments the kernel rejects after its permission checks (so EINVAL means
 * "got past the checks"), files are opened for writing but never written,
 * except the runner's canary files in its temporary directory. */
#ifndef ESCAPE_H
#define ESCAPE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
/* shared.c: make a device node named name in the first of /dev, /dev/shm,
 * /tmp that takes it; its path, or NULL (what each mknod met is in e). */
const char *make_node(const char *name, mode_t type, dev_t dev, char *path, size_t n, struct ev *e);

/* shared.c: read the host canary at CANARY (its content holds SECRET)
 * through /proc/self/root and friends (all_pids false) or the roots of
 * other processes (true).  Prints the verdict. */
__attribute__((noreturn)) int proc_root_walk(const char *canary, const char *secret, bool all_pids);

#endif
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef int (*attempt_fn)(int argc, char **argv);

void attempt_register(const char *name, attempt_fn fn);

/* ATTEMPT(name) { body }: the body gets the arguments after the name. */
#define ATTEMPT(id)                                                                  \
	static int attempt_##id(int argc, char **argv);                              \
	__attribute__((constructor)) static void register_##id(void)                \
	{                                                                            \
		attempt_register(#id, attempt_##id);                                 \
	}                                                                            \
	static int attempt_##id(int argc, char **argv)

/* Print the verdict line and exit. */
__attribute__((noreturn, format(printf, 1, 2))) void blocked(const char *fmt, ...);
__attribute__((noreturn, format(printf, 1, 2))) void escaped(const char *fmt, ...);

/* "EPERM", "ENOSYS"... */
const char *en(int e);

/* A message buffer attempts append their evidence to: "a: EPERM; b: EROFS". */
struct ev {
	char s[1536];
	size_t n;
};
__attribute__((format(printf, 2, 3))) void ev_add(struct ev *e, const char *fmt, ...);

/* Run fn in a forked child (its own namespaces, its own death): returns what
 * fn returned (1 escaped, 0 blocked) with fn's message in msg, or 0 and
 * "killed by SIGSYS" when the child died of a signal (moat's kill action). */
typedef int (*child_fn)(void *arg, char *msg, size_t n);
int in_child(child_fn fn, void *arg, char *msg, size_t n);

/* unshare(CLONE_NEWUSER | extra) and map the caller's ids to root in it.
 * Returns 0 or -errno (of unshare). */
int enter_userns(int extra);

/* Is this directory outside the process's root?  Walks ".." from it: the
 * walk meets our root when it is inside, the top of the mount namespace
 * when not.  1 outside, 0 inside, -errno. */
int outside_root(int dirfd);

/* Read a whole small file into buf (NUL-terminated); bytes read or -errno. */
ssize_t read_file(const char *path, char *buf, size_t n);
ssize_t read_fd(int fd, char *buf, size_t n);

/* Does any of these files open for writing?  Never writes.  Appends what
 * each open met to e; returns the first path that opened, or NULL. */
const char *open_for_write(const char *const *paths, struct ev *e);

/* shared.c: open each of paths for writing; then, in a child in a new user
 * namespace (plus ns_flags), mount a fresh fstype and open each of
 * fresh_rel under it.  Prints the verdict. */
__attribute__((noreturn)) int host_knobs(const char *fstype, int ns_flags, const char *const *paths,
					 const char *const *fresh_rel);

/* shared.c: make a device node named name in the first of /dev, /dev/shm,
 * /tmp that takes it; its path, or NULL (what each mknod met is in e). */
const char *make_node(const char *name, mode_t type, dev_t dev, char *path, size_t n, struct ev *e);

/* shared.c: read the host canary at CANARY (its content holds SECRET)
 * through /proc/self/root and friends (all_pids false) or the roots of
 * other processes (true).  Prints the verdict. */
__attribute__((noreturn)) int proc_root_walk(const char *canary, const char *secret, bool all_pids);

#endif
