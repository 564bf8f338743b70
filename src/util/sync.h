/* The runtime <-> container-init channel: a SOCK_SEQPACKET socketpair carrying
 * small typed messages, an optional error text, and optionally one fd.
 * The init reports failures as SYNC_ERROR with the message, so the runtime
 * prints one line naming the problem, whichever process met it. */
#ifndef MOAT_UTIL_SYNC_H
#define MOAT_UTIL_SYNC_H

#include <stdint.h>

#include "util/error.h"

enum sync_type {
	SYNC_GO = 1,          /* runtime -> init: ids mapped, cgroup joined; go on */
	SYNC_PRE_PIVOT,       /* init -> runtime: mounts done; run createRuntime/prestart hooks */
	SYNC_HOOKS_DONE,      /* runtime -> init */
	SYNC_PTY,             /* init -> runtime: the pty master (fd attached) */
	SYNC_READY,           /* init -> runtime: set up, waiting for start */
	SYNC_ERROR,           /* either way: text is the error, code the errno */
	SYNC_SECCOMP_FD,      /* init -> runtime: seccomp notify fd for listenerPath (fd attached) */
	SYNC_SECCOMP_DONE,    /* runtime -> init */
	SYNC_PID,             /* exec's joiner -> runtime: code is the new process's pid */
	SYNC_SENTRY_FD,       /* process -> runtime: the listener of moat's filter (fd attached) */
	SYNC_SENTRY_READY,    /* runtime -> process: the sentry serves it */
};

struct sync_msg {
	uint32_t type;
	int32_t code;
	char text[MOAT_ERR_MAX];
};

/* Send a message; fd < 0 for none. Returns 0 or -errno. */
int sync_send(int sock, enum sync_type type, int code, const char *text, int fd);
/* Receive one message; *fd gets an attached fd or -1. Returns 0 or -errno
 * (-EPIPE when the peer closed). */
int sync_recv(int sock, struct sync_msg *msg, int *fd);
/* Receive and require a type; a SYNC_ERROR from the peer is copied into err. */
int sync_expect(int sock, enum sync_type type, int *fd, struct moat_err *err);
/* Report err to the peer as SYNC_ERROR. */
void sync_send_error(int sock, const struct moat_err *err);

#endif
