/* The container's /proc and /sys (procfs.h says what and why).  The files
 * served are generated on each open from the container's cgroup, so a
 * `moat update` shows at once; the host's own file is read only for what it
 * says about the machine (the CPU models, the architecture's sizes). */
#include "sentry/procfs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "sentry/call.h"
#include "sentry/sentry_internal.h"
#include "util/fs.h"

/* Helpers ------------------------------------------------------------------ */

/* The line at *p, without its newline; advances *p past it.  false at the end. */
static bool next_line(const char **p, const char **line, size_t *len)
{
	if (!**p)
		return false;
	const char *nl = strchrnul(*p, '\n');
	*line = *p;
	*len = (size_t)(nl - *p);
	*p = *nl ? nl + 1 : nl;
	return true;
}

/* A small file below dirfd, NUL-terminated and malloc'd, or NULL. */
static char *small_file(int dirfd, const char *name)
{
	char *buf = NULL;
	struct moat_err e;
	if (dirfd < 0 || read_file_at(dirfd, name, 1 << 20, &buf, NULL, &e) < 0)
		return NULL;
	return buf;
}

/* A number file; false when absent or not a number ("max": no limit). */
static bool cg_number(int dirfd, const char *name, long long *v)
{
	char *buf = small_file(dirfd, name);
	if (!buf)
		return false;
	char *end;
	*v = strtoll(buf, &end, 10);
	bool ok = end != buf;
	free(buf);
	return ok;
}

/* Memory ------------------------------------------------------------------- */

bool procfs_memory(struct sentry *s, unsigned long long host_total, unsigned long long *total,
		   unsigned long long *used)
{
	long long usage, limit;
	if (!cg_number(s->memcg, s->cg_v2 ? "memory.current" : "memory.usage_in_bytes", &usage) || usage < 0)
		return false;
	*total = host_total;
	/* v2 says "no limit" with "max", v1 with a number above any machine's memory */
	if (cg_number(s->memcg, s->cg_v2 ? "memory.max" : "memory.limit_in_bytes", &limit) && limit > 0 &&
	    (unsigned long long)limit < host_total)
		*total = (unsigned long long)limit;
	*used = (unsigned long long)usage < *total ? (unsigned long long)usage : *total;
	return true;
}

/* The value of "key N" in a memory.stat, 0 when absent. */
static unsigned long long stat_key(const char *stat, const char *key)
{
	size_t n = strlen(key), len;
	const char *p = stat, *line;
	while (p && next_line(&p, &line, &len))
		if (len > n && !strncmp(line, key, n) && line[n] == ' ')
			return strtoull(line + n + 1, NULL, 10);
	return 0;
}

/* meminfo lines the cgroup's memory.stat answers, as the sum of up to two
 * keys: v1's (hierarchical totals, the container's sub-cgroups included) and
 * v2's. */
static const struct {
	const char *line;
	const char *v1[2], *v2[2];
} mem_lines[] = {
	{"Cached", {"total_cache"}, {"file"}},
	{"Active", {"total_active_anon", "total_active_file"}, {"active_anon", "active_file"}},
	{"Inactive", {"total_inactive_anon", "total_inactive_file"}, {"inactive_anon", "inactive_file"}},
	{"Active(anon)", {"total_active_anon"}, {"active_anon"}},
	{"Inactive(anon)", {"total_inactive_anon"}, {"inactive_anon"}},
	{"Active(file)", {"total_active_file"}, {"active_file"}},
	{"Inactive(file)", {"total_inactive_file"}, {"inactive_file"}},
	{"Unevictable", {"total_unevictable"}, {"unevictable"}},
	{"Dirty", {"total_dirty"}, {"file_dirty"}},
	{"Writeback", {"total_writeback"}, {"file_writeback"}},
	{"AnonPages", {"total_rss"}, {"anon"}},
	{"Mapped", {"total_mapped_file"}, {"file_mapped"}},
	{"Shmem", {"total_shmem"}, {"shmem"}},
	{"AnonHugePages", {"total_rss_huge"}, {"anon_thp"}},
	{"Slab", {NULL}, {"slab"}},
	{"SReclaimable", {NULL}, {"slab_reclaimable"}},
	{"SUnreclaim", {NULL}, {"slab_unreclaimable"}},
	{"KernelStack", {NULL}, {"kernel_stack"}},
	{"PageTables", {NULL}, {"pagetables"}},
};

/* Host lines kept as they are: sizes of the architecture, not amounts of the host. */
static const char *const mem_kept[] = {"VmallocTotal", "Hugepagesize"};

static unsigned long long mem_sum(const char *stat, const char *const keys[2])
{
	unsigned long long v = 0;
	for (int i = 0; i < 2 && keys[i]; i++)
		v += stat_key(stat, keys[i]);
	return v;
}

static bool key_is(const char *line, size_t klen, const char *key)
{
	return strlen(key) == klen && !strncmp(line, key, klen);
}

/* The host's lines, in its order and layout, with the container's numbers:
 * totals from the cgroup's limit and usage, the rest from its memory.stat,
 * swap 0 (the host's business, as sysinfo says), and every other amount 0:
 * a line the cgroup cannot answer would otherwise tell the host's. */
static void gen_meminfo(struct call *c, const char *host, FILE *out)
{
	struct sentry *s = c->s;
	unsigned long long total, used;
	const char *mt = strstr(host, "MemTotal:");
	if (!mt || !procfs_memory(s, strtoull(mt + 9, NULL, 10) << 10, &total, &used)) {
		fputs(host, out);
		return;
	}
	char *stat = small_file(s->memcg, "memory.stat");
	const char *file[2] = {s->cg_v2 ? "active_file" : "total_active_file",
			       s->cg_v2 ? "inactive_file" : "total_inactive_file"};
	unsigned long long avail = total - used + mem_sum(stat, file);
	const char *p = host, *line;
	size_t len;
	while (next_line(&p, &line, &len)) {
		const char *colon = memchr(line, ':', len);
		bool kept = !colon;
		for (size_t i = 0; colon && i < sizeof(mem_kept) / sizeof(mem_kept[0]); i++)
			kept |= key_is(line, (size_t)(colon - line), mem_kept[i]);
		if (kept) {
			fprintf(out, "%.*s\n", (int)len, line);
			continue;
		}
		size_t klen = (size_t)(colon - line);
		unsigned long long v = 0;
		if (key_is(line, klen, "MemTotal"))
			v = total;
		else if (key_is(line, klen, "MemFree"))
			v = total - used;
		else if (key_is(line, klen, "MemAvailable"))
			v = avail < total ? avail : total;
		for (size_t i = 0; i < sizeof(mem_lines) / sizeof(mem_lines[0]); i++)
			if (key_is(line, klen, mem_lines[i].line))
				v = mem_sum(stat, s->cg_v2 ? mem_lines[i].v2 : mem_lines[i].v1);
		/* the number in the host's column, its unit after it */
		const char *unit = colon + 1;
		while (*unit == ' ')
			unit++;
		while (isdigit((unsigned char)*unit))
			unit++;
		fprintf(out, "%.*s %*llu%.*s\n", (int)klen + 1, line, (int)(unit - colon) - 2, v >> 10,
			(int)(line + len - unit), unit);
	}
	free(stat);
}

/* CPUs --------------------------------------------------------------------- */

/* The CPUs the container is shown: those of its cpuset, as many as its quota
 * pays for (the first ones, by host number), renumbered from 0. */
struct cpus {
	cpu_set_t set;   /* the cgroup's cpuset, by host number */
	bool any;        /* no cpuset to read: every CPU the host lists */
	long long quota; /* CPUs' worth of time per period, rounded up */
	int taken;       /* how many are shown so far */
};

/* "0-3,8" into set; the number of CPUs. */
static int parse_cpulist(const char *p, cpu_set_t *set)
{
	CPU_ZERO(set);
	for (;;) {
		char *end;
		unsigned long lo = strtoul(p, &end, 10), hi = lo;
		if (end == p)
			break;
		if (*end == '-') {
			p = end + 1;
			hi = strtoul(p, &end, 10);
			if (end == p)
				break;
		}
		for (unsigned long i = lo; i <= hi && i < CPU_SETSIZE; i++)
			CPU_SET(i, set);
		if (*end != ',')
			break;
		p = end + 1;
	}
	return CPU_COUNT(set);
}

static void cpus_of(struct sentry *s, struct cpus *v)
{
	char *list = small_file(s->cpusetcg, s->cg_v2 ? "cpuset.cpus.effective" : "cpuset.effective_cpus");
	v->any = !list || parse_cpulist(list, &v->set) == 0;
	free(list);
	long long quota = -1, period = 0;
	if (s->cg_v2) {
		/* "max 100000" when unlimited */
		char *max = small_file(s->cpucg, "cpu.max");
		if (!max || sscanf(max, "%lld %lld", &quota, &period) != 2)
			quota = -1;
		free(max);
	} else if (!cg_number(s->cpucg, "cpu.cfs_quota_us", &quota) ||
		   !cg_number(s->cpucg, "cpu.cfs_period_us", &period)) {
		quota = -1;
	}
	v->quota = quota > 0 && period > 0 ? (quota + period - 1) / period : LLONG_MAX;
	v->taken = 0;
}

/* Host CPU cpu's number in the container, or -1 when it is not shown.  CPUs
 * are offered in increasing host order. */
static int cpu_take(struct cpus *v, unsigned long cpu)
{
	bool allowed = v->any || (cpu < CPU_SETSIZE && CPU_ISSET(cpu, &v->set));
	return allowed && v->taken < v->quota ? v->taken++ : -1;
}

/* The host's blocks of the CPUs shown, renumbered; the other fields (model,
 * flags, topology) are the machine's and stay. */
static void gen_cpuinfo(struct call *c, const char *host, FILE *out)
{
	struct cpus v;
	cpus_of(c->s, &v);
	bool keep = true; /* what comes before the first block is the machine's */
	const char *p = host, *line;
	size_t len;
	while (next_line(&p, &line, &len)) {
		unsigned long cpu;
		if (sscanf(line, "processor : %lu", &cpu) == 1) {
			int n = cpu_take(&v, cpu);
			keep = n >= 0;
			if (keep)
				fprintf(out, "processor\t: %d\n", n);
		} else if (keep) {
			fprintf(out, "%.*s\n", (int)len, line);
		}
	}
}

#define STAT_COLS 16

static bool is_cpu_line(const char *line)
{
	return !strncmp(line, "cpu", 3) && (line[3] == ' ' || isdigit((unsigned char)line[3]));
}

/* The per-CPU lines of the CPUs shown, renumbered, and the "cpu" line as
 * their sum; the rest (interrupts, context switches, btime, the host's
 * process counts) as the host has it.  The times are the host's on those
 * CPUs, not the container's own use. */
static void gen_stat(struct call *c, const char *host, FILE *out)
{
	struct cpus v;
	cpus_of(c->s, &v);
	char *text = NULL;
	size_t text_len = 0;
	FILE *cpus = open_memstream(&text, &text_len);
	if (!cpus) {
		fputs(host, out);
		return;
	}
	unsigned long long sum[STAT_COLS] = {0};
	int cols = 0;
	const char *p = host, *line;
	size_t len;
	while (next_line(&p, &line, &len)) {
		char *at;
		int n;
		if (!is_cpu_line(line) || line[3] == ' ' || (n = cpu_take(&v, strtoul(line + 3, &at, 10))) < 0)
			continue;
		fprintf(cpus, "cpu%d", n);
		int i;
		for (i = 0; i < STAT_COLS; i++) {
			char *end;
			unsigned long long t = strtoull(at, &end, 10);
			if (end == at)
				break;
			sum[i] += t;
			fprintf(cpus, " %llu", t);
			at = end;
		}
		fputc('\n', cpus);
		cols = i > cols ? i : cols;
	}
	fclose(cpus);
	fputs("cpu ", out);
	for (int i = 0; i < cols; i++)
		fprintf(out, " %llu", sum[i]);
	fputc('\n', out);
	fwrite(text, 1, text_len, out);
	free(text);
	p = host;
	while (next_line(&p, &line, &len))
		if (!is_cpu_line(line))
			fprintf(out, "%.*s\n", (int)len, line);
}

/* online, possible, present: as many CPUs as are shown, from 0. */
static void gen_cpulist(struct call *c, const char *host, FILE *out)
{
	cpu_set_t listed;
	parse_cpulist(host, &listed);
	struct cpus v;
	cpus_of(c->s, &v);
	for (unsigned long cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &listed))
			cpu_take(&v, cpu);
	if (v.taken > 1)
		fprintf(out, "0-%d\n", v.taken - 1);
	else
		fputs("0\n", out);
}

/* Tasks and time ----------------------------------------------------------- */

static bool task_running(struct sentry *s, pid_t tid)
{
	char path[32];
	snprintf(path, sizeof(path), "%d/stat", tid);
	char *stat = small_file(s->procfd, path);
	/* the state follows the name, which is in parentheses and may hold some */
	char *name_end = stat ? strrchr(stat, ')') : NULL;
	bool running = name_end && name_end[1] == ' ' && name_end[2] == 'R';
	free(stat);
	return running;
}

/* Load averages would need the container's run queue sampled over minutes,
 * which nothing keeps: they read 0.00, as sysinfo says.  The task counts are
 * the container's (the tasks of its cgroup, not its sub-cgroups'), and the
 * last pid is the reader's own (the host's newest pid would tell the host's
 * activity). */
static void gen_loadavg(struct call *c, const char *host, FILE *out)
{
	struct sentry *s = c->s;
	char *tasks = small_file(s->pidscg, s->cg_v2 ? "cgroup.threads" : "tasks");
	if (!tasks) {
		fputs(host, out);
		return;
	}
	int running = 0, total = 0;
	const char *p = tasks, *line;
	size_t len;
	while (next_line(&p, &line, &len)) {
		pid_t tid = (pid_t)strtol(line, NULL, 10);
		total++;
		/* the reader waits on the sentry, but as far as it knows it runs */
		running += tid == c->tid || task_running(s, tid);
	}
	free(tasks);
	fprintf(out, "0.00 0.00 0.00 %d/%d %d\n", running, total, c->nspid);
}

/* Since the container started; idle time is not kept per container: 0. */
static void gen_uptime(struct call *c, const char *host, FILE *out)
{
	struct timespec now;
	clock_gettime(CLOCK_BOOTTIME, &now);
	long long ms = (now.tv_sec - c->s->started.tv_sec) * 1000LL + (now.tv_nsec - c->s->started.tv_nsec) / 1000000;
	fprintf(out, "%lld.%02lld 0.00\n", ms / 1000, ms % 1000 / 10);
}

/* The files ---------------------------------------------------------------- */

/* compared by address in learn() and procfs_view() */
static const char proc_dir[] = "/proc", cpu_dir[] = "/sys/devices/system/cpu";

typedef void (*gen_fn)(struct call *c, const char *host, FILE *out);

static const struct {
	const char *dir, *name;
	gen_fn gen; /* NULL: read as empty */
} files[] = {
	{proc_dir, "meminfo", gen_meminfo},
	{proc_dir, "cpuinfo", gen_cpuinfo},
	{proc_dir, "stat", gen_stat},
	{proc_dir, "loadavg", gen_loadavg},
	{proc_dir, "uptime", gen_uptime},
	{cpu_dir, "online", gen_cpulist},
	{cpu_dir, "possible", gen_cpulist},
	{cpu_dir, "present", gen_cpulist},
	/* the kernel's memory, symbols and timers, the host's keys and pages;
	 * sysrq-trigger acts on the host */
	{proc_dir, "kcore", NULL},
	{proc_dir, "kallsyms", NULL},
	{proc_dir, "sched_debug", NULL},
	{proc_dir, "timer_list", NULL},
	{proc_dir, "timer_stats", NULL},
	{proc_dir, "sysrq-trigger", NULL},
	{proc_dir, "keys", NULL},
	{proc_dir, "key-users", NULL},
	{proc_dir, "latency_stats", NULL},
	{proc_dir, "kpagecount", NULL},
	{proc_dir, "kpageflags", NULL},
	{proc_dir, "kpagecgroup", NULL},
	{proc_dir, "vmallocinfo", NULL},
};
_Static_assert(sizeof(files) / sizeof(files[0]) == PROCFS_FILES, "PROCFS_FILES counts the files");

/* Inode numbers from the directory listing, not stat: a file covered by a
 * mount (lxcfs, or a runtime's masked path when moat itself runs in a
 * container) is listed with the inode of the procfs or sysfs file below. */
static void learn(struct sentry *s, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	/* /proc lists its files first, then the processes */
	while ((e = readdir(d)) && !isdigit((unsigned char)e->d_name[0]))
		for (size_t i = 0; i < PROCFS_FILES; i++)
			if (files[i].dir == dir && !strcmp(e->d_name, files[i].name))
				s->procfs_ino[i] = e->d_ino;
	closedir(d);
}

void procfs_init(struct sentry *s)
{
	/* 0 for a file this kernel lacks: the container cannot open it either */
	memset(s->procfs_ino, 0, sizeof(s->procfs_ino));
	learn(s, proc_dir);
	learn(s, cpu_dir);
	/* A time namespace (linux.timeOffsets) moves the container's boot: its
	 * uptime starts that much earlier, as the kernel's would. */
	char path[48];
	snprintf(path, sizeof(path), "%d/timens_offsets", s->init);
	char *offsets = small_file(s->procfd, path);
	const char *p = offsets, *line;
	size_t len;
	long long secs, nsecs;
	while (p && next_line(&p, &line, &len))
		if (sscanf(line, "boottime %lld %lld", &secs, &nsecs) == 2) {
			long long ns = s->started.tv_nsec - nsecs;
			s->started.tv_sec -= secs + (ns < 0);
			s->started.tv_nsec = ns < 0 ? ns + 1000000000 : ns;
		}
	free(offsets);
}

/* text as a sealed memfd, on a read-only descriptor of its own. */
static int sealed(struct sentry *s, const char *name, const char *text, size_t len)
{
	int m = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (m < 0)
		return -errno;
	int r = write_all(m, text, len);
	if (r == 0 && fcntl(m, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
		r = -errno;
	if (r == 0) {
		char path[32];
		snprintf(path, sizeof(path), "self/fd/%d", m);
		if ((r = openat(s->procfd, path, O_RDONLY | O_CLOEXEC)) < 0)
			r = -errno;
	}
	close(m);
	return r;
}

/* The container's version of files[i], in place of fd. */
static int serve(struct call *c, int fd, size_t i)
{
	char *host = NULL;
	if (files[i].gen) {
		char path[32];
		snprintf(path, sizeof(path), "self/fd/%d", fd);
		struct moat_err e;
		int r = read_file_at(c->s->procfd, path, 16 << 20, &host, NULL, &e);
		if (r < 0) {
			close(fd);
			return r;
		}
	}
	close(fd);
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	int r = -ENOMEM;
	if (out) {
		if (files[i].gen)
			files[i].gen(c, host, out);
		r = fclose(out) == 0 ? sealed(c->s, files[i].name, text, len) : -ENOMEM;
	}
	free(text);
	free(host);
	return r;
}

static bool under(const char *path, const char *dir)
{
	return !strncmp(path, dir, strlen(dir));
}

/* /proc/<pid>/mem or /proc/<pid>/task/<tid>/mem, wherever procfs is. */
static bool is_mem(const char *path)
{
	const char *last = strrchr(path, '/');
	if (!last || strcmp(last, "/mem") != 0)
		return false;
	const char *p = last;
	while (p > path && isdigit((unsigned char)p[-1]))
		p--;
	return p < last && p > path && p[-1] == '/';
}

static int refuse(int fd)
{
	close(fd);
	return -EACCES;
}

int procfs_view(struct call *c, int fd, int flags)
{
	struct sentry *s = c->s;
	/* O_PATH reads and writes nothing, and a reopen of it comes back here */
	if (flags & O_PATH)
		return fd;
	struct statfs fs;
	if (fstatfs(fd, &fs) < 0) {
		close(fd);
		return -EIO;
	}
	if (fs.f_type != PROC_SUPER_MAGIC && fs.f_type != SYSFS_MAGIC)
		return fd;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return -EIO;
	}
	if (!S_ISREG(st.st_mode))
		return fd;
	bool proc = fs.f_type == PROC_SUPER_MAGIC;
	bool writing = (flags & O_ACCMODE) != O_RDONLY;
	for (size_t i = 0; i < PROCFS_FILES; i++)
		if (s->procfs_ino[i] && st.st_ino == s->procfs_ino[i] && proc == (files[i].dir == proc_dir))
			return writing ? refuse(fd) : serve(c, fd, i);
	if (proc && !writing)
		return fd;
	/* the file's path in the container: the sentry's root is the container's */
	char link[32], path[PATH_MAX];
	snprintf(link, sizeof(link), "self/fd/%d", fd);
	ssize_t n = readlinkat(s->procfd, link, path, sizeof(path) - 1);
	if (n < 0) {
		close(fd);
		return -EIO;
	}
	path[n] = '\0';
	if (proc)
		return under(path, "/proc/sys/") || is_mem(path) ? refuse(fd) : fd;
	if (!under(path, "/sys/kernel/") && !under(path, "/sys/firmware/"))
		return fd;
	if (writing)
		return refuse(fd);
	/* read by allocators and language runtimes, and a policy rather than
	 * anything about the host */
	if (under(path, "/sys/kernel/mm/transparent_hugepage/"))
		return fd;
	close(fd);
	return sealed(s, "empty", "", 0);
}
