/* CVE-2019-5736: a process in the container must never be able to open the
 * runtime's binary for writing through /proc/<pid>/exe.  Commands that enter a
 * container first re-execute moat from a sealed memfd copy of itself, so the
 * only binary the container could reach is an unwritable anonymous copy. */
#ifndef MOAT_UTIL_CLONED_BINARY_H
#define MOAT_UTIL_CLONED_BINARY_H

#include "util/error.h"

/* Returns 0 when already running from a sealed copy; otherwise execs one and
 * returns only on failure. */
int ensure_cloned_binary(char **argv, struct moat_err *err);

#endif
