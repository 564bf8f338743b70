/* AF_VSOCK: host-guest sockets (CVE-2021-26708 and others); on a VM host it
 * also talks to the hypervisor side.  A vsock socket is the escape. */
#include "escape.h"

#include <linux/vm_sockets.h>
#include <sys/socket.h>
#include <unistd.h>

ATTEMPT(af_vsock)
{
	(void)argc;
	(void)argv;
	int s = socket(AF_VSOCK, SOCK_STREAM, 0);
	if (s >= 0)
		escaped("AF_VSOCK socket created (fd %d)", s);
	blocked("socket(AF_VSOCK): %s", en(errno));
}
