/* moat kill [--all] ID [SIGNAL]: signal the init (or, with --all, every
 * process of the container).  SIGNAL is a name (TERM, SIGTERM) or a number;
 * the default is SIGTERM. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cli/cli.h"
#include "linux/cgroups.h"

int cmd_kill(struct moat_globals *g, int argc, char **argv, struct moat_err *err)
{
	static const struct option opts[] = {{"all", no_argument, NULL, 'a'}, {NULL, 0, NULL, 0}};
	bool all = false;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+a", opts, NULL)) != -1) {
		if (c != 'a')
			return moat_fail(err, EINVAL, "kill: unknown option '%s'", argv[optind - 1]);
		all = true;
	}
	if (optind >= argc || argc - optind > 2)
		return cli_usage(err, "kill", "[--all] ID [SIGNAL]");
	const char *id = argv[optind];
	int sig = SIGTERM, r;
	if (argc - optind == 2 && (r = cli_parse_signal(argv[optind + 1], &sig, err)) < 0)
		return r;
	struct container_state *st;
	if ((r = cli_load(g, id, &st, err)) < 0)
		return r;
	enum container_status s = state_status(g->root, st);
	if (s == STATUS_STOPPED) {
		r = moat_fail(err, ESRCH, "container %s is not running", id);
		goto out;
	}
	if (all) {
		pid_t *pids = NULL;
		size_t n = 0;
		if ((r = cgroups_pids(st->cgroup, &pids, &n, err)) < 0)
			goto out;
		for (size_t i = 0; i < n; i++)
			kill(pids[i], sig);
		free(pids);
		/* a frozen process only sees SIGKILL after a thaw */
		if (s == STATUS_PAUSED && sig == SIGKILL)
			cgroups_freeze(st->cgroup, false, err);
		r = 0;
		goto out;
	}
	/* a pidfd pins the process: the signal cannot reach a recycled pid */
	int pidfd = (int)syscall(SYS_pidfd_open, st->pid, 0);
	if (pidfd < 0 || !state_pid_alive(st)) {
		r = moat_fail(err, ESRCH, "container %s is not running", id);
		if (pidfd >= 0)
			close(pidfd);
		goto out;
	}
	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
		r = moat_fail_errno(err, errno, "kill container %s", id);
	else
		r = 0;
	close(pidfd);
out:
	state_free(st);
	return r;
}
