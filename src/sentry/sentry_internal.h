/* State shared by the sentry's threads.  Everything here is set up before the
 * workers start and read-only afterwards. */
#ifndef MOAT_SENTRY_INTERNAL_H
#define MOAT_SENTRY_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "sentry/procfs.h"

struct sentry {
	int listener;
	int procfd;       /* the host's /proc (O_PATH), opened before chroot */
	int memcg;        /* the container's memory cgroup dir, or -1 */
	int pidscg;       /* its pids cgroup dir, or -1 */
	int cpucg;        /* its cpu cgroup dir (the quota), or -1 */
	int cpusetcg;     /* its cpuset cgroup dir, or -1 */
	bool cg_v2;       /* those are one cgroup2 directory, else v1 hierarchies' */
	ino_t procfs_ino[PROCFS_FILES]; /* the files procfs_view serves, by inode */
	bool privileged;  /* running as root with capabilities to mirror */
	uint64_t own_caps; /* the effective set between calls: the handlers' needs */
	bool userns;      /* the container has its own user namespace */
	pid_t init;
	struct timespec started; /* the container's boot on CLOCK_BOOTTIME: its start, less a time namespace's offset */
	char release[65];
	int audit;        /* audit log fd or -1 */
};

struct call;
/* Answer a call: the injected fd, or the value and errno. */
void sentry_answer(struct sentry *s, struct call *c);

/* Audit one call class: rate-limited JSON line. */
void sentry_audit(struct sentry *s, const char *what, int nr, pid_t tid, int result);

#endif
