#include "linux/console.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "util/fs.h"

int console_setup(unsigned rows, unsigned cols, int *master, struct moat_err *err)
{
	int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return moat_fail_errno(err, errno, "open /dev/ptmx (is devpts mounted at /dev/pts?)");
	int unlock = 0;
	if (ioctl(m, TIOCSPTLCK, &unlock) < 0) {
		int e = errno;
		close(m);
		return moat_fail_errno(err, e, "unlock pty");
	}
	int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (s < 0) {
		int e = errno;
		close(m);
		return moat_fail_errno(err, e, "open pty slave");
	}
	if (rows || cols) {
		struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
		ioctl(s, TIOCSWINSZ, &ws);
	}
	/* /dev/console is what programs in the container expect their terminal to be */
	char slave_path[64];
	snprintf(slave_path, sizeof(slave_path), "/proc/self/fd/%d", s);
	int c = open("/dev/console", O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (c >= 0) {
		close(c);
		mount(slave_path, "/dev/console", NULL, MS_BIND, NULL);
	}
	if (setsid() < 0 && errno != EPERM) {
		int e = errno;
		close(s);
		close(m);
		return moat_fail_errno(err, e, "setsid");
	}
	if (ioctl(s, TIOCSCTTY, 0) < 0) {
		int e = errno;
		close(s);
		close(m);
		return moat_fail_errno(err, e, "set controlling terminal");
	}
	for (int fd = 0; fd < 3; fd++)
		if (dup2(s, fd) < 0) {
			int e = errno;
			close(s);
			close(m);
			return moat_fail_errno(err, e, "dup pty to fd %d", fd);
		}
	if (s > 2)
		close(s);
	*master = m;
	return 0;
}

int console_detach(struct moat_err *err)
{
	if (setsid() < 0 && errno != EPERM)
		return moat_fail_errno(err, errno, "setsid");
	return 0;
}

int console_send(const char *path, int master, struct moat_err *err)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(addr.sun_path))
		return moat_fail(err, ENAMETOOLONG, "console socket path %s is too long", path);
	strcpy(addr.sun_path, path);
	int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return moat_fail_errno(err, errno, "console socket");
	if (connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int e = errno;
		close(sock);
		return moat_fail_errno(err, e, "connect to console socket %s", path);
	}
	/* runc sends the pty's name as the message body */
	char name[] = "/dev/ptmx";
	struct iovec iov = {.iov_base = name, .iov_len = sizeof(name) - 1};
	char cbuf[CMSG_SPACE(sizeof(int))];
	memset(cbuf, 0, sizeof(cbuf));
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &master, sizeof(int));
	ssize_t n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	int e = errno;
	close(sock);
	if (n < 0)
		return moat_fail_errno(err, e, "send pty to console socket %s", path);
	return 0;
}

static void copy_winsize(int from, int to)
{
	struct winsize ws;
	if (ioctl(from, TIOCGWINSZ, &ws) == 0)
		ioctl(to, TIOCSWINSZ, &ws);
}

int console_relay(int master, int pidfd, struct moat_err *err)
{
	struct termios saved, raw;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
	if (tty) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
		copy_winsize(STDIN_FILENO, master);
	}
	sigset_t mask, old;
	sigemptyset(&mask);
	sigaddset(&mask, SIGWINCH);
	sigprocmask(SIG_BLOCK, &mask, &old);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	struct pollfd p[4] = {
		{.fd = STDIN_FILENO, .events = POLLIN},
		{.fd = master, .events = POLLIN},
		{.fd = pidfd, .events = POLLIN},
		{.fd = sfd, .events = POLLIN},
	};
	char buf[8192];
	int r = 0;
	bool exited = false;
	for (;;) {
		int n = poll(p, 4, exited ? 0 : -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = moat_fail_errno(err, errno, "poll console");
			break;
		}
		if (n == 0)
			break; /* process gone and its output drained */
		if (p[2].revents)
			exited = true;
		if (p[3].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) > 0 && tty)
				copy_winsize(STDIN_FILENO, master);
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t k = read(master, buf, sizeof(buf));
			if (k <= 0) {
				if (exited || k == 0 || errno == EIO)
					break;
			} else if (write_all(STDOUT_FILENO, buf, (size_t)k) < 0) {
				p[1].fd = -1;
			}
		}
		if (p[0].revents & (POLLIN | POLLHUP)) {
			ssize_t k = read(STDIN_FILENO, buf, sizeof(buf));
			if (k <= 0)
				p[0].fd = -1; /* our stdin ended; the container keeps running */
			else
				write_all(master, buf, (size_t)k);
		}
	}
	if (sfd >= 0)
		close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	return r;
}
