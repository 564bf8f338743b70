/* Another container's files: the runner starts a second container (its
 * rootfs holds a secret file) and passes the rootfs's host path, the secret
 * and that container's host pid.  Tried: the host path itself, ".." past our
 * root towards it, /proc/HOST_PID/root, and /proc/PID/root of every visible
 * process.  Reading the secret is the escape.
 * Args: ROOTFS SECRET HOST_PID. */
#include "escape.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool try_read(const char *path, const char *secret, struct ev *e, const char *label)
{
	char buf[256];
	ssize_t n = read_file(path, buf, sizeof(buf));
	if (n > 0 && strstr(buf, secret))
		return true;
	ev_add(e, "%s: %s", label, n < 0 ? en((int)-n) : "not the secret");
	return false;
}

ATTEMPT(other_containers)
{
	if (argc < 3)
		blocked("usage: ROOTFS SECRET HOST_PID");
	const char *rootfs = argv[0], *secret = argv[1];
	struct ev e = {0};
	char path[4096];
	snprintf(path, sizeof(path), "%s/secret", rootfs);
	if (try_read(path, secret, &e, "its host path"))
		escaped("read the other container's secret at its host path %s", path);
	snprintf(path, sizeof(path), "/../../../../../../../../../../../..%s/secret", rootfs);
	if (try_read(path, secret, &e, "/../..<its host path>"))
		escaped("read the other container's secret through /..");
	snprintf(path, sizeof(path), "/proc/%s/root/secret", argv[2]);
	if (try_read(path, secret, &e, "/proc/<its host pid>/root"))
		escaped("read the other container's secret through %s", path);
	DIR *d = opendir("/proc");
	struct dirent *de;
	int pids = 0;
	while (d && (de = readdir(d))) {
		if (atoi(de->d_name) <= 0)
			continue;
		pids++;
		snprintf(path, sizeof(path), "/proc/%s/root/secret", de->d_name);
		char buf[256];
		if (read_file(path, buf, sizeof(buf)) > 0 && strstr(buf, secret))
			escaped("read the other container's secret through %s", path);
	}
	if (d)
		closedir(d);
	blocked("%s; /proc/PID/root of the %d visible processes: no secret", e.s, pids);
}
