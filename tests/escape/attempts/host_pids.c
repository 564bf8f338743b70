/* Host processes: how many there are and which pids they have.  The runner
 * passes the host's thread count and its own host pid.  The container's own
 * /proc, sysinfo().procs (threads machine-wide), /proc/loadavg (threads and
 * the last pid allocated) and kill(HOST_PID, 0) are compared with that:
 * a count near the host's, a pid counter past the runner's pid, or a live
 * host pid is the escape.  Args: HOST_THREADS HOST_PID. */
#include "escape.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/sysinfo.h>

ATTEMPT(host_pids)
{
	if (argc < 2)
		blocked("usage: HOST_THREADS HOST_PID");
	long host = atol(argv[0]);
	long host_pid = atol(argv[1]);
	int visible = 0;
	DIR *d = opendir("/proc");
	struct dirent *de;
	while (d && (de = readdir(d)))
		if (atoi(de->d_name) > 0)
			visible++;
	if (d)
		closedir(d);
	struct ev e = {0};
	bool leak = false;
	/* the host count is a moment's, and moves: near it, and clearly not ours */
	long floor = host / 2 > visible + 10 ? host / 2 : visible + 10;
	if (visible >= floor) {
		leak = true;
		ev_add(&e, "/proc lists %d processes", visible);
	}
	struct sysinfo si;
	if (sysinfo(&si) == 0) {
		ev_add(&e, "sysinfo().procs = %u", si.procs);
		leak |= si.procs >= floor;
	} else {
		ev_add(&e, "sysinfo: %s", en(errno));
	}
	char la[128];
	if (read_file("/proc/loadavg", la, sizeof(la)) > 0) {
		double a, b, c;
		long running, total, last;
		if (sscanf(la, "%lf %lf %lf %ld/%ld %ld", &a, &b, &c, &running, &total, &last) == 6) {
			ev_add(&e, "/proc/loadavg: %ld threads, last pid %ld", total, last);
			leak |= total >= floor || last >= host_pid;
		}
	} else {
		ev_add(&e, "/proc/loadavg: %s", en(errno));
	}
	if (kill((pid_t)host_pid, 0) == 0) {
		leak = true;
		ev_add(&e, "kill(host pid %ld, 0) succeeded", host_pid);
	}
	if (leak)
		escaped("%s (host: %ld threads, the runner is host pid %ld; the container has %d processes)", e.s, host,
			host_pid, visible);
	blocked("%s (host: %ld threads; the container has %d processes)", e.s, host, visible);
}
