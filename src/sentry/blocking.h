/* Calls that may block for as long as another process pleases (opening a
 * FIFO waits for the other end) are served off the listener threads, by a
 * small pool of their own: two waiting FIFO opens must never stall every
 * other emulated call of the container, the partner's open included.
 * A caller that gives up (a signal) cancels its notification; the main
 * thread notices and interrupts the pool thread still waiting for it. */
#ifndef MOAT_SENTRY_BLOCKING_H
#define MOAT_SENTRY_BLOCKING_H

#include <linux/openat2.h>
#include <stdbool.h>

#include "sentry/call.h"

struct sentry;

/* Start the pool (before the sentry confines itself). 0 or -errno. */
int blocking_init(struct sentry *s);

/* Take over an open that may block: dirfd (consumed) and path are where it
 * resolves, how what it asks, cloexec whether the caller's fd is to be
 * close-on-exec.  The pool answers the caller; on success the
 * handler leaves c unanswered (c->deferred).  -ENFILE when the pool is full. */
int blocking_open(struct call *c, int dirfd, const char *path, const struct open_how *how, bool cloexec);

/* For the main thread: are jobs waiting (so it should call blocking_watch
 * from time to time)?  And interrupt the jobs whose caller is gone. */
bool blocking_busy(void);
void blocking_watch(struct sentry *s);

#endif
