/* AF_PACKET: raw link-layer sockets, the way into CVE-2016-8655,
 * CVE-2017-7308 and CVE-2020-14386.  They need CAP_NET_RAW, which a new user
 * and network namespace grants.  A packet socket is the escape. */
#include "escape.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <sched.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

static int in_userns(void *arg, char *msg, size_t n)
{
	(void)arg;
	int r = enter_userns(CLONE_NEWNET);
	if (r < 0) {
		snprintf(msg, n, "unshare(CLONE_NEWUSER|CLONE_NEWNET): %s", en(-r));
		return 0;
	}
	int s = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (s >= 0) {
		snprintf(msg, n, "AF_PACKET socket created in a new user+net namespace (fd %d)", s);
		return 1;
	}
	snprintf(msg, n, "in a new user+net namespace: %s", en(errno));
	return 0;
}

ATTEMPT(af_packet)
{
	(void)argc;
	(void)argv;
	int s = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (s >= 0)
		escaped("AF_PACKET socket created (fd %d)", s);
	int e = errno;
	char msg[1024];
	if (in_child(in_userns, NULL, msg, sizeof(msg)))
		escaped("%s", msg);
	blocked("socket(AF_PACKET): %s; %s", en(e), msg);
}
