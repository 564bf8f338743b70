/* Syscall microbenchmarks, run the same way on the host and inside containers
 * (bench/run builds this with `gcc -static -O2` into the bundle's rootfs).
 *
 *   syscalls [-t MS] [-k REPS] [-f PATH] [-o NAME,NAME...]
 *
 * Each benchmark is calibrated (a warm-up of at least MS/4 milliseconds also
 * sizes the run: N iterations take about MS milliseconds), then timed K times
 * with N iterations each.  Prints one JSON object on stdout:
 *
 *   {"results": {"getppid": {"iters": N, "reps_ns": [ns/op, ...], "median_ns": x}, ...},
 *    "errors": {"tcp_rtt": "connect: Network is unreachable", ...}}
 *
 * A benchmark that cannot run where it is (say, no loopback interface) is
 * reported under "errors" and the others still run.
 *
 * What each one does per iteration:
 *   getppid      getppid(): the cheapest call that reaches the kernel (a passed call)
 *   pipe_4k      write 4 KiB into a pipe, read it back (same thread, no wake-up)
 *   open_close   open(PATH, O_RDONLY|O_CLOEXEC) + close (the sentry emulates open)
 *   stat         stat(PATH) (newfstatat: the sentry emulates it)
 *   fork_exit    fork, the child _exit(0)s, waitpid (pinned to one CPU, see below)
 *   mmap_munmap  mmap 64 KiB anonymous (untouched) + munmap
 *   unix_rtt     1 byte there and back over a socketpair to an echoing child process
 *   tcp_rtt      1 byte there and back over loopback TCP (TCP_NODELAY) to an echoing child
 *                (both round trips, and fork_exit, with the processes pinned to one CPU: on this VM
 *                kind a wake-up on the other CPU costs anything from 4 to 70 us)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_REPS 64

static const char *path = "/etc/passwd";
static char err[256];

/* Each benchmark: setup (may fail: fills err, returns -1), body of n
 * iterations (returns -1 on a failed call), teardown. */
struct bench {
	const char *name;
	int (*setup)(void);
	int (*body)(long n);
	void (*teardown)(void);
};

static int fail(const char *what)
{
	snprintf(err, sizeof(err), "%s: %s", what, strerror(errno));
	return -1;
}

static int none(void)
{
	return 0;
}

static void nothing(void)
{
}

/* -- getppid ------------------------------------------------------------ */

static int b_getppid(long n)
{
	for (long i = 0; i < n; i++)
		if (getppid() < 0)
			return fail("getppid");
	return 0;
}

/* -- pipe ------------------------------------------------------------------ */

static int pipefd[2] = {-1, -1};
static char page[4096];

static int s_pipe(void)
{
	if (pipe(pipefd) < 0)
		return fail("pipe");
	return 0;
}

static int b_pipe(long n)
{
	for (long i = 0; i < n; i++) {
		if (write(pipefd[1], page, sizeof(page)) != sizeof(page))
			return fail("write");
		if (read(pipefd[0], page, sizeof(page)) != sizeof(page))
			return fail("read");
	}
	return 0;
}

static void t_pipe(void)
{
	close(pipefd[0]);
	close(pipefd[1]);
}

/* -- open / stat ------------------------------------------------------------ */

static int b_open(long n)
{
	for (long i = 0; i < n; i++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return fail("open");
		close(fd);
	}
	return 0;
}

static int b_stat(long n)
{
	struct stat st;
	for (long i = 0; i < n; i++)
		if (stat(path, &st) < 0)
			return fail("stat");
	return 0;
}

/* -- fork ------------------------------------------------------------------- */

static int s_pinned(void);
static void unpin(void);

static int b_fork(long n)
{
	for (long i = 0; i < n; i++) {
		pid_t p = fork();
		if (p < 0)
			return fail("fork");
		if (p == 0)
			_exit(0);
		int st;
		if (waitpid(p, &st, 0) != p)
			return fail("waitpid");
	}
	return 0;
}

/* -- mmap ------------------------------------------------------------------- */

static int b_mmap(long n)
{
	for (long i = 0; i < n; i++) {
		void *p = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return fail("mmap");
		if (munmap(p, 65536) < 0)
			return fail("munmap");
	}
	return 0;
}

/* -- round trips to an echoing child ------------------------------------------ */

static int peer = -1;
static pid_t echo_pid = -1;

static void echo_loop(int fd)
{
	char c;
	for (;;) {
		ssize_t r = read(fd, &c, 1);
		if (r <= 0 || write(fd, &c, 1) != 1)
			_exit(0);
	}
}

/* Both ends on one CPU: a wake-up across CPUs costs 4 to 70 us on this VM
 * kind, at random, and would drown what the runtimes add. */
static cpu_set_t saved_mask;
static int pinned;

static void pin(void)
{
	cpu_set_t one;
	int cpu = sched_getcpu();
	if (cpu < 0 || sched_getaffinity(0, sizeof(saved_mask), &saved_mask) < 0)
		return;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	pinned = sched_setaffinity(0, sizeof(one), &one) == 0;
}

static void unpin(void)
{
	if (pinned)
		sched_setaffinity(0, sizeof(saved_mask), &saved_mask);
	pinned = 0;
}

static int s_pinned(void)
{
	pin();
	return 0;
}

static int start_echo(int mine, int theirs)
{
	pin();
	echo_pid = fork();
	if (echo_pid < 0)
		return fail("fork");
	if (echo_pid == 0) {
		close(mine);
		echo_loop(theirs);
	}
	close(theirs);
	peer = mine;
	return 0;
}

static int s_unix(void)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return fail("socketpair");
	return start_echo(sv[0], sv[1]);
}

static int s_tcp(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int one = 1;
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0)
		return fail("socket");
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 1) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &len) < 0) {
		fail("bind/listen");
		close(l);
		return -1;
	}
	int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)) < 0) {
		fail("connect to 127.0.0.1");
		close(l);
		if (c >= 0)
			close(c);
		return -1;
	}
	int s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	close(l);
	if (s < 0) {
		fail("accept");
		close(c);
		return -1;
	}
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return start_echo(c, s);
}

static int b_rtt(long n)
{
	char c = 'x';
	for (long i = 0; i < n; i++) {
		if (write(peer, &c, 1) != 1)
			return fail("write");
		if (read(peer, &c, 1) != 1)
			return fail("read");
	}
	return 0;
}

static void t_rtt(void)
{
	close(peer);
	peer = -1;
	if (echo_pid > 0)
		waitpid(echo_pid, NULL, 0);
	echo_pid = -1;
	unpin();
}

static const struct bench benches[] = {
	{"getppid", none, b_getppid, nothing},
	{"pipe_4k", s_pipe, b_pipe, t_pipe},
	{"open_close", none, b_open, nothing},
	{"stat", none, b_stat, nothing},
	{"fork_exit", s_pinned, b_fork, unpin},
	{"mmap_munmap", none, b_mmap, nothing},
	{"unix_rtt", s_unix, b_rtt, t_rtt},
	{"tcp_rtt", s_tcp, b_rtt, t_rtt},
};

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static int selected(const char *only, const char *name)
{
	if (!only)
		return 1;
	size_t n = strlen(name);
	for (const char *p = only; (p = strstr(p, name)); p += n)
		if ((p == only || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	double target_ms = 50;
	int reps = 5;
	const char *only = NULL;
	int opt;
	while ((opt = getopt(argc, argv, "t:k:f:o:")) != -1) {
		switch (opt) {
		case 't':
			target_ms = atof(optarg);
			break;
		case 'k':
			reps = atoi(optarg);
			break;
		case 'f':
			path = optarg;
			break;
		case 'o':
			only = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-t MS] [-k REPS] [-f PATH] [-o NAME,...]\n", argv[0]);
			return 2;
		}
	}
	if (reps < 1 || reps > MAX_REPS || target_ms <= 0) {
		fprintf(stderr, "syscalls: -k 1..%d, -t > 0\n", MAX_REPS);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	memset(page, 'x', sizeof(page));

	/* results first into a buffer of lines, errors after */
	char errors[4096] = "";
	size_t elen = 0;
	int first = 1;
	printf("{\"target_ms\": %g, \"reps\": %d, \"path\": ", target_ms, reps);
	json_string(path);
	printf(", \"results\": {");
	for (size_t b = 0; b < sizeof(benches) / sizeof(benches[0]); b++) {
		const struct bench *B = &benches[b];
		if (!selected(only, B->name))
			continue;
		err[0] = '\0';
		int r = B->setup();
		/* warm-up and calibration: doubling batches until MS/4 have passed */
		long n = 1, done = 0;
		double t0 = now_ns(), spent = 0;
		while (r == 0 && spent < target_ms * 1e6 / 4) {
			r = B->body(n);
			done += n;
			spent = now_ns() - t0;
			n *= 2;
		}
		double per[MAX_REPS];
		long iters = 0;
		if (r == 0) {
			iters = (long)(target_ms * 1e6 / (spent / done));
			if (iters < 1)
				iters = 1;
			for (int k = 0; r == 0 && k < reps; k++) {
				double a = now_ns();
				r = B->body(iters);
				per[k] = (now_ns() - a) / iters;
			}
		}
		if (B->setup != none || B->teardown != nothing)
			B->teardown();
		if (r != 0) {
			/* strerror texts and our own words: no quotes or backslashes to escape */
			int w = snprintf(errors + elen, sizeof(errors) - elen, "%s\"%s\": \"%s\"", elen ? ", " : "",
					 B->name, err);
			if (w > 0 && (size_t)w < sizeof(errors) - elen)
				elen += (size_t)w;
			continue;
		}
		double sorted[MAX_REPS];
		memcpy(sorted, per, sizeof(double) * reps);
		qsort(sorted, reps, sizeof(double), cmp);
		double med = reps % 2 ? sorted[reps / 2] : (sorted[reps / 2 - 1] + sorted[reps / 2]) / 2;
		printf("%s\n  \"%s\": {\"iters\": %ld, \"median_ns\": %.1f, \"reps_ns\": [", first ? "" : ",", B->name,
		       iters, med);
		for (int k = 0; k < reps; k++)
			printf("%s%.1f", k ? ", " : "", per[k]);
		printf("]}");
		first = 0;
	}
	printf("},\n \"errors\": {%s}}\n", errors);
	return 0;
}
