/* keyctl: kernel keyrings are not namespaced; the user keyring of uid 0 in
 * a container without a user namespace is the host root's.  Getting its id
 * is the escape (nothing is read or added). */
#include "escape.h"

#include <linux/keyctl.h>
#include <sys/syscall.h>
#include <unistd.h>

ATTEMPT(keyctl)
{
	(void)argc;
	(void)argv;
	long id = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0);
	if (id >= 0)
		escaped("keyctl(KEYCTL_GET_KEYRING_ID, user keyring) = %ld: the host's keyring of uid %u", id, getuid());
	blocked("keyctl(KEYCTL_GET_KEYRING_ID): %s", en(errno));
}
