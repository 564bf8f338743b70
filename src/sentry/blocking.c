#include "sentry/blocking.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sentry/procfs.h"
#include "sentry/sentry_internal.h"

/* More waiting opens than this at once is more FIFOs than a container
 * plausibly has; the next one fails with ENFILE rather than wait. */
#define POOL 8

struct job {
	bool busy;      /* taken by a thread */
	bool pending;   /* queued, not yet taken */
	pthread_t thread;
	struct seccomp_notif req;
	int dirfd;
	char path[PATH_MAX];
	struct open_how how;
	unsigned addfd_flags;
};

static struct job jobs[POOL];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work = PTHREAD_COND_INITIALIZER;
static int active;
static int started; /* pool threads running: all must be before the sentry confines itself */

static void interrupted(int sig)
{
	(void)sig; /* only there to make the blocked open return EINTR */
}

static void serve(struct sentry *s, struct job *j)
{
	struct call c = {.s = s, .req = &j->req, .tid = (pid_t)j->req.pid, .addfd = -1};
	mode_t umask_;
	int fd = call_creds_take(&c, &umask_);
	if (fd == 0) {
		fd = (int)syscall(SYS_openat2, j->dirfd, j->path, &j->how, sizeof(j->how));
		if (fd < 0)
			fd = -errno;
	}
	call_creds_drop(&c);
	if (fd >= 0)
		fd = procfs_view(&c, fd, (int)j->how.flags);
	if (fd == -EINTR)
		return; /* the caller gave up: nobody to answer */
	if (fd < 0)
		c.error = -fd;
	else {
		c.addfd = fd;
		c.addfd_flags = j->addfd_flags;
	}
	sentry_answer(s, &c);
}

static void *pool_thread(void *arg)
{
	struct sentry *s = arg;
	pthread_mutex_lock(&lock);
	started++;
	pthread_cond_broadcast(&work);
	pthread_mutex_unlock(&lock);
	for (;;) {
		pthread_mutex_lock(&lock);
		struct job *j = NULL;
		while (!j) {
			for (int i = 0; i < POOL && !j; i++)
				if (jobs[i].pending)
					j = &jobs[i];
			if (!j)
				pthread_cond_wait(&work, &lock);
		}
		j->pending = false;
		j->thread = pthread_self();
		pthread_mutex_unlock(&lock);
		serve(s, j);
		pthread_mutex_lock(&lock);
		close(j->dirfd);
		j->busy = false;
		active--;
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

int blocking_init(struct sentry *s)
{
	struct sigaction sa = {.sa_handler = interrupted};
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: the signal must end the wait */
	if (sigaction(SIGUSR2, &sa, NULL) < 0)
		return -errno;
	for (int i = 0; i < POOL; i++) {
		pthread_t t;
		int r = pthread_create(&t, NULL, pool_thread, s);
		if (r)
			return -r;
	}
	/* thread start-up makes its own calls (libc, sanitizers): let it finish
	 * before the sentry's filter is loaded over the threads */
	pthread_mutex_lock(&lock);
	while (started < POOL)
		pthread_cond_wait(&work, &lock);
	pthread_mutex_unlock(&lock);
	return 0;
}

int blocking_open(struct call *c, int dirfd, const char *path, const struct open_how *how, bool cloexec)
{
	pthread_mutex_lock(&lock);
	struct job *j = NULL;
	for (int i = 0; i < POOL && !j; i++)
		if (!jobs[i].busy)
			j = &jobs[i];
	if (!j) {
		pthread_mutex_unlock(&lock);
		return -ENFILE;
	}
	j->busy = j->pending = true;
	j->req = *c->req;
	j->dirfd = dirfd;
	snprintf(j->path, sizeof(j->path), "%s", path);
	j->how = *how;
	j->addfd_flags = cloexec ? O_CLOEXEC : 0;
	active++;
	pthread_cond_signal(&work);
	pthread_mutex_unlock(&lock);
	c->deferred = true;
	return 0;
}

bool blocking_busy(void)
{
	pthread_mutex_lock(&lock);
	bool b = active > 0;
	pthread_mutex_unlock(&lock);
	return b;
}

void blocking_watch(struct sentry *s)
{
	pthread_mutex_lock(&lock);
	for (int i = 0; i < POOL; i++) {
		if (!jobs[i].busy || jobs[i].pending)
			continue;
		uint64_t id = jobs[i].req.id;
		if (ioctl(s->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0)
			pthread_kill(jobs[i].thread, SIGUSR2);
	}
	pthread_mutex_unlock(&lock);
}
