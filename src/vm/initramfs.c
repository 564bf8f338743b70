/* The guest's boot files: the host's kernel image (decompressed, where it
 * can boot that way) and an initramfs of moat's own, a newc cpio holding the static agent as /init, the kernel modules the
 * agent needs (with their dependencies, resolved from modules.dep), the list
 * of those modules in load order (/modules) and /dev/console (so the kernel
 * gives PID 1 a stdio on the console). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <lzma.h>

#include "util/fs.h"
#include "vm/vm.h"

/* What the agent needs: the 9p filesystem over virtio, on the PCI transport. */
static const char *const wanted[] = {"9p", "9pnet_virtio", "virtio_pci", NULL};

#define MAX_MODULES 64
#define INITRAMFS_FORMAT "moat-initramfs-1"

struct modules {
	char *path[MAX_MODULES]; /* relative to /lib/modules/<release>, in load order */
	size_t n;
};

/* The module name of a modules.dep path: basename without ".ko", '-' as '_'. */
static void module_name(const char *path, char *name, size_t size)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	snprintf(name, size, "%s", base);
	char *dot = strstr(name, ".ko");
	if (dot)
		*dot = '\0';
	for (char *p = name; *p; p++)
		if (*p == '-')
			*p = '_';
}

/* The modules.dep line of module name, as a pointer into dep (NUL-terminated
 * at the line's end by the caller's copy), or NULL. */
static char *dep_line(char *dep, const char *name)
{
	char n[256];
	for (char *line = dep; line && *line;) {
		char *next = strchr(line, '\n');
		char *colon = strchr(line, ':');
		if (colon && (!next || colon < next)) {
			char path[512];
			size_t len = (size_t)(colon - line);
			if (len < sizeof(path)) {
				memcpy(path, line, len);
				path[len] = '\0';
				module_name(path, n, sizeof(n));
				if (!strcmp(n, name))
					return line;
			}
		}
		line = next ? next + 1 : NULL;
	}
	return NULL;
}

static bool builtin(const char *builtins, const char *name)
{
	char n[256];
	for (const char *line = builtins; line && *line;) {
		const char *next = strchr(line, '\n');
		size_t len = next ? (size_t)(next - line) : strlen(line);
		char path[512];
		if (len < sizeof(path)) {
			memcpy(path, line, len);
			path[len] = '\0';
			module_name(path, n, sizeof(n));
			if (!strcmp(n, name))
				return true;
		}
		line = next ? next + 1 : NULL;
	}
	return false;
}

static bool have(const struct modules *m, const char *path)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->path[i], path))
			return true;
	return false;
}

/* Depth first: a module's dependencies, then the module (virtio_ring before
 * virtio before virtio_pci). */
static int add_module(char *dep, const char *name, struct modules *m, int depth, struct moat_err *err)
{
	if (depth > 16)
		return moat_fail(err, ELOOP, "modules.dep: dependency chain of %s too deep", name);
	char *line = dep_line(dep, name);
	if (!line)
		return moat_fail(err, ENOENT, "module %s is neither in modules.dep nor built in", name);
	char *end = strchr(line, '\n');
	size_t len = end ? (size_t)(end - line) : strlen(line);
	char *copy = strndup(line, len);
	if (!copy)
		return moat_fail_errno(err, ENOMEM, "modules");
	char *colon = strchr(copy, ':');
	*colon = '\0';
	int r = 0;
	if (strstr(copy, ".ko") && strcmp(strstr(copy, ".ko"), ".ko")) {
		r = moat_fail(err, ENOTSUP, "module %s is compressed; the guest agent loads only plain .ko files", copy);
		goto out;
	}
	char *save = NULL;
	for (char *d = strtok_r(colon + 1, " \t", &save); d; d = strtok_r(NULL, " \t", &save)) {
		char n[256];
		module_name(d, n, sizeof(n));
		if ((r = add_module(dep, n, m, depth + 1, err)) < 0)
			goto out;
	}
	if (!have(m, copy)) {
		if (m->n == MAX_MODULES) {
			r = moat_fail(err, E2BIG, "more than %d modules to load", MAX_MODULES);
			goto out;
		}
		m->path[m->n++] = copy;
		copy = NULL;
	}
out:
	free(copy);
	return r;
}

static void modules_free(struct modules *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->path[i]);
	m->n = 0;
}

static int resolve_modules(const char *moddir, struct modules *m, struct moat_err *err)
{
	char path[PATH_MAX + 32], *dep = NULL, *builtins = NULL;
	snprintf(path, sizeof(path), "%s/modules.dep", moddir);
	int r = read_file_at(AT_FDCWD, path, 16u << 20, &dep, NULL, err);
	if (r < 0)
		return moat_err_prefix(err, "guest kernel modules");
	snprintf(path, sizeof(path), "%s/modules.builtin", moddir);
	struct moat_err ignored;
	if (read_file_at(AT_FDCWD, path, 16u << 20, &builtins, NULL, &ignored) < 0)
		builtins = NULL;
	for (const char *const *w = wanted; *w && r == 0; w++)
		if (!builtins || !builtin(builtins, *w))
			r = add_module(dep, *w, m, 0, err);
	free(dep);
	free(builtins);
	if (r < 0)
		modules_free(m);
	return r;
}

static int newest_kernel(char *out, size_t size, struct moat_err *err)
{
	DIR *d = opendir("/boot");
	if (!d)
		return moat_fail_errno(err, errno, "vm: no guest kernel: open /boot");
	char best[NAME_MAX + 1] = "";
	struct dirent *e;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "vmlinuz-", 8) && (!best[0] || strverscmp(e->d_name, best) > 0))
			snprintf(best, sizeof(best), "%s", e->d_name);
	closedir(d);
	if (!best[0])
		return moat_fail(err, ENOENT, "vm: no guest kernel: no /boot/vmlinuz-* (install linux-image-amd64, "
					      "or set MOAT_VM_KERNEL)");
	snprintf(out, size, "/boot/%s", best);
	return 0;
}

int vm_find_kernel(struct vm_boot *b, struct moat_err *err)
{
	const char *env = getenv("MOAT_VM_KERNEL");
	struct utsname u;
	if (env && env[0]) {
		snprintf(b->kernel, sizeof(b->kernel), "%s", env);
	} else {
		uname(&u);
		snprintf(b->kernel, sizeof(b->kernel), "/boot/vmlinuz-%s", u.release);
		int r;
		if (access(b->kernel, R_OK) < 0 && (r = newest_kernel(b->kernel, sizeof(b->kernel), err)) < 0)
			return r;
	}
	const char *base = strrchr(b->kernel, '/');
	base = base ? base + 1 : b->kernel;
	if (strncmp(base, "vmlinuz-", 8) || !base[8])
		return moat_fail(err, EINVAL, "vm: guest kernel %s is not named vmlinuz-<release>", b->kernel);
	snprintf(b->release, sizeof(b->release), "%s", base + 8);
	if (access(b->kernel, R_OK) < 0)
		return moat_fail_errno(err, errno, "vm: guest kernel %s", b->kernel);
	return 0;
}

/* The directory of the moat binary that was run: /proc/self/exe names the
 * sealed copy moat re-executes from (util/cloned_binary.c), so this goes by
 * argv[0], searched in PATH when it has no slash, as the shell did. */
static bool moat_dir(char *out, size_t size)
{
	char *cmd = NULL;
	size_t len = 0;
	struct moat_err ignored;
	if (read_file_at(AT_FDCWD, "/proc/self/cmdline", 1u << 16, &cmd, &len, &ignored) < 0)
		return false;
	bool found = false;
	if (len && strchr(cmd, '/')) {
		found = realpath(cmd, out) != NULL;
	} else if (len) {
		const char *path = getenv("PATH");
		char *dirs = strdup(path ? path : "/usr/local/bin:/usr/bin:/bin"), *save = NULL;
		for (char *d = dirs ? strtok_r(dirs, ":", &save) : NULL; d && !found; d = strtok_r(NULL, ":", &save)) {
			char full[PATH_MAX];
			if ((size_t)snprintf(full, sizeof(full), "%s/%s", d, cmd) < sizeof(full) && access(full, X_OK) == 0)
				found = realpath(full, out) != NULL;
		}
		free(dirs);
	}
	free(cmd);
	char *slash = found ? strrchr(out, '/') : NULL;
	if (slash)
		*slash = '\0';
	return slash != NULL && size >= PATH_MAX;
}

/* The agent: $MOAT_VM_AGENT, else moat-agent next to the moat binary (the
 * build tree), else the installed one. */
static int find_agent(char *out, size_t size, struct moat_err *err)
{
	const char *env = getenv("MOAT_VM_AGENT");
	if (env && env[0]) {
		snprintf(out, size, "%s", env);
		return access(out, R_OK) == 0 ? 0 : moat_fail_errno(err, errno, "vm: guest agent %s", out);
	}
	char dir[PATH_MAX];
	if (moat_dir(dir, sizeof(dir)) && (size_t)snprintf(out, size, "%s/moat-agent", dir) < size &&
	    access(out, R_OK) == 0)
		return 0;
	snprintf(out, size, "%s/moat-agent", MOAT_LIBEXECDIR);
	if (access(out, R_OK) == 0)
		return 0;
	return moat_fail(err, ENOENT, "vm: guest agent moat-agent not found next to moat nor in %s (set MOAT_VM_AGENT)",
			 MOAT_LIBEXECDIR);
}

static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
	const uint8_t *p = data;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t fnv_stat(uint64_t h, const char *path)
{
	struct stat st;
	if (stat(path, &st) == 0) {
		h = fnv(h, &st.st_size, sizeof(st.st_size));
		h = fnv(h, &st.st_mtim, sizeof(st.st_mtim));
	}
	return fnv(h, path, strlen(path));
}

/* newc cpio ------------------------------------------------------------- */

struct cpio {
	FILE *f;
	unsigned ino;
};

static int cpio_entry(struct cpio *c, const char *name, mode_t mode, unsigned rmaj, unsigned rmin, const void *data,
		      size_t len)
{
	size_t namesize = strlen(name) + 1;
	static const char zeros[4] = {0};
	if (fprintf(c->f, "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X", ++c->ino, (unsigned)mode, 0u,
		    0u, 1u, 0u, len, 0u, 0u, rmaj, rmin, namesize, 0u) < 0 ||
	    fwrite(name, 1, namesize, c->f) != namesize)
		return -EIO;
	/* header (110 bytes) plus name, then data, each padded to 4 bytes */
	if (fwrite(zeros, 1, (4 - (110 + namesize) % 4) % 4, c->f) != (4 - (110 + namesize) % 4) % 4)
		return -EIO;
	if (len && fwrite(data, 1, len, c->f) != len)
		return -EIO;
	if (fwrite(zeros, 1, (4 - len % 4) % 4, c->f) != (4 - len % 4) % 4)
		return -EIO;
	return 0;
}

static int cpio_file(struct cpio *c, const char *name, const char *src, mode_t mode, struct moat_err *err)
{
	char *data = NULL;
	size_t len = 0;
	int r = read_file_at(AT_FDCWD, src, 256u << 20, &data, &len, err);
	if (r < 0)
		return r;
	r = cpio_entry(c, name, S_IFREG | mode, 0, 0, data, len);
	free(data);
	return r < 0 ? moat_fail_errno(err, -r, "write initramfs") : 0;
}

static int build(const char *path, const char *agent, const char *moddir, const struct modules *m,
		 struct moat_err *err)
{
	char tmp[PATH_MAX + 16];
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return moat_fail_errno(err, errno, "vm: create %s", tmp);
	struct cpio c = {.f = fdopen(fd, "w")};
	if (!c.f) {
		close(fd);
		unlink(tmp);
		return moat_fail_errno(err, ENOMEM, "vm: initramfs");
	}
	char list[MAX_MODULES * 80] = "";
	int r = 0;
	static const char *const dirs[] = {"dev", "proc", "sys", "mnt", "lib", "lib/modules", NULL};
	for (const char *const *d = dirs; *d && r == 0; d++)
		if (cpio_entry(&c, *d, S_IFDIR | 0755, 0, 0, NULL, 0) < 0)
			r = moat_fail_errno(err, EIO, "vm: write initramfs");
	if (r == 0 && cpio_entry(&c, "dev/console", S_IFCHR | 0600, 5, 1, NULL, 0) < 0)
		r = moat_fail_errno(err, EIO, "vm: write initramfs");
	if (r == 0)
		r = cpio_file(&c, "init", agent, 0755, err);
	for (size_t i = 0; i < m->n && r == 0; i++) {
		char src[PATH_MAX * 2], dst[128], name[64];
		const char *base = strrchr(m->path[i], '/');
		module_name(base ? base + 1 : m->path[i], name, sizeof(name));
		snprintf(src, sizeof(src), "%s/%s", moddir, m->path[i]);
		snprintf(dst, sizeof(dst), "lib/modules/%s.ko", name);
		r = cpio_file(&c, dst, src, 0644, err);
		size_t used = strlen(list);
		snprintf(list + used, sizeof(list) - used, "/%s\n", dst);
	}
	if (r == 0 && (cpio_entry(&c, "modules", S_IFREG | 0644, 0, 0, list, strlen(list)) < 0 ||
		       cpio_entry(&c, "TRAILER!!!", 0, 0, 0, NULL, 0) < 0))
		r = moat_fail_errno(err, EIO, "vm: write initramfs");
	if (fclose(c.f) != 0 && r == 0)
		r = moat_fail_errno(err, errno, "vm: write initramfs");
	if (r == 0 && rename(tmp, path) < 0)
		r = moat_fail_errno(err, errno, "vm: rename %s", tmp);
	if (r < 0)
		unlink(tmp);
	return r;
}

/* Under TCG about half of a boot (2 s of 4.5) is the bzImage decompressing
 * itself.  QEMU boots an uncompressed vmlinux directly through its PVH entry
 * point (CONFIG_PVH), so moat decompresses an xz kernel once into the cache.
 * Other kernels boot as they are: *done is false. */
static int decompress_kernel(const struct vm_boot *b, const char *out, bool *done, struct moat_err *err)
{
	char config[PATH_MAX + 300], *text = NULL, *dir = strdup(b->kernel);
	if (!dir)
		return moat_fail_errno(err, ENOMEM, "vm");
	char *slash = strrchr(dir, '/');
	snprintf(config, sizeof(config), "%s/config-%s", slash ? (*slash = '\0', dir) : ".", b->release);
	free(dir);
	struct moat_err ignored;
	*done = false;
	if (read_file_at(AT_FDCWD, config, 16u << 20, &text, NULL, &ignored) < 0)
		return 0;
	bool pvh = strstr(text, "\nCONFIG_PVH=y\n") && strstr(text, "\nCONFIG_KERNEL_XZ=y\n");
	free(text);
	if (!pvh)
		return 0;

	uint8_t *z = NULL;
	size_t zlen = 0;
	int r = read_file_at(AT_FDCWD, b->kernel, 256u << 20, (char **)&z, &zlen, err);
	if (r < 0)
		return r;
	static const uint8_t magic[6] = {0xfd, '7', 'z', 'X', 'Z', 0};
	const uint8_t *xz = memmem(z, zlen, magic, sizeof(magic));
	if (!xz) {
		free(z);
		return 0;
	}
	char tmp[PATH_MAX + 16];
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", out);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		free(z);
		return moat_fail_errno(err, errno, "vm: create %s", tmp);
	}
	/* one xz stream; the bzImage's trailer after it is not ours to read */
	lzma_stream st = LZMA_STREAM_INIT;
	lzma_ret lr = lzma_stream_decoder(&st, UINT64_MAX, 0);
	static uint8_t buf[1 << 20];
	uint64_t total = 0;
	st.next_in = xz;
	st.avail_in = zlen - (size_t)(xz - z);
	while (lr == LZMA_OK) {
		st.next_out = buf;
		st.avail_out = sizeof(buf);
		lr = lzma_code(&st, LZMA_FINISH);
		size_t n = sizeof(buf) - st.avail_out;
		total += n;
		if ((lr == LZMA_OK || lr == LZMA_STREAM_END) && (total > (1ull << 30) || write_all(fd, buf, n) < 0))
			lr = LZMA_BUF_ERROR;
	}
	lzma_end(&st);
	free(z);
	uint8_t elf[4] = {0};
	if (lr != LZMA_STREAM_END || pread(fd, elf, sizeof(elf), 0) != sizeof(elf) || memcmp(elf, "\x7f" "ELF", 4)) {
		close(fd);
		unlink(tmp);
		return moat_fail(err, EIO, "vm: decompress the guest kernel %s: %s", b->kernel,
				 lr == LZMA_STREAM_END ? "not an ELF image" : "bad xz data or over 1 GiB");
	}
	if (close(fd) < 0 || rename(tmp, out) < 0) {
		r = moat_fail_errno(err, errno, "vm: write %s", out);
		unlink(tmp);
		return r;
	}
	*done = true;
	return 0;
}

int vm_boot_files(const char *root, struct vm_boot *b, struct moat_err *err)
{
	char agent[PATH_MAX], moddir[PATH_MAX], cache[PATH_MAX];
	int r;
	if ((r = vm_find_kernel(b, err)) < 0 || (r = find_agent(agent, sizeof(agent), err)) < 0)
		return r;
	snprintf(moddir, sizeof(moddir), "/lib/modules/%s", b->release);
	struct modules m = {.n = 0};
	if ((r = resolve_modules(moddir, &m, err)) < 0)
		return r;

	/* the key: the format, the agent's bytes, the kernel's and each module's
	 * identity (a reinstalled package of the same release changes mtimes) */
	char *bytes = NULL;
	size_t len = 0;
	if ((r = read_file_at(AT_FDCWD, agent, 256u << 20, &bytes, &len, err)) < 0)
		goto out;
	uint64_t h = fnv(0xcbf29ce484222325ull, INITRAMFS_FORMAT, sizeof(INITRAMFS_FORMAT));
	h = fnv(h, bytes, len);
	free(bytes);
	h = fnv_stat(h, b->kernel);
	for (size_t i = 0; i < m.n; i++) {
		char p[PATH_MAX * 2];
		snprintf(p, sizeof(p), "%s/%s", moddir, m.path[i]);
		h = fnv_stat(h, p);
	}
	snprintf(cache, sizeof(cache), "%s/.cache/vm", root);
	if ((r = mkdir_p(cache, 0700, err)) < 0)
		goto out;
	if ((size_t)snprintf(b->initramfs, sizeof(b->initramfs), "%s/initramfs-%s-%016llx.cpio", cache, b->release,
			     (unsigned long long)h) >= sizeof(b->initramfs)) {
		r = moat_fail(err, ENAMETOOLONG, "vm: cache path under %s too long", cache);
		goto out;
	}
	if (access(b->initramfs, R_OK) < 0 && (r = build(b->initramfs, agent, moddir, &m, err)) < 0)
		goto out;

	uint64_t k = fnv_stat(fnv(0xcbf29ce484222325ull, INITRAMFS_FORMAT, sizeof(INITRAMFS_FORMAT)), b->kernel);
	bool done = true;
	if ((size_t)snprintf(b->image, sizeof(b->image), "%s/vmlinux-%016llx", cache, (unsigned long long)k) >=
	    sizeof(b->image)) {
		r = moat_fail(err, ENAMETOOLONG, "vm: cache path under %s too long", cache);
		goto out;
	}
	if (access(b->image, R_OK) < 0 && (r = decompress_kernel(b, b->image, &done, err)) < 0)
		goto out;
	if (!done)
		snprintf(b->image, sizeof(b->image), "%s", b->kernel);
out:
	modules_free(&m);
	return r;
}
