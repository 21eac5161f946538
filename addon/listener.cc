// Handing an fd to a socket the caller named: the seccomp agent (linux.seccomp.listenerPath),
// --console-socket, --pidfd-socket.
#include "binding.h"

#include "scm.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

// sendToListener(path, payload, fd): one connection to a seccomp agent's AF_UNIX SOCK_STREAM socket,
// the container process state as payload and the notify fd with SCM_RIGHTS (config-linux.md
// "The Container Process State"), then close.
Napi::Value SendToListener(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string path, payload;
  int64_t fd;
  if (!ArgStr(info, 0, &path) || !ArgStr(info, 1, &payload) || !ArgInt(info, 2, &fd)) return env.Undefined();
  const char *syscall;
  int s = ConnectUnixStream(path, &syscall);
  if (s < 0) return ThrowErrno(env, syscall, errno, path);
  ssize_t n = tsr_send_fd(s, payload.data(), payload.size(), (int)fd);
  int e = errno;
  size_t off = n > 0 ? (size_t)n : 0;
  while (n >= 0 && off < payload.size()) {  // the rest without fds (the spec allows several sendmsg)
    n = send(s, payload.data() + off, payload.size() - off, MSG_NOSIGNAL);
    e = errno;
    if (n > 0) off += (size_t)n;
  }
  close(s);
  if (n < 0) return ThrowErrno(env, "sendmsg", e, path);
  return env.Undefined();
}
