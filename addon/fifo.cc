// The exec fifo (runc's exec.fifo): made by create, read by start.
#include "binding.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

Napi::Value Mkfifo(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string path;
  int64_t mode;
  if (!ArgStr(info, 0, &path) || !ArgInt(info, 1, &mode)) return env.Undefined();
  if (mkfifo(path.c_str(), (mode_t)mode) < 0) return ThrowErrno(env, "mkfifo", errno, path);
  // mkfifo honours the umask; the exec fifo must be writable by a non-root container user.
  if (chmod(path.c_str(), (mode_t)mode) < 0) return ThrowErrno(env, "chmod", errno, path);
  return env.Undefined();
}

// startFifo(path, pidfd) -> string: everything the init wrote on the exec fifo.
// Opens the read side without blocking (a blocking open would hang forever if the init died), then
// waits for data or for the init's exit. The init writes "0", and its write end closes on a
// successful execve (O_CLOEXEC); if execve fails it writes the error text after the "0".
Napi::Value StartFifo(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string path;
  int64_t pidfd;
  if (!ArgStr(info, 0, &path) || !ArgInt(info, 1, &pidfd)) return env.Undefined();
  int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return ThrowErrno(env, "open", errno, path);
  std::string out;
  bool connected = false, exited = false;
  for (;;) {
    struct pollfd pf[2] = {{fd, POLLIN, 0}, {(int)pidfd, POLLIN, 0}};
    // Before a writer has ever connected poll() reports nothing on the fifo; after the init exits
    // (pidfd readable) one last non-blocking read drains what it wrote.
    int r = poll(pf, exited ? 1 : 2, exited ? 0 : -1);
    if (r < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      close(fd);
      return ThrowErrno(env, "poll", e);
    }
    if (!exited && (pf[1].revents & POLLIN)) exited = true;
    char buf[512];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      connected = true;
      out.append(buf, (size_t)n);
      continue;
    }
    if (n == 0 && (connected || exited)) break;  // writer closed (exec'd or died)
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      int e = errno;
      close(fd);
      return ThrowErrno(env, "read", e, path);
    }
    if (exited && r == 0) break;
  }
  close(fd);
  return Napi::String::New(env, out);
}
