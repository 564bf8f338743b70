/* Container state under --root: one directory per container, holding
 * state.json (written atomically, so a crash never leaves half a state) and,
 * between create and start, the exec fifo that holds the init back.
 *
 * The directory is created first and acts as the claim on the id: a second
 * create with the same id fails on mkdir. */
#ifndef MOAT_OCI_STATE_H
#define MOAT_OCI_STATE_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "util/error.h"

#define MOAT_OCI_VERSION "1.2.0"
#define STATE_FILE "state.json"
#define EXEC_FIFO "exec.fifo"

enum container_status { STATUS_CREATING, STATUS_CREATED, STATUS_RUNNING, STATUS_PAUSED, STATUS_STOPPED };

struct container_state {
	char *id;
	pid_t pid;
	unsigned long long starttime; /* of pid, from /proc/<pid>/stat: detects pid reuse */
	char *bundle;
	char *rootfs;
	char *created;    /* RFC 3339, UTC */
	uid_t owner;
	char *cgroup;     /* resolved cgroups path, relative to each hierarchy's root */
	char *sandbox;    /* none | sentry | vm */
	json_t *annotations;
	json_t *hooks;    /* poststart/poststop hooks, as in config.json */
	bool rootless;
	bool has_process; /* config.json had a process: start is allowed */
	bool creating;    /* saved early by create, so delete --force can undo a killed create */
};

const char *status_name(enum container_status s);

/* runc's rule, [A-Za-z0-9_+.-]+ of at most 1024 bytes, without a leading
 * dot: dot entries under --root are moat's own (the sentry's filter cache). */
int state_validate_id(const char *id, struct moat_err *err);

/* <root>/<id>; caller frees. */
char *state_dir(const char *root, const char *id);

/* Claim the id: mkdir <root>/<id> (and <root>, 0700). EEXIST -> "container %s already exists". */
int state_claim(const char *root, const char *id, struct moat_err *err);
int state_save(const char *root, const struct container_state *st, struct moat_err *err);
/* ENOENT -> "container %s does not exist". */
int state_load(const char *root, const char *id, struct container_state **out, struct moat_err *err);
void state_free(struct container_state *st);
/* Remove <root>/<id> and all it holds. */
int state_remove(const char *root, const char *id);

/* Status from the process and the fifo: never trusts a stale pid. */
enum container_status state_status(const char *root, const struct container_state *st);
/* The OCI state document (state command, hooks' stdin). */
json_t *state_to_oci(const struct container_state *st, enum container_status status);
/* Names of the containers under root, sorted; NULL-terminated. */
int state_list(const char *root, char ***ids, struct moat_err *err);

/* Now, as the state's "created" field: RFC 3339 in UTC with nanoseconds (malloc'd). */
char *state_timestamp(void);

/* Field 22 of /proc/<pid>/stat, 0 if the process is gone. *zombie set if state is Z or X. */
unsigned long long proc_starttime(pid_t pid, bool *zombie);
/* Is pid the process recorded (alive, not a zombie, same start time)? */
bool state_pid_alive(const struct container_state *st);

#endif
