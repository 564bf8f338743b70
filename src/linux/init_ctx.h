/* What the runtime hands to the container init it clones (a fork: the init
 * reads this from its copy of the runtime's memory). */
#ifndef MOAT_LINUX_INIT_CTX_H
#define MOAT_LINUX_INIT_CTX_H

#include "linux/container.h"
#include "linux/namespaces.h"
#include "linux/seccomp.h"

struct init_ctx {
	const struct oci_spec *spec;
	const struct container_opts *opts;
	int sync;               /* the init's end of the socketpair */
	int fifo;               /* exec fifo, opened O_RDONLY|O_NONBLOCK */
	struct ns_join *joins;
	size_t n_joins;
	int unshare_flags;      /* namespaces the init creates itself, after GO */
	bool userns;            /* runs in a new or joined user namespace */
	struct seccomp_profile *seccomp;
	const char *cgroup_path;
};

#endif
