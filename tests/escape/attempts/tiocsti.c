/* TIOCSTI: push characters into a terminal's input, as if typed there.  The
 * runner starts moat the way a shell does, on a host pseudo-terminal that is
 * the session's controlling terminal, and gives it to the container as stdin
 * (config terminal: false).  Characters that reach the host terminal's input
 * queue are commands the host shell would run: the escape (the runner also
 * reads them back).  First on stdin as it is, then after TIOCSCTTY makes it
 * this process's controlling terminal. */
#include "escape.h"

#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

static int push(const char *s)
{
	for (; *s; s++)
		if (ioctl(0, TIOCSTI, s) < 0)
			return -errno;
	return 0;
}

ATTEMPT(tiocsti)
{
	(void)argc;
	(void)argv;
	if (!isatty(0))
		blocked("stdin is not a terminal here");
	int r = push("#moat-tiocsti\n");
	if (r == 0)
		escaped("TIOCSTI pushed \"#moat-tiocsti\" into the host terminal's input");
	int sc = ioctl(0, TIOCSCTTY, 0) < 0 ? errno : 0;
	int r2 = push("#moat-tiocsti\n");
	if (r2 == 0)
		escaped("after TIOCSCTTY, TIOCSTI pushed \"#moat-tiocsti\" into the host terminal's input");
	blocked("TIOCSTI: %s; TIOCSCTTY: %s; TIOCSTI then: %s", en(-r), sc ? en(sc) : "ok", en(-r2));
}
