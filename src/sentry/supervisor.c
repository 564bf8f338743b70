/* The sentry's processes: the watchdog that ties the sentry's life to the
 * container's, and the sentry itself (setup, self-confinement, the listener
 * loop served by a few worker threads). */
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "linux/cgroups.h"
#include "sentry/blocking.h"
#include "sentry/bpf_cache.h"
#include "sentry/call.h"
#include "sentry/procfs.h"
#include "sentry/sentry.h"
#include "sentry/sentry_internal.h"
#include "sentry/table.h"
#include "util/fs.h"
#include "util/kernel_compat.h"
#include "util/sync.h"

#define WORKERS 2

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* Tell the runtime how setup went: "" for ready, else the error line. */
static void report(int fd, const char *msg)
{
	if (fd >= 0) {
		write_all(fd, msg, strlen(msg) + 1);
		close(fd);
	}
}

void sentry_answer(struct sentry *s, struct call *c)
{
	if (c->addfd >= 0) {
		struct seccomp_notif_addfd a = {
			.id = c->req->id,
			.flags = SECCOMP_ADDFD_FLAG_SEND,
			.srcfd = (uint32_t)c->addfd,
			.newfd = 0,
			.newfd_flags = c->addfd_flags,
		};
		int r = ioctl(s->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &a);
		int e = errno;
		close(c->addfd);
		if (r >= 0 || e == ENOENT)
			return;
		c->error = e; /* e.g. EMFILE in the caller: report it as the result */
	}
	struct seccomp_notif_resp resp = {.id = c->req->id, .val = c->val, .error = c->error ? -c->error : 0};
	ioctl(s->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

/* Workers finish starting (each libc or sanitizer makes its own calls there)
 * before the sentry's filter is loaded over them. */
static pthread_barrier_t started;

/* The table's errno for a denied syscall, 0 for any other action. */
static int denied_errno(int nr)
{
	char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
	const struct sentry_syscall *e = name ? sentry_lookup(name) : NULL;
	free(name);
	return e && e->action == SENTRY_DENY ? e->err : 0;
}

static void *worker(void *arg)
{
	struct sentry *s = arg;
	pthread_barrier_wait(&started);
	struct seccomp_notif_sizes sizes;
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
		return NULL;
	struct seccomp_notif *req = calloc(1, sizes.seccomp_notif > sizeof(*req) ? sizes.seccomp_notif : sizeof(*req));
	if (!req)
		return NULL;
	for (;;) {
		memset(req, 0, sizes.seccomp_notif);
		if (ioctl(s->listener, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
			if (errno == EINTR || errno == ENOENT)
				continue;
			break; /* the listener is gone: the container is */
		}
		struct call c = {.s = s, .req = req, .tid = (pid_t)req->pid, .addfd = -1};
		handler_fn fn = sentry_handler(req->data.nr);
		if (!fn) {
			/* Only with --audit do denied calls come here: log, and refuse as
			 * the table says.  An emulated call without a handler yet is
			 * let through: nothing was inspected, so the kernel may carry
			 * it out itself. */
			int deny = denied_errno(req->data.nr);
			struct seccomp_notif_resp resp = {.id = req->id};
			if (deny)
				resp.error = -deny;
			else
				resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
			sentry_audit(s, deny ? "deny" : "pass", req->data.nr, c.tid, deny);
			ioctl(s->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
			continue;
		}
		fn(&c);
		sentry_audit(s, "emulate", req->data.nr, c.tid, c.error);
		if (!c.deferred)
			sentry_answer(s, &c);
	}
	free(req);
	return NULL;
}

/* The sentry keeps only what its handlers need. */
static const int kept_caps[] = {CAP_CHOWN,  CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER,
				CAP_FSETID, CAP_SETGID,       CAP_SETUID,	  CAP_SYS_PTRACE};

/* Its handlers' own needs, plus in the permitted set (never effective
 * unless a caller has them) the capabilities of the processes it serves:
 * the kernel lets one process look into another's /proc/<pid> only when it
 * holds at least the other's permitted set. */
static int drop_caps(struct sentry *s, uint64_t served)
{
	uint64_t keep = served;
	for (size_t i = 0; i < sizeof(kept_caps) / sizeof(kept_caps[0]); i++)
		keep |= 1ULL << kept_caps[i];
	s->own_caps = 0;
	for (size_t i = 0; i < sizeof(kept_caps) / sizeof(kept_caps[0]); i++)
		s->own_caps |= 1ULL << kept_caps[i];
	for (int c = 0; c <= CAP_LAST_CAP; c++)
		if (!(keep & (1ULL << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return -errno;
	cap_t caps = cap_init();
	if (!caps)
		return -ENOMEM;
	cap_set_flag(caps, CAP_EFFECTIVE, sizeof(kept_caps) / sizeof(kept_caps[0]), kept_caps, CAP_SET);
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++)
		if (keep & (1ULL << c))
			cap_set_flag(caps, CAP_PERMITTED, 1, &c, CAP_SET);
	int r = cap_set_proc(caps) < 0 ? -errno : 0;
	cap_free(caps);
	return r;
}

/* The sentry's own filter: the calls its loop and handlers make, nothing else. */
static const char *const self_allowed[] = {
	"read", "write", "close", "openat", "openat2", "newfstatat", "fstat", "statx", "readlinkat",
	"faccessat", "faccessat2", "ioctl", "process_vm_readv", "process_vm_writev", "pidfd_open",
	"pidfd_getfd", "capget", "capset", "setfsuid", "setfsgid", "setgroups", "uname", "sysinfo",
	"clock_gettime", "poll", "ppoll", "futex", "mmap", "munmap", "mprotect", "brk", "madvise", "exit",
	"exit_group", "rt_sigreturn", "rt_sigprocmask", "getpid", "gettid", "sched_yield", "lseek",
	"restart_syscall", "seccomp", "getrandom", "sigaltstack", "rseq", "set_robust_list", "tgkill",
	"clock_nanosleep", "nanosleep", "dup", "fstatfs", "memfd_create", "fcntl",
};

const char *const *sentry_self_allowlist(size_t *n)
{
	*n = sizeof(self_allowed) / sizeof(self_allowed[0]);
	return self_allowed;
}

/* The container's cgroup directories the handlers read (sysinfo and the
 * virtual /proc files), opened before the chroot hides the host's tree. */
static void open_cgroup_dirs(struct sentry *s, const char *cgroup)
{
	s->memcg = s->pidscg = s->cpucg = s->cpusetcg = -1;
	enum cgroup_mode mode;
	struct moat_err e;
	if (!cgroup || !*cgroup || cgroups_mode(&mode, &e) < 0)
		return;
	s->cg_v2 = mode == CGROUP_MODE_V2;
	int *dirs[] = {&s->memcg, &s->pidscg, &s->cpucg, &s->cpusetcg};
	static const char *const v1[] = {"/memory", "/pids", "/cpu", "/cpuset"};
	char path[4096];
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		/* v2: one directory; v1 and hybrid: one in each controller's hierarchy */
		snprintf(path, sizeof(path), "/sys/fs/cgroup%s%s", s->cg_v2 ? "" : v1[i], cgroup);
		*dirs[i] = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
}

static bool same_ns(pid_t pid, const char *ns)
{
	char path[64];
	struct stat a, b;
	snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, ns);
	if (stat(path, &a) < 0)
		return true;
	snprintf(path, sizeof(path), "/proc/self/ns/%s", ns);
	return stat(path, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

static int enter_ns(pid_t pid, const char *ns, int type)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, ns);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = setns(fd, type) < 0 ? -errno : 0;
	close(fd);
	return r;
}

/* The process to serve, from the runtime: its pid, and its listener
 * attached.  false when the runtime gave up on it (closed the socket). */
static bool wait_for_process(int sock, pid_t *pid, int *listener)
{
	struct sync_msg m;
	if (sync_recv(sock, &m, listener) < 0 || m.type != SYNC_SENTRY_FD || *listener < 0 || m.code <= 0)
		return false;
	*pid = m.code;
	return true;
}

/* Before the process exists: what needs nothing of it.  Then, once the
 * runtime hands it over, the rest.  tell_watchdog gets the process's pid. */
__attribute__((noreturn)) static void sentry_main(const struct sentry_config *config, int ready, int tell_watchdog)
{
	static struct sentry s;
	struct sentry_config c = *config;
	const struct sentry_config *cfg = &c;
	char msg[512];
	s.audit = -1;
	s.privileged = geteuid() == 0;
	snprintf(s.release, sizeof(s.release), "%s", cfg->release ? cfg->release : SENTRY_DEFAULT_RELEASE);
	prctl(PR_SET_NAME, "moat-sentry", 0, 0, 0);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (cfg->audit_path) {
		s.audit = open(cfg->audit_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (s.audit < 0) {
			snprintf(msg, sizeof(msg), "sentry: open audit log %s: %s", cfg->audit_path, strerror(errno));
			report(ready, msg);
			_exit(1);
		}
	}
	s.procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	open_cgroup_dirs(&s, cfg->cgroup);
	if (!wait_for_process(ready, &c.init_pid, &c.listener))
		_exit(0);
	clock_gettime(CLOCK_BOOTTIME, &s.started);
	s.listener = cfg->listener;
	s.init = cfg->init_pid;
	procfs_init(&s);
	s.userns = !same_ns(cfg->init_pid, "user");
	write_all(tell_watchdog, &c.init_pid, sizeof(c.init_pid));
	close(tell_watchdog);
	char rootpath[64];
	snprintf(rootpath, sizeof(rootpath), "/proc/%d/root", cfg->init_pid);
	int rootfd = open(rootpath, O_PATH | O_DIRECTORY | O_CLOEXEC);
	/* uname names the container's host: live in its uts namespace (rootless:
	 * the user namespace first, which grants the right to) */
	int r = 0;
	if (rootfd < 0 || s.procfd < 0)
		r = -errno;
	if (r == 0 && !s.privileged && s.userns)
		r = enter_ns(cfg->init_pid, "user", CLONE_NEWUSER);
	/* procfs files like /proc/sys/net and /proc/sys/kernel/msgmax answer for
	 * the opener's namespaces: the sentry opens them for the container */
	if (r == 0 && !same_ns(cfg->init_pid, "uts"))
		r = enter_ns(cfg->init_pid, "uts", CLONE_NEWUTS);
	if (r == 0 && !same_ns(cfg->init_pid, "net"))
		r = enter_ns(cfg->init_pid, "net", CLONE_NEWNET);
	if (r == 0 && !same_ns(cfg->init_pid, "ipc"))
		r = enter_ns(cfg->init_pid, "ipc", CLONE_NEWIPC);
	/* Device opens the sentry makes for the container must meet the
	 * container's device rules: on cgroup v1 those belong to the devices
	 * cgroup of whoever opens, so the sentry joins the container's (and
	 * only that one: its threads must not count against pids.max). */
	if (r == 0 && s.privileged && cfg->cgroup && *cfg->cgroup) {
		struct moat_err e;
		int q = cgroups_join_devices(cfg->cgroup, &e);
		if (q < 0 && q != -EOPNOTSUPP)
			r = q;
	}
	/* every path the sentry resolves is the container's */
	if (r == 0 && (fchdir(rootfd) < 0 || chroot(".") < 0 || chdir("/") < 0))
		r = -errno;
	if (rootfd >= 0)
		close(rootfd);
	if (r < 0) {
		snprintf(msg, sizeof(msg), "sentry: enter the container's view: %s", strerror(-r));
		report(ready, msg);
		_exit(1);
	}
	/* 6.6+: the kernel switches straight to the worker (measured 10x faster here) */
	uint64_t flags = SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP;
	ioctl(s.listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, flags);
	if (s.privileged && (r = drop_caps(&s, cfg->caps)) < 0) {
		snprintf(msg, sizeof(msg), "sentry: drop capabilities: %s", strerror(-r));
		report(ready, msg);
		_exit(1);
	}
	pthread_t t[WORKERS];
	pthread_barrier_init(&started, NULL, WORKERS + 1);
	for (int i = 0; i < WORKERS; i++)
		if ((r = pthread_create(&t[i], NULL, worker, &s)) != 0) {
			snprintf(msg, sizeof(msg), "sentry: start workers: %s", strerror(r));
			report(ready, msg);
			_exit(1);
		}
	if ((r = blocking_init(&s)) < 0) {
		snprintf(msg, sizeof(msg), "sentry: start the pool for blocking calls: %s", strerror(-r));
		report(ready, msg);
		_exit(1);
	}
	pthread_barrier_wait(&started);
	if ((r = sentry_prog_load_self(cfg->self_filter)) < 0) {
		snprintf(msg, sizeof(msg), "sentry: load its own seccomp filter: %s", strerror(-r));
		report(ready, msg);
		_exit(1);
	}
	report(ready, "");
	/* Serve until the container is gone: the listener hangs up when no
	 * filtered task is left. */
	struct pollfd p = {.fd = s.listener, .events = 0};
	for (;;) {
		int n = poll(&p, 1, blocking_busy() ? 200 : -1);
		if (n > 0)
			break;
		blocking_watch(&s);
	}
	syscall(SYS_exit_group, 0);
	__builtin_unreachable();
}

/* The watchdog: parent of the sentry.  If the sentry dies while the
 * container lives, the container dies too; it is never left without its kernel. */
__attribute__((noreturn)) static void watchdog_main(const struct sentry_config *cfg, int sock)
{
	setsid();
	prctl(PR_SET_NAME, "moat-watchdog", 0, 0, 0);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		close(null);
	}
	int pidpipe[2];
	if (pipe2(pidpipe, O_CLOEXEC) < 0) {
		report(sock, "sentry: pipe failed");
		_exit(1);
	}
	pid_t sentry = fork();
	if (sentry < 0) {
		report(sock, "sentry: fork failed");
		_exit(1);
	}
	if (sentry == 0) {
		close(pidpipe[0]);
		sentry_main(cfg, sock, pidpipe[1]);
	}
	close(sock);
	close(pidpipe[1]);
	int sfd = pidfd_open_(sentry);
	/* the sentry says whom it serves once the runtime has told it; nothing
	 * (the sentry gone, or the runtime gave up) ends both */
	pid_t init = 0;
	ssize_t n;
	while ((n = read(pidpipe[0], &init, sizeof(init))) < 0 && errno == EINTR)
		;
	int initfd = n == (ssize_t)sizeof(init) ? pidfd_open_(init) : -1;
	if (initfd < 0 || sfd < 0) {
		syscall(SYS_pidfd_send_signal, sfd, SIGKILL, NULL, 0);
		kill(sentry, SIGKILL);
		waitpid(sentry, NULL, 0);
		_exit(0);
	}
	struct pollfd p[2] = {{.fd = initfd, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
	while (poll(p, 2, -1) < 0 && errno == EINTR)
		;
	if (p[1].revents && !p[0].revents) {
		/* fail closed */
		syscall(SYS_pidfd_send_signal, initfd, SIGKILL, NULL, 0);
	} else {
		/* the container ended: the sentry has nothing left to serve */
		syscall(SYS_pidfd_send_signal, sfd, SIGKILL, NULL, 0);
	}
	waitpid(sentry, NULL, 0);
	_exit(0);
}

int sentry_spawn(const struct sentry_config *c, int *sock, pid_t *watchdog, struct moat_err *err)
{
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return moat_fail_errno(err, errno, "sentry: socketpair");
	fflush(NULL);
	pid_t w = fork();
	if (w < 0) {
		int e = errno;
		close(sp[0]);
		close(sp[1]);
		return moat_fail_errno(err, e, "sentry: fork");
	}
	if (w == 0) {
		/* nothing of the runtime's: the container's sync socket above all,
		 * whose hang-up tells the runtime the init is gone */
		if (sp[1] != 3 && (dup2(sp[1], 3) < 0 || fcntl(3, F_SETFD, FD_CLOEXEC) < 0))
			_exit(1);
		syscall(SYS_close_range, 4, ~0U, 0);
		watchdog_main(c, 3);
	}
	close(sp[1]);
	*sock = sp[0];
	*watchdog = w;
	return 0;
}

int sentry_serve(int sock, pid_t pid, int listener, struct moat_err *err)
{
	/* a sentry that failed before this has left its message: read it either way */
	int sent = sync_send(sock, SYNC_SENTRY_FD, pid, NULL, listener);
	char msg[512];
	ssize_t n;
	while ((n = read(sock, msg, sizeof(msg) - 1)) < 0 && errno == EINTR)
		;
	if (n <= 0)
		return moat_fail(err, EIO, "sentry: exited during setup%s%s", sent < 0 ? ": " : "",
				 sent < 0 ? strerror(-sent) : "");
	msg[n] = '\0';
	if (msg[0])
		return moat_fail(err, EIO, "%s", msg);
	return 0;
}

void sentry_audit(struct sentry *s, const char *what, int nr, pid_t tid, int result)
{
	if (s->audit < 0)
		return;
	/* one line per syscall and second at most: enough to see why a program failed */
	static __thread int last_nr = -1;
	static __thread time_t last_sec;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	if (nr == last_nr && now.tv_sec == last_sec)
		return;
	last_nr = nr;
	last_sec = now.tv_sec;
	char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
	char line[256];
	int n = snprintf(line, sizeof(line), "{\"time\":%lld,\"syscall\":\"%s\",\"nr\":%d,\"tid\":%d,\"action\":\"%s\",\"errno\":%d}\n",
			 (long long)now.tv_sec, name ? name : "?", nr, tid, what, result);
	free(name);
	if (n > 0)
		write_all(s->audit, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}
