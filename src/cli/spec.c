/* moat spec: write runc's example config.json (runc 1.1 `runc spec`), with
 * --rootless applying runc's ToRootless conversion.  Keys are in the order of
 * the runtime-spec Go structs so the file diffs cleanly against runc's. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "linux/cgroups.h"
#include "oci/state.h"
#include "util/fs.h"

#define CONFIG_FILE "config.json"

static json_t *strings(const char *const *v)
{
	json_t *a = json_array();
	for (; *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

static json_t *mount(const char *dest, const char *type, const char *source, const char *const *options)
{
	json_t *m = json_pack("{s:s, s:s, s:s}", "destination", dest, "type", type, "source", source);
	if (m && options)
		json_object_set_new(m, "options", strings(options));
	return m;
}

static json_t *process(void)
{
	static const char *const args[] = {"sh", NULL};
	static const char *const env[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
					  "TERM=xterm", NULL};
	static const char *const caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL};
	return json_pack("{s:b, s:{s:i, s:i}, s:o, s:o, s:s, s:{s:o, s:o, s:o}, s:[{s:s, s:i, s:i}], s:b}",
			 "terminal", 1, "user", "uid", 0, "gid", 0, "args", strings(args), "env", strings(env),
			 "cwd", "/", "capabilities", "bounding", strings(caps), "effective", strings(caps),
			 "permitted", strings(caps), "rlimits", "type", "RLIMIT_NOFILE", "hard", 1024, "soft",
			 1024, "noNewPrivileges", 1);
}

static json_t *mounts(bool rootless)
{
	static const char *const dev[] = {"nosuid", "strictatime", "mode=755", "size=65536k", NULL};
	static const char *const pts[] = {"nosuid",	"noexec",    "newinstance", "ptmxmode=0666",
					  "mode=0620", "gid=5", NULL};
	/* Rootless: the container cannot name a host gid that is not mapped. */
	static const char *const pts_rootless[] = {"nosuid", "noexec", "newinstance", "ptmxmode=0666",
						   "mode=0620", NULL};
	static const char *const shm[] = {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL};
	static const char *const mqueue[] = {"nosuid", "noexec", "nodev", NULL};
	static const char *const sys[] = {"nosuid", "noexec", "nodev", "ro", NULL};
	static const char *const sys_rootless[] = {"rbind", "nosuid", "noexec", "nodev", "ro", NULL};
	static const char *const cgroup[] = {"nosuid", "noexec", "nodev", "relatime", "ro", NULL};

	json_t *a = json_array();
	json_array_append_new(a, mount("/proc", "proc", "proc", NULL));
	json_array_append_new(a, mount("/dev", "tmpfs", "tmpfs", dev));
	json_array_append_new(a, mount("/dev/pts", "devpts", "devpts", rootless ? pts_rootless : pts));
	json_array_append_new(a, mount("/dev/shm", "tmpfs", "shm", shm));
	json_array_append_new(a, mount("/dev/mqueue", "mqueue", "mqueue", mqueue));
	/* A user namespace that does not own the network namespace cannot mount sysfs. */
	if (rootless)
		json_array_append_new(a, mount("/sys", "none", "/sys", sys_rootless));
	else
		json_array_append_new(a, mount("/sys", "sysfs", "sysfs", sys));
	json_array_append_new(a, mount("/sys/fs/cgroup", "cgroup", "cgroup", cgroup));
	return a;
}

static json_t *idmap(unsigned id)
{
	return json_pack("[{s:i, s:I, s:i}]", "containerID", 0, "hostID", (json_int_t)id, "size", 1);
}

static json_t *linux_section(bool rootless)
{
	static const char *const masked[] = {"/proc/acpi",	  "/proc/asound",      "/proc/kcore",
					     "/proc/keys",	  "/proc/latency_stats", "/proc/timer_list",
					     "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
					     "/proc/scsi",	  NULL};
	static const char *const readonly[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
					       "/proc/sysrq-trigger", NULL};
	json_t *l = json_object();
	if (rootless) {
		json_object_set_new(l, "uidMappings", idmap(geteuid()));
		json_object_set_new(l, "gidMappings", idmap(getegid()));
	} else {
		/* Rootless leaves resources out, as runc does: an unprivileged user
		 * has no devices cgroup to enforce them with. */
		json_object_set_new(l, "resources",
				    json_pack("{s:[{s:b, s:s}]}", "devices", "allow", 0, "access", "rwm"));
	}

	/* runc asks for a cgroup namespace only on a pure v2 host, where the
	 * container then sees its own cgroup as the root of /sys/fs/cgroup. */
	enum cgroup_mode mode;
	struct moat_err ignored;
	bool v2 = cgroups_mode(&mode, &ignored) == 0 && mode == CGROUP_MODE_V2;
	/* Rootless shares the host's network, as with runc: without privileges on
	 * the host nothing could connect a new network namespace to the outside. */
	const char *ns[] = {"pid", rootless ? NULL : "network", "ipc", "uts", "mount", v2 ? "cgroup" : NULL,
			    rootless ? "user" : NULL};
	json_t *nsa = json_array();
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		if (ns[i])
			json_array_append_new(nsa, json_pack("{s:s}", "type", ns[i]));
	json_object_set_new(l, "namespaces", nsa);
	json_object_set_new(l, "maskedPaths", strings(masked));
	json_object_set_new(l, "readonlyPaths", strings(readonly));
	return l;
}

static json_t *example_spec(bool rootless)
{
	return json_pack("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}", "ociVersion", MOAT_OCI_VERSION, "process",
			 process(), "root", "path", "rootfs", "readonly", 1, "hostname", "moat", "mounts",
			 mounts(rootless), "linux", linux_section(rootless));
}

int cmd_spec(struct moat_globals *g, int argc, char **argv, struct moat_err *err)
{
	static const struct option opts[] = {
		{"bundle", required_argument, NULL, 'b'},
		{"rootless", no_argument, NULL, 'r'},
		{NULL, 0, NULL, 0},
	};
	static const char usage[] = "[--bundle DIR] [--rootless]";
	const char *bundle = ".";
	bool rootless = false;
	int c;
	(void)g;
	optind = 1;
	opterr = 0;
	/* _only: runc also takes the single-dash -bundle and -rootless. */
	while ((c = getopt_long_only(argc, argv, "+b:", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			bundle = optarg;
			break;
		case 'r':
			rootless = true;
			break;
		default:
			return moat_fail(err, EINVAL, "spec: unknown option or missing value '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage(err, "spec", usage);

	json_t *spec = example_spec(rootless);
	char *text = spec ? json_dumps(spec, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(spec);
	if (!text)
		return moat_fail_errno(err, ENOMEM, "spec: building the example config");

	int r = 0;
	int dfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		r = moat_fail_errno(err, errno, "spec: bundle %s", bundle);
		goto out;
	}
	/* O_EXCL: never overwrite a config someone wrote in the meantime. */
	int fd = openat(dfd, CONFIG_FILE, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0) {
		r = errno == EEXIST ? moat_fail(err, EEXIST, "File %s exists. Remove it first", CONFIG_FILE)
				    : moat_fail_errno(err, errno, "spec: create %s/%s", bundle, CONFIG_FILE);
		close(dfd);
		goto out;
	}
	size_t len = strlen(text);
	text[len++] = '\n'; /* json_dumps' NUL becomes the trailing newline */
	r = write_all(fd, text, len);
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r < 0) {
		unlinkat(dfd, CONFIG_FILE, 0);
		r = moat_fail_errno(err, -r, "spec: write %s/%s", bundle, CONFIG_FILE);
	}
	close(dfd);
out:
	free(text);
	return r;
}
