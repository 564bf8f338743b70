/* Cgroups against fake trees (MOAT_CGROUP_ROOT): plain directories and files
 * laid out like cgroupfs.  A fake tree does not create a cgroup's files on
 * mkdir, so each test creates the files it expects to be written; a file it
 * leaves out stands for one the kernel lacks. */
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
#include <unistd.h>

#include "linux/cgroup_internal.h"
#include "linux/cgroups.h"
#include "util/fs.h"

static char root[256];

static void mkfile(const char *rel, const char *content)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	char *slash = strrchr(p, '/');
	*slash = '\0';
	struct moat_err err;
	assert_int_equal(mkdir_p(p, 0755, &err), 0);
	*slash = '/';
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static void mkfiles(const char *dir, const char *const *names)
{
	char rel[256];
	for (; *names; names++) {
		snprintf(rel, sizeof(rel), "%s/%s", dir, *names);
		mkfile(rel, "");
	}
}

static const char *readf(const char *rel)
{
	static char buf[4096];
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	FILE *f = fopen(p, "r");
	if (!f)
		return NULL;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static bool exists(const char *rel)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	return access(p, F_OK) == 0;
}

static json_t *J(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);
	if (!j)
		fail_msg("bad test JSON: %s", e.text);
	return j;
}

static int setup_tree(void **state, const char *kind)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/moat-cgtest-%s-XXXXXX", kind);
	if (!mkdtemp(root))
		return -1;
	setenv("MOAT_CGROUP_ROOT", root, 1);
	return 0;
}

static int teardown_tree(void **state)
{
	(void)state;
	unsetenv("MOAT_CGROUP_ROOT");
	return rm_rf(root);
}

/* A v2 tree: controllers at the root, /moat existing, the leaf's files. */
static const char *const v2_leaf_files[] = {
	"cgroup.procs", "memory.max",  "memory.swap.max", "memory.low",      "cpu.max",     "cpu.weight",
	"pids.max",     "io.weight",   "io.max",          "hugetlb.2MB.max", "cpuset.cpus", "cpuset.mems",
	"cgroup.freeze", NULL,
};

static int setup_v2(void **state)
{
	if (setup_tree(state, "v2") < 0)
		return -1;
	mkfile("cgroup.controllers", "cpu memory pids cpuset io hugetlb\n");
	mkfile("cgroup.subtree_control", "");
	mkfile("moat/cgroup.subtree_control", "");
	mkfiles("moat/c1", v2_leaf_files);
	mkfile("moat/c1/memory.max", "max\n");
	mkfile("moat/c1/cpu.max", "max 100000\n");
	return 0;
}

static int setup_v1(void **state)
{
	if (setup_tree(state, "v1") < 0)
		return -1;
	static const char *const hier[] = {"memory", "cpu,cpuacct", "cpuset", "pids", "freezer", "devices", "blkio",
					   "systemd", NULL};
	char dir[128];
	for (const char *const *h = hier; *h; h++) {
		snprintf(dir, sizeof(dir), "%s/moat/c1/cgroup.procs", *h);
		mkfile(dir, "");
		snprintf(dir, sizeof(dir), "%s/moat/c1/tasks", *h);
		mkfile(dir, "");
	}
	static const char *const mem[] = {"memory.limit_in_bytes", "memory.memsw.limit_in_bytes",
					  "memory.soft_limit_in_bytes", NULL};
	mkfiles("memory/moat/c1", mem);
	mkfile("memory/moat/c1/memory.limit_in_bytes", "9223372036854771712\n");
	static const char *const cpu[] = {"cpu.shares", "cpu.cfs_quota_us", "cpu.cfs_period_us", NULL};
	mkfiles("cpu,cpuacct/moat/c1", cpu);
	mkfile("cpuset/cpuset.cpus", "0-3\n");
	mkfile("cpuset/cpuset.mems", "0\n");
	mkfile("cpuset/moat/cpuset.cpus", "\n");
	mkfile("cpuset/moat/cpuset.mems", "\n");
	mkfile("cpuset/moat/c1/cpuset.cpus", "\n");
	mkfile("cpuset/moat/c1/cpuset.mems", "\n");
	mkfile("pids/moat/c1/pids.max", "");
	mkfile("freezer/moat/c1/freezer.state", "THAWED\n");
	static const char *const dev[] = {"devices.allow", "devices.deny", NULL};
	mkfiles("devices/moat/c1", dev);
	mkfile("blkio/moat/c1/blkio.bfq.weight", ""); /* BFQ only, as on hosts without CFQ */
	return 0;
}

/* What the runtime does: make the cgroup, then the new process moves itself in. */
static int create_joined(const char *path, json_t *res, bool rootless, struct moat_err *err)
{
	struct cgroup_join *j = NULL;
	int r = cgroups_create_for_self(path, res, rootless, &j, err);
	if (r == 0 && j)
		r = cgroups_join_self(j, err);
	cgroups_join_free(j);
	return r;
}

/* Validation ------------------------------------------------------------------ */

static void expect_invalid(const char *doc, const char *msg)
{
	struct moat_err err = {0};
	json_t *j = J(doc);
	int r = cgroups_validate(j, &err);
	json_decref(j);
	if (r >= 0)
		fail_msg("accepted %s", doc);
	if (!strstr(err.msg, msg))
		fail_msg("%s: error '%s' does not contain '%s'", doc, err.msg, msg);
}

static void test_validate(void **state)
{
	(void)state;
	struct moat_err err = {0};
	json_t *ok = J("{\"memory\":{\"limit\":1073741824,\"swap\":-1,\"reservation\":0,\"swappiness\":60,"
		       "\"disableOOMKiller\":false},"
		       "\"cpu\":{\"shares\":1024,\"quota\":-1,\"period\":100000,\"cpus\":\"0-3,5\",\"mems\":\"0\"},"
		       "\"pids\":{\"limit\":-1},\"blockIO\":{\"weight\":500,"
		       "\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":1048576}]},"
		       "\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":0}],"
		       "\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\",\"major\":1,"
		       "\"minor\":3,\"access\":\"rw\"}],"
		       "\"network\":{\"classID\":1048577,\"priorities\":[{\"name\":\"eth0\",\"priority\":5}]},"
		       "\"rdma\":{\"mlx5_1\":{\"hcaHandles\":3}},\"unified\":{\"memory.high\":\"1G\"}}");
	assert_int_equal(cgroups_validate(ok, &err), 0);
	json_decref(ok);
	assert_int_equal(cgroups_validate(NULL, &err), 0);

	expect_invalid("{\"memory\":{\"limit\":\"1g\"}}", "linux.resources.memory.limit: expected an integer");
	expect_invalid("{\"memory\":{\"limit\":-2}}", "linux.resources.memory.limit");
	expect_invalid("{\"memory\":{\"limit\":1000,\"swap\":500}}", "linux.resources.memory.swap");
	expect_invalid("{\"memory\":{\"swappiness\":101}}", "linux.resources.memory.swappiness");
	expect_invalid("{\"memory\":{\"disableOOMKiller\":1}}", "linux.resources.memory.disableOOMKiller");
	expect_invalid("{\"memory\":[]}", "linux.resources.memory: expected an object");
	expect_invalid("{\"cpu\":{\"shares\":1}}", "linux.resources.cpu.shares");
	expect_invalid("{\"cpu\":{\"quota\":500}}", "linux.resources.cpu.quota");
	expect_invalid("{\"cpu\":{\"period\":2000000}}", "linux.resources.cpu.period");
	expect_invalid("{\"cpu\":{\"cpus\":\"all\"}}", "linux.resources.cpu.cpus");
	expect_invalid("{\"cpu\":{\"mems\":0}}", "linux.resources.cpu.mems: expected a string");
	expect_invalid("{\"pids\":{\"limit\":1.5}}", "linux.resources.pids.limit: expected an integer");
	expect_invalid("{\"blockIO\":{\"weight\":5}}", "linux.resources.blockIO.weight");
	expect_invalid("{\"blockIO\":{\"weightDevice\":[{\"major\":8,\"weight\":100}]}}",
		       "linux.resources.blockIO.weightDevice[0].minor: required");
	expect_invalid("{\"blockIO\":{\"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":0,\"rate\":-1}]}}",
		       "linux.resources.blockIO.throttleWriteIOPSDevice[0].rate");
	expect_invalid("{\"hugepageLimits\":[{\"pageSize\":\"2M\",\"limit\":1}]}",
		       "linux.resources.hugepageLimits[0].pageSize");
	expect_invalid("{\"hugepageLimits\":[{\"pageSize\":\"2MB\"}]}", "linux.resources.hugepageLimits[0].limit");
	expect_invalid("{\"devices\":[{\"type\":\"c\"}]}", "linux.resources.devices[0].allow");
	expect_invalid("{\"devices\":[{\"allow\":true,\"type\":\"x\"}]}", "linux.resources.devices[0].type");
	expect_invalid("{\"devices\":[{\"allow\":true,\"access\":\"rwx\"}]}", "linux.resources.devices[0].access");
	expect_invalid("{\"devices\":[{\"allow\":true,\"major\":\"1\"}]}",
		       "linux.resources.devices[0].major: expected an integer");
	expect_invalid("{\"devices\":{}}", "linux.resources.devices: expected an array");
	expect_invalid("{\"network\":{\"classID\":-1}}", "linux.resources.network.classID");
	expect_invalid("{\"rdma\":{\"mlx\":{\"hcaObjects\":\"x\"}}}", "linux.resources.rdma.mlx.hcaObjects");
	expect_invalid("{\"unified\":{\"../memory.max\":\"1\"}}", "linux.resources.unified");
	expect_invalid("{\"unified\":{\"memory.high\":5}}", "linux.resources.unified.memory.high: expected a string");
}

static void test_resolve_path(void **state)
{
	(void)state;
	struct moat_err err = {0};
	char *p = NULL;
	assert_int_equal(cgroups_resolve_path(NULL, "abc", false, &p, &err), 0);
	assert_string_equal(p, "/moat/abc");
	free(p);
	assert_int_equal(cgroups_resolve_path("", "abc", false, &p, &err), 0);
	assert_string_equal(p, "/moat/abc");
	free(p);
	assert_int_equal(cgroups_resolve_path("/a//b/./c/", "abc", false, &p, &err), 0);
	assert_string_equal(p, "/a/b/c");
	free(p);
	assert_int_equal(cgroups_resolve_path("pods/x", "abc", false, &p, &err), 0);
	assert_string_equal(p, "/pods/x");
	free(p);
	assert_true(cgroups_resolve_path("/a/../b", "abc", false, &p, &err) < 0);
	assert_non_null(strstr(err.msg, "'..'"));
	assert_true(cgroups_resolve_path("/", "abc", false, &p, &err) < 0);
	assert_true(cgroups_resolve_path("system.slice:docker:abc", "abc", false, &p, &err) < 0);
	assert_non_null(strstr(err.msg, "--systemd-cgroup"));
	if (access("/run/systemd/system", F_OK) < 0) {
		assert_true(cgroups_resolve_path("system.slice:docker:abc", "abc", true, &p, &err) < 0);
		assert_string_equal(err.msg, "systemd cgroup driver: systemd is not running on this host");
	} else {
		assert_int_equal(cgroups_resolve_path("a-b.slice:docker:abc", "abc", true, &p, &err), 0);
		assert_string_equal(p, "/a.slice/a-b.slice/docker-abc.scope");
		free(p);
	}
}

/* v2 --------------------------------------------------------------------------- */

static void test_v2_create(void **state)
{
	(void)state;
	struct moat_err err = {0};
	enum cgroup_mode mode;
	assert_int_equal(cgroups_mode(&mode, &err), 0);
	assert_int_equal(mode, CGROUP_MODE_V2);
	json_t *res = J("{\"memory\":{\"limit\":268435456,\"swap\":536870912,\"reservation\":134217728},"
			"\"cpu\":{\"shares\":1024,\"quota\":50000,\"period\":100000,\"cpus\":\"0-1\",\"mems\":\"0\"},"
			"\"pids\":{\"limit\":100},\"blockIO\":{\"weight\":500,"
			"\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":1048576}]},"
			"\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304}]}");
	int r = create_joined("/moat/c1", res, false, &err);
	json_decref(res);
	if (r < 0)
		fail_msg("create: %s", err.msg);
	assert_string_equal(readf("moat/c1/memory.max"), "268435456");
	assert_string_equal(readf("moat/c1/memory.swap.max"), "268435456"); /* swap 512M - limit 256M */
	assert_string_equal(readf("moat/c1/memory.low"), "134217728");
	assert_string_equal(readf("moat/c1/cpu.weight"), "39"); /* 1 + (1024 - 2) * 9999 / 262142 */
	assert_string_equal(readf("moat/c1/cpu.max"), "50000 100000");
	assert_string_equal(readf("moat/c1/cpuset.cpus"), "0-1");
	assert_string_equal(readf("moat/c1/cpuset.mems"), "0");
	assert_string_equal(readf("moat/c1/pids.max"), "100");
	assert_string_equal(readf("moat/c1/io.weight"), "4950"); /* 1 + (500 - 10) * 9999 / 990 */
	assert_string_equal(readf("moat/c1/io.max"), "8:0 rbps=1048576");
	assert_string_equal(readf("moat/c1/hugetlb.2MB.max"), "4194304");
	assert_string_equal(readf("moat/c1/cgroup.procs"), "0"); /* "0": the caller itself */
	/* every available controller, in the root and in /moat, not in the leaf */
	assert_string_equal(readf("cgroup.subtree_control"), "+cpuset +cpu +io +memory +hugetlb +pids");
	assert_string_equal(readf("moat/cgroup.subtree_control"), "+cpuset +cpu +io +memory +hugetlb +pids");
	assert_false(exists("moat/c1/cgroup.subtree_control"));

	pid_t *pids;
	size_t n;
	mkfile("moat/c1/cgroup.procs", "4242\n");
	mkfile("moat/c1/sub/cgroup.procs", "77\n78\n");
	assert_int_equal(cgroups_pids("/moat/c1", &pids, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(pids[0], 4242);
	assert_int_equal(pids[1] + pids[2], 77 + 78);
	free(pids);
}

static void test_v2_update(void **state)
{
	(void)state;
	struct moat_err err = {0};
	json_t *res = J("{\"memory\":{\"limit\":268435456},\"cpu\":{\"quota\":50000,\"period\":100000}}");
	assert_int_equal(create_joined("/moat/c1", res, false, &err), 0);
	json_decref(res);
	mkfile("moat/c1/pids.max", "untouched");

	/* swap alone is converted against the current memory.max */
	res = J("{\"memory\":{\"swap\":1073741824}}");
	if (cgroups_update("/moat/c1", res, &err) < 0)
		fail_msg("update: %s", err.msg);
	json_decref(res);
	assert_string_equal(readf("moat/c1/memory.swap.max"), "805306368");
	assert_string_equal(readf("moat/c1/memory.max"), "268435456");
	assert_string_equal(readf("moat/c1/pids.max"), "untouched"); /* only what is given */

	/* a period alone keeps the quota */
	res = J("{\"cpu\":{\"period\":20000}}");
	assert_int_equal(cgroups_update("/moat/c1", res, &err), 0);
	json_decref(res);
	assert_string_equal(readf("moat/c1/cpu.max"), "50000 20000");

	res = J("{\"memory\":{\"limit\":-1},\"cpu\":{\"quota\":-1},\"pids\":{\"limit\":-1}}");
	assert_int_equal(cgroups_update("/moat/c1", res, &err), 0);
	json_decref(res);
	assert_string_equal(readf("moat/c1/memory.max"), "max");
	assert_string_equal(readf("moat/c1/memory.swap.max"), "max");
	assert_string_equal(readf("moat/c1/cpu.max"), "max");
	assert_string_equal(readf("moat/c1/pids.max"), "max");

	res = J("{\"unified\":{\"memory.max\":\"12345\"}}");
	assert_int_equal(cgroups_update("/moat/c1", res, &err), 0);
	json_decref(res);
	assert_string_equal(readf("moat/c1/memory.max"), "12345");
}

static void test_v2_errors(void **state)
{
	(void)state;
	struct moat_err err = {0};
	json_t *res = J("{}");
	assert_int_equal(create_joined("/moat/c1", res, false, &err), 0);
	json_decref(res);

	res = J("{\"blockIO\":{\"weightDevice\":[{\"major\":8,\"minor\":0,\"weight\":100}]}}");
	assert_true(cgroups_update("/moat/c1", res, &err) < 0);
	assert_non_null(strstr(err.msg, "linux.resources.blockIO.weightDevice: not supported by this kernel "
					"(io.bfq.weight missing)"));
	json_decref(res);

	res = J("{\"cpu\":{\"realtimeRuntime\":1000}}");
	assert_true(cgroups_update("/moat/c1", res, &err) < 0);
	assert_non_null(strstr(err.msg, "linux.resources.cpu.realtimeRuntime: not supported on cgroup v2"));
	json_decref(res);

	res = J("{\"network\":{\"classID\":1}}");
	assert_true(cgroups_update("/moat/c1", res, &err) < 0);
	assert_non_null(strstr(err.msg, "linux.resources.network.classID: no net_cls cgroup controller"));
	json_decref(res);

	res = J("{\"unified\":{\"memory.high\":\"1G\"}}");
	assert_true(cgroups_update("/moat/c1", res, &err) < 0);
	assert_non_null(strstr(err.msg, "linux.resources.unified.memory.high: no such cgroup file"));
	json_decref(res);

	res = J("{\"pids\":{\"limit\":5}}");
	assert_true(cgroups_update("/moat/nope", res, &err) < 0);
	assert_non_null(strstr(err.msg, "does not exist"));
	json_decref(res);

	/* a failed creation removes the directories it made, and only those */
	res = J("{\"memory\":{\"limit\":1048576}}");
	assert_true(create_joined("/moat/new/c2", res, false, &err) < 0);
	assert_non_null(strstr(err.msg, "linux.resources.memory.limit: not supported by this kernel (memory.max missing)"));
	json_decref(res);
	assert_false(exists("moat/new"));
	assert_true(exists("moat/c1"));

	/* rootless without limits: a cgroup that cannot be made is skipped */
	if (geteuid() != 0) {
		char ro[300];
		snprintf(ro, sizeof(ro), "%s/moat", root);
		chmod(ro, 0555);
		res = J("{}");
		assert_int_equal(create_joined("/moat/c3", res, true, &err), 0);
		json_decref(res);
		chmod(ro, 0755);
	}
}

static void test_v2_freeze_destroy(void **state)
{
	(void)state;
	struct moat_err err = {0};
	mkfile("moat/c1/cgroup.events", "populated 1\nfrozen 1\n");
	mkfile("moat/c1/cgroup.freeze", "0\n");
	assert_false(cgroups_is_frozen("/moat/c1"));
	assert_int_equal(cgroups_freeze("/moat/c1", true, &err), 0);
	assert_string_equal(readf("moat/c1/cgroup.freeze"), "1");
	assert_true(cgroups_is_frozen("/moat/c1"));

	char dir[300];
	snprintf(dir, sizeof(dir), "%s/moat/c9", root);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(cgroups_destroy("/moat/c9", &err), 0);
	assert_false(exists("moat/c9"));
	assert_true(exists("moat"));
	assert_int_equal(cgroups_destroy("/moat/c9", &err), 0); /* absent is fine */
	assert_true(cgroups_destroy("/moat/../x", &err) < 0);
}

/* v1 --------------------------------------------------------------------------- */

static void test_v1_create(void **state)
{
	(void)state;
	struct moat_err err = {0};
	enum cgroup_mode mode;
	assert_int_equal(cgroups_mode(&mode, &err), 0);
	assert_int_equal(mode, CGROUP_MODE_V1);
	json_t *res = J("{\"memory\":{\"limit\":104857600,\"swap\":209715200},"
			"\"cpu\":{\"shares\":512,\"quota\":20000,\"period\":100000},\"pids\":{\"limit\":10},"
			"\"blockIO\":{\"weight\":300},"
			"\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
			"{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rw\"}]}");
	int r = create_joined("/moat/c1", res, false, &err);
	json_decref(res);
	if (r < 0)
		fail_msg("create: %s", err.msg);
	assert_string_equal(readf("memory/moat/c1/memory.limit_in_bytes"), "104857600");
	assert_string_equal(readf("memory/moat/c1/memory.memsw.limit_in_bytes"), "209715200");
	assert_string_equal(readf("cpu,cpuacct/moat/c1/cpu.shares"), "512");
	assert_string_equal(readf("cpu,cpuacct/moat/c1/cpu.cfs_quota_us"), "20000");
	assert_string_equal(readf("cpu,cpuacct/moat/c1/cpu.cfs_period_us"), "100000");
	assert_string_equal(readf("pids/moat/c1/pids.max"), "10");
	assert_string_equal(readf("blkio/moat/c1/blkio.bfq.weight"), "300");
	/* cpuset: inherited from the root down, as v1 needs before tasks join */
	assert_string_equal(readf("cpuset/moat/cpuset.cpus"), "0-3");
	assert_string_equal(readf("cpuset/moat/c1/cpuset.cpus"), "0-3");
	assert_string_equal(readf("cpuset/moat/c1/cpuset.mems"), "0");
	/* devices: deny all, then the config's rules, then the standard devices;
	 * a fake file collects the separate writes end to end */
	assert_string_equal(readf("devices/moat/c1/devices.deny"), "a");
	const char *allow = readf("devices/moat/c1/devices.allow");
	assert_true(!strncmp(allow, "c 1:3 rwc *:* mb *:* mc 1:3 rwm", 31));
	assert_non_null(strstr(allow, "c 136:* rwm"));
	assert_non_null(strstr(allow, "c 5:2 rwm"));
	static const char *const hier[] = {"memory", "cpu,cpuacct", "cpuset", "pids", "freezer", "devices", "blkio",
					   "systemd", NULL};
	char rel[128];
	for (const char *const *h = hier; *h; h++) {
		/* v1 "tasks": the calling thread moves itself */
		snprintf(rel, sizeof(rel), "%s/moat/c1/tasks", *h);
		assert_string_equal(readf(rel), "0");
	}

	assert_int_equal(cgroups_freeze("/moat/c1", true, &err), 0);
	assert_string_equal(readf("freezer/moat/c1/freezer.state"), "FROZEN");
	assert_true(cgroups_is_frozen("/moat/c1"));

	/* memory and memory+swap grow together */
	res = J("{\"memory\":{\"limit\":314572800,\"swap\":419430400}}");
	assert_int_equal(cgroups_update("/moat/c1", res, &err), 0);
	json_decref(res);
	assert_string_equal(readf("memory/moat/c1/memory.limit_in_bytes"), "314572800");
	assert_string_equal(readf("memory/moat/c1/memory.memsw.limit_in_bytes"), "419430400");

	res = J("{\"blockIO\":{\"leafWeight\":100}}");
	assert_true(cgroups_update("/moat/c1", res, &err) < 0);
	assert_non_null(strstr(err.msg, "linux.resources.blockIO.leafWeight: not supported by this kernel "
					"(blkio.leaf_weight missing)"));
	json_decref(res);
	res = J("{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":0}]}");
	assert_true(cgroups_update("/moat/c1", res, &err) < 0);
	assert_non_null(strstr(err.msg, "linux.resources.hugepageLimits: no hugetlb cgroup controller"));
	json_decref(res);
}

/* BPF device filter ------------------------------------------------------------ */

static void test_bpf_build(void **state)
{
	(void)state;
	struct moat_err err = {0};
	struct bpf_insn *p;
	size_t n;

	/* nothing allowed: prologue (6) + default (2) */
	assert_int_equal(cg_bpf_devices_build(NULL, 0, &p, &n, &err), 0);
	assert_int_equal(n, 8);
	assert_int_equal(p[6].code, BPF_ALU | BPF_MOV | BPF_K);
	assert_int_equal(p[6].imm, 0);
	assert_int_equal(p[7].code, BPF_JMP | BPF_EXIT);
	free(p);

	/* deny all, allow c 1:3 rwm: one 5-instruction block, default deny */
	struct cg_dev_rule wl[] = {{false, 'a', -1, -1, CG_ACC_ALL}, {true, 'c', 1, 3, CG_ACC_ALL}};
	assert_int_equal(cg_bpf_devices_build(wl, 2, &p, &n, &err), 0);
	assert_int_equal(n, 13);
	assert_int_equal(p[6].code, BPF_JMP | BPF_JNE | BPF_K);
	assert_int_equal(p[6].dst_reg, BPF_REG_2);
	assert_int_equal(p[6].imm, BPF_DEVCG_DEV_CHAR);
	assert_int_equal(p[6].off, 4); /* to the default, at 11 */
	assert_int_equal(p[7].dst_reg, BPF_REG_4);
	assert_int_equal(p[7].imm, 1);
	assert_int_equal(p[7].off, 3);
	assert_int_equal(p[8].dst_reg, BPF_REG_5);
	assert_int_equal(p[8].imm, 3);
	assert_int_equal(p[9].imm, 1); /* allow */
	assert_int_equal(p[10].code, BPF_JMP | BPF_EXIT);
	assert_int_equal(p[11].imm, 0); /* default deny */
	assert_int_equal(p[12].code, BPF_JMP | BPF_EXIT);
	free(p);

	/* allow all, deny c 1:5 r, deny b *:* rwm: last rule first, default allow */
	struct cg_dev_rule bl[] = {{true, 'a', -1, -1, CG_ACC_ALL},
				   {false, 'c', 1, 5, CG_ACC_R},
				   {false, 'b', -1, -1, CG_ACC_ALL}};
	assert_int_equal(cg_bpf_devices_build(bl, 3, &p, &n, &err), 0);
	assert_int_equal(n, 6 + 3 + 8 + 2);
	assert_int_equal(p[6].imm, BPF_DEVCG_DEV_BLOCK);
	assert_int_equal(p[6].off, 2);
	assert_int_equal(p[7].imm, 0);
	assert_int_equal(p[9].imm, BPF_DEVCG_DEV_CHAR);
	assert_int_equal(p[9].off, 7);
	assert_int_equal(p[11].code, BPF_ALU | BPF_AND | BPF_K);
	assert_int_equal(p[11].imm, BPF_DEVCG_ACC_READ);
	assert_int_equal(p[12].code, BPF_JMP | BPF_JNE | BPF_X);
	assert_int_equal(p[12].off, 4);
	assert_int_equal(p[n - 2].imm, 1); /* default allow */
	assert_int_equal(p[n - 1].code, BPF_JMP | BPF_EXIT);
	free(p);

	/* podman's "deny all" plus the standard devices */
	struct cg_res r = {0};
	struct cg_dev_rule deny_all = {false, 'a', -1, -1, CG_ACC_ALL}, *rules;
	r.devices = &deny_all;
	r.n_devices = 1;
	assert_int_equal(cg_device_rules(&r, &rules, &n, &err), 0);
	assert_int_equal(n, 1 + 11); /* no second "deny all" in front of podman's */
	assert_int_equal(cg_bpf_devices_build(rules, n, &p, &n, &err), 0);
	/* prologue, 2 mknod rules (6 each), 8 single devices (5 each), pts (4), default */
	assert_int_equal(n, 6 + 6 + 6 + 8 * 5 + 4 + 2);
	assert_int_equal(p[n - 2].imm, 0);
	free(p);
	free(rules);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_resolve_path),
		cmocka_unit_test_setup_teardown(test_v2_create, setup_v2, teardown_tree),
		cmocka_unit_test_setup_teardown(test_v2_update, setup_v2, teardown_tree),
		cmocka_unit_test_setup_teardown(test_v2_errors, setup_v2, teardown_tree),
		cmocka_unit_test_setup_teardown(test_v2_freeze_destroy, setup_v2, teardown_tree),
		cmocka_unit_test_setup_teardown(test_v1_create, setup_v1, teardown_tree),
		cmocka_unit_test(test_bpf_build),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
