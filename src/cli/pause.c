/* moat pause ID / moat resume ID: freeze or thaw every process of a
 * container through its cgroup's freezer. */
#include <errno.h>

#include "cli/cli.h"
#include "linux/cgroups.h"

static int freeze_cmd(struct moat_globals *g, int argc, char **argv, bool freeze, struct moat_err *err)
{
	const char *cmd = freeze ? "pause" : "resume";
	const char *id;
	int r = cli_one_id(argc, argv, 1, cmd, &id, err);
	if (r < 0)
		return r;
	struct container_state *st;
	if ((r = cli_load(g, id, &st, err)) < 0)
		return r;
	enum container_status s = state_status(g->root, st);
	if (freeze && s != STATUS_RUNNING)
		r = moat_fail(err, EINVAL, "container %s is not running", id);
	else if (!freeze && s != STATUS_PAUSED)
		r = moat_fail(err, EINVAL, "container %s is not paused", id);
	else if (!st->cgroup || !*st->cgroup)
		r = moat_fail(err, ENOTSUP, "container %s has no cgroup to %s", id, freeze ? "freeze" : "thaw");
	else if ((r = cgroups_freeze(st->cgroup, freeze, err)) < 0)
		moat_err_prefix(err, "%s container %s", cmd, id);
	state_free(st);
	return r;
}

int cmd_pause(struct moat_globals *g, int argc, char **argv, struct moat_err *err)
{
	return freeze_cmd(g, argc, argv, true, err);
}

int cmd_resume(struct moat_globals *g, int argc, char **argv, struct moat_err *err)
{
	return freeze_cmd(g, argc, argv, false, err);
}
