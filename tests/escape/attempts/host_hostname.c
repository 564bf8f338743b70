/* The host's name: uname(), /proc/sys/kernel/hostname against the host's
 * hostname the runner passes.  Seeing it is the escape.  Args: HOSTNAME. */
#include "escape.h"

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

ATTEMPT(host_hostname)
{
	if (argc < 1)
		blocked("usage: HOSTNAME");
	struct utsname u;
	if (uname(&u) < 0)
		blocked("uname: %s", en(errno));
	if (!strcmp(u.nodename, argv[0]))
		escaped("uname() gives the host's name %s", u.nodename);
	char buf[256];
	ssize_t n = read_file("/proc/sys/kernel/hostname", buf, sizeof(buf));
	buf[strcspn(buf, "\n")] = '\0';
	if (n > 0 && !strcmp(buf, argv[0]))
		escaped("/proc/sys/kernel/hostname gives the host's name %s", buf);
	blocked("uname() says %s, /proc/sys/kernel/hostname %s (the host is %s)", u.nodename, n > 0 ? buf : en((int)-n),
		argv[0]);
}
