/* sysprobe PROBE: try one kernel entry point and print what happened:
 * "ok", or "errno N NAME".  Built statically so it runs in a busybox rootfs.
 * A probe the kernel kills the process for prints nothing (the caller sees
 * the signal in the exit status). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/sysinfo.h>
#include <termios.h>
#include <unistd.h>

static int report(long r)
{
	if (r < 0) {
		int e = errno;
		printf("errno %d %s\n", e, strerrorname_np(e) ? strerrorname_np(e) : "?");
		return 1;
	}
	printf("ok\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	const char *p = argv[1];
	if (!strcmp(p, "unshare-user"))
		return report(unshare(CLONE_NEWUSER));
	if (!strcmp(p, "unshare-mount"))
		return report(unshare(CLONE_NEWNS));
	if (!strcmp(p, "clone-newuser"))
		return report(syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0));
	if (!strcmp(p, "clone3"))
		return report(syscall(SYS_clone3, NULL, 0));
	if (!strcmp(p, "socket-packet"))
		return report(socket(AF_PACKET, SOCK_RAW, 0));
	if (!strcmp(p, "socket-alg"))
		return report(socket(AF_ALG, SOCK_SEQPACKET, 0));
	if (!strcmp(p, "socket-vsock"))
		return report(socket(AF_VSOCK, SOCK_STREAM, 0));
	if (!strcmp(p, "socket-unix"))
		return report(socket(AF_UNIX, SOCK_STREAM, 0));
	if (!strcmp(p, "socket-inet"))
		return report(socket(AF_INET, SOCK_STREAM, 0));
	if (!strcmp(p, "io-uring"))
		return report(syscall(SYS_io_uring_setup, 1, calloc(1, 120)));
	if (!strcmp(p, "bpf"))
		return report(syscall(SYS_bpf, 0, NULL, 0));
	if (!strcmp(p, "userfaultfd"))
		return report(syscall(SYS_userfaultfd, 0));
	if (!strcmp(p, "keyctl"))
		return report(syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3, 0));
	if (!strcmp(p, "add-key"))
		return report(syscall(SYS_add_key, "user", "x", "y", 1, -3));
	if (!strcmp(p, "perf-event-open")) {
		struct perf_event_attr a = {.type = PERF_TYPE_SOFTWARE, .size = sizeof(a),
					    .config = PERF_COUNT_SW_CPU_CLOCK};
		return report(syscall(SYS_perf_event_open, &a, 0, -1, -1, 0));
	}
	if (!strcmp(p, "personality-rie"))
		return report(personality(READ_IMPLIES_EXEC));
	if (!strcmp(p, "personality-query"))
		return report(personality(0xffffffff));
	if (!strcmp(p, "tiocsti")) {
		char c = 'x';
		return report(ioctl(0, TIOCSTI, &c));
	}
	if (!strcmp(p, "kexec-load"))
		return report(syscall(SYS_kexec_load, 0, 0, NULL, 0));
	if (!strcmp(p, "init-module"))
		return report(syscall(SYS_init_module, NULL, 0, ""));
	if (!strcmp(p, "mount-tmpfs"))
		return report(mount("none", "/tmp", "tmpfs", 0, NULL));
	if (!strcmp(p, "open-by-handle-at"))
		return report(syscall(SYS_open_by_handle_at, AT_FDCWD, NULL, 0));
	if (!strcmp(p, "ptrace-1"))
		return report(syscall(SYS_ptrace, 16 /* PTRACE_ATTACH */, 1, 0, 0));
	if (!strcmp(p, "modify-ldt"))
		return report(syscall(SYS_modify_ldt, 0, NULL, 0));
	if (!strcmp(p, "getppid"))
		return report(getppid());
	if (!strcmp(p, "uname")) {
		struct utsname u;
		if (uname(&u) < 0)
			return report(-1);
		printf("%s %s %s\n", u.sysname, u.nodename, u.release);
		return 0;
	}
	if (!strcmp(p, "sysinfo")) {
		struct sysinfo si;
		if (sysinfo(&si) < 0)
			return report(-1);
		printf("%llu %u\n", (unsigned long long)si.totalram * si.mem_unit, si.procs);
		return 0;
	}
	fprintf(stderr, "sysprobe: unknown probe %s\n", p);
	return 2;
}
