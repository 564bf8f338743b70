/* Device nodes in the container's /dev: the default set every OCI runtime
 * provides, linux.devices, and the standard /dev symlinks.  In a user
 * namespace mknod is not allowed, so host nodes are bind-mounted instead. */
#ifndef MOAT_LINUX_DEVICES_H
#define MOAT_LINUX_DEVICES_H

#include <stdbool.h>

#include "oci/spec.h"
#include "util/error.h"

int devices_create(int rootfd, const struct oci_spec *spec, bool userns, struct moat_err *err);

#endif
