// N-API glue (node-addon-api): Init, the one table of what the addon exports, and the small syscall
// wrappers with no other home. The rest is split by concern: spawn.cc (clone3 + tsrunc-init),
// sync.cc (the sync socket), fifo.cc (the exec fifo), foreground.cc (signal forwarding, the pty
// proxy), process.cc (pidfds, reaping), idmap.cc (mounts made for the child), listener.cc (fds to
// the caller's sockets), unixstream.cc (the systemd driver's D-Bus socket); the shared helpers
// are in binding.h. src/native.ts is the only caller.
#include "binding.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace {

// flock(fd, op) -> true, or false when LOCK_NB was given and the lock is held elsewhere.
Napi::Value Flock(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int64_t fd, op;
  if (!ArgInt(info, 0, &fd) || !ArgInt(info, 1, &op)) return env.Undefined();
  int r;
  do r = flock((int)fd, (int)op);
  while (r < 0 && errno == EINTR);
  if (r < 0) {
    if (errno == EWOULDBLOCK && (op & LOCK_NB)) return Napi::Boolean::New(env, false);
    return ThrowErrno(env, "flock", errno);
  }
  return Napi::Boolean::New(env, true);
}

// umountDetach(path): umount2(MNT_DETACH | UMOUNT_NOFOLLOW): a symlink at the path is never followed.
Napi::Value UmountDetach(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) return env.Undefined();
  std::string path = info[0].As<Napi::String>().Utf8Value();
  // Raw syscall: <sys/mount.h> clashes with <linux/mount.h>. MNT_DETACH = 2, UMOUNT_NOFOLLOW = 8.
  if (syscall(SYS_umount2, path.c_str(), 2 | 8) < 0) return ThrowErrno(env, "umount2", errno, path);
  return env.Undefined();
}

// eventfd(): a close-on-exec, blocking eventfd(2) with count 0, for cgroup v1 OOM notifications
// (`events`: registered with cgroup.event_control against memory.oom_control, cgroup-v1/memory.rst
// "Memory thresholds"/"OOM Control"). Node and Bun have no eventfd of their own.
Napi::Value Eventfd(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int fd = eventfd(0, EFD_CLOEXEC);
  if (fd < 0) return ThrowErrno(env, "eventfd", errno);
  return Napi::Number::New(env, fd);
}

// primeCgroupMigration(procsFile): a detached thread writes this process's own pid into procsFile,
// the cgroup.procs of the cgroup it is already in (a migration that moves nothing). Every cgroup
// migration takes cgroup_threadgroup_rwsem for writing, and when no migration ran in the last RCU
// grace period the writer first waits for one (rcu_sync, ~5-15 ms here); the next writer within a
// grace period after the last one does not wait. The thread pays that wait while the JS thread
// loads the config and compiles the plan (the write holds cgroup_mutex meanwhile, so the first
// cgroup mkdir waits for whatever is left of it), and the init's own v1 joins, a few ms later, do
// not wait (issue 12). Best effort: a failure changes nothing but the time. Returns at once.
void *PrimeThread(void *arg) {
  char *path = (char *)arg;
  int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd >= 0) {
    char buf[24];
    int n = snprintf(buf, sizeof buf, "%d", (int)getpid());
    (void)!write(fd, buf, (size_t)n);
    close(fd);
  }
  free(path);
  return nullptr;
}

Napi::Value PrimeCgroupMigration(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) return env.Undefined();
  std::string path = info[0].As<Napi::String>().Utf8Value();
  char *arg = strdup(path.c_str());
  if (!arg) return env.Undefined();
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  // Born with every signal blocked: the process's signals (run's forwarding) stay with the JS thread.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  pthread_t t;
  int e = pthread_create(&t, &attr, PrimeThread, arg);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  pthread_attr_destroy(&attr);
  if (e) free(arg);
  return env.Undefined();
}

}  // namespace

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("spawn", Napi::Function::New(env, Spawn));
  exports.Set("syncRecv", Napi::Function::New(env, SyncRecv));
  exports.Set("syncSend", Napi::Function::New(env, SyncSend));
  exports.Set("mkfifo", Napi::Function::New(env, Mkfifo));
  exports.Set("flock", Napi::Function::New(env, Flock));
  exports.Set("pidfdOpen", Napi::Function::New(env, PidfdOpen));
  exports.Set("pidfdSendSignal", Napi::Function::New(env, PidfdSendSignal));
  exports.Set("startFifo", Napi::Function::New(env, StartFifo));
  exports.Set("forwardSignals", Napi::Function::New(env, ForwardSignals));
  exports.Set("waitForeground", Napi::Function::New(env, WaitForeground));
  exports.Set("reap", Napi::Function::New(env, Reap));
  exports.Set("waitPidfd", Napi::Function::New(env, WaitPidfd));
  exports.Set("seccompCompile", Napi::Function::New(env, SeccompCompile));
  exports.Set("setSubreaper", Napi::Function::New(env, SetSubreaper));
  exports.Set("umountDetach", Napi::Function::New(env, UmountDetach));
  exports.Set("openTreeIdmapped", Napi::Function::New(env, OpenTreeIdmapped));
  exports.Set("syncSendFd", Napi::Function::New(env, SyncSendFd));
  exports.Set("sendToListener", Napi::Function::New(env, SendToListener));
  exports.Set("eventfd", Napi::Function::New(env, Eventfd));
  exports.Set("primeCgroupMigration", Napi::Function::New(env, PrimeCgroupMigration));
  exports.Set("netdevMove", Napi::Function::New(env, NetdevMove));
  exports.Set("ifIndex", Napi::Function::New(env, IfIndex));
  exports.Set("bpfAttachDeviceFilter", Napi::Function::New(env, BpfAttachDeviceFilter));
  exports.Set("bpfDeviceFilterCount", Napi::Function::New(env, BpfDeviceFilterCount));
  exports.Set("probeFeatures", Napi::Function::New(env, ProbeFeatures));
  exports.Set("unixConnect", Napi::Function::New(env, UnixConnect));
  exports.Set("streamSend", Napi::Function::New(env, StreamSend));
  exports.Set("streamRecv", Napi::Function::New(env, StreamRecv));
  ExportFileIo(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(tsrunc, Init)
