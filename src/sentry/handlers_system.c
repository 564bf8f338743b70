/* System information: what the container is told about the machine.
 * uname shows moat's kernel release (configurable) with the container's own
 * host and domain name; sysinfo shows the container's memory limit and use,
 * its process count and its own uptime, not the host's. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "sentry/call.h"
#include "sentry/handlers.h"
#include "sentry/procfs.h"
#include "sentry/sentry_internal.h"

void handle_uname(struct call *c)
{
	struct utsname u;
	/* the sentry lives in the container's uts namespace: these are its names */
	if (uname(&u) < 0) {
		c->error = errno;
		return;
	}
	snprintf(u.release, sizeof(u.release), "%s", c->s->release);
	/* uname answers for the caller's personality, as the kernel does (linux32) */
	char path[32], buf[16] = "";
	snprintf(path, sizeof(path), "%d/personality", c->tid);
	int fd = openat(c->s->procfd, path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0 && (strtoul(buf, NULL, 16) & 0xff) == 0x0008 /* PER_LINUX32 */)
			snprintf(u.machine, sizeof(u.machine), "i686");
	}
	snprintf(u.version, sizeof(u.version), "#1 SMP moat");
	int r = call_write(c, CALL_ARG(c, 0), &u, sizeof(u));
	if (r < 0)
		c->error = -r;
}

static long long count_lines(int dirfd, const char *name)
{
	char buf[8192];
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	long long lines = 0;
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
	close(fd);
	return lines;
}

void handle_sysinfo(struct call *c)
{
	struct sysinfo si;
	if (sysinfo(&si) < 0) {
		c->error = errno;
		return;
	}
	struct sentry *s = c->s;
	unsigned long long unit = si.mem_unit ? si.mem_unit : 1, total, used;
	if (procfs_memory(s, (unsigned long long)si.totalram * unit, &total, &used)) {
		si.totalram = total / unit;
		si.freeram = (total - used) / unit;
		si.sharedram = 0;
		si.bufferram = 0;
		/* swap is the host's business */
		si.totalswap = 0;
		si.freeswap = 0;
	}
	if (s->pidscg >= 0) {
		long long procs = count_lines(s->pidscg, "cgroup.procs");
		if (procs >= 0)
			si.procs = (unsigned short)procs;
	}
	struct timespec now;
	clock_gettime(CLOCK_BOOTTIME, &now);
	si.uptime = now.tv_sec - s->started.tv_sec;
	/* load averages are the host's and say nothing true about this container */
	si.loads[0] = si.loads[1] = si.loads[2] = 0;
	int r = call_write(c, CALL_ARG(c, 0), &si, sizeof(si));
	if (r < 0)
		c->error = -r;
}
