/* root_open against a temporary directory tree standing for a rootfs: paths
 * resolve, and are created, inside the root whatever symlinks the tree holds.
 * Needs openat2 (Linux >= 5.6), no privileges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linux/rootfs.h"

static char base[] = "/tmp/moat-test-rootfs-XXXXXX";
static char root[sizeof(base) + 16];
static int rootfd = -1;
/* a name unique to this run, for paths that must not appear on the host */
static char uniq[64];

static const char *in_root(const char *rel)
{
	static char buf[4][1024];
	static int next;
	char *p = buf[next++ % 4];
	snprintf(p, sizeof(buf[0]), "%s/%s", root, rel);
	return p;
}

static void mkdirs(const char *rel)
{
	char p[1024];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	for (char *s = p + strlen(root) + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			if (mkdir(p, 0755) < 0 && errno != EEXIST)
				fail_msg("mkdir %s: %s", p, strerror(errno));
			*s = '/';
		}
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		fail_msg("mkdir %s: %s", p, strerror(errno));
}

static void mkfile(const char *rel)
{
	int fd = open(in_root(rel), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		fail_msg("create %s: %s", rel, strerror(errno));
	close(fd);
}

static void mklink(const char *target, const char *rel)
{
	if (symlink(target, in_root(rel)) < 0)
		fail_msg("symlink %s -> %s: %s", rel, target, strerror(errno));
}

static void assert_same_inode(int fd, const char *host_path)
{
	struct stat a, b;
	assert_int_equal(fstat(fd, &a), 0);
	if (lstat(host_path, &b) < 0)
		fail_msg("lstat %s: %s", host_path, strerror(errno));
	if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		fail_msg("fd is not %s", host_path);
}

static void assert_missing(const char *host_path)
{
	struct stat st;
	if (lstat(host_path, &st) == 0)
		fail_msg("%s exists but should not", host_path);
	assert_int_equal(errno, ENOENT);
}

static int open_ok(const char *path, enum root_create create)
{
	int fd = -1;
	struct moat_err err;
	moat_err_clear(&err);
	int r = root_open(rootfd, path, create, &fd, &err);
	if (r != 0)
		fail_msg("root_open(%s) failed (%d): %s", path, r, err.msg);
	assert_true(fd >= 0);
	/* an O_PATH descriptor, close-on-exec */
	assert_true(fcntl(fd, F_GETFL) & O_PATH);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	return fd;
}

static struct moat_err open_fail(const char *path, enum root_create create, int code)
{
	int fd = -1;
	struct moat_err err;
	moat_err_clear(&err);
	int r = root_open(rootfd, path, create, &fd, &err);
	if (r == 0) {
		close(fd);
		fail_msg("root_open(%s) succeeded", path);
	}
	assert_int_equal(r, -code);
	assert_int_equal(err.code, code);
	assert_true(err.msg[0] != '\0');
	return err;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int setup(void **state)
{
	if (!mkdtemp(base))
		return -1;
	/* the root sits one level down, so that "outside the root" is a directory we own */
	snprintf(root, sizeof(root), "%s/root", base);
	if (mkdir(root, 0755) < 0)
		return -1;
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	snprintf(uniq, sizeof(uniq), "moat-test-%d", (int)getpid());
	return rootfd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	if (rootfd >= 0)
		close(rootfd);
	nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static void test_plain_path(void **state)
{
	mkdirs("plain/a/b");
	mkfile("plain/a/b/f");
	int fd = open_ok("plain/a/b", ROOT_NO_CREATE);
	assert_same_inode(fd, in_root("plain/a/b"));
	close(fd);
	/* a leading '/' (or several) is the root itself */
	fd = open_ok("//plain/a/b/f", ROOT_NO_CREATE);
	assert_same_inode(fd, in_root("plain/a/b/f"));
	close(fd);
	fd = open_ok("/", ROOT_NO_CREATE);
	assert_same_inode(fd, root);
	close(fd);
	fd = open_ok("", ROOT_NO_CREATE);
	assert_same_inode(fd, root);
	close(fd);
	/* an existing path is opened, not recreated, whatever `create` says */
	fd = open_ok("plain/a/b/f", ROOT_CREATE_DIR);
	assert_same_inode(fd, in_root("plain/a/b/f"));
	close(fd);
	/* ".." at the top stays at the top */
	fd = open_ok("../../plain/./a/../a/b", ROOT_NO_CREATE);
	assert_same_inode(fd, in_root("plain/a/b"));
	close(fd);
}

static void test_create_missing(void **state)
{
	mkdirs("mk");
	int fd = open_ok("/mk/x/y/z", ROOT_CREATE_DIR);
	struct stat st;
	assert_int_equal(lstat(in_root("mk/x/y/z"), &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	mode_t mask = umask(0);
	umask(mask);
	assert_int_equal(st.st_mode & 07777, 0755 & ~mask);
	assert_same_inode(fd, in_root("mk/x/y/z"));
	close(fd);

	fd = open_ok("mk/f1/f2/file", ROOT_CREATE_FILE);
	assert_int_equal(lstat(in_root("mk/f1/f2"), &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(lstat(in_root("mk/f1/f2/file"), &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, 0);
	assert_same_inode(fd, in_root("mk/f1/f2/file"));
	close(fd);

	/* trailing and doubled slashes */
	fd = open_ok("mk//t1///t2/", ROOT_CREATE_DIR);
	assert_same_inode(fd, in_root("mk/t1/t2"));
	close(fd);
}

static void test_no_create_missing(void **state)
{
	mkdirs("nc");
	struct moat_err err = open_fail("nc/missing/deeper", ROOT_NO_CREATE, ENOENT);
	assert_non_null(strstr(err.msg, "/nc/missing/deeper"));
	assert_missing(in_root("nc/missing"));
	err = open_fail("nc/missing", ROOT_NO_CREATE, ENOENT);
	assert_missing(in_root("nc/missing"));
}

static void test_through_a_file(void **state)
{
	mkdirs("tf");
	mkfile("tf/file");
	open_fail("tf/file/sub", ROOT_CREATE_DIR, ENOTDIR);
	open_fail("tf/file/sub", ROOT_NO_CREATE, ENOTDIR);
}

static void test_absolute_symlink_stays_inside(void **state)
{
	mkdirs("etc");
	mkfile("etc/passwd");
	mkdirs("abs");
	mklink("/etc", "abs/evil");
	/* /abs/evil -> /etc resolves to the rootfs's /etc, not the host's */
	int fd = open_ok("abs/evil", ROOT_NO_CREATE);
	assert_same_inode(fd, in_root("etc"));
	close(fd);
	fd = open_ok("abs/evil/passwd", ROOT_NO_CREATE);
	assert_same_inode(fd, in_root("etc/passwd"));
	close(fd);

	/* creating through it creates inside the root, never on the host */
	char rel[256], host[256];
	snprintf(rel, sizeof(rel), "abs/evil/%s/sub", uniq);
	fd = open_ok(rel, ROOT_CREATE_DIR);
	snprintf(rel, sizeof(rel), "etc/%s/sub", uniq);
	assert_same_inode(fd, in_root(rel));
	close(fd);
	snprintf(host, sizeof(host), "/etc/%s", uniq);
	assert_missing(host);

	snprintf(rel, sizeof(rel), "abs/evil/%s-file", uniq);
	fd = open_ok(rel, ROOT_CREATE_FILE);
	snprintf(rel, sizeof(rel), "etc/%s-file", uniq);
	assert_same_inode(fd, in_root(rel));
	close(fd);
	snprintf(host, sizeof(host), "/etc/%s-file", uniq);
	assert_missing(host);
}

static void test_relative_symlink_stays_inside(void **state)
{
	mkdirs("rel/a/b");
	mkdirs("etc");
	mklink("../../..", "rel/a/b/up");
	int fd = open_ok("rel/a/b/up", ROOT_NO_CREATE);
	assert_same_inode(fd, root);
	close(fd);
	fd = open_ok("rel/a/b/up/etc", ROOT_NO_CREATE);
	assert_same_inode(fd, in_root("etc"));
	close(fd);
	/* more ".." than the tree is deep: clamped at the root */
	mklink("../../../../../../../..", "rel/a/b/way-up");
	fd = open_ok("rel/a/b/way-up/etc", ROOT_NO_CREATE);
	assert_same_inode(fd, in_root("etc"));
	close(fd);

	/* created at the root, not in the directory that holds the root */
	char rel[256], outside[1024];
	snprintf(rel, sizeof(rel), "rel/a/b/way-up/%s", uniq);
	fd = open_ok(rel, ROOT_CREATE_DIR);
	assert_same_inode(fd, in_root(uniq));
	close(fd);
	snprintf(outside, sizeof(outside), "%s/%s", base, uniq);
	assert_missing(outside);
	snprintf(outside, sizeof(outside), "/%s", uniq);
	assert_missing(outside);
}

static void test_dangling_symlink_followed(void **state)
{
	mkdirs("dl");
	/* absolute target: made inside the root */
	char target[256], rel[256], host[256];
	snprintf(target, sizeof(target), "/%s/target/dir", uniq);
	mklink(target, "dl/abs");
	int fd = open_ok("dl/abs", ROOT_CREATE_DIR);
	snprintf(rel, sizeof(rel), "%s/target/dir", uniq);
	struct stat st;
	assert_int_equal(lstat(in_root(rel), &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_same_inode(fd, in_root(rel));
	close(fd);
	snprintf(host, sizeof(host), "/%s", uniq);
	assert_missing(host);
	/* the link itself is left as it was */
	assert_int_equal(lstat(in_root("dl/abs"), &st), 0);
	assert_true(S_ISLNK(st.st_mode));

	/* relative target, in the middle of the path, with a file at the end */
	mklink("../made/here", "dl/relative");
	fd = open_ok("dl/relative/more/file", ROOT_CREATE_FILE);
	assert_int_equal(lstat(in_root("made/here/more/file"), &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_same_inode(fd, in_root("made/here/more/file"));
	close(fd);

	/* a dangling link as the last component of a file mount target */
	mklink("/dl-target-file", "dl/tofile");
	fd = open_ok("dl/tofile", ROOT_CREATE_FILE);
	assert_int_equal(lstat(in_root("dl-target-file"), &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_same_inode(fd, in_root("dl-target-file"));
	close(fd);
	assert_missing("/dl-target-file");

	/* a dangling relative link escaping with ".." is created at the root */
	snprintf(target, sizeof(target), "../../../../%s-esc", uniq);
	mklink(target, "dl/escape");
	fd = open_ok("dl/escape", ROOT_CREATE_DIR);
	snprintf(rel, sizeof(rel), "%s-esc", uniq);
	assert_same_inode(fd, in_root(rel));
	close(fd);
	snprintf(host, sizeof(host), "%s/%s-esc", base, uniq);
	assert_missing(host);
	snprintf(host, sizeof(host), "/tmp/%s-esc", uniq);
	assert_missing(host);

	/* without creation a dangling link is just missing */
	mklink("/nowhere-at-all", "dl/none");
	open_fail("dl/none", ROOT_NO_CREATE, ENOENT);
	assert_missing(in_root("nowhere-at-all"));
}

static void test_symlink_loop(void **state)
{
	mkdirs("loop");
	mklink("l2", "loop/l1");
	mklink("l1", "loop/l2");
	mklink("/loop/self", "loop/self");
	open_fail("loop/l1", ROOT_NO_CREATE, ELOOP);
	open_fail("loop/l1", ROOT_CREATE_DIR, ELOOP);
	open_fail("loop/l1/below", ROOT_CREATE_DIR, ELOOP);
	open_fail("loop/self", ROOT_CREATE_FILE, ELOOP);
	struct stat st;
	assert_int_equal(lstat(in_root("loop/l1"), &st), 0);
	assert_true(S_ISLNK(st.st_mode));

	/* dangling links that chain into each other while creating: bounded */
	mklink("/loop/c2/x", "loop/c1");
	mklink("/loop/c1/y", "loop/c2");
	open_fail("loop/c1", ROOT_CREATE_DIR, ELOOP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_path),
		cmocka_unit_test(test_create_missing),
		cmocka_unit_test(test_no_create_missing),
		cmocka_unit_test(test_through_a_file),
		cmocka_unit_test(test_absolute_symlink_stays_inside),
		cmocka_unit_test(test_relative_symlink_stays_inside),
		cmocka_unit_test(test_dangling_symlink_followed),
		cmocka_unit_test(test_symlink_loop),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
