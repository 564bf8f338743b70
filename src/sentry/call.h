/* One intercepted syscall, as a handler sees it, and the safe ways to touch
 * the caller: read its memory (then re-check the notification is still live,
 * since the pid may have died and been reused), write results, take on its
 * credentials for the duration of the call, and answer. */
#ifndef MOAT_SENTRY_CALL_H
#define MOAT_SENTRY_CALL_H

#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct sentry;

struct call {
	struct sentry *s;
	struct seccomp_notif *req;
	pid_t tid;
	/* the reply: an errno, or a value, or an fd to inject */
	int64_t val;
	int error;
	int addfd;          /* >= 0: inject this fd as the result */
	unsigned addfd_flags; /* O_CLOEXEC for the injected fd */
	pid_t nstgid, nspid;  /* the caller's ids inside the container, set by call_creds_take */
	bool deferred;        /* handed to another thread, which answers (blocking.h) */
};

/* Read a NUL-terminated string (at most cap-1 bytes) from the caller. 0 or -errno. */
int call_read_string(struct call *c, uint64_t addr, char *buf, size_t cap);
int call_read(struct call *c, uint64_t addr, void *buf, size_t len);
int call_write(struct call *c, uint64_t addr, const void *buf, size_t len);
/* Is the notification still pending (the caller alive and waiting)? */
bool call_valid(struct call *c);

/* Take on the caller's fsuid/fsgid/groups/effective caps/umask for file work;
 * call_creds_drop restores the sentry's own. 0 or -errno. */
int call_creds_take(struct call *c, mode_t *umask_out);
void call_creds_drop(struct call *c);

/* An fd of the caller's (pidfd_getfd), or its cwd for AT_FDCWD. -errno on failure. */
int call_dirfd(struct call *c, int fd);

#define CALL_ARG(c, i) ((c)->req->data.args[i])

typedef void (*handler_fn)(struct call *c);

/* The handler for syscall nr, or NULL (answered by letting the call through unchecked). */
handler_fn sentry_handler(int nr);

#endif
