/* Cgroups: one interface over v1 (and this host's hybrid layout) and v2.
 *
 * A container's cgroup is named by a path relative to the root of each
 * hierarchy ("/moat/<id>" unless config.json's linux.cgroupsPath says
 * otherwise).  On v1/hybrid it is created in every mounted v1 hierarchy
 * (cpu, cpuacct, cpuset, memory, devices, freezer, blkio, pids, name=systemd)
 * and in the unified hierarchy if one is mounted; on v2 it is one directory.
 *
 * All functions return 0 or a negative errno and fill err.
 * MOAT_CGROUP_ROOT (environment) overrides /sys/fs/cgroup, for tests against a
 * fake tree. */
#ifndef MOAT_LINUX_CGROUPS_H
#define MOAT_LINUX_CGROUPS_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "util/error.h"

enum cgroup_mode { CGROUP_MODE_V1, CGROUP_MODE_HYBRID, CGROUP_MODE_V2 };

/* Detect the layout under the cgroup root. */
int cgroups_mode(enum cgroup_mode *mode, struct moat_err *err);

/* Check linux.resources for types and ranges before anything exists. */
int cgroups_validate(json_t *resources, struct moat_err *err);

/* Resolve config's cgroupsPath (may be NULL) for container id into *out
 * (malloc'd, absolute within the hierarchy).  systemd: "slice:prefix:name"
 * form; without systemd running, a clear error. */
int cgroups_resolve_path(const char *cgroups_path, const char *id, bool systemd, char **out,
			 struct moat_err *err);

/* Create the cgroup and apply resources.  On failure nothing created is left.
 * rootless: a cgroup that cannot be created is skipped (unless resources ask
 * for limits), as runc does.  Nobody is moved in: the process joins by itself,
 * with cgroups_join_self, before anything else (the container init, once
 * cloned).  A process moving itself is far cheaper for the kernel than being
 * moved.  *join holds the open files; free it in every process that has it. */
struct cgroup_join;
int cgroups_create_for_self(const char *path, json_t *resources, bool rootless, struct cgroup_join **join,
			    struct moat_err *err);
int cgroups_join_self(struct cgroup_join *join, struct moat_err *err);
void cgroups_join_free(struct cgroup_join *join);

/* Move the calling thread into the container's v1 devices cgroup only, so
 * device opens it makes on the container's behalf meet the container's device
 * rules (the sentry).  -EOPNOTSUPP without a v1 devices hierarchy. */
int cgroups_join_devices(const char *path, struct moat_err *err);

/* Move pid into the existing cgroup (exec). */
int cgroups_enter(const char *path, pid_t pid, struct moat_err *err);

/* Apply resources (update command); same JSON format as linux.resources. */
int cgroups_update(const char *path, json_t *resources, struct moat_err *err);

/* Remove the cgroup in every hierarchy; absent is fine. */
int cgroups_destroy(const char *path, struct moat_err *err);

/* Freeze or thaw (pause/resume), waiting until the state is reached. */
int cgroups_freeze(const char *path, bool freeze, struct moat_err *err);
bool cgroups_is_frozen(const char *path);

/* The pids in the cgroup (ps, kill --all, delete --force).  *pids malloc'd. */
int cgroups_pids(const char *path, pid_t **pids, size_t *n, struct moat_err *err);

/* Stats for `events --stats` style output: a JSON object (memory, pids, cpu). */
int cgroups_stats(const char *path, json_t **out, struct moat_err *err);

#endif
