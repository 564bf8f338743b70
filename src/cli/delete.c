/* moat delete [--force] ID: remove a stopped container; --force kills a
 * running or created one first.  --force on an id that does not exist
 * succeeds, as runc, and clears what an interrupted create left. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "linux/cgroups.h"
#include "linux/container.h"

int cmd_delete(struct moat_globals *g, int argc, char **argv, struct moat_err *err)
{
	static const struct option opts[] = {{"force", no_argument, NULL, 'f'}, {NULL, 0, NULL, 0}};
	bool force = false;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
		if (c != 'f')
			return moat_fail(err, EINVAL, "delete: unknown option '%s'", argv[optind - 1]);
		force = true;
	}
	const char *id;
	int r = cli_one_id(argc, argv, optind, "delete", &id, err);
	if (r < 0)
		return r;
	struct container_state *st;
	if ((r = cli_load(g, id, &st, err)) < 0) {
		if (r == -ENOENT && force) {
			/* an interrupted create may have left its directory and default cgroup */
			char *cg = NULL;
			struct moat_err e2;
			if (cgroups_resolve_path(NULL, id, false, &cg, &e2) == 0) {
				cgroups_destroy(cg, &e2);
				free(cg);
			}
			state_remove(g->root, id);
			return 0;
		}
		return r;
	}
	r = container_destroy(g->root, st, force, err);
	state_free(st);
	return r;
}
