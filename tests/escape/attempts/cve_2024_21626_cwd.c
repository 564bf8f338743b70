/* CVE-2024-21626 (working directory): the runner sets process.cwd to
 * /proc/self/fd/N for a descriptor the runtime might still hold while it
 * enters the cwd.  If the container starts at all, is its working directory
 * inside its root? */
#include "escape.h"

#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

ATTEMPT(cve_2024_21626_cwd)
{
	(void)argc;
	(void)argv;
	char cwd[PATH_MAX];
	const char *shown = getcwd(cwd, sizeof(cwd)) ? cwd : "(getcwd failed)";
	int out = outside_root(AT_FDCWD);
	if (out == 1)
		escaped("the working directory is outside the container's root: %s", shown);
	if (out < 0)
		blocked("the working directory could not be walked (%s): %s", en(-out), shown);
	blocked("the working directory is inside the root: %s", shown);
}
