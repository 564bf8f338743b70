/* moat-agent: PID 1 of a --sandbox=vm microVM, linked statically and placed at
 * /init in the initramfs moat builds (src/vm/initramfs.c).
 *
 * It loads the kernel modules listed in /modules (in that order: moat resolved
 * their dependencies), opens its channel to moat on ttyS1 (src/vm/proto.h),
 * receives the container's process, mounts the bundle rootfs shared over
 * virtio-9p, runs the process chrooted into it with its output relayed as
 * frames, reports the exit status and powers the VM off.  Any failure is sent
 * as a FAIL frame (and printed on the console, ttyS0) before powering off:
 * PID 1 must never exit, that would panic the guest kernel. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "vm/proto.h"

#define CHANNEL "/dev/ttyS1"
#define NEWROOT "/mnt"
#define MAX_ITEMS 4096 /* args, env entries, extra gids */

static int chan = -1;

struct spec {
	char *args[MAX_ITEMS + 1];
	size_t nargs;
	char *env[MAX_ITEMS + 1];
	size_t nenv;
	gid_t gids[MAX_ITEMS];
	size_t ngids;
	char *cwd, *hostname;
	uid_t uid;
	gid_t gid;
	bool readonly;
};

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int send_frame(unsigned type, const void *payload, size_t len)
{
	uint8_t h[VMP_HEADER];
	vmp_header(h, type, len);
	if (write_all(chan, h, sizeof(h)) < 0 || write_all(chan, payload, len) < 0)
		return -1;
	return 0;
}

static __attribute__((noreturn)) void power_off(void)
{
	if (chan >= 0)
		tcdrain(chan);
	sync();
	reboot(RB_POWER_OFF);
	/* reboot() only returns on failure; the kernel's panic=-1 then resets,
	 * and QEMU's -no-reboot turns that into an exit too */
	for (;;)
		pause();
}

static __attribute__((noreturn, format(printf, 1, 2))) void fail(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	size_t len = n < 0 ? 0 : (size_t)n >= sizeof(msg) ? sizeof(msg) - 1 : (size_t)n;
	dprintf(2, "moat-agent: %s\n", msg);
	if (chan >= 0)
		send_frame(VMP_FAIL, msg, len);
	power_off();
}

static int read_full(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;
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

static void mount_or_fail(const char *src, const char *dst, const char *type, unsigned long flags, const char *data)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, flags, data) < 0)
		fail("mount %s on %s: %s", type, dst, strerror(errno));
}

static void load_modules(void)
{
	FILE *f = fopen("/modules", "re");
	if (!f)
		fail("open /modules: %s", strerror(errno));
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!line[0])
			continue;
		int fd = open(line, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			fail("open module %s: %s", line, strerror(errno));
		if (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST)
			fail("load module %s: %s", line, strerror(errno));
		close(fd);
	}
	fclose(f);
}

static void open_channel(void)
{
	chan = open(CHANNEL, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (chan < 0)
		fail("open %s: %s", CHANNEL, strerror(errno));
	struct termios t;
	if (tcgetattr(chan, &t) < 0)
		fail("tcgetattr %s: %s", CHANNEL, strerror(errno));
	/* a byte stream: no echo, no line editing, no CR/LF translation, no
	 * software flow control */
	cfmakeraw(&t);
	t.c_cflag &= ~(tcflag_t)CRTSCTS;
	t.c_cflag |= CLOCAL | CREAD;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	cfsetspeed(&t, B115200);
	if (tcsetattr(chan, TCSANOW, &t) < 0)
		fail("tcsetattr %s: %s", CHANNEL, strerror(errno));
}

static char *field_string(const uint8_t *v, size_t len)
{
	if (memchr(v, '\0', len))
		fail("spec: a string field contains a NUL byte");
	char *s = malloc(len + 1);
	if (!s)
		fail("spec: out of memory");
	memcpy(s, v, len);
	s[len] = '\0';
	return s;
}

static void parse_spec(const uint8_t *p, size_t len, struct spec *s)
{
	size_t off = 0;
	while (off < len) {
		if (len - off < 3)
			fail("spec: truncated field header");
		unsigned tag = p[off];
		size_t flen = (size_t)p[off + 1] | (size_t)p[off + 2] << 8;
		off += 3;
		if (flen > len - off)
			fail("spec: field %u overruns the frame", tag);
		const uint8_t *v = p + off;
		off += flen;
		switch (tag) {
		case VMT_ARG:
			if (s->nargs == MAX_ITEMS)
				fail("spec: too many args");
			s->args[s->nargs++] = field_string(v, flen);
			break;
		case VMT_ENV:
			if (s->nenv == MAX_ITEMS)
				fail("spec: too many env entries");
			s->env[s->nenv++] = field_string(v, flen);
			break;
		case VMT_CWD:
			s->cwd = field_string(v, flen);
			break;
		case VMT_HOSTNAME:
			s->hostname = field_string(v, flen);
			break;
		case VMT_UID:
		case VMT_GID:
		case VMT_GID_EXTRA:
			if (flen != 4)
				fail("spec: field %u must be 4 bytes", tag);
			if (tag == VMT_UID)
				s->uid = vmp_get32(v);
			else if (tag == VMT_GID)
				s->gid = vmp_get32(v);
			else if (s->ngids == MAX_ITEMS)
				fail("spec: too many additional gids");
			else
				s->gids[s->ngids++] = vmp_get32(v);
			break;
		case VMT_READONLY:
			if (flen != 1)
				fail("spec: field %u must be 1 byte", tag);
			s->readonly = v[0] != 0;
			break;
		default:
			fail("spec: unknown field %u", tag);
		}
	}
	if (!s->nargs)
		fail("spec: no process args");
	if (!s->cwd || s->cwd[0] != '/')
		fail("spec: cwd must be an absolute path");
}

static void receive_spec(struct spec *s)
{
	static uint8_t payload[VMP_MAX_PAYLOAD];
	uint8_t h[VMP_HEADER];
	unsigned type;
	size_t len;
	if (read_full(chan, h, sizeof(h)) < 0)
		fail("channel closed before the spec");
	if (vmp_parse_header(h, &type, &len) < 0 || type != VMP_SPEC)
		fail("expected a spec frame");
	if (read_full(chan, payload, len) < 0)
		fail("channel closed inside the spec");
	parse_spec(payload, len, s);
}

/* The 9p device may register a moment after its driver loads. */
static void mount_rootfs(const struct spec *s)
{
	mkdir(NEWROOT, 0755);
	unsigned long flags = MS_NODEV | (s->readonly ? MS_RDONLY : 0);
	const char *opts = "trans=virtio,version=9p2000.L,msize=262144,access=client,posixacl";
	for (int tries = 0;; tries++) {
		if (mount("rootfs", NEWROOT, "9p", flags, opts) == 0)
			return;
		if (errno != ENOENT || tries == 200)
			fail("mount the shared rootfs: %s", strerror(errno));
		usleep(10000);
	}
}

/* The container's /proc, /sys and a minimal /dev, where the rootfs has the
 * directories to mount them on. */
static void mount_container_fs(void)
{
	struct stat st;
	if (stat(NEWROOT "/proc", &st) == 0 && mount("proc", NEWROOT "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		fail("mount /proc: %s", strerror(errno));
	if (stat(NEWROOT "/sys", &st) == 0 &&
	    mount("sysfs", NEWROOT "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, NULL) < 0)
		fail("mount /sys: %s", strerror(errno));
	if (stat(NEWROOT "/dev", &st) < 0)
		return;
	if (mount("tmpfs", NEWROOT "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755,size=65536k") < 0)
		fail("mount /dev: %s", strerror(errno));
	static const struct {
		const char *name;
		unsigned maj, min;
	} devs[] = {{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};
	char path[64];
	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		snprintf(path, sizeof(path), NEWROOT "/dev/%s", devs[i].name);
		if (mknod(path, S_IFCHR | 0666, makedev(devs[i].maj, devs[i].min)) < 0)
			fail("mknod %s: %s", path, strerror(errno));
		chmod(path, 0666); /* mknod's mode is filtered by the umask */
	}
	static const char *const links[][2] = {{"/proc/self/fd", "fd"},     {"/proc/self/fd/0", "stdin"},
					       {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"}};
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(path, sizeof(path), NEWROOT "/dev/%s", links[i][1]);
		if (symlink(links[i][0], path) < 0)
			fail("symlink %s: %s", path, strerror(errno));
	}
	mkdir(NEWROOT "/dev/shm", 01777);
	mkdir(NEWROOT "/dev/pts", 0755);
	if (mount("devpts", NEWROOT "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=620") < 0)
		fail("mount /dev/pts: %s", strerror(errno));
}

static const char *env_get(const struct spec *s, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < s->nenv; i++)
		if (!strncmp(s->env[i], name, n) && s->env[i][n] == '=')
			return s->env[i] + n + 1;
	return NULL;
}

/* In the child: exec args[0], searched in the process's PATH when it has no
 * slash, as runc does.  Returns only on failure, with errno set. */
static void exec_process(const struct spec *s)
{
	const char *file = s->args[0];
	if (strchr(file, '/')) {
		execve(file, s->args, s->env);
		return;
	}
	const char *path = env_get(s, "PATH");
	char *dirs = strdup(path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	int saved = ENOENT;
	char *save = NULL;
	for (char *d = dirs ? strtok_r(dirs, ":", &save) : NULL; d; d = strtok_r(NULL, ":", &save)) {
		char full[4096];
		if ((size_t)snprintf(full, sizeof(full), "%s/%s", d, file) >= sizeof(full))
			continue;
		execve(full, s->args, s->env);
		if (errno != ENOENT)
			saved = errno;
	}
	errno = saved;
}

static __attribute__((noreturn)) void child(const struct spec *s, int out, int errfd, const sigset_t *mask)
{
	int null = open("/dev/null", O_RDWR);
	if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(errfd, 2) < 0)
		_exit(126);
	sigprocmask(SIG_SETMASK, mask, NULL);
	setsid();
	if (chroot(NEWROOT) < 0 || chdir("/") < 0) {
		dprintf(2, "moat-agent: chroot into the rootfs: %s\n", strerror(errno));
		_exit(126);
	}
	if (setgroups(s->ngids, s->gids) < 0 || setgid(s->gid) < 0 || setuid(s->uid) < 0) {
		dprintf(2, "moat-agent: set uid %u gid %u: %s\n", (unsigned)s->uid, (unsigned)s->gid, strerror(errno));
		_exit(126);
	}
	if (chdir(s->cwd) < 0) {
		dprintf(2, "moat-agent: chdir %s: %s\n", s->cwd, strerror(errno));
		_exit(126);
	}
	exec_process(s);
	dprintf(2, "moat-agent: exec %s: %s\n", s->args[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/* Relay one read from a pipe as a frame; false at end of file. */
static bool relay(int fd, unsigned type)
{
	uint8_t buf[VMP_OUTPUT_CHUNK];
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	if (send_frame(type, buf, (size_t)n) < 0)
		fail("write to the channel: %s", strerror(errno));
	return true;
}

/* Host -> guest frames while the process runs: SIGNAL only. */
static void channel_input(uint8_t *buf, size_t *have, pid_t pid)
{
	ssize_t n = read(chan, buf + *have, VMP_HEADER + 1 - *have);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0)
		fail("channel closed");
	*have += (size_t)n;
	if (*have < VMP_HEADER)
		return;
	unsigned type;
	size_t len;
	if (vmp_parse_header(buf, &type, &len) < 0 || type != VMP_SIGNAL || len != 1)
		fail("unexpected frame from the host");
	if (*have < VMP_HEADER + 1)
		return;
	kill(pid, buf[VMP_HEADER]);
	*have = 0;
}

static int run(const struct spec *s)
{
	int out[2], errp[2];
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0)
		fail("pipe: %s", strerror(errno));
	sigset_t chld, old;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);
	int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		fail("signalfd: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (pid == 0)
		child(s, out[1], errp[1], &old);
	close(out[1]);
	close(errp[1]);
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	fcntl(errp[0], F_SETFL, O_NONBLOCK);

	uint8_t in[VMP_HEADER + 1];
	size_t have = 0;
	int status = -1;
	bool out_open = true, err_open = true;
	/* until the process has exited and its output is drained; a background
	 * process still holding the pipes does not keep the VM up */
	while (status < 0 || out_open || err_open) {
		struct pollfd p[4] = {{out[0], POLLIN, 0}, {errp[0], POLLIN, 0}, {chan, POLLIN, 0}, {sfd, POLLIN, 0}};
		if (!out_open)
			p[0].fd = -1;
		if (!err_open)
			p[1].fd = -1;
		int n = poll(p, 4, status < 0 ? -1 : 0);
		if (n < 0 && errno != EINTR)
			fail("poll: %s", strerror(errno));
		if (n == 0)
			break;
		if (p[0].revents)
			out_open = relay(out[0], VMP_STDOUT);
		if (p[1].revents)
			err_open = relay(errp[0], VMP_STDERR);
		if (p[2].revents)
			channel_input(in, &have, pid);
		if (p[3].revents) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) > 0)
				;
			int ws;
			pid_t w;
			/* PID 1 reaps every orphan; only the process's status counts */
			while ((w = waitpid(-1, &ws, WNOHANG)) > 0)
				if (w == pid)
					status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
		}
	}
	return status;
}

int main(void)
{
	mount_or_fail("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
	mount_or_fail("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount_or_fail("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	load_modules();
	open_channel();
	if (send_frame(VMP_HELLO, NULL, 0) < 0)
		fail("write to the channel: %s", strerror(errno));
	static struct spec s;
	receive_spec(&s);
	mount_rootfs(&s);
	mount_container_fs();
	if (s.hostname && sethostname(s.hostname, strlen(s.hostname)) < 0)
		fail("sethostname %s: %s", s.hostname, strerror(errno));
	uint8_t st[4];
	vmp_put32(st, (uint32_t)run(&s));
	if (send_frame(VMP_EXIT, st, sizeof(st)) < 0)
		fail("write to the channel: %s", strerror(errno));
	power_off();
}
