/* Walk out through other processes' roots: /proc/1/root, and the root of
 * every visible process that is not ours, followed by ".." towards the
 * runner's host canary file.  Reading it, or a root outside ours, is the
 * escape.  Args: CANARY_PATH SECRET. */
#include "escape.h"

ATTEMPT(proc_pid_root)
{
	if (argc < 2)
		blocked("usage: CANARY SECRET");
	return proc_root_walk(argv[0], argv[1], true);
}
