// N-API glue shared by the addon's files (binding.cc and the files it was split into by concern):
// the argument and error helpers, and every function Init exports. Everything here runs in the
// runtime's own process; the only code that runs in the cloned child is tsr_child_main (child.c).
#pragma once

#include <errno.h>
#include <napi.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <string>

// Writes all of buf to fd: EINTR is retried, a full non-blocking fd (a pipe a client made
// O_NONBLOCK, the pty) is waited on with poll rather than spun on. false, with errno, on an error;
// a write that takes nothing is EIO.
inline bool WriteAll(int fd, const char *buf, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, buf, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) {
      struct pollfd pf = {fd, POLLOUT, 0};
      poll(&pf, 1, -1);
      continue;
    }
    if (w <= 0) {
      if (w == 0) errno = EIO;
      return false;
    }
    buf += w;
    n -= (size_t)w;
  }
  return true;
}

inline Napi::Value ThrowErrno(Napi::Env env, const char *syscall, int err, const std::string &path = "") {
  std::string msg = std::string(syscall) + (path.empty() ? "" : " " + path) + ": " + strerror(err);
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, syscall));
  e.ThrowAsJavaScriptException();
  return env.Undefined();
}

inline bool ArgInt(const Napi::CallbackInfo &info, size_t i, int64_t *out) {
  if (info.Length() <= i || !info[i].IsNumber()) {
    Napi::TypeError::New(info.Env(), "expected a number argument").ThrowAsJavaScriptException();
    return false;
  }
  *out = info[i].As<Napi::Number>().Int64Value();
  return true;
}

inline bool ArgStr(const Napi::CallbackInfo &info, size_t i, std::string *out) {
  if (info.Length() <= i || !info[i].IsString()) {
    Napi::TypeError::New(info.Env(), "expected a string argument").ThrowAsJavaScriptException();
    return false;
  }
  *out = info[i].As<Napi::String>().Utf8Value();
  return true;
}

// spawn.cc
Napi::Value Spawn(const Napi::CallbackInfo &info);
// sync.cc
Napi::Value SyncRecv(const Napi::CallbackInfo &info);
Napi::Value SyncSend(const Napi::CallbackInfo &info);
Napi::Value SyncSendFd(const Napi::CallbackInfo &info);
// fifo.cc
Napi::Value Mkfifo(const Napi::CallbackInfo &info);
Napi::Value StartFifo(const Napi::CallbackInfo &info);
// foreground.cc: signal forwarding and the pty proxy; syncRecv (sync.cc) watches the same pipe
Napi::Value ForwardSignals(const Napi::CallbackInfo &info);
Napi::Value WaitForeground(const Napi::CallbackInfo &info);
extern int g_sigpipe[2];
bool Terminating(int sig);
void DeferSignal(unsigned char sig);
// process.cc
Napi::Value PidfdOpen(const Napi::CallbackInfo &info);
Napi::Value PidfdSendSignal(const Napi::CallbackInfo &info);
Napi::Value WaitPidfd(const Napi::CallbackInfo &info);
Napi::Value Reap(const Napi::CallbackInfo &info);
Napi::Value SetSubreaper(const Napi::CallbackInfo &info);
// idmap.cc
Napi::Value OpenTreeIdmapped(const Napi::CallbackInfo &info);
// listener.cc
Napi::Value SendToListener(const Napi::CallbackInfo &info);
// unixstream.cc: the systemd driver's D-Bus socket (src/cgroups/dbus.ts), and the connect that
// listener.cc shares: a blocking, close-on-exec AF_UNIX stream socket connected to path, or -1 with
// errno and the failed call in *syscall
int ConnectUnixStream(const std::string &path, const char **syscall);
Napi::Value UnixConnect(const Napi::CallbackInfo &info);
Napi::Value StreamSend(const Napi::CallbackInfo &info);
Napi::Value StreamRecv(const Napi::CallbackInfo &info);
// seccomp.cc
Napi::Value SeccompCompile(const Napi::CallbackInfo &info);
// netdev.cc
Napi::Value NetdevMove(const Napi::CallbackInfo &info);
Napi::Value IfIndex(const Napi::CallbackInfo &info);
// bpf.cc
Napi::Value BpfAttachDeviceFilter(const Napi::CallbackInfo &info);
Napi::Value BpfDeviceFilterCount(const Napi::CallbackInfo &info);
// features.cc
Napi::Value ProbeFeatures(const Napi::CallbackInfo &info);
// fileio.cc: exports.io, the start-up path's file operations (src/fileio.ts)
void ExportFileIo(Napi::Env env, Napi::Object exports);
