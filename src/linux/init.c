/* The container init: runs in the child cloned by container_create, inside
 * the new namespaces, and turns itself into the container's process.  Every
 * failure is reported to the runtime over the sync socket and ends the init. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/keyctl.h>

#include "linux/console.h"
#include "linux/container.h"
#include "linux/hooks.h"
#include "linux/init_ctx.h"
#include "linux/process.h"
#include "linux/rootfs.h"
#include "util/fs.h"
#include "util/sync.h"

static int write_sysctls(const struct oci_spec *spec, struct moat_err *err)
{
	const char *key;
	json_t *v;
	json_object_foreach(spec->sysctl, key, v)
	{
		char path[512];
		if (strstr(key, "..") || strchr(key, '/') == key)
			return moat_fail(err, EINVAL, "linux.sysctl: invalid key '%s'", key);
		int n = snprintf(path, sizeof(path), "/proc/sys/%s", key);
		if (n < 0 || (size_t)n >= sizeof(path))
			return moat_fail(err, ENAMETOOLONG, "linux.sysctl: key too long");
		for (char *p = path + 10; *p; p++)
			if (*p == '.')
				*p = '/';
		const char *val = json_string_value(v);
		if (write_file_at(AT_FDCWD, path, val, strlen(val), err) < 0)
			return moat_err_prefix(err, "linux.sysctl.%s", key);
	}
	return 0;
}

static json_t *init_state(struct init_ctx *c, pid_t host_pid, const char *status)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:s}", "ociVersion", MOAT_OCI_VERSION, "id", c->opts->id, "status",
			      status, "pid", (json_int_t)host_pid, "bundle", c->spec->bundle);
	if (o && c->spec->annotations)
		json_object_set(o, "annotations", c->spec->annotations);
	return o;
}

static int run_hooks_in_init(struct init_ctx *c, enum oci_hook_kind kind, pid_t host_pid, const char *status,
			     struct moat_err *err)
{
	if (!c->spec->n_hooks[kind])
		return 0;
	json_t *st = init_state(c, host_pid, status);
	char *text = st ? json_dumps(st, JSON_COMPACT) : NULL;
	json_decref(st);
	if (!text)
		return moat_fail(err, ENOMEM, "encode state for hooks");
	int r = hooks_run(kind, c->spec->hooks[kind], c->spec->n_hooks[kind], text, err);
	free(text);
	return r;
}

/* Block until `start` writes to the exec fifo. */
static int wait_for_start(int fifo, struct moat_err *err)
{
	struct pollfd p = {.fd = fifo, .events = POLLIN};
	for (;;) {
		int n = poll(&p, 1, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return moat_fail_errno(err, errno, "wait for start");
		char b;
		ssize_t k = read(fifo, &b, 1);
		if (k == 1)
			return 0;
		if (k < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		return moat_fail(err, EPIPE, "exec fifo closed without start");
	}
}

/* Load the config's seccomp profile; a notify listener goes to the runtime,
 * which passes it on to listenerPath. */
static int load_profile(struct init_ctx *c, struct moat_err *err)
{
	int nfd = -1;
	int r = seccomp_profile_load(c->seccomp, &nfd, err);
	if (r < 0 || nfd < 0)
		return r;
	r = sync_send(c->sync, SYNC_SECCOMP_FD, 0, NULL, nfd);
	close(nfd);
	if (r < 0)
		return moat_fail_errno(err, -r, "send the seccomp listener to the runtime");
	return sync_expect(c->sync, SYNC_SECCOMP_DONE, NULL, err);
}

static int setup(struct init_ctx *c, pid_t *host_pid, char **exec_path, struct moat_err *err)
{
	const struct oci_spec *spec = c->spec;
	int r;
	/* the container starts with no signal blocked, whatever the runtime held back */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return moat_fail_errno(err, errno, "prctl(PR_SET_PDEATHSIG)");
	struct sync_msg go;
	if ((r = sync_recv(c->sync, &go, NULL)) < 0 || go.type != SYNC_GO)
		return moat_fail(err, EPIPE, "runtime went away during setup");
	*host_pid = go.code;
	if (c->join && (r = cgroups_join_self(c->join, err)) < 0)
		return r;
	/* Nothing in the container may ptrace or open /proc/<pid> of the init
	 * while it still runs runtime code.  Not before GO: an unprivileged
	 * runtime writes our id maps through /proc/<pid>, which this closes. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (c->userns) {
		if (c->joins)
			if ((r = ns_enter(c->joins, c->n_joins, CLONE_NEWUSER, err)) < 0)
				return r;
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
			return moat_fail_errno(err, errno, "become root in the user namespace (is 0 mapped?)");
	}
	if (c->joins && (r = ns_enter(c->joins, c->n_joins, ~(CLONE_NEWUSER | CLONE_NEWPID), err)) < 0)
		return r;
	if (c->unshare_flags && unshare(c->unshare_flags) < 0)
		return moat_fail_errno(err, errno, "unshare namespaces 0x%x", c->unshare_flags);
	if (spec->time_offsets && (r = ns_write_time_offsets(spec, err)) < 0)
		return r;
	if ((spec->ns_new & CLONE_NEWNET) && (r = ns_loopback_up(err)) < 0)
		return r;
	if (spec->hostname && *spec->hostname && sethostname(spec->hostname, strlen(spec->hostname)) < 0)
		return moat_fail_errno(err, errno, "hostname: sethostname");
	if (spec->domainname && *spec->domainname && setdomainname(spec->domainname, strlen(spec->domainname)) < 0)
		return moat_fail_errno(err, errno, "domainname: setdomainname");
	if (spec->sysctl && (r = write_sysctls(spec, err)) < 0)
		return r;
	struct rootfs_opts ro = {.cgroup_path = c->cgroup_path,
				 .userns = c->userns,
				 .new_cgroupns = (spec->ns_new & CLONE_NEWCGROUP) != 0};
	if ((r = rootfs_prepare(spec, &ro, err)) < 0)
		return r;
	if (spec->n_hooks[HOOK_CREATE_RUNTIME] || spec->n_hooks[HOOK_PRESTART]) {
		sync_send(c->sync, SYNC_PRE_PIVOT, 0, NULL, -1);
		if ((r = sync_expect(c->sync, SYNC_HOOKS_DONE, NULL, err)) < 0)
			return r;
	}
	if ((r = run_hooks_in_init(c, HOOK_CREATE_CONTAINER, *host_pid, "creating", err)) < 0)
		return r;
	if ((r = rootfs_pivot(spec, c->opts->no_pivot, err)) < 0)
		return r;
	if (!spec->process)
		return 0;
	const struct oci_process *p = spec->process;
	if (p->terminal) {
		int master;
		if ((r = console_setup(p->console_height, p->console_width, &master, err)) < 0)
			return r;
		r = sync_send(c->sync, SYNC_PTY, 0, NULL, master);
		close(master);
		if (r < 0)
			return moat_fail_errno(err, -r, "send pty to runtime");
	} else if ((r = console_detach(err)) < 0) {
		return r;
	}
	if ((r = process_apply_pre_user(p, spec->personality, err)) < 0)
		return r;
	if (!c->opts->no_new_keyring && syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 &&
	    errno != ENOSYS && errno != EPERM && errno != EACCES)
		return moat_fail_errno(err, errno, "join a new session keyring");
	bool seccomp_early = c->seccomp && (!p->no_new_privileges || seccomp_profile_has_notify(c->seccomp));
	if (seccomp_early && !p->no_new_privileges && (r = load_profile(c, err)) < 0)
		return r;
	/* Under the sentry from here on: what is left of setup runs under the
	 * same table as the container's code. */
	if (c->sentry && (r = sentry_attach_load(c->sentry, c->sync, err)) < 0)
		return r;
	if ((r = process_apply_user(p, err)) < 0 || (r = process_apply_caps(p, err)) < 0)
		return r;
	/* CVE-2024-21626: the cwd is entered after pivot_root, by path, inside the container */
	if ((r = process_enter_cwd(p, err)) < 0 || (r = process_find_exec(p, exec_path, err)) < 0)
		return r;
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return moat_fail_errno(err, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
	if (seccomp_early && p->no_new_privileges && (r = load_profile(c, err)) < 0)
		return r;
	return 0;
}

void container_init(struct init_ctx *c)
{
	struct moat_err err;
	moat_err_clear(&err);
	pid_t host_pid = 0;
	char *exec_path = NULL;
	int r = setup(c, &host_pid, &exec_path, &err);
	if (r < 0) {
		sync_send_error(c->sync, &err);
		_exit(1);
	}
	/* the runtime may exit once we are ready: do not die with it */
	prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
	sync_send(c->sync, SYNC_READY, 0, NULL, -1);
	close(c->sync);
	if (wait_for_start(c->fifo, &err) < 0)
		_exit(1);
	close(c->fifo);
	if (!c->spec->process)
		_exit(1);
	if (run_hooks_in_init(c, HOOK_START_CONTAINER, host_pid, "created", &err) < 0) {
		dprintf(STDERR_FILENO, "moat: %s\n", err.msg);
		_exit(1);
	}
	if (c->seccomp && c->spec->process->no_new_privileges && !seccomp_profile_has_notify(c->seccomp)) {
		int nfd = -1;
		if (seccomp_profile_load(c->seccomp, &nfd, &err) < 0) {
			dprintf(STDERR_FILENO, "moat: %s\n", err.msg);
			_exit(1);
		}
	}
	process_exec(c->spec->process, exec_path, c->opts->preserve_fds, &err);
	dprintf(STDERR_FILENO, "moat: %s\n", err.msg);
	_exit(127);
}
