/* workload CMD [ARGS]: small real programs for the end-to-end suite, built
 * statically so they run in a busybox rootfs.  Each prints plain result lines
 * ("threads 8 ok", "tcp ok", "errno N NAME"...) that the tests compare at the
 * sandbox levels none and sentry, and exits non-zero when a check fails.
 *
 *   threads N          N pthreads each open, stat, uname and write to a pipe
 *   sockets            socketpair, AF_UNIX listen/connect in /tmp, TCP and UDP on 127.0.0.1
 *   mmap FILE          write FILE, change it through a shared mapping, msync, read it back
 *   forktree DEPTH     a binary tree of fork+execve of this program; prints the node count
 *   signals            sigaction, kill self, sigsuspend, sigqueue, SIGCHLD, SIGALRM
 *   bypass-thread      uname and openat from a new thread
 *   bypass-vfork       vfork (and posix_spawn) + execve of busybox uname -r
 *   bypass-clone       uname from raw clone children: a process, a bare thread, clone3
 *   toctou A S ITER    another thread flips the path buffer between A and S while
 *                      this one opens it ITER times (and on until both were hit);
 *                      says whether S's content was ever read
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int failures;

#define CHECK(cond, ...)                                                                                     \
	do {                                                                                                 \
		if (!(cond)) {                                                                               \
			int e_ = errno;                                                                      \
			printf("FAIL %s:%d: ", __func__, __LINE__);                                         \
			printf(__VA_ARGS__);                                                                 \
			printf(" (errno %d %s)\n", e_, strerrorname_np(e_) ? strerrorname_np(e_) : "?");  \
			failures++;                                                                          \
		}                                                                                            \
	} while (0)

static const char *ename(int e)
{
	const char *n = strerrorname_np(e);
	return n ? n : "?";
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	while (len) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* ---- threads ---- */

struct tjob {
	int idx;
	int pipe_w;
	char release[65];
	int ok;
};

static void *tmain(void *arg)
{
	struct tjob *j = arg;
	j->ok = 0;
	for (int round = 0; round < 50; round++) {
		int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return NULL;
		char buf[5] = "";
		ssize_t n = read(fd, buf, 4);
		close(fd);
		if (n != 4 || memcmp(buf, "root", 4))
			return NULL;
		struct stat st;
		if (stat("/bin/busybox", &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < 100000)
			return NULL;
		if (stat("/does/not/exist", &st) == 0 || errno != ENOENT)
			return NULL;
		struct utsname u;
		if (uname(&u) < 0)
			return NULL;
		if (round == 0)
			snprintf(j->release, sizeof(j->release), "%s", u.release);
		else if (strcmp(j->release, u.release))
			return NULL;
	}
	unsigned char b = (unsigned char)j->idx;
	if (write_all(j->pipe_w, &b, 1) < 0)
		return NULL;
	j->ok = 1;
	return NULL;
}

static int cmd_threads(int n)
{
	if (n < 1 || n > 256)
		return 2;
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	struct tjob *jobs = calloc((size_t)n, sizeof(*jobs));
	pthread_t *t = calloc((size_t)n, sizeof(*t));
	for (int i = 0; i < n; i++) {
		jobs[i].idx = i;
		jobs[i].pipe_w = p[1];
		CHECK(pthread_create(&t[i], NULL, tmain, &jobs[i]) == 0, "pthread_create %d", i);
	}
	int ok = 0;
	for (int i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		ok += jobs[i].ok;
		CHECK(jobs[i].ok, "thread %d", i);
		CHECK(!strcmp(jobs[i].release, jobs[0].release), "thread %d release %s", i, jobs[i].release);
	}
	close(p[1]);
	unsigned char seen[256] = {0}, b;
	int got = 0;
	while (read(p[0], &b, 1) == 1) {
		CHECK(!seen[b], "thread %d wrote twice", b);
		seen[b] = 1;
		got++;
	}
	CHECK(got == n, "pipe got %d of %d", got, n);
	if (!failures)
		printf("threads %d ok\nrelease %s\n", ok, jobs[0].release);
	free(jobs);
	free(t);
	return failures != 0;
}

/* ---- sockets ---- */

static int round_trip(int a, int b, const char *what)
{
	char msg[4096], back[4096];
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (char)(i * 7 + 3);
	for (int r = 0; r < 20; r++) {
		if (write_all(a, msg, sizeof(msg)) < 0 || read_all(b, back, sizeof(back)) < 0 ||
		    memcmp(msg, back, sizeof(msg)))
			return printf("%s round trip failed: %s\n", what, ename(errno)), -1;
		if (write_all(b, back, sizeof(back)) < 0 || read_all(a, msg, sizeof(msg)) < 0)
			return printf("%s reply failed: %s\n", what, ename(errno)), -1;
	}
	return 0;
}

/* listen on l, connect from a child process, echo in the parent */
static int accept_child(int l, const struct sockaddr *addr, socklen_t alen, int type, const char *what)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(l);
		int c = socket(addr->sa_family, type | SOCK_CLOEXEC, 0);
		if (c < 0 || connect(c, addr, alen) < 0)
			_exit(10);
		char buf[4096];
		for (int r = 0; r < 20; r++) {
			if (read_all(c, buf, sizeof(buf)) < 0 || write_all(c, buf, sizeof(buf)) < 0)
				_exit(11);
			if (read_all(c, buf, sizeof(buf)) < 0 || write_all(c, buf, sizeof(buf)) < 0)
				_exit(12);
		}
		/* the peer's credentials, as the kernel sees them, go back too */
		struct ucred uc;
		socklen_t ul = sizeof(uc);
		if (addr->sa_family == AF_UNIX && (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &uc, &ul) < 0 || uc.pid != getppid()))
			_exit(13);
		_exit(0);
	}
	int s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	int r = -1;
	if (s >= 0) {
		/* the child echoes twice per round: once as the far end, once back */
		char msg[4096], back[4096];
		r = 0;
		for (size_t i = 0; i < sizeof(msg); i++)
			msg[i] = (char)(i * 13 + 1);
		for (int k = 0; k < 40 && r == 0; k++)
			if (write_all(s, msg, sizeof(msg)) < 0 || read_all(s, back, sizeof(back)) < 0 ||
			    memcmp(msg, back, sizeof(msg)))
				r = -1;
		close(s);
	}
	int st;
	waitpid(pid, &st, 0);
	if (r < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		printf("%s failed: accept %d child status 0x%x\n", what, s, st);
		return -1;
	}
	return 0;
}

static int cmd_sockets(void)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		printf("socketpair errno %d %s\n", errno, ename(errno)), failures++;
	else if (round_trip(sv[0], sv[1], "socketpair") == 0)
		printf("socketpair ok\n"), close(sv[0]), close(sv[1]);
	else
		failures++;

	struct sockaddr_un un = {.sun_family = AF_UNIX};
	snprintf(un.sun_path, sizeof(un.sun_path), "/tmp/workload-%d.sock", getpid());
	unlink(un.sun_path);
	int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&un, sizeof(un)) < 0 || listen(l, 4) < 0) {
		printf("unix errno %d %s\n", errno, ename(errno));
		failures++;
	} else {
		struct stat st;
		CHECK(stat(un.sun_path, &st) == 0 && S_ISSOCK(st.st_mode), "stat %s", un.sun_path);
		if (accept_child(l, (struct sockaddr *)&un, sizeof(un), SOCK_STREAM, "unix") == 0)
			printf("unix ok\n");
		else
			failures++;
		unlink(un.sun_path);
	}
	if (l >= 0)
		close(l);

	struct sockaddr_in in = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t il = sizeof(in);
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&in, sizeof(in)) < 0 || listen(l, 4) < 0 ||
	    getsockname(l, (struct sockaddr *)&in, &il) < 0) {
		printf("tcp errno %d %s\n", errno, ename(errno));
		failures++;
	} else if (accept_child(l, (struct sockaddr *)&in, sizeof(in), SOCK_STREAM, "tcp") == 0) {
		printf("tcp ok\n");
	} else {
		failures++;
	}
	if (l >= 0)
		close(l);

	/* UDP: a datagram to itself */
	struct sockaddr_in ua = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t ual = sizeof(ua);
	int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	char dg[512] = "datagram", got[512] = "";
	if (u < 0 || bind(u, (struct sockaddr *)&ua, sizeof(ua)) < 0 || getsockname(u, (struct sockaddr *)&ua, &ual) < 0 ||
	    sendto(u, dg, sizeof(dg), 0, (struct sockaddr *)&ua, ual) != sizeof(dg) ||
	    recv(u, got, sizeof(got), 0) != sizeof(got) || memcmp(dg, got, sizeof(dg))) {
		printf("udp errno %d %s\n", errno, ename(errno));
		failures++;
	} else {
		printf("udp ok\n");
	}
	if (u >= 0)
		close(u);
	return failures != 0;
}

/* ---- mmap ---- */

static int cmd_mmap(const char *path)
{
	const size_t len = 1 << 20;
	unsigned char *data = malloc(len), *back = malloc(len);
	for (size_t i = 0; i < len; i++)
		data[i] = (unsigned char)(i % 251);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	CHECK(fd >= 0, "open %s", path);
	if (fd < 0)
		return 1;
	CHECK(write_all(fd, data, len) == 0, "write");
	unsigned char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED, "mmap shared");
	if (m == MAP_FAILED)
		return 1;
	CHECK(!memcmp(m, data, len), "mapping shows the written data");
	for (size_t i = 0; i < len; i += 4096)
		m[i] = data[i] = (unsigned char)~data[i];
	CHECK(msync(m, len, MS_SYNC) == 0, "msync");
	CHECK(munmap(m, len) == 0, "munmap");
	close(fd);
	/* through a new descriptor: the file itself changed */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0 && read_all(fd, back, len) == 0 && !memcmp(back, data, len), "reread %s", path);
	/* a private mapping does not write through */
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(p != MAP_FAILED, "mmap private");
	if (p != MAP_FAILED) {
		p[0] = (unsigned char)~p[0];
		CHECK(pread(fd, back, 1, 0) == 1 && back[0] == data[0], "private write stayed private");
		munmap(p, len);
	}
	close(fd);
	/* anonymous shared memory between a parent and its child */
	int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(shared != MAP_FAILED, "mmap anonymous");
	if (shared != MAP_FAILED) {
		pid_t c = fork();
		if (c == 0) {
			shared[0] = 4242;
			_exit(0);
		}
		waitpid(c, NULL, 0);
		CHECK(shared[0] == 4242, "child's write seen");
	}
	free(data);
	free(back);
	if (!failures)
		printf("mmap ok\n");
	return failures != 0;
}

/* ---- forktree ---- */

static int cmd_forktree(const char *self, int depth)
{
	if (depth <= 0)
		return 1;
	char arg[16];
	snprintf(arg, sizeof(arg), "%d", depth - 1);
	pid_t kids[2];
	for (int i = 0; i < 2; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			char *argv[] = {(char *)self, "forktree-node", arg, NULL};
			execve(self, argv, environ);
			_exit(127);
		}
	}
	int nodes = 1;
	for (int i = 0; i < 2; i++) {
		int st;
		if (kids[i] < 0 || waitpid(kids[i], &st, 0) != kids[i] || !WIFEXITED(st) || WEXITSTATUS(st) == 127)
			return 255;
		nodes += WEXITSTATUS(st);
	}
	return nodes > 254 ? 254 : nodes;
}

/* ---- signals ---- */

static volatile sig_atomic_t got_usr1, got_usr1_pid, got_chld, got_alrm, got_rt, got_rt_value;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	got_usr1++;
	got_usr1_pid = si->si_pid;
}

static void on_chld(int sig)
{
	(void)sig;
	got_chld++;
}

static void on_alrm(int sig)
{
	(void)sig;
	got_alrm++;
}

static void on_rt(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	got_rt++;
	got_rt_value = si->si_value.sival_int;
}

static int cmd_signals(void)
{
	struct sigaction sa = {.sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO};
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction USR1");
	struct sigaction sc = {.sa_handler = on_chld, .sa_flags = SA_RESTART | SA_NOCLDSTOP};
	sigemptyset(&sc.sa_mask);
	CHECK(sigaction(SIGCHLD, &sc, NULL) == 0, "sigaction CHLD");
	struct sigaction sl = {.sa_handler = on_alrm};
	sigemptyset(&sl.sa_mask);
	CHECK(sigaction(SIGALRM, &sl, NULL) == 0, "sigaction ALRM");
	struct sigaction sr = {.sa_sigaction = on_rt, .sa_flags = SA_SIGINFO};
	sigemptyset(&sr.sa_mask);
	CHECK(sigaction(SIGRTMIN + 1, &sr, NULL) == 0, "sigaction RT");

	sigset_t block, old, none;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGALRM);
	sigaddset(&block, SIGRTMIN + 1);
	sigemptyset(&none);
	CHECK(sigprocmask(SIG_BLOCK, &block, &old) == 0, "sigprocmask");

	/* kill self while blocked: pending, delivered by sigsuspend */
	CHECK(kill(getpid(), SIGUSR1) == 0, "kill self");
	sigset_t pend;
	sigpending(&pend);
	CHECK(sigismember(&pend, SIGUSR1), "USR1 pending");
	while (!got_usr1)
		sigsuspend(&none);
	CHECK(got_usr1 == 1 && got_usr1_pid == getpid(), "USR1 from %d", (int)got_usr1_pid);

	/* a queued real-time signal carries its value */
	CHECK(sigqueue(getpid(), SIGRTMIN + 1, (union sigval){.sival_int = 4711}) == 0, "sigqueue");
	while (!got_rt)
		sigsuspend(&none);
	CHECK(got_rt_value == 4711, "rt value %d", (int)got_rt_value);

	/* SIGCHLD from a child that exits 7 */
	pid_t c = fork();
	if (c == 0)
		_exit(7);
	while (!got_chld)
		sigsuspend(&none);
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 7, "child status 0x%x", st);

	/* a child killed by a signal its parent sends */
	c = fork();
	if (c == 0) {
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (;;)
			pause();
	}
	CHECK(kill(c, SIGTERM) == 0, "kill child");
	CHECK(waitpid(c, &st, 0) == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "killed child 0x%x", st);

	/* a timer */
	struct itimerval it = {.it_value = {.tv_usec = 20000}};
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0, "setitimer");
	while (!got_alrm)
		sigsuspend(&none);

	/* signalfd-free synchronous wait: sigtimedwait */
	kill(getpid(), SIGUSR1);
	siginfo_t si;
	struct timespec ts = {.tv_sec = 5};
	CHECK(sigtimedwait(&block, &si, &ts) == SIGUSR1 && si.si_pid == getpid(), "sigtimedwait");
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (!failures)
		printf("signals ok\n");
	return failures != 0;
}

/* ---- the sentry cannot be bypassed ---- */

/* Opens of a regular file never fail with EINTR on Linux, even with a
 * signal handler installed without SA_RESTART and signals arriving all the
 * time (dash and busybox sh install SIGCHLD handlers like that). */
static int cmd_eintr(const char *path, long iters)
{
	struct sigaction sa = {.sa_handler = on_alrm};
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0, "sigaction ALRM");
	struct itimerval it = {.it_interval = {0, 50}, .it_value = {0, 50}};
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0, "setitimer");
	long eintr = 0, other = 0;
	for (long i = 0; i < iters; i++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			close(fd);
		else if (errno == EINTR)
			eintr++;
		else
			other++;
	}
	struct itimerval off = {0};
	setitimer(ITIMER_REAL, &off, NULL);
	printf("eintr %ld other %ld signals %d\n", eintr, other, (int)got_alrm);
	return failures;
}

static void print_release(const char *who, const char *release)
{
	printf("%s release %s\n", who, release);
}

struct bt {
	char release[65];
	int open_errno;
	int open_ok;
};

static void *bypass_thread_main(void *arg)
{
	struct bt *b = arg;
	struct utsname u;
	if (syscall(SYS_uname, &u) == 0)
		snprintf(b->release, sizeof(b->release), "%s", u.release);
	long fd = syscall(SYS_openat, AT_FDCWD, "/no/such/file/workload", O_RDONLY | O_CLOEXEC);
	b->open_errno = fd < 0 ? errno : 0;
	if (fd >= 0)
		close((int)fd);
	fd = syscall(SYS_openat, AT_FDCWD, "/etc/passwd", O_RDONLY | O_CLOEXEC);
	char buf[5] = "";
	b->open_ok = fd >= 0 && read((int)fd, buf, 4) == 4 && !memcmp(buf, "root", 4);
	if (fd >= 0)
		close((int)fd);
	return NULL;
}

static int cmd_bypass_thread(void)
{
	pthread_t t;
	struct bt b = {.release = "?"};
	CHECK(pthread_create(&t, NULL, bypass_thread_main, &b) == 0, "pthread_create");
	pthread_join(t, NULL);
	print_release("thread", b.release);
	printf("thread openat missing: %s\n", b.open_errno ? ename(b.open_errno) : "opened");
	printf("thread openat /etc/passwd: %s\n", b.open_ok ? "ok" : "failed");
	return 0;
}

static int cmd_bypass_vfork(void)
{
	fflush(stdout);
	char *argv[] = {"uname", "-r", NULL};
	pid_t pid = vfork();
	if (pid == 0) {
		execve("/bin/busybox", argv, environ);
		_exit(127);
	}
	int st = -1;
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid, "vfork");
	printf("vfork status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	fflush(stdout);
	/* glibc's posix_spawn is clone(CLONE_VM|CLONE_VFORK) on a separate stack */
	CHECK(posix_spawn(&pid, "/bin/busybox", NULL, NULL, argv, environ) == 0, "posix_spawn");
	CHECK(waitpid(pid, &st, 0) == pid, "posix_spawn wait");
	printf("posix_spawn status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return failures != 0;
}

static char clone_stack[1 << 16] __attribute__((aligned(16)));
static struct utsname clone_u;
static volatile pid_t clone_tid = 1;
static long clone_uname_r = -1;

static int bare_thread(void *arg)
{
	(void)arg;
	clone_uname_r = syscall(SYS_uname, &clone_u);
	return 0; /* glibc's clone wrapper calls exit(): this thread alone ends */
}

static int cmd_bypass_clone(void)
{
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	fflush(stdout);
	/* a process by raw clone, past glibc's fork (no atfork handlers, no cache) */
	long pid = syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0);
	if (pid == 0) {
		struct utsname u;
		memset(&u, 0, sizeof(u));
		syscall(SYS_uname, &u);
		syscall(SYS_write, p[1], u.release, sizeof(u.release));
		syscall(SYS_exit_group, 0);
	}
	char rel[65] = "?";
	CHECK(pid > 0, "clone");
	if (pid > 0) {
		CHECK(read_all(p[0], rel, sizeof(rel)) == 0, "read from clone child");
		rel[64] = '\0';
		waitpid((pid_t)pid, NULL, 0);
	}
	print_release("clone-process", rel);

	/* a thread made by clone with no pthread: CLONE_CHILD_CLEARTID says when it ended */
	int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
		    CLONE_CHILD_CLEARTID | CLONE_PARENT_SETTID;
	pid_t t = clone(bare_thread, clone_stack + sizeof(clone_stack), flags, NULL, (pid_t *)&clone_tid, NULL,
			(pid_t *)&clone_tid);
	CHECK(t > 0, "clone thread");
	if (t > 0) {
		while (clone_tid != 0)
			syscall(SYS_futex, &clone_tid, FUTEX_WAIT, clone_tid, NULL, NULL, 0);
	}
	print_release("clone-thread", clone_uname_r == 0 ? clone_u.release : "?");

	/* clone3: the table refuses it (its flags are out of BPF's reach); where
	 * the host allows it, its child is under the table like any other */
	struct clone_args ca = {.exit_signal = SIGCHLD};
	pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid == 0) {
		struct utsname u;
		memset(&u, 0, sizeof(u));
		syscall(SYS_uname, &u);
		syscall(SYS_write, p[1], u.release, sizeof(u.release));
		syscall(SYS_exit_group, 0);
	}
	if (pid < 0) {
		printf("clone3 errno %d %s\n", errno, ename(errno));
	} else {
		memset(rel, 0, sizeof(rel));
		CHECK(read_all(p[0], rel, sizeof(rel)) == 0, "read from clone3 child");
		rel[64] = '\0';
		waitpid((pid_t)pid, NULL, 0);
		print_release("clone3", rel);
	}
	return failures != 0;
}

/* ---- TOCTOU on the path argument ---- */

static char race_path[PATH_MAX] __attribute__((aligned(64)));
static atomic_int race_stop;

struct flip {
	const char *a, *b;
	unsigned long flips;
};

static void spin(unsigned n)
{
	for (volatile unsigned i = 0; i < n; i++)
		;
}

static void *flipper(void *arg)
{
	struct flip *f = arg;
	size_t la = strlen(f->a) + 1, lb = strlen(f->b) + 1;
	unsigned rnd = 12345;
	while (!atomic_load_explicit(&race_stop, memory_order_relaxed)) {
		/* byte by byte through a volatile pointer, so every mix of the two is
		 * seen too, and each whole path held for a varying while */
		volatile char *dst = race_path;
		for (size_t i = 0; i < lb; i++)
			dst[i] = f->b[i];
		rnd = rnd * 1103515245 + 12345;
		spin((rnd >> 16) & 4095);
		for (size_t i = 0; i < la; i++)
			dst[i] = f->a[i];
		rnd = rnd * 1103515245 + 12345;
		spin((rnd >> 16) & 4095);
		f->flips++;
	}
	return NULL;
}

static int cmd_toctou(const char *allowed, const char *secret, long iters)
{
	/* what the secret holds is only known by its size and first byte, which stat tells */
	char allowed_content[256] = "";
	int fd = open(allowed, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0, "open %s", allowed);
	if (fd < 0)
		return 1;
	ssize_t alen = read(fd, allowed_content, sizeof(allowed_content) - 1);
	close(fd);
	CHECK(alen > 0, "read %s", allowed);
	fd = open(secret, O_RDONLY | O_CLOEXEC);
	CHECK(fd < 0 && errno == EACCES, "the secret %s must be unreadable to this user", secret);
	if (fd >= 0)
		return 1;
	snprintf(race_path, sizeof(race_path), "%s", allowed);
	struct flip f = {.a = allowed, .b = secret};
	pthread_t t;
	CHECK(pthread_create(&t, NULL, flipper, &f) == 0, "pthread_create");
	long opened_allowed = 0, denied = 0, other = 0, secret_read = 0, calls = 0;
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	/* ITER calls at least, then on until both files were hit; 20 s at most */
	for (long i = 0; i < iters || !opened_allowed || !denied; i++) {
		calls++;
		fd = open(race_path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			if (errno == EACCES)
				denied++;
			else
				other++;
		} else {
			char buf[256] = "";
			ssize_t n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			if (n == alen && !memcmp(buf, allowed_content, (size_t)n))
				opened_allowed++;
			else
				secret_read++;
		}
		/* bounded in time whatever ITER says */
		if ((i & 255) == 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec - start.tv_sec >= 20)
				break;
		}
	}
	atomic_store(&race_stop, 1);
	pthread_join(t, NULL);
	printf("toctou calls %ld allowed %ld denied %ld other %ld flips %lu\n", calls, opened_allowed, denied, other,
	       f.flips);
	printf("toctou secret-read %ld\n", secret_read);
	return secret_read != 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		return 2;
	const char *c = argv[1];
	if (!strcmp(c, "threads") && argc == 3)
		return cmd_threads(atoi(argv[2]));
	if (!strcmp(c, "sockets"))
		return cmd_sockets();
	if (!strcmp(c, "mmap") && argc == 3)
		return cmd_mmap(argv[2]);
	if (!strcmp(c, "forktree-node") && argc == 3)
		return cmd_forktree(argv[0], atoi(argv[2]));
	if (!strcmp(c, "forktree") && argc == 3) {
		/* the tree runs this same binary: by its path in the container */
		char self[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n <= 0)
			return printf("readlink /proc/self/exe errno %d %s\n", errno, ename(errno)), 1;
		self[n] = '\0';
		int nodes = cmd_forktree(self, atoi(argv[2]));
		printf("forktree nodes %d\n", nodes);
		return nodes >= 254;
	}
	if (!strcmp(c, "signals"))
		return cmd_signals();
	if (!strcmp(c, "bypass-thread"))
		return cmd_bypass_thread();
	if (!strcmp(c, "bypass-vfork"))
		return cmd_bypass_vfork();
	if (!strcmp(c, "bypass-clone"))
		return cmd_bypass_clone();
	if (!strcmp(c, "eintr") && argc == 4)
		return cmd_eintr(argv[2], atol(argv[3]));
	if (!strcmp(c, "toctou") && argc == 5)
		return cmd_toctou(argv[2], argv[3], atol(argv[4]));
	fprintf(stderr, "workload: unknown command\n");
	return 2;
}
