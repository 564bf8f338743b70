#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>

static int vfail(struct moat_err *err, int code, int with_errno, const char *fmt, va_list ap)
{
	if (code <= 0)
		code = code < 0 ? -code : EIO;
	err->code = code;
	int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	if (with_errno && n >= 0 && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s", strerror(code));
	return -code;
}

int moat_fail(struct moat_err *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vfail(err, code, 0, fmt, ap);
	va_end(ap);
	return r;
}

int moat_fail_errno(struct moat_err *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vfail(err, code, 1, fmt, ap);
	va_end(ap);
	return r;
}

int moat_err_prefix(struct moat_err *err, const char *fmt, ...)
{
	char prefix[MOAT_ERR_MAX / 2];
	char old[MOAT_ERR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* the message is cut, never overflows */
	int n = snprintf(err->msg, sizeof(err->msg), "%s: ", prefix);
	if (n > 0 && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, "%.*s", (int)(sizeof(err->msg) - (size_t)n - 1), old);
	if (err->code <= 0)
		err->code = EIO;
	return -err->code;
}
