/* sentry/table.c and sentry/filter.c: the table covers every syscall, its
 * entries are well formed, and a loaded filter really does what the table
 * says, in a forked child. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>

#include <cmocka.h>
#include <linux/netlink.h>

#include "sentry/filter.h"
#include "sentry/table.h"
#include "util/json.h"

#include <seccomp.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Linux syscall numbers stay below this on x86_64 and aarch64 (x32's start
 * at 0x40000000, a separate ABI). */
#define MAX_NR 1024

/* Newer than libseccomp 2.5.4's table: the table decides them already, the
 * filter skips them until libseccomp knows their numbers. */
static const char *const newer_than_libseccomp[] = {
	"statmount",	"listmount",	 "lsm_get_self_attr", "lsm_set_self_attr", "lsm_list_modules",
	"mseal",	"setxattrat",	 "getxattrat",	      "listxattrat",	   "removexattrat",
	"open_tree_attr", "file_getattr", "file_setattr",      "uretprobe",
};

/* A user-notify round trip costs 5-50 us here: these must never leave BPF. */
static const char *const hot[] = {
	"read",		"write",	 "readv",	 "writev",	"pread64",	   "pwrite64",
	"close",	"lseek",	 "fstat",	 "fcntl",	"dup",		   "getdents64",
	"futex",	"mmap",		 "munmap",	 "mprotect",	"madvise",	   "brk",
	"clock_gettime", "clock_nanosleep", "nanosleep", "gettimeofday", "epoll_wait",	   "epoll_pwait",
	"epoll_pwait2", "epoll_ctl",	 "poll",	 "ppoll",	"select",	   "pselect6",
	"getpid",	"gettid",	 "getppid",	 "sched_yield", "rt_sigprocmask", "rt_sigaction",
	"rt_sigreturn", "recvfrom",	 "sendto",	 "recvmsg",	"sendmsg",	   "getrandom",
	"exit_group",
};

static void covers_arch(uint32_t arch, const char *arch_name)
{
	char missing[4096] = "";
	size_t n_missing = 0;
	for (int nr = 0; nr < MAX_NR; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(arch, nr);
		if (!name)
			continue;
		if (!sentry_lookup(name)) {
			n_missing++;
			size_t len = strlen(missing);
			snprintf(missing + len, sizeof(missing) - len, " %s", name);
		}
		free(name);
	}
	if (n_missing)
		fail_msg("%zu %s syscalls are missing from the table:%s", n_missing, arch_name, missing);
}

static void test_covers_every_syscall(void **state)
{
	(void)state;
	covers_arch(SCMP_ARCH_X86_64, "x86_64");
	covers_arch(SCMP_ARCH_AARCH64, "aarch64");
}

static bool listed(const char *const *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], name) == 0)
			return true;
	return false;
}

static void test_names_are_x86_64_syscalls(void **state)
{
	(void)state;
	size_t n;
	const struct sentry_syscall *t = sentry_table(&n);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < i; j++)
			if (strcmp(t[i].name, t[j].name) == 0)
				fail_msg("'%s' is in the table twice", t[i].name);
		if (seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, t[i].name) < 0 &&
		    !listed(newer_than_libseccomp, N(newer_than_libseccomp), t[i].name))
			fail_msg("'%s' is not an x86_64 syscall libseccomp knows, nor a known newer one", t[i].name);
	}
}

static void test_hot_syscalls_pass(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(hot); i++) {
		const struct sentry_syscall *s = sentry_lookup(hot[i]);
		assert_non_null(s);
		if (s->action != SENTRY_PASS)
			fail_msg("hot syscall '%s' is '%s', not pass", hot[i], sentry_action_name(s->action));
		if (!s->hot)
			fail_msg("hot syscall '%s' is not marked hot, so the filter does not check it first", hot[i]);
	}
	size_t n;
	const struct sentry_syscall *t = sentry_table(&n);
	for (size_t i = 0; i < n; i++)
		if (t[i].hot && t[i].action != SENTRY_PASS)
			fail_msg("'%s' is marked hot but is '%s'", t[i].name, sentry_action_name(t[i].action));
}

static void check_test(const char *name, const struct sentry_test *t)
{
	if (t->arg > 5 || !t->arg_name || t->n_values == 0)
		fail_msg("'%s': malformed argument test", name);
	for (size_t i = 0; i < t->n_values; i++) {
		const struct sentry_value *v = &t->values[i];
		if (!v->name || v->lo > v->hi)
			fail_msg("'%s': malformed value", name);
		/* these compare the low 32 bits, which is all the kernel reads */
		if (t->kind != SENTRY_NOT_IN && v->hi > UINT32_MAX)
			fail_msg("'%s': %s does not fit the 32 bits the test compares", name, v->name);
	}
}

static void test_entries_are_well_formed(void **state)
{
	(void)state;
	size_t n;
	const struct sentry_syscall *t = sentry_table(&n);
	for (size_t i = 0; i < n; i++) {
		const struct sentry_syscall *s = &t[i];
		if (!s->reason || !*s->reason)
			fail_msg("'%s' has no reason", s->name);
		if (s->family >= SENTRY_N_FAMILIES || s->action >= SENTRY_N_ACTIONS)
			fail_msg("'%s': bad family or action", s->name);
		if ((s->action == SENTRY_DENY) != (s->err > 0))
			fail_msg("'%s': an errno belongs to deny entries, and every deny needs one", s->name);
		bool has_checks = s->n_refusals > 0 || s->only;
		if ((s->action == SENTRY_CHECKED) != has_checks)
			fail_msg("'%s': checks belong to checked entries, and every checked entry needs some", s->name);
		if (s->pass_when && s->action != SENTRY_EMULATE)
			fail_msg("'%s': a pass-when form belongs to emulated entries", s->name);
		for (size_t j = 0; j < s->n_refusals; j++) {
			const struct sentry_refusal *r = &s->refusals[j];
			if (r->err <= 0 || r->n_tests < 1 || r->n_tests > SENTRY_MAX_TESTS)
				fail_msg("'%s': refusal %zu needs an errno and one or two tests", s->name, j);
			for (size_t k = 0; k < r->n_tests; k++)
				check_test(s->name, &r->tests[k]);
			/* libseccomp compares each argument once per rule */
			if (r->n_tests == 2 && r->tests[0].arg == r->tests[1].arg)
				fail_msg("'%s': refusal %zu tests one argument twice", s->name, j);
		}
	}
}

static void test_counts(void **state)
{
	(void)state;
	size_t counts[SENTRY_N_ACTIONS], total = 0, n;
	sentry_table(&n);
	sentry_count(counts);
	for (int a = 0; a < SENTRY_N_ACTIONS; a++) {
		assert_true(counts[a] > 0);
		total += counts[a];
	}
	assert_int_equal(total, n);
}

static bool has_line(char **v, const char *needle)
{
	for (size_t i = 0; v[i]; i++)
		if (strstr(v[i], needle))
			return true;
	return false;
}

static void test_lookup_and_words(void **state)
{
	(void)state;
	assert_null(sentry_lookup("foo"));
	const struct sentry_syscall *s = sentry_lookup("clone");
	assert_non_null(s);
	assert_int_equal(s->action, SENTRY_CHECKED);
	assert_string_equal(sentry_action_name(s->action), "checked");
	assert_string_equal(sentry_family_name(s->family), "process");
	char **v = sentry_describe_checks(s);
	assert_non_null(v);
	assert_true(has_line(v, "refused with EPERM when flags has any of CLONE_NEWNS|"));
	assert_true(has_line(v, "CLONE_NEWUSER"));
	strv_free(v);
	v = sentry_describe_checks(sentry_lookup("ioctl"));
	assert_true(has_line(v, "passes only when request is one of TCGETS,"));
	assert_true(has_line(v, "refused with EPERM when request is one of TIOCSTI"));
	strv_free(v);
	v = sentry_describe_checks(sentry_lookup("newfstatat"));
	assert_true(has_line(v, "passes to the host when flags has AT_EMPTY_PATH"));
	strv_free(v);
	v = sentry_describe_checks(sentry_lookup("read"));
	assert_null(v[0]);
	strv_free(v);
	assert_int_equal(sentry_lookup("clone3")->err, ENOSYS);
	assert_int_equal(sentry_lookup("kexec_load")->action, SENTRY_KILL);
	assert_int_equal(sentry_lookup("openat")->action, SENTRY_EMULATE);
	assert_int_equal(sentry_lookup("execve")->action, SENTRY_PASS);
	assert_int_equal(sentry_lookup("kill")->action, SENTRY_PASS);
}

static void test_filter_builds(void **state)
{
	(void)state;
	struct moat_err err;
	struct sentry_filter *f;
	moat_err_clear(&err);
	if (sentry_filter_build(SENTRY_EMULATE_ALLOW, &f, &err) < 0)
		fail_msg("build (allow): %s", err.msg);
	sentry_filter_free(f);
	if (sentry_filter_build(SENTRY_EMULATE_NOTIFY, &f, &err) < 0)
		fail_msg("build (notify): %s", err.msg);
	sentry_filter_free(f);
}

/* In a child ------------------------------------------------------------ */

#define CHECK(n, cond)           \
	do {                     \
		if (!(cond))     \
			return n; \
	} while (0)

static bool fails(long r, int e)
{
	return r == -1 && errno == e;
}

/* Build in the parent (as the runtime will), load in a forked child with
 * no_new_privs (as the container init will) and run body there; body
 * returns 0 or the number of the check that failed.  Returns the wait
 * status. */
static int run_in_child(enum sentry_emulate_mode mode, int (*body)(void))
{
	struct moat_err err;
	struct sentry_filter *f;
	moat_err_clear(&err);
	if (sentry_filter_build(mode, &f, &err) < 0)
		fail_msg("build: %s", err.msg);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int nfd;
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(100);
		if (sentry_filter_load(f, &nfd, &err) < 0) {
			fprintf(stderr, "load: %s\n", err.msg);
			_exit(101);
		}
		/* exit_group directly: exit hooks (sanitizers) may make denied calls */
		syscall(SYS_exit_group, body());
	}
	sentry_filter_free(f);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void exits_zero(int status)
{
	if (WIFSIGNALED(status))
		fail_msg("child killed by signal %d", WTERMSIG(status));
	if (WEXITSTATUS(status) != 0)
		fail_msg("child check %d failed", WEXITSTATUS(status));
}

static int allowed_calls(void)
{
	int p[2];
	char buf[4] = "";
	struct stat st;
	CHECK(1, syscall(SYS_getppid) > 0);
	CHECK(2, pipe2(p, O_CLOEXEC) == 0);
	CHECK(3, write(p[1], "abc", 3) == 3);
	CHECK(4, read(p[0], buf, 3) == 3 && memcmp(buf, "abc", 3) == 0);
	/* glibc's fstat, and an emulated call, which passes in this mode */
	CHECK(5, syscall(SYS_newfstatat, p[0], "", &st, AT_EMPTY_PATH) == 0 && S_ISFIFO(st.st_mode));
	int fd = (int)syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(6, fd >= 0);
	close(fd);
	/* clone without namespace flags: a plain fork */
	long pid = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	if (pid == 0)
		syscall(SYS_exit_group, 7);
	int status;
	CHECK(7, pid > 0 && waitpid((pid_t)pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 7);
	CHECK(8, syscall(SYS_unshare, CLONE_FILES) == 0);
	return 0;
}

static void test_allowed_calls_work(void **state)
{
	(void)state;
	exits_zero(run_in_child(SENTRY_EMULATE_ALLOW, allowed_calls));
}

static int namespaces_and_processes(void)
{
	CHECK(1, fails(syscall(SYS_unshare, CLONE_NEWUSER), EPERM));
	CHECK(2, fails(syscall(SYS_unshare, CLONE_NEWTIME), EPERM));
	CHECK(3, fails(syscall(SYS_unshare, CLONE_FILES | CLONE_NEWNET), EPERM));
	CHECK(4, fails(syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0), EPERM));
	CHECK(5, fails(syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0), EPERM));
	uint64_t clone_args[11] = {0};
	CHECK(6, fails(syscall(SYS_clone3, clone_args, sizeof(clone_args)), ENOSYS));
	CHECK(7, fails(syscall(SYS_setns, 0, 0), EPERM));
	CHECK(8, fails(syscall(SYS_ptrace, 0, 0, 0, 0), EPERM));
	char buf[8];
	struct iovec iov = {buf, sizeof(buf)};
	CHECK(9, fails(syscall(SYS_process_vm_writev, getppid(), &iov, 1, &iov, 1, 0), EPERM));
	/* an unknown syscall number: the default */
	CHECK(10, fails(syscall(999), ENOSYS));
#ifdef SYS_modify_ldt
	CHECK(11, fails(syscall(SYS_modify_ldt, 0, NULL, 0), ENOSYS));
#endif
	return 0;
}

static void test_namespaces_and_processes(void **state)
{
	(void)state;
	exits_zero(run_in_child(SENTRY_EMULATE_ALLOW, namespaces_and_processes));
}

static int sockets(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(1, fd >= 0);
	close(fd);
	CHECK(2, fails(socket(AF_PACKET, SOCK_RAW, 0), EAFNOSUPPORT));
	CHECK(3, fails(socket(AF_ALG, SOCK_SEQPACKET, 0), EAFNOSUPPORT));
	CHECK(4, fails(socket(AF_VSOCK, SOCK_STREAM, 0), EAFNOSUPPORT));
	/* the kernel reads the low half: garbage above must not sneak AF_UNIX through, nor pass at all */
	CHECK(5, fails(syscall(SYS_socket, (1UL << 32) | AF_UNIX, SOCK_STREAM, 0), EAFNOSUPPORT));
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	CHECK(6, fd >= 0);
	close(fd);
	CHECK(7, fails(socket(AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER), EPROTONOSUPPORT));
	CHECK(8, fails(socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT), EPROTONOSUPPORT));
	CHECK(23, fails(syscall(SYS_socket, (1UL << 32) | AF_NETLINK, SOCK_RAW, NETLINK_ROUTE), EAFNOSUPPORT));
	int sv[2];
	CHECK(9, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	close(sv[0]);
	close(sv[1]);
	CHECK(10, fails(socketpair(AF_INET, SOCK_STREAM, 0, sv), EAFNOSUPPORT));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	CHECK(11, fd >= 0);
	int one = 1;
	char blob[64] = {0};
	socklen_t len = sizeof(blob);
	CHECK(12, setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0);
	CHECK(13, setsockopt(fd, SOL_IP, IP_TOS, &one, sizeof(one)) == 0);
	/* IPT_SO_SET_REPLACE, ARPT_SO_SET_REPLACE, EBT_SO_SET_ENTRIES, IPVS, IP6T_SO_GET_REVISION_MATCH */
	CHECK(14, fails(setsockopt(fd, SOL_IP, 64, blob, sizeof(blob)), EPERM));
	CHECK(15, fails(setsockopt(fd, SOL_IP, 96, blob, sizeof(blob)), EPERM));
	CHECK(16, fails(setsockopt(fd, SOL_IP, 128, blob, sizeof(blob)), EPERM));
	CHECK(17, fails(setsockopt(fd, SOL_IP, 1160, blob, sizeof(blob)), EPERM));
	CHECK(18, fails(getsockopt(fd, SOL_IP, 65, blob, &len), EPERM));
	CHECK(19, fails(setsockopt(fd, SOL_IPV6, 64, blob, sizeof(blob)), EPERM));
	CHECK(20, fails(getsockopt(fd, SOL_IPV6, 69, blob, &len), EPERM));
	CHECK(21, fails(syscall(SYS_setsockopt, fd, (1UL << 32) | SOL_IP, 64, blob, sizeof(blob)), EPERM));
	/* IPV6_TCLASS sits between ip6tables' numbers and stays open (the kernel
	 * answers for an IPv4 socket) */
	errno = 0;
	CHECK(22, setsockopt(fd, SOL_IPV6, 67, &one, sizeof(one)) == 0 || errno != EPERM);
	close(fd);
	return 0;
}

static void test_sockets(void **state)
{
	(void)state;
	exits_zero(run_in_child(SENTRY_EMULATE_ALLOW, sockets));
}

static int ioctls_and_prctl(void)
{
	int p[2], n = 0;
	char c = 'x';
	CHECK(1, pipe2(p, O_CLOEXEC) == 0);
	CHECK(2, write(p[1], "ab", 2) == 2);
	CHECK(3, ioctl(p[0], FIONREAD, &n) == 0 && n == 2);
	/* musl sign-extends requests; the low half decides */
	CHECK(4, syscall(SYS_ioctl, p[0], 0xffffffff00000000UL | FIONREAD, &n) == 0);
	/* allowed, and the kernel answers: a pipe is not a terminal */
	struct winsize ws;
	CHECK(5, fails(ioctl(p[0], TIOCGWINSZ, &ws), ENOTTY));
	CHECK(6, fails(ioctl(p[0], TIOCSTI, &c), EPERM));
	CHECK(7, fails(syscall(SYS_ioctl, p[0], (1UL << 32) | TIOCSTI, &c), EPERM));
	CHECK(8, fails(ioctl(p[0], TIOCLINUX, &c), EPERM));
	CHECK(9, fails(ioctl(p[0], TIOCSETD, &n), EPERM));
	/* not on the list */
	CHECK(10, fails(ioctl(p[0], 0x1234, &n), ENOSYS));
	CHECK(11, prctl(PR_SET_NAME, "sentry-test", 0, 0, 0) == 0);
	CHECK(12, prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1);
	CHECK(13, fails(prctl(PR_SET_MM, PR_SET_MM_START_CODE, 0, 0, 0), EINVAL));
	CHECK(14, fails(prctl(PR_SET_PTRACER, 0, 0, 0, 0), EINVAL));
	CHECK(15, fails(syscall(SYS_prctl, (1UL << 32) | PR_SET_NAME, "x", 0, 0, 0), EINVAL));
	/* the query answers; Linux personalities pass; flags that weaken hardening do not */
	CHECK(16, personality(0xffffffff) == PER_LINUX);
	CHECK(17, personality(PER_LINUX) == PER_LINUX);
	CHECK(18, fails(personality(PER_LINUX | READ_IMPLIES_EXEC), EPERM));
	CHECK(19, fails(personality(PER_LINUX | ADDR_NO_RANDOMIZE), EPERM));
	CHECK(20, fails(personality(PER_SVR4), EPERM));
	CHECK(21, personality(0xffffffff) == PER_LINUX);
	return 0;
}

static void test_ioctls_and_prctl(void **state)
{
	(void)state;
	exits_zero(run_in_child(SENTRY_EMULATE_ALLOW, ioctls_and_prctl));
}

static int system_calls(void)
{
	CHECK(1, fails(syscall(SYS_io_uring_setup, 1, NULL), ENOSYS));
	CHECK(2, fails(syscall(SYS_keyctl, 0, 0, 0, 0, 0), ENOSYS));
	CHECK(3, fails(syscall(SYS_add_key, "user", "k", "v", 1, 0), ENOSYS));
	CHECK(4, fails(syscall(SYS_bpf, 0, NULL, 0), EPERM));
	CHECK(5, fails(syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0), EACCES));
	CHECK(6, fails(syscall(SYS_userfaultfd, 0), EPERM));
	CHECK(7, fails(syscall(SYS_mount, "none", "/tmp", "tmpfs", 0, NULL), EPERM));
	CHECK(8, fails(syscall(SYS_umount2, "/tmp", 0), EPERM));
	CHECK(9, fails(syscall(SYS_chroot, "/"), EPERM));
	CHECK(10, fails(syscall(SYS_open_by_handle_at, AT_FDCWD, NULL, 0), EPERM));
	CHECK(11, fails(syscall(SYS_syslog, 3, NULL, 0), EPERM));
	CHECK(12, fails(syscall(SYS_reboot, 0, 0, 0, NULL), EPERM));
	CHECK(13, fails(syscall(SYS_clock_settime, CLOCK_REALTIME, NULL), EPERM));
	CHECK(14, fails(syscall(SYS_fsopen, "tmpfs", 0), EPERM));
	return 0;
}

static void test_system_calls_denied(void **state)
{
	(void)state;
	exits_zero(run_in_child(SENTRY_EMULATE_ALLOW, system_calls));
}

static int kexec(void)
{
	syscall(SYS_kexec_load, 0, 0, NULL, 0);
	return 1;
}

static void test_kill_class_kills(void **state)
{
	(void)state;
	int status = run_in_child(SENTRY_EMULATE_ALLOW, kexec);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSYS)
		fail_msg("kexec_load did not kill the child with SIGSYS (status 0x%x)", status);
}

#ifdef __x86_64__
/* getpid through the ia32 entry (int 0x80, i386 number 20) */
static int ia32_getpid(void)
{
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "r8", "r9", "r10", "r11", "memory");
	return r == getpid() ? 0 : 1;
}

static void test_other_abi_kills(void **state)
{
	(void)state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(ia32_getpid());
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		skip(); /* no ia32 emulation in this kernel */
	status = run_in_child(SENTRY_EMULATE_ALLOW, ia32_getpid);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSYS)
		fail_msg("an ia32 syscall did not kill the child with SIGSYS (status 0x%x)", status);
}
#endif

/* NOTIFY mode: the child hands its listener to the parent, which answers one
 * emulated call; once the listener is closed, emulated calls fail with
 * ENOSYS, while descriptor forms and plain calls never wait for it. */
static int notify_child(int sock)
{
	struct moat_err err;
	struct sentry_filter *f;
	int nfd;
	struct stat st;
	char c;
	if (sentry_filter_build(SENTRY_EMULATE_NOTIFY, &f, &err) < 0)
		return 1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || sentry_filter_load(f, &nfd, &err) < 0)
		return 2;
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	memset(&cm, 0, sizeof(cm));
	struct iovec iov = {.iov_base = "f", .iov_len = 1};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf, .msg_controllen = sizeof(cm.buf)};
	struct cmsghdr *h = CMSG_FIRSTHDR(&mh);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &nfd, sizeof(int));
	if (sendmsg(sock, &mh, 0) != 1)
		return 3;
	close(nfd);
	if (syscall(SYS_getppid) <= 0)
		return 4;
	if (syscall(SYS_newfstatat, sock, "", &st, AT_EMPTY_PATH) != 0 || !S_ISSOCK(st.st_mode))
		return 5;
	/* answered by the parent */
	if (!fails(syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY), EACCES))
		return 6;
	if (read(sock, &c, 1) != 1)
		return 7;
	/* the listener is gone */
	if (!fails(syscall(SYS_newfstatat, AT_FDCWD, "/", &st, 0), ENOSYS))
		return 8;
	if (!fails(syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY), ENOSYS))
		return 9;
	return 0;
}

static int receive_fd(int sock)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	char c;
	struct iovec iov = {.iov_base = &c, .iov_len = 1};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf, .msg_controllen = sizeof(cm.buf)};
	if (recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	struct cmsghdr *h = CMSG_FIRSTHDR(&mh);
	if (!h || h->cmsg_type != SCM_RIGHTS)
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(h), sizeof(int));
	return fd;
}

static void test_notify_mode(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(sv[0]);
		syscall(SYS_exit_group, notify_child(sv[1]));
	}
	close(sv[1]);
	int nfd = receive_fd(sv[0]);
	int answered = -1;
	if (nfd >= 0) {
		struct seccomp_notif *req;
		struct seccomp_notif_resp *resp;
		struct pollfd pfd = {.fd = nfd, .events = POLLIN};
		assert_int_equal(seccomp_notify_alloc(&req, &resp), 0);
		if (poll(&pfd, 1, 10000) == 1 && (pfd.revents & POLLIN) && seccomp_notify_receive(nfd, req) == 0) {
			answered = req->data.nr;
			resp->id = req->id;
			resp->error = -EACCES;
			resp->val = 0;
			resp->flags = 0;
			assert_int_equal(seccomp_notify_respond(nfd, resp), 0);
		}
		seccomp_notify_free(req, resp);
		close(nfd);
	}
	/* a child left waiting for an answer would never exit */
	if (answered < 0)
		kill(pid, SIGKILL);
	assert_int_equal(write(sv[0], "c", 1), 1);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close(sv[0]);
	exits_zero(status);
	assert_int_equal(answered, SYS_openat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_covers_every_syscall),
		cmocka_unit_test(test_names_are_x86_64_syscalls),
		cmocka_unit_test(test_hot_syscalls_pass),
		cmocka_unit_test(test_entries_are_well_formed),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_lookup_and_words),
		cmocka_unit_test(test_filter_builds),
		cmocka_unit_test(test_allowed_calls_work),
		cmocka_unit_test(test_namespaces_and_processes),
		cmocka_unit_test(test_sockets),
		cmocka_unit_test(test_ioctls_and_prctl),
		cmocka_unit_test(test_system_calls_denied),
		cmocka_unit_test(test_kill_class_kills),
#ifdef __x86_64__
		cmocka_unit_test(test_other_abi_kills),
#endif
		cmocka_unit_test(test_notify_mode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
