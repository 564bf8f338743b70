/* moat run [create options] [--detach] [--keep] ID: create, start, and (in the
 * foreground) wait for the container, exiting with its status and deleting it
 * unless --keep. */
#include <signal.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "linux/container.h"
#include "util/log.h"
#include "vm/vm.h"

int cmd_run(struct moat_globals *g, int argc, char **argv, struct moat_err *err)
{
	struct container_opts o = {.root = g->root, .systemd_cgroup = g->systemd_cgroup, .rootless = cli_rootless(g)};
	const char *bundle;
	bool detach = false, keep = false;
	int r = cli_parse_create_opts(argc, argv, "run", true, &o, &bundle, &detach, &keep, err);
	if (r < 0)
		return r;
	struct oci_spec *spec;
	if ((r = cli_prepare_container(g, &o, bundle, &spec, err)) < 0)
		return r;
	if (!strcmp(o.sandbox, "vm")) {
		/* the VM lives exactly as long as this command: nothing to detach
		 * from, keep, or hand a pid file or console to */
		if (detach || keep || o.pid_file || o.console_socket || o.preserve_fds)
			r = moat_fail(err, EOPNOTSUPP, "run: %s (without --detach, --keep, --pid-file, "
						       "--console-socket or --preserve-fds)", VM_FOREGROUND_ONLY);
		else
			r = vm_run(g->root, o.id, spec, err);
		goto out;
	}
	if (!spec->process) {
		r = moat_fail(err, EINVAL, "run: config.json has no process to run");
		goto out;
	}
	if (spec->process->terminal && !o.console_socket) {
		if (detach) {
			r = moat_fail(err, EINVAL, "run: --detach with process.terminal needs --console-socket");
			goto out;
		}
		o.keep_pty = true;
	}
	struct container c;
	if ((r = container_create(&o, spec, &c, err)) < 0)
		goto out;
	if ((r = container_start(g->root, c.state, err)) < 0) {
		struct moat_err e2;
		container_destroy(g->root, c.state, true, &e2);
		goto done;
	}
	if (detach)
		goto done;
	r = container_wait(c.pid, c.pidfd, c.pty_master, err);
	if (!keep) {
		struct moat_err e2;
		if (container_destroy(g->root, c.state, true, &e2) < 0)
			log_warn("delete %s: %s", o.id, e2.msg);
	}
done:
	close(c.pidfd);
	if (c.pty_master >= 0)
		close(c.pty_master);
	state_free(c.state);
out:
	spec_free(spec);
	return r;
}
