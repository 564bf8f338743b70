/* Device nodes shipped in the image: an image layer may hold device nodes,
 * and the runner's rootfs has some (the host's tty1, kvm, loop-control and
 * root disk, made with the host's numbers), no CAP_MKNOD needed.  The device
 * cgroup is what keeps the container from opening them.  Each is opened
 * read-only (a sector of the disk is read, nothing written); any that opens
 * is the escape.  Args: PATH... */
#include "escape.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

ATTEMPT(image_device_nodes)
{
	struct ev e = {0}, opened = {0};
	for (int i = 0; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) < 0) {
			ev_add(&e, "%s: %s", argv[i], en(errno));
			continue;
		}
		int fd = open(argv[i], O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (fd < 0) {
			ev_add(&e, "open %s (%u:%u): %s", argv[i], major(st.st_rdev), minor(st.st_rdev), en(errno));
			continue;
		}
		if (S_ISBLK(st.st_mode)) {
			char sector[512];
			ssize_t n = read(fd, sector, sizeof(sector));
			ev_add(&opened, "opened %s (%u:%u) and read %zd bytes", argv[i], major(st.st_rdev), minor(st.st_rdev),
			       n);
		} else {
			ev_add(&opened, "opened %s (%u:%u)", argv[i], major(st.st_rdev), minor(st.st_rdev));
		}
		close(fd);
	}
	if (opened.n)
		escaped("%s", opened.s);
	blocked("%s", e.s);
}
