/* CVE-2021-22555: the x_tables setsockopt/getsockopt handlers (IPT_SO_*),
 * reached with CAP_NET_ADMIN over a network namespace, which a new user
 * namespace grants.  IPT_SO_GET_INFO answering anything but EPERM means the
 * handler ran past its capability check: the escape.  Read-only. */
#include "escape.h"

#include <netinet/in.h>
/* after netinet/in.h, whose definitions linux/in.h then skips */
#include <linux/netfilter_ipv4/ip_tables.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int get_info(char *msg, size_t n, const char *where)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0) {
		snprintf(msg, n, "%s: socket: %s", where, en(errno));
		return 0;
	}
	struct ipt_getinfo info;
	memset(&info, 0, sizeof(info));
	strcpy(info.name, "filter");
	socklen_t len = sizeof(info);
	int r = getsockopt(s, SOL_IP, IPT_SO_GET_INFO, &info, &len);
	int e = errno;
	close(s);
	if (r == 0) {
		snprintf(msg, n, "%s: IPT_SO_GET_INFO answered (table filter, %u entries)", where, info.num_entries);
		return 1;
	}
	if (e != EPERM && e != ENOPROTOOPT && e != ENOSYS && e != EACCES) {
		snprintf(msg, n, "%s: IPT_SO_GET_INFO reached the x_tables handler (%s)", where, en(e));
		return 1;
	}
	snprintf(msg, n, "%s: IPT_SO_GET_INFO: %s", where, en(e));
	return 0;
}

static int in_userns(void *arg, char *msg, size_t n)
{
	(void)arg;
	int r = enter_userns(CLONE_NEWNET);
	if (r < 0) {
		snprintf(msg, n, "unshare(CLONE_NEWUSER|CLONE_NEWNET): %s", en(-r));
		return 0;
	}
	return get_info(msg, n, "in a new user+net namespace");
}

ATTEMPT(netfilter_iptables)
{
	(void)argc;
	(void)argv;
	char here[512], there[1024];
	if (get_info(here, sizeof(here), "in the container"))
		escaped("%s", here);
	if (in_child(in_userns, NULL, there, sizeof(there)))
		escaped("%s", there);
	blocked("%s; %s", here, there);
}
