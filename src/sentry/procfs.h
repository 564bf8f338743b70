/* The container's view of /proc and /sys, as lxcfs gives it but without FUSE.
 *
 * Every file the sentry opens for the container passes through procfs_view,
 * which judges the file the open reached, not the path the caller wrote (a
 * symlink, "..", a directory fd or a reopen through /proc/self/fd reach the
 * same file by other names):
 *   - meminfo, cpuinfo, stat, loadavg, uptime and /sys/devices/system/cpu/
 *     online, possible and present come back as a sealed read-only memfd
 *     holding the container's numbers: its memory limit and use, the CPUs its
 *     cpuset and quota allow (renumbered from 0), its tasks, its uptime;
 *   - files that reveal the host's kernel or act on it (kcore, kallsyms,
 *     sched_debug, timer_list, sysrq-trigger, keys, ... and every file under
 *     /sys/kernel and /sys/firmware) read as empty;
 *   - none of these can be opened for writing (EACCES), nor can anything
 *     under /proc/sys or any process's mem file.
 * The exact files are known by inode number, which procfs and sysfs keep the
 * same in every mount of theirs, so a second mount or a bind of /proc is
 * covered too; the trees (/proc/sys, /sys/kernel, /sys/firmware) are known by
 * their place in the container's /proc and /sys, where the runtime mounts
 * them (the container itself cannot mount), and the mem files by their name
 * below a process directory, wherever procfs is. */
#ifndef MOAT_SENTRY_PROCFS_H
#define MOAT_SENTRY_PROCFS_H

#include <stdbool.h>

struct call;
struct sentry;

/* How many files procfs_view knows by inode (the size of sentry.procfs_ino). */
#define PROCFS_FILES 21

/* Learn the inode numbers from the host's /proc and /sys, and move
 * s->started by the container's boot time offset; before the chroot. */
void procfs_init(struct sentry *s);

/* fd was just opened for c's caller with flags.  Returns what the caller gets:
 * fd itself, or a memfd with the container's view (fd closed), or -errno
 * (fd closed). */
int procfs_view(struct call *c, int fd, int flags);

/* The memory the container is shown, in bytes: total is its cgroup's limit
 * when below host_total, used is the cgroup's usage (at most total).  false
 * when the container has no memory cgroup to read. */
bool procfs_memory(struct sentry *s, unsigned long long host_total, unsigned long long *total,
		   unsigned long long *used);

#endif
