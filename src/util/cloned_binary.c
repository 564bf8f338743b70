#include "util/cloned_binary.h"

#include <elf.h>
#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>


#define MOAT_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

/* The bytes the kernel loads: up to the end of the last PT_LOAD segment.
 * Debug sections after it are not needed to run, and copying them made the
 * copy a third of moat's start-up; the binary on disk keeps them.  Anything
 * unexpected: the whole file. */
static off_t loaded_size(int fd, off_t size)
{
	Elf64_Ehdr eh;
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 ||
	    eh.e_phnum > 64)
		return size;
	Elf64_Phdr ph[64];
	size_t len = eh.e_phnum * sizeof(Elf64_Phdr);
	if (pread(fd, ph, len, (off_t)eh.e_phoff) != (ssize_t)len)
		return size;
	uint64_t end = eh.e_phoff + len;
	for (int i = 0; i < eh.e_phnum; i++)
		if (ph[i].p_offset + ph[i].p_filesz > end)
			end = ph[i].p_offset + ph[i].p_filesz;
	return end > 0 && end <= (uint64_t)size ? (off_t)end : size;
}

int ensure_cloned_binary(char **argv, struct moat_err *err)
{
	int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return moat_fail_errno(err, errno, "open /proc/self/exe");
	int seals = fcntl(self, F_GET_SEALS);
	if (seals >= 0 && (seals & MOAT_SEALS) == MOAT_SEALS) {
		close(self);
		return 0;
	}
	struct stat st;
	if (fstat(self, &st) < 0) {
		int e = errno;
		close(self);
		return moat_fail_errno(err, e, "stat /proc/self/exe");
	}
	int mfd = memfd_create("moat", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0) {
		int e = errno;
		close(self);
		return moat_fail_errno(err, e, "memfd_create");
	}
	off_t off = 0, end = loaded_size(self, st.st_size);
	while (off < end) {
		ssize_t n = sendfile(mfd, self, &off, (size_t)(end - off));
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;
			close(self);
			close(mfd);
			return moat_fail_errno(err, e, "copy moat binary to memfd");
		}
	}
	close(self);
	if (fcntl(mfd, F_ADD_SEALS, MOAT_SEALS) < 0) {
		int e = errno;
		close(mfd);
		return moat_fail_errno(err, e, "seal moat binary copy");
	}
	fexecve(mfd, argv, environ);
	int e = errno;
	close(mfd);
	return moat_fail_errno(err, e, "re-execute moat from a sealed copy");
}
