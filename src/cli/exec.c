/* moat exec [options] ID [COMMAND [ARG...]]: run a new process in a running
 * container.
 *
 * The process is described by --process FILE (an OCI "process" object), or
 * by the container's own config.json process with the inline flags applied
 * (as runc).  moat enters the container's pid namespace for its children,
 * forks, and the child joins the other namespaces, is put in the container's
 * cgroup, takes on the process's attributes and execs.  moat stays its
 * parent, so in the foreground it relays the exit status. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "linux/cgroups.h"
#include "linux/console.h"
#include "linux/container.h"
#include "linux/namespaces.h"
#include "linux/process.h"
#include "linux/seccomp.h"
#include "sentry/attach.h"
#include "util/fault.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/sync.h"

struct exec_opts {
	const char *process_file;
	const char *cwd;
	const char *user;
	const char *pid_file;
	const char *console_socket;
	const char *apparmor;
	int preserve_fds;
	bool tty, tty_given, detach, no_new_privs, ignore_paused;
	char **env;
	size_t n_env;
	char **caps;
	size_t n_caps;
	char **gids;
	size_t n_gids;
};

static int push(char ***v, size_t *n, char *s)
{
	char **nv = realloc(*v, (*n + 2) * sizeof(char *));
	if (!nv)
		return -ENOMEM;
	nv[(*n)++] = s;
	nv[*n] = NULL;
	*v = nv;
	return 0;
}

/* Inline flags applied over the config's process, as runc does. */
static int apply_inline(struct oci_process *p, const struct exec_opts *x, char **args, struct moat_err *err)
{
	if (args && args[0]) {
		strv_free(p->args);
		size_t n = 0;
		while (args[n])
			n++;
		p->args = calloc(n + 1, sizeof(char *));
		if (!p->args)
			return moat_fail_errno(err, ENOMEM, "exec");
		for (size_t i = 0; i < n; i++)
			if (!(p->args[i] = strdup(args[i])))
				return moat_fail_errno(err, ENOMEM, "exec");
	}
	if (x->cwd) {
		if (x->cwd[0] != '/')
			return moat_fail(err, EINVAL, "exec: --cwd '%s' is not an absolute path", x->cwd);
		free(p->cwd);
		if (!(p->cwd = strdup(x->cwd)))
			return moat_fail_errno(err, ENOMEM, "exec");
	}
	if (x->tty_given)
		p->terminal = x->tty;
	for (size_t i = 0; i < x->n_env; i++) {
		/* a variable given again replaces the config's value */
		const char *eq = strchr(x->env[i], '=');
		size_t klen = eq ? (size_t)(eq - x->env[i]) : strlen(x->env[i]);
		size_t n = 0;
		bool replaced = false;
		for (char **e = p->env; e && *e; e++, n++)
			if (!strncmp(*e, x->env[i], klen) && (*e)[klen] == '=') {
				free(*e);
				if (!(*e = strdup(x->env[i])))
					return moat_fail_errno(err, ENOMEM, "exec");
				replaced = true;
			}
		if (!replaced) {
			char *d = strdup(x->env[i]);
			if (!d || push(&p->env, &n, d) < 0)
				return moat_fail_errno(err, ENOMEM, "exec");
		}
	}
	if (x->user) {
		char *end;
		unsigned long uid = strtoul(x->user, &end, 10);
		if (end == x->user || (*end && *end != ':'))
			return moat_fail(err, EINVAL, "exec: --user '%s' must be UID[:GID]", x->user);
		p->uid = (uid_t)uid;
		if (*end == ':') {
			const char *g = end + 1;
			unsigned long gid = strtoul(g, &end, 10);
			if (end == g || *end)
				return moat_fail(err, EINVAL, "exec: --user '%s' must be UID[:GID]", x->user);
			p->gid = (gid_t)gid;
		}
	}
	if (x->n_gids) {
		free(p->additional_gids);
		p->additional_gids = calloc(x->n_gids, sizeof(gid_t));
		if (!p->additional_gids)
			return moat_fail_errno(err, ENOMEM, "exec");
		for (size_t i = 0; i < x->n_gids; i++) {
			char *end;
			unsigned long g = strtoul(x->gids[i], &end, 10);
			if (end == x->gids[i] || *end)
				return moat_fail(err, EINVAL, "exec: --additional-gids '%s' is not a gid", x->gids[i]);
			p->additional_gids[i] = (gid_t)g;
		}
		p->n_additional_gids = x->n_gids;
	}
	for (size_t i = 0; i < x->n_caps; i++) {
		int c = spec_cap_from_name(x->caps[i]);
		if (c < 0 || c > 63)
			return moat_fail(err, EINVAL, "exec: --cap: unknown capability '%s'", x->caps[i]);
		uint64_t bit = 1ULL << c;
		p->has_caps = true;
		p->caps.bounding |= bit;
		p->caps.effective |= bit;
		p->caps.permitted |= bit;
		p->caps.ambient |= bit;
		p->caps.inheritable |= bit;
	}
	if (x->no_new_privs)
		p->no_new_privileges = true;
	if (x->apparmor) {
		free(p->apparmor_profile);
		if (!(p->apparmor_profile = strdup(x->apparmor)))
			return moat_fail_errno(err, ENOMEM, "exec");
	}
	return 0;
}

static int load_process_file(const char *path, struct oci_process **p, struct moat_err *err)
{
	char *text;
	size_t len;
	int r = read_file_at(AT_FDCWD, path, SPEC_MAX_BYTES, &text, &len, err);
	if (r < 0)
		return moat_err_prefix(err, "exec --process");
	json_error_t jerr;
	json_t *o = json_load_oci(text, len, &jerr);
	free(text);
	if (!o)
		return moat_fail(err, EINVAL, "exec --process %s: line %d: %s", path, jerr.line, jerr.text);
	if (!json_is_object(o)) {
		json_decref(o);
		return moat_fail(err, EINVAL, "exec --process %s: expected an object", path);
	}
	r = spec_parse_process(o, "process", p, err);
	json_decref(o);
	return r;
}

/* The child: join, wait for the cgroup, become the process. */
struct exec_child_args {
	const struct oci_spec *spec;
	const struct oci_process *p;
	struct ns_join *joins;
	size_t n;
	int sync;
	int preserve_fds;
	struct seccomp_profile *prof;
	struct sentry_attach *sentry;
	bool userns;
};

__attribute__((noreturn)) static void exec_child(const struct exec_child_args *a)
{
	const struct oci_spec *spec = a->spec;
	const struct oci_process *p = a->p;
	struct seccomp_profile *prof = a->prof;
	int sync = a->sync;
	struct moat_err err;
	moat_err_clear(&err);
	int r;
	char *path = NULL;
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if ((r = sync_expect(sync, SYNC_GO, NULL, &err)) < 0)
		goto fail;
	if ((r = ns_enter(a->joins, a->n, ~(CLONE_NEWPID | CLONE_NEWUSER), &err)) < 0)
		goto fail;
	if (a->userns && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)) {
		r = moat_fail_errno(&err, errno, "become root in the container's user namespace");
		goto fail;
	}
	if (chdir("/") < 0) {
		r = moat_fail_errno(&err, errno, "chdir /");
		goto fail;
	}
	if (p->terminal) {
		int master;
		if ((r = console_setup(p->console_height, p->console_width, &master, &err)) < 0)
			goto fail;
		sync_send(sync, SYNC_PTY, 0, NULL, master);
		close(master);
	} else if ((r = console_detach(&err)) < 0) {
		goto fail;
	}
	if ((r = process_apply_pre_user(p, spec->personality, &err)) < 0)
		goto fail;
	bool early = prof && !p->no_new_privileges;
	int nfd = -1;
	if (early && (r = seccomp_profile_load(prof, &nfd, &err)) < 0)
		goto fail;
	if (a->sentry && (r = sentry_attach_load(a->sentry, sync, &err)) < 0)
		goto fail;
	if ((r = process_apply_user(p, &err)) < 0 || (r = process_apply_caps(p, &err)) < 0)
		goto fail;
	if ((r = process_enter_cwd(p, &err)) < 0 || (r = process_find_exec(p, &path, &err)) < 0)
		goto fail;
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		r = moat_fail_errno(&err, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
		goto fail;
	}
	if (prof && !early && (r = seccomp_profile_load(prof, &nfd, &err)) < 0)
		goto fail;
	prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
	sync_send(sync, SYNC_READY, 0, NULL, -1);
	close(sync);
	process_exec(p, path, a->preserve_fds, &err);
	dprintf(STDERR_FILENO, "moat: %s\n", err.msg);
	_exit(127);
fail:
	sync_send_error(sync, &err);
	_exit(1);
}

/* The joiner: enters the user namespace (whose privileges joining the pid
 * namespace needs) and the pid namespace, then makes the process as moat's
 * own child (CLONE_PARENT), so moat can wait for it, and reports its pid. */
__attribute__((noreturn)) static void join_and_spawn(const struct exec_child_args *a)
{
	struct moat_err err;
	moat_err_clear(&err);
	int sync = a->sync;
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (ns_enter(a->joins, a->n, CLONE_NEWUSER | CLONE_NEWPID, &err) < 0) {
		sync_send_error(sync, &err);
		_exit(1);
	}
	pid_t child = (pid_t)syscall(SYS_clone, (unsigned long)(CLONE_PARENT | SIGCHLD), NULL, NULL, NULL, 0);
	if (child == 0)
		exec_child(a);
	if (child < 0) {
		moat_fail_errno(&err, errno, "clone the exec process");
		sync_send_error(sync, &err);
		_exit(1);
	}
	sync_send(sync, SYNC_PID, child, NULL, -1);
	_exit(0);
}

static int parse_opts(int argc, char **argv, struct exec_opts *x, struct moat_err *err)
{
	enum { OPT_PID = 1000, OPT_CONSOLE, OPT_PRESERVE, OPT_NNP, OPT_APPARMOR, OPT_LABEL, OPT_IGNORE, OPT_CGROUP };
	static const struct option opts[] = {
		{"process", required_argument, NULL, 'p'},
		{"tty", no_argument, NULL, 't'},
		{"cwd", required_argument, NULL, 'w'},
		{"env", required_argument, NULL, 'e'},
		{"user", required_argument, NULL, 'u'},
		{"additional-gids", required_argument, NULL, 'g'},
		{"cap", required_argument, NULL, 'c'},
		{"no-new-privs", no_argument, NULL, OPT_NNP},
		{"detach", no_argument, NULL, 'd'},
		{"pid-file", required_argument, NULL, OPT_PID},
		{"console-socket", required_argument, NULL, OPT_CONSOLE},
		{"preserve-fds", required_argument, NULL, OPT_PRESERVE},
		{"apparmor", required_argument, NULL, OPT_APPARMOR},
		{"process-label", required_argument, NULL, OPT_LABEL},
		{"ignore-paused", no_argument, NULL, OPT_IGNORE},
		{"cgroup", required_argument, NULL, OPT_CGROUP},
		{NULL, 0, NULL, 0},
	};
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "+p:tw:e:u:g:c:d", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			x->process_file = optarg;
			break;
		case 't':
			x->tty = x->tty_given = true;
			break;
		case 'w':
			x->cwd = optarg;
			break;
		case 'e':
			if (push(&x->env, &x->n_env, optarg) < 0)
				return moat_fail_errno(err, ENOMEM, "exec");
			break;
		case 'u':
			x->user = optarg;
			break;
		case 'g':
			if (push(&x->gids, &x->n_gids, optarg) < 0)
				return moat_fail_errno(err, ENOMEM, "exec");
			break;
		case 'c':
			if (push(&x->caps, &x->n_caps, optarg) < 0)
				return moat_fail_errno(err, ENOMEM, "exec");
			break;
		case OPT_NNP:
			x->no_new_privs = true;
			break;
		case 'd':
			x->detach = true;
			break;
		case OPT_PID:
			x->pid_file = optarg;
			break;
		case OPT_CONSOLE:
			x->console_socket = optarg;
			break;
		case OPT_PRESERVE:
			x->preserve_fds = atoi(optarg);
			if (x->preserve_fds < 0)
				return moat_fail(err, EINVAL, "exec: --preserve-fds must not be negative");
			break;
		case OPT_APPARMOR:
			x->apparmor = optarg;
			break;
		case OPT_LABEL:
			return moat_fail(err, EOPNOTSUPP, "exec: --process-label: SELinux is not supported on this host");
		case OPT_IGNORE:
			x->ignore_paused = true;
			break;
		case OPT_CGROUP:
			return moat_fail(err, EOPNOTSUPP, "exec: --cgroup (a sub-cgroup) is not supported");
		default:
			return moat_fail(err, EINVAL, "exec: unknown option '%s'", argv[optind - 1]);
		}
	}
	return 0;
}

int cmd_exec(struct moat_globals *g, int argc, char **argv, struct moat_err *err)
{
	struct exec_opts x = {0};
	struct container_state *st = NULL;
	struct oci_spec *spec = NULL;
	struct oci_process *p = NULL;
	struct seccomp_profile *prof = NULL;
	struct sentry_attach *sentry = NULL;
	struct ns_join *joins = NULL;
	size_t n_joins = 0;
	int sv[2] = {-1, -1}, pidfd = -1, master = -1;
	pid_t pid = -1;
	int r = parse_opts(argc, argv, &x, err);
	if (r < 0)
		goto out;
	if (optind >= argc) {
		r = cli_usage(err, "exec", "[options] ID [COMMAND [ARG...]]");
		goto out;
	}
	const char *id = argv[optind];
	char **args = argv + optind + 1;
	if (!x.process_file && !args[0]) {
		r = moat_fail(err, EINVAL, "exec: a command or --process is required");
		goto out;
	}
	if ((r = cli_load(g, id, &st, err)) < 0)
		goto out;
	enum container_status s = state_status(g->root, st);
	if (s == STATUS_STOPPED) {
		r = moat_fail(err, EINVAL, "cannot exec in a stopped container");
		goto out;
	}
	if (s == STATUS_PAUSED && !x.ignore_paused) {
		r = moat_fail(err, EINVAL, "cannot exec in a paused container (use --ignore-paused)");
		goto out;
	}
	if ((r = spec_load(st->bundle, &spec, err)) < 0) {
		moat_err_prefix(err, "exec: container %s's bundle", id);
		goto out;
	}
	if (x.process_file) {
		if ((r = load_process_file(x.process_file, &p, err)) < 0)
			goto out;
	} else {
		if (!spec->process) {
			r = moat_fail(err, EINVAL, "exec: config.json has no process to start from; use --process");
			goto out;
		}
		json_t *jp = json_object_get(spec->root, "process");
		if ((r = spec_parse_process(jp, "process", &p, err)) < 0)
			goto out;
		p->terminal = false;
		if ((r = apply_inline(p, &x, args, err)) < 0)
			goto out;
	}
	if (p->terminal && !x.console_socket && x.detach) {
		r = moat_fail(err, EINVAL, "exec: --detach with a terminal needs --console-socket");
		goto out;
	}
	if (spec->seccomp) {
		if ((r = seccomp_profile_compile(spec->seccomp, &prof, err)) < 0)
			goto out;
		if (seccomp_profile_has_notify(prof)) {
			r = moat_fail(err, EOPNOTSUPP, "exec: seccomp profiles with SCMP_ACT_NOTIFY are not supported for exec");
			goto out;
		}
	}
	char cache_dir[4096];
	snprintf(cache_dir, sizeof(cache_dir), "%s/.cache", g->root);
	if (st->sandbox && !strcmp(st->sandbox, "sentry") && (r = sentry_check_preserved_fds(x.preserve_fds, err)) < 0)
		goto out;
	if (st->sandbox && !strcmp(st->sandbox, "sentry") && (r = sentry_attach_prepare(g->audit || spec_annotation(spec, "run.moat.audit"), cache_dir, &sentry,
				       err)) < 0)
		goto out;
	/* The init's namespaces, by pid; a pidfd pins the init while we open them. */
	pidfd = (int)syscall(SYS_pidfd_open, st->pid, 0);
	if (pidfd < 0 || !state_pid_alive(st)) {
		r = moat_fail(err, ESRCH, "container %s is not running", id);
		goto out;
	}
	int types = spec->ns_new | spec->ns_join;
	joins = calloc(8, sizeof(*joins));
	if (!joins) {
		r = moat_fail_errno(err, ENOMEM, "exec");
		goto out;
	}
	static const struct {
		int type;
		const char *name;
	} ns[] = {{CLONE_NEWUSER, "user"}, {CLONE_NEWPID, "pid"},	{CLONE_NEWNS, "mnt"}, {CLONE_NEWIPC, "ipc"},
		  {CLONE_NEWUTS, "uts"},   {CLONE_NEWNET, "net"},	{CLONE_NEWCGROUP, "cgroup"},
		  {CLONE_NEWTIME, "time"}};
	for (size_t i = 0; i < 8; i++) {
		if (!(types & ns[i].type))
			continue;
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", st->pid, ns[i].name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			r = moat_fail_errno(err, errno, "open %s", path);
			goto out;
		}
		joins[n_joins].type = ns[i].type;
		joins[n_joins++].fd = fd;
	}
	if (!state_pid_alive(st)) {
		r = moat_fail(err, ESRCH, "container %s is not running", id);
		goto out;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		r = moat_fail_errno(err, errno, "socketpair");
		goto out;
	}
	if (sentry && (r = sentry_attach_spawn(sentry, st->cgroup, spec, p, g->audit, err)) < 0)
		goto out;
	fflush(NULL);
	pid_t joiner = fork();
	if (joiner < 0) {
		r = moat_fail_errno(err, errno, "fork");
		goto out;
	}
	if (joiner == 0) {
		close(sv[0]);
		sentry_attach_in_child(sentry);
		struct exec_child_args a = {.spec = spec,
					    .p = p,
					    .joins = joins,
					    .n = n_joins,
					    .sync = sv[1],
					    .preserve_fds = x.preserve_fds,
					    .prof = prof,
					    .sentry = sentry,
					    .userns = (types & CLONE_NEWUSER) != 0};
		join_and_spawn(&a);
	}
	close(sv[1]);
	sv[1] = -1;
	struct sync_msg m;
	r = sync_recv(sv[0], &m, NULL);
	while (waitpid(joiner, NULL, 0) < 0 && errno == EINTR)
		;
	if (r < 0 || m.type != SYNC_PID) {
		r = r < 0 ? moat_fail_errno(err, -r, "exec: enter container %s", id)
			  : moat_fail(err, m.code > 0 ? m.code : EIO, "%s", m.text);
		goto out;
	}
	pid = m.code;
	fault_point("exec:spawned");
	close(pidfd);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		r = moat_fail_errno(err, errno, "pidfd_open");
		goto out;
	}
	if (st->cgroup && *st->cgroup && (r = cgroups_enter(st->cgroup, pid, err)) < 0)
		goto out;
	fault_point("exec:cgroup");
	sync_send(sv[0], SYNC_GO, 0, NULL, -1);
	if (p->terminal) {
		if ((r = sync_expect(sv[0], SYNC_PTY, &master, err)) < 0)
			goto out;
		if (x.console_socket) {
			if ((r = console_send(x.console_socket, master, err)) < 0)
				goto out;
			close(master);
			master = -1;
		}
	}
	for (;;) {
		int fd = -1;
		if ((r = sync_recv(sv[0], &m, &fd)) < 0) {
			r = moat_fail_errno(err, -r, "exec: the new process exited during setup");
			goto out;
		}
		if (m.type == SYNC_SENTRY_FD && fd >= 0) {
			r = sentry_attach_serve(sentry, sv[0], fd, pid, err);
			close(fd);
			if (r < 0)
				goto out;
			continue;
		}
		if (fd >= 0)
			close(fd);
		if (m.type == SYNC_READY)
			break;
		r = m.type == SYNC_ERROR ? moat_fail(err, m.code > 0 ? m.code : EIO, "%s", m.text)
					 : moat_fail(err, EPROTO, "exec: unexpected message %u", m.type);
		goto out;
	}
	fault_point("exec:ready");
	if (x.pid_file && (r = container_write_pid_file(x.pid_file, pid, err)) < 0)
		goto out;
	if (x.detach) {
		pid = -1; /* leave it running */
		r = 0;
		goto out;
	}
	r = container_wait(pid, pidfd, master, err);
	pid = -1;
out:
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	if (pidfd >= 0)
		close(pidfd);
	if (master >= 0)
		close(master);
	ns_close_joins(joins, n_joins);
	seccomp_profile_free(prof);
	sentry_attach_free(sentry);
	spec_process_free(p);
	spec_free(spec);
	state_free(st);
	free(x.env);
	free(x.caps);
	free(x.gids);
	return r;
}
