/* The sentry's syscall table: how moat treats every Linux syscall, as data.
 *
 * Each syscall has one action:
 *   pass     straight to the host kernel;
 *   checked  to the host, after BPF checks of its arguments (a refused
 *            argument fails with the check's errno);
 *   emulate  sent to the sentry process over seccomp user-notify and carried
 *            out there (filter.h explains the mode that passes these to the
 *            host until the sentry exists);
 *   deny     fails with a chosen errno: ENOSYS where libc or the program falls
 *            back to something else, EPERM (or the errno the kernel itself
 *            uses for that refusal) elsewhere;
 *   kill     the process is killed with SIGSYS: never legitimate in a
 *            container, so a call is treated as an attack.
 * and a reason in words.  The table covers every x86_64 syscall libseccomp
 * knows (a unit test proves it) plus a few newer ones; lookups are by name,
 * so the same table serves aarch64, whose syscalls are a subset by name. */
#ifndef MOAT_SENTRY_TABLE_H
#define MOAT_SENTRY_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sentry_action {
	SENTRY_PASS,
	SENTRY_CHECKED,
	SENTRY_EMULATE,
	SENTRY_DENY,
	SENTRY_KILL,
	SENTRY_N_ACTIONS,
};

enum sentry_family {
	SENTRY_FILES,   /* names a path, or a file's metadata */
	SENTRY_IO,      /* works on descriptors the process holds */
	SENTRY_MEMORY,
	SENTRY_PROCESS, /* processes, threads, credentials, limits, scheduling */
	SENTRY_SIGNALS,
	SENTRY_TIME,
	SENTRY_IPC,
	SENTRY_NETWORK,
	SENTRY_SYSTEM, /* machine-wide state: mounts, modules, keys, tracing */
	SENTRY_N_FAMILIES,
};

/* A named constant, or a named range of them (lo == hi for one value). */
struct sentry_value {
	uint64_t lo, hi;
	const char *name;
};

/* How a check compares one syscall argument with its values.  Refusals
 * compare what the kernel will read: int and unsigned int arguments by their
 * low 32 bits, whatever the caller left in the upper half (musl, for one,
 * sign-extends ioctl requests).  NOT_IN compares all 64 bits, so an upper
 * half the allowed values do not have is refused too. */
enum sentry_test_kind {
	SENTRY_ANY_BIT, /* the low 32 bits have one of the values' bits */
	SENTRY_IN,      /* the low 32 bits are in one of the ranges */
	SENTRY_NOT_IN,  /* the 64-bit value is none of the values */
};

struct sentry_test {
	enum sentry_test_kind kind;
	unsigned int arg; /* 0..5 */
	const char *arg_name;
	const struct sentry_value *values;
	size_t n_values;
};

#define SENTRY_MAX_TESTS 2

/* Refuse the call with err when every test matches. */
struct sentry_refusal {
	int err;
	size_t n_tests;
	struct sentry_test tests[SENTRY_MAX_TESTS];
};

/* An allowlist for one argument (ioctl's request): the call passes only
 * when the argument's low 32 bits are one of the values.  Other values fail
 * with the filter's default errno, ENOSYS (filter.h says why). */
struct sentry_only {
	unsigned int arg;
	const char *arg_name;
	const struct sentry_value *values;
	size_t n_values;
};

/* For an emulated syscall that also has a form on a descriptor the process
 * already holds: pass that form to the host when the argument has all of the
 * values' bits (newfstatat and statx with AT_EMPTY_PATH: glibc's fstat). */
struct sentry_pass_when {
	unsigned int arg;
	const char *arg_name;
	const struct sentry_value *bits;
	size_t n_bits;
};

struct sentry_syscall {
	const char *name;
	enum sentry_action action;
	enum sentry_family family;
	int err;  /* deny: the errno */
	bool hot; /* called often enough that the filter checks it first */
	/* checked: what is refused, and an allowlist */
	const struct sentry_refusal *refusals;
	size_t n_refusals;
	const struct sentry_only *only;
	/* emulate: the form that passes */
	const struct sentry_pass_when *pass_when;
	const char *reason;
};

/* The whole table, in family order. */
const struct sentry_syscall *sentry_table(size_t *n);

/* The entry for a syscall name, or NULL. */
const struct sentry_syscall *sentry_lookup(const char *name);

/* How many entries take each action. */
void sentry_count(size_t counts[SENTRY_N_ACTIONS]);

/* "pass", "checked", "emulate", "deny", "kill". */
const char *sentry_action_name(enum sentry_action a);
/* "files", "io", ... */
const char *sentry_family_name(enum sentry_family f);

/* The checks of an entry in words, one line each, e.g. "refused with EPERM
 * when flags has any of CLONE_NEWNS|CLONE_NEWUSER"; NULL-terminated,
 * malloc'd (free with strv_free), NULL when out of memory. */
char **sentry_describe_checks(const struct sentry_syscall *s);

#endif
