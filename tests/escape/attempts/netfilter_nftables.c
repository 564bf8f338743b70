/* CVE-2022-1015: nf_tables over nfnetlink, reached with CAP_NET_ADMIN over a
 * network namespace (a new user namespace grants it).  nfnetlink refuses
 * every message without that capability (EPERM); any other answer to a
 * NFT_MSG_GETTABLE dump means nf_tables processed it: the escape.  Read-only. */
#include "escape.h"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int dump_tables(char *msg, size_t n, const char *where)
{
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (s < 0) {
		snprintf(msg, n, "%s: socket(NETLINK_NETFILTER): %s", where, en(errno));
		return 0;
	}
	struct timeval tv = {.tv_sec = 2};
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	struct {
		struct nlmsghdr h;
		struct nfgenmsg g;
	} req;
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = sizeof(req);
	req.h.nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETTABLE;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.h.nlmsg_seq = 1;
	req.g.nfgen_family = AF_UNSPEC;
	req.g.version = NFNETLINK_V0;
	struct sockaddr_nl to = {.nl_family = AF_NETLINK};
	if (sendto(s, &req, sizeof(req), 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		snprintf(msg, n, "%s: send: %s", where, en(errno));
		close(s);
		return 0;
	}
	char buf[8192];
	ssize_t got = recv(s, buf, sizeof(buf), 0);
	int e = errno;
	close(s);
	if (got < (ssize_t)sizeof(struct nlmsghdr)) {
		snprintf(msg, n, "%s: recv: %s", where, got < 0 ? en(e) : "short");
		return 0;
	}
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	if (h->nlmsg_type == NLMSG_ERROR) {
		int err = -((struct nlmsgerr *)NLMSG_DATA(h))->error;
		if (err == EPERM || err == EACCES) {
			snprintf(msg, n, "%s: nfnetlink answered %s", where, en(err));
			return 0;
		}
		snprintf(msg, n, "%s: nf_tables processed the request (%s)", where, err ? en(err) : "ack");
		return 1;
	}
	snprintf(msg, n, "%s: nf_tables answered the table dump (message type %u)", where, h->nlmsg_type);
	return 1;
}

static int in_userns(void *arg, char *msg, size_t n)
{
	(void)arg;
	int r = enter_userns(CLONE_NEWNET);
	if (r < 0) {
		snprintf(msg, n, "unshare(CLONE_NEWUSER|CLONE_NEWNET): %s", en(-r));
		return 0;
	}
	return dump_tables(msg, n, "in a new user+net namespace");
}

ATTEMPT(netfilter_nftables)
{
	(void)argc;
	(void)argv;
	char here[512], there[1024];
	if (dump_tables(here, sizeof(here), "in the container"))
		escaped("%s", here);
	if (in_child(in_userns, NULL, there, sizeof(there)))
		escaped("%s", there);
	blocked("%s; %s", here, there);
}
