/* The sentry's cached BPF programs: built and saved once, read back, and
 * loaded straight into the kernel with the same effect as libseccomp's own
 * load; a damaged cache entry is rebuilt, never trusted. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "sentry/bpf_cache.h"
#include "util/fs.h"

static char dir[] = "/tmp/moat-bpf-cache-XXXXXX";

/* In a child: load b, then run the checks; the exit status says which failed. */
static int child_status(const struct sentry_bpf *b, int probe)
{
	pid_t pid = fork();
	if (pid == 0) {
		int fd;
		struct moat_err err;
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || sentry_bpf_load(b, &fd, &err) < 0)
			syscall(SYS_exit_group, 100);
		long r = 0;
		if (probe == 0)
			r = syscall(SYS_getppid) > 0 ? 0 : 1;
		else if (probe == 1)
			r = syscall(SYS_clone3, NULL, 0) < 0 && errno == ENOSYS ? 0 : 2;
		else
			syscall(SYS_kexec_load, 0, 0, NULL, 0);
		syscall(SYS_exit_group, r);
	}
	int status;
	waitpid(pid, &status, 0);
	return status;
}

static void check_behaviour(const struct sentry_bpf *b)
{
	int s = child_status(b, 0);
	assert_true(WIFEXITED(s));
	assert_int_equal(WEXITSTATUS(s), 0);
	s = child_status(b, 1);
	assert_true(WIFEXITED(s));
	assert_int_equal(WEXITSTATUS(s), 0);
	s = child_status(b, 2);
	assert_true(WIFSIGNALED(s));
	assert_int_equal(WTERMSIG(s), SIGSYS);
}

static char *only_entry(void)
{
	char cmd[256], *out = NULL;
	snprintf(cmd, sizeof(cmd), "ls %s/cache", dir);
	FILE *p = popen(cmd, "r");
	char line[256];
	if (p && fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		if (asprintf(&out, "%s/cache/%s", dir, line) < 0)
			out = NULL;
	}
	if (p)
		pclose(p);
	return out;
}

static void test_built_saved_and_reused(void **state)
{
	(void)state;
	char cache[256];
	snprintf(cache, sizeof(cache), "%s/cache", dir);
	struct sentry_bpf *b;
	struct moat_err err;
	assert_int_equal(sentry_bpf_get(SENTRY_EMULATE_ALLOW, cache, &b, &err), 0);
	check_behaviour(b);
	sentry_bpf_free(b);
	char *entry = only_entry();
	assert_non_null(entry);
	struct stat st1;
	assert_int_equal(stat(entry, &st1), 0);
	/* the second time it comes from the file, which is left as it was */
	assert_int_equal(sentry_bpf_get(SENTRY_EMULATE_ALLOW, cache, &b, &err), 0);
	check_behaviour(b);
	sentry_bpf_free(b);
	struct stat st2;
	assert_int_equal(stat(entry, &st2), 0);
	assert_int_equal(st1.st_ino, st2.st_ino);
	free(entry);
}

static void test_damaged_entry_is_rebuilt(void **state)
{
	(void)state;
	char cache[256];
	snprintf(cache, sizeof(cache), "%s/cache", dir);
	char *entry = only_entry();
	assert_non_null(entry);
	struct moat_err err;
	/* a truncated program must not be loaded as it is */
	assert_int_equal(write_file_atomic(entry, "moat-sentry-bpf-1", 17, 0600, &err), 0);
	struct sentry_bpf *b;
	assert_int_equal(sentry_bpf_get(SENTRY_EMULATE_ALLOW, cache, &b, &err), 0);
	check_behaviour(b);
	sentry_bpf_free(b);
	struct stat st;
	assert_int_equal(stat(entry, &st), 0);
	assert_true(st.st_size > 1000);
	free(entry);
}

static void test_notify_mode_gives_a_listener(void **state)
{
	(void)state;
	struct sentry_bpf *b;
	struct moat_err err;
	assert_int_equal(sentry_bpf_get(SENTRY_EMULATE_NOTIFY, NULL, &b, &err), 0);
	pid_t pid = fork();
	if (pid == 0) {
		int fd = -1;
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || sentry_bpf_load(b, &fd, &err) < 0)
			syscall(SYS_exit_group, 1);
		syscall(SYS_exit_group, fd >= 0 ? 0 : 2);
	}
	int status;
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	sentry_bpf_free(b);
}

/* In a child under the allowlist {getppid, exit_group}: 0 if getppid works,
 * else the status of the child killed by getpid. */
static int allowlisted_child(const struct sentry_prog *p, bool call_getpid)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (sentry_prog_load_self(p) < 0)
			syscall(SYS_exit_group, 100);
		if (call_getpid)
			syscall(SYS_getpid);
		syscall(SYS_exit_group, syscall(SYS_getppid) > 0 ? 0 : 1);
	}
	int status;
	waitpid(pid, &status, 0);
	return status;
}

static void test_allowlist_cached_and_enforced(void **state)
{
	(void)state;
	static const char *const names[] = {"getppid", "exit_group"};
	char cache[256], entry[512];
	snprintf(cache, sizeof(cache), "%s/self", dir);
	struct moat_err err;
	struct sentry_prog p;
	for (int round = 0; round < 3; round++) {
		assert_int_equal(sentry_bpf_allowlist(names, 2, cache, &p, &err), 0);
		int s = allowlisted_child(&p, false);
		assert_true(WIFEXITED(s));
		assert_int_equal(WEXITSTATUS(s), 0);
		s = allowlisted_child(&p, true);
		assert_true(WIFSIGNALED(s));
		assert_int_equal(WTERMSIG(s), SIGSYS);
		sentry_prog_free(&p);
		/* one entry, whatever round: built, then read back, then rebuilt
		 * after being damaged */
		char cmd[600];
		snprintf(cmd, sizeof(cmd), "ls %s", cache);
		FILE *l = popen(cmd, "r");
		assert_non_null(l);
		char name[256];
		assert_non_null(fgets(name, sizeof(name), l));
		assert_null(fgets(entry, sizeof(entry), l));
		pclose(l);
		name[strcspn(name, "\n")] = '\0';
		snprintf(entry, sizeof(entry), "%s/%s", cache, name);
		if (round == 1)
			assert_int_equal(write_file_atomic(entry, "moat-self-bpf-1", 15, 0600, &err), 0);
	}
	struct stat st;
	assert_int_equal(stat(entry, &st), 0);
	assert_true(st.st_size > 40);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_built_saved_and_reused),
		cmocka_unit_test(test_damaged_entry_is_rebuilt),
		cmocka_unit_test(test_notify_mode_gives_a_listener),
		cmocka_unit_test(test_allowlist_cached_and_enforced),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	rm_rf(dir);
	return r;
}
