// N-API glue (node-addon-api). Everything here runs in the runtime's own process; the only code that
// runs in the cloned child is tsr_child_main (child.c). src/native.ts is the only caller.
#include <napi.h>

#include <dlfcn.h>
#include <linux/capability.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/sendfile.h>

extern "C" {
#include "child.h"
}
#include "scm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <sys/ioctl.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace {

Napi::Value ThrowErrno(Napi::Env env, const char *syscall, int err, const std::string &path = "") {
  std::string msg = std::string(syscall) + (path.empty() ? "" : " " + path) + ": " + strerror(err);
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, syscall));
  e.ThrowAsJavaScriptException();
  return env.Undefined();
}

bool ArgInt(const Napi::CallbackInfo &info, size_t i, int64_t *out) {
  if (info.Length() <= i || !info[i].IsNumber()) {
    Napi::TypeError::New(info.Env(), "expected a number argument").ThrowAsJavaScriptException();
    return false;
  }
  *out = info[i].As<Napi::Number>().Int64Value();
  return true;
}

bool ArgStr(const Napi::CallbackInfo &info, size_t i, std::string *out) {
  if (info.Length() <= i || !info[i].IsString()) {
    Napi::TypeError::New(info.Env(), "expected a string argument").ThrowAsJavaScriptException();
    return false;
  }
  *out = info[i].As<Napi::String>().Utf8Value();
  return true;
}

// The init helper (addon/init.c), beside this addon, executed from a sealed memfd copy made once per
// runtime process: a container process that opens /proc/<pid>/exe of a process entering the
// container reaches that private, write-sealed copy, never a file on the host (CVE-2019-5736 class).
int g_init_memfd = -1;

int InitMemfd(std::string *why) {
  if (g_init_memfd >= 0) return g_init_memfd;
  Dl_info info;
  if (!dladdr((void *)&InitMemfd, &info) || !info.dli_fname) { *why = "cannot locate the addon to find tsrunc-init"; return -1; }
  std::string path = info.dli_fname;
  size_t slash = path.rfind('/');
  path = (slash == std::string::npos ? std::string(".") : path.substr(0, slash)) + "/tsrunc-init";
  int src = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (src < 0) { *why = "open " + path + ": " + strerror(errno); return -1; }
  struct stat st;
  int mfd = fstat(src, &st) < 0 ? -1 : (int)syscall(SYS_memfd_create, "tsrunc-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0) { *why = std::string("memfd for tsrunc-init: ") + strerror(errno); close(src); return -1; }
  off_t off = 0;
  while (off < st.st_size) {
    ssize_t n = sendfile(mfd, src, &off, (size_t)(st.st_size - off));
    if (n <= 0) { *why = "copy " + path + ": " + strerror(n < 0 ? errno : EIO); close(src); close(mfd); return -1; }
  }
  close(src);
  if (fchmod(mfd, 0555) < 0 || fcntl(mfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
    *why = std::string("seal the tsrunc-init copy: ") + strerror(errno);
    close(mfd);
    return -1;
  }
  g_init_memfd = mfd;
  return mfd;
}

// spawn(plan: Buffer, cgroupDir?: string, label?: string) -> { pid, pidfd, sock, intoCgroup }
// Checks the plan (tsr_prepare), writes it to a memfd, blocks every signal with the raw syscall
// (glibc's sigprocmask keeps two of its own unblocked), clones with clone3(CLONE_PIDFD | the plan's
// namespace flags [| CLONE_INTO_CGROUP]), and the child at once executes tsrunc-init on the plan
// (addon/init.c): nothing of the runtime's image runs in the container.
Napi::Value Spawn(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsBuffer() || (info.Length() > 1 && !info[1].IsString() && !info[1].IsUndefined())) {
    Napi::TypeError::New(env, "spawn(plan: Buffer, cgroupDir?: string, label?: string)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Buffer<uint8_t> b = info[0].As<Napi::Buffer<uint8_t>>();
  uint64_t clone_flags = 0;
  int keep_end = 3;
  {
    // Refuse a bad plan here, with its reason, rather than in the child. An aligned copy: a Buffer
    // may be a slice of Node's pool at any offset.
    void *copy = aligned_alloc(16, (b.Length() + 15) & ~size_t(15));
    if (!copy) return ThrowErrno(env, "malloc", ENOMEM);
    memcpy(copy, b.Data(), b.Length());
    struct tsr_prepared check;
    const char *why = nullptr;
    int ok = tsr_prepare(&check, copy, b.Length(), &why);
    if (ok == 0) {
      clone_flags = check.hdr->clone_flags;
      keep_end = 3 + (int)check.hdr->keep_fds;
    }
    tsr_release(&check);
    free(copy);
    if (ok < 0) {
      Napi::Error::New(env, std::string("invalid plan: ") + (why ? why : "out of memory")).ThrowAsJavaScriptException();
      return env.Undefined();
    }
  }
  std::string why;
  int exefd = InitMemfd(&why);
  if (exefd < 0) {
    Napi::Error::New(env, "cannot start tsrunc-init: " + why).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  // Every fd the child needs is placed at or above the preserved range (3 .. 3+keep_fds-1), so
  // none of ours can take the number of an fd the caller meant for the container.
  int fds[4] = {-1, -1, -1, -1};  // plan memfd, socketpair[0], socketpair[1], cgroup dir
  auto cleanup = [&]() { for (int fd : fds) if (fd >= 0) close(fd); };
  auto lift = [&](int fd) { int high = fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, keep_end); if (fd >= 0) close(fd); return high; };
  fds[0] = lift((int)syscall(SYS_memfd_create, "tsrunc-plan", MFD_CLOEXEC));
  if (fds[0] < 0) { int e = errno; cleanup(); return ThrowErrno(env, "memfd_create", e); }
  for (size_t off = 0; off < b.Length();) {
    ssize_t n = write(fds[0], b.Data() + off, b.Length() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) { int e = n < 0 ? errno : EIO; cleanup(); return ThrowErrno(env, "write plan", e); }
    off += (size_t)n;
  }
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) { int e = errno; cleanup(); return ThrowErrno(env, "socketpair", e); }
  fds[1] = lift(sv[0]);
  fds[2] = lift(sv[1]);
  if (fds[1] < 0 || fds[2] < 0) { int e = errno; cleanup(); return ThrowErrno(env, "fcntl(F_DUPFD)", e); }
  // A cgroup v2 directory to be born in (CLONE_INTO_CGROUP, Linux 5.7): the child is in the
  // container's cgroup from its first instruction, with no window in the runtime's cgroup.
  if (info.Length() > 1 && info[1].IsString()) {
    std::string dir = info[1].As<Napi::String>();
    fds[3] = open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  }
  // A new user namespace has no uid map until the runtime writes it (after GO), so the execve of
  // tsrunc-init would run as an unmapped user and lose every capability in that namespace. The
  // child raises its capabilities as ambient ones first (they survive execve); tsrunc-init puts the
  // inheritable set back to the runtime's (argv[3]) and clears the ambient set first thing.
  bool newuser = (clone_flags & CLONE_NEWUSER) != 0;
  struct __user_cap_header_struct caph = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct capd[2] = {}, capraise[2] = {};
  if (newuser && syscall(SYS_capget, &caph, capd) < 0) { int e = errno; cleanup(); return ThrowErrno(env, "capget", e); }
  for (int k = 0; k < 2; k++) { capraise[k] = capd[k]; capraise[k].inheritable = capd[k].permitted; }
  char inh[32];
  snprintf(inh, sizeof inh, "%llx", ((unsigned long long)capd[1].inheritable << 32) | capd[0].inheritable);
  // argv for tsrunc-init, made before the clone: the child only makes raw syscalls. The label
  // (`create <id>`, `exec <id>`) is there for ps(1) on the host, as runc shows `runc init`.
  std::string a1 = std::to_string(fds[0]), a2 = std::to_string(fds[2]), label;
  if (info.Length() > 2 && info[2].IsString()) label = info[2].As<Napi::String>().Utf8Value();
  char *argv[] = {(char *)"tsrunc-init", (char *)a1.c_str(), (char *)a2.c_str(), newuser ? inh : (char *)"-",
                  label.empty() ? nullptr : (char *)label.c_str(), nullptr};
  char *envp[] = {nullptr};

  uint64_t all = ~0ULL, old = 0;
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, 8);
  int pidfd = -1;
  struct clone_args ca;
  memset(&ca, 0, sizeof ca);
  ca.flags = clone_flags | CLONE_PIDFD;
  ca.pidfd = (uint64_t)(uintptr_t)&pidfd;
  ca.exit_signal = SIGCHLD;
  bool into = fds[3] >= 0;
  if (into) {
    ca.flags |= CLONE_INTO_CGROUP;
    ca.cgroup = (uint64_t)fds[3];
  }
  long pid = syscall(SYS_clone3, &ca, sizeof ca);
  if (pid < 0 && into) {
    // An older kernel, or a cgroup the kernel will not put a process in: clone as usual; the
    // runtime then moves the child through cgroup.procs, whose error says what is wrong.
    into = false;
    ca.flags &= ~(uint64_t)CLONE_INTO_CGROUP;
    ca.cgroup = 0;
    pid = syscall(SYS_clone3, &ca, sizeof ca);
  }
  if (pid == 0) {
    // The child: raw syscalls only (a copy of a threaded parent). Keep stdio, the preserved fds,
    // the plan and the socket across the execve; everything else is close-on-exec or closed by
    // tsrunc-init first thing.
    for (int fd = 0; fd < keep_end; fd++) syscall(SYS_fcntl, fd, F_SETFD, 0);
    syscall(SYS_fcntl, fds[0], F_SETFD, 0);
    syscall(SYS_fcntl, fds[2], F_SETFD, 0);
    if (newuser && syscall(SYS_capset, &caph, capraise) == 0)
      for (int cap = 0; cap < 64; cap++) syscall(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
    syscall(SYS_execveat, exefd, "", argv, envp, AT_EMPTY_PATH);
    struct tsr_sync m;
    memset(&m, 0, sizeof m);
    m.type = TSR_SYNC_ERROR;
    m.op = ~0u;
    m.err = errno;
    memcpy(m.text, "execute tsrunc-init", sizeof "execute tsrunc-init");
    syscall(SYS_sendto, fds[2], &m, sizeof m, MSG_NOSIGNAL, nullptr, 0);
    syscall(SYS_exit_group, 127);
  }
  int e = errno;
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old, nullptr, 8);
  int sock = fds[1];
  fds[1] = -1;
  cleanup();
  if (pid < 0) {
    close(sock);
    return ThrowErrno(env, "clone3", e);
  }
  Napi::Object r = Napi::Object::New(env);
  r.Set("pid", Napi::Number::New(env, (double)pid));
  r.Set("pidfd", Napi::Number::New(env, pidfd));
  r.Set("sock", Napi::Number::New(env, sock));
  r.Set("intoCgroup", Napi::Boolean::New(env, into));
  return r;
}

extern int g_sigpipe[2];
bool Terminating(int sig);
void DeferSignal(unsigned char sig);

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
        if (!Terminating(sig)) { DeferSignal(sig); continue; }
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
  do n = send((int)fd, &m, sizeof m, MSG_NOSIGNAL); while (n < 0 && errno == EINTR);
  return Napi::Boolean::New(env, n == (ssize_t)sizeof m);
}

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

// flock(fd, op) -> true, or false when LOCK_NB was given and the lock is held elsewhere.
Napi::Value Flock(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int64_t fd, op;
  if (!ArgInt(info, 0, &fd) || !ArgInt(info, 1, &op)) return env.Undefined();
  int r;
  do r = flock((int)fd, (int)op); while (r < 0 && errno == EINTR);
  if (r < 0) {
    if (errno == EWOULDBLOCK && (op & LOCK_NB)) return Napi::Boolean::New(env, false);
    return ThrowErrno(env, "flock", errno);
  }
  return Napi::Boolean::New(env, true);
}

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
  if (syscall(SYS_pidfd_send_signal, (int)fd, (int)sig, nullptr, 0) < 0) return ThrowErrno(env, "pidfd_send_signal", errno);
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
    if (n == 0 && (connected || exited)) break;       // writer closed (exec'd or died)
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

// Foreground wait for `run`: forward every catchable signal to the container's init and return its
// wait status once it exits. Done here, not in JS, so no event loop is involved: handlers write the
// signal number to a pipe; the caller's thread polls that pipe and the pidfd. The handlers are
// installed by forwardSignals() before the container is created (as runc does), so a signal that
// arrives while the container starts is held in the pipe and forwarded, instead of killing us.
int g_sigpipe[2] = {-1, -1};
struct sigaction g_oldsa[32];
bool g_installed[32] = {false};
sigset_t g_oldmask;

// Signals read from the pipe before the process ran (syncRecv with watchSignals), forwarded first
// by waitForeground.
unsigned char g_deferred[64];
int g_ndeferred = 0;

void DeferSignal(unsigned char sig) {
  if (g_ndeferred < (int)sizeof g_deferred) g_deferred[g_ndeferred++] = sig;
}

bool Terminating(int sig) { return sig == SIGTERM || sig == SIGINT || sig == SIGHUP || sig == SIGQUIT; }

void ForwardHandler(int sig) {
  unsigned char s = (unsigned char)sig;
  int saved = errno;
  (void)!write(g_sigpipe[1], &s, 1);
  errno = saved;
}

bool Forwarded(int sig) {
  // Not forwarded: the uncatchable ones, SIGCHLD (our own child's exit), and faults/SIGURG.
  return !(sig == SIGKILL || sig == SIGSTOP || sig == SIGCHLD || sig == SIGSEGV || sig == SIGBUS ||
           sig == SIGILL || sig == SIGFPE || sig == SIGURG || sig == SIGTRAP || sig == SIGABRT);
}

int InstallForwarding() {
  if (g_sigpipe[0] >= 0) return 0;
  if (pipe2(g_sigpipe, O_CLOEXEC | O_NONBLOCK) < 0) return errno;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = ForwardHandler;
  sigfillset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigset_t unb;
  sigemptyset(&unb);
  for (int sig = 1; sig < 32; sig++) {
    if (!Forwarded(sig)) continue;
    g_installed[sig] = sigaction(sig, &sa, &g_oldsa[sig]) == 0;
    if (g_installed[sig]) sigaddset(&unb, sig);
  }
  // Unblock the forwarded signals for this thread in case the runtime inherited them blocked.
  pthread_sigmask(SIG_UNBLOCK, &unb, &g_oldmask);
  return 0;
}

void UninstallForwarding() {
  if (g_sigpipe[0] < 0) return;
  for (int sig = 1; sig < 32; sig++) {
    if (g_installed[sig]) sigaction(sig, &g_oldsa[sig], nullptr);
    g_installed[sig] = false;
  }
  pthread_sigmask(SIG_SETMASK, &g_oldmask, nullptr);
  close(g_sigpipe[0]);
  close(g_sigpipe[1]);
  g_sigpipe[0] = g_sigpipe[1] = -1;
}

Napi::Value ForwardSignals(const Napi::CallbackInfo &info) {
  int e = InstallForwarding();
  if (e) return ThrowErrno(info.Env(), "pipe2", e);
  return info.Env().Undefined();
}

// Copy the runtime's window size (from whichever of stdin/stdout is a terminal) to the pty.
void ResizePty(int master) {
  struct winsize ws;
  if (ioctl(0, TIOCGWINSZ, &ws) == 0 || ioctl(1, TIOCGWINSZ, &ws) == 0) ioctl(master, TIOCSWINSZ, &ws);
}

bool WriteAll(int fd, const char *buf, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, buf, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        struct pollfd pf = {fd, POLLOUT, 0};
        poll(&pf, 1, 100);
        continue;
      }
      return false;
    }
    buf += w;
    n -= (size_t)w;
  }
  return true;
}

// waitForeground(pidfd, pid, ptyMaster = -1). With a pty (process.terminal, `run` in the foreground)
// it also proxies like runc: our stdin -> the pty, the pty -> our stdout, our terminal in raw mode
// meanwhile, SIGWINCH resizes the pty instead of being forwarded.
Napi::Value WaitForeground(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int64_t pidfd, pid, master = -1;
  if (!ArgInt(info, 0, &pidfd) || !ArgInt(info, 1, &pid)) return env.Undefined();
  if (info.Length() > 2) ArgInt(info, 2, &master);
  int e = InstallForwarding();
  if (e) return ThrowErrno(env, "pipe2", e);

  struct termios saved;
  bool raw = false;
  bool stdin_open = false, master_open = false;
  if (master >= 0) {
    fcntl((int)master, F_SETFL, fcntl((int)master, F_GETFL) | O_NONBLOCK);
    if (isatty(0) && tcgetattr(0, &saved) == 0) {
      struct termios t = saved;
      cfmakeraw(&t);
      raw = tcsetattr(0, TCSANOW, &t) == 0;
    }
    ResizePty((int)master);
    stdin_open = master_open = true;
  }
  for (int k = 0; k < g_ndeferred; k++) {
    if (master >= 0 && g_deferred[k] == SIGWINCH) ResizePty((int)master);
    else syscall(SYS_pidfd_send_signal, (int)pidfd, (int)g_deferred[k], nullptr, 0);
  }
  g_ndeferred = 0;
  static char buf[16384];
  siginfo_t si;
  memset(&si, 0, sizeof si);
  int result_err = 0;
  for (;;) {
    struct pollfd pf[4];
    int n = 0, mi = -1, ii = -1;
    pf[n++] = {(int)pidfd, POLLIN, 0};
    pf[n++] = {g_sigpipe[0], POLLIN, 0};
    if (master_open) { mi = n; pf[n++] = {(int)master, POLLIN, 0}; }
    if (stdin_open) { ii = n; pf[n++] = {0, POLLIN, 0}; }
    int r = poll(pf, (nfds_t)n, -1);
    if (r < 0) {
      if (errno == EINTR) continue;
      result_err = errno;
      break;
    }
    if (pf[1].revents & POLLIN) {
      unsigned char s;
      while (read(g_sigpipe[0], &s, 1) == 1) {
        if (master >= 0 && s == SIGWINCH) ResizePty((int)master);
        else syscall(SYS_pidfd_send_signal, (int)pidfd, (int)s, nullptr, 0);
      }
    }
    if (mi >= 0 && pf[mi].revents) {
      ssize_t k = read((int)master, buf, sizeof buf);
      if (k > 0) WriteAll(1, buf, (size_t)k);
      else if (k == 0 || (errno != EAGAIN && errno != EINTR)) master_open = false;  // EIO: no slave left
    }
    if (ii >= 0 && pf[ii].revents) {
      ssize_t k = read(0, buf, sizeof buf);
      if (k > 0) WriteAll((int)master, buf, (size_t)k);
      else if (k == 0 || (errno != EAGAIN && errno != EINTR)) stdin_open = false;
    }
    if (pf[0].revents & POLLIN) {
      // What the container wrote before it exited is still in the pty: drain it first.
      while (master_open) {
        ssize_t k = read((int)master, buf, sizeof buf);
        if (k > 0) WriteAll(1, buf, (size_t)k);
        else break;
      }
      int w;
      do w = waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED); while (w < 0 && errno == EINTR);
      if (w < 0) result_err = errno;
      break;
    }
  }
  UninstallForwarding();
  if (raw) tcsetattr(0, TCSANOW, &saved);
  if (master >= 0) close((int)master);
  if (result_err) return ThrowErrno(env, "waitid", result_err);
  Napi::Object r = Napi::Object::New(env);
  if (si.si_code == CLD_EXITED) {
    r.Set("code", Napi::Number::New(env, si.si_status));
    r.Set("signal", Napi::Number::New(env, 0));
  } else {
    r.Set("code", Napi::Number::New(env, 128 + si.si_status));
    r.Set("signal", Napi::Number::New(env, si.si_status));
  }
  return r;
}

// waitPidfd(pidfd, timeoutMs) -> { code, signal } once the process exited (reaped if it is our child;
// code -1 if it is not), or null on timeout.
Napi::Value WaitPidfd(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int64_t pidfd, timeout;
  if (!ArgInt(info, 0, &pidfd) || !ArgInt(info, 1, &timeout)) return env.Undefined();
  struct pollfd pf = {(int)pidfd, POLLIN, 0};
  int r;
  do r = poll(&pf, 1, timeout < 0 ? -1 : (int)timeout); while (r < 0 && errno == EINTR);
  if (r < 0) return ThrowErrno(env, "poll", errno);
  if (r == 0) return env.Null();
  siginfo_t si;
  memset(&si, 0, sizeof si);
  int w;
  do w = waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED); while (w < 0 && errno == EINTR);
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

// openTreeIdmapped(source, usernsPath ('': no id mapping), recursive, topAttrs [set, clr], recAttrs [set, clr]) -> fd of a
// detached copy of `source` with the user namespace's id mapping (mount_setattr MOUNT_ATTR_IDMAP)
// and the other attributes applied. Made here, by the privileged runtime, then sent to the child.
Napi::Value OpenTreeIdmapped(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string src, userns;
  int64_t rec, set, clr, rset, rclr;
  if (!ArgStr(info, 0, &src) || !ArgStr(info, 1, &userns) || !ArgInt(info, 2, &rec) || !ArgInt(info, 3, &set) ||
      !ArgInt(info, 4, &clr) || !ArgInt(info, 5, &rset) || !ArgInt(info, 6, &rclr))
    return env.Undefined();
  int tree = (int)syscall(SYS_open_tree, AT_FDCWD, src.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rec ? AT_RECURSIVE : 0));
  if (tree < 0) return ThrowErrno(env, "open_tree", errno, src);
  // No userns: only the open and the attributes (a bind whose source the container cannot reach).
  int ns = userns.empty() ? -2 : open(userns.c_str(), O_RDONLY | O_CLOEXEC);
  if (ns == -1) {
    int e = errno;
    close(tree);
    return ThrowErrno(env, "open", e, userns);
  }
  struct mount_attr a;
  int r = 0, e = 0;
  if (ns >= 0) {
    memset(&a, 0, sizeof a);
    a.attr_set = MOUNT_ATTR_IDMAP;
    a.userns_fd = (uint64_t)ns;
    r = (int)syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | (rec ? AT_RECURSIVE : 0), &a, sizeof a);
    e = errno;
    close(ns);
  }
  if (r == 0 && (rset || rclr)) {
    memset(&a, 0, sizeof a);
    a.attr_set = (uint64_t)rset;
    a.attr_clr = (uint64_t)rclr;
    r = (int)syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a);
    e = errno;
  }
  if (r == 0 && (set || clr)) {
    memset(&a, 0, sizeof a);
    a.attr_set = (uint64_t)set;
    a.attr_clr = (uint64_t)clr;
    r = (int)syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &a, sizeof a);
    e = errno;
  }
  if (r < 0) {
    close(tree);
    return ThrowErrno(env, "mount_setattr", e, src);
  }
  return Napi::Number::New(env, tree);
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

// sendToListener(path, payload, fd): one connection to a seccomp agent's AF_UNIX SOCK_STREAM socket,
// the container process state as payload and the notify fd with SCM_RIGHTS (config-linux.md
// "The Container Process State"), then close.
Napi::Value SendToListener(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string path, payload;
  int64_t fd;
  if (!ArgStr(info, 0, &path) || !ArgStr(info, 1, &payload) || !ArgInt(info, 2, &fd)) return env.Undefined();
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return ThrowErrno(env, "connect", ENAMETOOLONG, path);
  memcpy(addr.sun_path, path.c_str(), path.size());
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return ThrowErrno(env, "socket", errno);
  if (connect(s, (struct sockaddr *)&addr, sizeof addr) < 0) {
    int e = errno;
    close(s);
    return ThrowErrno(env, "connect", e, path);
  }
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

// setSubreaper(): our orphaned grandchildren (after a FORK op) are re-parented to us, so that `run`
// can wait for an init that lives in a joined PID namespace.
Napi::Value SetSubreaper(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) return ThrowErrno(env, "prctl(PR_SET_CHILD_SUBREAPER)", errno);
  return env.Undefined();
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

// reap(pid): non-blocking waitpid, so a child that failed during create does not linger as a zombie.
Napi::Value Reap(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int64_t pid, block = 0;
  if (!ArgInt(info, 0, &pid)) return env.Undefined();
  if (info.Length() > 1) ArgInt(info, 1, &block);
  int status = 0;
  pid_t r;
  do r = waitpid((pid_t)pid, &status, block ? 0 : WNOHANG); while (r < 0 && errno == EINTR);
  return Napi::Number::New(env, r > 0 ? status : -1);
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

}  // namespace

Napi::Value SeccompCompile(const Napi::CallbackInfo &info);  // seccomp.cc
Napi::Value NetdevMove(const Napi::CallbackInfo &info);      // netdev.cc
Napi::Value IfIndex(const Napi::CallbackInfo &info);         // netdev.cc
Napi::Value BpfAttachDeviceFilter(const Napi::CallbackInfo &info);  // bpf.cc
Napi::Value BpfDeviceFilterCount(const Napi::CallbackInfo &info);   // bpf.cc
Napi::Value ProbeFeatures(const Napi::CallbackInfo &info);          // features.cc

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
  exports.Set("netdevMove", Napi::Function::New(env, NetdevMove));
  exports.Set("ifIndex", Napi::Function::New(env, IfIndex));
  exports.Set("bpfAttachDeviceFilter", Napi::Function::New(env, BpfAttachDeviceFilter));
  exports.Set("bpfDeviceFilterCount", Napi::Function::New(env, BpfDeviceFilterCount));
  exports.Set("probeFeatures", Napi::Function::New(env, ProbeFeatures));
  return exports;
}

}  // namespace

NODE_API_MODULE(tsrunc, Init)
