#include "oci/state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "linux/cgroups.h"
#include "util/fs.h"
#include "util/json.h"

const char *status_name(enum container_status s)
{
	switch (s) {
	case STATUS_CREATING:
		return "creating";
	case STATUS_CREATED:
		return "created";
	case STATUS_RUNNING:
		return "running";
	case STATUS_PAUSED:
		return "paused";
	default:
		return "stopped";
	}
}

int state_validate_id(const char *id, struct moat_err *err)
{
	size_t n = strlen(id);
	/* a leading dot is moat's own (the filter cache under --root) */
	if (n == 0 || n > 1024 || id[0] == '.')
		return moat_fail(err, EINVAL, "invalid container id '%s'", id);
	for (const char *p = id; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
		      c == '+' || c == '-' || c == '.'))
			return moat_fail(err, EINVAL, "invalid container id '%s': only letters, digits and _+-. allowed",
					 id);
	}
	return 0;
}

char *state_dir(const char *root, const char *id)
{
	char *p;
	return asprintf(&p, "%s/%s", root, id) < 0 ? NULL : p;
}

int state_claim(const char *root, const char *id, struct moat_err *err)
{
	if (mkdir(root, 0700) < 0 && errno != EEXIST) {
		int r = mkdir_p(root, 0700, err);
		if (r < 0)
			return moat_err_prefix(err, "state root");
	}
	char *dir = state_dir(root, id);
	if (!dir)
		return moat_fail_errno(err, ENOMEM, "state");
	int r = 0;
	if (mkdir(dir, 0700) < 0)
		r = errno == EEXIST ? moat_fail(err, EEXIST, "container with id %s already exists", id)
				    : moat_fail_errno(err, errno, "create state directory %s", dir);
	free(dir);
	return r;
}

int state_save(const char *root, const struct container_state *st, struct moat_err *err)
{
	json_t *doc = json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:I, s:s, s:s, s:b}", "ociVersion",
				MOAT_OCI_VERSION, "id", st->id, "pid", (json_int_t)st->pid, "starttime",
				(json_int_t)st->starttime, "bundle", st->bundle, "rootfs", st->rootfs, "created",
				st->created, "owner", (json_int_t)st->owner, "cgroup", st->cgroup ? st->cgroup : "",
				"sandbox", st->sandbox ? st->sandbox : "none", "rootless", st->rootless);
	if (doc)
		json_object_set_new(doc, "process", json_boolean(st->has_process));
	if (doc && st->creating)
		json_object_set_new(doc, "creating", json_true());
	if (!doc)
		return moat_fail(err, ENOMEM, "encode state");
	json_object_set_new(doc, "annotations", st->annotations ? json_incref(st->annotations) : json_object());
	if (st->hooks)
		json_object_set(doc, "hooks", st->hooks);
	char *text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (!text)
		return moat_fail(err, ENOMEM, "encode state");
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s/" STATE_FILE, root, st->id);
	int r = write_file_atomic(path, text, strlen(text), 0600, err);
	free(text);
	return r;
}

void state_free(struct container_state *st)
{
	if (!st)
		return;
	free(st->id);
	free(st->bundle);
	free(st->rootfs);
	free(st->created);
	free(st->cgroup);
	free(st->sandbox);
	json_decref(st->annotations);
	json_decref(st->hooks);
	free(st);
}

int state_load(const char *root, const char *id, struct container_state **out, struct moat_err *err)
{
	int r = state_validate_id(id, err);
	if (r < 0)
		return r;
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s/" STATE_FILE, root, id);
	char *text;
	struct moat_err e2;
	r = read_file_at(AT_FDCWD, path, 1 << 22, &text, NULL, &e2);
	if (r < 0) {
		if (r == -ENOENT) {
			snprintf(path, sizeof(path), "%s/%s", root, id);
			if (access(path, F_OK) == 0)
				return moat_fail(err, ENOENT, "container %s is being created or its create failed: "
							      "use delete --force to remove it", id);
			return moat_fail(err, ENOENT, "container %s does not exist", id);
		}
		*err = e2;
		return r;
	}
	json_error_t jerr;
	json_t *doc = json_loads(text, 0, &jerr);
	free(text);
	if (!doc)
		return moat_fail(err, EINVAL, "state of %s is corrupt: %s", id, jerr.text);
	struct container_state *st = calloc(1, sizeof(*st));
	if (!st) {
		json_decref(doc);
		return moat_fail_errno(err, ENOMEM, "state");
	}
	int64_t pid = 0, owner = 0;
	uint64_t start = 0;
	if ((r = json_opt_string(doc, "id", "state", &st->id, err)) < 0 ||
	    (r = json_opt_int(doc, "pid", "state", 0, INT32_MAX, &pid, NULL, err)) < 0 ||
	    (r = json_opt_uint(doc, "starttime", "state", UINT64_MAX, &start, NULL, err)) < 0 ||
	    (r = json_opt_string(doc, "bundle", "state", &st->bundle, err)) < 0 ||
	    (r = json_opt_string(doc, "rootfs", "state", &st->rootfs, err)) < 0 ||
	    (r = json_opt_string(doc, "created", "state", &st->created, err)) < 0 ||
	    (r = json_opt_int(doc, "owner", "state", 0, UINT32_MAX, &owner, NULL, err)) < 0 ||
	    (r = json_opt_string(doc, "cgroup", "state", &st->cgroup, err)) < 0 ||
	    (r = json_opt_string(doc, "sandbox", "state", &st->sandbox, err)) < 0 ||
	    (r = json_opt_bool(doc, "rootless", "state", &st->rootless, err)) < 0 ||
	    (r = json_opt_bool(doc, "process", "state", &st->has_process, err)) < 0 ||
	    (r = json_opt_bool(doc, "creating", "state", &st->creating, err)) < 0) {
		json_decref(doc);
		state_free(st);
		return r;
	}
	st->pid = (pid_t)pid;
	st->starttime = start;
	st->owner = (uid_t)owner;
	json_t *a = json_object_get(doc, "annotations");
	st->annotations = json_incref(json_is_object(a) ? a : NULL);
	json_t *h = json_object_get(doc, "hooks");
	st->hooks = json_incref(json_is_object(h) ? h : NULL);
	json_decref(doc);
	if (!st->id || !st->bundle || !st->created) {
		state_free(st);
		return moat_fail(err, EINVAL, "state of %s is corrupt: fields missing", id);
	}
	*out = st;
	return 0;
}

int state_remove(const char *root, const char *id)
{
	char *dir = state_dir(root, id);
	if (!dir)
		return -ENOMEM;
	int r = rm_rf(dir);
	free(dir);
	return r;
}

unsigned long long proc_starttime(pid_t pid, bool *zombie)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* comm may contain spaces and parentheses: fields start after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return 0;
	p += 2;
	if (zombie)
		*zombie = *p == 'Z' || *p == 'X';
	/* p is field 3 (state); starttime is field 22 */
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return 0;
		p++;
	}
	return strtoull(p, NULL, 10);
}

bool state_pid_alive(const struct container_state *st)
{
	if (st->pid <= 0)
		return false;
	bool zombie = false;
	unsigned long long t = proc_starttime(st->pid, &zombie);
	return t != 0 && t == st->starttime && !zombie;
}

enum container_status state_status(const char *root, const struct container_state *st)
{
	/* saved by create before the init exists: pid 0 */
	if (st->creating && st->pid == 0)
		return STATUS_CREATING;
	if (!state_pid_alive(st))
		return STATUS_STOPPED;
	if (st->creating)
		return STATUS_CREATING;
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s/" EXEC_FIFO, root, st->id);
	if (access(path, F_OK) == 0)
		return STATUS_CREATED;
	if (st->cgroup && cgroups_is_frozen(st->cgroup))
		return STATUS_PAUSED;
	return STATUS_RUNNING;
}

json_t *state_to_oci(const struct container_state *st, enum container_status status)
{
	json_t *o = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:I}", "ociVersion", MOAT_OCI_VERSION, "id",
			      st->id, "pid", (json_int_t)(status == STATUS_STOPPED ? 0 : st->pid), "status",
			      status_name(status), "bundle", st->bundle, "rootfs", st->rootfs ? st->rootfs : "",
			      "created", st->created, "owner", (json_int_t)st->owner);
	if (o && st->annotations && json_object_size(st->annotations))
		json_object_set(o, "annotations", st->annotations);
	return o;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int state_list(const char *root, char ***ids, struct moat_err *err)
{
	size_t n = 0, cap = 16;
	char **v = calloc(cap + 1, sizeof(char *));
	if (!v)
		return moat_fail_errno(err, ENOMEM, "list");
	DIR *d = opendir(root);
	if (!d) {
		if (errno == ENOENT) {
			*ids = v;
			return 0;
		}
		free(v);
		return moat_fail_errno(err, errno, "open %s", root);
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		struct moat_err ignore;
		if (de->d_name[0] == '.' || de->d_type != DT_DIR || state_validate_id(de->d_name, &ignore) < 0)
			continue;
		if (n == cap) {
			cap *= 2;
			char **nv = realloc(v, (cap + 1) * sizeof(char *));
			if (!nv)
				break;
			v = nv;
		}
		v[n] = strdup(de->d_name);
		if (v[n])
			n++;
	}
	closedir(d);
	v[n] = NULL;
	qsort(v, n, sizeof(char *), cmp_str);
	*ids = v;
	return 0;
}

char *state_timestamp(void)
{
	struct timespec ts;
	struct tm tm;
	char buf[64], *out;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	if (asprintf(&out, "%s.%09ldZ", buf, ts.tv_nsec) < 0)
		return NULL;
	return out;
}
