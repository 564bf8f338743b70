#include "linux/seccomp.h"

#include <ctype.h>
#include <errno.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/json.h"

#define WHERE "linux.seccomp"

/* Linux system calls take at most six arguments. */
#define SYSCALL_MAX_ARGS 6

/* An errno or a ptrace message number: SECCOMP_RET_DATA is 16 bits wide. */
#define ACTION_DATA_MAX 0xffff

/* Above this many rules, ask libseccomp for a binary tree (as runc does:
 * libseccomp <= 2.5.4 misbehaves when it optimizes an empty filter). */
#define OPTIMIZE_MIN_RULES 32

struct seccomp_profile {
	scmp_filter_ctx ctx;
	bool uses_notify; /* some rule asks for SCMP_ACT_NOTIFY */
	bool notify;      /* and at least one such rule is in the filter */
	char *listener_path;
};

enum act_kind { ACT_PLAIN, ACT_WITH_DATA };

static const struct {
	const char *name;
	uint32_t action;
	enum act_kind kind;
} actions[] = {
	{"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, ACT_PLAIN},
	{"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), ACT_WITH_DATA},
	{"SCMP_ACT_KILL", SCMP_ACT_KILL, ACT_PLAIN},
	{"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, ACT_PLAIN},
	{"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, ACT_PLAIN},
	{"SCMP_ACT_LOG", SCMP_ACT_LOG, ACT_PLAIN},
	{"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, ACT_PLAIN},
	{"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), ACT_WITH_DATA},
	{"SCMP_ACT_TRAP", SCMP_ACT_TRAP, ACT_PLAIN},
};

static const struct {
	const char *name;
	enum scmp_compare op;
} operators[] = {
	{"SCMP_CMP_EQ", SCMP_CMP_EQ},	  {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
	{"SCMP_CMP_LE", SCMP_CMP_LE},	  {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
	{"SCMP_CMP_NE", SCMP_CMP_NE},
};

/* Architecture names as the OCI spec writes them; dropping the prefix and
 * lowercasing gives libseccomp's name.  Those this libseccomp does not know
 * are refused by compile and left out of the features document. */
static const char *const oci_archs[] = {
	"SCMP_ARCH_AARCH64",   "SCMP_ARCH_ARM",	      "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",
	"SCMP_ARCH_MIPS",      "SCMP_ARCH_MIPS64",    "SCMP_ARCH_MIPS64N32",   "SCMP_ARCH_MIPSEL",
	"SCMP_ARCH_MIPSEL64",  "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PARISC",    "SCMP_ARCH_PARISC64",
	"SCMP_ARCH_PPC",       "SCMP_ARCH_PPC64",     "SCMP_ARCH_PPC64LE",     "SCMP_ARCH_RISCV64",
	"SCMP_ARCH_S390",      "SCMP_ARCH_S390X",     "SCMP_ARCH_SH",	       "SCMP_ARCH_SHEB",
	"SCMP_ARCH_X32",       "SCMP_ARCH_X86",	      "SCMP_ARCH_X86_64",
};

#define ARCH_PREFIX "SCMP_ARCH_"

/* Filter flags.  TSYNC is not in the OCI spec but runc accepts it, and so do
 * we.  attr is the libseccomp attribute that sets the flag, or 0 when the
 * libseccomp we are built with has none; api is the API level (libseccomp and
 * kernel together) it needs. */
static const struct {
	const char *name;
	enum scmp_filter_attr attr;
	unsigned int api;
} flags[] = {
	{"SECCOMP_FILTER_FLAG_TSYNC", SCMP_FLTATR_CTL_TSYNC, 2},
	{"SECCOMP_FILTER_FLAG_LOG", SCMP_FLTATR_CTL_LOG, 3},
	{"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SCMP_FLTATR_CTL_SSB, 4},
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6)
	{"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SCMP_FLTATR_CTL_WAITKILL, 7},
#else
	{"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 0, 7},
#endif
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* "SCMP_ARCH_X86_64" -> its libseccomp token, or 0 when unknown. */
static uint32_t arch_token(const char *name)
{
	bool known = false;
	for (size_t i = 0; i < N(oci_archs); i++)
		known = known || strcmp(oci_archs[i], name) == 0;
	if (!known)
		return 0;
	char low[32];
	const char *s = name + strlen(ARCH_PREFIX);
	size_t n = strlen(s);
	if (n >= sizeof(low))
		return 0;
	for (size_t i = 0; i <= n; i++)
		low[i] = (char)tolower((unsigned char)s[i]);
	return seccomp_arch_resolve_name(low);
}

/* Parse the action at act_key with its optional errno (or ptrace message
 * number) at data_key. */
static int parse_action(json_t *obj, const char *act_key, const char *data_key, const char *where, uint32_t *out,
			struct moat_err *err)
{
	char *name = NULL;
	int r = json_opt_string(obj, act_key, where, &name, err);
	if (r < 0)
		return r;
	if (!name)
		return moat_fail(err, EINVAL, "%s.%s: required", where, act_key);
	size_t i;
	for (i = 0; i < N(actions); i++)
		if (strcmp(actions[i].name, name) == 0)
			break;
	if (i == N(actions)) {
		r = moat_fail(err, EINVAL, "%s.%s: unknown action '%s'", where, act_key, name);
		free(name);
		return r;
	}
	uint64_t data = EPERM;
	bool has_data = false;
	r = json_opt_uint(obj, data_key, where, ACTION_DATA_MAX, &data, &has_data, err);
	if (r >= 0 && has_data && actions[i].kind != ACT_WITH_DATA)
		r = moat_fail(err, EINVAL, "%s.%s: %s takes no errno (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE do)",
			      where, data_key, name);
	free(name);
	if (r < 0)
		return r;
	*out = actions[i].kind == ACT_WITH_DATA ? actions[i].action | (uint32_t)data : actions[i].action;
	return 0;
}

static int parse_arg(json_t *arg, const char *where, struct scmp_arg_cmp *out, struct moat_err *err)
{
	if (!json_is_object(arg))
		return moat_fail(err, EINVAL, "%s: expected an object", where);
	uint64_t index = 0, value = 0, value_two = 0;
	bool has_index = false;
	char *op = NULL;
	int r;
	if ((r = json_opt_uint(arg, "index", where, SYSCALL_MAX_ARGS - 1, &index, &has_index, err)) < 0 ||
	    (r = json_opt_uint(arg, "value", where, UINT64_MAX, &value, NULL, err)) < 0 ||
	    (r = json_opt_uint(arg, "valueTwo", where, UINT64_MAX, &value_two, NULL, err)) < 0 ||
	    (r = json_opt_string(arg, "op", where, &op, err)) < 0)
		goto out;
	if (!has_index) {
		r = moat_fail(err, EINVAL, "%s.index: required", where);
		goto out;
	}
	if (!op) {
		r = moat_fail(err, EINVAL, "%s.op: required", where);
		goto out;
	}
	size_t i;
	for (i = 0; i < N(operators); i++)
		if (strcmp(operators[i].name, op) == 0)
			break;
	if (i == N(operators)) {
		r = moat_fail(err, EINVAL, "%s.op: unknown operator '%s'", where, op);
		goto out;
	}
	/* For SCMP_CMP_MASKED_EQ, value is the mask and valueTwo the expected
	 * result; other operators use value alone. */
	*out = (struct scmp_arg_cmp){.arg = (unsigned int)index, .op = operators[i].op, .datum_a = value,
				     .datum_b = value_two};
	r = 0;
out:
	free(op);
	return r;
}

/* Add one syscall rule.  As runc does: when two conditions test the same
 * argument, each condition becomes a rule of its own (so they OR); otherwise
 * all conditions go in one rule (so they AND). */
static int add_rule(scmp_filter_ctx ctx, uint32_t action, int nr, const char *name, const struct scmp_arg_cmp *conds,
		    size_t n_conds, const char *where, size_t *n_rules, struct moat_err *err)
{
	unsigned per_arg[SYSCALL_MAX_ARGS] = {0};
	bool split = false;
	for (size_t i = 0; i < n_conds; i++)
		split = split || ++per_arg[conds[i].arg] > 1;
	int r;
	if (!split) {
		r = seccomp_rule_add_array(ctx, action, nr, (unsigned int)n_conds, conds);
		if (r < 0)
			return moat_fail_errno(err, -r, "%s: adding the rule for '%s'", where, name);
		++*n_rules;
		return 0;
	}
	for (size_t i = 0; i < n_conds; i++) {
		r = seccomp_rule_add_array(ctx, action, nr, 1, &conds[i]);
		if (r < 0)
			return moat_fail_errno(err, -r, "%s.args[%zu]: adding the rule for '%s'", where, i, name);
		++*n_rules;
	}
	return 0;
}

/* The container init hands the listener fd to the runtime over the sync
 * socket (util/sync.h) with sendmsg, after the filter is loaded and before
 * anyone can answer a notification: notifying on those calls would hang it.
 * runc refuses write for the same reason. */
static bool notify_would_deadlock(const char *name)
{
	return strcmp(name, "write") == 0 || strcmp(name, "sendmsg") == 0;
}

static int compile_syscall(struct seccomp_profile *p, json_t *sc, const char *where, uint32_t def_action,
			   size_t *n_rules, struct moat_err *err)
{
	if (!json_is_object(sc))
		return moat_fail(err, EINVAL, "%s: expected an object", where);
	char **names = NULL;
	size_t n_names = 0;
	struct scmp_arg_cmp *conds = NULL;
	size_t n_conds = 0;
	uint32_t action = 0;
	json_t *args = NULL;
	int r = json_opt_strv(sc, "names", where, &names, &n_names, err);
	if (r < 0)
		return r;
	if (!names || n_names == 0) {
		r = moat_fail(err, EINVAL, "%s.names: at least one syscall name is required", where);
		goto out;
	}
	if ((r = parse_action(sc, "action", "errnoRet", where, &action, err)) < 0 ||
	    (r = json_opt_array(sc, "args", where, &args, err)) < 0)
		goto out;
	if (json_array_size(args) > 0 && !(conds = calloc(json_array_size(args), sizeof(*conds)))) {
		r = moat_fail_errno(err, ENOMEM, "%s.args", where);
		goto out;
	}
	for (; n_conds < json_array_size(args); n_conds++) {
		char w[256];
		snprintf(w, sizeof(w), "%s.args[%zu]", where, n_conds);
		if ((r = parse_arg(json_array_get(args, n_conds), w, &conds[n_conds], err)) < 0)
			goto out;
	}
	if (action == SCMP_ACT_NOTIFY) {
		p->uses_notify = true;
		for (size_t i = 0; i < n_names; i++)
			if (notify_would_deadlock(names[i])) {
				r = moat_fail(err, EINVAL,
					      "%s: SCMP_ACT_NOTIFY cannot be used for '%s': the container init "
					      "needs it to hand over the listener fd",
					      where, names[i]);
				goto out;
			}
		unsigned int api = seccomp_api_get();
		if (api < 6) {
			r = moat_fail(err, ENOTSUP,
				      "%s.action: SCMP_ACT_NOTIFY needs libseccomp API level 6 (kernel >= 5.7), "
				      "this host has %u",
				      where, api);
			goto out;
		}
	}
	for (size_t i = 0; i < n_names; i++) {
		if (names[i][0] == '\0') {
			r = moat_fail(err, EINVAL, "%s.names[%zu]: empty syscall name", where, i);
			goto out;
		}
		/* libseccomp refuses rules that repeat the default action */
		if (action == def_action)
			continue;
		int nr = seccomp_syscall_resolve_name(names[i]);
		/* Not a syscall on this architecture or not known to libseccomp:
		 * skip it, so one profile serves several kernels. */
		if (nr == __NR_SCMP_ERROR)
			continue;
		if ((r = add_rule(p->ctx, action, nr, names[i], conds, n_conds, where, n_rules, err)) < 0)
			goto out;
		p->notify = p->notify || action == SCMP_ACT_NOTIFY;
	}
	r = 0;
out:
	free(conds);
	strv_free(names);
	return r;
}

static int set_flag(scmp_filter_ctx ctx, const char *name, const char *where, struct moat_err *err)
{
	for (size_t i = 0; i < N(flags); i++) {
		if (strcmp(flags[i].name, name) != 0)
			continue;
		if (flags[i].attr == 0)
			return moat_fail(err, ENOTSUP, "%s: flag %s needs libseccomp >= 2.6 (built with %d.%d.%d)",
					 where, name, SCMP_VER_MAJOR, SCMP_VER_MINOR, SCMP_VER_MICRO);
		int r = seccomp_attr_set(ctx, flags[i].attr, 1);
		if (r < 0)
			return moat_fail_errno(err, -r, "%s: flag %s is not supported by this kernel or libseccomp",
					       where, name);
		return 0;
	}
	return moat_fail(err, EINVAL, "%s: unknown flag '%s'", where, name);
}

static int compile(struct seccomp_profile *p, json_t *s, struct moat_err *err)
{
	uint32_t def_action = 0;
	char **archs = NULL, **flag_names = NULL;
	char *metadata = NULL;
	json_t *syscalls = NULL;
	size_t n_rules = 0;
	int r;
	if ((r = parse_action(s, "defaultAction", "defaultErrnoRet", WHERE, &def_action, err)) < 0 ||
	    (r = json_opt_strv(s, "architectures", WHERE, &archs, NULL, err)) < 0 ||
	    (r = json_opt_strv(s, "flags", WHERE, &flag_names, NULL, err)) < 0 ||
	    (r = json_opt_string(s, "listenerPath", WHERE, &p->listener_path, err)) < 0 ||
	    /* checked here; the caller copies it into the listener's state JSON */
	    (r = json_opt_string(s, "listenerMetadata", WHERE, &metadata, err)) < 0 ||
	    (r = json_opt_array(s, "syscalls", WHERE, &syscalls, err)) < 0)
		goto out;
	/* Every syscall would need the listener, including those the init makes
	 * to hand the listener over. */
	if (def_action == SCMP_ACT_NOTIFY) {
		r = moat_fail(err, EINVAL, WHERE ".defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
		goto out;
	}
	if (p->listener_path) {
		if (p->listener_path[0] == '\0' ||
		    strlen(p->listener_path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
			r = moat_fail(err, EINVAL, WHERE ".listenerPath: '%s' is not a usable unix socket path",
				      p->listener_path);
			goto out;
		}
	}

	p->ctx = seccomp_init(def_action);
	if (!p->ctx) {
		r = moat_fail(err, ENOMEM, WHERE ": libseccomp could not create a filter");
		goto out;
	}
	/* The init sets no_new_privs itself when process.noNewPrivileges asks;
	 * without it, loading needs CAP_SYS_ADMIN, which the init still holds. */
	if ((r = seccomp_attr_set(p->ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0 ||
	    /* report the kernel's errno from seccomp_load, not -ECANCELED */
	    (r = seccomp_attr_set(p->ctx, SCMP_FLTATR_API_SYSRAWRC, 1)) < 0) {
		r = moat_fail_errno(err, -r, WHERE ": setting filter attributes");
		goto out;
	}

	for (size_t i = 0; archs && archs[i]; i++) {
		uint32_t token = arch_token(archs[i]);
		if (token == 0) {
			r = moat_fail(err, EINVAL, WHERE ".architectures[%zu]: unknown architecture '%s'", i, archs[i]);
			goto out;
		}
		r = seccomp_arch_add(p->ctx, token);
		if (r == -EDOM) {
			/* one filter program serves one byte order */
			r = moat_fail(err, EINVAL, WHERE ".architectures[%zu]: %s has another byte order than this host",
				      i, archs[i]);
			goto out;
		}
		if (r < 0 && r != -EEXIST) {
			r = moat_fail_errno(err, -r, WHERE ".architectures[%zu]: adding %s", i, archs[i]);
			goto out;
		}
	}
	for (size_t i = 0; flag_names && flag_names[i]; i++) {
		char w[64];
		snprintf(w, sizeof(w), WHERE ".flags[%zu]", i);
		if ((r = set_flag(p->ctx, flag_names[i], w, err)) < 0)
			goto out;
	}

	for (size_t i = 0; i < json_array_size(syscalls); i++) {
		char w[64];
		snprintf(w, sizeof(w), WHERE ".syscalls[%zu]", i);
		if ((r = compile_syscall(p, json_array_get(syscalls, i), w, def_action, &n_rules, err)) < 0)
			goto out;
	}
	if (p->uses_notify && !p->listener_path) {
		r = moat_fail(err, EINVAL, WHERE ".listenerPath: required when SCMP_ACT_NOTIFY is used");
		goto out;
	}
	if (n_rules > OPTIMIZE_MIN_RULES)
		/* only speed is at stake: an older libseccomp without it is fine */
		(void)seccomp_attr_set(p->ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	r = 0;
out:
	strv_free(archs);
	strv_free(flag_names);
	free(metadata);
	return r;
}

int seccomp_profile_compile(json_t *seccomp, struct seccomp_profile **out, struct moat_err *err)
{
	if (!json_is_object(seccomp))
		return moat_fail(err, EINVAL, WHERE ": expected an object");
	struct seccomp_profile *p = calloc(1, sizeof(*p));
	if (!p)
		return moat_fail_errno(err, ENOMEM, WHERE);
	int r = compile(p, seccomp, err);
	if (r < 0) {
		seccomp_profile_free(p);
		return r;
	}
	*out = p;
	return 0;
}

bool seccomp_profile_has_notify(const struct seccomp_profile *p)
{
	return p->notify;
}

const char *seccomp_profile_listener_path(const struct seccomp_profile *p)
{
	return p->listener_path;
}

int seccomp_profile_load(struct seccomp_profile *p, int *notify_fd, struct moat_err *err)
{
	*notify_fd = -1;
	int r = seccomp_load(p->ctx);
	if (r < 0)
		return moat_fail_errno(err, -r, "loading the seccomp filter");
	if (p->notify) {
		int fd = seccomp_notify_fd(p->ctx);
		if (fd < 0)
			return moat_fail(err, EIO, "loading the seccomp filter: libseccomp returned no listener fd");
		*notify_fd = fd;
	}
	return 0;
}

int seccomp_send_listener(const char *listener_path, int notify_fd, const char *state_json, struct moat_err *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t plen = strlen(listener_path);
	if (plen == 0 || plen >= sizeof(sa.sun_path))
		return moat_fail(err, EINVAL, "seccomp listener '%s': not a usable unix socket path", listener_path);
	memcpy(sa.sun_path, listener_path, plen);
	int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return moat_fail_errno(err, errno, "seccomp listener: socket");
	int r = 0;
	if (connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = moat_fail_errno(err, errno, "connecting to the seccomp listener %s", listener_path);
		goto out;
	}
	size_t len = strlen(state_json), off = 0;
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	memset(&cm, 0, sizeof(cm));
	struct iovec iov = {.iov_base = (void *)state_json, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf, .msg_controllen = sizeof(cm.buf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &notify_fd, sizeof(int));
	/* The fd rides on the first chunk; a stream socket may take the rest later. */
	while (off < len || mh.msg_control) {
		iov.iov_base = (char *)state_json + off;
		iov.iov_len = len - off;
		ssize_t n = sendmsg(sock, &mh, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = moat_fail_errno(err, errno, "sending the seccomp fd to %s", listener_path);
			goto out;
		}
		off += (size_t)n;
		mh.msg_control = NULL;
		mh.msg_controllen = 0;
	}
out:
	close(sock);
	return r;
}

void seccomp_profile_free(struct seccomp_profile *p)
{
	if (!p)
		return;
	if (p->ctx)
		seccomp_release(p->ctx);
	free(p->listener_path);
	free(p);
}

static json_t *names_array(bool (*keep)(size_t), const char *(*name)(size_t), size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		if (!keep || keep(i))
			json_array_append_new(a, json_string(name(i)));
	return a;
}

static const char *action_name(size_t i)
{
	return actions[i].name;
}

static const char *operator_name(size_t i)
{
	return operators[i].name;
}

static const char *arch_name(size_t i)
{
	return oci_archs[i];
}

static bool arch_supported(size_t i)
{
	return arch_token(oci_archs[i]) != 0;
}

static const char *flag_name(size_t i)
{
	return flags[i].name;
}

static bool flag_supported(size_t i)
{
	return flags[i].attr != 0 && seccomp_api_get() >= flags[i].api;
}

json_t *seccomp_features(void)
{
	return json_pack("{s:b, s:o, s:o, s:o, s:o, s:o}", "enabled", 1, "actions",
			 names_array(NULL, action_name, N(actions)), "operators",
			 names_array(NULL, operator_name, N(operators)), "archs",
			 names_array(arch_supported, arch_name, N(oci_archs)), "knownFlags",
			 names_array(NULL, flag_name, N(flags)), "supportedFlags",
			 names_array(flag_supported, flag_name, N(flags)));
}
