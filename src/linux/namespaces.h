/* Namespaces: joining by path, id maps, time offsets.
 *
 * Joined namespaces are opened by the runtime before the init exists (so a
 * bad path fails create early) and entered by the init, user namespace first
 * so that the others are entered with its privileges. */
#ifndef MOAT_LINUX_NAMESPACES_H
#define MOAT_LINUX_NAMESPACES_H

#include <stdbool.h>
#include <sys/types.h>

#include "oci/spec.h"
#include "util/error.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

struct ns_join {
	int type;
	int fd;
};

/* Open every namespace path in spec; *out has spec->n_namespaces slots, fd -1 where none. */
int ns_open_joins(const struct oci_spec *spec, struct ns_join **out, size_t *n, struct moat_err *err);
void ns_close_joins(struct ns_join *joins, size_t n);
/* setns() into the opened namespaces of the given types (user first). */
int ns_enter(struct ns_join *joins, size_t n, int types, struct moat_err *err);

/* Write pid's uid_map/gid_map.  Without privilege over the parent namespace
 * (rootless) a single mapping of the caller's own id is written directly after
 * denying setgroups, and anything else goes through newuidmap/newgidmap. */
int ns_write_idmaps(pid_t pid, const struct oci_spec *spec, struct moat_err *err);

/* Write /proc/self/timens_offsets from linux.timeOffsets (after unshare(CLONE_NEWTIME)). */
int ns_write_time_offsets(const struct oci_spec *spec, struct moat_err *err);

/* A new network namespace starts with lo down; containers expect it up (runc does so). */
int ns_loopback_up(struct moat_err *err);

/* "pid" -> CLONE_NEWPID ... for messages; "unknown" otherwise. */
const char *ns_name(int type);

#endif
