/* SCM_RIGHTS send/receive (scm.h): one fd with one message, async-signal-safe. */
#define _GNU_SOURCE
#include "scm.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

/* The control buffer for one fd, aligned for struct cmsghdr (cmsg(3)). */
union tsr_cmsg_one {
  char buf[CMSG_SPACE(sizeof(int))];
  struct cmsghdr align;
};

static void tsr_msghdr(struct msghdr *mh, struct iovec *iov, union tsr_cmsg_one *u) {
  memset(mh, 0, sizeof *mh);
  mh->msg_iov = iov;
  mh->msg_iovlen = 1;
  mh->msg_control = u->buf;
  mh->msg_controllen = sizeof u->buf;
}

ssize_t tsr_send_fd(int sock, const void *buf, size_t len, int fd) {
  union tsr_cmsg_one u;
  memset(&u, 0, sizeof u);
  struct iovec iov = {(void *)buf, len};
  struct msghdr mh;
  tsr_msghdr(&mh, &iov, &u);
  struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  return sendmsg(sock, &mh, MSG_NOSIGNAL);
}

ssize_t tsr_recv_fd(int sock, void *buf, size_t len, int *fd) {
  union tsr_cmsg_one u;
  struct iovec iov = {buf, len};
  struct msghdr mh;
  tsr_msghdr(&mh, &iov, &u);
  ssize_t n;
  do n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  *fd = -1;
  struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL;
  if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)))
    memcpy(fd, CMSG_DATA(c), sizeof *fd);
  return n;
}
