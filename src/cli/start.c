/* moat start ID: release the init of a created container. */
#include "cli/cli.h"
#include "linux/container.h"

int cmd_start(struct moat_globals *g, int argc, char **argv, struct moat_err *err)
{
	const char *id;
	int r = cli_one_id(argc, argv, 1, "start", &id, err);
	if (r < 0)
		return r;
	struct container_state *st;
	if ((r = cli_load(g, id, &st, err)) < 0)
		return r;
	r = container_start(g->root, st, err);
	state_free(st);
	return r;
}
