/* /proc/kcore: the host's physical memory as an ELF core file.  Reading its
 * ELF header is the escape. */
#include "escape.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

ATTEMPT(kcore)
{
	(void)argc;
	(void)argv;
	int fd = open("/proc/kcore", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		blocked("open /proc/kcore: %s", en(errno));
	char hdr[4];
	ssize_t n = read(fd, hdr, sizeof(hdr));
	int e = errno;
	struct stat st;
	fstat(fd, &st);
	close(fd);
	if (n == 4 && !memcmp(hdr, "\177ELF", 4))
		escaped("read the ELF header of /proc/kcore (%lld bytes)", (long long)st.st_size);
	blocked("/proc/kcore opens but reads %s (a %s)", n < 0 ? en(e) : n == 0 ? "nothing" : "no ELF header",
		S_ISCHR(st.st_mode) ? "character device: masked" : "file");
}
