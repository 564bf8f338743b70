#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_fd_ = -1;
static bool json_;
static bool debug_;

int log_init(const char *path, const char *format, bool debug)
{
	debug_ = debug;
	json_ = format && strcmp(format, "json") == 0;
	if (format && !json_ && strcmp(format, "text") != 0)
		return -EINVAL;
	if (path && *path) {
		int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return -errno;
		log_fd_ = fd;
	}
	return 0;
}

bool log_debug_enabled(void)
{
	return debug_;
}

int log_fd(void)
{
	return log_fd_;
}

static const char *level_name(enum log_level l)
{
	switch (l) {
	case LOG_ERROR:
		return "error";
	case LOG_WARN:
		return "warning";
	case LOG_INFO:
		return "info";
	default:
		return "debug";
	}
}

/* Escape for both logrus text (inside "...") and JSON strings: the same rules suffice. */
static size_t escape(char *out, size_t cap, const char *in)
{
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)in; *p && o + 7 < cap; p++) {
		if (*p == '"' || *p == '\\') {
			out[o++] = '\\';
			out[o++] = (char)*p;
		} else if (*p == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (*p < 0x20) {
			o += (size_t)snprintf(out + o, cap - o, "\\u%04x", *p);
		} else {
			out[o++] = (char)*p;
		}
	}
	out[o] = '\0';
	return o;
}

static void emit(enum log_level level, const char *msg)
{
	char ts[64], esc[4096], line[4352];
	struct timespec now;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	escape(esc, sizeof(esc), msg);
	int n;
	if (json_)
		n = snprintf(line, sizeof(line), "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s\"}\n",
			     level_name(level), esc, ts);
	else
		n = snprintf(line, sizeof(line), "time=\"%s\" level=%s msg=\"%s\"\n", ts, level_name(level), esc);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 1;
	int fd = log_fd_ >= 0 ? log_fd_ : STDERR_FILENO;
	ssize_t w = write(fd, line, (size_t)n);
	(void)w;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	emit(level, msg);
}

void log_fatal(const char *msg)
{
	emit(LOG_ERROR, msg);
	if (log_fd_ >= 0)
		dprintf(STDERR_FILENO, "%s\n", msg);
}
