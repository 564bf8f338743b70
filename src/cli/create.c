/* moat create [-b BUNDLE] [--pid-file F] [--console-socket S] [--preserve-fds N]
 *             [--no-pivot] [--no-new-keyring] ID */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "linux/container.h"
#include "vm/vm.h"

int cmd_create(struct moat_globals *g, int argc, char **argv, struct moat_err *err)
{
	struct container_opts o = {.root = g->root, .systemd_cgroup = g->systemd_cgroup, .rootless = cli_rootless(g)};
	const char *bundle;
	int r = cli_parse_create_opts(argc, argv, "create", false, &o, &bundle, NULL, NULL, err);
	if (r < 0)
		return r;
	struct oci_spec *spec;
	if ((r = cli_prepare_container(g, &o, bundle, &spec, err)) < 0)
		return r;
	if (!strcmp(o.sandbox, "vm")) {
		r = moat_fail(err, EOPNOTSUPP, "create: %s", VM_FOREGROUND_ONLY);
		goto out;
	}
	if (spec->process && spec->process->terminal && !o.console_socket) {
		r = moat_fail(err, EINVAL, "create: process.terminal is set but no --console-socket was given");
		goto out;
	}
	struct container c;
	if ((r = container_create(&o, spec, &c, err)) < 0)
		goto out;
	close(c.pidfd);
	state_free(c.state);
out:
	spec_free(spec);
	return r;
}
