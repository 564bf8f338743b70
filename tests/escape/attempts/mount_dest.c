/* Mount destinations that leave the rootfs: the runner's config asks for
 * tmpfs mounts (sources named escape-made-*) at destinations that go through
 * a symlink to a host directory, through "..", or through a directory a
 * second container swaps with such a symlink while this one starts
 * (CVE-2021-30465).  Inside, each mount must be found inside the container's
 * root; the runner also checks that nothing appeared in the host directory.
 * /proc/self/mountinfo lists only the mounts under the process's root, so a
 * configured mount missing from it went somewhere outside.
 * Args: SOURCE... (the escape-made-* sources the config asked for). */
#include "escape.h"

#include <stdio.h>
#include <string.h>

static int find_mount(const char *source, char *where, size_t n)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	char line[4096];
	int found = 0;
	while (fgets(line, sizeof(line), f)) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS ... - FSTYPE SOURCE SUPEROPTS */
		char mp[2048], fstype[64], src[512];
		char *dash = strstr(line, " - ");
		if (!dash || sscanf(line, "%*s %*s %*s %*s %2047s", mp) != 1 ||
		    sscanf(dash + 3, "%63s %511s", fstype, src) != 2)
			continue;
		if (!strcmp(src, source)) {
			snprintf(where, n, "%s", mp);
			found = 1;
		}
	}
	fclose(f);
	return found;
}

ATTEMPT(mount_dest)
{
	struct ev e = {0};
	for (int i = 0; i < argc; i++) {
		char where[2048];
		int r = find_mount(argv[i], where, sizeof(where));
		if (r < 0)
			blocked("mountinfo: %s", en(-r));
		if (r == 0)
			escaped("the mount %s is not under the container's root: it landed outside the rootfs", argv[i]);
		ev_add(&e, "%s mounted at %s, inside the root", argv[i], where);
	}
	blocked("%s", e.s);
}
