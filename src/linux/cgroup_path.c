/* Cgroups: linux.cgroupsPath resolved to the container's cgroup, a path below
 * the root of every hierarchy: a cgroupfs path as given, or the systemd
 * driver's slice:prefix:name mapped the way systemd itself would. */
#include "linux/cgroup_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Normalize a cgroupfs path: collapse "//" and ".", refuse "..". */
static int normalize(const char *in, char **out, struct moat_err *err)
{
	size_t n = strlen(in);
	char *o = malloc(n + 2), *w = o;
	if (!o)
		return moat_fail_errno(err, ENOMEM, "cgroupsPath");
	for (const char *p = in; *p;) {
		size_t len = strcspn(p, "/");
		if (len == 2 && !strncmp(p, "..", 2)) {
			free(o);
			return moat_fail(err, EINVAL, "linux.cgroupsPath '%s': '..' is not allowed", in);
		}
		if (len && !(len == 1 && *p == '.')) {
			*w++ = '/';
			memcpy(w, p, len);
			w += len;
		}
		p += len;
		p += strspn(p, "/");
	}
	*w = '\0';
	if (w == o) {
		free(o);
		return moat_fail(err, EINVAL, "linux.cgroupsPath '%s' names the root cgroup", in);
	}
	*out = o;
	return 0;
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t k = strlen(suffix);
	return len >= k && !memcmp(s + len - k, suffix, k);
}

/* systemd's slice naming: "a-b.slice" lives at /a.slice/a-b.slice. */
static int expand_slice(const char *slice, size_t len, char *out, size_t size, struct moat_err *err)
{
	if (len == 7 && !memcmp(slice, "-.slice", 7)) {
		out[0] = '\0';
		return 0;
	}
	if (!ends_with(slice, len, ".slice") || len == 6 || memchr(slice, '/', len) || slice[0] == '-')
		return moat_fail(err, EINVAL, "linux.cgroupsPath: invalid slice name '%.*s'", (int)len, slice);
	size_t base = len - 6, o = 0;
	for (size_t i = 0; i <= base; i++) {
		if (i < base && slice[i] != '-')
			continue;
		if (i + 1 < base && slice[i + 1] == '-')
			return moat_fail(err, EINVAL, "linux.cgroupsPath: invalid slice name '%.*s'", (int)len, slice);
		int k = snprintf(out + o, size - o, "/%.*s.slice", (int)i, slice);
		if (k < 0 || (size_t)k >= size - o)
			return moat_fail(err, ENAMETOOLONG, "linux.cgroupsPath: slice name too long");
		o += (size_t)k;
	}
	return 0;
}

/* The systemd driver's "slice:prefix:name", mapped to the cgroupfs path systemd
 * itself would use.  moat creates the directories directly (no D-Bus). */
static int systemd_path(const char *spec, const char *id, char **out, struct moat_err *err)
{
	char def[1200];
	if (!spec || !*spec) {
		snprintf(def, sizeof(def), "system.slice:moat:%s", id);
		spec = def;
	}
	const char *c1 = strchr(spec, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c2 || strchr(c2 + 1, ':'))
		return moat_fail(err, EINVAL, "linux.cgroupsPath '%s': expected slice:prefix:name for the systemd driver",
				 spec);
	const char *slice = spec, *prefix = c1 + 1, *name = c2 + 1;
	size_t slice_len = (size_t)(c1 - spec), prefix_len = (size_t)(c2 - prefix);
	if (!slice_len) {
		slice = "system.slice";
		slice_len = strlen(slice);
	}
	if (!*name || strchr(name, '/') || memchr(prefix, '/', prefix_len))
		return moat_fail(err, EINVAL, "linux.cgroupsPath '%s': invalid unit name", spec);
	char path[PATH_MAX];
	int r = expand_slice(slice, slice_len, path, sizeof(path), err);
	if (r < 0)
		return r;
	size_t o = strlen(path);
	int k;
	if (ends_with(name, strlen(name), ".slice"))
		k = snprintf(path + o, sizeof(path) - o, "/%s", name);
	else if (prefix_len)
		k = snprintf(path + o, sizeof(path) - o, "/%.*s-%s.scope", (int)prefix_len, prefix, name);
	else
		k = snprintf(path + o, sizeof(path) - o, "/%s.scope", name);
	if (k < 0 || (size_t)k >= sizeof(path) - o)
		return moat_fail(err, ENAMETOOLONG, "linux.cgroupsPath '%s' is too long", spec);
	*out = strdup(path);
	return *out ? 0 : moat_fail_errno(err, ENOMEM, "cgroupsPath");
}

int cgroups_resolve_path(const char *cgroups_path, const char *id, bool systemd, char **out, struct moat_err *err)
{
	if (systemd) {
		if (access("/run/systemd/system", F_OK) < 0)
			return moat_fail(err, ENOTSUP, "systemd cgroup driver: systemd is not running on this host");
		return systemd_path(cgroups_path, id, out, err);
	}
	if (!cgroups_path || !*cgroups_path) {
		if (asprintf(out, "/moat/%s", id) < 0)
			return moat_fail_errno(err, ENOMEM, "cgroupsPath");
		return 0;
	}
	const char *c1 = strchr(cgroups_path, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (c2 && !strchr(c2 + 1, ':') && ends_with(cgroups_path, (size_t)(c1 - cgroups_path), ".slice"))
		return moat_fail(err, EINVAL,
				 "linux.cgroupsPath '%s' looks like a systemd path but --systemd-cgroup was not given",
				 cgroups_path);
	/* A relative path is taken from the root of each hierarchy, like an absolute one. */
	return normalize(cgroups_path, out, err);
}
