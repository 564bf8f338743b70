/* moat state ID: the OCI state of a container, as JSON. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"

int cmd_state(struct moat_globals *g, int argc, char **argv, struct moat_err *err)
{
	const char *id;
	int r = cli_one_id(argc, argv, 1, "state", &id, err);
	if (r < 0)
		return r;
	struct container_state *st;
	if ((r = cli_load(g, id, &st, err)) < 0)
		return r;
	json_t *o = state_to_oci(st, state_status(g->root, st));
	char *text = o ? json_dumps(o, JSON_INDENT(2)) : NULL;
	json_decref(o);
	state_free(st);
	if (!text)
		return moat_fail(err, ENOMEM, "encode state");
	printf("%s\n", text);
	free(text);
	return 0;
}
