/* OCI hooks, run one after the other from the runtime.
 *
 * The state JSON is written into the stdin pipe before the hook starts, so a
 * hook that never reads stdin cannot block us and we never write to a pipe
 * whose reader is gone (no SIGPIPE to handle).  The hook's stdout and stderr
 * share one pipe, of which the last bytes are kept for the error message.
 * Exit is detected on a pidfd rather than on EOF of that pipe, because a hook
 * may leave a daemon behind that keeps the pipe open. */
#include "linux/hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif

#define TAIL_MAX 1024
/* Without pidfd_open (kernel < 5.3), how often to check whether the hook exited. */
#define POLL_TICK_MS 50

struct tail {
	char buf[TAIL_MAX];
	size_t len;
};

static void tail_append(struct tail *t, const char *p, size_t n)
{
	if (n >= TAIL_MAX) {
		memcpy(t->buf, p + n - TAIL_MAX, TAIL_MAX);
		t->len = TAIL_MAX;
		return;
	}
	if (t->len + n > TAIL_MAX) {
		size_t drop = t->len + n - TAIL_MAX;
		memmove(t->buf, t->buf + drop, t->len - drop);
		t->len -= drop;
	}
	memcpy(t->buf + t->len, p, n);
	t->len += n;
}

/* Read what is available; returns false at EOF or on error. */
static bool drain(int fd, struct tail *t)
{
	char chunk[4096];
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof(chunk));
		if (r > 0) {
			tail_append(t, chunk, (size_t)r);
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		return r < 0 && errno == EAGAIN;
	}
}

/* At most the last `max` bytes of the output, as one line: control characters
 * become spaces, surrounding blanks go, and a cut UTF-8 sequence is skipped.
 * out holds TAIL_MAX + 1 bytes. */
static void tail_line(const struct tail *t, size_t max, char *out)
{
	size_t start = 0, end = t->len, n = 0;
	while (end > 0 && (unsigned char)t->buf[end - 1] <= ' ')
		end--;
	if (end > max)
		start = end - max;
	while (start < end &&
	       ((unsigned char)t->buf[start] <= ' ' || ((unsigned char)t->buf[start] & 0xc0) == 0x80))
		start++;
	for (size_t i = start; i < end; i++) {
		unsigned char c = (unsigned char)t->buf[i];
		out[n++] = (c < ' ' || c == 0x7f) ? ' ' : (char)c;
	}
	out[n] = '\0';
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* In the forked child: only async-signal-safe calls until execve. */
static __attribute__((noreturn)) void exec_hook(const struct oci_hook *h, int in_fd, int out_fd)
{
	/* Move both pipes above 2 first so the dup2s below cannot clobber them. */
	int in = fcntl(in_fd, F_DUPFD_CLOEXEC, 3);
	int out = fcntl(out_fd, F_DUPFD_CLOEXEC, 3);
	if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(127);
	if (close_range(3, ~0U, 0) < 0) {
		long max = sysconf(_SC_OPEN_MAX);
		for (long fd = 3; fd < max; fd++)
			close((int)fd);
	}
	/* The runtime may block or ignore signals; both survive execve. */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);

	char *default_args[] = {h->path, NULL};
	char *empty_env[] = {NULL};
	execve(h->path, h->args && h->args[0] ? h->args : default_args, h->env ? h->env : empty_env);
	int e = errno;
	static const char msg[] = "cannot execute hook: ";
	const char *why = strerrordesc_np(e);
	if (write(2, msg, sizeof(msg) - 1) >= 0 && why && write(2, why, strlen(why)) >= 0)
		(void)!write(2, "\n", 1);
	_exit(127);
}

/* Fill a fresh pipe with the state JSON, growing it if the default size is too small. */
static int fill_stdin(int fd, const char *data, size_t len)
{
	int cap = fcntl(fd, F_GETPIPE_SZ);
	if (cap >= 0 && (size_t)cap < len && fcntl(fd, F_SETPIPE_SZ, (int)len) < 0)
		return -errno;
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno == EAGAIN ? -EFBIG : -errno;
		off += (size_t)w;
	}
	return 0;
}

static int run_one(const char *kind, size_t idx, const struct oci_hook *h, const char *state_json,
		   struct moat_err *err)
{
	int in[2] = {-1, -1}, out[2] = {-1, -1}, pidfd = -1, r;
	struct tail t = {.len = 0};

	if (pipe2(in, O_CLOEXEC | O_NONBLOCK) < 0 || pipe2(out, O_CLOEXEC | O_NONBLOCK) < 0) {
		r = moat_fail_errno(err, errno, "%s hook #%zu (%s): pipe", kind, idx, h->path);
		goto out;
	}
	if ((r = fill_stdin(in[1], state_json, strlen(state_json))) < 0) {
		r = moat_fail_errno(err, -r, "%s hook #%zu (%s): passing %zu bytes of state on stdin", kind,
				    idx, h->path, strlen(state_json));
		goto out;
	}
	close(in[1]);
	in[1] = -1;
	/* The hook gets blocking stdin and output, as any program expects. */
	fcntl(in[0], F_SETFL, 0);
	fcntl(out[1], F_SETFL, 0);

	pid_t pid = fork();
	if (pid < 0) {
		r = moat_fail_errno(err, errno, "%s hook #%zu (%s): fork", kind, idx, h->path);
		goto out;
	}
	if (pid == 0)
		exec_hook(h, in[0], out[1]);
	close(in[0]);
	close(out[1]);
	in[0] = out[1] = -1;

	pidfd = (int)syscall(__NR_pidfd_open, pid, 0);
	long long deadline = h->timeout > 0 ? now_ms() + (long long)h->timeout * 1000 : 0;
	struct pollfd pfd[2] = {{.fd = out[0], .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
	bool timed_out = false;
	int status = 0;
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			r = moat_fail_errno(err, errno, "%s hook #%zu (%s): wait", kind, idx, h->path);
			kill(pid, SIGKILL);
			goto out;
		}
		int wait_ms = -1;
		if (deadline) {
			long long left = deadline - now_ms();
			if (left <= 0) {
				kill(pid, SIGKILL);
				while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
					;
				timed_out = true;
				break;
			}
			wait_ms = left > 60000 ? 60000 : (int)left;
		}
		if (pidfd < 0 && (wait_ms < 0 || wait_ms > POLL_TICK_MS))
			wait_ms = POLL_TICK_MS;
		if (poll(pfd, 2, wait_ms) > 0 && (pfd[0].revents & (POLLIN | POLLHUP)) && !drain(out[0], &t))
			pfd[0].fd = -1; /* EOF: poll ignores negative fds */
	}
	if (pfd[0].fd >= 0)
		drain(out[0], &t);

	char what[64];
	if (timed_out)
		snprintf(what, sizeof(what), "timed out after %d s", h->timeout);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		r = 0;
		goto out;
	} else if (WIFEXITED(status))
		snprintf(what, sizeof(what), "exit status %d", WEXITSTATUS(status));
	else
		snprintf(what, sizeof(what), "killed by signal %d", WTERMSIG(status));

	/* The message is one line of at most MOAT_ERR_MAX: the output gets what is left. */
	int code = timed_out ? ETIMEDOUT : EIO;
	int head = snprintf(NULL, 0, "%s hook #%zu (%s) failed: %s: ", kind, idx, h->path, what);
	char text[TAIL_MAX + 1];
	tail_line(&t, head >= 0 && head < MOAT_ERR_MAX - 1 ? (size_t)(MOAT_ERR_MAX - 1 - head) : 0, text);
	r = text[0] ? moat_fail(err, code, "%s hook #%zu (%s) failed: %s: %s", kind, idx, h->path, what, text)
		    : moat_fail(err, code, "%s hook #%zu (%s) failed: %s", kind, idx, h->path, what);
out:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	if (pidfd >= 0)
		close(pidfd);
	return r;
}

int hooks_run(enum oci_hook_kind kind, const struct oci_hook *hooks, size_t n, const char *state_json,
	      struct moat_err *err)
{
	const char *name = spec_hook_kind_name(kind);
	for (size_t i = 0; i < n; i++) {
		int r = run_one(name, i, &hooks[i], state_json ? state_json : "", err);
		if (r < 0)
			return r;
	}
	return 0;
}
