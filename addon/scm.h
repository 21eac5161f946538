/*
 * One message with one file descriptor over an AF_UNIX socket (SCM_RIGHTS, unix(7), cmsg(3)), for
 * both sides of the sync socket and for the sockets the runtime hands fds to (--console-socket,
 * --pidfd-socket, a seccomp listener): runc keeps the same pair in libcontainer/utils/cmsg.go
 * (SendRawFd/RecvFile).
 *
 * Plain C, no allocation, no stdio, no locks: child.c calls it after clone (the control buffer is
 * on the stack), binding.cc in the runtime.
 */
#ifndef TSRUNC_SCM_H
#define TSRUNC_SCM_H

#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* sendmsg(MSG_NOSIGNAL) of len bytes of buf with fd attached; sendmsg's result (-1 and errno). */
ssize_t tsr_send_fd(int sock, const void *buf, size_t len, int fd);

/* recvmsg(MSG_CMSG_CLOEXEC) of at most len bytes into buf, retried on EINTR; *fd is the fd that came
 * with it (close-on-exec) or -1. recvmsg's result (0: the peer closed, -1 and errno). */
ssize_t tsr_recv_fd(int sock, void *buf, size_t len, int *fd);

#ifdef __cplusplus
}
#endif

#endif
