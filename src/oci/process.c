/* The OCI "process" object (config.json's, or exec --process's): parsing
 * and validation, capability and rlimit names. */
#include "oci/spec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <sys/capability.h>

#include "util/json.h"

int spec_cap_from_name(const char *name)
{
	cap_value_t c;
	if (strncmp(name, "CAP_", 4) != 0)
		return -1;
	/* libcap accepts lower-case names without the prefix; the spec uses CAP_X. */
	char low[64];
	size_t n = strlen(name);
	if (n >= sizeof(low))
		return -1;
	for (size_t i = 0; i <= n; i++)
		low[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] - 'A' + 'a' : name[i]);
	if (cap_from_name(low, &c) < 0)
		return -1;
	return (int)c;
}

static const struct {
	const char *name;
	int value;
} rlimits[] = {
	{"RLIMIT_AS", RLIMIT_AS},		{"RLIMIT_CORE", RLIMIT_CORE},
	{"RLIMIT_CPU", RLIMIT_CPU},		{"RLIMIT_DATA", RLIMIT_DATA},
	{"RLIMIT_FSIZE", RLIMIT_FSIZE},		{"RLIMIT_LOCKS", RLIMIT_LOCKS},
	{"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},	{"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
	{"RLIMIT_NICE", RLIMIT_NICE},		{"RLIMIT_NOFILE", RLIMIT_NOFILE},
	{"RLIMIT_NPROC", RLIMIT_NPROC},		{"RLIMIT_RSS", RLIMIT_RSS},
	{"RLIMIT_RTPRIO", RLIMIT_RTPRIO},	{"RLIMIT_RTTIME", RLIMIT_RTTIME},
	{"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING}, {"RLIMIT_STACK", RLIMIT_STACK},
};

int spec_rlimit_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(rlimits) / sizeof(rlimits[0]); i++)
		if (strcmp(rlimits[i].name, name) == 0)
			return rlimits[i].value;
	return -1;
}

static int parse_caps(json_t *obj, const char *where, struct oci_caps *caps, struct moat_err *err)
{
	static const char *sets[] = {"bounding", "effective", "inheritable", "permitted", "ambient"};
	uint64_t *dst[] = {&caps->bounding, &caps->effective, &caps->inheritable, &caps->permitted, &caps->ambient};
	for (size_t k = 0; k < 5; k++) {
		json_t *arr = NULL;
		char w[96];
		snprintf(w, sizeof(w), "%s.capabilities", where);
		int r = json_opt_array(obj, sets[k], w, &arr, err);
		if (r < 0)
			return r;
		size_t i;
		json_t *v;
		json_array_foreach(arr, i, v)
		{
			if (!json_is_string(v))
				return moat_fail(err, EINVAL, "%s.%s[%zu]: expected a string", w, sets[k], i);
			int c = spec_cap_from_name(json_string_value(v));
			if (c < 0 || c > 63)
				return moat_fail(err, EINVAL, "%s.%s[%zu]: unknown capability '%s'", w, sets[k], i,
						 json_string_value(v));
			*dst[k] |= 1ULL << c;
		}
	}
	return 0;
}

void spec_process_free(struct oci_process *p)
{
	if (!p)
		return;
	free(p->additional_gids);
	strv_free(p->args);
	strv_free(p->env);
	free(p->cwd);
	free(p->rlimits);
	free(p->apparmor_profile);
	free(p->selinux_label);
	json_decref(p->scheduler);
	json_decref(p->io_priority);
	free(p);
}

int spec_parse_process(json_t *obj, const char *where, struct oci_process **out, struct moat_err *err)
{
	struct oci_process *p = calloc(1, sizeof(*p));
	if (!p)
		return moat_fail_errno(err, ENOMEM, "%s", where);
	int r;
	char w[96];
	json_t *user = NULL, *console = NULL, *caps = NULL, *rl = NULL, *sched = NULL, *iop = NULL;
	if ((r = json_opt_bool(obj, "terminal", where, &p->terminal, err)) < 0 ||
	    (r = json_opt_strv(obj, "args", where, &p->args, NULL, err)) < 0 ||
	    (r = json_opt_strv(obj, "env", where, &p->env, NULL, err)) < 0 ||
	    (r = json_opt_string(obj, "cwd", where, &p->cwd, err)) < 0 ||
	    (r = json_opt_bool(obj, "noNewPrivileges", where, &p->no_new_privileges, err)) < 0 ||
	    (r = json_opt_string(obj, "apparmorProfile", where, &p->apparmor_profile, err)) < 0 ||
	    (r = json_opt_string(obj, "selinuxLabel", where, &p->selinux_label, err)) < 0 ||
	    (r = json_opt_object(obj, "user", where, &user, err)) < 0 ||
	    (r = json_opt_object(obj, "consoleSize", where, &console, err)) < 0 ||
	    (r = json_opt_object(obj, "capabilities", where, &caps, err)) < 0 ||
	    (r = json_opt_array(obj, "rlimits", where, &rl, err)) < 0 ||
	    (r = json_opt_object(obj, "scheduler", where, &sched, err)) < 0 ||
	    (r = json_opt_object(obj, "ioPriority", where, &iop, err)) < 0)
		goto fail;
	int64_t v;
	bool has = false;
	if ((r = json_opt_int(obj, "oomScoreAdj", where, -1000, 1000, &v, &p->has_oom_score_adj, err)) < 0)
		goto fail;
	if (p->has_oom_score_adj)
		p->oom_score_adj = (int)v;
	if (!p->args || !p->args[0]) {
		r = moat_fail(err, EINVAL, "%s.args: must be a non-empty array of strings", where);
		goto fail;
	}
	if (!p->cwd) {
		p->cwd = strdup("/");
		if (!p->cwd) {
			r = moat_fail_errno(err, ENOMEM, "%s", where);
			goto fail;
		}
	} else if (p->cwd[0] != '/') {
		r = moat_fail(err, EINVAL, "%s.cwd: '%s' is not an absolute path", where, p->cwd);
		goto fail;
	}
	if (console) {
		snprintf(w, sizeof(w), "%s.consoleSize", where);
		if ((r = json_opt_int(console, "height", w, 0, UINT16_MAX, &v, &has, err)) < 0)
			goto fail;
		p->console_height = has ? (unsigned)v : 0;
		has = false;
		if ((r = json_opt_int(console, "width", w, 0, UINT16_MAX, &v, &has, err)) < 0)
			goto fail;
		p->console_width = has ? (unsigned)v : 0;
	}
	if (user) {
		snprintf(w, sizeof(w), "%s.user", where);
		if ((r = json_opt_int(user, "uid", w, 0, UINT32_MAX - 1, &v, NULL, err)) < 0)
			goto fail;
		p->uid = (uid_t)(json_object_get(user, "uid") ? v : 0);
		v = 0;
		if ((r = json_opt_int(user, "gid", w, 0, UINT32_MAX - 1, &v, NULL, err)) < 0)
			goto fail;
		p->gid = (gid_t)v;
		v = 0;
		has = false;
		if ((r = json_opt_int(user, "umask", w, 0, 0777, &v, &p->has_umask, err)) < 0)
			goto fail;
		p->umask = (mode_t)v;
		json_t *gids = NULL;
		if ((r = json_opt_array(user, "additionalGids", w, &gids, err)) < 0)
			goto fail;
		if (gids) {
			p->n_additional_gids = json_array_size(gids);
			p->additional_gids = calloc(p->n_additional_gids + 1, sizeof(gid_t));
			if (!p->additional_gids) {
				r = moat_fail_errno(err, ENOMEM, "%s", w);
				goto fail;
			}
			for (size_t i = 0; i < p->n_additional_gids; i++) {
				json_t *g = json_array_get(gids, i);
				if (!json_is_integer(g) || json_integer_value(g) < 0 ||
				    json_integer_value(g) >= UINT32_MAX) {
					r = moat_fail(err, EINVAL, "%s.additionalGids[%zu]: expected a gid", w, i);
					goto fail;
				}
				p->additional_gids[i] = (gid_t)json_integer_value(g);
			}
		}
	}
	if (caps) {
		p->has_caps = true;
		if ((r = parse_caps(caps, where, &p->caps, err)) < 0)
			goto fail;
	}
	if (rl) {
		p->n_rlimits = json_array_size(rl);
		p->rlimits = calloc(p->n_rlimits + 1, sizeof(*p->rlimits));
		if (!p->rlimits) {
			r = moat_fail_errno(err, ENOMEM, "%s", where);
			goto fail;
		}
		for (size_t i = 0; i < p->n_rlimits; i++) {
			json_t *o = json_array_get(rl, i);
			snprintf(w, sizeof(w), "%s.rlimits[%zu]", where, i);
			char *type = NULL;
			if (!json_is_object(o)) {
				r = moat_fail(err, EINVAL, "%s: expected an object", w);
				goto fail;
			}
			if ((r = json_opt_string(o, "type", w, &type, err)) < 0)
				goto fail;
			int res = type ? spec_rlimit_from_name(type) : -1;
			if (res < 0) {
				r = moat_fail(err, EINVAL, "%s.type: unknown rlimit '%s'", w, type ? type : "");
				free(type);
				goto fail;
			}
			free(type);
			for (size_t j = 0; j < i; j++)
				if (p->rlimits[j].resource == res) {
					r = moat_fail(err, EINVAL, "%s.type: rlimit given twice", w);
					goto fail;
				}
			p->rlimits[i].resource = res;
			bool hs = false, hh = false;
			if ((r = json_opt_uint(o, "soft", w, UINT64_MAX, &p->rlimits[i].soft, &hs, err)) < 0 ||
			    (r = json_opt_uint(o, "hard", w, UINT64_MAX, &p->rlimits[i].hard, &hh, err)) < 0)
				goto fail;
			if (!hs || !hh) {
				r = moat_fail(err, EINVAL, "%s: soft and hard are required", w);
				goto fail;
			}
			if (p->rlimits[i].soft > p->rlimits[i].hard) {
				r = moat_fail(err, EINVAL, "%s: soft limit is above the hard limit", w);
				goto fail;
			}
		}
	}
	if (sched)
		p->scheduler = json_incref(sched);
	if (iop)
		p->io_priority = json_incref(iop);
	*out = p;
	return 0;
fail:
	spec_process_free(p);
	return r;
}
