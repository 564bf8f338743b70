/* add_key: adding a key reaches the key type parsers (CVE-2016-0728 and
 * others).  A key in the process keyring, which dies with the process, is
 * the escape. */
#include "escape.h"

#include <linux/keyctl.h>
#include <sys/syscall.h>
#include <unistd.h>

ATTEMPT(add_key)
{
	(void)argc;
	(void)argv;
	long id = syscall(SYS_add_key, "user", "moat-escape-probe", "x", 1, KEY_SPEC_PROCESS_KEYRING);
	if (id >= 0)
		escaped("add_key(\"user\") into the process keyring = key %ld", id);
	blocked("add_key: %s", en(errno));
}
