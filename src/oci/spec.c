#include "oci/spec.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>


#include "util/fs.h"
#include "util/json.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

bool spec_version_supported(const char *v)
{
	/* semver: MAJOR.MINOR.PATCH[-pre][+build]; moat implements the 1.x series. */
	char *end;
	if (!v || v[0] < '0' || v[0] > '9')
		return false;
	unsigned long major = strtoul(v, &end, 10);
	if (*end != '.' || end[1] < '0' || end[1] > '9')
		return false;
	strtoul(end + 1, &end, 10);
	if (*end == '.') {
		if (end[1] < '0' || end[1] > '9')
			return false;
		strtoul(end + 1, &end, 10);
	}
	if (*end != '\0' && *end != '-' && *end != '+')
		return false;
	return major == 1;
}


static const struct {
	const char *name;
	int flag;
} ns_types[] = {
	{"pid", CLONE_NEWPID},	   {"network", CLONE_NEWNET}, {"mount", CLONE_NEWNS},
	{"ipc", CLONE_NEWIPC},	   {"uts", CLONE_NEWUTS},     {"user", CLONE_NEWUSER},
	{"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME},
};

static const struct {
	const char *name;
	unsigned long set, clear;
} mount_flags[] = {
	{"defaults", 0, 0},
	{"ro", MS_RDONLY, 0},
	{"rw", 0, MS_RDONLY},
	{"suid", 0, MS_NOSUID},
	{"nosuid", MS_NOSUID, 0},
	{"dev", 0, MS_NODEV},
	{"nodev", MS_NODEV, 0},
	{"exec", 0, MS_NOEXEC},
	{"noexec", MS_NOEXEC, 0},
	{"sync", MS_SYNCHRONOUS, 0},
	{"async", 0, MS_SYNCHRONOUS},
	{"dirsync", MS_DIRSYNC, 0},
	{"remount", MS_REMOUNT, 0},
	{"mand", MS_MANDLOCK, 0},
	{"nomand", 0, MS_MANDLOCK},
	{"atime", 0, MS_NOATIME},
	{"noatime", MS_NOATIME, 0},
	{"diratime", 0, MS_NODIRATIME},
	{"nodiratime", MS_NODIRATIME, 0},
	{"relatime", MS_RELATIME, 0},
	{"norelatime", 0, MS_RELATIME},
	{"strictatime", MS_STRICTATIME, 0},
	{"nostrictatime", 0, MS_STRICTATIME},
	{"silent", MS_SILENT, 0},
	{"loud", 0, MS_SILENT},
	{"lazytime", MS_LAZYTIME, 0},
	{"nolazytime", 0, MS_LAZYTIME},
	{"bind", MS_BIND, 0},
	{"rbind", MS_BIND | MS_REC, 0},
};

static const struct {
	const char *name;
	unsigned long flags;
} propagations[] = {
	{"private", MS_PRIVATE},	    {"rprivate", MS_PRIVATE | MS_REC},
	{"shared", MS_SHARED},		    {"rshared", MS_SHARED | MS_REC},
	{"slave", MS_SLAVE},		    {"rslave", MS_SLAVE | MS_REC},
	{"unbindable", MS_UNBINDABLE},	    {"runbindable", MS_UNBINDABLE | MS_REC},
};

static int parse_propagation(const char *s, unsigned long *out)
{
	for (size_t i = 0; i < sizeof(propagations) / sizeof(propagations[0]); i++)
		if (strcmp(propagations[i].name, s) == 0) {
			*out = propagations[i].flags;
			return 0;
		}
	return -1;
}

static int append_data(char **data, const char *opt)
{
	size_t old = *data ? strlen(*data) : 0;
	char *n = realloc(*data, old + strlen(opt) + 2);
	if (!n)
		return -ENOMEM;
	if (old)
		n[old++] = ',';
	strcpy(n + old, opt);
	*data = n;
	return 0;
}

int spec_parse_mount_options(struct oci_mount *m, json_t *options, const char *where, struct moat_err *err)
{
	size_t i;
	json_t *o;
	json_array_foreach(options, i, o)
	{
		if (!json_is_string(o))
			return moat_fail(err, EINVAL, "%s.options[%zu]: expected a string", where, i);
		const char *s = json_string_value(o);
		bool known = false;
		for (size_t k = 0; k < sizeof(mount_flags) / sizeof(mount_flags[0]); k++) {
			if (strcmp(mount_flags[k].name, s) == 0) {
				m->flags = (m->flags | mount_flags[k].set) & ~mount_flags[k].clear;
				m->clear = (m->clear | mount_flags[k].clear) & ~mount_flags[k].set;
				known = true;
				break;
			}
		}
		if (known)
			continue;
		if (parse_propagation(s, &m->propagation) == 0)
			continue;
		if (strcmp(s, "tmpcopyup") == 0) {
			m->tmpcopyup = true;
			continue;
		}
		if (strchr(s, ','))
			return moat_fail(err, EINVAL, "%s.options[%zu]: '%s' must not contain a comma", where, i, s);
		if (append_data(&m->data, s) < 0)
			return moat_fail_errno(err, ENOMEM, "%s", where);
	}
	if (m->flags & MS_BIND)
		m->bind = true;
	return 0;
}

static int parse_mounts(struct oci_spec *s, struct moat_err *err)
{
	json_t *arr = NULL;
	int r = json_opt_array(s->root, "mounts", "", &arr, err);
	if (r < 0 || !arr)
		return r;
	s->n_mounts = json_array_size(arr);
	s->mounts = calloc(s->n_mounts ? s->n_mounts : 1, sizeof(*s->mounts));
	if (!s->mounts)
		return moat_fail_errno(err, ENOMEM, "mounts");
	for (size_t i = 0; i < s->n_mounts; i++) {
		char where[64];
		snprintf(where, sizeof(where), "mounts[%zu]", i);
		json_t *jm = json_array_get(arr, i);
		struct oci_mount *m = &s->mounts[i];
		if (!json_is_object(jm))
			return moat_fail(err, EINVAL, "%s: expected an object", where);
		if ((r = json_opt_string(jm, "destination", where, &m->destination, err)) < 0 ||
		    (r = json_opt_string(jm, "source", where, &m->source, err)) < 0 ||
		    (r = json_opt_string(jm, "type", where, &m->type, err)) < 0 ||
		    (r = json_opt_strv(jm, "options", where, &m->options, NULL, err)) < 0)
			return r;
		if (!m->destination)
			return moat_fail(err, EINVAL, "%s.destination: required", where);
		if (m->destination[0] != '/')
			return moat_fail(err, EINVAL, "%s.destination: '%s' is not an absolute path", where,
					 m->destination);
		json_t *opts = json_object_get(jm, "options");
		if (opts && (r = spec_parse_mount_options(m, opts, where, err)) < 0)
			return r;
		if (m->type && strcmp(m->type, "bind") == 0)
			m->bind = true;
		if (m->bind && !m->source)
			return moat_fail(err, EINVAL, "%s.source: required for a bind mount", where);
		if (!m->bind && !m->type)
			return moat_fail(err, EINVAL, "%s.type: required unless the mount is a bind mount", where);
		if (m->bind && m->source[0] != '/') {
			char *abs;
			if (asprintf(&abs, "%s/%s", s->bundle, m->source) < 0)
				return moat_fail_errno(err, ENOMEM, "%s", where);
			free(m->source);
			m->source = abs;
		}
	}
	return 0;
}

static int parse_namespaces(struct oci_spec *s, json_t *linux_, struct moat_err *err)
{
	json_t *arr = NULL;
	int r = json_opt_array(linux_, "namespaces", "linux", &arr, err);
	if (r < 0 || !arr)
		return r;
	s->n_namespaces = json_array_size(arr);
	s->namespaces = calloc(s->n_namespaces + 1, sizeof(*s->namespaces));
	if (!s->namespaces)
		return moat_fail_errno(err, ENOMEM, "linux.namespaces");
	for (size_t i = 0; i < s->n_namespaces; i++) {
		char where[64];
		snprintf(where, sizeof(where), "linux.namespaces[%zu]", i);
		json_t *o = json_array_get(arr, i);
		char *type = NULL;
		if (!json_is_object(o))
			return moat_fail(err, EINVAL, "%s: expected an object", where);
		if ((r = json_opt_string(o, "type", where, &type, err)) < 0 ||
		    (r = json_opt_string(o, "path", where, &s->namespaces[i].path, err)) < 0) {
			free(type);
			return r;
		}
		int flag = 0;
		for (size_t k = 0; type && k < sizeof(ns_types) / sizeof(ns_types[0]); k++)
			if (strcmp(ns_types[k].name, type) == 0)
				flag = ns_types[k].flag;
		if (!flag) {
			r = moat_fail(err, EINVAL, "%s.type: unknown namespace type '%s'", where, type ? type : "");
			free(type);
			return r;
		}
		free(type);
		if ((s->ns_new | s->ns_join) & flag)
			return moat_fail(err, EINVAL, "%s: namespace type given twice", where);
		s->namespaces[i].type = flag;
		if (s->namespaces[i].path && *s->namespaces[i].path) {
			if (s->namespaces[i].path[0] != '/')
				return moat_fail(err, EINVAL, "%s.path: '%s' is not an absolute path", where,
						 s->namespaces[i].path);
			if (access(s->namespaces[i].path, F_OK) < 0)
				return moat_fail_errno(err, errno, "%s.path: %s", where, s->namespaces[i].path);
			s->ns_join |= flag;
		} else {
			s->ns_new |= flag;
		}
	}
	return 0;
}

static int parse_idmaps(json_t *linux_, const char *key, struct oci_idmap **out, size_t *n, struct moat_err *err)
{
	json_t *arr = NULL;
	int r = json_opt_array(linux_, key, "linux", &arr, err);
	if (r < 0 || !arr)
		return r;
	*n = json_array_size(arr);
	*out = calloc(*n + 1, sizeof(**out));
	if (!*out)
		return moat_fail_errno(err, ENOMEM, "linux.%s", key);
	for (size_t i = 0; i < *n; i++) {
		char where[64];
		int64_t c = -1, h = -1, sz = -1;
		snprintf(where, sizeof(where), "linux.%s[%zu]", key, i);
		json_t *o = json_array_get(arr, i);
		if (!json_is_object(o))
			return moat_fail(err, EINVAL, "%s: expected an object", where);
		if ((r = json_opt_int(o, "containerID", where, 0, UINT32_MAX, &c, NULL, err)) < 0 ||
		    (r = json_opt_int(o, "hostID", where, 0, UINT32_MAX, &h, NULL, err)) < 0 ||
		    (r = json_opt_int(o, "size", where, 1, UINT32_MAX, &sz, NULL, err)) < 0)
			return r;
		if (c < 0 || h < 0 || sz < 0)
			return moat_fail(err, EINVAL, "%s: containerID, hostID and size are required", where);
		(*out)[i] = (struct oci_idmap){(uint32_t)c, (uint32_t)h, (uint32_t)sz};
	}
	return 0;
}

static int parse_devices(struct oci_spec *s, json_t *linux_, struct moat_err *err)
{
	json_t *arr = NULL;
	int r = json_opt_array(linux_, "devices", "linux", &arr, err);
	if (r < 0 || !arr)
		return r;
	s->n_devices = json_array_size(arr);
	s->devices = calloc(s->n_devices + 1, sizeof(*s->devices));
	if (!s->devices)
		return moat_fail_errno(err, ENOMEM, "linux.devices");
	for (size_t i = 0; i < s->n_devices; i++) {
		char where[64], *type = NULL;
		snprintf(where, sizeof(where), "linux.devices[%zu]", i);
		json_t *o = json_array_get(arr, i);
		struct oci_device *d = &s->devices[i];
		int64_t v = 0;
		if (!json_is_object(o))
			return moat_fail(err, EINVAL, "%s: expected an object", where);
		if ((r = json_opt_string(o, "path", where, &d->path, err)) < 0 ||
		    (r = json_opt_string(o, "type", where, &type, err)) < 0)
			return r;
		if (!d->path || d->path[0] != '/') {
			free(type);
			return moat_fail(err, EINVAL, "%s.path: an absolute path is required", where);
		}
		if (!type || strlen(type) != 1 || !strchr("cbup", type[0])) {
			r = moat_fail(err, EINVAL, "%s.type: '%s' is not one of c, b, u, p", where, type ? type : "");
			free(type);
			return r;
		}
		d->type = type[0];
		free(type);
		if ((r = json_opt_int(o, "major", where, 0, UINT32_MAX, &d->major, NULL, err)) < 0 ||
		    (r = json_opt_int(o, "minor", where, 0, UINT32_MAX, &d->minor, NULL, err)) < 0)
			return r;
		if (d->type != 'p' && (!json_object_get(o, "major") || !json_object_get(o, "minor")))
			return moat_fail(err, EINVAL, "%s: major and minor are required for type %c", where, d->type);
		if ((r = json_opt_int(o, "fileMode", where, 0, 07777, &v, &d->has_mode, err)) < 0)
			return r;
		d->mode = (mode_t)v;
		if ((r = json_opt_int(o, "uid", where, 0, UINT32_MAX - 1, &v, &d->has_uid, err)) < 0)
			return r;
		d->uid = (uid_t)v;
		if ((r = json_opt_int(o, "gid", where, 0, UINT32_MAX - 1, &v, &d->has_gid, err)) < 0)
			return r;
		d->gid = (gid_t)v;
	}
	return 0;
}

static const char *hook_names[HOOK_KINDS] = {"prestart", "createRuntime", "createContainer",
					     "startContainer", "poststart", "poststop"};

const char *spec_hook_kind_name(enum oci_hook_kind kind)
{
	return hook_names[kind];
}

void spec_hooks_free(struct oci_hook *hooks[HOOK_KINDS], size_t n[HOOK_KINDS])
{
	for (int k = 0; k < HOOK_KINDS; k++) {
		for (size_t i = 0; i < n[k]; i++) {
			free(hooks[k][i].path);
			strv_free(hooks[k][i].args);
			strv_free(hooks[k][i].env);
		}
		free(hooks[k]);
		hooks[k] = NULL;
		n[k] = 0;
	}
}

int spec_parse_hooks(json_t *obj, struct oci_hook *out[HOOK_KINDS], size_t n_out[HOOK_KINDS], struct moat_err *err)
{
	int r;
	for (int k = 0; k < HOOK_KINDS; k++) {
		json_t *arr = NULL;
		if ((r = json_opt_array(obj, hook_names[k], "hooks", &arr, err)) < 0)
			return r;
		if (!arr)
			continue;
		n_out[k] = json_array_size(arr);
		out[k] = calloc(n_out[k] + 1, sizeof(struct oci_hook));
		if (!out[k])
			return moat_fail_errno(err, ENOMEM, "hooks");
		for (size_t i = 0; i < n_out[k]; i++) {
			char where[64];
			int64_t t = 0;
			struct oci_hook *h = &out[k][i];
			json_t *o = json_array_get(arr, i);
			snprintf(where, sizeof(where), "hooks.%s[%zu]", hook_names[k], i);
			if (!json_is_object(o))
				return moat_fail(err, EINVAL, "%s: expected an object", where);
			if ((r = json_opt_string(o, "path", where, &h->path, err)) < 0 ||
			    (r = json_opt_strv(o, "args", where, &h->args, NULL, err)) < 0 ||
			    (r = json_opt_strv(o, "env", where, &h->env, NULL, err)) < 0 ||
			    (r = json_opt_int(o, "timeout", where, 1, INT32_MAX, &t, NULL, err)) < 0)
				return r;
			if (!h->path || h->path[0] != '/')
				return moat_fail(err, EINVAL, "%s.path: an absolute path is required", where);
			h->timeout = (int)t;
		}
	}
	return 0;
}

static int parse_hooks(struct oci_spec *s, struct moat_err *err)
{
	json_t *hooks = NULL;
	int r = json_opt_object(s->root, "hooks", "", &hooks, err);
	if (r < 0 || !hooks)
		return r;
	return spec_parse_hooks(hooks, s->hooks, s->n_hooks, err);
}

static int check_string_object(json_t *obj, const char *where, struct moat_err *err)
{
	const char *k;
	json_t *v;
	json_object_foreach(obj, k, v)
	{
		if (!json_is_string(v))
			return moat_fail(err, EINVAL, "%s.%s: expected a string", where, k);
	}
	return 0;
}

static int parse_linux(struct oci_spec *s, struct moat_err *err)
{
	json_t *l = NULL;
	int r = json_opt_object(s->root, "linux", "", &l, err);
	if (r < 0)
		return r;
	if (!l)
		return 0;
	char *prop = NULL;
	if ((r = parse_namespaces(s, l, err)) < 0 ||
	    (r = parse_idmaps(l, "uidMappings", &s->uid_mappings, &s->n_uid_mappings, err)) < 0 ||
	    (r = parse_idmaps(l, "gidMappings", &s->gid_mappings, &s->n_gid_mappings, err)) < 0 ||
	    (r = parse_devices(s, l, err)) < 0 ||
	    (r = json_opt_strv(l, "maskedPaths", "linux", &s->masked_paths, NULL, err)) < 0 ||
	    (r = json_opt_strv(l, "readonlyPaths", "linux", &s->readonly_paths, NULL, err)) < 0 ||
	    (r = json_opt_string(l, "cgroupsPath", "linux", &s->cgroups_path, err)) < 0 ||
	    (r = json_opt_string(l, "mountLabel", "linux", &s->mount_label, err)) < 0 ||
	    (r = json_opt_string(l, "rootfsPropagation", "linux", &prop, err)) < 0 ||
	    (r = json_opt_object(l, "resources", "linux", &s->resources, err)) < 0 ||
	    (r = json_opt_object(l, "seccomp", "linux", &s->seccomp, err)) < 0 ||
	    (r = json_opt_object(l, "sysctl", "linux", &s->sysctl, err)) < 0 ||
	    (r = json_opt_object(l, "personality", "linux", &s->personality, err)) < 0 ||
	    (r = json_opt_object(l, "timeOffsets", "linux", &s->time_offsets, err)) < 0)
		return r;
	if (prop) {
		r = parse_propagation(prop, &s->rootfs_propagation);
		if (r < 0)
			r = moat_fail(err, EINVAL, "linux.rootfsPropagation: unknown propagation '%s'", prop);
		free(prop);
		if (r < 0)
			return r;
	}
	if (s->sysctl && (r = check_string_object(s->sysctl, "linux.sysctl", err)) < 0)
		return r;
	if ((s->ns_new & CLONE_NEWUSER) && (!s->n_uid_mappings || !s->n_gid_mappings))
		return moat_fail(err, EINVAL,
				 "linux.uidMappings: a new user namespace needs uidMappings and gidMappings");
	if (!(s->ns_new & CLONE_NEWUSER) && (s->n_uid_mappings || s->n_gid_mappings))
		return moat_fail(err, EINVAL, "linux.uidMappings: mappings given without a new user namespace");
	if (s->time_offsets && !(s->ns_new & CLONE_NEWTIME))
		return moat_fail(err, EINVAL, "linux.timeOffsets: offsets given without a new time namespace");
	if (s->hostname && *s->hostname && !((s->ns_new | s->ns_join) & CLONE_NEWUTS))
		return moat_fail(err, EINVAL, "hostname: setting a hostname needs a uts namespace");
	return 0;
}

int spec_parse(const char *text, size_t len, const char *bundle, struct oci_spec **out, struct moat_err *err)
{
	json_error_t jerr;
	json_t *root = json_load_oci(text, len, &jerr);
	if (!root)
		return moat_fail(err, EINVAL, "config.json: line %d column %d: %s", jerr.line, jerr.column,
				 jerr.text);
	if (!json_is_object(root)) {
		json_decref(root);
		return moat_fail(err, EINVAL, "config.json: the top level must be an object");
	}
	struct oci_spec *s = calloc(1, sizeof(*s));
	if (!s) {
		json_decref(root);
		return moat_fail_errno(err, ENOMEM, "config.json");
	}
	s->root = root;
	int r;
	json_t *jroot = NULL, *jproc = NULL;
	s->bundle = strdup(bundle);
	if (!s->bundle) {
		r = moat_fail_errno(err, ENOMEM, "config.json");
		goto fail;
	}
	if ((r = json_opt_string(root, "ociVersion", "", &s->oci_version, err)) < 0)
		goto fail;
	if (!s->oci_version) {
		r = moat_fail(err, EINVAL, "ociVersion: required");
		goto fail;
	}
	if (!spec_version_supported(s->oci_version)) {
		r = moat_fail(err, EINVAL, "ociVersion: '%s' is not a supported version (1.x)", s->oci_version);
		goto fail;
	}
	if ((r = json_opt_object(root, "root", "", &jroot, err)) < 0 ||
	    (r = json_opt_string(root, "hostname", "", &s->hostname, err)) < 0 ||
	    (r = json_opt_string(root, "domainname", "", &s->domainname, err)) < 0 ||
	    (r = json_opt_object(root, "process", "", &jproc, err)) < 0 ||
	    (r = json_opt_object(root, "annotations", "", &s->annotations, err)) < 0)
		goto fail;
	if (s->annotations && (r = check_string_object(s->annotations, "annotations", err)) < 0)
		goto fail;
	char *rpath = NULL;
	if (!jroot || (r = json_opt_string(jroot, "path", "root", &rpath, err)) < 0 || !rpath || !*rpath) {
		free(rpath);
		if (r >= 0)
			r = moat_fail(err, EINVAL, "root.path: required");
		goto fail;
	}
	if (rpath[0] == '/') {
		s->rootfs = rpath;
	} else {
		if (asprintf(&s->rootfs, "%s/%s", bundle, rpath) < 0) {
			free(rpath);
			r = moat_fail_errno(err, ENOMEM, "root.path");
			goto fail;
		}
		free(rpath);
	}
	if ((r = json_opt_bool(jroot, "readonly", "root", &s->root_readonly, err)) < 0)
		goto fail;
	if (jproc && (r = spec_parse_process(jproc, "process", &s->process, err)) < 0)
		goto fail;
	if ((r = parse_mounts(s, err)) < 0 || (r = parse_hooks(s, err)) < 0 || (r = parse_linux(s, err)) < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	spec_free(s);
	return r;
}

int spec_load(const char *bundle, struct oci_spec **out, struct moat_err *err)
{
	char abs[PATH_MAX];
	if (!realpath(bundle, abs))
		return moat_fail_errno(err, errno, "bundle %s", bundle);
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/config.json", abs);
	char *text;
	size_t len;
	int r = read_file_at(-1, path, SPEC_MAX_BYTES, &text, &len, err);
	if (r < 0)
		return r;
	r = spec_parse(text, len, abs, out, err);
	free(text);
	if (r < 0)
		return r;
	struct stat st;
	if (stat((*out)->rootfs, &st) < 0 || !S_ISDIR(st.st_mode)) {
		r = errno && !S_ISDIR(st.st_mode) ? errno : ENOTDIR;
		r = moat_fail_errno(err, r, "root.path: rootfs %s", (*out)->rootfs);
		spec_free(*out);
		*out = NULL;
		return r;
	}
	return 0;
}

const char *spec_annotation(const struct oci_spec *spec, const char *key)
{
	json_t *v = spec->annotations ? json_object_get(spec->annotations, key) : NULL;
	return v ? json_string_value(v) : NULL;
}

void spec_free(struct oci_spec *s)
{
	if (!s)
		return;
	free(s->oci_version);
	free(s->bundle);
	free(s->rootfs);
	free(s->hostname);
	free(s->domainname);
	spec_process_free(s->process);
	for (size_t i = 0; i < s->n_mounts; i++) {
		free(s->mounts[i].destination);
		free(s->mounts[i].source);
		free(s->mounts[i].type);
		free(s->mounts[i].data);
		strv_free(s->mounts[i].options);
	}
	free(s->mounts);
	for (size_t i = 0; i < s->n_namespaces; i++)
		free(s->namespaces[i].path);
	free(s->namespaces);
	free(s->uid_mappings);
	free(s->gid_mappings);
	for (size_t i = 0; i < s->n_devices; i++)
		free(s->devices[i].path);
	free(s->devices);
	strv_free(s->masked_paths);
	strv_free(s->readonly_paths);
	free(s->cgroups_path);
	free(s->mount_label);
	spec_hooks_free(s->hooks, s->n_hooks);
	json_decref(s->root);
	free(s);
}
