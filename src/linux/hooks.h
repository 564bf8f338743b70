/* OCI hooks: each hook is executed with its args and env, the container's OCI
 * state JSON on stdin, and its timeout (SIGKILL when exceeded).  A hook that
 * exits non-zero, is killed, or times out fails the call with a message naming
 * the hook kind, its index, its path, and the tail of its stderr. */
#ifndef MOAT_LINUX_HOOKS_H
#define MOAT_LINUX_HOOKS_H

#include <stddef.h>

#include "oci/spec.h"
#include "util/error.h"

int hooks_run(enum oci_hook_kind kind, const struct oci_hook *hooks, size_t n, const char *state_json,
	      struct moat_err *err);

#endif
