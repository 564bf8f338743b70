/* The host's kernel log (syslog(2), /dev/kmsg, /proc/kmsg): kernel addresses,
 * other tenants' events, hardware.  Reading any of it is the escape.
 * /proc/kmsg is only opened (reading it consumes the host's log). */
#include "escape.h"

#include <fcntl.h>
#include <sys/klog.h>
#include <unistd.h>

ATTEMPT(dmesg)
{
	(void)argc;
	(void)argv;
	static char buf[16384];
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, sizeof(buf));
	if (n > 0)
		escaped("syslog(SYSLOG_ACTION_READ_ALL) read %d bytes of the host's kernel log", n);
	int e = n < 0 ? errno : 0;
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	int e2 = errno;
	if (fd >= 0) {
		ssize_t k = read(fd, buf, sizeof(buf));
		close(fd);
		if (k > 0)
			escaped("read a record of the host's kernel log from /dev/kmsg");
	}
	fd = open("/proc/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	int e3 = errno;
	if (fd >= 0) {
		close(fd);
		escaped("opened /proc/kmsg (the host's kernel log)");
	}
	blocked("syslog: %s; /dev/kmsg: %s; /proc/kmsg: %s", e ? en(e) : "empty", fd < 0 ? en(e2) : "empty", en(e3));
}
