/* The one error convention of moat.
 *
 * A function that can fail returns 0 on success or a negative errno, and on
 * failure fills a struct moat_err with one human-readable line.  Callers add
 * context with moat_err_prefix() and pass the error up; only the command at the
 * top prints it, once, through the log (util/log.h). */
#ifndef MOAT_UTIL_ERROR_H
#define MOAT_UTIL_ERROR_H

#include <stddef.h>

#define MOAT_ERR_MAX 1024

struct moat_err {
	int code;               /* positive errno of the failure, 0 if none */
	char msg[MOAT_ERR_MAX]; /* one line, no trailing newline */
};

/* Fill err with the formatted message and return -code. */
int moat_fail(struct moat_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* As moat_fail, appending ": strerror(code)". */
int moat_fail_errno(struct moat_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prepend "<prefix>: " to the message already in err; returns -err->code. */
int moat_err_prefix(struct moat_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline void moat_err_clear(struct moat_err *err)
{
	err->code = 0;
	err->msg[0] = '\0';
}

#endif
