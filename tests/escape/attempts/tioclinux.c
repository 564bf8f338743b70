/* TIOCLINUX: the virtual console's private ioctl; its selection paste pushes
 * text into the console's input like TIOCSTI.  A read-only subcode (shift
 * state) on every terminal the container holds or can open; an answer means
 * a host virtual console is in reach: the escape. */
#include "escape.h"

#include <fcntl.h>
#include <linux/tiocl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

ATTEMPT(tioclinux)
{
	(void)argc;
	(void)argv;
	struct ev e = {0};
	static const char *const devs[] = {"/dev/tty", "/dev/tty0", "/dev/tty1", "/dev/console", NULL};
	int fds[8], n = 0;
	for (int i = 0; i < 3; i++)
		fds[n++] = i;
	for (const char *const *d = devs; *d; d++) {
		int fd = open(*d, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			ev_add(&e, "open %s: %s", *d, en(errno));
		else
			fds[n++] = fd;
	}
	for (int i = 0; i < n; i++) {
		char arg = TIOCL_GETSHIFTSTATE;
		if (ioctl(fds[i], TIOCLINUX, &arg) == 0)
			escaped("TIOCLINUX answered on fd %d: a virtual console is in reach", fds[i]);
		ev_add(&e, "fd %d: %s", fds[i], en(errno));
	}
	blocked("TIOCLINUX %s", e.s);
}
