#include "util/sync.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int sync_send(int sock, enum sync_type type, int code, const char *text, int fd)
{
	struct sync_msg m = {.type = (uint32_t)type, .code = code};
	size_t tlen = 0;
	if (text) {
		tlen = strnlen(text, sizeof(m.text) - 1);
		memcpy(m.text, text, tlen);
	}
	struct iovec iov = {.iov_base = &m, .iov_len = offsetof(struct sync_msg, text) + tlen + 1};
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	if (fd >= 0) {
		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	for (;;) {
		ssize_t n = sendmsg(sock, &mh, MSG_NOSIGNAL);
		if (n >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

int sync_recv(int sock, struct sync_msg *m, int *fd)
{
	struct iovec iov = {.iov_base = m, .iov_len = sizeof(*m)};
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	if (fd)
		*fd = -1;
	ssize_t n;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -EPIPE;
	if ((size_t)n < offsetof(struct sync_msg, text) + 1)
		return -EBADMSG;
	m->text[sizeof(m->text) - 1] = '\0';
	((char *)m)[n < (ssize_t)sizeof(*m) ? n : (ssize_t)sizeof(*m) - 1] = '\0';
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int got;
			memcpy(&got, CMSG_DATA(c), sizeof(int));
			if (fd)
				*fd = got;
			else
				close(got);
		}
	}
	return 0;
}

int sync_expect(int sock, enum sync_type type, int *fd, struct moat_err *err)
{
	struct sync_msg m;
	int r = sync_recv(sock, &m, fd);
	if (r == -EPIPE)
		return moat_fail(err, EPIPE, "container init exited during setup");
	if (r < 0)
		return moat_fail_errno(err, -r, "read from container init");
	if (m.type == SYNC_ERROR) {
		if (fd && *fd >= 0) {
			close(*fd);
			*fd = -1;
		}
		return moat_fail(err, m.code > 0 ? m.code : EIO, "%s", m.text);
	}
	if (m.type != (uint32_t)type) {
		if (fd && *fd >= 0) {
			close(*fd);
			*fd = -1;
		}
		return moat_fail(err, EPROTO, "sync: expected message %d, got %u", type, m.type);
	}
	return 0;
}

void sync_send_error(int sock, const struct moat_err *err)
{
	sync_send(sock, SYNC_ERROR, err->code, err->msg, -1);
}
