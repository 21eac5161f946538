// A blocking AF_UNIX stream client: the systemd cgroup driver's D-Bus connection (src/cgroups/dbus.ts
// speaks the protocol; this only moves bytes). Node and Bun have no synchronous sockets, and the
// cgroup manager's calls are synchronous, as runc's are (go-systemd blocks on each reply).
#include "binding.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int ConnectUnixStream(const std::string &path, const char **syscall) {
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  *syscall = "connect";
  if (path.size() >= sizeof addr.sun_path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  memcpy(addr.sun_path, path.c_str(), path.size());
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) {
    *syscall = "socket";
    return -1;
  }
  int r;
  do r = connect(s, (struct sockaddr *)&addr, sizeof addr);
  while (r < 0 && errno == EINTR);
  if (r < 0) {
    int e = errno;
    close(s);
    errno = e;
    return -1;
  }
  return s;
}

// unixConnect(path) -> fd: a connected, blocking, close-on-exec SOCK_STREAM socket.
Napi::Value UnixConnect(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string path;
  if (!ArgStr(info, 0, &path)) return env.Undefined();
  const char *syscall;
  int s = ConnectUnixStream(path, &syscall);
  if (s < 0) return ThrowErrno(env, syscall, errno, path);
  return Napi::Number::New(env, s);
}

// streamSend(fd, bytes): all of bytes (a Uint8Array), without SIGPIPE on a peer that went away.
Napi::Value StreamSend(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int64_t fd;
  if (!ArgInt(info, 0, &fd)) return env.Undefined();
  if (info.Length() < 2 || !info[1].IsTypedArray()) {
    Napi::TypeError::New(env, "expected a Uint8Array").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Uint8Array bytes = info[1].As<Napi::Uint8Array>();
  const uint8_t *p = bytes.Data();
  size_t n = bytes.ByteLength();
  while (n > 0) {
    ssize_t w = send((int)fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return ThrowErrno(env, "send", w < 0 ? errno : EIO);
    p += w;
    n -= (size_t)w;
  }
  return env.Undefined();
}

// streamRecv(fd, max, timeoutMs) -> Uint8Array: what one read returns (at most max bytes), empty at
// end of stream; ETIMEDOUT when nothing came within timeoutMs.
Napi::Value StreamRecv(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int64_t fd, max, timeout;
  if (!ArgInt(info, 0, &fd) || !ArgInt(info, 1, &max) || !ArgInt(info, 2, &timeout)) return env.Undefined();
  if (max <= 0 || max > (1 << 24)) max = 1 << 16;
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t left = timeout - ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000);
    if (left <= 0) return ThrowErrno(env, "recv", ETIMEDOUT);
    struct pollfd pf = {(int)fd, POLLIN, 0};
    int r = poll(&pf, 1, (int)(left > 0x7fffffff ? 0x7fffffff : left));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return ThrowErrno(env, "poll", errno);
    if (r == 0) continue;  // the deadline is checked above
    Napi::Uint8Array out = Napi::Uint8Array::New(env, (size_t)max);
    ssize_t n = recv((int)fd, out.Data(), (size_t)max, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) return ThrowErrno(env, "recv", errno);
    return Napi::Uint8Array::New(env, (size_t)n, out.ArrayBuffer(), 0);
  }
}
