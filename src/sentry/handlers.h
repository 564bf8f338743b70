/* The sentry's syscall handlers, one file per family (as gVisor's
 * pkg/sentry/syscalls): handlers_system.c, handlers_files.c. */
#ifndef MOAT_SENTRY_HANDLERS_H
#define MOAT_SENTRY_HANDLERS_H

#include "sentry/call.h"

void handle_uname(struct call *c);
void handle_sysinfo(struct call *c);

void handle_open(struct call *c);
void handle_openat(struct call *c);
void handle_openat2(struct call *c);
void handle_creat(struct call *c);
void handle_stat(struct call *c);
void handle_lstat(struct call *c);
void handle_newfstatat(struct call *c);
void handle_statx(struct call *c);
void handle_access(struct call *c);
void handle_faccessat(struct call *c);
void handle_faccessat2(struct call *c);
void handle_readlink(struct call *c);
void handle_readlinkat(struct call *c);

#endif
