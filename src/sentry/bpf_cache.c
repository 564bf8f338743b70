#include "sentry/bpf_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sentry/table.h"
#include "util/fs.h"
#include "util/kernel_compat.h"


#define MAGIC "moat-sentry-bpf-1"

struct sentry_bpf {
	enum sentry_emulate_mode mode;
	struct sock_filter *table, *args;
	size_t n_table, n_args;
};

/* The cached file: this header, then the two programs. */
struct header {
	char magic[24];
	uint64_t key;
	uint32_t mode;
	uint32_t n_table, n_args;
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Everything the generated programs depend on. */
static uint64_t cache_key(enum sentry_emulate_mode mode)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const struct scmp_version *v = seccomp_version();
	uint32_t m = mode;
	h = fnv(h, MAGIC, sizeof(MAGIC));
	h = fnv(h, &m, sizeof(m));
	if (v) {
		h = fnv(h, &v->major, sizeof(v->major));
		h = fnv(h, &v->minor, sizeof(v->minor));
		h = fnv(h, &v->micro, sizeof(v->micro));
	}
	size_t n;
	const struct sentry_syscall *t = sentry_table(&n);
	for (size_t i = 0; i < n; i++) {
		h = fnv(h, t[i].name, strlen(t[i].name) + 1);
		h = fnv(h, &t[i].action, sizeof(t[i].action));
		h = fnv(h, &t[i].err, sizeof(t[i].err));
		h = fnv(h, &t[i].hot, sizeof(t[i].hot));
		/* the checks, in the words that name every value they compare */
		char **checks = sentry_describe_checks(&t[i]);
		for (char **c = checks; c && *c; c++)
			h = fnv(h, *c, strlen(*c) + 1);
		for (char **c = checks; c && *c; c++)
			free(*c);
		free(checks);
	}
	return h;
}

static int read_cache(const char *path, uint64_t key, enum sentry_emulate_mode mode, struct sentry_bpf *b)
{
	char *data;
	size_t len;
	struct moat_err ignore;
	if (read_file_at(AT_FDCWD, path, 1 << 20, &data, &len, &ignore) < 0)
		return -1;
	struct header h;
	int r = -1;
	if (len < sizeof(h))
		goto out;
	memcpy(&h, data, sizeof(h));
	size_t want = sizeof(h) + ((size_t)h.n_table + h.n_args) * sizeof(struct sock_filter);
	if (memcmp(h.magic, MAGIC, sizeof(MAGIC)) || h.key != key || h.mode != (uint32_t)mode || len != want ||
	    !h.n_table || !h.n_args || h.n_table > BPF_MAXINSNS || h.n_args > BPF_MAXINSNS)
		goto out;
	b->n_table = h.n_table;
	b->n_args = h.n_args;
	b->table = malloc(b->n_table * sizeof(struct sock_filter));
	b->args = malloc(b->n_args * sizeof(struct sock_filter));
	if (!b->table || !b->args)
		goto out;
	memcpy(b->table, data + sizeof(h), b->n_table * sizeof(struct sock_filter));
	memcpy(b->args, data + sizeof(h) + b->n_table * sizeof(struct sock_filter), b->n_args * sizeof(struct sock_filter));
	r = 0;
out:
	free(data);
	return r;
}

static int slurp(int fd, struct sock_filter **prog, size_t *n)
{
	off_t size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % (off_t)sizeof(struct sock_filter))
		return -EINVAL;
	*prog = malloc((size_t)size);
	if (!*prog)
		return -ENOMEM;
	if (pread(fd, *prog, (size_t)size, 0) != size)
		return -EIO;
	*n = (size_t)size / sizeof(struct sock_filter);
	return 0;
}

static int build(enum sentry_emulate_mode mode, struct sentry_bpf *b, struct moat_err *err)
{
	struct sentry_filter *f;
	int r = sentry_filter_build(mode, &f, err);
	if (r < 0)
		return r;
	int tfd = memfd_create("moat-bpf", MFD_CLOEXEC), afd = memfd_create("moat-bpf", MFD_CLOEXEC);
	if (tfd < 0 || afd < 0)
		r = moat_fail_errno(err, errno, "sentry filter: memfd");
	else if ((r = sentry_filter_export(f, tfd, afd, err)) == 0 &&
		 ((r = slurp(tfd, &b->table, &b->n_table)) < 0 || (r = slurp(afd, &b->args, &b->n_args)) < 0))
		r = moat_fail_errno(err, -r, "sentry filter: reading the exported programs");
	if (tfd >= 0)
		close(tfd);
	if (afd >= 0)
		close(afd);
	sentry_filter_free(f);
	return r;
}

static void save(const char *dir, const char *path, uint64_t key, const struct sentry_bpf *b)
{
	struct moat_err ignore;
	if (mkdir_p(dir, 0700, &ignore) < 0)
		return;
	size_t lt = b->n_table * sizeof(struct sock_filter), la = b->n_args * sizeof(struct sock_filter);
	char *buf = malloc(sizeof(struct header) + lt + la);
	if (!buf)
		return;
	struct header h = {.key = key, .mode = b->mode, .n_table = (uint32_t)b->n_table, .n_args = (uint32_t)b->n_args};
	memcpy(h.magic, MAGIC, sizeof(MAGIC));
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), b->table, lt);
	memcpy(buf + sizeof(h) + lt, b->args, la);
	write_file_atomic(path, buf, sizeof(h) + lt + la, 0600, &ignore);
	free(buf);
}

int sentry_bpf_get(enum sentry_emulate_mode mode, const char *cache_dir, struct sentry_bpf **out,
		   struct moat_err *err)
{
	struct sentry_bpf *b = calloc(1, sizeof(*b));
	if (!b)
		return moat_fail_errno(err, ENOMEM, "sentry filter");
	b->mode = mode;
	uint64_t key = cache_key(mode);
	char path[4096] = "";
	if (cache_dir) {
		snprintf(path, sizeof(path), "%s/sentry-%d-%016llx.bpf", cache_dir, (int)mode, (unsigned long long)key);
		if (read_cache(path, key, mode, b) == 0) {
			*out = b;
			return 0;
		}
		free(b->table);
		free(b->args);
		b->table = b->args = NULL;
	}
	int r = build(mode, b, err);
	if (r < 0) {
		sentry_bpf_free(b);
		return r;
	}
	if (cache_dir)
		save(cache_dir, path, key, b);
	*out = b;
	return 0;
}

static long load_one(const struct sock_filter *prog, size_t n, unsigned long flags)
{
	struct sock_fprog fp = {.len = (unsigned short)n, .filter = (struct sock_filter *)prog};
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &fp);
}

int sentry_bpf_load(const struct sentry_bpf *b, int *notify_fd, struct moat_err *err)
{
	*notify_fd = -1;
	bool notify = b->mode != SENTRY_EMULATE_ALLOW;
	unsigned long flags = notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;
	/* 5.19+: a fatal signal to the container does not wait behind a slow handler */
	long fd = notify ? load_one(b->table, b->n_table, flags | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) : -1;
	if (!notify || (fd < 0 && errno == EINVAL))
		fd = load_one(b->table, b->n_table, flags);
	if (fd < 0 && errno == EBUSY)
		return moat_fail(err, EBUSY,
				 "loading the sentry filter: the process already has a user-notify listener (the config's "
				 "seccomp profile uses SCMP_ACT_NOTIFY), and the sentry needs its own");
	if (fd < 0)
		return moat_fail_errno(err, errno, "loading the sentry's table filter");
	if (load_one(b->args, b->n_args, 0) < 0) {
		int e = errno;
		if (notify)
			close((int)fd);
		return moat_fail_errno(err, e, "loading the sentry's argument filter");
	}
	*notify_fd = notify ? (int)fd : -1;
	if (*notify_fd >= 0 && fcntl(*notify_fd, F_SETFD, FD_CLOEXEC) < 0) {
		close(*notify_fd);
		return moat_fail_errno(err, errno, "sentry listener");
	}
	return 0;
}

void sentry_bpf_free(struct sentry_bpf *b)
{
	if (!b)
		return;
	free(b->table);
	free(b->args);
	free(b);
}

#define SELF_MAGIC "moat-self-bpf-1"

struct self_header {
	char magic[24];
	uint64_t key;
	uint32_t n;
};

static uint64_t self_key(const char *const *names, size_t n)
{
	uint64_t h = fnv(0xcbf29ce484222325ULL, SELF_MAGIC, sizeof(SELF_MAGIC));
	const struct scmp_version *v = seccomp_version();
	if (v) {
		h = fnv(h, &v->major, sizeof(v->major));
		h = fnv(h, &v->minor, sizeof(v->minor));
		h = fnv(h, &v->micro, sizeof(v->micro));
	}
	for (size_t i = 0; i < n; i++)
		h = fnv(h, names[i], strlen(names[i]) + 1);
	return h;
}

static int read_self(const char *path, uint64_t key, struct sentry_prog *p)
{
	char *data;
	size_t len;
	struct moat_err ignore;
	if (read_file_at(AT_FDCWD, path, 1 << 20, &data, &len, &ignore) < 0)
		return -1;
	struct self_header h;
	int r = -1;
	if (len >= sizeof(h)) {
		memcpy(&h, data, sizeof(h));
		if (!memcmp(h.magic, SELF_MAGIC, sizeof(SELF_MAGIC)) && h.key == key && h.n && h.n <= BPF_MAXINSNS &&
		    len == sizeof(h) + h.n * sizeof(struct sock_filter) && (p->insns = malloc(len - sizeof(h)))) {
			memcpy(p->insns, data + sizeof(h), len - sizeof(h));
			p->n = h.n;
			r = 0;
		}
	}
	free(data);
	return r;
}

static int build_self(const char *const *names, size_t n, struct sentry_prog *p, struct moat_err *err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!ctx)
		return moat_fail_errno(err, ENOMEM, "self filter");
	int r = 0;
	for (size_t i = 0; r == 0 && i < n; i++) {
		int nr = seccomp_syscall_resolve_name(names[i]);
		if (nr != __NR_SCMP_ERROR)
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	}
	int fd = r == 0 ? memfd_create("moat-bpf", MFD_CLOEXEC) : -1;
	if (r == 0 && fd < 0)
		r = -errno;
	if (r == 0)
		r = seccomp_export_bpf(ctx, fd);
	if (r == 0)
		r = slurp(fd, &p->insns, &p->n);
	if (fd >= 0)
		close(fd);
	seccomp_release(ctx);
	return r < 0 ? moat_fail_errno(err, -r, "building the self filter") : 0;
}

int sentry_bpf_allowlist(const char *const *names, size_t n, const char *cache_dir, struct sentry_prog *out,
			 struct moat_err *err)
{
	*out = (struct sentry_prog){0};
	uint64_t key = self_key(names, n);
	char path[4096];
	if (cache_dir) {
		snprintf(path, sizeof(path), "%s/self-%016llx.bpf", cache_dir, (unsigned long long)key);
		if (read_self(path, key, out) == 0)
			return 0;
	}
	int r = build_self(names, n, out, err);
	if (r < 0) {
		sentry_prog_free(out);
		return r;
	}
	struct moat_err ignore;
	struct self_header h = {.key = key, .n = (uint32_t)out->n};
	memcpy(h.magic, SELF_MAGIC, sizeof(SELF_MAGIC));
	size_t len = out->n * sizeof(struct sock_filter);
	char *buf = cache_dir ? malloc(sizeof(h) + len) : NULL;
	if (buf && mkdir_p(cache_dir, 0700, &ignore) == 0) {
		memcpy(buf, &h, sizeof(h));
		memcpy(buf + sizeof(h), out->insns, len);
		write_file_atomic(path, buf, sizeof(h) + len, 0600, &ignore);
	}
	free(buf);
	return 0;
}

int sentry_prog_load_self(const struct sentry_prog *p)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	long r = load_one(p->insns, p->n, SECCOMP_FILTER_FLAG_TSYNC);
	if (r < 0)
		return -errno;
	/* TSYNC names the thread that could not be synchronized */
	return r > 0 ? -EAGAIN : 0;
}

void sentry_prog_free(struct sentry_prog *p)
{
	free(p->insns);
	*p = (struct sentry_prog){0};
}
