/* Logging in runc's format, which containerd and podman parse.
 *
 * Text:  time="2026-01-02T03:04:05Z" level=error msg="..."
 * JSON:  {"level":"error","msg":"...","time":"2026-01-02T03:04:05Z"}
 *
 * Without --log, records go to stderr.  With --log FILE they are appended to
 * FILE, and a fatal error is also printed plainly on stderr (as runc does), so
 * a person at a terminal still sees it. */
#ifndef MOAT_UTIL_LOG_H
#define MOAT_UTIL_LOG_H

#include <stdbool.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* path may be NULL (stderr); format is "text" or "json". Returns 0 or -errno. */
int log_init(const char *path, const char *format, bool debug);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool log_debug_enabled(void);
/* Print a command's fatal error: to the log, and to stderr if the log is a file. */
void log_fatal(const char *msg);
/* The fd of the log file (close-on-exec), or -1 when logging to stderr. */
int log_fd(void);

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)                          \
	do {                                    \
		if (log_debug_enabled())        \
			log_msg(LOG_DEBUG, __VA_ARGS__); \
	} while (0)

#endif
