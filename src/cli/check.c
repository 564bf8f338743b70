/* moat check: what this host offers each sandbox level, and what moat will do
 * with it.  Every answer comes from probing the running kernel where that is
 * possible without side effects (forked children do the probes that would
 * change the process); answers inferred from the kernel version say so. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>
#include <linux/filter.h>
#include <linux/kvm.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <seccomp.h>

#include "cli/cli.h"
#include "linux/cgroups.h"
#include "util/fs.h"
#include "util/kernel_compat.h"
#include "vm/vm.h"


/* The report: a JSON object of sections, and the same facts as text lines. */
struct row {
	char *section, *key, *text;
};

struct report {
	json_t *root;
	struct row *rows;
	size_t n, cap;
	int kmajor, kminor; /* running kernel, for inferences */
};

static __attribute__((format(printf, 5, 6))) void put(struct report *r, const char *section, const char *key,
						     json_t *value, const char *fmt, ...)
{
	json_t *sec = json_object_get(r->root, section);
	if (!sec) {
		sec = json_object();
		json_object_set_new(r->root, section, sec);
	}
	json_object_set_new(sec, key, value ? value : json_null());

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 32;
		struct row *rows = realloc(r->rows, cap * sizeof(*rows));
		if (!rows)
			return;
		r->rows = rows;
		r->cap = cap;
	}
	va_list ap;
	va_start(ap, fmt);
	char *text = NULL;
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	r->rows[r->n++] = (struct row){strdup(section), strdup(key), text};
}

/* A yes/no fact: {"supported": bool, "detail": "..."} in JSON, "yes (detail)" in text. */
static __attribute__((format(printf, 5, 6))) void feature(struct report *r, const char *section, const char *key,
							 bool ok, const char *fmt, ...)
{
	char detail[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	json_t *v = json_pack("{s:b}", "supported", ok);
	if (detail[0])
		json_object_set_new(v, "detail", json_string(detail));
	put(r, section, key, v, "%s%s%s%s", ok ? "yes" : "no", detail[0] ? " (" : "", detail, detail[0] ? ")" : "");
}

static bool kernel_at_least(const struct report *r, int major, int minor)
{
	return r->kmajor > major || (r->kmajor == major && r->kminor >= minor);
}

/* A sysctl-like file holding one integer; false if absent or unreadable. */
static bool read_int(const char *path, long *out)
{
	char *text = NULL;
	struct moat_err err;
	if (read_file_at(AT_FDCWD, path, 4096, &text, NULL, &err) < 0)
		return false;
	char *end;
	*out = strtol(text, &end, 10);
	bool ok = end != text;
	free(text);
	return ok;
}

/* Run fn in a forked child, so a probe that changes the process (unshare,
 * seccomp filters) leaves moat as it was.  Returns fn's result: 0 or a
 * positive errno, or -1 if the child did not report. */
static int in_child(int (*fn)(void))
{
	pid_t pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0)
		_exit(fn());
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void probe_host(struct report *r, const struct utsname *u)
{
	put(r, "host", "kernel", json_string(u->release), "%s", u->release);
	put(r, "host", "arch", json_string(u->machine), "%s", u->machine);
	uid_t euid = geteuid();
	put(r, "host", "euid", json_integer(euid), "%u%s", (unsigned)euid,
	    euid ? " (moat runs rootless by default)" : " (root)");
}

static int try_userns(void)
{
	return unshare(CLONE_NEWUSER) == 0 ? 0 : errno;
}

static bool probe_userns(struct report *r)
{
	const char *sec = "user_namespaces";
	long v;
	if (read_int("/proc/sys/kernel/unprivileged_userns_clone", &v))
		put(r, sec, "unprivileged_userns_clone", json_integer(v), "%ld%s", v,
		    v ? "" : " (unprivileged users cannot create user namespaces)");
	else
		put(r, sec, "unprivileged_userns_clone", NULL, "absent (no such restriction in this kernel)");
	if (read_int("/proc/sys/user/max_user_namespaces", &v))
		put(r, sec, "max_user_namespaces", json_integer(v), "%ld%s", v, v > 0 ? "" : " (disabled)");
	else
		put(r, sec, "max_user_namespaces", NULL, "absent (kernel without user namespaces)");
	if (read_int("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", &v))
		put(r, sec, "apparmor_restrict_unprivileged_userns", json_integer(v), "%ld%s", v,
		    v ? " (AppArmor confines unprivileged user namespaces)" : "");

	int e = in_child(try_userns);
	if (e == 0)
		feature(r, sec, "usable", true, "unshare(CLONE_NEWUSER) works");
	else
		feature(r, sec, "usable", false, "unshare(CLONE_NEWUSER): %s",
			e > 0 ? strerror(e) : "probe failed");
	return e == 0;
}

/* Mount point field of mountinfo, with the kernel's \ooo escapes undone, in place. */
static char *unescape(char *s)
{
	char *w = s;
	for (char *p = s; *p; p++) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' && p[3] >= '0' &&
		    p[3] <= '7') {
			*w++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
			p += 3;
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
	return s;
}

static bool is_v1_controller_option(const char *opt)
{
	static const char *const not_controllers[] = {"rw", "ro", "noprefix", "xattr", "clone_children",
						      "cpuset_v2_mode", "favordynmods", "none", NULL};
	if (!strncmp(opt, "release_agent=", 14))
		return false;
	for (const char *const *p = not_controllers; *p; p++)
		if (!strcmp(opt, *p))
			return false;
	return true;
}

static void add_unique(json_t *arr, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
	{
		if (!strcmp(json_string_value(v), s))
			return;
	}
	json_array_append_new(arr, json_string(s));
}

static char *joined(json_t *arr)
{
	size_t len = 1, i;
	json_t *v;
	json_array_foreach(arr, i, v) len += strlen(json_string_value(v)) + 1;
	char *s = calloc(1, len);
	if (!s)
		return NULL;
	json_array_foreach(arr, i, v)
	{
		if (i)
			strcat(s, " ");
		strcat(s, json_string_value(v));
	}
	return s;
}

static void probe_cgroups(struct report *r)
{
	const char *sec = "cgroups";
	enum cgroup_mode mode;
	struct moat_err err;
	if (cgroups_mode(&mode, &err) == 0) {
		const char *name = mode == CGROUP_MODE_V2 ? "v2" : mode == CGROUP_MODE_HYBRID ? "hybrid" : "v1";
		put(r, sec, "mode", json_string(name), "%s", name);
	} else {
		put(r, sec, "mode", NULL, "unknown (%s)", err.msg);
	}

	json_t *v1 = json_array();
	char *v2_mount = NULL;
	char *info = NULL;
	if (read_file_at(AT_FDCWD, "/proc/self/mountinfo", 64u << 20, &info, NULL, &err) == 0) {
		char *save = NULL;
		for (char *line = strtok_r(info, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			/* id parent major:minor root mountpoint opts [optional...] - fstype source superopts */
			char *sep = strstr(line, " - ");
			if (!sep)
				continue;
			*sep = '\0';
			char *fields[5] = {NULL}, *fsave = NULL;
			char *f = strtok_r(line, " ", &fsave);
			for (int i = 0; i < 5 && f; i++, f = strtok_r(NULL, " ", &fsave))
				fields[i] = f;
			char *tsave = NULL;
			char *fstype = strtok_r(sep + 3, " ", &tsave);
			strtok_r(NULL, " ", &tsave); /* source */
			char *super = strtok_r(NULL, " ", &tsave);
			if (!fields[4] || !fstype)
				continue;
			if (!strcmp(fstype, "cgroup2") && !v2_mount) {
				v2_mount = strdup(unescape(fields[4]));
			} else if (!strcmp(fstype, "cgroup") && super) {
				char *osave = NULL;
				for (char *o = strtok_r(super, ",", &osave); o; o = strtok_r(NULL, ",", &osave))
					if (is_v1_controller_option(o))
						add_unique(v1, o);
			}
		}
		free(info);
	}
	char *list = joined(v1);
	put(r, sec, "v1_controllers", v1, "%s", list && list[0] ? list : "(none mounted)");
	free(list);

	if (!v2_mount) {
		put(r, sec, "v2_mount", NULL, "(none)");
		put(r, sec, "v2_controllers", NULL, "(no cgroup2 mount)");
		return;
	}
	put(r, sec, "v2_mount", json_string(v2_mount), "%s", v2_mount);
	char path[4096], *text = NULL;
	snprintf(path, sizeof(path), "%s/cgroup.controllers", v2_mount);
	free(v2_mount);
	if (read_file_at(AT_FDCWD, path, 1 << 16, &text, NULL, &err) < 0) {
		put(r, sec, "v2_controllers", NULL, "unknown (%s)", err.msg);
		return;
	}
	json_t *v2 = json_array();
	char *csave = NULL;
	for (char *c = strtok_r(text, " \n", &csave); c; c = strtok_r(NULL, " \n", &csave))
		json_array_append_new(v2, json_string(c));
	free(text);
	list = joined(v2);
	put(r, sec, "v2_controllers", v2, "%s", list && list[0] ? list : "(none: all controllers are on v1)");
	free(list);
}

/* The kernel checks a filter's flags before reading the filter, so a NULL
 * filter fails with EFAULT exactly when the flags are known (libseccomp's
 * probe).  Returns 0 (known), a positive errno, for EPERM/ENOSYS: cannot tell. */
static int probe_filter_flags(unsigned long flags)
{
	if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, flags, NULL) == 0)
		return 0;
	return errno == EFAULT ? 0 : errno;
}

static void flag_feature(struct report *r, const char *key, unsigned long flags, int major, int minor)
{
	int e = probe_filter_flags(flags);
	if (e == EPERM || e == ENOSYS || e == EACCES)
		feature(r, "seccomp", key, kernel_at_least(r, major, minor), "by kernel version: needs %d.%d",
			major, minor);
	else
		feature(r, "seccomp", key, e == 0, "%s", e == 0 ? "probed" : "rejected by the kernel");
}

/* Child: install an allow-all filter with a listener and try the 6.6 ioctl.
 * Exit 0: supported; 1: the kernel rejects it; 2: could not get a listener. */
static int try_sync_wake_up(void)
{
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = {.len = 1, .filter = &allow};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return 2;
	int fd = (int)syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	if (fd < 0)
		return 2;
	return ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, (__u64)SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) == 0 ? 0 : 1;
}

/* Returns whether seccomp filters work (linux.seccomp needs them). */
static bool probe_seccomp(struct report *r)
{
	const char *sec = "seccomp";
	int mode = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
	int e = probe_filter_flags(0);
	/* seccomp() itself may be filtered (or predate 3.17) while prctl still works. */
	if ((e == EPERM || e == ENOSYS) && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, NULL, 0, 0) < 0)
		e = errno == EFAULT ? 0 : errno;
	bool filters = mode >= 0 && e == 0;
	if (mode < 0)
		feature(r, sec, "filters", false, "kernel built without CONFIG_SECCOMP");
	else if (e == EINVAL)
		feature(r, sec, "filters", false, "kernel built without CONFIG_SECCOMP_FILTER");
	else if (e)
		feature(r, sec, "filters", false, "seccomp(): %s", strerror(e));
	else
		feature(r, sec, "filters", true, "%s", mode == 2 ? "moat itself already runs under a filter" : "");

	const struct scmp_version *v = seccomp_version();
	put(r, sec, "libseccomp", json_sprintf("%u.%u.%u", v->major, v->minor, v->micro), "%u.%u.%u", v->major,
	    v->minor, v->micro);
	unsigned api = seccomp_api_get();
	put(r, sec, "api_level", json_integer(api), "%u", api);

	__u32 action = SECCOMP_RET_USER_NOTIF;
	struct seccomp_notif_sizes sizes;
	if (syscall(__NR_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0) {
		if (syscall(__NR_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) == 0)
			feature(r, sec, "user_notify", true, "notif/resp/data sizes %u/%u/%u", sizes.seccomp_notif,
				sizes.seccomp_notif_resp, sizes.seccomp_data);
		else
			feature(r, sec, "user_notify", true, "probed");
	} else if (errno == EPERM || errno == ENOSYS) {
		feature(r, sec, "user_notify", kernel_at_least(r, 5, 0), "by kernel version: needs 5.0");
	} else {
		feature(r, sec, "user_notify", false, "SECCOMP_RET_USER_NOTIF: %s", strerror(errno));
	}

	flag_feature(r, "new_listener", SECCOMP_FILTER_FLAG_NEW_LISTENER, 5, 0);
	flag_feature(r, "tsync_esrch", SECCOMP_FILTER_FLAG_TSYNC_ESRCH, 5, 7);
	flag_feature(r, "wait_killable_recv",
		     SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, 5, 19);

	int s = in_child(try_sync_wake_up);
	if (s == 0 || s == 1)
		feature(r, sec, "sync_wake_up", s == 0, "%s", s == 0 ? "probed" : "rejected by the kernel");
	else
		feature(r, sec, "sync_wake_up", kernel_at_least(r, 6, 6), "by kernel version: needs 6.6");
	return filters;
}

static void probe_syscalls(struct report *r)
{
	const char *sec = "kernel_interfaces";
	int fd = (int)syscall(__NR_pidfd_open, getpid(), 0);
	if (fd >= 0) {
		close(fd);
		feature(r, sec, "pidfd_open", true, "%s", "");
	} else {
		feature(r, sec, "pidfd_open", false, "%s", strerror(errno));
	}

	struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_NO_MAGICLINKS};
	fd = (int)syscall(__NR_openat2, AT_FDCWD, "/", &how, sizeof(how));
	if (fd >= 0) {
		close(fd);
		feature(r, sec, "openat2", true, "%s", "");
	} else {
		feature(r, sec, "openat2", false, "%s", strerror(errno));
	}
}

struct vm_facts {
	bool kvm, qemu, kernel;
	char qemu_name[128]; /* qemu-system-<arch> */
};

static void probe_vm(struct report *r, const struct utsname *u, struct vm_facts *vm)
{
	const char *sec = "vm";
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	vm->kvm = false;
	if (fd < 0) {
		feature(r, sec, "kvm", false, "open /dev/kvm: %s", strerror(errno));
	} else {
		int api = ioctl(fd, KVM_GET_API_VERSION, 0);
		close(fd);
		vm->kvm = api == KVM_API_VERSION;
		if (vm->kvm)
			feature(r, sec, "kvm", true, "API %d", api);
		else
			feature(r, sec, "kvm", false, "KVM_GET_API_VERSION: %d, expected %d", api, KVM_API_VERSION);
	}

	char *name = vm->qemu_name, found[4096] = "";
	snprintf(name, sizeof(vm->qemu_name), "qemu-system-%s", u->machine);
	const char *path = getenv("PATH");
	char *dirs = strdup(path ? path : "/usr/local/bin:/usr/bin:/bin");
	char *save = NULL;
	for (char *d = dirs ? strtok_r(dirs, ":", &save) : NULL; d; d = strtok_r(NULL, ":", &save)) {
		snprintf(found, sizeof(found), "%s/%s", d, name);
		if (access(found, X_OK) == 0)
			break;
		found[0] = '\0';
	}
	free(dirs);
	vm->qemu = found[0] != '\0';
	if (vm->qemu)
		feature(r, sec, "qemu", true, "%s", found);
	else
		feature(r, sec, "qemu", false, "%s not in PATH", name);

	struct vm_boot boot;
	struct moat_err kerr;
	vm->kernel = vm_find_kernel(&boot, &kerr) == 0;
	if (vm->kernel)
		feature(r, sec, "guest_kernel", true, "%s", boot.kernel);
	else
		feature(r, sec, "guest_kernel", false, "%s", kerr.msg);

	fd = open("/dev/vhost-vsock", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		feature(r, sec, "vhost_vsock", false, "open /dev/vhost-vsock: %s", strerror(errno));
		return;
	}
	close(fd);
	feature(r, sec, "vhost_vsock", true, "%s", "");
}

static void level(struct report *r, const char *name, bool ready, json_t *extra, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void level(struct report *r, const char *name, bool ready, json_t *extra, const char *fmt, ...)
{
	char summary[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(summary, sizeof(summary), fmt, ap);
	va_end(ap);
	json_t *v = json_pack("{s:b, s:s}", "ready", ready, "summary", summary);
	if (extra)
		json_object_update_new(v, extra);
	put(r, "levels", name, v, "%s", summary);
}

static void print_text(const struct report *r)
{
	const char *current = NULL;
	for (size_t i = 0; i < r->n; i++) {
		const char *sec = r->rows[i].section;
		if (!sec || !r->rows[i].key)
			continue;
		if (!current || strcmp(current, sec)) {
			printf("%s%s\n", current ? "\n" : "", sec);
			current = sec;
		}
		int width = 0;
		for (size_t j = 0; j < r->n; j++)
			if (r->rows[j].section && !strcmp(r->rows[j].section, sec) && r->rows[j].key &&
			    (int)strlen(r->rows[j].key) > width)
				width = (int)strlen(r->rows[j].key);
		printf("  %s:%*s %s\n", r->rows[i].key, width - (int)strlen(r->rows[i].key), "",
		       r->rows[i].text ? r->rows[i].text : "");
	}
}

int cmd_check(struct moat_globals *g, int argc, char **argv, struct moat_err *err)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{NULL, 0, NULL, 0},
	};
	static const char usage[] = "[--format text|json]";
	const char *format = "text";
	int c;
	optind = 1;
	opterr = 0;
	/* _only: accept -format as well, like runc's flags. */
	while ((c = getopt_long_only(argc, argv, "+", opts, NULL)) != -1) {
		if (c != 'f')
			return moat_fail(err, EINVAL, "check: unknown option or missing value '%s'", argv[optind - 1]);
		format = optarg;
	}
	if (optind != argc)
		return cli_usage(err, "check", usage);
	if (strcmp(format, "text") && strcmp(format, "json"))
		return moat_fail(err, EINVAL, "check: --format must be text or json, not '%s'", format);

	struct report r = {.root = json_object()};
	struct utsname u;
	if (!r.root || uname(&u) < 0)
		return moat_fail_errno(err, r.root ? errno : ENOMEM, "check");
	if (sscanf(u.release, "%d.%d", &r.kmajor, &r.kminor) != 2)
		r.kmajor = r.kminor = 0;

	probe_host(&r, &u);
	bool userns = probe_userns(&r);
	probe_cgroups(&r);
	bool filters = probe_seccomp(&r);
	probe_syscalls(&r);
	struct vm_facts vm;
	probe_vm(&r, &u, &vm);

	bool rootless = cli_rootless(g);
	if (rootless && !userns)
		level(&r, "none", false, NULL, "not ready: running rootless needs user namespaces, which are unusable");
	else
		level(&r, "none", true, NULL, "ready%s%s", rootless ? " (rootless, in a user namespace)" : "",
		      filters ? "" : "; configs with linux.seccomp will fail: no seccomp filters");
	/* the sentry needs filters and user-notify; without SYNC_WAKE_UP each
	 * emulated call costs a full scheduler round trip, several times slower */
	json_t *sc = json_object_get(r.root, "seccomp");
	json_t *un = sc ? json_object_get(sc, "user_notify") : NULL;
	json_t *wk = sc ? json_object_get(sc, "sync_wake_up") : NULL;
	bool notify = un && json_is_true(json_is_object(un) ? json_object_get(un, "supported") : un);
	bool wake = wk && json_is_true(json_is_object(wk) ? json_object_get(wk, "supported") : wk);
	if (!filters || !notify)
		level(&r, "sentry", false, NULL, "not ready: needs seccomp filters with user-notify (Linux 5.0+); "
						 "use --sandbox=none");
	else
		level(&r, "sentry", true, NULL, "ready (the default)%s",
		      wake ? "" : "; emulated calls will be slow: no SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (Linux 6.6+)");
	/* the agent's channel is a serial port: vhost-vsock is not needed */
	const char *forced = getenv("MOAT_VM_ACCEL");
	bool tcg = !vm.kvm || (forced && !strcmp(forced, "tcg"));
	if (vm.qemu && vm.kernel)
		level(&r, "vm", true, json_pack("{s:s}", "accelerator", tcg ? "tcg" : "kvm"),
		      "ready for `run` in the foreground; %s",
		      tcg ? "TCG (software emulation: seconds per boot)" : "KVM (MOAT_VM_ACCEL=tcg forces TCG)");
	else
		level(&r, "vm", false, json_pack("{s:s}", "accelerator", tcg ? "tcg" : "kvm"), "not ready: needs %s%s%s",
		      vm.qemu ? "" : vm.qemu_name, vm.qemu || vm.kernel ? "" : " and ",
		      vm.kernel ? "" : "a guest kernel, /boot/vmlinuz-* (linux-image-amd64)");

	if (!strcmp(format, "json")) {
		char *text = json_dumps(r.root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		if (text)
			printf("%s\n", text);
		free(text);
	} else {
		print_text(&r);
	}
	fflush(stdout);
	for (size_t i = 0; i < r.n; i++) {
		free(r.rows[i].section);
		free(r.rows[i].key);
		free(r.rows[i].text);
	}
	free(r.rows);
	json_decref(r.root);
	return 0;
}
