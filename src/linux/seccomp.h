/* The config's own seccomp profile (linux.seccomp), compiled with libseccomp.
 *
 * Compiled in the runtime before the container process exists, so a bad
 * profile fails create with nothing left behind; loaded by the container init
 * as one of its last steps. */
#ifndef MOAT_LINUX_SECCOMP_H
#define MOAT_LINUX_SECCOMP_H

/* With -Isrc this file shadows the kernel's <linux/seccomp.h>, which
 * libseccomp's <seccomp.h> includes; hand that include on to the kernel's. */
#include_next <linux/seccomp.h>
#include <jansson.h>
#include <stdbool.h>

#include "util/error.h"

struct seccomp_profile;

/* Compile linux.seccomp.  Unknown syscall names are skipped (as runc does, so
 * one profile serves several kernels); unknown actions, operators,
 * architectures or flags are errors naming the field. */
int seccomp_profile_compile(json_t *seccomp, struct seccomp_profile **out, struct moat_err *err);

/* Does the filter hold SCMP_ACT_NOTIFY rules (so loading yields a listener
 * fd)?  Rules for syscalls unknown here do not count. */
bool seccomp_profile_has_notify(const struct seccomp_profile *p);
/* The listenerPath, or NULL. */
const char *seccomp_profile_listener_path(const struct seccomp_profile *p);

/* Load into the calling process.  Without no_new_privs set, this needs
 * CAP_SYS_ADMIN.  *notify_fd gets the listener fd (close-on-exec, the
 * caller's to close) when the profile has notify rules, else -1. */
int seccomp_profile_load(struct seccomp_profile *p, int *notify_fd, struct moat_err *err);

/* Connect to the unix socket at listenerPath and send state_json (the OCI
 * "containerProcessState", as runc sends it) with notify_fd attached by
 * SCM_RIGHTS. */
int seccomp_send_listener(const char *listener_path, int notify_fd, const char *state_json, struct moat_err *err);

void seccomp_profile_free(struct seccomp_profile *p);

/* For `features`: the names of supported actions, operators, archs and flags. */
json_t *seccomp_features(void);

#endif
