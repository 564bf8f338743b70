#include "linux/namespaces.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/fs.h"
#include "util/json.h"

const char *ns_name(int type)
{
	switch (type) {
	case CLONE_NEWPID:
		return "pid";
	case CLONE_NEWNET:
		return "network";
	case CLONE_NEWNS:
		return "mount";
	case CLONE_NEWIPC:
		return "ipc";
	case CLONE_NEWUTS:
		return "uts";
	case CLONE_NEWUSER:
		return "user";
	case CLONE_NEWCGROUP:
		return "cgroup";
	case CLONE_NEWTIME:
		return "time";
	default:
		return "unknown";
	}
}

int ns_open_joins(const struct oci_spec *spec, struct ns_join **out, size_t *n, struct moat_err *err)
{
	*out = NULL;
	*n = 0;
	if (!spec->ns_join)
		return 0;
	struct ns_join *j = calloc(spec->n_namespaces, sizeof(*j));
	if (!j)
		return moat_fail_errno(err, ENOMEM, "namespaces");
	for (size_t i = 0; i < spec->n_namespaces; i++) {
		j[i].type = spec->namespaces[i].type;
		j[i].fd = -1;
		const char *path = spec->namespaces[i].path;
		if (!path || !*path)
			continue;
		j[i].fd = open(path, O_RDONLY | O_CLOEXEC);
		if (j[i].fd < 0) {
			int r = moat_fail_errno(err, errno, "linux.namespaces[%zu]: open %s namespace %s", i,
						ns_name(j[i].type), path);
			ns_close_joins(j, i);
			return r;
		}
	}
	*out = j;
	*n = spec->n_namespaces;
	return 0;
}

void ns_close_joins(struct ns_join *joins, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (joins[i].fd >= 0)
			close(joins[i].fd);
	free(joins);
}

int ns_enter(struct ns_join *joins, size_t n, int types, struct moat_err *err)
{
	/* user first: entering it grants the capabilities needed for the rest */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			if (joins[i].fd < 0 || !(joins[i].type & types))
				continue;
			if ((pass == 0) != (joins[i].type == CLONE_NEWUSER))
				continue;
			if (setns(joins[i].fd, joins[i].type) < 0)
				return moat_fail_errno(err, errno, "join %s namespace", ns_name(joins[i].type));
		}
	}
	return 0;
}

static int format_map(const struct oci_idmap *m, size_t n, char *buf, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(buf + o, cap - o, "%u %u %u\n", m[i].container_id, m[i].host_id, m[i].size);
		if (w < 0 || (size_t)w >= cap - o)
			return -ENAMETOOLONG;
		o += (size_t)w;
	}
	return (int)o;
}

static int run_idmap_helper(const char *helper, pid_t pid, const struct oci_idmap *m, size_t n, struct moat_err *err)
{
	char **argv = calloc(3 * n + 3, sizeof(char *));
	if (!argv)
		return moat_fail_errno(err, ENOMEM, "%s", helper);
	char pidbuf[16];
	snprintf(pidbuf, sizeof(pidbuf), "%d", pid);
	argv[0] = (char *)helper;
	argv[1] = pidbuf;
	char (*nums)[12] = calloc(3 * n, 12);
	if (!nums) {
		free(argv);
		return moat_fail_errno(err, ENOMEM, "%s", helper);
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(nums[3 * i], 12, "%u", m[i].container_id);
		snprintf(nums[3 * i + 1], 12, "%u", m[i].host_id);
		snprintf(nums[3 * i + 2], 12, "%u", m[i].size);
		argv[2 + 3 * i] = nums[3 * i];
		argv[3 + 3 * i] = nums[3 * i + 1];
		argv[4 + 3 * i] = nums[3 * i + 2];
	}
	pid_t child = fork();
	if (child == 0) {
		execvp(helper, argv);
		_exit(127);
	}
	free(argv);
	free(nums);
	if (child < 0)
		return moat_fail_errno(err, errno, "fork %s", helper);
	int status;
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return moat_fail(err, EPERM, "%s failed (status %d): is it installed, and does /etc/sub%cid allow the mapping?",
				 helper, WIFEXITED(status) ? WEXITSTATUS(status) : -1, helper[3]);
	return 0;
}

static int write_map(pid_t pid, const char *file, const struct oci_idmap *m, size_t n, uint32_t own_id,
		     bool privileged, struct moat_err *err)
{
	char buf[4096], path[64];
	int len = format_map(m, n, buf, sizeof(buf));
	if (len < 0)
		return moat_fail(err, E2BIG, "linux.%s: too many mappings", file[0] == 'u' ? "uidMappings" : "gidMappings");
	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	bool self_only = n == 1 && m[0].size == 1 && m[0].host_id == own_id;
	if (privileged || self_only) {
		int r = write_file_at(AT_FDCWD, path, buf, (size_t)len, err);
		if (r == 0 || privileged || !self_only)
			return r < 0 ? moat_err_prefix(err, "write %s", file) : 0;
	}
	return run_idmap_helper(file[0] == 'u' ? "newuidmap" : "newgidmap", pid, m, n, err);
}

int ns_write_idmaps(pid_t pid, const struct oci_spec *spec, struct moat_err *err)
{
	bool privileged = geteuid() == 0;
	int r;
	if (!privileged) {
		/* an unprivileged gid_map write needs setgroups denied first */
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/setgroups", pid);
		bool self_gid = spec->n_gid_mappings == 1 && spec->gid_mappings[0].size == 1 &&
				spec->gid_mappings[0].host_id == getegid();
		if (self_gid && (r = write_file_at(AT_FDCWD, path, "deny", 4, err)) < 0)
			return moat_err_prefix(err, "deny setgroups");
	}
	if ((r = write_map(pid, "uid_map", spec->uid_mappings, spec->n_uid_mappings, geteuid(), privileged, err)) < 0)
		return r;
	return write_map(pid, "gid_map", spec->gid_mappings, spec->n_gid_mappings, getegid(), privileged, err);
}

int ns_write_time_offsets(const struct oci_spec *spec, struct moat_err *err)
{
	static const struct {
		const char *name;
		int clock;
	} clocks[] = {{"monotonic", 1}, {"boottime", 7}};
	char buf[256];
	size_t o = 0;
	const char *key;
	json_t *v;
	json_object_foreach(spec->time_offsets, key, v)
	{
		int clk = -1;
		for (size_t i = 0; i < 2; i++)
			if (!strcmp(key, clocks[i].name))
				clk = clocks[i].clock;
		if (clk < 0)
			return moat_fail(err, EINVAL, "linux.timeOffsets.%s: unknown clock (monotonic or boottime)", key);
		int64_t secs = 0, nanos = 0;
		char where[64];
		snprintf(where, sizeof(where), "linux.timeOffsets.%s", key);
		int r;
		if (!json_is_object(v))
			return moat_fail(err, EINVAL, "%s: expected an object", where);
		if ((r = json_opt_int(v, "secs", where, INT64_MIN, INT64_MAX, &secs, NULL, err)) < 0 ||
		    (r = json_opt_int(v, "nanosecs", where, 0, 999999999, &nanos, NULL, err)) < 0)
			return r;
		int w = snprintf(buf + o, sizeof(buf) - o, "%d %lld %lld\n", clk, (long long)secs, (long long)nanos);
		if (w < 0 || (size_t)w >= sizeof(buf) - o)
			return moat_fail(err, E2BIG, "linux.timeOffsets: too long");
		o += (size_t)w;
	}
	int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return moat_fail_errno(err, errno, "open /proc/self/timens_offsets");
	int r = write_all(fd, buf, o);
	close(fd);
	if (r < 0)
		return moat_fail_errno(err, -r, "linux.timeOffsets: write timens_offsets");
	return 0;
}

int ns_loopback_up(struct moat_err *err)
{
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return moat_fail_errno(err, errno, "bring lo up: socket");
	struct ifreq ifr = {0};
	strcpy(ifr.ifr_name, "lo");
	int r = 0;
	if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
		r = moat_fail_errno(err, errno, "bring lo up: SIOCGIFFLAGS");
	else if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(sock, SIOCSIFFLAGS, &ifr) < 0)
			r = moat_fail_errno(err, errno, "bring lo up: SIOCSIFFLAGS");
	}
	close(sock);
	return r;
}
