/* The container process's attributes, applied by the container init (and by
 * exec's child) in the order the kernel needs:
 *   process_apply_pre_user  rlimits, oom_score_adj, scheduler, io priority,
 *                           personality, umask (while still privileged)
 *   process_apply_user      bounding set, supplementary groups, gid, uid, keeping caps
 *   process_apply_caps      effective/permitted/inheritable, then ambient
 *   process_find_exec       resolve args[0] in the process env's PATH (fails
 *                           create, not start, when missing, as runc)
 *   process_exec            close leaked fds, then execve */
#ifndef MOAT_LINUX_PROCESS_H
#define MOAT_LINUX_PROCESS_H

#include <jansson.h>
#include <stdbool.h>

#include "oci/spec.h"
#include "util/error.h"

int process_apply_pre_user(const struct oci_process *p, json_t *personality, struct moat_err *err);
/* setgroups is skipped when it is denied (rootless user namespace) and no
 * additionalGids are asked for. */
int process_apply_user(const struct oci_process *p, struct moat_err *err);
int process_apply_caps(const struct oci_process *p, struct moat_err *err);
/* chdir to process.cwd and prove the result is inside the container's root
 * (CVE-2024-21626: a cwd reached through a leaked fd would not be). */
int process_enter_cwd(const struct oci_process *p, struct moat_err *err);
int process_find_exec(const struct oci_process *p, char **path, struct moat_err *err);
/* Make every fd above 2 + preserve_fds close-on-exec, then execve.  Returns only on failure. */
int process_exec(const struct oci_process *p, const char *path, int preserve_fds, struct moat_err *err);

#endif
