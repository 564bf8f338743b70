#include "sentry/table.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/socket.h>

#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/netlink.h>
#include <linux/prctl.h>
#include <linux/sockios.h>


/* Newer than some build hosts' headers. */
#ifndef PR_SET_MDWE
#define PR_SET_MDWE 65
#define PR_GET_MDWE 66
#endif
#ifndef PR_GET_SHADOW_STACK_STATUS
#define PR_GET_SHADOW_STACK_STATUS 74
#define PR_SET_SHADOW_STACK_STATUS 75
#define PR_LOCK_SHADOW_STACK_STATUS 76
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* _IOR('T', 0x2A, struct termios2) and friends: <asm/ioctls.h> defines them
 * in terms of a struct that glibc's headers do not declare. */
#define MOAT_TCGETS2 0x802c542aU
#define MOAT_TCSETS2 0x402c542bU
#define MOAT_TCSETSW2 0x402c542cU
#define MOAT_TCSETSF2 0x402c542dU

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define V(c) {(c), (c), #c}
#define LIST(a) (a), N(a)

/* Checks --------------------------------------------------------------- */

/* The namespace flags: a container's namespaces are fixed when it starts.
 * For clone, 0x80 (CLONE_NEWTIME) is part of the exit signal, so only
 * unshare can carry it. */
static const struct sentry_value clone_new[] = {
	V(CLONE_NEWNS),	 V(CLONE_NEWCGROUP), V(CLONE_NEWUTS), V(CLONE_NEWIPC),
	V(CLONE_NEWUSER), V(CLONE_NEWPID),    V(CLONE_NEWNET),
};
static const struct sentry_value unshare_new[] = {
	V(CLONE_NEWNS),	 V(CLONE_NEWCGROUP), V(CLONE_NEWUTS), V(CLONE_NEWIPC),
	V(CLONE_NEWUSER), V(CLONE_NEWPID),    V(CLONE_NEWNET), V(CLONE_NEWTIME),
};
static const struct sentry_refusal clone_refusals[] = {
	{EPERM, 1, {{SENTRY_ANY_BIT, 0, "flags", LIST(clone_new)}}},
};
static const struct sentry_refusal unshare_refusals[] = {
	{EPERM, 1, {{SENTRY_ANY_BIT, 0, "flags", LIST(unshare_new)}}},
};

static const struct sentry_value socket_families[] = {V(AF_UNIX), V(AF_INET), V(AF_INET6), V(AF_NETLINK)};
static const struct sentry_value af_netlink[] = {V(AF_NETLINK)};
static const struct sentry_value netlink_route[] = {V(NETLINK_ROUTE)};
static const struct sentry_value af_unix[] = {V(AF_UNIX)};
static const struct sentry_refusal socket_refusals[] = {
	{EAFNOSUPPORT, 1, {{SENTRY_NOT_IN, 0, "domain", LIST(socket_families)}}},
	{EPROTONOSUPPORT,
	 2,
	 {{SENTRY_IN, 0, "domain", LIST(af_netlink)}, {SENTRY_NOT_IN, 2, "protocol", LIST(netlink_route)}}},
};
static const struct sentry_refusal socketpair_refusals[] = {
	{EAFNOSUPPORT, 1, {{SENTRY_NOT_IN, 0, "domain", LIST(af_unix)}}},
};

/* The option numbers through which iptables, arptables, ebtables, IPVS and
 * ip6tables replace and read kernel tables (uapi netfilter headers; IPv6's
 * 66 and 67 are IPV6_RECVTCLASS and IPV6_TCLASS, which stay open). */
static const struct sentry_value sol_ip[] = {{0, 0, "SOL_IP"}};
static const struct sentry_value sol_ipv6[] = {{41, 41, "SOL_IPV6"}};
static const struct sentry_value ipv4_netfilter[] = {
	{64, 67, "IPT_SO_* (64-67)"},
	{96, 99, "ARPT_SO_* (96-99)"},
	{128, 131, "EBT_SO_* (128-131)"},
	{1152, 1167, "IP_VS_SO_* (1152-1167)"},
};
static const struct sentry_value ipv6_netfilter[] = {
	{64, 65, "IP6T_SO_SET_REPLACE/ADD_COUNTERS, IP6T_SO_GET_INFO/ENTRIES (64-65)"},
	{68, 69, "IP6T_SO_GET_REVISION_* (68-69)"},
};
static const struct sentry_refusal sockopt_refusals[] = {
	{EPERM, 2, {{SENTRY_IN, 1, "level", LIST(sol_ip)}, {SENTRY_IN, 2, "optname", LIST(ipv4_netfilter)}}},
	{EPERM, 2, {{SENTRY_IN, 1, "level", LIST(sol_ipv6)}, {SENTRY_IN, 2, "optname", LIST(ipv6_netfilter)}}},
};

/* Terminals, sockets and files.  Device-specific requests (GPUs, KVM, loop
 * and block devices, serial lines) are deliberately absent. */
static const struct sentry_value ioctl_allowed[] = {
	/* terminals and pseudo-terminals */
	V(TCGETS), V(TCSETS), V(TCSETSW), V(TCSETSF), V(TCGETA), V(TCSETA), V(TCSETAW), V(TCSETAF), V(TCSBRK),
	V(TCSBRKP), V(TCXONC), V(TCFLSH), V(TIOCEXCL), V(TIOCNXCL), V(TIOCGEXCL), V(TIOCSCTTY), V(TIOCNOTTY),
	V(TIOCGPGRP), V(TIOCSPGRP), V(TIOCGSID), V(TIOCOUTQ), V(TIOCGWINSZ), V(TIOCSWINSZ), V(TIOCPKT),
	V(TIOCGPKT), V(TIOCGETD), V(TIOCSBRK), V(TIOCCBRK), V(TIOCGPTN), V(TIOCSPTLCK), V(TIOCGPTLCK),
	V(TIOCGPTPEER), V(TIOCSIG), {MOAT_TCGETS2, MOAT_TCGETS2, "TCGETS2"}, {MOAT_TCSETS2, MOAT_TCSETS2, "TCSETS2"},
	{MOAT_TCSETSW2, MOAT_TCSETSW2, "TCSETSW2"}, {MOAT_TCSETSF2, MOAT_TCSETSF2, "TCSETSF2"},
	/* any descriptor */
	V(FIONREAD), V(FIONBIO), V(FIOASYNC), V(FIOCLEX), V(FIONCLEX), V(FIOQSIZE),
	/* sockets: reading interface configuration, ownership, timestamps */
	V(FIOSETOWN), V(FIOGETOWN), V(SIOCSPGRP), V(SIOCGPGRP), V(SIOCATMARK), V(SIOCGSTAMP_OLD),
	V(SIOCGSTAMPNS_OLD), V(SIOCOUTQNSD), V(SIOCGIFNAME), V(SIOCGIFCONF), V(SIOCGIFFLAGS), V(SIOCGIFADDR),
	V(SIOCGIFDSTADDR), V(SIOCGIFBRDADDR), V(SIOCGIFNETMASK), V(SIOCGIFMETRIC), V(SIOCGIFMTU),
	V(SIOCGIFHWADDR), V(SIOCGIFINDEX), V(SIOCGIFTXQLEN),
	/* files: read-only metadata and reflink copies (cp, since coreutils 9) */
	V(FIGETBSZ), V(FS_IOC_GETFLAGS), V(FS_IOC_GETVERSION), V(FS_IOC_FSGETXATTR), V(FS_IOC_FIEMAP), V(FICLONE),
	V(FICLONERANGE), V(FIDEDUPERANGE),
};
static const struct sentry_only ioctl_only = {1, "request", LIST(ioctl_allowed)};
static const struct sentry_value ioctl_refused[] = {
	V(TIOCSTI), V(TIOCLINUX), V(TIOCCONS), V(TIOCSSERIAL), V(TIOCSETD),
};
static const struct sentry_refusal ioctl_refusals[] = {
	{EPERM, 1, {{SENTRY_IN, 1, "request", LIST(ioctl_refused)}}},
};

/* Only the Linux personalities, and the query; flags like READ_IMPLIES_EXEC,
 * ADDR_NO_RANDOMIZE or MMAP_PAGE_ZERO weaken the process's hardening. */
static const struct sentry_value personalities[] = {
	V(PER_LINUX), V(PER_LINUX32), {0xffffffff, 0xffffffff, "0xffffffff (query)"},
};
static const struct sentry_refusal personality_refusals[] = {
	{EPERM, 1, {{SENTRY_NOT_IN, 0, "persona", LIST(personalities)}}},
};

/* Options that act on the calling process alone, or only restrict it. */
static const struct sentry_value prctl_allowed[] = {
	V(PR_SET_PDEATHSIG),
	V(PR_GET_PDEATHSIG),
	V(PR_GET_DUMPABLE),
	V(PR_SET_DUMPABLE),
	V(PR_GET_KEEPCAPS),
	V(PR_SET_KEEPCAPS),
	V(PR_SET_NAME),
	V(PR_GET_NAME),
	V(PR_GET_SECCOMP),
	V(PR_SET_SECCOMP),
	V(PR_CAPBSET_READ),
	V(PR_CAPBSET_DROP),
	V(PR_GET_SECUREBITS),
	V(PR_SET_SECUREBITS),
	V(PR_SET_TIMERSLACK),
	V(PR_GET_TIMERSLACK),
	V(PR_SET_CHILD_SUBREAPER),
	V(PR_GET_CHILD_SUBREAPER),
	V(PR_SET_NO_NEW_PRIVS),
	V(PR_GET_NO_NEW_PRIVS),
	V(PR_GET_TID_ADDRESS),
	V(PR_SET_THP_DISABLE),
	V(PR_GET_THP_DISABLE),
	V(PR_CAP_AMBIENT),
	V(PR_GET_SPECULATION_CTRL),
	V(PR_SET_SPECULATION_CTRL),
	V(PR_SET_TAGGED_ADDR_CTRL),
	V(PR_GET_TAGGED_ADDR_CTRL),
	V(PR_SET_MDWE),
	V(PR_GET_MDWE),
	V(PR_GET_SHADOW_STACK_STATUS),
	V(PR_SET_SHADOW_STACK_STATUS),
	V(PR_LOCK_SHADOW_STACK_STATUS),
};
static const struct sentry_refusal prctl_refusals[] = {
	{EINVAL, 1, {{SENTRY_NOT_IN, 0, "option", LIST(prctl_allowed)}}},
};

static const struct sentry_value at_empty_path[] = {V(AT_EMPTY_PATH)};
static const struct sentry_pass_when newfstatat_fd = {3, "flags", LIST(at_empty_path)};
static const struct sentry_pass_when statx_fd = {2, "flags", LIST(at_empty_path)};

/* The table ------------------------------------------------------------ */

#define ENTRY(n, act, fam, e, h, why) \
	{.name = (n), .action = (act), .family = SENTRY_##fam, .err = (e), .hot = (h), .reason = (why)}
#define PASS(n, fam, why) ENTRY(n, SENTRY_PASS, fam, 0, false, why)
#define HOT(n, fam, why) ENTRY(n, SENTRY_PASS, fam, 0, true, why)
#define EMULATE(n, fam, why) ENTRY(n, SENTRY_EMULATE, fam, 0, false, why)
#define DENY(n, fam, e, why) ENTRY(n, SENTRY_DENY, fam, e, false, why)
#define KILL(n, fam, why) ENTRY(n, SENTRY_KILL, fam, 0, false, why)
#define CHECKED(n, fam, refs, why)                                                                       \
	{.name = (n), .action = SENTRY_CHECKED, .family = SENTRY_##fam, .refusals = (refs), .n_refusals = N(refs), \
	 .reason = (why)}

#define R_PATH "takes a path: the sentry resolves it against the container's root"
#define R_FD "works on a descriptor the process already holds"
#define R_MEM "the process's own memory"
#define R_NUMA "placement of the process's own pages; the cpuset cgroup bounds the nodes"
#define R_PKEY "memory protection keys of the process itself"
#define R_ID "the caller's identity in the container's pid namespace"
#define R_CRED_GET "reads the process's own credentials"
#define R_CRED_SET "the process's own credentials; capabilities and the user namespace bound what it can become"
#define R_PGRP "process groups and sessions inside the container's pid namespace"
#define R_SCHED \
	"scheduling of the container's own threads; realtime and higher priority need CAP_SYS_NICE, the cgroup bounds CPU"
#define R_THREAD "thread setup done by libc"
#define R_FUTEX "thread synchronisation"
#define R_LIFE "process lifecycle"
#define R_LIMIT \
	"raising a hard limit needs CAP_SYS_RESOURCE (not in the default set); the new limits are in memory BPF cannot read"
#define R_USAGE "resource usage of the process itself"
#define R_SIG "the process's own signal state"
#define R_KILL "signals reach only processes in the container's pid namespace, which already confines them"
#define R_SIGFD "signals delivered through a descriptor"
#define R_CLOCK "reads a clock or sleeps"
#define R_TIMER "timers of the process itself"
#define R_SETCLOCK \
	"the real-time clock is the host's (time namespaces do not cover it): EPERM, as without CAP_SYS_TIME"
#define R_ADJCLOCK \
	"reads or tunes the host clock, which is not namespaced: the sentry answers reads and refuses changes"
#define R_POLL "waits on descriptors the process holds"
#define R_AIO "asynchronous I/O on descriptors the process holds"
#define R_COPY "moves data between descriptors the process holds"
#define R_SYSV "System V IPC objects live in the container's IPC namespace"
#define R_MQ "POSIX message queues live in the container's IPC namespace"
#define R_PIPE "a pipe between the process's own descriptors"
#define R_SOCK "a socket the process holds; its family was checked when it was created"
#define R_SOCKADDR \
	"a socket the process holds; unix socket paths resolve in the container's mount namespace, which bounds them"
#define R_UNIMPL "not implemented by Linux: ENOSYS, as the kernel itself answers"
#define R_MOUNT "changes mounts, which moat sets up and the container must not alter: EPERM, as without CAP_SYS_ADMIN"
#define R_MODULE "loads or removes kernel code: only an attack would try that in a container"
#define R_XPROC "reaches into another process (ptrace access mode): EPERM, as ptrace"
#define R_UNAME "the sentry answers with the container's view of the system"
#define R_EXEC                                                                                                 \
	"the kernel must load the program itself, and user-notify cannot exec for the caller (checking the path and " \
	"replying CONTINUE would race); the path resolves in the container's mount namespace, the real barrier"
#define R_KEYS \
	"kernel keyrings are not a container's own: ENOSYS, as without CONFIG_KEYS, so libraries (krb5, systemd) fall back"
#define R_URING                                                                                            \
	"a second syscall interface whose operations no seccomp filter sees: ENOSYS, so liburing and language " \
	"runtimes fall back to ordinary syscalls"
#define R_LANDLOCK "self-sandboxing: it can only restrict the process further"
#define R_XATTR_FD "extended attributes of a file the process already opened"

static const struct sentry_syscall table[] = {
	/* files: anything that names a path goes to the sentry */
	EMULATE("open", FILES, R_PATH),
	EMULATE("openat", FILES, R_PATH),
	EMULATE("openat2", FILES, R_PATH),
	EMULATE("creat", FILES, R_PATH),
	EMULATE("stat", FILES, R_PATH),
	EMULATE("lstat", FILES, R_PATH),
	{.name = "newfstatat",
	 .action = SENTRY_EMULATE,
	 .family = SENTRY_FILES,
	 .pass_when = &newfstatat_fd,
	 .reason = R_PATH "; with AT_EMPTY_PATH it is glibc's fstat() on a descriptor, which passes"},
	{.name = "statx",
	 .action = SENTRY_EMULATE,
	 .family = SENTRY_FILES,
	 .pass_when = &statx_fd,
	 .reason = R_PATH "; with AT_EMPTY_PATH it is fstat() on a descriptor (Rust's metadata()), which passes"},
	EMULATE("access", FILES, R_PATH),
	EMULATE("faccessat", FILES, R_PATH),
	EMULATE("faccessat2", FILES, R_PATH),
	EMULATE("readlink", FILES, R_PATH),
	EMULATE("readlinkat", FILES, R_PATH),
	EMULATE("mkdir", FILES, R_PATH),
	EMULATE("mkdirat", FILES, R_PATH),
	EMULATE("rmdir", FILES, R_PATH),
	EMULATE("unlink", FILES, R_PATH),
	EMULATE("unlinkat", FILES, R_PATH),
	EMULATE("rename", FILES, R_PATH),
	EMULATE("renameat", FILES, R_PATH),
	EMULATE("renameat2", FILES, R_PATH),
	EMULATE("link", FILES, R_PATH),
	EMULATE("linkat", FILES, R_PATH),
	EMULATE("symlink", FILES, R_PATH),
	EMULATE("symlinkat", FILES, R_PATH),
	EMULATE("chmod", FILES, R_PATH),
	EMULATE("fchmodat", FILES, R_PATH),
	EMULATE("fchmodat2", FILES, R_PATH),
	EMULATE("chown", FILES, R_PATH),
	EMULATE("lchown", FILES, R_PATH),
	EMULATE("fchownat", FILES, R_PATH),
	EMULATE("utime", FILES, R_PATH),
	EMULATE("utimes", FILES, R_PATH),
	EMULATE("futimesat", FILES, R_PATH),
	EMULATE("utimensat", FILES, R_PATH),
	EMULATE("truncate", FILES, R_PATH),
	EMULATE("statfs", FILES, R_PATH),
	EMULATE("mknod", FILES, R_PATH "; device nodes also need CAP_MKNOD and the cgroup's device rules"),
	EMULATE("mknodat", FILES, R_PATH "; device nodes also need CAP_MKNOD and the cgroup's device rules"),
	EMULATE("getxattr", FILES, R_PATH),
	EMULATE("lgetxattr", FILES, R_PATH),
	EMULATE("setxattr", FILES, R_PATH),
	EMULATE("lsetxattr", FILES, R_PATH),
	EMULATE("listxattr", FILES, R_PATH),
	EMULATE("llistxattr", FILES, R_PATH),
	EMULATE("removexattr", FILES, R_PATH),
	EMULATE("lremovexattr", FILES, R_PATH),
	EMULATE("getxattrat", FILES, R_PATH),
	EMULATE("setxattrat", FILES, R_PATH),
	EMULATE("listxattrat", FILES, R_PATH),
	EMULATE("removexattrat", FILES, R_PATH),
	EMULATE("file_getattr", FILES, R_PATH),
	EMULATE("file_setattr", FILES, R_PATH),
	EMULATE("inotify_add_watch", FILES, R_PATH),
	EMULATE("name_to_handle_at", FILES, R_PATH " (a handle is harmless while open_by_handle_at is denied)"),
	PASS("chdir", FILES,
	     "changes the caller's own working directory, which no other process can do for it; the path resolves in "
	     "the container's mount namespace, the real barrier"),
	PASS("fchdir", FILES, R_FD),
	PASS("getcwd", FILES, "reports the caller's working directory, relative to its root"),
	PASS("umask", FILES, "the process's own file creation mask"),
	PASS("fchmod", FILES, R_FD),
	PASS("fchown", FILES, R_FD),
	PASS("fstatfs", FILES, R_FD),
	PASS("ftruncate", FILES, R_FD),
	PASS("fallocate", FILES, R_FD),
	PASS("fgetxattr", FILES, R_XATTR_FD),
	PASS("fsetxattr", FILES, R_XATTR_FD),
	PASS("flistxattr", FILES, R_XATTR_FD),
	PASS("fremovexattr", FILES, R_XATTR_FD),
	DENY("chroot", FILES, EPERM,
	     "a second root inside the container would move path lookups out of the sentry's view: EPERM, as without "
	     "CAP_SYS_CHROOT"),
	DENY("open_by_handle_at", FILES, EPERM,
	     "opens any file of a filesystem by handle, past the mount namespace (the 'shocker' escape): EPERM"),
	DENY("fanotify_init", FILES, EPERM,
	     "watches whole filesystems and mounts, beyond the container's files: EPERM, as without CAP_SYS_ADMIN"),
	DENY("fanotify_mark", FILES, EPERM, "needs an fanotify descriptor, which fanotify_init refuses"),
	DENY("uselib", FILES, ENOSYS, "loads an a.out library: obsolete, absent from current kernels (ENOSYS)"),
	DENY("ustat", FILES, ENOSYS, "filesystem statistics by device number: obsolete, statfs replaces it (ENOSYS)"),
	DENY("sysfs", FILES, ENOSYS, "obsolete filesystem-type query, /proc/filesystems replaces it (ENOSYS)"),

	/* io: descriptors the process holds */
	HOT("read", IO, R_FD),
	HOT("write", IO, R_FD),
	HOT("readv", IO, R_FD),
	HOT("writev", IO, R_FD),
	HOT("pread64", IO, R_FD),
	HOT("pwrite64", IO, R_FD),
	PASS("preadv", IO, R_FD),
	PASS("pwritev", IO, R_FD),
	PASS("preadv2", IO, R_FD),
	PASS("pwritev2", IO, R_FD),
	HOT("close", IO, R_FD),
	PASS("close_range", IO, R_FD),
	HOT("dup", IO, R_FD),
	PASS("dup2", IO, R_FD),
	PASS("dup3", IO, R_FD),
	HOT("lseek", IO, R_FD),
	HOT("fstat", IO, R_FD),
	HOT("fcntl", IO,
	    "flags, locks, leases, seals and pipe sizes of a descriptor: the kernel checks ownership and limits, and the "
	    "call is too hot to check in BPF for what a check would add"),
	{.name = "ioctl",
	 .action = SENTRY_CHECKED,
	 .family = SENTRY_IO,
	 .refusals = ioctl_refusals,
	 .n_refusals = N(ioctl_refusals),
	 .only = &ioctl_only,
	 .reason = "terminal, socket and file requests pass; TIOCSTI (typing into the terminal), TIOCLINUX, TIOCCONS, "
		   "TIOCSSERIAL and TIOCSETD (line disciplines) are refused; device requests (GPUs, KVM, loop and block "
		   "devices, serial lines) are not on the list"},
	PASS("flock", IO, R_FD),
	PASS("fsync", IO, R_FD),
	PASS("fdatasync", IO, R_FD),
	PASS("sync_file_range", IO, R_FD),
	PASS("syncfs", IO, "flushes the filesystem of a descriptor the process holds"),
	EMULATE("sync", IO, "flushes every filesystem on the host: the sentry narrows it to the container's own (syncfs)"),
	PASS("readahead", IO, R_FD),
	PASS("fadvise64", IO, R_FD),
	HOT("getdents64", IO, R_FD),
	PASS("getdents", IO, R_FD),
	PASS("sendfile", IO, R_COPY),
	PASS("splice", IO, R_COPY),
	PASS("tee", IO, R_COPY),
	PASS("vmsplice", IO, R_COPY),
	PASS("copy_file_range", IO, R_COPY),
	PASS("cachestat", IO, "page cache state of a file the process holds"),
	HOT("poll", IO, R_POLL),
	HOT("ppoll", IO, R_POLL),
	HOT("select", IO, R_POLL),
	HOT("pselect6", IO, R_POLL),
	PASS("epoll_create", IO, R_POLL),
	PASS("epoll_create1", IO, R_POLL),
	HOT("epoll_ctl", IO, R_POLL),
	HOT("epoll_wait", IO, R_POLL),
	HOT("epoll_pwait", IO, R_POLL),
	HOT("epoll_pwait2", IO, R_POLL),
	DENY("epoll_ctl_old", IO, ENOSYS, R_UNIMPL),
	DENY("epoll_wait_old", IO, ENOSYS, R_UNIMPL),
	PASS("eventfd", IO, "an event counter of the process itself"),
	PASS("eventfd2", IO, "an event counter of the process itself"),
	PASS("inotify_init", IO, "an inotify descriptor; watches are added by path, through the sentry"),
	PASS("inotify_init1", IO, "an inotify descriptor; watches are added by path, through the sentry"),
	PASS("inotify_rm_watch", IO, R_FD),
	PASS("io_setup", IO, R_AIO),
	PASS("io_destroy", IO, R_AIO),
	PASS("io_submit", IO, R_AIO),
	PASS("io_cancel", IO, R_AIO),
	PASS("io_getevents", IO, R_AIO),
	PASS("io_pgetevents", IO, R_AIO),
	DENY("io_uring_setup", IO, ENOSYS, R_URING),
	DENY("io_uring_enter", IO, ENOSYS, "needs an io_uring, which io_uring_setup refuses (ENOSYS)"),
	DENY("io_uring_register", IO, ENOSYS, "needs an io_uring, which io_uring_setup refuses (ENOSYS)"),

	/* memory */
	HOT("mmap", MEMORY, R_MEM),
	HOT("munmap", MEMORY, R_MEM),
	HOT("mprotect", MEMORY, R_MEM),
	HOT("madvise", MEMORY, R_MEM),
	HOT("brk", MEMORY, R_MEM),
	PASS("mremap", MEMORY, R_MEM),
	PASS("msync", MEMORY, R_MEM),
	PASS("mincore", MEMORY, R_MEM),
	PASS("mlock", MEMORY, R_MEM "; RLIMIT_MEMLOCK bounds it"),
	PASS("mlock2", MEMORY, R_MEM "; RLIMIT_MEMLOCK bounds it"),
	PASS("munlock", MEMORY, R_MEM),
	PASS("mlockall", MEMORY, R_MEM "; RLIMIT_MEMLOCK bounds it"),
	PASS("munlockall", MEMORY, R_MEM),
	PASS("remap_file_pages", MEMORY, "deprecated; the kernel emulates it with mmap"),
	PASS("memfd_create", MEMORY, "anonymous memory as a file, charged to the container's cgroup"),
	PASS("membarrier", MEMORY, "memory barriers across the process's own threads (JITs, RCU libraries)"),
	PASS("mbind", MEMORY, R_NUMA),
	PASS("set_mempolicy", MEMORY, R_NUMA),
	PASS("get_mempolicy", MEMORY, R_NUMA),
	PASS("set_mempolicy_home_node", MEMORY, R_NUMA),
	PASS("migrate_pages", MEMORY, R_NUMA "; another process's pages need ptrace access and CAP_SYS_NICE"),
	PASS("move_pages", MEMORY, R_NUMA "; another process's pages need ptrace access and CAP_SYS_NICE"),
	PASS("pkey_mprotect", MEMORY, R_PKEY),
	PASS("pkey_alloc", MEMORY, R_PKEY),
	PASS("pkey_free", MEMORY, R_PKEY),
	PASS("map_shadow_stack", MEMORY, "a shadow stack for the process itself (CET hardening)"),
	PASS("mseal", MEMORY, "seals the process's own mappings (hardening)"),
	DENY("memfd_secret", MEMORY, ENOSYS,
	     "memory hidden from the kernel's own view, off by default and needed by nothing portable: ENOSYS, as on "
	     "kernels without it"),
	DENY("userfaultfd", MEMORY, EPERM,
	     "lets a process stall the kernel's accesses to its memory, a staple of kernel exploits: EPERM, as with "
	     "vm.unprivileged_userfaultfd=0"),
	DENY("process_madvise", MEMORY, EPERM, R_XPROC),
	DENY("process_mrelease", MEMORY, EPERM, "reaps the memory of another, dying process (for OOM daemons): EPERM"),

	/* process */
	CHECKED("clone", PROCESS, clone_refusals,
		"new threads and processes pass; namespace flags are refused, as the container's namespaces are fixed "
		"(EPERM)"),
	DENY("clone3", PROCESS, ENOSYS,
	     "its flags are in memory BPF cannot read: ENOSYS makes glibc fall back to clone, whose flags are checked"),
	PASS("fork", PROCESS, "a new process in the container; no flags to check"),
	PASS("vfork", PROCESS, "a new process in the container; no flags to check"),
	PASS("execve", PROCESS, R_EXEC),
	PASS("execveat", PROCESS, R_EXEC),
	PASS("exit", PROCESS, R_LIFE),
	HOT("exit_group", PROCESS, R_LIFE),
	PASS("wait4", PROCESS, R_LIFE),
	PASS("waitid", PROCESS, R_LIFE),
	HOT("getpid", PROCESS, R_ID),
	HOT("getppid", PROCESS, R_ID),
	HOT("gettid", PROCESS, R_ID),
	PASS("getpgid", PROCESS, R_PGRP),
	PASS("setpgid", PROCESS, R_PGRP),
	PASS("getpgrp", PROCESS, R_PGRP),
	PASS("getsid", PROCESS, R_PGRP),
	PASS("setsid", PROCESS, R_PGRP),
	PASS("pidfd_open", PROCESS, "a handle on a process in the container's pid namespace"),
	HOT("futex", PROCESS, R_FUTEX),
	PASS("futex_waitv", PROCESS, R_FUTEX),
	PASS("futex_wait", PROCESS, R_FUTEX),
	PASS("futex_wake", PROCESS, R_FUTEX),
	PASS("futex_requeue", PROCESS, R_FUTEX),
	PASS("set_tid_address", PROCESS, R_THREAD),
	PASS("set_robust_list", PROCESS, R_THREAD),
	PASS("get_robust_list", PROCESS, R_THREAD "; another thread's list needs ptrace access"),
	PASS("rseq", PROCESS, "restartable sequences of the process's own threads (glibc registers one per thread)"),
	PASS("restart_syscall", PROCESS, "the kernel's own restart of an interrupted call"),
	PASS("arch_prctl", PROCESS, "thread-local storage and CPU features of the process itself (libc needs ARCH_SET_FS)"),
	PASS("set_thread_area", PROCESS, "TLS descriptors of the process itself"),
	PASS("get_thread_area", PROCESS, "TLS descriptors of the process itself"),
	DENY("modify_ldt", PROCESS, ENOSYS,
	     "a custom LDT has been the way into several kernel bugs: ENOSYS, as on kernels built without it (Wine and "
	     "old threading code fall back)"),
	CHECKED("personality", PROCESS, personality_refusals,
		"PER_LINUX and PER_LINUX32 pass, and the query 0xffffffff; other personas (READ_IMPLIES_EXEC, "
		"ADDR_NO_RANDOMIZE, MMAP_PAGE_ZERO...) weaken the process's hardening: EPERM"),
	CHECKED("prctl", PROCESS, prctl_refusals,
		"options that act on the process alone or only restrict it pass; the rest (PR_SET_MM, PR_SET_IO_FLUSHER, "
		"PR_SET_MEMORY_MERGE, and rarer ones like PR_SET_VMA and PR_SET_PTRACER) fail with EINVAL, as on "
		"kernels without them"),
	HOT("getuid", PROCESS, R_CRED_GET),
	HOT("geteuid", PROCESS, R_CRED_GET),
	HOT("getgid", PROCESS, R_CRED_GET),
	HOT("getegid", PROCESS, R_CRED_GET),
	PASS("getresuid", PROCESS, R_CRED_GET),
	PASS("getresgid", PROCESS, R_CRED_GET),
	PASS("getgroups", PROCESS, R_CRED_GET),
	PASS("capget", PROCESS, R_CRED_GET),
	PASS("setuid", PROCESS, R_CRED_SET),
	PASS("setgid", PROCESS, R_CRED_SET),
	PASS("setreuid", PROCESS, R_CRED_SET),
	PASS("setregid", PROCESS, R_CRED_SET),
	PASS("setresuid", PROCESS, R_CRED_SET),
	PASS("setresgid", PROCESS, R_CRED_SET),
	PASS("setfsuid", PROCESS, R_CRED_SET),
	PASS("setfsgid", PROCESS, R_CRED_SET),
	PASS("setgroups", PROCESS, R_CRED_SET),
	PASS("capset", PROCESS, R_CRED_SET),
	PASS("getrlimit", PROCESS, "reads the process's own limits"),
	PASS("setrlimit", PROCESS, R_LIMIT),
	PASS("prlimit64", PROCESS, R_LIMIT "; another process's limits need its credentials"),
	PASS("getrusage", PROCESS, R_USAGE),
	PASS("times", PROCESS, R_USAGE),
	PASS("getpriority", PROCESS, R_SCHED),
	PASS("setpriority", PROCESS, R_SCHED),
	HOT("sched_yield", PROCESS, R_SCHED),
	PASS("sched_setparam", PROCESS, R_SCHED),
	PASS("sched_getparam", PROCESS, R_SCHED),
	PASS("sched_setscheduler", PROCESS, R_SCHED),
	PASS("sched_getscheduler", PROCESS, R_SCHED),
	PASS("sched_get_priority_max", PROCESS, R_SCHED),
	PASS("sched_get_priority_min", PROCESS, R_SCHED),
	PASS("sched_rr_get_interval", PROCESS, R_SCHED),
	PASS("sched_setaffinity", PROCESS, R_SCHED),
	PASS("sched_getaffinity", PROCESS, R_SCHED),
	PASS("sched_setattr", PROCESS, R_SCHED),
	PASS("sched_getattr", PROCESS, R_SCHED),
	PASS("getcpu", PROCESS, "which CPU the caller runs on"),
	PASS("ioprio_set", PROCESS, "I/O priority of the container's own processes; the realtime class needs CAP_SYS_ADMIN"),
	PASS("ioprio_get", PROCESS, "I/O priority of the container's own processes"),
	PASS("seccomp", PROCESS, "a process may add filters to itself: they can only make it stricter"),
	PASS("landlock_create_ruleset", PROCESS, R_LANDLOCK),
	PASS("landlock_add_rule", PROCESS, R_LANDLOCK),
	PASS("landlock_restrict_self", PROCESS, R_LANDLOCK),
	CHECKED("unshare", PROCESS, unshare_refusals,
		"leaving the container's namespaces is refused (EPERM); unsharing files, fs attributes or semaphore undo "
		"state passes"),
	DENY("setns", PROCESS, EPERM, "joins other namespaces: EPERM"),
	DENY("ptrace", PROCESS, EPERM,
	     "reads and writes other processes' memory and registers: EPERM, until the sentry offers it for a caller's "
	     "own children"),
	EMULATE("process_vm_readv", PROCESS,
		"reads another process's memory: the sentry allows it for the caller's own descendants"),
	DENY("process_vm_writev", PROCESS, EPERM, "writes another process's memory: EPERM"),
	DENY("kcmp", PROCESS, EPERM, "compares kernel objects of two processes (ptrace access mode): EPERM, as ptrace"),
	DENY("pidfd_getfd", PROCESS, EPERM,
	     "copies a descriptor out of another process (ptrace access mode): EPERM, as ptrace"),

	/* signals */
	HOT("rt_sigaction", SIGNALS, R_SIG),
	HOT("rt_sigprocmask", SIGNALS, R_SIG),
	HOT("rt_sigreturn", SIGNALS, R_SIG),
	PASS("rt_sigpending", SIGNALS, R_SIG),
	PASS("rt_sigtimedwait", SIGNALS, R_SIG),
	PASS("rt_sigsuspend", SIGNALS, R_SIG),
	PASS("sigaltstack", SIGNALS, R_SIG),
	PASS("pause", SIGNALS, "waits for a signal"),
	PASS("signalfd", SIGNALS, R_SIGFD),
	PASS("signalfd4", SIGNALS, R_SIGFD),
	PASS("kill", SIGNALS, R_KILL),
	PASS("tkill", SIGNALS, R_KILL),
	PASS("tgkill", SIGNALS, R_KILL),
	PASS("rt_sigqueueinfo", SIGNALS, R_KILL),
	PASS("rt_tgsigqueueinfo", SIGNALS, R_KILL),
	PASS("pidfd_send_signal", SIGNALS, R_KILL),

	/* time */
	HOT("clock_gettime", TIME, R_CLOCK),
	HOT("clock_nanosleep", TIME, R_CLOCK),
	HOT("nanosleep", TIME, R_CLOCK),
	HOT("gettimeofday", TIME, R_CLOCK),
	PASS("clock_getres", TIME, R_CLOCK),
	PASS("time", TIME, R_CLOCK),
	PASS("getitimer", TIME, R_TIMER),
	PASS("setitimer", TIME, R_TIMER),
	PASS("alarm", TIME, R_TIMER),
	PASS("timer_create", TIME, R_TIMER),
	PASS("timer_settime", TIME, R_TIMER),
	PASS("timer_gettime", TIME, R_TIMER),
	PASS("timer_getoverrun", TIME, R_TIMER),
	PASS("timer_delete", TIME, R_TIMER),
	PASS("timerfd_create", TIME, R_TIMER),
	PASS("timerfd_settime", TIME, R_TIMER),
	PASS("timerfd_gettime", TIME, R_TIMER),
	EMULATE("adjtimex", TIME, R_ADJCLOCK),
	EMULATE("clock_adjtime", TIME, R_ADJCLOCK),
	DENY("clock_settime", TIME, EPERM, R_SETCLOCK),
	DENY("settimeofday", TIME, EPERM, R_SETCLOCK),

	/* ipc */
	PASS("pipe", IPC, R_PIPE),
	PASS("pipe2", IPC, R_PIPE),
	PASS("shmget", IPC, R_SYSV),
	PASS("shmat", IPC, R_SYSV),
	PASS("shmdt", IPC, R_SYSV),
	PASS("shmctl", IPC, R_SYSV),
	PASS("semget", IPC, R_SYSV),
	PASS("semop", IPC, R_SYSV),
	PASS("semtimedop", IPC, R_SYSV),
	PASS("semctl", IPC, R_SYSV),
	PASS("msgget", IPC, R_SYSV),
	PASS("msgsnd", IPC, R_SYSV),
	PASS("msgrcv", IPC, R_SYSV),
	PASS("msgctl", IPC, R_SYSV),
	PASS("mq_open", IPC, R_MQ),
	PASS("mq_unlink", IPC, R_MQ),
	PASS("mq_timedsend", IPC, R_MQ),
	PASS("mq_timedreceive", IPC, R_MQ),
	PASS("mq_notify", IPC, R_MQ),
	PASS("mq_getsetattr", IPC, R_MQ),

	/* network */
	CHECKED("socket", NETWORK, socket_refusals,
		"AF_UNIX, AF_INET, AF_INET6 and netlink's NETLINK_ROUTE pass; other families (AF_PACKET, AF_ALG, "
		"AF_VSOCK...) and netlink protocols are rarely needed and often the way into kernel bugs: EAFNOSUPPORT "
		"or EPROTONOSUPPORT, as on kernels without them"),
	CHECKED("socketpair", NETWORK, socketpair_refusals, "AF_UNIX pairs pass; other families: EAFNOSUPPORT"),
	CHECKED("setsockopt", NETWORK, sockopt_refusals,
		"options pass, except the SOL_IP/SOL_IPV6 ranges through which iptables, ip6tables, arptables, ebtables "
		"and IPVS replace kernel tables (a source of kernel exploits): EPERM"),
	CHECKED("getsockopt", NETWORK, sockopt_refusals,
		"options pass, except the netfilter table ranges refused for setsockopt, whose parsers share its bugs: "
		"EPERM"),
	PASS("connect", NETWORK, R_SOCKADDR),
	PASS("bind", NETWORK, R_SOCKADDR),
	PASS("listen", NETWORK, R_SOCK),
	PASS("accept", NETWORK, R_SOCK),
	HOT("accept4", NETWORK, R_SOCK),
	PASS("shutdown", NETWORK, R_SOCK),
	HOT("sendto", NETWORK, R_SOCKADDR),
	HOT("recvfrom", NETWORK, R_SOCK),
	HOT("sendmsg", NETWORK, R_SOCKADDR),
	HOT("recvmsg", NETWORK, R_SOCK),
	PASS("sendmmsg", NETWORK, R_SOCKADDR),
	PASS("recvmmsg", NETWORK, R_SOCK),
	PASS("getsockname", NETWORK, R_SOCK),
	PASS("getpeername", NETWORK, R_SOCK),

	/* system: machine-wide state */
	EMULATE("uname", SYSTEM, R_UNAME),
	EMULATE("sysinfo", SYSTEM, "machine-wide memory and load: the sentry answers from the container's cgroup"),
	PASS("sethostname", SYSTEM, "the UTS namespace is the container's own"),
	PASS("setdomainname", SYSTEM, "the UTS namespace is the container's own"),
	HOT("getrandom", SYSTEM, "the kernel's random pool, open to every process"),
	PASS("uretprobe", SYSTEM, "the kernel's uretprobe trampoline for host-side tracing; nothing else can use it"),
	DENY("mount", SYSTEM, EPERM, R_MOUNT),
	DENY("umount2", SYSTEM, EPERM, R_MOUNT),
	DENY("pivot_root", SYSTEM, EPERM, R_MOUNT),
	DENY("fsopen", SYSTEM, EPERM, R_MOUNT),
	DENY("fsconfig", SYSTEM, EPERM, R_MOUNT),
	DENY("fsmount", SYSTEM, EPERM, R_MOUNT),
	DENY("fspick", SYSTEM, EPERM, R_MOUNT),
	DENY("open_tree", SYSTEM, EPERM, R_MOUNT),
	DENY("open_tree_attr", SYSTEM, EPERM, R_MOUNT),
	DENY("move_mount", SYSTEM, EPERM, R_MOUNT),
	DENY("mount_setattr", SYSTEM, EPERM, R_MOUNT),
	DENY("statmount", SYSTEM, ENOSYS,
	     "mount details: ENOSYS makes libmount fall back to /proc/self/mountinfo, which the sentry can shape"),
	DENY("listmount", SYSTEM, ENOSYS,
	     "lists mounts: ENOSYS makes libmount fall back to /proc/self/mountinfo, which the sentry can shape"),
	DENY("reboot", SYSTEM, EPERM,
	     "a pid-namespace init calls it at startup and shutdown and copes with EPERM; nothing in a container "
	     "reboots the host"),
	DENY("quotactl", SYSTEM, EPERM, "disk quotas of host block devices: EPERM"),
	DENY("quotactl_fd", SYSTEM, EPERM, "disk quotas of host filesystems: EPERM"),
	DENY("bpf", SYSTEM, EPERM,
	     "loads programs into the kernel (verifier bugs are a classic way in): EPERM, as without CAP_BPF; programs "
	     "that probe (systemd) cope"),
	DENY("perf_event_open", SYSTEM, EACCES,
	     "performance counters expose kernel addresses and timing: EACCES, as with perf_event_paranoid, so "
	     "profilers print their usual hint"),
	DENY("keyctl", SYSTEM, ENOSYS, R_KEYS),
	DENY("add_key", SYSTEM, ENOSYS, R_KEYS),
	DENY("request_key", SYSTEM, ENOSYS, R_KEYS),
	DENY("syslog", SYSTEM, EPERM, "the host's kernel log: EPERM, as without CAP_SYSLOG"),
	DENY("vhangup", SYSTEM, EPERM, "hangs up the terminal for everyone on it: EPERM, as without CAP_SYS_TTY_CONFIG"),
	DENY("lsm_get_self_attr", SYSTEM, ENOSYS, "LSM attributes: ENOSYS makes libraries fall back to /proc/self/attr"),
	DENY("lsm_set_self_attr", SYSTEM, ENOSYS, "LSM attributes: ENOSYS makes libraries fall back to /proc/self/attr"),
	DENY("lsm_list_modules", SYSTEM, ENOSYS, "LSM attributes: ENOSYS makes libraries fall back to /proc/self/attr"),
	DENY("_sysctl", SYSTEM, ENOSYS, "removed from Linux in 5.5; /proc/sys replaces it (ENOSYS)"),
	DENY("lookup_dcookie", SYSTEM, ENOSYS, "oprofile's, removed from Linux in 6.8 (ENOSYS)"),
	DENY("create_module", SYSTEM, ENOSYS, R_UNIMPL),
	DENY("get_kernel_syms", SYSTEM, ENOSYS, R_UNIMPL),
	DENY("query_module", SYSTEM, ENOSYS, R_UNIMPL),
	DENY("nfsservctl", SYSTEM, ENOSYS, R_UNIMPL),
	DENY("getpmsg", SYSTEM, ENOSYS, R_UNIMPL),
	DENY("putpmsg", SYSTEM, ENOSYS, R_UNIMPL),
	DENY("afs_syscall", SYSTEM, ENOSYS, R_UNIMPL),
	DENY("tuxcall", SYSTEM, ENOSYS, R_UNIMPL),
	DENY("security", SYSTEM, ENOSYS, R_UNIMPL),
	DENY("vserver", SYSTEM, ENOSYS, R_UNIMPL),
	KILL("kexec_load", SYSTEM, "replaces the running kernel: only an attack would try that in a container"),
	KILL("kexec_file_load", SYSTEM, "replaces the running kernel: only an attack would try that in a container"),
	KILL("init_module", SYSTEM, R_MODULE),
	KILL("finit_module", SYSTEM, R_MODULE),
	KILL("delete_module", SYSTEM, R_MODULE),
	KILL("swapon", SYSTEM, "host swap devices: only an attack would try that in a container"),
	KILL("swapoff", SYSTEM, "host swap devices: only an attack would try that in a container"),
	KILL("acct", SYSTEM, "host-wide process accounting to a file: only an attack would try that in a container"),
	KILL("iopl", SYSTEM, "raw hardware I/O ports: only an attack would try that in a container"),
	KILL("ioperm", SYSTEM, "raw hardware I/O ports: only an attack would try that in a container"),
};

const struct sentry_syscall *sentry_table(size_t *n)
{
	*n = N(table);
	return table;
}

const struct sentry_syscall *sentry_lookup(const char *name)
{
	for (size_t i = 0; i < N(table); i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

void sentry_count(size_t counts[SENTRY_N_ACTIONS])
{
	memset(counts, 0, SENTRY_N_ACTIONS * sizeof(counts[0]));
	for (size_t i = 0; i < N(table); i++)
		counts[table[i].action]++;
}
