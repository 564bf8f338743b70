/* The host side of --sandbox=vm: start QEMU on the guest kernel and moat's
 * initramfs, share the bundle's rootfs over virtio-9p, and speak the agent's
 * protocol (vm/proto.h) on the guest's second serial port, whose host end is
 * one half of a socketpair handed to QEMU.
 *
 * The machine is q35 with no default devices: its PCI bus carries the 9p
 * device, COM1 is the guest kernel's console (a log file in the state
 * directory), COM2 the agent's channel.  KVM when /dev/kvm works, else TCG;
 * MOAT_VM_ACCEL=kvm|tcg forces one.  QEMU runs in its own process group (a
 * terminal's ^C reaches moat, which forwards it to the container process),
 * dies with moat (PR_SET_PDEATHSIG), and under its own seccomp filter. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "oci/state.h"
#include "util/fs.h"
#include "util/log.h"
#include "vm/proto.h"
#include "vm/vm.h"

#define QEMU "qemu-system-x86_64"
#define CHANNEL_FD 3              /* the socket's number in QEMU */
#define DEFAULT_MEMORY_MIB 256
#define MIN_MEMORY_MIB 128        /* the Debian kernel and initramfs need about this */
#define BOOT_TIMEOUT_MS 45000     /* from QEMU's start to the agent's HELLO: TCG needs ~2 s */
#define POWEROFF_TIMEOUT_MS 10000 /* from EXIT or FAIL to QEMU's exit */

/* The spec frame ---------------------------------------------------------- */

struct buf {
	uint8_t data[VMP_HEADER + VMP_MAX_PAYLOAD];
	size_t len; /* of the payload, after the header */
	bool overflow;
};

static void put_field(struct buf *b, unsigned tag, const void *v, size_t len)
{
	if (len > 0xffff || VMP_MAX_PAYLOAD - b->len < 3 + len) {
		b->overflow = true;
		return;
	}
	uint8_t *p = b->data + VMP_HEADER + b->len;
	p[0] = (uint8_t)tag;
	p[1] = (uint8_t)(len & 0xff);
	p[2] = (uint8_t)(len >> 8);
	memcpy(p + 3, v, len);
	b->len += 3 + len;
}

static void put_u32(struct buf *b, unsigned tag, uint32_t v)
{
	uint8_t x[4];
	vmp_put32(x, v);
	put_field(b, tag, x, sizeof(x));
}

static int spec_frame(const struct oci_spec *spec, struct buf *b, struct moat_err *err)
{
	const struct oci_process *p = spec->process;
	b->len = 0;
	b->overflow = false;
	for (char **a = p->args; a && *a; a++)
		put_field(b, VMT_ARG, *a, strlen(*a));
	for (char **e = p->env; e && *e; e++)
		put_field(b, VMT_ENV, *e, strlen(*e));
	const char *cwd = p->cwd ? p->cwd : "/";
	put_field(b, VMT_CWD, cwd, strlen(cwd));
	if (spec->hostname)
		put_field(b, VMT_HOSTNAME, spec->hostname, strlen(spec->hostname));
	put_u32(b, VMT_UID, p->uid);
	put_u32(b, VMT_GID, p->gid);
	for (size_t i = 0; i < p->n_additional_gids; i++)
		put_u32(b, VMT_GID_EXTRA, p->additional_gids[i]);
	uint8_t ro = spec->root_readonly;
	put_field(b, VMT_READONLY, &ro, 1);
	if (b->overflow)
		return moat_fail(err, E2BIG, "vm: process args and env exceed the %u bytes sandbox level vm carries",
				 VMP_MAX_PAYLOAD);
	vmp_header(b->data, VMP_SPEC, b->len);
	return 0;
}

/* What this version does not carry into the VM fails before anything starts. */
static int check_spec(const struct oci_spec *spec, struct moat_err *err)
{
	if (!spec->process)
		return moat_fail(err, EINVAL, "run: config.json has no process to run");
	if (spec->process->terminal)
		return moat_fail(err, ENOTSUP, "vm: process.terminal is not supported at sandbox level vm in this version");
	if (!spec->process->args || !spec->process->args[0])
		return moat_fail(err, EINVAL, "vm: process.args is empty");
	for (size_t i = 0; i < spec->n_mounts; i++)
		if (spec->mounts[i].bind)
			return moat_fail(err, ENOTSUP,
					 "vm: mount %s: bind mounts of host paths are not supported at sandbox level vm "
					 "in this version",
					 spec->mounts[i].destination);
	for (int k = 0; k < HOOK_KINDS; k++)
		if (spec->n_hooks[k])
			return moat_fail(err, ENOTSUP, "vm: hooks are not supported at sandbox level vm in this version");
	return 0;
}

/* The machine --------------------------------------------------------------- */

static bool kvm_usable(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool ok = ioctl(fd, KVM_GET_API_VERSION, 0) == KVM_API_VERSION;
	close(fd);
	return ok;
}

static int choose_accel(bool *kvm, struct moat_err *err)
{
	const char *a = getenv("MOAT_VM_ACCEL");
	if (!a || !a[0]) {
		*kvm = kvm_usable();
		return 0;
	}
	if (!strcmp(a, "tcg")) {
		*kvm = false;
		return 0;
	}
	if (!strcmp(a, "kvm")) {
		*kvm = kvm_usable();
		return *kvm ? 0 : moat_fail(err, ENODEV, "vm: MOAT_VM_ACCEL=kvm but /dev/kvm is not usable");
	}
	return moat_fail(err, EINVAL, "vm: MOAT_VM_ACCEL must be kvm or tcg, not '%s'", a);
}

/* Memory from linux.resources.memory.limit, vCPUs from the CPU quota. */
static void machine_size(const struct oci_spec *spec, long *mib, long *cpus)
{
	*mib = DEFAULT_MEMORY_MIB;
	*cpus = 1;
	json_t *mem = spec->resources ? json_object_get(spec->resources, "memory") : NULL;
	json_t *limit = mem ? json_object_get(mem, "limit") : NULL;
	if (json_is_integer(limit) && json_integer_value(limit) > 0) {
		json_int_t v = (json_integer_value(limit) + (1 << 20) - 1) >> 20;
		*mib = v < MIN_MEMORY_MIB ? MIN_MEMORY_MIB : v > 65536 ? 65536 : (long)v;
	}
	json_t *cpu = spec->resources ? json_object_get(spec->resources, "cpu") : NULL;
	json_t *quota = cpu ? json_object_get(cpu, "quota") : NULL;
	json_t *period = cpu ? json_object_get(cpu, "period") : NULL;
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	if (json_is_integer(quota) && json_integer_value(quota) > 0) {
		json_int_t per = json_is_integer(period) && json_integer_value(period) > 0 ? json_integer_value(period)
											    : 100000;
		json_int_t n = (json_integer_value(quota) + per - 1) / per;
		*cpus = n < 1 ? 1 : n > online && online > 0 ? online : (long)n;
	}
}

/* A value in a QEMU key=value option list: commas are doubled. */
static char *qemu_escape(const char *s)
{
	size_t n = strlen(s), commas = 0;
	for (const char *p = s; *p; p++)
		commas += *p == ',';
	char *out = malloc(n + commas + 1), *w = out;
	if (!out)
		return NULL;
	for (const char *p = s; *p; p++) {
		*w++ = *p;
		if (*p == ',')
			*w++ = ',';
	}
	*w = '\0';
	return out;
}

struct argv {
	char *v[64];
	int n;
	bool oom;
};

static __attribute__((format(printf, 2, 3))) void arg(struct argv *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s || a->n == (int)(sizeof(a->v) / sizeof(a->v[0])) - 1) {
		free(s);
		a->oom = true;
		return;
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

static void argv_free(struct argv *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->v[i]);
	a->n = 0;
}

static int qemu_argv(const struct oci_spec *spec, const struct vm_boot *b, const char *dir, bool kvm,
		     struct argv *a, struct moat_err *err)
{
	long mib, cpus;
	machine_size(spec, &mib, &cpus);
	char *rootfs = qemu_escape(spec->rootfs);
	if (!rootfs) {
		a->oom = true;
		goto out;
	}
	arg(a, QEMU);
	arg(a, "-nodefaults");
	arg(a, "-no-user-config");
	arg(a, "-display");
	arg(a, "none");
	arg(a, "-machine");
	arg(a, "q35");
	arg(a, "-accel");
	arg(a, kvm ? "kvm" : "tcg");
	if (kvm) {
		arg(a, "-cpu");
		arg(a, "host");
	}
	arg(a, "-m");
	arg(a, "%ld", mib);
	arg(a, "-smp");
	arg(a, "%ld", cpus);
	arg(a, "-kernel");
	arg(a, "%s", b->image);
	arg(a, "-initrd");
	arg(a, "%s", b->initramfs);
	/* quiet: kernel messages cost a VM exit per byte on the emulated UART;
	 * panic=-1 and -no-reboot turn a guest panic into QEMU's exit */
	arg(a, "-append");
	arg(a, "console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init");
	arg(a, "-no-reboot");
	arg(a, "-serial");
	arg(a, "file:%s/console.log", dir); /* the rest of a file: spec is the path, commas and all */
	arg(a, "-chardev");
	arg(a, "socket,id=agent,fd=%d", CHANNEL_FD);
	arg(a, "-serial");
	arg(a, "chardev:agent");
	/* passthrough: the guest's uids and modes are the files' on the host
	 * (QEMU runs as root); as another user QEMU can only keep its own */
	arg(a, "-fsdev");
	arg(a, "local,id=rootfs,path=%s,security_model=%s,multidevs=remap%s", rootfs,
	    geteuid() == 0 ? "passthrough" : "none", spec->root_readonly ? ",readonly=on" : "");
	arg(a, "-device");
	arg(a, "virtio-9p-pci,fsdev=rootfs,mount_tag=rootfs");
	arg(a, "-sandbox");
	arg(a, "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny");
out:
	free(rootfs);
	if (a->oom) {
		argv_free(a);
		return moat_fail_errno(err, ENOMEM, "vm: QEMU command line");
	}
	return 0;
}

/* The last non-empty line of a log file in the state directory, or "". */
static void last_line(const char *dir, const char *name, char *out, size_t size)
{
	char path[PATH_MAX], *text = NULL;
	size_t len = 0;
	struct moat_err ignored;
	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (read_file_at(AT_FDCWD, path, 1u << 20, &text, &len, &ignored) < 0)
		return;
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	text[len] = '\0';
	char *start = memrchr(text, '\n', len);
	start = start ? start + 1 : text;
	for (char *p = start; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	snprintf(out, size, "%s", start);
	free(text);
}

static pid_t spawn_qemu(struct argv *a, int chan, const char *dir, const sigset_t *mask, struct moat_err *err)
{
	char log[PATH_MAX];
	snprintf(log, sizeof(log), "%s/qemu.log", dir);
	int logfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (logfd < 0)
		return moat_fail_errno(err, errno, "vm: create %s", log);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		close(logfd);
		return moat_fail_errno(err, errno, "vm: fork");
	}
	if (pid == 0) {
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		int null = open("/dev/null", O_RDONLY);
		if (null < 0 || dup2(null, 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0 ||
		    dup2(chan, CHANNEL_FD) < 0 || fcntl(CHANNEL_FD, F_SETFD, 0) < 0)
			_exit(127);
		sigprocmask(SIG_SETMASK, mask, NULL);
		execvp(a->v[0], a->v);
		dprintf(2, "exec %s: %s\n", a->v[0], strerror(errno));
		_exit(127);
	}
	close(logfd);
	return pid;
}

/* The session ------------------------------------------------------------- */

struct session {
	const char *dir;
	int chan, pidfd, sfd;
	pid_t pid;
	struct buf *spec;
	bool kvm;
	long start_ms;        /* QEMU's start, for the debug log's timings */
	bool hello, exited, failed;
	int status;           /* the process's, after EXIT */
	char fail_msg[600];   /* after FAIL */
	uint8_t in[VMP_HEADER + VMP_OUTPUT_CHUNK + 512];
	size_t have;
};

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Handle the complete frames in s->in. */
static int frames(struct session *s, struct moat_err *err)
{
	size_t off = 0;
	int r = 0;
	while (r == 0 && s->have - off >= VMP_HEADER) {
		unsigned type;
		size_t len;
		if (vmp_parse_header(s->in + off, &type, &len) < 0) {
			r = moat_fail(err, EPROTO, "vm: malformed frame from the guest agent");
			break;
		}
		if (s->have - off < VMP_HEADER + len)
			break;
		const uint8_t *p = s->in + off + VMP_HEADER;
		off += VMP_HEADER + len;
		if (s->exited || s->failed)
			continue; /* the agent is powering off; nothing after its last word counts */
		switch (type) {
		case VMP_HELLO:
			if (s->hello) {
				r = moat_fail(err, EPROTO, "vm: the guest agent said hello twice");
				break;
			}
			s->hello = true;
			log_debug("vm: guest agent ready %ld ms after QEMU started", now_ms() - s->start_ms);
			if (write_all(s->chan, s->spec->data, VMP_HEADER + s->spec->len) < 0)
				r = moat_fail_errno(err, errno, "vm: send the spec to the guest agent");
			break;
		case VMP_STDOUT:
		case VMP_STDERR:
			if (!s->hello) {
				r = moat_fail(err, EPROTO, "vm: output from the guest agent before its hello");
				break;
			}
			/* a reader that went away loses the rest; the container runs on */
			write_all(type == VMP_STDOUT ? 1 : 2, p, len);
			break;
		case VMP_EXIT: {
			uint32_t st = len == 4 ? vmp_get32(p) : UINT32_MAX;
			if (st > 255) {
				r = moat_fail(err, EPROTO, "vm: bad exit status from the guest agent");
				break;
			}
			s->exited = true;
			s->status = (int)st;
			log_debug("vm: process exited with %u, %ld ms after QEMU started", st, now_ms() - s->start_ms);
			break;
		}
		case VMP_FAIL:
			s->failed = true;
			snprintf(s->fail_msg, sizeof(s->fail_msg), "%.*s", (int)len, (const char *)p);
			for (char *c = s->fail_msg; *c; c++)
				if ((unsigned char)*c < 0x20)
					*c = ' ';
			break;
		default:
			r = moat_fail(err, EPROTO, "vm: unexpected frame type %u from the guest agent", type);
		}
	}
	memmove(s->in, s->in + off, s->have - off);
	s->have -= off;
	return r;
}

/* Read what the channel holds and handle its complete frames; *eof at its end. */
static int channel_read(struct session *s, bool *eof, struct moat_err *err)
{
	ssize_t n = read(s->chan, s->in + s->have, sizeof(s->in) - s->have);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : moat_fail_errno(err, errno, "vm: read from the guest");
	if (n == 0) {
		*eof = true;
		return 0;
	}
	s->have += (size_t)n;
	return frames(s, err);
}

static int forward_signal(struct session *s, int sig, struct moat_err *err)
{
	if (!s->hello || s->exited || s->failed) {
		/* nothing runs yet (or any more) to receive it: stop the VM */
		syscall(SYS_pidfd_send_signal, s->pidfd, SIGKILL, NULL, 0);
		return moat_fail(err, EINTR, "vm: interrupted by signal %d before the container process ran", sig);
	}
	uint8_t f[VMP_HEADER + 1];
	vmp_header(f, VMP_SIGNAL, 1);
	f[VMP_HEADER] = (uint8_t)sig;
	if (write_all(s->chan, f, sizeof(f)) < 0)
		return moat_fail_errno(err, errno, "vm: forward signal %d", sig);
	return 0;
}

/* Why QEMU ended without the process's status. */
static int qemu_died(struct session *s, int ws, struct moat_err *err)
{
	char qlog[300], console[300];
	last_line(s->dir, "qemu.log", qlog, sizeof(qlog));
	last_line(s->dir, "console.log", console, sizeof(console));
	if (s->failed)
		return moat_fail(err, EIO, "vm: guest agent: %s", s->fail_msg);
	if (WIFSIGNALED(ws))
		return moat_fail(err, EIO, "vm: QEMU (pid %d) was killed by signal %d before the container exited",
				 s->pid, WTERMSIG(ws));
	if (WEXITSTATUS(ws))
		return moat_fail(err, EIO, "vm: QEMU exited with status %d before the container exited%s%s",
				 WEXITSTATUS(ws), qlog[0] ? ": " : "", qlog);
	return moat_fail(err, EIO, "vm: the guest stopped before the container exited%s%s",
			 console[0] ? "; guest console: " : "", console);
}

static int session_loop(struct session *s, struct moat_err *err)
{
	long start = s->start_ms, stop_by = -1;
	bool eof = false;
	int r = 0;
	for (;;) {
		if ((s->exited || s->failed) && stop_by < 0)
			stop_by = now_ms() + POWEROFF_TIMEOUT_MS;
		long deadline = stop_by >= 0 ? stop_by : s->hello ? -1 : start + BOOT_TIMEOUT_MS;
		int timeout = deadline < 0 ? -1 : deadline > now_ms() ? (int)(deadline - now_ms()) : 0;
		struct pollfd p[3] = {{eof ? -1 : s->chan, POLLIN, 0}, {s->pidfd, POLLIN, 0}, {s->sfd, POLLIN, 0}};
		int n = poll(p, 3, timeout);
		if (n < 0 && errno != EINTR)
			return moat_fail_errno(err, errno, "vm: poll");
		if (n == 0) {
			if (stop_by >= 0) {
				log_warn("vm: QEMU did not exit %d s after the guest powered off; killing it",
					 POWEROFF_TIMEOUT_MS / 1000);
				syscall(SYS_pidfd_send_signal, s->pidfd, SIGKILL, NULL, 0);
				stop_by = now_ms() + POWEROFF_TIMEOUT_MS;
				continue;
			}
			char console[300];
			last_line(s->dir, "console.log", console, sizeof(console));
			/* nested KVM that opens fine yet cannot boot a Linux guest exists
			 * (it hangs after decompression): say how to get past it */
			return moat_fail(err, ETIMEDOUT, "vm: the guest agent did not start within %d s (%s)%s%s",
					 BOOT_TIMEOUT_MS / 1000,
					 s->kvm ? "KVM: if this host's KVM cannot boot guests, set MOAT_VM_ACCEL=tcg" : "TCG",
					 console[0] ? "; guest console: " : "", console);
		}
		if (n < 0)
			continue;
		if (p[0].revents && (r = channel_read(s, &eof, err)) < 0)
			return r;
		if (p[2].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(s->sfd, &si, sizeof(si)) == sizeof(si) && (r = forward_signal(s, (int)si.ssi_signo, err)) < 0)
				return r;
		}
		if (p[1].revents) {
			/* QEMU is gone: what it wrote to the socket is still there */
			while (!eof && channel_read(s, &eof, err) == 0 && !eof)
				;
			int ws = 0;
			while (waitpid(s->pid, &ws, 0) < 0 && errno == EINTR)
				;
			r = s->exited ? s->status : qemu_died(s, ws, err);
			s->pid = 0;
			return r;
		}
	}
}

/* The state `moat list` shows while the VM runs: pid is QEMU's. */
static int save_state(const char *root, const char *id, const struct oci_spec *spec, pid_t pid,
		      struct moat_err *err)
{
	bool zombie;
	struct container_state st = {
		.id = (char *)id,
		.pid = pid,
		.starttime = proc_starttime(pid, &zombie),
		.bundle = spec->bundle,
		.rootfs = spec->rootfs,
		.created = state_timestamp(),
		.owner = geteuid(),
		.sandbox = "vm",
		.annotations = spec->annotations,
		.has_process = true,
	};
	if (!st.created)
		return moat_fail_errno(err, ENOMEM, "vm: state");
	int r = state_save(root, &st, err);
	free(st.created);
	return r;
}

int vm_run(const char *root, const char *id, const struct oci_spec *spec, struct moat_err *err)
{
	int r;
	bool kvm;
	struct vm_boot boot;
	if ((r = check_spec(spec, err)) < 0 || (r = choose_accel(&kvm, err)) < 0 ||
	    (r = vm_boot_files(root, &boot, err)) < 0)
		return r;
	struct buf *spec_buf = malloc(sizeof(*spec_buf));
	if (!spec_buf)
		return moat_fail_errno(err, ENOMEM, "vm");
	if ((r = spec_frame(spec, spec_buf, err)) < 0) {
		free(spec_buf);
		return r;
	}
	if ((r = state_claim(root, id, err)) < 0) {
		free(spec_buf);
		return r;
	}
	char *dir = state_dir(root, id);
	struct argv a = {.n = 0};
	struct session *s = calloc(1, sizeof(*s));
	int sv[2] = {-1, -1};
	static const int fwd[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE};
	sigset_t mask, old;
	sigemptyset(&mask);
	for (size_t i = 0; i < sizeof(fwd) / sizeof(fwd[0]); i++)
		sigaddset(&mask, fwd[i]);
	sigprocmask(SIG_BLOCK, &mask, &old);
	if (!dir || !s) {
		r = moat_fail_errno(err, ENOMEM, "vm");
		goto out;
	}
	*s = (struct session){.dir = dir, .chan = -1, .pidfd = -1, .sfd = -1, .spec = spec_buf, .kvm = kvm};
	if ((r = qemu_argv(spec, &boot, dir, kvm, &a, err)) < 0)
		goto out;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 ||
	    (s->sfd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0) {
		r = moat_fail_errno(err, errno, "vm: channel");
		goto out;
	}
	s->chan = sv[0];
	s->start_ms = now_ms();
	if ((r = spawn_qemu(&a, sv[1], dir, &old, err)) < 0)
		goto out;
	s->pid = r;
	close(sv[1]);
	sv[1] = -1;
	s->pidfd = (int)syscall(SYS_pidfd_open, s->pid, 0);
	if (s->pidfd < 0) {
		r = moat_fail_errno(err, errno, "vm: pidfd_open");
		goto out;
	}
	log_debug("vm %s: QEMU pid %d, %s, kernel %s, initramfs %s", id, s->pid, kvm ? "kvm" : "tcg", boot.image,
		  boot.initramfs);
	if ((r = save_state(root, id, spec, s->pid, err)) < 0)
		goto out;
	r = session_loop(s, err);
out:
	if (s && s->pid > 0) {
		kill(s->pid, SIGKILL);
		while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (s) {
		if (s->pidfd >= 0)
			close(s->pidfd);
		if (s->sfd >= 0)
			close(s->sfd);
	}
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	sigprocmask(SIG_SETMASK, &old, NULL);
	argv_free(&a);
	state_remove(root, id);
	free(dir);
	free(s);
	free(spec_buf);
	return r;
}
