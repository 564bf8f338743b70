/* Path calls: resolved and carried out by the sentry, with the caller's
 * credentials, inside the container's root (the sentry is chrooted there), so
 * a path can only ever name the container's own files.  The path is read once
 * from the caller and the call made with that copy: another thread changing
 * the buffer afterwards changes nothing. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sentry/blocking.h"
#include "sentry/call.h"
#include "sentry/handlers.h"
#include "sentry/procfs.h"
#include "sentry/sentry_internal.h"

struct at {
	int dirfd;   /* AT_FDCWD for absolute paths (the sentry's root is the container's) */
	char path[PATH_MAX];
	mode_t umask;
	bool creds;
};

/* "/proc/self" is the sentry itself to the kernel, and the sentry is not in the
 * container's pid namespace: say the caller's own pid instead. */
static int rewrite_self(struct call *c, char *path, bool follow_last)
{
	static const struct {
		const char *prefix;
		const char *fmt; /* %d: tgid, then tid */
	} links[] = {
		{"/proc/self", "/proc/%1$d"},
		{"/proc/thread-self", "/proc/%1$d/task/%2$d"},
		{"/dev/fd", "/proc/%1$d/fd"},
		{"/dev/stdin", "/proc/%1$d/fd/0"},
		{"/dev/stdout", "/proc/%1$d/fd/1"},
		{"/dev/stderr", "/proc/%1$d/fd/2"},
		/* procfs's own links to self */
		{"/proc/mounts", "/proc/%1$d/mounts"},
		{"/proc/net", "/proc/%1$d/net"},
	};
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		size_t n = strlen(links[i].prefix);
		if (strncmp(path, links[i].prefix, n) != 0 || (path[n] != '\0' && path[n] != '/'))
			continue;
		/* the link itself, not what it points to: readlink, lstat, O_NOFOLLOW */
		if (path[n] == '\0' && !follow_last)
			return 0;
		char out[PATH_MAX];
		int w = snprintf(out, sizeof(out), links[i].fmt, c->nstgid, c->nspid);
		if (w < 0 || (size_t)w + strlen(path + n) >= sizeof(out))
			return -ENAMETOOLONG;
		strcat(out, path + n);
		strcpy(path, out);
		return 0;
	}
	return 0;
}

/* Read the path, find the directory it is relative to, take the caller's creds. */
static int at_begin(struct call *c, int dfd, uint64_t path_addr, bool empty_ok, bool follow_last, struct at *a)
{
	a->dirfd = AT_FDCWD;
	a->creds = false;
	int r = call_read_string(c, path_addr, a->path, sizeof(a->path));
	if (r < 0)
		return r;
	if (!a->path[0] && !empty_ok)
		return -ENOENT;
	/* The caller's directory is taken with the sentry's own rights: reaching
	 * into another process's fd table needs CAP_SYS_PTRACE, which the
	 * caller's credentials would not carry. */
	if (a->path[0] != '/') {
		a->dirfd = call_dirfd(c, dfd);
		if (a->dirfd < 0)
			return a->dirfd;
	}
	if ((r = call_creds_take(c, &a->umask)) < 0) {
		call_creds_drop(c);
		return r;
	}
	a->creds = true;
	return rewrite_self(c, a->path, follow_last);
}

static void at_end(struct call *c, struct at *a)
{
	if (a->creds)
		call_creds_drop(c);
	if (a->dirfd >= 0)
		close(a->dirfd);
}

/* Opens that follow a procfs magic link (the kernel's /proc/<pid>/fd/N,
 * exe, cwd, root) reach whatever the link points to, in or out of the
 * container's root: a host file passed in with --preserve-fds, say.  Allowed:
 * a link as the last component only; fd/N with no more access than that
 * descriptor has (reopening a read-only host file for writing is refused);
 * exe, cwd and root read-only.  Anything else through a magic link is ELOOP,
 * as with RESOLVE_NO_MAGICLINKS. */
static int magic_link_allowed(struct call *c, struct at *a, const struct open_how *how)
{
	(void)c;
	const char *slash = strrchr(a->path, '/');
	if (!slash || slash == a->path)
		return -ELOOP;
	const char *last = slash + 1;
	int want = (int)(how->flags & O_ACCMODE);
	bool writes = want != O_RDONLY || (how->flags & (O_TRUNC | O_CREAT));
	if (!strcmp(last, "exe") || !strcmp(last, "cwd") || !strcmp(last, "root"))
		return writes ? -EACCES : 0;
	char *end;
	long n = strtol(last, &end, 10);
	size_t dirlen = (size_t)(slash - a->path);
	if (*last == '\0' || *end || n < 0 || dirlen < 3 || strncmp(slash - 3, "/fd", 3) != 0)
		return -ELOOP;
	/* the descriptor's own access mode, from fdinfo beside it */
	char info[PATH_MAX];
	int w = snprintf(info, sizeof(info), "%.*sinfo/%ld", (int)dirlen, a->path, n);
	if (w < 0 || (size_t)w >= sizeof(info))
		return -ENAMETOOLONG;
	int fd = openat(a->dirfd, info, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	char buf[256];
	ssize_t len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -EACCES;
	buf[len] = '\0';
	const char *fl = strstr(buf, "flags:");
	if (!fl)
		return -EACCES;
	int has = (int)(strtol(fl + 6, NULL, 8) & O_ACCMODE);
	bool can_read = has == O_RDONLY || has == O_RDWR;
	bool can_write = has == O_WRONLY || has == O_RDWR;
	if ((want == O_RDONLY && !can_read) || (want == O_WRONLY && !can_write) ||
	    (want == O_RDWR && !(can_read && can_write)) || ((how->flags & O_TRUNC) && !can_write))
		return -EACCES;
	return 0;
}

/* Open without ever waiting on another process: a FIFO's open waits for
 * the other end, so when the caller did not ask for O_NONBLOCK the pool in
 * blocking.c does that open while this thread goes back to the listener.
 * The check is a stat, not a trial open: an open, even non-blocking, would
 * count as a reader or writer and release the other end too early.  (A path
 * swapped to a FIFO between the two only stalls its own container.) */
static int open_or_defer(struct call *c, struct at *a, struct open_how *how, bool cloexec)
{
	struct stat st;
	if (!(how->flags & (O_NONBLOCK | O_PATH)) &&
	    fstatat(a->dirfd, a->path, &st, (how->flags & O_NOFOLLOW) ? AT_SYMLINK_NOFOLLOW : 0) == 0 &&
	    S_ISFIFO(st.st_mode)) {
		struct open_how path_only = {.flags = O_PATH | O_CLOEXEC, .resolve = how->resolve | RESOLVE_NO_MAGICLINKS};
		int pfd = (int)syscall(SYS_openat2, a->dirfd, a->path, &path_only, sizeof(path_only));
		if (pfd >= 0)
			close(pfd);
		else if (errno == ELOOP && !(how->resolve & RESOLVE_NO_MAGICLINKS)) {
			int r = magic_link_allowed(c, a, how);
			if (r < 0)
				return r;
		}
		int dirfd = a->dirfd == AT_FDCWD ? open("/", O_PATH | O_DIRECTORY | O_CLOEXEC) : dup(a->dirfd);
		if (dirfd < 0)
			return -errno;
		int r = blocking_open(c, dirfd, a->path, how, cloexec);
		if (r < 0)
			close(dirfd);
		return r;
	}
	struct open_how first = *how;
	first.resolve |= RESOLVE_NO_MAGICLINKS;
	int fd = (int)syscall(SYS_openat2, a->dirfd, a->path, &first, sizeof(first));
	if (fd < 0 && errno == ELOOP && !(how->resolve & RESOLVE_NO_MAGICLINKS)) {
		/* through a magic link: only the ones programs open, within what they grant */
		int r = magic_link_allowed(c, a, how);
		if (r < 0)
			return r;
		fd = (int)syscall(SYS_openat2, a->dirfd, a->path, how, sizeof(*how));
	}
	return fd < 0 ? -errno : fd;
}

static void do_open(struct call *c, int dfd, uint64_t path_addr, uint64_t flags, uint64_t mode, uint64_t resolve)
{
	struct at a;
	int r = at_begin(c, dfd, path_addr, false, !(flags & O_NOFOLLOW), &a);
	int fd = r;
	struct open_how how = {
		.flags = flags | O_CLOEXEC,
		.mode = (flags & (O_CREAT | O_TMPFILE)) ? (mode & 07777 & ~a.umask) : 0,
		.resolve = resolve,
	};
	if (r == 0)
		fd = open_or_defer(c, &a, &how, flags & O_CLOEXEC);
	at_end(c, &a);
	if (c->deferred)
		return;
	/* what the caller gets depends on the file reached, whatever its name */
	if (fd >= 0)
		fd = procfs_view(c, fd, (int)flags);
	if (fd < 0) {
		c->error = -fd;
		return;
	}
	c->addfd = fd;
	c->addfd_flags = (flags & O_CLOEXEC) ? O_CLOEXEC : 0;
}

void handle_open(struct call *c)
{
	do_open(c, AT_FDCWD, CALL_ARG(c, 0), CALL_ARG(c, 1), CALL_ARG(c, 2), 0);
}

void handle_openat(struct call *c)
{
	do_open(c, (int)CALL_ARG(c, 0), CALL_ARG(c, 1), CALL_ARG(c, 2), CALL_ARG(c, 3), 0);
}

void handle_creat(struct call *c)
{
	do_open(c, AT_FDCWD, CALL_ARG(c, 0), O_CREAT | O_WRONLY | O_TRUNC, CALL_ARG(c, 1), 0);
}

void handle_openat2(struct call *c)
{
	struct open_how how;
	size_t size = (size_t)CALL_ARG(c, 3);
	if (size < sizeof(how)) {
		c->error = EINVAL;
		return;
	}
	int r = call_read(c, CALL_ARG(c, 2), &how, sizeof(how));
	if (r < 0) {
		c->error = -r;
		return;
	}
	do_open(c, (int)CALL_ARG(c, 0), CALL_ARG(c, 1), how.flags, how.mode, how.resolve);
}

static void do_stat(struct call *c, int dfd, uint64_t path_addr, uint64_t buf, int flags)
{
	struct at a;
	int r = at_begin(c, dfd, path_addr, flags & AT_EMPTY_PATH, !(flags & AT_SYMLINK_NOFOLLOW), &a);
	struct stat st;
	if (r == 0 && fstatat(a.dirfd, a.path, &st, flags) < 0)
		r = -errno;
	at_end(c, &a);
	if (r == 0)
		r = call_write(c, buf, &st, sizeof(st));
	if (r < 0)
		c->error = -r;
}

void handle_stat(struct call *c)
{
	do_stat(c, AT_FDCWD, CALL_ARG(c, 0), CALL_ARG(c, 1), 0);
}

void handle_lstat(struct call *c)
{
	do_stat(c, AT_FDCWD, CALL_ARG(c, 0), CALL_ARG(c, 1), AT_SYMLINK_NOFOLLOW);
}

void handle_newfstatat(struct call *c)
{
	do_stat(c, (int)CALL_ARG(c, 0), CALL_ARG(c, 1), CALL_ARG(c, 2), (int)CALL_ARG(c, 3));
}

void handle_statx(struct call *c)
{
	struct at a;
	int flags = (int)CALL_ARG(c, 2);
	int r = at_begin(c, (int)CALL_ARG(c, 0), CALL_ARG(c, 1), flags & AT_EMPTY_PATH, !(flags & AT_SYMLINK_NOFOLLOW),
			 &a);
	struct statx stx;
	if (r == 0 && statx(a.dirfd, a.path, flags, (unsigned)CALL_ARG(c, 3), &stx) < 0)
		r = -errno;
	at_end(c, &a);
	if (r == 0)
		r = call_write(c, CALL_ARG(c, 4), &stx, sizeof(stx));
	if (r < 0)
		c->error = -r;
}

static void do_access(struct call *c, int dfd, uint64_t path_addr, int mode, int flags)
{
	struct at a;
	int r = at_begin(c, dfd, path_addr, flags & AT_EMPTY_PATH, !(flags & AT_SYMLINK_NOFOLLOW), &a);
	/* the sentry's creds are already the caller's: AT_EACCESS is what it checks */
	if (r == 0 && faccessat(a.dirfd, a.path, mode, flags | AT_EACCESS) < 0)
		r = -errno;
	at_end(c, &a);
	if (r < 0)
		c->error = -r;
}

void handle_access(struct call *c)
{
	do_access(c, AT_FDCWD, CALL_ARG(c, 0), (int)CALL_ARG(c, 1), 0);
}

void handle_faccessat(struct call *c)
{
	do_access(c, (int)CALL_ARG(c, 0), CALL_ARG(c, 1), (int)CALL_ARG(c, 2), 0);
}

void handle_faccessat2(struct call *c)
{
	do_access(c, (int)CALL_ARG(c, 0), CALL_ARG(c, 1), (int)CALL_ARG(c, 2), (int)CALL_ARG(c, 3));
}

static void do_readlink(struct call *c, int dfd, uint64_t path_addr, uint64_t buf, uint64_t size)
{
	struct at a;
	int r = at_begin(c, dfd, path_addr, true, false, &a);
	char out[PATH_MAX];
	ssize_t n = 0;
	if (r == 0 && (int64_t)size <= 0)
		r = -EINVAL;
	/* procfs answers these from the reader's pid, and the sentry is not in
	 * the container's pid namespace: answer for the caller */
	if (r == 0 && !strcmp(a.path, "/proc/self"))
		n = snprintf(out, sizeof(out), "%d", c->nstgid);
	else if (r == 0 && !strcmp(a.path, "/proc/thread-self"))
		n = snprintf(out, sizeof(out), "%d/task/%d", c->nstgid, c->nspid);
	else if (r == 0 && (n = readlinkat(a.dirfd, a.path, out, sizeof(out))) < 0)
		r = -errno;
	at_end(c, &a);
	if (r == 0) {
		if ((uint64_t)n > size)
			n = (ssize_t)size;
		r = call_write(c, buf, out, (size_t)n);
	}
	if (r < 0)
		c->error = -r;
	else
		c->val = n;
}

void handle_readlink(struct call *c)
{
	do_readlink(c, AT_FDCWD, CALL_ARG(c, 0), CALL_ARG(c, 1), CALL_ARG(c, 2));
}

void handle_readlinkat(struct call *c)
{
	do_readlink(c, (int)CALL_ARG(c, 0), CALL_ARG(c, 1), CALL_ARG(c, 2), CALL_ARG(c, 3));
}
