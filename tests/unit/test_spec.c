/* spec_parse on config documents held in strings: what is accepted, what it
 * becomes, and errors that name the offending field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include <linux/capability.h>

#include "oci/spec.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define BUNDLE "/tmp/moat-test-bundle"

/* A minimal valid config with `process_extra` spliced into "process" and
 * `top_extra` into the top-level object (both may be "" or start with ','). */
static char *config(const char *version, const char *process_extra, const char *top_extra)
{
	char *text;
	int n = asprintf(&text,
			 "{\"ociVersion\":\"%s\",\"root\":{\"path\":\"rootfs\"},"
			 "\"process\":{\"args\":[\"sh\"]%s}%s}",
			 version, process_extra, top_extra);
	assert_true(n > 0);
	return text;
}

static struct oci_spec *parse_ok(const char *text)
{
	struct oci_spec *s = NULL;
	struct moat_err err;
	moat_err_clear(&err);
	int r = spec_parse(text, strlen(text), BUNDLE, &s, &err);
	if (r != 0)
		fail_msg("spec_parse failed (%d): %s\nconfig: %s", r, err.msg, text);
	assert_non_null(s);
	return s;
}

/* Parse a document that must fail: returns the error, checks it starts with prefix. */
static struct moat_err parse_fail(const char *text, const char *prefix)
{
	struct oci_spec *s = NULL;
	struct moat_err err;
	moat_err_clear(&err);
	int r = spec_parse(text, strlen(text), BUNDLE, &s, &err);
	if (r == 0) {
		spec_free(s);
		fail_msg("spec_parse accepted: %s", text);
	}
	assert_true(r < 0);
	assert_int_equal(-r, err.code);
	assert_null(s);
	if (strncmp(err.msg, prefix, strlen(prefix)) != 0)
		fail_msg("error '%s' does not start with '%s'", err.msg, prefix);
	return err;
}

static void fail_with(const char *version, const char *process_extra, const char *top_extra, const char *prefix,
		      const char *also)
{
	char *text = config(version, process_extra, top_extra);
	struct moat_err err = parse_fail(text, prefix);
	if (also && !strstr(err.msg, also))
		fail_msg("error '%s' does not mention '%s'", err.msg, also);
	free(text);
}

static void test_minimal(void **state)
{
	char *text = config("1.0.0", "", "");
	struct oci_spec *s = parse_ok(text);
	assert_string_equal(s->oci_version, "1.0.0");
	assert_string_equal(s->bundle, BUNDLE);
	assert_string_equal(s->rootfs, BUNDLE "/rootfs");
	assert_false(s->root_readonly);
	assert_non_null(s->process);
	assert_string_equal(s->process->args[0], "sh");
	assert_null(s->process->args[1]);
	assert_string_equal(s->process->cwd, "/");
	assert_false(s->process->terminal);
	assert_false(s->process->has_caps);
	assert_int_equal(s->n_mounts, 0);
	assert_int_equal(s->n_namespaces, 0);
	assert_int_equal(s->ns_new, 0);
	for (int k = 0; k < HOOK_KINDS; k++)
		assert_int_equal(s->n_hooks[k], 0);
	spec_free(s);
	free(text);

	/* no process at all is a valid config (create without start) */
	const char *noproc = "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"/abs/root\",\"readonly\":true}}";
	s = parse_ok(noproc);
	assert_null(s->process);
	assert_string_equal(s->rootfs, "/abs/root");
	assert_true(s->root_readonly);
	spec_free(s);
}

static void test_top_level_errors(void **state)
{
	parse_fail("{", "config.json: line");
	parse_fail("[]", "config.json: the top level must be an object");
	parse_fail("{\"root\":{\"path\":\"r\"}}", "ociVersion: required");
	parse_fail("{\"ociVersion\":\"1.0.0\"}", "root.path: required");
	parse_fail("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"\"}}", "root.path: required");
	parse_fail("{\"ociVersion\":\"1.0.0\",\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"}}", "config.json:");
	fail_with("1.0.0", "", ",\"annotations\":{\"a\":1}", "annotations.a: expected a string", NULL);
}

static void test_version(void **state)
{
	static const char *good[] = {"1.0.0", "1.0.2-dev", "1.3.0", "1.2", "1.0.0+build.5", "1.10.200-rc.1"};
	static const char *bad[] = {"2.0.0", "1", "v1.0", "1.0.0.0", "", "0.9.0", "1.", "1.x", "1.0.", "1.0.0 ", "-1.0.0"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (!spec_version_supported(good[i]))
			fail_msg("'%s' should be supported", good[i]);
		char *text = config(good[i], "", "");
		spec_free(parse_ok(text));
		free(text);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (spec_version_supported(bad[i]))
			fail_msg("'%s' should be rejected", bad[i]);
		fail_with(bad[i], "", "", "ociVersion: ", "not a supported version");
	}
	assert_false(spec_version_supported(NULL));
}

static void test_mount_options(void **state)
{
	char *text = config("1.0.0", "",
			    ",\"mounts\":["
			    "{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"/src\","
			    "\"options\":[\"nosuid\",\"ro\",\"rbind\",\"rslave\",\"size=64k\",\"mode=755\"]},"
			    "{\"destination\":\"/t\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
			    "\"options\":[\"ro\",\"rw\",\"nosuid\",\"suid\",\"noexec\",\"private\",\"tmpcopyup\"]},"
			    "{\"destination\":\"/rel\",\"source\":\"data\",\"options\":[\"bind\"]},"
			    "{\"destination\":\"/p\",\"type\":\"proc\",\"source\":\"proc\"}]");
	struct oci_spec *s = parse_ok(text);
	assert_int_equal(s->n_mounts, 4);

	struct oci_mount *m = &s->mounts[0];
	assert_string_equal(m->destination, "/data");
	assert_true(m->bind);
	assert_int_equal(m->flags, MS_NOSUID | MS_RDONLY | MS_BIND | MS_REC);
	assert_int_equal(m->clear, 0);
	assert_int_equal(m->propagation, MS_SLAVE | MS_REC);
	assert_non_null(m->data);
	assert_string_equal(m->data, "size=64k,mode=755");
	assert_false(m->tmpcopyup);
	assert_string_equal(m->source, "/src");

	/* a later option undoes an earlier one, and records what to clear */
	m = &s->mounts[1];
	assert_false(m->bind);
	assert_int_equal(m->flags, MS_NOEXEC);
	assert_int_equal(m->clear, MS_RDONLY | MS_NOSUID);
	assert_int_equal(m->propagation, MS_PRIVATE);
	assert_null(m->data);
	assert_true(m->tmpcopyup);

	/* a bind mount (by option, without type) with a relative source: made absolute under the bundle */
	m = &s->mounts[2];
	assert_true(m->bind);
	assert_int_equal(m->flags, MS_BIND);
	assert_string_equal(m->source, BUNDLE "/data");

	m = &s->mounts[3];
	assert_false(m->bind);
	assert_int_equal(m->flags, 0);
	assert_int_equal(m->propagation, 0);
	assert_null(m->data);
	assert_string_equal(m->type, "proc");
	spec_free(s);
	free(text);

	/* spec_parse_mount_options alone */
	struct oci_mount om;
	memset(&om, 0, sizeof(om));
	struct moat_err err;
	json_t *opts = json_pack("[s,s,s]", "rshared", "nodev", "uid=5");
	assert_int_equal(spec_parse_mount_options(&om, opts, "m", &err), 0);
	assert_int_equal(om.flags, MS_NODEV);
	assert_int_equal(om.propagation, MS_SHARED | MS_REC);
	assert_string_equal(om.data, "uid=5");
	free(om.data);
	json_decref(opts);

	memset(&om, 0, sizeof(om));
	opts = json_pack("[s,i]", "ro", 3);
	assert_true(spec_parse_mount_options(&om, opts, "m", &err) < 0);
	assert_string_equal(err.msg, "m.options[1]: expected a string");
	free(om.data);
	json_decref(opts);
}

static void test_mount_errors(void **state)
{
	fail_with("1.0.0", "", ",\"mounts\":[{\"type\":\"tmpfs\"}]", "mounts[0].destination: required", NULL);
	fail_with("1.0.0", "", ",\"mounts\":[{\"destination\":\"rel\",\"type\":\"tmpfs\"}]",
		  "mounts[0].destination: 'rel' is not an absolute path", NULL);
	fail_with("1.0.0", "", ",\"mounts\":[{\"destination\":\"/a\",\"type\":\"tmpfs\"},{\"destination\":\"/b\"}]",
		  "mounts[1].type: required", NULL);
	fail_with("1.0.0", "", ",\"mounts\":[{\"destination\":\"/a\",\"type\":\"bind\"}]",
		  "mounts[0].source: required for a bind mount", NULL);
	fail_with("1.0.0", "", ",\"mounts\":[{\"destination\":\"/a\",\"type\":\"tmpfs\",\"options\":[\"a,b\"]}]",
		  "mounts[0].options[0]: 'a,b' must not contain a comma", NULL);
	fail_with("1.0.0", "", ",\"mounts\":[{\"destination\":\"/a\",\"type\":\"tmpfs\",\"options\":[\"ro\",7]}]",
		  "mounts[0].options[1]:", NULL);
	fail_with("1.0.0", "", ",\"mounts\":{}", "mounts: expected an array", NULL);
	fail_with("1.0.0", "", ",\"mounts\":[\"/a\"]", "mounts[0]: expected an object", NULL);
}

static void test_process_errors(void **state)
{
	char *text = strdup("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[]}}");
	parse_fail(text, "process.args: must be a non-empty array of strings");
	free(text);
	parse_fail("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"process\":{\"cwd\":\"/\"}}", "process.args:");
	parse_fail("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"sh\",1]}}",
		   "process.args[1]: expected a string");
	parse_fail("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"process\":\"sh\"}",
		   "process: expected an object");
	fail_with("1.0.0", ",\"cwd\":\"tmp\"", "", "process.cwd: 'tmp' is not an absolute path", NULL);
	fail_with("1.0.0", ",\"terminal\":1", "", "process.terminal: expected true or false", NULL);
	fail_with("1.0.0", ",\"oomScoreAdj\":1001", "", "process.oomScoreAdj: 1001 is out of range", NULL);
	fail_with("1.0.0", ",\"user\":{\"uid\":-1}", "", "process.user.uid:", "out of range");
	fail_with("1.0.0", ",\"user\":{\"uid\":0,\"umask\":512}", "", "process.user.umask:", "out of range");
	fail_with("1.0.0", ",\"user\":{\"additionalGids\":[1,\"x\"]}", "",
		  "process.user.additionalGids[1]: expected a gid", NULL);
	fail_with("1.0.0", ",\"consoleSize\":{\"height\":70000}", "", "process.consoleSize.height:", "out of range");
}

static void test_process_fields(void **state)
{
	char *text = config("1.0.0",
			    ",\"terminal\":true,\"consoleSize\":{\"height\":24,\"width\":80},"
			    "\"user\":{\"uid\":1000,\"gid\":100,\"umask\":18,\"additionalGids\":[5,6]},"
			    "\"env\":[\"A=1\"],\"cwd\":\"/w\",\"noNewPrivileges\":true,\"oomScoreAdj\":-5,"
			    "\"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_SYS_ADMIN\"],"
			    "\"effective\":[\"CAP_KILL\"],\"ambient\":[]},"
			    "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":10,\"hard\":20},"
			    "{\"type\":\"RLIMIT_CORE\",\"soft\":0,\"hard\":9223372036854775807}]",
			    "");
	struct oci_spec *s = parse_ok(text);
	struct oci_process *p = s->process;
	assert_true(p->terminal);
	assert_int_equal(p->console_height, 24);
	assert_int_equal(p->console_width, 80);
	assert_int_equal(p->uid, 1000);
	assert_int_equal(p->gid, 100);
	assert_true(p->has_umask);
	assert_int_equal(p->umask, 022);
	assert_int_equal(p->n_additional_gids, 2);
	assert_int_equal(p->additional_gids[0], 5);
	assert_int_equal(p->additional_gids[1], 6);
	assert_string_equal(p->env[0], "A=1");
	assert_string_equal(p->cwd, "/w");
	assert_true(p->no_new_privileges);
	assert_true(p->has_oom_score_adj);
	assert_int_equal(p->oom_score_adj, -5);
	assert_true(p->has_caps);
	assert_int_equal(p->caps.bounding, (1ULL << CAP_CHOWN) | (1ULL << CAP_SYS_ADMIN));
	assert_int_equal(p->caps.effective, 1ULL << CAP_KILL);
	assert_int_equal(p->caps.permitted, 0);
	assert_int_equal(p->caps.ambient, 0);
	assert_int_equal(p->n_rlimits, 2);
	assert_int_equal(p->rlimits[0].resource, RLIMIT_NOFILE);
	assert_int_equal(p->rlimits[0].soft, 10);
	assert_int_equal(p->rlimits[0].hard, 20);
	assert_int_equal(p->rlimits[1].resource, RLIMIT_CORE);
	assert_true(p->rlimits[1].hard == (uint64_t)INT64_MAX);
	spec_free(s);
	free(text);
}

static void test_capabilities(void **state)
{
	assert_int_equal(spec_cap_from_name("CAP_CHOWN"), CAP_CHOWN);
	assert_int_equal(spec_cap_from_name("CAP_SYS_ADMIN"), CAP_SYS_ADMIN);
	assert_int_equal(spec_cap_from_name("CAP_NET_BIND_SERVICE"), CAP_NET_BIND_SERVICE);
	assert_int_equal(spec_cap_from_name("CAP_AUDIT_WRITE"), CAP_AUDIT_WRITE);
	/* the spec spells names upper-case with the prefix */
	assert_int_equal(spec_cap_from_name("chown"), -1);
	assert_int_equal(spec_cap_from_name("CHOWN"), -1);
	assert_int_equal(spec_cap_from_name("CAP_"), -1);
	assert_int_equal(spec_cap_from_name("CAP_NOT_A_CAP"), -1);
	assert_int_equal(spec_cap_from_name(""), -1);

	fail_with("1.0.0", ",\"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_BOGUS\"]}", "",
		  "process.capabilities.bounding[1]: unknown capability 'CAP_BOGUS'", NULL);
	fail_with("1.0.0", ",\"capabilities\":{\"ambient\":[\"cap_chown\"]}", "",
		  "process.capabilities.ambient[0]: unknown capability 'cap_chown'", NULL);
	fail_with("1.0.0", ",\"capabilities\":{\"effective\":[1]}", "",
		  "process.capabilities.effective[0]: expected a string", NULL);
	fail_with("1.0.0", ",\"capabilities\":{\"permitted\":\"CAP_CHOWN\"}", "",
		  "process.capabilities.permitted: expected an array", NULL);
}

static void test_rlimits(void **state)
{
	assert_int_equal(spec_rlimit_from_name("RLIMIT_NOFILE"), RLIMIT_NOFILE);
	assert_int_equal(spec_rlimit_from_name("RLIMIT_AS"), RLIMIT_AS);
	assert_int_equal(spec_rlimit_from_name("RLIMIT_STACK"), RLIMIT_STACK);
	assert_int_equal(spec_rlimit_from_name("RLIMIT_RTTIME"), RLIMIT_RTTIME);
	assert_int_equal(spec_rlimit_from_name("RLIMIT_SIGPENDING"), RLIMIT_SIGPENDING);
	assert_int_equal(spec_rlimit_from_name("NOFILE"), -1);
	assert_int_equal(spec_rlimit_from_name("rlimit_nofile"), -1);
	assert_int_equal(spec_rlimit_from_name(""), -1);

	fail_with("1.0.0",
		  ",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":1,\"hard\":2},"
		  "{\"type\":\"RLIMIT_NOFILE\",\"soft\":1,\"hard\":2}]",
		  "", "process.rlimits[1].type: rlimit given twice", NULL);
	fail_with("1.0.0", ",\"rlimits\":[{\"type\":\"RLIMIT_BOGUS\",\"soft\":1,\"hard\":2}]", "",
		  "process.rlimits[0].type: unknown rlimit 'RLIMIT_BOGUS'", NULL);
	fail_with("1.0.0", ",\"rlimits\":[{\"soft\":1,\"hard\":2}]", "", "process.rlimits[0].type: unknown rlimit ''",
		  NULL);
	fail_with("1.0.0", ",\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"soft\":1}]", "",
		  "process.rlimits[0]: soft and hard are required", NULL);
	fail_with("1.0.0", ",\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"soft\":3,\"hard\":2}]", "",
		  "process.rlimits[0]: soft limit is above the hard limit", NULL);
	fail_with("1.0.0", ",\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"soft\":-1,\"hard\":2}]", "",
		  "process.rlimits[0].soft: must not be negative", NULL);
	fail_with("1.0.0", ",\"rlimits\":[7]", "", "process.rlimits[0]: expected an object", NULL);
}

static void test_namespaces(void **state)
{
	char *text = config("1.0.0", "",
			    ",\"hostname\":\"h\",\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"},"
			    "{\"type\":\"mount\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},{\"type\":\"cgroup\"},"
			    "{\"type\":\"user\"},{\"type\":\"time\"},{\"type\":\"ipc\",\"path\":\"\"}]}");
	/* ipc twice, the second with an empty path (which means "new") */
	parse_fail(text, "linux.namespaces[8]: namespace type given twice");
	free(text);

	text = config("1.0.0", "",
		      ",\"hostname\":\"h\",\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\","
		      "\"path\":\"/proc/self/ns/net\"},{\"type\":\"mount\"},{\"type\":\"uts\"},{\"type\":\"user\"},"
		      "{\"type\":\"time\"},{\"type\":\"cgroup\"}],"
		      "\"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
		      "\"gidMappings\":[{\"containerID\":0,\"hostID\":200000,\"size\":1}],"
		      "\"timeOffsets\":{\"boottime\":{\"secs\":1}}}");
	struct oci_spec *s = parse_ok(text);
	assert_int_equal(s->n_namespaces, 7);
	assert_int_equal(s->ns_new,
			 CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWUSER | CLONE_NEWTIME | CLONE_NEWCGROUP);
	assert_int_equal(s->ns_join, CLONE_NEWNET);
	assert_int_equal(s->namespaces[1].type, CLONE_NEWNET);
	assert_string_equal(s->namespaces[1].path, "/proc/self/ns/net");
	assert_int_equal(s->n_uid_mappings, 1);
	assert_int_equal(s->uid_mappings[0].container_id, 0);
	assert_int_equal(s->uid_mappings[0].host_id, 100000);
	assert_int_equal(s->uid_mappings[0].size, 65536);
	assert_int_equal(s->n_gid_mappings, 1);
	assert_int_equal(s->gid_mappings[0].host_id, 200000);
	assert_int_equal(s->gid_mappings[0].size, 1);
	assert_string_equal(s->hostname, "h");
	spec_free(s);
	free(text);

	fail_with("1.0.0", "", ",\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"bogus\"}]}",
		  "linux.namespaces[1].type: unknown namespace type 'bogus'", NULL);
	fail_with("1.0.0", "", ",\"linux\":{\"namespaces\":[{\"path\":\"/proc/self/ns/net\"}]}",
		  "linux.namespaces[0].type: unknown namespace type ''", NULL);
	fail_with("1.0.0", "", ",\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"pid\"}]}",
		  "linux.namespaces[1]: namespace type given twice", NULL);
	fail_with("1.0.0", "",
		  ",\"linux\":{\"namespaces\":[{\"type\":\"network\",\"path\":\"/proc/self/ns/net\"},"
		  "{\"type\":\"network\"}]}",
		  "linux.namespaces[1]: namespace type given twice", NULL);
	fail_with("1.0.0", "", ",\"linux\":{\"namespaces\":[{\"type\":\"network\",\"path\":\"proc/self/ns/net\"}]}",
		  "linux.namespaces[0].path: 'proc/self/ns/net' is not an absolute path", NULL);
	fail_with("1.0.0", "",
		  ",\"linux\":{\"namespaces\":[{\"type\":\"network\",\"path\":\"/nonexistent/moat/ns\"}]}",
		  "linux.namespaces[0].path: /nonexistent/moat/ns", "No such file");
	fail_with("1.0.0", "", ",\"linux\":{\"namespaces\":[\"pid\"]}", "linux.namespaces[0]: expected an object",
		  NULL);
}

static void test_idmaps(void **state)
{
	fail_with("1.0.0", "",
		  ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],"
		  "\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}],"
		  "\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]}",
		  "linux.uidMappings: mappings given without a new user namespace", NULL);
	/* a joined user namespace is not a new one */
	fail_with("1.0.0", "",
		  ",\"linux\":{\"namespaces\":[{\"type\":\"user\",\"path\":\"/proc/self/ns/user\"}],"
		  "\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]}",
		  "linux.uidMappings: mappings given without a new user namespace", NULL);
	fail_with("1.0.0", "",
		  ",\"linux\":{\"namespaces\":[{\"type\":\"user\"}],"
		  "\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]}",
		  "linux.uidMappings: a new user namespace needs uidMappings and gidMappings", NULL);
	fail_with("1.0.0", "",
		  ",\"linux\":{\"namespaces\":[{\"type\":\"user\"}],"
		  "\"uidMappings\":[{\"containerID\":0,\"size\":1}],"
		  "\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]}",
		  "linux.uidMappings[0]: containerID, hostID and size are required", NULL);
	fail_with("1.0.0", "",
		  ",\"linux\":{\"namespaces\":[{\"type\":\"user\"}],"
		  "\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}],"
		  "\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":0}]}",
		  "linux.gidMappings[0].size:", "out of range");
	fail_with("1.0.0", "", ",\"linux\":{\"timeOffsets\":{\"boottime\":{\"secs\":1}}}",
		  "linux.timeOffsets: offsets given without a new time namespace", NULL);
	fail_with("1.0.0", "", ",\"hostname\":\"h\",\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}",
		  "hostname: setting a hostname needs a uts namespace", NULL);
}

static void test_devices(void **state)
{
	char *text = config("1.0.0", "",
			    ",\"linux\":{\"devices\":[{\"path\":\"/dev/null2\",\"type\":\"c\",\"major\":1,\"minor\":3,"
			    "\"fileMode\":438,\"uid\":0,\"gid\":5},{\"path\":\"/dev/fifo\",\"type\":\"p\"}]}");
	struct oci_spec *s = parse_ok(text);
	assert_int_equal(s->n_devices, 2);
	assert_string_equal(s->devices[0].path, "/dev/null2");
	assert_int_equal(s->devices[0].type, 'c');
	assert_int_equal(s->devices[0].major, 1);
	assert_int_equal(s->devices[0].minor, 3);
	assert_true(s->devices[0].has_mode);
	assert_int_equal(s->devices[0].mode, 0666);
	assert_true(s->devices[0].has_uid && s->devices[0].has_gid);
	assert_int_equal(s->devices[0].gid, 5);
	assert_int_equal(s->devices[1].type, 'p');
	assert_false(s->devices[1].has_mode);
	spec_free(s);
	free(text);

	fail_with("1.0.0", "", ",\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"x\",\"major\":1,\"minor\":1}]}",
		  "linux.devices[0].type: 'x' is not one of c, b, u, p", NULL);
	fail_with("1.0.0", "", ",\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"cb\",\"major\":1,\"minor\":1}]}",
		  "linux.devices[0].type: 'cb' is not one of c, b, u, p", NULL);
	fail_with("1.0.0", "", ",\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"major\":1,\"minor\":1}]}",
		  "linux.devices[0].type: '' is not one of", NULL);
	fail_with("1.0.0", "", ",\"linux\":{\"devices\":[{\"path\":\"dev/x\",\"type\":\"c\",\"major\":1,\"minor\":1}]}",
		  "linux.devices[0].path: an absolute path is required", NULL);
	fail_with("1.0.0", "", ",\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"b\",\"major\":8}]}",
		  "linux.devices[0]: major and minor are required for type b", NULL);
	fail_with("1.0.0", "",
		  ",\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"c\",\"major\":1,\"minor\":1,"
		  "\"fileMode\":65535}]}",
		  "linux.devices[0].fileMode:", "out of range");
}

static void test_linux_misc(void **state)
{
	char *text = config("1.0.0", "",
			    ",\"linux\":{\"rootfsPropagation\":\"rslave\",\"cgroupsPath\":\"/a/b\","
			    "\"maskedPaths\":[\"/proc/kcore\"],\"readonlyPaths\":[\"/proc/sys\"],"
			    "\"sysctl\":{\"kernel.msgmax\":\"1\"},\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\"}}");
	struct oci_spec *s = parse_ok(text);
	assert_int_equal(s->rootfs_propagation, MS_SLAVE | MS_REC);
	assert_string_equal(s->cgroups_path, "/a/b");
	assert_string_equal(s->masked_paths[0], "/proc/kcore");
	assert_null(s->masked_paths[1]);
	assert_string_equal(s->readonly_paths[0], "/proc/sys");
	assert_non_null(s->sysctl);
	assert_non_null(s->seccomp);
	assert_string_equal(json_string_value(json_object_get(s->seccomp, "defaultAction")), "SCMP_ACT_ALLOW");
	spec_free(s);
	free(text);

	fail_with("1.0.0", "", ",\"linux\":{\"rootfsPropagation\":\"sideways\"}",
		  "linux.rootfsPropagation: unknown propagation 'sideways'", NULL);
	fail_with("1.0.0", "", ",\"linux\":{\"sysctl\":{\"kernel.msgmax\":1}}",
		  "linux.sysctl.kernel.msgmax: expected a string", NULL);
	fail_with("1.0.0", "", ",\"linux\":{\"seccomp\":[]}", "linux.seccomp: expected an object", NULL);
	fail_with("1.0.0", "", ",\"linux\":{\"maskedPaths\":[1]}", "linux.maskedPaths[0]:", NULL);
	fail_with("1.0.0", "", ",\"linux\":[]", "linux: expected an object", NULL);
}

static void test_hooks(void **state)
{
	char *text = config("1.0.0", "",
			    ",\"hooks\":{\"prestart\":[{\"path\":\"/bin/a\",\"args\":[\"a\",\"x\"],"
			    "\"env\":[\"K=V\"],\"timeout\":5},{\"path\":\"/bin/b\"}],"
			    "\"createRuntime\":[{\"path\":\"/bin/c\"}],\"createContainer\":[],"
			    "\"startContainer\":[{\"path\":\"/bin/d\"}],\"poststart\":[{\"path\":\"/bin/e\"}],"
			    "\"poststop\":[{\"path\":\"/bin/f\",\"timeout\":1}]}");
	struct oci_spec *s = parse_ok(text);
	assert_int_equal(s->n_hooks[HOOK_PRESTART], 2);
	assert_string_equal(s->hooks[HOOK_PRESTART][0].path, "/bin/a");
	assert_string_equal(s->hooks[HOOK_PRESTART][0].args[1], "x");
	assert_null(s->hooks[HOOK_PRESTART][0].args[2]);
	assert_string_equal(s->hooks[HOOK_PRESTART][0].env[0], "K=V");
	assert_int_equal(s->hooks[HOOK_PRESTART][0].timeout, 5);
	assert_string_equal(s->hooks[HOOK_PRESTART][1].path, "/bin/b");
	assert_null(s->hooks[HOOK_PRESTART][1].args);
	assert_int_equal(s->hooks[HOOK_PRESTART][1].timeout, 0);
	assert_int_equal(s->n_hooks[HOOK_CREATE_RUNTIME], 1);
	assert_int_equal(s->n_hooks[HOOK_CREATE_CONTAINER], 0);
	assert_int_equal(s->n_hooks[HOOK_START_CONTAINER], 1);
	assert_string_equal(s->hooks[HOOK_START_CONTAINER][0].path, "/bin/d");
	assert_int_equal(s->n_hooks[HOOK_POSTSTART], 1);
	assert_int_equal(s->n_hooks[HOOK_POSTSTOP], 1);
	assert_int_equal(s->hooks[HOOK_POSTSTOP][0].timeout, 1);
	spec_free(s);
	free(text);

	static const char *names[HOOK_KINDS] = {"prestart", "createRuntime", "createContainer",
						"startContainer", "poststart", "poststop"};
	for (int k = 0; k < HOOK_KINDS; k++)
		assert_string_equal(spec_hook_kind_name((enum oci_hook_kind)k), names[k]);

	fail_with("1.0.0", "", ",\"hooks\":{\"prestart\":[{\"path\":\"bin/a\"}]}",
		  "hooks.prestart[0].path: an absolute path is required", NULL);
	fail_with("1.0.0", "", ",\"hooks\":{\"poststop\":[{\"path\":\"/bin/a\"},{\"args\":[\"a\"]}]}",
		  "hooks.poststop[1].path: an absolute path is required", NULL);
	fail_with("1.0.0", "", ",\"hooks\":{\"createRuntime\":[{\"path\":\"/bin/a\",\"timeout\":0}]}",
		  "hooks.createRuntime[0].timeout: 0 is out of range", NULL);
	fail_with("1.0.0", "", ",\"hooks\":{\"startContainer\":[{\"path\":\"/bin/a\",\"timeout\":-3}]}",
		  "hooks.startContainer[0].timeout: -3 is out of range", NULL);
	fail_with("1.0.0", "", ",\"hooks\":{\"poststart\":[{\"path\":\"/bin/a\",\"timeout\":\"5\"}]}",
		  "hooks.poststart[0].timeout: expected an integer", NULL);
	fail_with("1.0.0", "", ",\"hooks\":{\"prestart\":{}}", "hooks.prestart: expected an array", NULL);
	fail_with("1.0.0", "", ",\"hooks\":{\"prestart\":[\"/bin/a\"]}", "hooks.prestart[0]: expected an object", NULL);
	fail_with("1.0.0", "", ",\"hooks\":[]", "hooks: expected an object", NULL);

	/* spec_parse_hooks on its own, as the state's copy is parsed */
	json_error_t jerr;
	json_t *h = json_loads("{\"poststop\":[{\"path\":\"/x\",\"timeout\":2}]}", 0, &jerr);
	assert_non_null(h);
	struct oci_hook *hooks[HOOK_KINDS] = {0};
	size_t n[HOOK_KINDS] = {0};
	struct moat_err err;
	assert_int_equal(spec_parse_hooks(h, hooks, n, &err), 0);
	assert_int_equal(n[HOOK_POSTSTOP], 1);
	assert_int_equal(n[HOOK_PRESTART], 0);
	assert_string_equal(hooks[HOOK_POSTSTOP][0].path, "/x");
	spec_hooks_free(hooks, n);
	assert_null(hooks[HOOK_POSTSTOP]);
	assert_int_equal(n[HOOK_POSTSTOP], 0);
	json_decref(h);
}

static void test_annotations(void **state)
{
	char *text = config("1.0.0", "", ",\"annotations\":{\"run.moat.sandbox\":\"none\",\"k\":\"v\"}");
	struct oci_spec *s = parse_ok(text);
	assert_string_equal(spec_annotation(s, "run.moat.sandbox"), "none");
	assert_string_equal(spec_annotation(s, "k"), "v");
	assert_null(spec_annotation(s, "missing"));
	spec_free(s);
	free(text);
	text = config("1.0.0", "", "");
	s = parse_ok(text);
	assert_null(spec_annotation(s, "k"));
	spec_free(s);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_top_level_errors),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_mount_options),
		cmocka_unit_test(test_mount_errors),
		cmocka_unit_test(test_process_errors),
		cmocka_unit_test(test_process_fields),
		cmocka_unit_test(test_capabilities),
		cmocka_unit_test(test_rlimits),
		cmocka_unit_test(test_namespaces),
		cmocka_unit_test(test_idmaps),
		cmocka_unit_test(test_devices),
		cmocka_unit_test(test_linux_misc),
		cmocka_unit_test(test_hooks),
		cmocka_unit_test(test_annotations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
