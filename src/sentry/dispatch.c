/* Which handler serves which syscall: the only place that says so. */
#include <stddef.h>
#include <sys/syscall.h>

#include "sentry/call.h"
#include "sentry/handlers.h"

static const struct {
	int nr;
	handler_fn fn;
} handlers[] = {
	{SYS_uname, handle_uname},
	{SYS_sysinfo, handle_sysinfo},
	{SYS_open, handle_open},
	{SYS_openat, handle_openat},
	{SYS_openat2, handle_openat2},
	{SYS_creat, handle_creat},
	{SYS_stat, handle_stat},
	{SYS_lstat, handle_lstat},
	{SYS_newfstatat, handle_newfstatat},
	{SYS_statx, handle_statx},
	{SYS_access, handle_access},
	{SYS_faccessat, handle_faccessat},
	{SYS_faccessat2, handle_faccessat2},
	{SYS_readlink, handle_readlink},
	{SYS_readlinkat, handle_readlinkat},
};

handler_fn sentry_handler(int nr)
{
	for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
		if (handlers[i].nr == nr)
			return handlers[i].fn;
	return NULL;
}
