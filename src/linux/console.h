/* Terminals: the container's pty is created inside the container (from its
 * own devpts), and its master is handed to the caller: over --console-socket
 * as runc does (SCM_RIGHTS on a unix socket), or to moat itself, which then
 * relays it to its own stdio (run/exec in the foreground). */
#ifndef MOAT_LINUX_CONSOLE_H
#define MOAT_LINUX_CONSOLE_H

#include <sys/types.h>

#include "util/error.h"

/* In the container, after pivot_root: open /dev/ptmx, make the slave the
 * controlling terminal and stdin/out/err, bind it over /dev/console when that
 * exists or can be created.  Returns the master in *master. */
int console_setup(unsigned rows, unsigned cols, int *master, struct moat_err *err);

/* Without a terminal of its own, the process leaves the caller's session:
 * in it, the caller's terminal would stay its controlling terminal, open to
 * TIOCSTI (typing into the caller's shell) and to being taken over. */
int console_detach(struct moat_err *err);

/* Send the master to the unix socket at path. */
int console_send(const char *path, int master, struct moat_err *err);

/* Relay between our stdin/stdout and master until the process pid exits
 * (watched through pidfd); puts our terminal in raw mode meanwhile and
 * forwards window-size changes.  Returns 0 or -errno. */
int console_relay(int master, int pidfd, struct moat_err *err);

#endif
