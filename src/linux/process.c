#include "linux/process.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <sys/capability.h>

#include "util/fs.h"
#include "util/json.h"

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

static int apply_scheduler(json_t *s, struct moat_err *err)
{
	static const struct {
		const char *name;
		int policy;
	} policies[] = {{"SCHED_OTHER", SCHED_OTHER}, {"SCHED_FIFO", SCHED_FIFO}, {"SCHED_RR", SCHED_RR},
			{"SCHED_BATCH", SCHED_BATCH}, {"SCHED_IDLE", SCHED_IDLE}, {"SCHED_DEADLINE", 6}};
	char *policy = NULL;
	int r = json_opt_string(s, "policy", "process.scheduler", &policy, err);
	if (r < 0)
		return r;
	int pol = -1;
	for (size_t i = 0; policy && i < sizeof(policies) / sizeof(policies[0]); i++)
		if (!strcmp(policies[i].name, policy))
			pol = policies[i].policy;
	if (pol < 0) {
		r = moat_fail(err, EINVAL, "process.scheduler.policy: unknown policy '%s'", policy ? policy : "");
		free(policy);
		return r;
	}
	free(policy);
	/* struct sched_attr, as in sched_setattr(2) */
	struct {
		uint32_t size, sched_policy;
		uint64_t sched_flags;
		int32_t sched_nice;
		uint32_t sched_priority;
		uint64_t sched_runtime, sched_deadline, sched_period;
	} attr = {.size = 48, .sched_policy = (uint32_t)pol};
	int64_t v = 0;
	uint64_t u = 0;
	if ((r = json_opt_int(s, "nice", "process.scheduler", -20, 19, &v, NULL, err)) < 0)
		return r;
	attr.sched_nice = (int32_t)v;
	v = 0;
	if ((r = json_opt_int(s, "priority", "process.scheduler", 0, 99, &v, NULL, err)) < 0)
		return r;
	attr.sched_priority = (uint32_t)v;
	if ((r = json_opt_uint(s, "runtime", "process.scheduler", UINT64_MAX, &u, NULL, err)) < 0)
		return r;
	attr.sched_runtime = u;
	u = 0;
	if ((r = json_opt_uint(s, "deadline", "process.scheduler", UINT64_MAX, &u, NULL, err)) < 0)
		return r;
	attr.sched_deadline = u;
	u = 0;
	if ((r = json_opt_uint(s, "period", "process.scheduler", UINT64_MAX, &u, NULL, err)) < 0)
		return r;
	attr.sched_period = u;
	if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0)
		return moat_fail_errno(err, errno, "process.scheduler: sched_setattr");
	return 0;
}

static int apply_io_priority(json_t *o, struct moat_err *err)
{
	static const struct {
		const char *name;
		int cls;
	} classes[] = {{"IOPRIO_CLASS_RT", 1}, {"IOPRIO_CLASS_BE", 2}, {"IOPRIO_CLASS_IDLE", 3}};
	char *cls = NULL;
	int64_t prio = 0;
	int r = json_opt_string(o, "class", "process.ioPriority", &cls, err);
	if (r < 0 || (r = json_opt_int(o, "priority", "process.ioPriority", 0, 7, &prio, NULL, err)) < 0) {
		free(cls);
		return r;
	}
	int c = -1;
	for (size_t i = 0; cls && i < 3; i++)
		if (!strcmp(classes[i].name, cls))
			c = classes[i].cls;
	if (c < 0) {
		r = moat_fail(err, EINVAL, "process.ioPriority.class: unknown class '%s'", cls ? cls : "");
		free(cls);
		return r;
	}
	free(cls);
	/* ioprio_set(IOPRIO_WHO_PROCESS, self, class << 13 | prio) */
	if (syscall(SYS_ioprio_set, 1, 0, (c << 13) | (int)prio) < 0)
		return moat_fail_errno(err, errno, "process.ioPriority: ioprio_set");
	return 0;
}

static int apply_personality(json_t *p, struct moat_err *err)
{
	char *domain = NULL;
	int r = json_opt_string(p, "domain", "linux.personality", &domain, err);
	if (r < 0)
		return r;
	unsigned long pers;
	if (domain && !strcmp(domain, "LINUX"))
		pers = PER_LINUX;
	else if (domain && !strcmp(domain, "LINUX32"))
		pers = PER_LINUX32;
	else {
		r = moat_fail(err, EINVAL, "linux.personality.domain: '%s' is not LINUX or LINUX32", domain ? domain : "");
		free(domain);
		return r;
	}
	free(domain);
	json_t *flags = json_object_get(p, "flags");
	if (flags && (!json_is_array(flags) || json_array_size(flags) > 0))
		return moat_fail(err, EINVAL, "linux.personality.flags: no flags are supported");
	if (personality(pers) < 0)
		return moat_fail_errno(err, errno, "linux.personality: personality");
	return 0;
}

int process_apply_pre_user(const struct oci_process *p, json_t *personality_, struct moat_err *err)
{
	int r;
	for (size_t i = 0; i < p->n_rlimits; i++) {
		struct rlimit rl = {.rlim_cur = p->rlimits[i].soft, .rlim_max = p->rlimits[i].hard};
		if (setrlimit(p->rlimits[i].resource, &rl) < 0)
			return moat_fail_errno(err, errno, "process.rlimits[%zu]: setrlimit (soft %llu, hard %llu)", i,
					       (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
	}
	if (p->has_oom_score_adj) {
		char buf[16];
		int n = snprintf(buf, sizeof(buf), "%d", p->oom_score_adj);
		if ((r = write_file_at(AT_FDCWD, "/proc/self/oom_score_adj", buf, (size_t)n, err)) < 0)
			return moat_err_prefix(err, "process.oomScoreAdj");
	}
	if (p->scheduler && (r = apply_scheduler(p->scheduler, err)) < 0)
		return r;
	if (p->io_priority && (r = apply_io_priority(p->io_priority, err)) < 0)
		return r;
	if (personality_ && (r = apply_personality(personality_, err)) < 0)
		return r;
	if (p->has_umask)
		umask(p->umask);
	if (p->apparmor_profile && *p->apparmor_profile) {
		if (access("/sys/kernel/security/apparmor", F_OK) < 0)
			return moat_fail(err, EOPNOTSUPP, "process.apparmorProfile: AppArmor is not enabled on this host");
		char buf[512];
		int n = snprintf(buf, sizeof(buf), "exec %s", p->apparmor_profile);
		if ((r = write_file_at(AT_FDCWD, "/proc/self/attr/apparmor/exec", buf, (size_t)n, err)) < 0 &&
		    (r = write_file_at(AT_FDCWD, "/proc/self/attr/exec", buf, (size_t)n, err)) < 0)
			return moat_err_prefix(err, "process.apparmorProfile");
	}
	if (p->selinux_label && *p->selinux_label) {
		if (access("/sys/fs/selinux/enforce", F_OK) < 0)
			return moat_fail(err, EOPNOTSUPP, "process.selinuxLabel: SELinux is not enabled on this host");
		if ((r = write_file_at(AT_FDCWD, "/proc/self/attr/exec", p->selinux_label, strlen(p->selinux_label),
				       err)) < 0)
			return moat_err_prefix(err, "process.selinuxLabel");
	}
	return 0;
}

static bool setgroups_denied(void)
{
	char buf[16] = "";
	int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 && strncmp(buf, "deny", 4) == 0;
}

/* Dropping from the bounding set needs CAP_SETPCAP, which a non-root uid no longer has. */
static int drop_bounding(const struct oci_process *p, struct moat_err *err)
{
	uint64_t keep = p->has_caps ? p->caps.bounding : 0;
	int last = (int)cap_max_bits() - 1;
	for (int i = 0; i <= last && i < 64; i++) {
		if (keep & (1ULL << i))
			continue;
		if (prctl(PR_CAPBSET_DROP, i, 0, 0, 0) < 0 && errno != EINVAL) {
			char *name = cap_to_name((cap_value_t)i);
			int r = moat_fail_errno(err, errno, "process.capabilities.bounding: drop %s", name);
			cap_free(name);
			return r;
		}
	}
	return 0;
}

int process_apply_user(const struct oci_process *p, struct moat_err *err)
{
	int r = drop_bounding(p, err);
	if (r < 0)
		return r;
	if (p->n_additional_gids || !setgroups_denied()) {
		if (setgroups(p->n_additional_gids, p->additional_gids) < 0)
			return moat_fail_errno(err, errno, "process.user.additionalGids: setgroups");
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return moat_fail_errno(err, errno, "prctl(PR_SET_KEEPCAPS)");
	if (setresgid(p->gid, p->gid, p->gid) < 0)
		return moat_fail_errno(err, errno, "process.user.gid: setgid %u", p->gid);
	if (setresuid(p->uid, p->uid, p->uid) < 0)
		return moat_fail_errno(err, errno, "process.user.uid: setuid %u", p->uid);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return moat_fail_errno(err, errno, "prctl(PR_SET_KEEPCAPS)");
	return 0;
}

int process_apply_caps(const struct oci_process *p, struct moat_err *err)
{
	/* No capabilities section: the process keeps none (runc does the same). */
	struct oci_caps none = {0};
	const struct oci_caps *c = p->has_caps ? &p->caps : &none;
	int last = (int)cap_max_bits() - 1;
	cap_t caps = cap_init();
	if (!caps)
		return moat_fail_errno(err, errno, "cap_init");
	for (int i = 0; i <= last && i < 64; i++) {
		cap_value_t v = (cap_value_t)i;
		if (c->effective & (1ULL << i))
			cap_set_flag(caps, CAP_EFFECTIVE, 1, &v, CAP_SET);
		if (c->permitted & (1ULL << i))
			cap_set_flag(caps, CAP_PERMITTED, 1, &v, CAP_SET);
		if (c->inheritable & (1ULL << i))
			cap_set_flag(caps, CAP_INHERITABLE, 1, &v, CAP_SET);
	}
	if (cap_set_proc(caps) < 0) {
		int e = errno;
		cap_free(caps);
		return moat_fail_errno(err, e, "process.capabilities: capset");
	}
	cap_free(caps);
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	for (int i = 0; i <= last && i < 64; i++) {
		if (!(c->ambient & (1ULL << i)))
			continue;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, i, 0, 0) < 0) {
			char *name = cap_to_name((cap_value_t)i);
			int r = moat_fail_errno(err, errno, "process.capabilities.ambient: raise %s (it must also be "
							  "permitted and inheritable)", name);
			cap_free(name);
			return r;
		}
	}
	return 0;
}

int process_enter_cwd(const struct oci_process *p, struct moat_err *err)
{
	char buf[4096];
	if (chdir(p->cwd) < 0)
		return moat_fail_errno(err, errno, "process.cwd: chdir %s", p->cwd);
	/* getcwd fails, or says "(unreachable)", for a directory outside our root */
	if (!getcwd(buf, sizeof(buf)) || buf[0] != '/')
		return moat_fail(err, EPERM, "process.cwd: %s is outside the container", p->cwd);
	return 0;
}

static const char *env_path(char **env)
{
	for (char **e = env; e && *e; e++)
		if (!strncmp(*e, "PATH=", 5))
			return *e + 5;
	return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

static bool executable(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int process_find_exec(const struct oci_process *p, char **out, struct moat_err *err)
{
	const char *a0 = p->args[0];
	if (strchr(a0, '/')) {
		if (!executable(a0))
			return moat_fail_errno(err, errno ? errno : EACCES, "exec: \"%s\"", a0);
		*out = strdup(a0);
		return *out ? 0 : moat_fail_errno(err, ENOMEM, "exec");
	}
	const char *path = env_path(p->env);
	while (*path) {
		const char *end = strchrnul(path, ':');
		char buf[4096];
		int n = end == path ? snprintf(buf, sizeof(buf), "./%s", a0)
				    : snprintf(buf, sizeof(buf), "%.*s/%s", (int)(end - path), path, a0);
		if (n > 0 && (size_t)n < sizeof(buf) && executable(buf)) {
			*out = strdup(buf);
			return *out ? 0 : moat_fail_errno(err, ENOMEM, "exec");
		}
		path = *end ? end + 1 : end;
	}
	return moat_fail(err, ENOENT, "exec: \"%s\": executable file not found in $PATH", a0);
}

int process_exec(const struct oci_process *p, const char *path, int preserve_fds, struct moat_err *err)
{
	/* CVE-2024-21626: no runtime fd may survive into the container. */
	if (syscall(SYS_close_range, 3 + preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return moat_fail_errno(err, errno, "close_range");
	char *empty[] = {NULL};
	execve(path, p->args, p->env ? p->env : empty);
	return moat_fail_errno(err, errno, "exec %s", path);
}
