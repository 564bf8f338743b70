#include "linux/container.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "linux/cgroups.h"
#include "linux/console.h"
#include "linux/hooks.h"
#include "linux/init_ctx.h"
#include "util/fault.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/sync.h"

int container_write_pid_file(const char *path, pid_t pid, struct moat_err *err)
{
	char buf[16], abs[4096];
	int n = snprintf(buf, sizeof(buf), "%d", pid);
	if (path[0] != '/') {
		char cwd[2048];
		if (!getcwd(cwd, sizeof(cwd)))
			return moat_fail_errno(err, errno, "getcwd");
		snprintf(abs, sizeof(abs), "%s/%s", cwd, path);
		path = abs;
	}
	int r = write_file_atomic(path, buf, (size_t)n, 0644, err);
	return r < 0 ? moat_err_prefix(err, "pid file") : 0;
}

static int run_hooks_state(enum oci_hook_kind kind, const struct oci_hook *hooks, size_t n,
			   const struct container_state *st, enum container_status status, struct moat_err *err)
{
	if (!n)
		return 0;
	json_t *o = state_to_oci(st, status);
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (!text)
		return moat_fail(err, ENOMEM, "encode state for hooks");
	int r = hooks_run(kind, hooks, n, text, err);
	free(text);
	return r;
}

/* The hooks that run after create, kept with the state (the bundle may change). */
static json_t *later_hooks(const struct oci_spec *spec)
{
	json_t *h = json_object_get(spec->root, "hooks");
	if (!json_is_object(h))
		return NULL;
	json_t *keep = json_object();
	json_t *v;
	if ((v = json_object_get(h, "poststart")))
		json_object_set(keep, "poststart", v);
	if ((v = json_object_get(h, "poststop")))
		json_object_set(keep, "poststop", v);
	return keep;
}

static int send_seccomp_listener(struct container_state *st, const struct oci_spec *spec, int nfd,
				 struct seccomp_profile *prof, struct moat_err *err)
{
	json_t *state = state_to_oci(st, STATUS_CREATING);
	json_t *msg = json_pack("{s:s, s:[s], s:I, s:s, s:o}", "ociVersion", MOAT_OCI_VERSION, "fds", "seccompFd",
				"pid", (json_int_t)st->pid, "metadata", "", "state", state);
	json_t *md = spec->seccomp ? json_object_get(spec->seccomp, "listenerMetadata") : NULL;
	if (msg && json_is_string(md))
		json_object_set(msg, "metadata", md);
	char *text = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
	json_decref(msg);
	if (!text)
		return moat_fail(err, ENOMEM, "encode seccomp listener state");
	int r = seccomp_send_listener(seccomp_profile_listener_path(prof), nfd, text, err);
	free(text);
	return r;
}

/* Signals that would end moat half-way through a create: held back during it,
 * and if one came, the create is undone and reported instead of finished. */
static const int held_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

static bool interrupted(int *r, struct moat_err *err)
{
	sigset_t pending;
	sigpending(&pending);
	for (size_t i = 0; i < sizeof(held_signals) / sizeof(held_signals[0]); i++)
		if (sigismember(&pending, held_signals[i])) {
			*r = moat_fail(err, EINTR, "create interrupted by %s: undone", sigabbrev_np(held_signals[i]));
			return true;
		}
	return false;
}

static int create(const struct container_opts *o, struct oci_spec *spec, struct container *out,
		  struct moat_err *err);

int container_create(const struct container_opts *o, struct oci_spec *spec, struct container *out,
		     struct moat_err *err)
{
	sigset_t hold, old;
	sigemptyset(&hold);
	for (size_t i = 0; i < sizeof(held_signals) / sizeof(held_signals[0]); i++)
		sigaddset(&hold, held_signals[i]);
	sigprocmask(SIG_BLOCK, &hold, &old);
	int r = create(o, spec, out, err);
	if (r < 0) {
		/* drop what was held: the failure is already being reported */
		struct timespec zero = {0, 0};
		while (sigtimedwait(&hold, NULL, &zero) > 0)
			;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}

static int create(const struct container_opts *o, struct oci_spec *spec, struct container *out,
		  struct moat_err *err)
{
	int r;
	if (!((spec->ns_new | spec->ns_join) & CLONE_NEWNS))
		return moat_fail(err, EINVAL, "linux.namespaces: a mount namespace is required");
	if (spec->resources && (r = cgroups_validate(spec->resources, err)) < 0)
		return r;
	struct seccomp_profile *prof = NULL;
	struct sentry_attach *sentry = NULL;
	char *cgroup = NULL;
	char cache_dir[4096];
	snprintf(cache_dir, sizeof(cache_dir), "%s/.cache", o->root);
	bool sentried = o->sandbox && !strcmp(o->sandbox, "sentry");
	bool audit = o->audit || spec_annotation(spec, "run.moat.audit");
	if ((spec->seccomp && (r = seccomp_profile_compile(spec->seccomp, &prof, err)) < 0) ||
	    (sentried && (r = sentry_check_preserved_fds(o->preserve_fds, err)) < 0) ||
	    (sentried && (r = sentry_attach_prepare(audit, cache_dir, &sentry, err)) < 0) ||
	    (r = cgroups_resolve_path(spec->cgroups_path, o->id, o->systemd_cgroup, &cgroup, err)) < 0 ||
	    (r = state_claim(o->root, o->id, err)) < 0) {
		free(cgroup);
		seccomp_profile_free(prof);
		sentry_attach_free(sentry);
		return r;
	}
	fault_point("create:claimed");
	/* From here on every failure undoes what was made: the `fail` path. */
	struct container_state *st = calloc(1, sizeof(*st));
	struct ns_join *joins = NULL;
	size_t n_joins = 0;
	int sv[2] = {-1, -1}, fifo = -1, pidfd = -1, master = -1, own_pidns = -1;
	pid_t pid = -1;
	bool cgroup_made = false;
	struct cgroup_join *join = NULL;
	char fifo_path[4096];
	snprintf(fifo_path, sizeof(fifo_path), "%s/%s/" EXEC_FIFO, o->root, o->id);
	if (!st) {
		r = moat_fail_errno(err, ENOMEM, "create");
		goto fail;
	}
	if (mkfifo(fifo_path, 0600) < 0) {
		r = moat_fail_errno(err, errno, "create exec fifo");
		goto fail;
	}
	fifo = open(fifo_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fifo < 0) {
		r = moat_fail_errno(err, errno, "open exec fifo");
		goto fail;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		r = moat_fail_errno(err, errno, "socketpair");
		goto fail;
	}
	if ((r = ns_open_joins(spec, &joins, &n_joins, err)) < 0)
		goto fail;
	bool userns = (spec->ns_new | spec->ns_join) & CLONE_NEWUSER;
	/* The cgroup namespace must be made after the init has joined its
	 * cgroup, and the time namespace before anything runs in it (its offsets
	 * can only be set while it is empty): the init unshares both itself.
	 * Joining a user namespace means the new namespaces must be owned by it,
	 * so the init creates them after joining. */
	int clone_flags = spec->ns_new & ~(CLONE_NEWCGROUP | CLONE_NEWTIME);
	int unshare_flags = spec->ns_new & (CLONE_NEWCGROUP | CLONE_NEWTIME);
	if (spec->ns_join & CLONE_NEWUSER) {
		unshare_flags |= clone_flags & ~CLONE_NEWPID;
		clone_flags &= CLONE_NEWPID;
	}
	st->id = strdup(o->id);
	st->bundle = strdup(spec->bundle);
	st->rootfs = strdup(spec->rootfs);
	st->created = state_timestamp();
	st->owner = geteuid();
	st->cgroup = cgroup;
	cgroup = NULL;
	st->sandbox = strdup(o->sandbox ? o->sandbox : "none");
	st->annotations = json_incref(spec->annotations);
	st->hooks = later_hooks(spec);
	st->rootless = o->rootless;
	st->has_process = spec->process != NULL;
	if (!st->id || !st->bundle || !st->rootfs || !st->created || !st->sandbox) {
		r = moat_fail_errno(err, ENOMEM, "create");
		goto fail;
	}
	/* Saved before anything exists outside this process, so that delete
	 * --force can undo a create killed at any later point (the init dies
	 * with us until it is ready: PDEATHSIG). */
	st->creating = true;
	if ((r = state_save(o->root, st, err)) < 0)
		goto fail;
	fault_point("create:state-saved");
	if ((r = cgroups_create_for_self(st->cgroup, spec->resources, o->rootless, &join, err)) < 0)
		goto fail;
	cgroup_made = true;
	fault_point("create:cgroup");
	if (sentry && spec->process &&
	    (r = sentry_attach_spawn(sentry, st->cgroup, spec, spec->process, o->audit, err)) < 0)
		goto fail;
	fault_point("create:sentry-spawned");
	struct init_ctx ctx = {.spec = spec,
			       .opts = o,
			       .sync = sv[1],
			       .fifo = fifo,
			       .joins = joins,
			       .n_joins = n_joins,
			       .unshare_flags = unshare_flags,
			       .userns = userns,
			       .seccomp = prof,
			       .sentry = sentry,
			       .join = join,
			       .cgroup_path = cgroup};
	/* Joining a pid namespace applies to every child made afterwards: only
	 * the init may land there (not the sentry, hooks or sanitizer threads),
	 * so the runtime joins right before the clone and returns right after. */
	for (size_t i = 0; i < n_joins; i++) {
		if (joins[i].fd < 0 || joins[i].type != CLONE_NEWPID)
			continue;
		own_pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
		if (own_pidns < 0 || setns(joins[i].fd, CLONE_NEWPID) < 0) {
			r = moat_fail_errno(err, errno, "join pid namespace %s", spec->namespaces[i].path);
			goto fail;
		}
	}
	fflush(NULL);
	pid = (pid_t)syscall(SYS_clone, (unsigned long)clone_flags | SIGCHLD, NULL, NULL, NULL, 0);
	if (pid < 0) {
		r = moat_fail_errno(err, errno, "clone container init");
		goto fail;
	}
	if (pid == 0) {
		close(sv[0]);
		sentry_attach_in_child(sentry);
		container_init(&ctx);
	}
	if (own_pidns >= 0) {
		int e = setns(own_pidns, CLONE_NEWPID) < 0 ? errno : 0;
		close(own_pidns);
		own_pidns = -1;
		if (e) {
			r = moat_fail_errno(err, e, "return to the runtime's pid namespace");
			goto fail;
		}
	}
	close(sv[1]);
	sv[1] = -1;
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		r = moat_fail_errno(err, errno, "pidfd_open");
		goto fail;
	}
	if ((spec->ns_new & CLONE_NEWUSER) && (r = ns_write_idmaps(pid, spec, err)) < 0)
		goto fail;
	st->pid = pid;
	st->starttime = proc_starttime(pid, NULL);
	cgroups_join_free(join);
	join = NULL;
	fault_point("create:cloned");
	if ((r = sync_send(sv[0], SYNC_GO, pid, NULL, -1)) < 0) {
		r = moat_fail_errno(err, -r, "signal container init");
		goto fail;
	}
	if (spec->n_hooks[HOOK_CREATE_RUNTIME] || spec->n_hooks[HOOK_PRESTART]) {
		if ((r = sync_expect(sv[0], SYNC_PRE_PIVOT, NULL, err)) < 0)
			goto fail;
		if ((r = run_hooks_state(HOOK_PRESTART, spec->hooks[HOOK_PRESTART], spec->n_hooks[HOOK_PRESTART], st,
					 STATUS_CREATING, err)) < 0 ||
		    (r = run_hooks_state(HOOK_CREATE_RUNTIME, spec->hooks[HOOK_CREATE_RUNTIME],
					 spec->n_hooks[HOOK_CREATE_RUNTIME], st, STATUS_CREATING, err)) < 0)
			goto fail;
		sync_send(sv[0], SYNC_HOOKS_DONE, 0, NULL, -1);
	}
	if (spec->process && spec->process->terminal) {
		if ((r = sync_expect(sv[0], SYNC_PTY, &master, err)) < 0)
			goto fail;
		if (o->console_socket) {
			if ((r = console_send(o->console_socket, master, err)) < 0)
				goto fail;
		}
		if (!o->keep_pty) {
			close(master);
			master = -1;
		}
	}
	for (;;) {
		struct sync_msg m;
		int fd = -1;
		r = sync_recv(sv[0], &m, &fd);
		if (r == -EPIPE) {
			r = moat_fail(err, EPIPE, "container init exited during setup");
			goto fail;
		}
		if (r < 0) {
			r = moat_fail_errno(err, -r, "read from container init");
			goto fail;
		}
		if (m.type == SYNC_ERROR) {
			r = moat_fail(err, m.code > 0 ? m.code : EIO, "%s", m.text);
			goto fail;
		}
		if (m.type == SYNC_SENTRY_FD) {
			r = fd < 0 ? moat_fail(err, EPROTO, "sentry: no listener came with the message")
				   : sentry_attach_serve(sentry, sv[0], fd, pid, err);
			if (fd >= 0)
				close(fd);
			if (r < 0)
				goto fail;
			fault_point("create:sentry");
			continue;
		}
		if (m.type == SYNC_SECCOMP_FD) {
			r = send_seccomp_listener(st, spec, fd, prof, err);
			if (fd >= 0)
				close(fd);
			if (r < 0)
				goto fail;
			sync_send(sv[0], SYNC_SECCOMP_DONE, 0, NULL, -1);
			continue;
		}
		if (fd >= 0)
			close(fd);
		if (m.type == SYNC_READY)
			break;
		r = moat_fail(err, EPROTO, "unexpected message %u from container init", m.type);
		goto fail;
	}
	fault_point("create:ready");
	if (interrupted(&r, err))
		goto fail;
	st->creating = false;
	if ((r = state_save(o->root, st, err)) < 0)
		goto fail;
	fault_point("create:saved");
	if (o->pid_file && (r = container_write_pid_file(o->pid_file, pid, err)) < 0)
		goto fail;
	close(sv[0]);
	close(fifo);
	ns_close_joins(joins, n_joins);
	seccomp_profile_free(prof);
	sentry_attach_free(sentry);
	out->state = st;
	out->pid = pid;
	out->pidfd = pidfd;
	out->pty_master = master;
	log_debug("created container %s, init pid %d", o->id, pid);
	return 0;
fail:
	if (pid > 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (cgroup_made) {
		struct moat_err e2;
		if (cgroups_destroy(st->cgroup, &e2) < 0)
			log_warn("cleanup: %s", e2.msg);
	}
	state_remove(o->root, o->id);
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	if (fifo >= 0)
		close(fifo);
	if (pidfd >= 0)
		close(pidfd);
	if (master >= 0)
		close(master);
	if (own_pidns >= 0) {
		setns(own_pidns, CLONE_NEWPID);
		close(own_pidns);
	}
	ns_close_joins(joins, n_joins);
	seccomp_profile_free(prof);
	sentry_attach_free(sentry);
	cgroups_join_free(join);
	free(cgroup);
	state_free(st);
	return r;
}

int container_start(const char *root, struct container_state *st, struct moat_err *err)
{
	enum container_status s = state_status(root, st);
	if (s != STATUS_CREATED)
		return moat_fail(err, EINVAL, "cannot start a container that is %s", status_name(s));
	if (!st->has_process)
		return moat_fail(err, EINVAL, "cannot start container %s: config.json has no process", st->id);
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s/" EXEC_FIFO, root, st->id);
	int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENXIO)
			return moat_fail(err, ESRCH, "container %s: its init is gone", st->id);
		return moat_fail_errno(err, errno, "open exec fifo");
	}
	fault_point("start:opened");
	/* whoever unlinks the fifo first owns the start */
	if (unlink(path) < 0) {
		int e = errno;
		close(fd);
		if (e == ENOENT)
			return moat_fail(err, EINVAL, "container %s is already started", st->id);
		return moat_fail_errno(err, e, "remove exec fifo");
	}
	fault_point("start:unlinked");
	ssize_t w = write(fd, "0", 1);
	int e = errno;
	close(fd);
	fault_point("start:released");
	if (w != 1)
		return moat_fail_errno(err, e, "release container init");
	if (st->hooks) {
		struct oci_hook *hooks[HOOK_KINDS] = {0};
		size_t n[HOOK_KINDS] = {0};
		if (spec_parse_hooks(st->hooks, hooks, n, err) == 0 &&
		    run_hooks_state(HOOK_POSTSTART, hooks[HOOK_POSTSTART], n[HOOK_POSTSTART], st, STATUS_RUNNING,
				    err) < 0)
			log_warn("%s", err->msg);
		spec_hooks_free(hooks, n);
		moat_err_clear(err);
	}
	return 0;
}

static void kill_all(const struct container_state *st, int sig)
{
	pid_t *pids = NULL;
	size_t n = 0;
	struct moat_err e;
	if (st->cgroup && *st->cgroup && cgroups_pids(st->cgroup, &pids, &n, &e) == 0) {
		for (size_t i = 0; i < n; i++)
			kill(pids[i], sig);
		free(pids);
	}
}

int container_destroy(const char *root, struct container_state *st, bool force, struct moat_err *err)
{
	enum container_status s = state_status(root, st);
	if (s != STATUS_STOPPED) {
		if (!force)
			return moat_fail(err, EBUSY, "cannot delete container %s that is %s: stop it first or use --force",
					 st->id, status_name(s));
		int pidfd = (int)syscall(SYS_pidfd_open, st->pid, 0);
		if (pidfd >= 0 && state_pid_alive(st)) {
			syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
			if (s == STATUS_PAUSED) {
				struct moat_err e2;
				cgroups_freeze(st->cgroup, false, &e2);
			}
			struct pollfd p = {.fd = pidfd, .events = POLLIN};
			poll(&p, 1, 5000);
		}
		if (pidfd >= 0)
			close(pidfd);
	}
	fault_point("delete:killed");
	/* processes may remain without a pid namespace; none may outlive the container */
	kill_all(st, SIGKILL);
	int r = 0;
	if (st->cgroup && *st->cgroup) {
		struct moat_err e2;
		if (cgroups_destroy(st->cgroup, &e2) < 0) {
			*err = e2;
			r = -e2.code;
		}
	}
	if (st->hooks) {
		struct oci_hook *hooks[HOOK_KINDS] = {0};
		size_t n[HOOK_KINDS] = {0};
		struct moat_err e3;
		if (spec_parse_hooks(st->hooks, hooks, n, &e3) == 0 &&
		    run_hooks_state(HOOK_POSTSTOP, hooks[HOOK_POSTSTOP], n[HOOK_POSTSTOP], st, STATUS_STOPPED, &e3) < 0)
			log_warn("%s", e3.msg);
		spec_hooks_free(hooks, n);
	}
	fault_point("delete:cgroup");
	if (r < 0)
		return r;
	int q = state_remove(root, st->id);
	if (q < 0)
		return moat_fail_errno(err, -q, "remove state of %s", st->id);
	return 0;
}

int container_wait(pid_t pid, int pidfd, int pty_master, struct moat_err *err)
{
	/* Forward the signals a shell or supervisor sends us to the container. */
	static const int fwd[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE, SIGCONT};
	sigset_t mask, old;
	sigemptyset(&mask);
	for (size_t i = 0; i < sizeof(fwd) / sizeof(fwd[0]); i++)
		sigaddset(&mask, fwd[i]);
	sigprocmask(SIG_BLOCK, &mask, &old);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	int r = 0;
	if (pty_master >= 0) {
		/* the terminal carries ^C and friends; other signals still go through */
		r = console_relay(pty_master, pidfd, err);
	} else {
		struct pollfd p[2] = {{.fd = pidfd, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
		for (;;) {
			if (poll(p, 2, -1) < 0) {
				if (errno == EINTR)
					continue;
				r = moat_fail_errno(err, errno, "wait for container");
				break;
			}
			if (p[1].revents & POLLIN) {
				struct signalfd_siginfo si;
				if (read(sfd, &si, sizeof(si)) == sizeof(si))
					syscall(SYS_pidfd_send_signal, pidfd, (int)si.ssi_signo, NULL, 0);
			}
			if (p[0].revents)
				break;
		}
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			if (r == 0)
				r = moat_fail_errno(err, errno, "waitpid %d", pid);
			break;
		}
	}
	if (sfd >= 0)
		close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (r < 0)
		return r;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
