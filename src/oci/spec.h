/* The OCI runtime configuration (config.json), parsed and validated.
 *
 * spec_load() checks everything that can be checked without touching the host,
 * so that bad input fails before any state, cgroup, mount or process exists.
 * Sections owned by one module (linux.resources, linux.seccomp, personality,
 * sysctl...) stay as jansson values and are validated by that module through
 * spec_load's call-outs (cgroups_validate, seccomp_compile...). */
#ifndef MOAT_OCI_SPEC_H
#define MOAT_OCI_SPEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

#define SPEC_MAX_BYTES (4u << 20)

struct oci_mount {
	char *destination;
	char *source;
	char *type;
	char **options;
	unsigned long flags;       /* MS_* set by options */
	unsigned long clear;       /* MS_* cleared by options (rw, suid...) */
	unsigned long propagation; /* MS_SHARED/PRIVATE/SLAVE/UNBINDABLE (| MS_REC) or 0 */
	char *data;                /* comma-joined filesystem-specific options */
	bool bind;                 /* bind or rbind */
	bool tmpcopyup;
};

struct oci_idmap {
	uint32_t container_id, host_id, size;
};

struct oci_rlimit {
	int resource;
	uint64_t soft, hard;
};

struct oci_namespace {
	int type; /* CLONE_NEW* */
	char *path;
};

struct oci_hook {
	char *path;
	char **args;
	char **env;
	int timeout; /* seconds, 0 = none */
};

enum oci_hook_kind {
	HOOK_PRESTART,
	HOOK_CREATE_RUNTIME,
	HOOK_CREATE_CONTAINER,
	HOOK_START_CONTAINER,
	HOOK_POSTSTART,
	HOOK_POSTSTOP,
	HOOK_KINDS
};

struct oci_device {
	char *path;
	char type; /* c, b, u, p */
	int64_t major, minor;
	mode_t mode;
	bool has_mode;
	uid_t uid;
	gid_t gid;
	bool has_uid, has_gid;
};

struct oci_caps {
	uint64_t bounding, effective, inheritable, permitted, ambient;
};

struct oci_process {
	bool terminal;
	unsigned console_height, console_width;
	uid_t uid;
	gid_t gid;
	gid_t *additional_gids;
	size_t n_additional_gids;
	mode_t umask;
	bool has_umask;
	char **args;
	char **env;
	char *cwd;
	bool has_caps;
	struct oci_caps caps;
	struct oci_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	char *apparmor_profile;
	char *selinux_label;
	int oom_score_adj;
	bool has_oom_score_adj;
	json_t *scheduler;   /* validated, applied by linux/process.c */
	json_t *io_priority; /* idem */
};

struct oci_spec {
	json_t *root;     /* the whole document (owned) */
	char *oci_version;
	char *bundle;     /* absolute bundle path */
	char *rootfs;     /* absolute rootfs path */
	bool root_readonly;
	char *hostname;
	char *domainname;
	struct oci_process *process; /* NULL: config without process */
	struct oci_mount *mounts;
	size_t n_mounts;
	struct oci_namespace *namespaces;
	size_t n_namespaces;
	int ns_new;   /* CLONE_NEW* flags to create */
	int ns_join;  /* CLONE_NEW* flags joined by path */
	struct oci_idmap *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
	struct oci_device *devices;
	size_t n_devices;
	char **masked_paths;
	char **readonly_paths;
	char *cgroups_path;
	unsigned long rootfs_propagation;
	char *mount_label;
	json_t *resources;   /* linux.resources */
	json_t *seccomp;     /* linux.seccomp */
	json_t *sysctl;      /* linux.sysctl: object of strings */
	json_t *personality; /* linux.personality */
	json_t *time_offsets;/* linux.timeOffsets */
	json_t *annotations; /* object of strings */
	struct oci_hook *hooks[HOOK_KINDS];
	size_t n_hooks[HOOK_KINDS];
};

/* Load bundle/config.json. The rootfs must exist and be a directory. */
int spec_load(const char *bundle, struct oci_spec **out, struct moat_err *err);
/* Parse a config document already in memory; bundle is used for relative paths. */
int spec_parse(const char *text, size_t len, const char *bundle, struct oci_spec **out, struct moat_err *err);
void spec_free(struct oci_spec *spec);

/* Parse a "process" object (config.json's, or exec --process's). */
int spec_parse_process(json_t *obj, const char *where, struct oci_process **out, struct moat_err *err);
void spec_process_free(struct oci_process *p);

/* Capability name ("CAP_SYS_ADMIN") to number, -1 if unknown to this kernel/libcap. */
int spec_cap_from_name(const char *name);
/* Resource name ("RLIMIT_NOFILE") to number, -1 if unknown. */
int spec_rlimit_from_name(const char *name);
/* "1.0.2-dev", "1.3.0": accepted when major is 1 (semver). */
bool spec_version_supported(const char *version);
/* Parse a mount option list into flags/data (exposed for unit tests and `exec`). */
int spec_parse_mount_options(struct oci_mount *m, json_t *options, const char *where, struct moat_err *err);

/* Hooks: parse a "hooks" object (config.json's, or the copy kept in the state). */
int spec_parse_hooks(json_t *obj, struct oci_hook *out[HOOK_KINDS], size_t n[HOOK_KINDS], struct moat_err *err);
void spec_hooks_free(struct oci_hook *hooks[HOOK_KINDS], size_t n[HOOK_KINDS]);
/* "prestart", "createRuntime", ... */
const char *spec_hook_kind_name(enum oci_hook_kind kind);

/* An annotation value, or NULL. */
const char *spec_annotation(const struct oci_spec *spec, const char *key);

#endif
