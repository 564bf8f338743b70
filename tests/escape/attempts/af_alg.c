/* AF_ALG: the kernel crypto API as sockets, open to every user and the way
 * into CVE-2015-8970, CVE-2017-17805 and others.  A bound hash socket is the
 * escape. */
#include "escape.h"

#include <linux/if_alg.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

ATTEMPT(af_alg)
{
	(void)argc;
	(void)argv;
	int s = socket(AF_ALG, SOCK_SEQPACKET, 0);
	if (s < 0)
		blocked("socket(AF_ALG): %s", en(errno));
	struct sockaddr_alg sa;
	memset(&sa, 0, sizeof(sa));
	sa.salg_family = AF_ALG;
	strcpy((char *)sa.salg_type, "hash");
	strcpy((char *)sa.salg_name, "sha256");
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		escaped("AF_ALG socket created (fd %d); bind sha256: %s", s, en(errno));
	escaped("AF_ALG socket created and bound to hash/sha256");
}
