/* `moat features`: what this runtime supports, as the OCI features document
 * (runtime-spec features.md) that containerd and podman read. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

#include "cli/cli.h"
#include "linux/seccomp.h"

#ifndef MOAT_VERSION
#define MOAT_VERSION "0.1.0"
#endif

static const char *const hooks[] = {
	"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

/* The options oci/spec.c understands, in its order. */
static const char *const mount_options[] = {
	"defaults", "ro",	  "rw",		 "suid",	"nosuid",      "dev",	     "nodev",
	"exec",	    "noexec",	  "sync",	 "async",	"dirsync",     "remount",    "mand",
	"nomand",   "atime",	  "noatime",	 "diratime",	"nodiratime",  "relatime",   "norelatime",
	"strictatime", "nostrictatime", "silent", "loud",	"lazytime",    "nolazytime", "bind",
	"rbind",    "private",	  "rprivate",	 "shared",	"rshared",     "slave",	     "rslave",
	"unbindable", "runbindable", "tmpcopyup",
};

static const char *const namespaces[] = {"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static json_t *strings(const char *const *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_string(v[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* Every capability libcap has a name for, as "CAP_CHOWN".  Capabilities are
 * bits of a 64-bit set; cap_to_name() gives a number for those it cannot name. */
static json_t *capabilities(void)
{
	json_t *a = json_array();
	for (int c = 0; a && c < 64; c++) {
		char *name = cap_to_name((cap_value_t)c);
		if (!name) {
			json_decref(a);
			return NULL;
		}
		if (strncmp(name, "cap_", 4) == 0) {
			for (char *s = name; *s; s++)
				*s = (char)toupper((unsigned char)*s);
			if (json_array_append_new(a, json_string(name)) < 0) {
				json_decref(a);
				a = NULL;
			}
		}
		cap_free(name);
	}
	return a;
}

static json_t *disabled(void)
{
	return json_pack("{s:b}", "enabled", 0);
}

static json_t *features_document(void)
{
	return json_pack("{s:s, s:s, s:o, s:o,"
			 " s:{s:o, s:o, s:{s:b, s:b, s:b, s:b, s:b}, s:o, s:o, s:o, s:o, s:{s:o}},"
			 " s:{s:s, s:s}}",
			 "ociVersionMin", "1.0.0", "ociVersionMax", "1.2.0", "hooks", strings(hooks, N(hooks)),
			 "mountOptions", strings(mount_options, N(mount_options)), "linux", "namespaces",
			 strings(namespaces, N(namespaces)), "capabilities", capabilities(), "cgroup", "v1", 1, "v2",
			 1, "systemd", 0, "systemdUser", 0, "rdma", 0, "seccomp", seccomp_features(), "apparmor",
			 disabled(), "selinux", disabled(), "intelRdt", disabled(), "mountExtensions", "idmap",
			 disabled(), "annotations", "run.moat.version", MOAT_VERSION, "run.moat.sandbox.levels",
			 "none,sentry,vm");
}

int cmd_features(struct moat_globals *g, int argc, char **argv, struct moat_err *err)
{
	(void)g;
	if (argc > 1)
		return moat_fail(err, EINVAL, "features: unexpected argument '%s' (usage: moat features)", argv[1]);
	json_t *doc = features_document();
	char *text = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
	json_decref(doc);
	if (!text)
		return moat_fail_errno(err, ENOMEM, "features: building the document");
	int r = 0;
	if (printf("%s\n", text) < 0 || fflush(stdout) == EOF)
		r = moat_fail_errno(err, errno ? errno : EIO, "features: writing to stdout");
	free(text);
	return r;
}
