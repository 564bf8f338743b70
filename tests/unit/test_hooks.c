/* hooks_run against real /bin/sh hook scripts in a temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "linux/hooks.h"
#include "util/fs.h"

static char dir[] = "/tmp/moat-test-hooks-XXXXXX";

static const char *state_json = "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"creating\","
				"\"pid\":42,\"bundle\":\"/tmp/bundle\"}";

/* Path of name inside the temp dir, in one of four rotating static buffers. */
static const char *in_dir(const char *name)
{
	static char buf[4][512];
	static int next;
	char *p = buf[next++ % 4];
	snprintf(p, sizeof(buf[0]), "%s/%s", dir, name);
	return p;
}

static char *script(const char *name, const char *body)
{
	const char *path = in_dir(name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0755), 0);
	return strdup(path);
}

static char *slurp(const char *path)
{
	char *text = NULL;
	struct moat_err err;
	assert_int_equal(read_file_at(AT_FDCWD, path, 1 << 20, &text, NULL, &err), 0);
	return text;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return rm_rf(dir);
}

static void test_state_on_stdin(void **state)
{
	(void)state;
	char body[600];
	snprintf(body, sizeof(body), "cat > %s", in_dir("stdin.out"));
	struct oci_hook h = {.path = script("stdin.sh", body)};
	struct moat_err err;
	assert_int_equal(hooks_run(HOOK_CREATE_RUNTIME, &h, 1, state_json, &err), 0);
	char *got = slurp(in_dir("stdin.out"));
	assert_string_equal(got, state_json);
	free(got);
	free(h.path);
}

/* A hook that never reads stdin must not block the runtime, even with a state
 * larger than a default pipe. */
static void test_unread_large_state(void **state)
{
	(void)state;
	size_t n = 200 * 1024;
	char *big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'x', n);
	big[n] = '\0';
	struct oci_hook h = {.path = script("ignore.sh", "exit 0")};
	struct moat_err err;
	assert_int_equal(hooks_run(HOOK_PRESTART, &h, 1, big, &err), 0);
	free(big);
	free(h.path);
}

static void test_args_and_env(void **state)
{
	(void)state;
	char body[600];
	snprintf(body, sizeof(body), "echo \"$# $1 $2 ${FOO-unset} ${MOAT_TEST_LEAK-unset}\" > %s",
		 in_dir("args.out"));
	char *path = script("args.sh", body);
	char *args[] = {path, "first", "second", NULL};
	char *env[] = {"FOO=bar baz", NULL};
	struct oci_hook h = {.path = path, .args = args, .env = env};
	struct moat_err err;
	setenv("MOAT_TEST_LEAK", "leaked", 1);
	assert_int_equal(hooks_run(HOOK_POSTSTART, &h, 1, state_json, &err), 0);
	unsetenv("MOAT_TEST_LEAK");
	char *got = slurp(in_dir("args.out"));
	assert_string_equal(got, "2 first second bar baz unset\n");
	free(got);
	free(path);
}

static void test_failure_message(void **state)
{
	(void)state;
	struct oci_hook h = {.path = script("fail.sh", "echo noise on stdout\necho 'it broke: bad\tthing' >&2\nexit 3")};
	struct moat_err err;
	int r = hooks_run(HOOK_CREATE_CONTAINER, &h, 1, state_json, &err);
	assert_true(r < 0);
	assert_int_equal(r, -err.code);
	assert_non_null(strstr(err.msg, "createContainer hook #0"));
	assert_non_null(strstr(err.msg, h.path));
	assert_non_null(strstr(err.msg, "exit status 3"));
	assert_non_null(strstr(err.msg, "it broke: bad thing"));
	assert_null(strchr(err.msg, '\n'));
	free(h.path);
}

static void test_long_output_keeps_tail(void **state)
{
	(void)state;
	struct oci_hook h = {.path = script("long.sh", "i=0\nwhile [ $i -lt 2000 ]; do echo \"line $i\" >&2; "
							 "i=$((i+1)); done\necho THE-END >&2\nexit 1")};
	struct moat_err err;
	assert_true(hooks_run(HOOK_PRESTART, &h, 1, state_json, &err) < 0);
	assert_true(strlen(err.msg) < MOAT_ERR_MAX);
	assert_non_null(strstr(err.msg, "prestart hook #0"));
	assert_non_null(strstr(err.msg, "THE-END"));
	assert_null(strstr(err.msg, "line 0 "));
	free(h.path);
}

static void test_signal(void **state)
{
	(void)state;
	struct oci_hook h = {.path = script("sig.sh", "kill -9 $$")};
	struct moat_err err;
	assert_true(hooks_run(HOOK_POSTSTOP, &h, 1, state_json, &err) < 0);
	assert_non_null(strstr(err.msg, "poststop hook #0"));
	assert_non_null(strstr(err.msg, "killed by signal 9"));
	free(h.path);
}

static void test_missing_binary(void **state)
{
	(void)state;
	struct oci_hook h = {.path = (char *)in_dir("does-not-exist")};
	struct moat_err err;
	assert_true(hooks_run(HOOK_PRESTART, &h, 1, state_json, &err) < 0);
	assert_non_null(strstr(err.msg, "does-not-exist"));
	assert_non_null(strstr(err.msg, "exit status 127"));
	assert_non_null(strstr(err.msg, "No such file or directory"));
}

/* The sleep is a child of the shell and keeps the output pipe open after the
 * shell is killed: the runtime must not wait for it. */
static void test_timeout(void **state)
{
	(void)state;
	struct oci_hook h = {.path = script("slow.sh", "echo started >&2\nsleep 30\nexit 0"), .timeout = 1};
	struct moat_err err;
	double t0 = now();
	int r = hooks_run(HOOK_START_CONTAINER, &h, 1, state_json, &err);
	double took = now() - t0;
	assert_int_equal(r, -ETIMEDOUT);
	assert_true(took >= 0.9 && took < 2.0);
	assert_non_null(strstr(err.msg, "startContainer hook #0"));
	assert_non_null(strstr(err.msg, h.path));
	assert_non_null(strstr(err.msg, "timed out after 1 s"));
	assert_non_null(strstr(err.msg, "started"));
	free(h.path);
}

static void test_order_and_stop(void **state)
{
	(void)state;
	char log[512];
	snprintf(log, sizeof(log), "%s", in_dir("order.log"));
	char b1[600], b2[600], b3[600], bad[600];
	snprintf(b1, sizeof(b1), "echo one >> %s", log);
	snprintf(b2, sizeof(b2), "echo two >> %s", log);
	snprintf(b3, sizeof(b3), "echo three >> %s", log);
	snprintf(bad, sizeof(bad), "echo bad >> %s\nexit 1", log);
	struct oci_hook hooks[3] = {
		{.path = script("one.sh", b1)}, {.path = script("two.sh", b2)}, {.path = script("three.sh", b3)}};
	struct moat_err err;
	assert_int_equal(hooks_run(HOOK_PRESTART, hooks, 3, state_json, &err), 0);
	char *got = slurp(log);
	assert_string_equal(got, "one\ntwo\nthree\n");
	free(got);

	assert_int_equal(unlink(log), 0);
	free(hooks[1].path);
	hooks[1].path = script("bad.sh", bad);
	assert_true(hooks_run(HOOK_PRESTART, hooks, 3, state_json, &err) < 0);
	assert_non_null(strstr(err.msg, "prestart hook #1"));
	assert_non_null(strstr(err.msg, hooks[1].path));
	got = slurp(log);
	assert_string_equal(got, "one\nbad\n");
	free(got);
	for (int i = 0; i < 3; i++)
		free(hooks[i].path);
}

static void test_no_hooks(void **state)
{
	(void)state;
	struct moat_err err;
	assert_int_equal(hooks_run(HOOK_PRESTART, NULL, 0, state_json, &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_on_stdin),
		cmocka_unit_test(test_unread_large_state),
		cmocka_unit_test(test_args_and_env),
		cmocka_unit_test(test_failure_message),
		cmocka_unit_test(test_long_output_keeps_tail),
		cmocka_unit_test(test_signal),
		cmocka_unit_test(test_missing_binary),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_order_and_stop),
		cmocka_unit_test(test_no_hooks),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
