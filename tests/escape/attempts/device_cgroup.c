/* The device cgroup: with CAP_MKNOD (in Docker's default capability set,
 * not in `moat spec`'s) a container can make any device node in its own
 * /dev; the device cgroup is what keeps it from opening the host's devices.
 * Nodes for the host's first virtual console, KVM, the kernel log, loop
 * control and the host's root disk (the runner's MAJ:MIN) are made and
 * opened read-only (never written; a sector of the disk is read).  Any that
 * opens is the escape.  Args: DISK_MAJ DISK_MIN. */
#include "escape.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

ATTEMPT(device_cgroup)
{
	struct {
		const char *name;
		mode_t type;
		unsigned maj, min;
	} devs[] = {
		{"tty1 (host console)", S_IFCHR, 4, 1}, {"kvm", S_IFCHR, 10, 232},	 {"kmsg", S_IFCHR, 1, 11},
		{"loop-control", S_IFCHR, 10, 237},	 {"host disk", S_IFBLK, 0, 0},
	};
	if (argc >= 2) {
		devs[4].maj = (unsigned)atoi(argv[0]);
		devs[4].min = (unsigned)atoi(argv[1]);
	}
	struct ev e = {0}, opened = {0};
	int made = 0;
	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		if (!devs[i].maj)
			continue;
		char path[64];
		snprintf(path, sizeof(path), "/dev/escape-dev%zu", i);
		unlink(path);
		if (mknod(path, devs[i].type | 0600, makedev(devs[i].maj, devs[i].min)) < 0) {
			ev_add(&e, "mknod %s (%u:%u): %s", devs[i].name, devs[i].maj, devs[i].min, en(errno));
			continue;
		}
		made++;
		int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		int err = errno;
		if (fd < 0) {
			ev_add(&e, "open %s (%u:%u): %s", devs[i].name, devs[i].maj, devs[i].min, en(err));
		} else if (devs[i].type == S_IFBLK) {
			char sector[512];
			ssize_t n = read(fd, sector, sizeof(sector));
			ev_add(&opened, "opened the %s (%u:%u) and read %zd bytes", devs[i].name, devs[i].maj, devs[i].min,
			       n);
			close(fd);
		} else {
			ev_add(&opened, "opened %s (%u:%u)", devs[i].name, devs[i].maj, devs[i].min);
			close(fd);
		}
		unlink(path);
	}
	if (opened.n)
		escaped("%s", opened.s);
	blocked("%s%s", e.s, made ? "" : " (no CAP_MKNOD)");
}
