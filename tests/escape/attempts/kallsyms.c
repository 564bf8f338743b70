/* Host kernel addresses, which defeat KASLR: /proc/kallsyms and
 * /proc/modules.  The runner passes a symbol and its address as the host's
 * root reads it; reading that same address is the escape.
 * Args: SYMBOL HOST_ADDR. */
#include "escape.h"

#include <stdio.h>
#include <string.h>

ATTEMPT(kallsyms)
{
	if (argc < 2)
		blocked("usage: SYMBOL HOST_ADDR");
	FILE *f = fopen("/proc/kallsyms", "re");
	if (!f)
		blocked("open /proc/kallsyms: %s", en(errno));
	char line[512], addr[64], type[8], name[256];
	int lines = 0;
	const char *seen = NULL;
	char seen_buf[64] = "";
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %7s %255s", addr, type, name) != 3)
			continue;
		lines++;
		if (!strcmp(name, argv[0])) {
			snprintf(seen_buf, sizeof(seen_buf), "%s", addr);
			seen = seen_buf;
			break;
		}
	}
	fclose(f);
	if (seen && !strcmp(seen, argv[1]))
		escaped("/proc/kallsyms gives %s at the host's address %s", argv[0], seen);
	char mods[256] = "";
	FILE *m = fopen("/proc/modules", "re");
	if (m && fgets(line, sizeof(line), m)) {
		char *addr0 = strrchr(line, ' ');
		snprintf(mods, sizeof(mods), "/proc/modules shows %s", addr0 ? addr0 + 1 : "?");
		mods[strcspn(mods, "\n")] = '\0';
	} else {
		snprintf(mods, sizeof(mods), "/proc/modules: %s", m ? "empty" : en(errno));
	}
	if (m)
		fclose(m);
	blocked("/proc/kallsyms (%d lines read) shows %s for %s; %s", lines, seen ? seen : "nothing", argv[0], mods);
}
