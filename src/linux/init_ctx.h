/* What the runtime hands to the container init it clones (a fork: the init
 * reads this from its copy of the runtime's memory). */
#ifndef MOAT_LINUX_INIT_CTX_H
#define MOAT_LINUX_INIT_CTX_H

#include "linux/cgroups.h"
#include "linux/container.h"
#include "linux/namespaces.h"
#include "linux/seccomp.h"
#include "sentry/attach.h"

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
	struct sentry_attach *sentry; /* moat's filter, when the sandbox level is sentry */
	const char *cgroup_path;
	struct cgroup_join *join; /* the init moves itself into its cgroup */
};

#endif
