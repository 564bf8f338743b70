/* linux/seccomp.c: profiles from JSON, their errors, and what a loaded filter
 * really does to a child process. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "linux/seccomp.h"

#include <seccomp.h>

/* errnos no real getpgid() returns, so a match cannot be a coincidence */
#define E_RULE 1000
#define E_RULE2 1001
#define E_DEFAULT 1002
#define E_NOTIFY 1003

static int compile(const char *text, struct seccomp_profile **p, struct moat_err *err)
{
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);
	if (!j)
		fail_msg("bad test JSON: %s: %s", jerr.text, text);
	moat_err_clear(err);
	*p = NULL;
	int r = seccomp_profile_compile(j, p, err);
	json_decref(j);
	return r;
}

static void compiles(const char *text)
{
	struct seccomp_profile *p;
	struct moat_err err;
	int r = compile(text, &p, &err);
	if (r < 0)
		fail_msg("unexpected error: %s", err.msg);
	seccomp_profile_free(p);
}

static void fails_with(const char *text, const char *msg)
{
	struct seccomp_profile *p;
	struct moat_err err;
	int r = compile(text, &p, &err);
	assert_true(r < 0);
	assert_null(p);
	if (!strstr(err.msg, msg))
		fail_msg("error '%s' does not contain '%s'", err.msg, msg);
}

/* The filter sees getpgid's two arguments even though it reads only one. */
static long getpgid2(unsigned long a0, unsigned long a1)
{
	return syscall(SYS_getpgid, a0, a1);
}

static bool denied(long r, int e)
{
	return r == -1 && errno == e;
}

/* Compile in the parent (as the runtime does), load in a forked child (as the
 * container init does) and run body there.  body returns 0, or the number of
 * the check that failed, which becomes the child's exit code. */
static void run_in_child(const char *text, int (*body)(void))
{
	struct seccomp_profile *p;
	struct moat_err err;
	if (compile(text, &p, &err) < 0)
		fail_msg("compile: %s", err.msg);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int nfd;
		/* so that loading needs no CAP_SYS_ADMIN */
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(100);
		if (seccomp_profile_load(p, &nfd, &err) < 0) {
			fprintf(stderr, "load: %s\n", err.msg);
			_exit(101);
		}
		/* exit_group directly: sanitizer exit hooks would make calls the filter denies */
		syscall(SYS_exit_group, body());
	}
	seccomp_profile_free(p);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status))
		fail_msg("child killed by signal %d", WTERMSIG(status));
	if (WEXITSTATUS(status) != 0)
		fail_msg("child check %d failed", WEXITSTATUS(status));
}

#define CHECK(n, cond)           \
	do {                     \
		if (!(cond))     \
			return n; \
	} while (0)

/* Errors ------------------------------------------------------------------ */

static void test_valid_profile(void **state)
{
	(void)state;
	compiles("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1,"
		 " \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"],"
		 " \"flags\": [\"SECCOMP_FILTER_FLAG_TSYNC\", \"SECCOMP_FILTER_FLAG_LOG\"],"
		 " \"syscalls\": ["
		 "  {\"names\": [\"read\", \"write\", \"exit_group\"], \"action\": \"SCMP_ACT_ALLOW\"},"
		 "  {\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\","
		 "   \"args\": [{\"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"},"
		 "              {\"index\": 0, \"value\": 8, \"op\": \"SCMP_CMP_EQ\"}]},"
		 "  {\"names\": [\"clone\"], \"action\": \"SCMP_ACT_ALLOW\","
		 "   \"args\": [{\"index\": 0, \"value\": 2114060288, \"valueTwo\": 0, \"op\": \"SCMP_CMP_MASKED_EQ\"}]},"
		 "  {\"names\": [\"ptrace\"], \"action\": \"SCMP_ACT_TRACE\", \"errnoRet\": 7},"
		 "  {\"names\": [\"kill\"], \"action\": \"SCMP_ACT_LOG\"},"
		 "  {\"names\": [\"reboot\"], \"action\": \"SCMP_ACT_KILL_PROCESS\"},"
		 "  {\"names\": [\"mount\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38}"
		 " ]}");
	/* a rule repeating the default action is dropped, not refused */
	compiles("{\"defaultAction\": \"SCMP_ACT_ALLOW\","
		 " \"syscalls\": [{\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_ALLOW\"}]}");
	compiles("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/run/agent.sock\","
		 " \"listenerMetadata\": \"x\","
		 " \"syscalls\": [{\"names\": [\"getpgid\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}");
}

static void test_unknown_action(void **state)
{
	(void)state;
	fails_with("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
		   " {\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_ERRNO\"},"
		   " {\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_FOO\"}]}",
		   "linux.seccomp.syscalls[1].action: unknown action 'SCMP_ACT_FOO'");
	fails_with("{\"defaultAction\": \"SCMP_ACT_NOPE\"}",
		   "linux.seccomp.defaultAction: unknown action 'SCMP_ACT_NOPE'");
	fails_with("{\"syscalls\": []}", "linux.seccomp.defaultAction: required");
	fails_with("{\"defaultAction\": 3}", "linux.seccomp.defaultAction: expected a string");
	fails_with("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getpid\"]}]}",
		   "linux.seccomp.syscalls[0].action: required");
}

static void test_errno_only_where_it_belongs(void **state)
{
	(void)state;
	fails_with("{\"defaultAction\": \"SCMP_ACT_KILL\", \"defaultErrnoRet\": 5}",
		   "linux.seccomp.defaultErrnoRet: SCMP_ACT_KILL takes no errno");
	fails_with("{\"defaultAction\": \"SCMP_ACT_KILL\", \"syscalls\": ["
		   " {\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_ALLOW\", \"errnoRet\": 1}]}",
		   "linux.seccomp.syscalls[0].errnoRet: SCMP_ACT_ALLOW takes no errno");
	fails_with("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 70000}",
		   "linux.seccomp.defaultErrnoRet: 70000 is larger than 65535");
}

static void test_unknown_operator(void **state)
{
	(void)state;
	fails_with("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getpgid\"],"
		   " \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"},"
		   " {\"index\": 1, \"value\": 1, \"op\": \"SCMP_CMP_FOO\"}]}]}",
		   "linux.seccomp.syscalls[0].args[1].op: unknown operator 'SCMP_CMP_FOO'");
	fails_with("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getpgid\"],"
		   " \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1}]}]}",
		   "linux.seccomp.syscalls[0].args[0].op: required");
	fails_with("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getpgid\"],"
		   " \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 6, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}",
		   "linux.seccomp.syscalls[0].args[0].index: 6 is larger than 5");
}

static void test_unknown_arch(void **state)
{
	(void)state;
	fails_with("{\"defaultAction\": \"SCMP_ACT_ALLOW\","
		   " \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_VAX\"]}",
		   "linux.seccomp.architectures[1]: unknown architecture 'SCMP_ARCH_VAX'");
	/* the prefix is part of the name */
	fails_with("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"x86_64\"]}",
		   "linux.seccomp.architectures[0]: unknown architecture 'x86_64'");
	/* one filter holds archs of one byte order only */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	compiles("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86_64\","
		 " \"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\", \"SCMP_ARCH_AARCH64\", \"SCMP_ARCH_ARM\","
		 " \"SCMP_ARCH_MIPSEL64\", \"SCMP_ARCH_PPC64LE\", \"SCMP_ARCH_RISCV64\"]}");
	fails_with("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_S390X\"]}",
		   "linux.seccomp.architectures[0]: SCMP_ARCH_S390X has another byte order than this host");
#else
	fails_with("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86_64\"]}",
		   "linux.seccomp.architectures[0]: SCMP_ARCH_X86_64 has another byte order than this host");
#endif
}

static void test_unknown_flag(void **state)
{
	(void)state;
	fails_with("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_FOO\"]}",
		   "linux.seccomp.flags[0]: unknown flag 'SECCOMP_FILTER_FLAG_FOO'");
#if SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR < 6
	fails_with("{\"defaultAction\": \"SCMP_ACT_ALLOW\","
		   " \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\", \"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"]}",
		   "linux.seccomp.flags[1]: flag SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs libseccomp >= 2.6");
#endif
}

static void test_notify_needs_listener(void **state)
{
	(void)state;
	fails_with("{\"defaultAction\": \"SCMP_ACT_ALLOW\","
		   " \"syscalls\": [{\"names\": [\"getpgid\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}",
		   "linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used");
	fails_with("{\"defaultAction\": \"SCMP_ACT_NOTIFY\", \"listenerPath\": \"/x.sock\"}",
		   "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
	fails_with("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/x.sock\","
		   " \"syscalls\": [{\"names\": [\"getpgid\", \"write\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}",
		   "linux.seccomp.syscalls[0]: SCMP_ACT_NOTIFY cannot be used for 'write'");

	struct seccomp_profile *p;
	struct moat_err err;
	assert_int_equal(compile("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/x.sock\", \"syscalls\":"
				 " [{\"names\": [\"getpgid\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}",
				 &p, &err),
			 0);
	assert_true(seccomp_profile_has_notify(p));
	assert_string_equal(seccomp_profile_listener_path(p), "/x.sock");
	seccomp_profile_free(p);
	assert_int_equal(compile("{\"defaultAction\": \"SCMP_ACT_ALLOW\"}", &p, &err), 0);
	assert_false(seccomp_profile_has_notify(p));
	assert_null(seccomp_profile_listener_path(p));
	seccomp_profile_free(p);
}

static void test_bad_shapes(void **state)
{
	(void)state;
	fails_with("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"action\": \"SCMP_ACT_ERRNO\"}]}",
		   "linux.seccomp.syscalls[0].names: at least one syscall name is required");
	fails_with("{\"defaultAction\": \"SCMP_ACT_ALLOW\","
		   " \"syscalls\": [{\"names\": [\"getpid\", 4], \"action\": \"SCMP_ACT_ERRNO\"}]}",
		   "linux.seccomp.syscalls[0].names[1]: expected a string");
	fails_with("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [7]}",
		   "linux.seccomp.syscalls[0]: expected an object");
	fails_with("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": \"SCMP_ARCH_X86\"}",
		   "linux.seccomp.architectures: expected an array");
}

/* Behaviour --------------------------------------------------------------- */

static int body_errno(void)
{
	CHECK(1, denied(getpgid2(0, 0), E_RULE));
	CHECK(2, syscall(SYS_getpid) == getpid());
	return 0;
}

static void test_errno_action(void **state)
{
	(void)state;
	run_in_child("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
		     " {\"names\": [\"no_such_syscall_at_all\", \"getpgid\"], \"action\": \"SCMP_ACT_ERRNO\","
		     "  \"errnoRet\": 1000}]}",
		     body_errno);
}

static int body_errno_default_eperm(void)
{
	CHECK(1, denied(getpgid2(0, 0), EPERM));
	return 0;
}

static void test_errno_defaults_to_eperm(void **state)
{
	(void)state;
	run_in_child("{\"defaultAction\": \"SCMP_ACT_ALLOW\","
		     " \"syscalls\": [{\"names\": [\"getpgid\"], \"action\": \"SCMP_ACT_ERRNO\"}]}",
		     body_errno_default_eperm);
}

static int body_default_errno(void)
{
	CHECK(1, denied(syscall(SYS_getpid), E_DEFAULT));
	CHECK(2, denied(getpgid2(0, 0), E_RULE));
	CHECK(3, denied(syscall(SYS_getppid), E_DEFAULT));
	return 0;
}

static void test_default_errno(void **state)
{
	(void)state;
	/* getppid's rule equals the default action and is dropped */
	run_in_child("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1002, \"syscalls\": ["
		     " {\"names\": [\"exit_group\", \"exit\"], \"action\": \"SCMP_ACT_ALLOW\"},"
		     " {\"names\": [\"getpgid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1000},"
		     " {\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1002}]}",
		     body_default_errno);
}

static int body_same_index_or(void)
{
	CHECK(1, denied(getpgid2(5, 0), E_RULE));
	CHECK(2, denied(getpgid2(6, 0), E_RULE));
	CHECK(3, !denied(getpgid2(0, 0), E_RULE));
	/* the condition on argument 1 became a rule of its own, too */
	CHECK(4, denied(getpgid2(0, 7), E_RULE));
	return 0;
}

static void test_same_index_is_or(void **state)
{
	(void)state;
	run_in_child("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getpgid\"],"
		     " \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1000, \"args\": ["
		     "  {\"index\": 0, \"value\": 5, \"op\": \"SCMP_CMP_EQ\"},"
		     "  {\"index\": 0, \"value\": 6, \"op\": \"SCMP_CMP_EQ\"},"
		     "  {\"index\": 1, \"value\": 7, \"op\": \"SCMP_CMP_EQ\"}]}]}",
		     body_same_index_or);
}

static int body_distinct_index_and(void)
{
	CHECK(1, denied(getpgid2(5, 7), E_RULE));
	CHECK(2, !denied(getpgid2(5, 8), E_RULE));
	CHECK(3, !denied(getpgid2(0, 7), E_RULE));
	return 0;
}

static void test_distinct_indexes_are_and(void **state)
{
	(void)state;
	run_in_child("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getpgid\"],"
		     " \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1000, \"args\": ["
		     "  {\"index\": 0, \"value\": 5, \"op\": \"SCMP_CMP_EQ\"},"
		     "  {\"index\": 1, \"value\": 7, \"op\": \"SCMP_CMP_EQ\"}]}]}",
		     body_distinct_index_and);
}

static int body_operators(void)
{
	/* MASKED_EQ: (a0 & 0xff00) == 0x1200 */
	CHECK(1, denied(getpgid2(0x1234, 0), E_RULE));
	CHECK(2, denied(getpgid2(0x12ff, 0), E_RULE));
	CHECK(3, !denied(getpgid2(0x1334, 0), E_RULE));
	/* GT on a 64-bit value: a1 > 2^32 */
	CHECK(4, denied(getpgid2(0, 0x100000001ul), E_RULE2));
	CHECK(5, !denied(getpgid2(0, 0x100000000ul), E_RULE2));
	return 0;
}

static void test_operators(void **state)
{
	(void)state;
	run_in_child("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
		     " {\"names\": [\"getpgid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1000, \"args\": ["
		     "  {\"index\": 0, \"value\": 65280, \"valueTwo\": 4608, \"op\": \"SCMP_CMP_MASKED_EQ\"}]},"
		     " {\"names\": [\"getpgid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1001, \"args\": ["
		     "  {\"index\": 1, \"value\": 4294967296, \"op\": \"SCMP_CMP_GT\"}]}]}",
		     body_operators);
}

/* Notify: the child hands its listener fd to us through
 * seccomp_send_listener, then we answer its getpgid. */
static void test_notify_listener(void **state)
{
	(void)state;
	if (seccomp_api_get() < 6)
		skip();
	char dir[] = "/tmp/moat-seccomp-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[sizeof(dir) + 16];
	snprintf(path, sizeof(path), "%s/agent.sock", dir);
	int lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(lsock >= 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	strcpy(sa.sun_path, path);
	assert_int_equal(bind(lsock, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lsock, 1), 0);

	char text[512];
	snprintf(text, sizeof(text),
		 "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"%s\","
		 " \"syscalls\": [{\"names\": [\"getpgid\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}",
		 path);
	struct seccomp_profile *p;
	struct moat_err err;
	if (compile(text, &p, &err) < 0)
		fail_msg("compile: %s", err.msg);
	assert_true(seccomp_profile_has_notify(p));
	const char *state_json = "{\"ociVersion\":\"1.2.0\",\"fds\":[\"seccompFd\"],\"pid\":1}";

	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int nfd;
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_profile_load(p, &nfd, &err) < 0 || nfd < 0)
			_exit(1);
		if (seccomp_send_listener(seccomp_profile_listener_path(p), nfd, state_json, &err) < 0)
			_exit(2);
		close(nfd);
		_exit(denied(getpgid2(4242, 0), E_NOTIFY) ? 0 : 3);
	}
	seccomp_profile_free(p);

	int conn = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
	assert_true(conn >= 0);
	char buf[512];
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf) - 1};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.b, .msg_controllen = sizeof(cm.b)};
	ssize_t n = recvmsg(conn, &mh, MSG_CMSG_CLOEXEC);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, state_json);
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	assert_non_null(c);
	assert_int_equal(c->cmsg_type, SCM_RIGHTS);
	int nfd;
	memcpy(&nfd, CMSG_DATA(c), sizeof(int));

	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	assert_int_equal(seccomp_notify_alloc(&req, &resp), 0);
	assert_int_equal(seccomp_notify_receive(nfd, req), 0);
	assert_int_equal(req->pid, pid);
	assert_int_equal(req->data.nr, SYS_getpgid);
	assert_int_equal(req->data.args[0], 4242);
	resp->id = req->id;
	resp->val = 0;
	resp->error = -E_NOTIFY;
	resp->flags = 0;
	assert_int_equal(seccomp_notify_respond(nfd, resp), 0);
	seccomp_notify_free(req, resp);

	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(nfd);
	close(conn);
	close(lsock);
	unlink(path);
	rmdir(dir);
}

static void test_send_listener_errors(void **state)
{
	(void)state;
	struct moat_err err;
	moat_err_clear(&err);
	assert_true(seccomp_send_listener("/nonexistent/agent.sock", 0, "{}", &err) < 0);
	assert_non_null(strstr(err.msg, "/nonexistent/agent.sock"));
}

static bool has(json_t *arr, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
	{
		if (strcmp(json_string_value(v), s) == 0)
			return true;
	}
	return false;
}

static void test_features(void **state)
{
	(void)state;
	json_t *f = seccomp_features();
	assert_non_null(f);
	assert_true(json_is_true(json_object_get(f, "enabled")));
	assert_true(has(json_object_get(f, "actions"), "SCMP_ACT_NOTIFY"));
	assert_true(has(json_object_get(f, "actions"), "SCMP_ACT_KILL_PROCESS"));
	assert_int_equal(json_array_size(json_object_get(f, "operators")), 7);
	assert_true(has(json_object_get(f, "operators"), "SCMP_CMP_MASKED_EQ"));
	assert_true(has(json_object_get(f, "archs"), "SCMP_ARCH_X86_64"));
	assert_true(has(json_object_get(f, "archs"), "SCMP_ARCH_AARCH64"));
	assert_true(has(json_object_get(f, "knownFlags"), "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"));
	assert_true(has(json_object_get(f, "supportedFlags"), "SECCOMP_FILTER_FLAG_TSYNC"));
	json_decref(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_profile),
		cmocka_unit_test(test_unknown_action),
		cmocka_unit_test(test_errno_only_where_it_belongs),
		cmocka_unit_test(test_unknown_operator),
		cmocka_unit_test(test_unknown_arch),
		cmocka_unit_test(test_unknown_flag),
		cmocka_unit_test(test_notify_needs_listener),
		cmocka_unit_test(test_bad_shapes),
		cmocka_unit_test(test_errno_action),
		cmocka_unit_test(test_errno_defaults_to_eperm),
		cmocka_unit_test(test_default_errno),
		cmocka_unit_test(test_same_index_is_or),
		cmocka_unit_test(test_distinct_indexes_are_and),
		cmocka_unit_test(test_operators),
		cmocka_unit_test(test_notify_listener),
		cmocka_unit_test(test_send_listener_errors),
		cmocka_unit_test(test_features),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
