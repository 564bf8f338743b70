/* The sentry table (table.h) compiled into seccomp filters with libseccomp.
 *
 * Two filters, loaded together after the config's own profile; the kernel
 * runs every filter of a process and keeps the most restrictive answer
 * (KILL > TRAP > ERRNO > USER_NOTIF > TRACE > LOG > ALLOW), so nothing here
 * can widen the config's profile, and the stricter of the two wins.
 *
 *   the table filter: default ERRNO(ENOSYS), so syscalls newer than the table
 *     fail the way they fail on an older kernel; one action per syscall, plus
 *     ioctl's request allowlist and the AT_EMPTY_PATH split of newfstatat and
 *     statx.  Hot syscalls are checked first.  Requests not on ioctl's list
 *     fall to the default, ENOSYS: refusing "any other value" of a 32-bit
 *     argument exactly takes rules for every gap between the allowed
 *     values, some 370 for ioctl's list, where a handful of ranges (socket
 *     families, prctl options) take a few dozen.
 *   the argument filter: default ALLOW, holding only the refusals of checked
 *     syscalls.  They live apart because libseccomp cannot say "allow,
 *     except": an unconditional rule swallows the conditional ones for the
 *     same syscall, each rule compares an argument at most once, and the
 *     order of overlapping rules with different actions is undefined.  In a
 *     filter of its own a refusal needs no rule for "everything else".  It
 *     is loaded last, so where both filters refuse (an ioctl request that is
 *     refused outright, which the table filter leaves to its ENOSYS default)
 *     its errno is the one returned: among equal actions the kernel returns
 *     the data of the most recently installed filter.
 *
 * Both filters kill the process on a syscall from another ABI (ia32 through
 * int 0x80, x32): the table is written for the native ABI only.
 *
 * Emulated syscalls need the sentry process, which answers user-notify
 * requests.  Until it exists, build with SENTRY_EMULATE_ALLOW: those
 * syscalls then pass to the host (the newfstatat/statx split disappears), so
 * everything else in the table (checks, denials, kills) already applies.
 * With SENTRY_EMULATE_NOTIFY they are sent to the listener that loading
 * returns; without a listener (its fd closed, or the sentry dead) the
 * kernel fails them with ENOSYS, so the container stays confined. */
#ifndef MOAT_SENTRY_FILTER_H
#define MOAT_SENTRY_FILTER_H

#include "util/error.h"

enum sentry_emulate_mode {
	SENTRY_EMULATE_NOTIFY, /* emulated syscalls go to the sentry over user-notify */
	SENTRY_EMULATE_ALLOW,  /* emulated syscalls pass to the host: until the sentry lands */
	SENTRY_EMULATE_AUDIT,  /* NOTIFY, and denied syscalls go to the sentry too, which logs
				* them and answers with the table's errno (--audit) */
};

struct sentry_filter;

/* Compile the table.  Syscalls this libseccomp or architecture does not know
 * are skipped by name (the table filter's default then answers ENOSYS).
 * Built in the runtime before the container process exists, like the
 * config's profile (linux/seccomp.h). */
int sentry_filter_build(enum sentry_emulate_mode mode, struct sentry_filter **out, struct moat_err *err);

/* Load both filters into the calling process, which must be single-threaded
 * (no TSYNC) and have no_new_privs set or hold CAP_SYS_ADMIN.  In NOTIFY
 * mode *notify_fd gets the listener (close-on-exec, the caller's to close
 * or hand to the sentry before the process makes an emulated call, which
 * would otherwise wait for an answer); in ALLOW mode it is -1.  A process
 * has at most one listener in its filter stack: with a config profile that
 * uses SCMP_ACT_NOTIFY, NOTIFY mode fails with EBUSY.  A failure may leave
 * the table filter loaded without the argument filter: abandon the process. */
int sentry_filter_load(struct sentry_filter *f, int *notify_fd, struct moat_err *err);

/* Write the two generated BPF programs (raw struct sock_filter arrays) to
 * table_fd and args_fd, for sentry_bpf (bpf_cache.h). */
int sentry_filter_export(struct sentry_filter *f, int table_fd, int args_fd, struct moat_err *err);

/* The mode a filter was built in. */
enum sentry_emulate_mode sentry_filter_mode(const struct sentry_filter *f);

void sentry_filter_free(struct sentry_filter *f);

#endif
