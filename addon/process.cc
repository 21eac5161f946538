// Processes by pidfd (pidfd_open(2), pidfd_send_signal(2), waitid(P_PIDFD)), reaping, and the
// subreaper that lets `run` wait for an init in a joined PID namespace.
#include "binding.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

Napi::Value PidfdOpen(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int64_t pid;
  if (!ArgInt(info, 0, &pid)) return env.Undefined();
  long fd = syscall(SYS_pidfd_open, (pid_t)pid, 0);
  if (fd < 0) return ThrowErrno(env, "pidfd_open", errno);
  fcntl((int)fd, F_SETFD, FD_CLOEXEC);
  return Napi::Number::New(env, (double)fd);
}

Napi::Value PidfdSendSignal(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int64_t fd, sig;
  if (!ArgInt(info, 0, &fd) || !ArgInt(info, 1, &sig)) return env.Undefined();
  if (syscall(SYS_pidfd_send_signal, (int)fd, (int)sig, nullptr, 0) < 0)
    return ThrowErrno(env, "pidfd_send_signal", errno);
  return env.Undefined();
}

// waitPidfd(pidfd, timeoutMs) -> { code, signal } once the process exited (reaped if it is our child;
// code -1 if it is not), or null on timeout.
Napi::Value WaitPidfd(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int64_t pidfd, timeout;
  if (!ArgInt(info, 0, &pidfd) || !ArgInt(info, 1, &timeout)) return env.Undefined();
  struct pollfd pf = {(int)pidfd, POLLIN, 0};
  int r;
  do r = poll(&pf, 1, timeout < 0 ? -1 : (int)timeout);
  while (r < 0 && errno == EINTR);
  if (r < 0) return ThrowErrno(env, "poll", errno);
  if (r == 0) return env.Null();
  siginfo_t si;
  memset(&si, 0, sizeof si);
  int w;
  do w = waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED);
  while (w < 0 && errno == EINTR);
  Napi::Object o = Napi::Object::New(env);
  if (w < 0 && errno == ECHILD) {  // exited, but not our child: someone else reaps it
    o.Set("code", Napi::Number::New(env, -1));
    o.Set("signal", Napi::Number::New(env, 0));
    return o;
  }
  if (w < 0) return ThrowErrno(env, "waitid", errno);
  bool exited = si.si_code == CLD_EXITED;
  o.Set("code", Napi::Number::New(env, exited ? si.si_status : 128 + si.si_status));
  o.Set("signal", Napi::Number::New(env, exited ? 0 : si.si_status));
  return o;
}

// reap(pid): non-blocking waitpid, so a child that failed during create does not linger as a zombie.
Napi::Value Reap(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int64_t pid, block = 0;
  if (!ArgInt(info, 0, &pid)) return env.Undefined();
  if (info.Length() > 1) ArgInt(info, 1, &block);
  int status = 0;
  pid_t r;
  do r = waitpid((pid_t)pid, &status, block ? 0 : WNOHANG);
  while (r < 0 && errno == EINTR);
  return Napi::Number::New(env, r > 0 ? status : -1);
}

// setSubreaper(): our orphaned grandchildren (after a FORK op) are re-parented to us, so that `run`
// can wait for an init that lives in a joined PID namespace.
Napi::Value SetSubreaper(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) return ThrowErrno(env, "prctl(PR_SET_CHILD_SUBREAPER)", errno);
  return env.Undefined();
}
