#include "sentry/attach.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sentry/bpf_cache.h"
#include "sentry/sentry.h"
#include "util/sync.h"

struct sentry_attach {
	struct sentry_bpf *bpf;
	struct sentry_prog self; /* the sentry's own filter */
	int sock;                /* to the spawned sentry, until it serves */
	pid_t watchdog;          /* spawned, not yet serving: reaped if abandoned */
	bool rootless; /* the runtime (and so the sentry) has no privileges on the host */
};

int sentry_attach_prepare(bool audit, const char *cache_dir, struct sentry_attach **out, struct moat_err *err)
{
	struct sentry_attach *a = calloc(1, sizeof(*a));
	if (!a)
		return moat_fail_errno(err, ENOMEM, "sentry");
	a->rootless = geteuid() != 0;
	a->sock = -1;
	size_t n;
	const char *const *self = sentry_self_allowlist(&n);
	int r = sentry_bpf_get(audit ? SENTRY_EMULATE_AUDIT : SENTRY_EMULATE_NOTIFY, cache_dir, &a->bpf, err);
	if (r == 0)
		r = sentry_bpf_allowlist(self, n, cache_dir, &a->self, err);
	if (r < 0) {
		sentry_attach_free(a);
		return r;
	}
	*out = a;
	return 0;
}

void sentry_attach_free(struct sentry_attach *a)
{
	if (!a)
		return;
	sentry_bpf_free(a->bpf);
	sentry_prog_free(&a->self);
	if (a->sock >= 0) {
		/* never served: both end when they see the socket close */
		close(a->sock);
		while (waitpid(a->watchdog, NULL, 0) < 0 && errno == EINTR)
			;
	}
	free(a);
}

int sentry_attach_load(struct sentry_attach *a, int sync, struct moat_err *err)
{
	/* An unprivileged sentry can read a process's memory and /proc/<pid>
	 * only while it is dumpable.  Without host privileges there is nothing
	 * on the host for a process that inspects this one to gain. */
	if (a->rootless)
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	int fd = -1;
	int r = sentry_bpf_load(a->bpf, &fd, err);
	if (r < 0)
		return r;
	r = sync_send(sync, SYNC_SENTRY_FD, 0, NULL, fd);
	close(fd);
	if (r < 0)
		return moat_fail_errno(err, -r, "sentry: hand the listener to the runtime");
	return sync_expect(sync, SYNC_SENTRY_READY, NULL, err);
}

int sentry_attach_spawn(struct sentry_attach *a, const char *cgroup, const struct oci_spec *spec,
			const struct oci_process *process, const char *audit, struct moat_err *err)
{
	struct sentry_config c = {
		.init_pid = -1,
		.listener = -1,
		.cgroup = cgroup,
		.release = spec_annotation(spec, "run.moat.kernel-release"),
		.audit_path = audit ? audit : spec_annotation(spec, "run.moat.audit"),
		.caps = process && process->has_caps ? process->caps.bounding : 0,
		.self_filter = &a->self,
	};
	return sentry_spawn(&c, &a->sock, &a->watchdog, err);
}

void sentry_attach_in_child(struct sentry_attach *a)
{
	if (a && a->sock >= 0) {
		close(a->sock);
		a->sock = -1;
	}
}

int sentry_attach_serve(struct sentry_attach *a, int sync, int listener, pid_t pid, struct moat_err *err)
{
	if (a->sock < 0)
		return moat_fail(err, EPROTO, "sentry: no sentry was started for this process");
	int r = sentry_serve(a->sock, pid, listener, err);
	close(a->sock);
	a->sock = -1;
	if (r < 0) {
		while (waitpid(a->watchdog, NULL, 0) < 0 && errno == EINTR)
			;
		return r;
	}
	if ((r = sync_send(sync, SYNC_SENTRY_READY, 0, NULL, -1)) < 0)
		return moat_fail_errno(err, -r, "sentry: tell the container it is served");
	return 0;
}

int sentry_check_preserved_fds(int n, struct moat_err *err)
{
	for (int fd = 3; fd < 3 + n; fd++) {
		struct stat st;
		int fl = fcntl(fd, F_GETFL);
		if (fl < 0 || fstat(fd, &st) < 0)
			return moat_fail_errno(err, errno, "--preserve-fds: fd %d", fd);
		if (S_ISDIR(st.st_mode) || (fl & O_PATH))
			return moat_fail(err, EPERM, "--preserve-fds: fd %d is a directory or O_PATH fd, which the sentry "
						     "does not pass into a container (paths relative to it would "
						     "leave the container's root); use --sandbox=none or a bind mount",
					 fd);
	}
	return 0;
}
