/* personality(READ_IMPLIES_EXEC): every readable mapping becomes executable,
 * undoing W^X for the process and what it runs.  A read-only mapping that
 * comes back executable is the escape. */
#include "escape.h"

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>

ATTEMPT(personality)
{
	(void)argc;
	(void)argv;
	int r = personality(PER_LINUX | READ_IMPLIES_EXEC);
	if (r < 0)
		blocked("personality(READ_IMPLIES_EXEC): %s", en(errno));
	int now = personality(0xffffffff);
	if (!(now & READ_IMPLIES_EXEC))
		blocked("personality(READ_IMPLIES_EXEC) returned but the flag is not set (0x%x)", now);
	void *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	unsigned long addr = (unsigned long)m;
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char perms[8];
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && addr >= lo && addr < hi && perms[2] == 'x')
			escaped("READ_IMPLIES_EXEC set: a PROT_READ mapping is %s", perms);
	}
	escaped("personality(READ_IMPLIES_EXEC) set the flag (0x%x)", now);
}
