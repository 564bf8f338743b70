/* Walk out through this process's own magic links: /proc/self/root,
 * /proc/self/cwd, /proc/thread-self/root, and an fd on /proc/self/root, each
 * followed by ".." far past any rootfs depth, towards the runner's host
 * canary file.  Reading the canary is the escape.  Args: CANARY_PATH SECRET. */
#include "escape.h"

ATTEMPT(proc_self_root)
{
	if (argc < 2)
		blocked("usage: CANARY SECRET");
	return proc_root_walk(argv[0], argv[1], false);
}
