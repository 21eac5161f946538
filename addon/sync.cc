// The runtime's end of the sync socket (struct tsr_sync, addon/plan.h): the message order is kept
// and drawn by src/container/sync.ts (as runc's libcontainer/sync.go); here only the datagrams and
// the fds they carry (addon/scm.c).
#include "binding.h"

extern "C" {
#include "plan.h"
}
#include "scm.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

// syncRecv(sock, watchSignals = 0) -> { type, op, errno, arg, text } | null (peer closed).
// watchSignals (exec in the foreground, signals caught by forwardSignals): a process joining a frozen
// (paused) cgroup cannot answer until it is thawed, so the wait must not be deaf. A terminating
// signal (TERM, INT, HUP, QUIT) ends the wait: { type: 0, signal: N }; the others are kept for
// waitForeground to forward once the process runs.
Napi::Value SyncRecv(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int64_t fd, watch = 0;
  if (!ArgInt(info, 0, &fd)) return env.Undefined();
  if (info.Length() > 1) ArgInt(info, 1, &watch);
  while (watch && g_sigpipe[0] >= 0) {
    struct pollfd pf[2] = {{(int)fd, POLLIN, 0}, {g_sigpipe[0], POLLIN, 0}};
    if (poll(pf, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return ThrowErrno(env, "poll", errno);
    }
    if (pf[1].revents & POLLIN) {
      unsigned char sig;
      while (read(g_sigpipe[0], &sig, 1) == 1) {
        if (!Terminating(sig)) {
          DeferSignal(sig);
          continue;
        }
        Napi::Object r = Napi::Object::New(env);
        r.Set("type", Napi::Number::New(env, 0));
        r.Set("signal", Napi::Number::New(env, sig));
        return r;
      }
    }
    if (pf[0].revents) break;
  }
  struct tsr_sync m;
  int passed;
  ssize_t n = tsr_recv_fd((int)fd, &m, sizeof m, &passed);
  if (n < 0) return ThrowErrno(env, "recv", errno);
  if (n != (ssize_t)sizeof m && passed >= 0) close(passed);
  if (n == 0) return env.Null();
  if (n != (ssize_t)sizeof m) return ThrowErrno(env, "recv", EPROTO);
  m.text[TSR_ERR_TEXT - 1] = 0;
  Napi::Object r = Napi::Object::New(env);
  if (passed >= 0) r.Set("fd", Napi::Number::New(env, passed));
  r.Set("type", Napi::Number::New(env, m.type));
  r.Set("op", Napi::Number::New(env, m.op));
  r.Set("errno", Napi::Number::New(env, m.err));
  r.Set("arg", Napi::Number::New(env, m.arg));
  r.Set("text", Napi::String::New(env, m.text));
  return r;
}

// syncSend(sock, type, arg) -> boolean (false if the child is gone)
Napi::Value SyncSend(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int64_t fd, type, arg = 0;
  if (!ArgInt(info, 0, &fd) || !ArgInt(info, 1, &type)) return env.Undefined();
  if (info.Length() > 2) ArgInt(info, 2, &arg);
  struct tsr_sync m;
  memset(&m, 0, sizeof m);
  m.type = (uint32_t)type;
  m.arg = (int32_t)arg;
  ssize_t n;
  do n = send((int)fd, &m, sizeof m, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return Napi::Boolean::New(env, n == (ssize_t)sizeof m);
}

// syncSendFd(sock, type, fd): a reply carrying fd with SCM_RIGHTS (SYNC_MOUNTFD, SYNC_PIDFD).
Napi::Value SyncSendFd(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int64_t sock, type, fd;
  if (!ArgInt(info, 0, &sock) || !ArgInt(info, 1, &type) || !ArgInt(info, 2, &fd)) return env.Undefined();
  struct tsr_sync m;
  memset(&m, 0, sizeof m);
  m.type = (uint32_t)type;
  if (tsr_send_fd((int)sock, &m, sizeof m, (int)fd) < 0) return ThrowErrno(env, "sendmsg", errno);
  return env.Undefined();
}
