#include "util/cloned_binary.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>


#define MOAT_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

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
	off_t off = 0;
	while (off < st.st_size) {
		ssize_t n = sendfile(mfd, self, &off, (size_t)(st.st_size - off));
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
