/* escape NAME [ARGS...]: run one attempt.  `escape --list` names them all. */
#include "escape.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_ATTEMPTS 128

static struct {
	const char *name;
	attempt_fn fn;
} attempts[MAX_ATTEMPTS];
static int n_attempts;

void attempt_register(const char *name, attempt_fn fn)
{
	/* C names use '_', the gallery's names '-' */
	char *dashed = strdup(name);
	if (!dashed)
		return;
	for (char *p = dashed; *p; p++)
		if (*p == '_')
			*p = '-';
	if (n_attempts < MAX_ATTEMPTS) {
		attempts[n_attempts].name = dashed;
		attempts[n_attempts].fn = fn;
		n_attempts++;
	}
}

__attribute__((noreturn)) static void verdict(const char *word, const char *fmt, va_list ap)
{
	char msg[2048];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* one line, whatever the evidence held */
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	printf("%s %s\n", word, msg);
	fflush(stdout);
	_exit(0);
}

void blocked(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verdict("BLOCKED", fmt, ap);
}

void escaped(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verdict("ESCAPED", fmt, ap);
}

const char *en(int e)
{
	const char *n = strerrorname_np(e);
	return n ? n : "E?";
}

void ev_add(struct ev *e, const char *fmt, ...)
{
	if (e->n >= sizeof(e->s) - 1)
		return;
	if (e->n) {
		int w = snprintf(e->s + e->n, sizeof(e->s) - e->n, "; ");
		e->n += (size_t)w;
		if (e->n >= sizeof(e->s) - 1)
			return;
	}
	va_list ap;
	va_start(ap, fmt);
	int w = vsnprintf(e->s + e->n, sizeof(e->s) - e->n, fmt, ap);
	va_end(ap);
	if (w > 0)
		e->n += (size_t)w < sizeof(e->s) - e->n ? (size_t)w : sizeof(e->s) - e->n - 1;
}

int in_child(child_fn fn, void *arg, char *msg, size_t n)
{
	int p[2];
	msg[0] = '\0';
	if (pipe(p) < 0) {
		snprintf(msg, n, "pipe: %s", en(errno));
		return 0;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(msg, n, "fork: %s", en(errno));
		close(p[0]);
		close(p[1]);
		return 0;
	}
	if (pid == 0) {
		close(p[0]);
		char m[1024] = "";
		unsigned char r = (unsigned char)fn(arg, m, sizeof(m));
		(void)!write(p[1], &r, 1);
		(void)!write(p[1], m, strlen(m));
		_exit(0);
	}
	close(p[1]);
	unsigned char r = 0;
	char buf[1024];
	ssize_t got = read(p[0], &r, 1), len = 0, k;
	while (got == 1 && len < (ssize_t)sizeof(buf) - 1 && (k = read(p[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += k;
	buf[len] = '\0';
	close(p[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(st)) {
		snprintf(msg, n, "killed by %s", sigabbrev_np(WTERMSIG(st)) ? sigabbrev_np(WTERMSIG(st)) : "signal");
		if (WTERMSIG(st) == SIGSYS)
			snprintf(msg, n, "killed by SIGSYS");
		return 0;
	}
	if (got != 1) {
		snprintf(msg, n, "child said nothing");
		return 0;
	}
	snprintf(msg, n, "%s", buf);
	return r;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t w = write(fd, s, strlen(s));
	int e = errno;
	close(fd);
	return w < 0 ? -e : 0;
}

int enter_userns(int extra)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	if (unshare(CLONE_NEWUSER | extra) < 0)
		return -errno;
	char map[64];
	snprintf(map, sizeof(map), "0 %u 1\n", uid);
	write_str("/proc/self/uid_map", map);
	write_str("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "0 %u 1\n", gid);
	write_str("/proc/self/gid_map", map);
	return 0;
}

int outside_root(int dirfd)
{
	struct stat root, cur, up;
	if (stat("/", &root) < 0)
		return -errno;
	int fd = openat(dirfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (int depth = 0; depth < 4096; depth++) {
		if (fstat(fd, &cur) < 0) {
			int e = errno;
			close(fd);
			return -e;
		}
		if (cur.st_dev == root.st_dev && cur.st_ino == root.st_ino) {
			close(fd);
			return 0;
		}
		int parent = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		close(fd);
		if (parent < 0)
			return -errno;
		if (fstat(parent, &up) < 0) {
			int e = errno;
			close(parent);
			return -e;
		}
		if (up.st_dev == cur.st_dev && up.st_ino == cur.st_ino) {
			close(parent);
			return 1; /* the top, and it was not our root */
		}
		fd = parent;
	}
	close(fd);
	return -ELOOP;
}

ssize_t read_fd(int fd, char *buf, size_t n)
{
	size_t got = 0;
	ssize_t k = 0;
	while (got < n - 1 && (k = read(fd, buf + got, n - 1 - got)) > 0)
		got += (size_t)k;
	buf[got] = '\0';
	return k < 0 && got == 0 ? -errno : (ssize_t)got;
}

ssize_t read_file(const char *path, char *buf, size_t n)
{
	buf[0] = '\0';
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t r = read_fd(fd, buf, n);
	close(fd);
	return r;
}

const char *open_for_write(const char *const *paths, struct ev *e)
{
	for (const char *const *p = paths; *p; p++) {
		/* O_APPEND: if a bug let this open, nothing is truncated; and nothing is written */
		int fd = open(*p, O_WRONLY | O_APPEND | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			ev_add(e, "%s opened for writing", *p);
			return *p;
		}
		ev_add(e, "%s: %s", *p, en(errno));
	}
	return NULL;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		fprintf(stderr, "usage: escape NAME [ARGS...] | --list\n");
		return 2;
	}
	if (!strcmp(argv[1], "--list")) {
		for (int i = 0; i < n_attempts; i++)
			printf("%s\n", attempts[i].name);
		return 0;
	}
	for (int i = 0; i < n_attempts; i++)
		if (!strcmp(attempts[i].name, argv[1]))
			return attempts[i].fn(argc - 2, argv + 2);
	fprintf(stderr, "escape: no attempt named %s\n", argv[1]);
	return 2;
}
