// `run` and `exec` in the foreground: signal forwarding to the container's process and, with a
// terminal, the pty proxy (runc's signalHandler.forward and its console copying).
#include "binding.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

// Foreground wait for `run`: forward every catchable signal to the container's init and return its
// wait status once it exits. Done here, not in JS, so no event loop is involved: handlers write the
// signal number to a pipe; the caller's thread polls that pipe and the pidfd. The handlers are
// installed by forwardSignals() before the container is created (as runc does), so a signal that
// arrives while the container starts is held in the pipe and forwarded, instead of killing us.
int g_sigpipe[2] = {-1, -1};
namespace {

struct sigaction g_oldsa[32];
bool g_installed[32] = {false};
sigset_t g_oldmask;

// Signals read from the pipe before the process ran (syncRecv with watchSignals), forwarded first
// by waitForeground.
unsigned char g_deferred[64];
int g_ndeferred = 0;

}  // namespace

void DeferSignal(unsigned char sig) {
  if (g_ndeferred < (int)sizeof g_deferred) g_deferred[g_ndeferred++] = sig;
}

bool Terminating(int sig) { return sig == SIGTERM || sig == SIGINT || sig == SIGHUP || sig == SIGQUIT; }

namespace {

pid_t g_self = 0;

// A signal one of our own threads sent to a thread (tgkill: SI_TKILL, our pid) is the engine's, not
// the user's: JavaScriptCore suspends and resumes the JS thread with SIGPWR (WTF's thread
// suspension, used by Bun's --cpu-prof sampler and stack scans from other threads). It goes to the
// handler that was there before ours, with its siginfo and context; taking it made a suspender wait
// forever (`run` under BUN_OPTIONS=--cpu-prof hung before the container existed) and sent the
// container a SIGPWR nobody had sent. Signals from anyone else, SIGPWR included, are forwarded
// (runc forwards every signal but SIGCHLD, SIGWINCH and SIGURG).
void ForwardHandler(int sig, siginfo_t *si, void *uc) {
  if (si && si->si_code == SI_TKILL && si->si_pid == g_self) {
    const struct sigaction &o = g_oldsa[sig];
    if (o.sa_flags & SA_SIGINFO) {
      if (o.sa_sigaction) return o.sa_sigaction(sig, si, uc);
    } else if (o.sa_handler != SIG_DFL && o.sa_handler != SIG_IGN) {
      return o.sa_handler(sig);
    }
  }
  unsigned char s = (unsigned char)sig;
  int saved = errno;
  (void)!write(g_sigpipe[1], &s, 1);
  errno = saved;
}

bool Forwarded(int sig) {
  // Not forwarded: the uncatchable ones, SIGCHLD (our own child's exit), and faults/SIGURG.
  return !(sig == SIGKILL || sig == SIGSTOP || sig == SIGCHLD || sig == SIGSEGV || sig == SIGBUS || sig == SIGILL ||
           sig == SIGFPE || sig == SIGURG || sig == SIGTRAP || sig == SIGABRT);
}

int InstallForwarding() {
  if (g_sigpipe[0] >= 0) return 0;
  if (pipe2(g_sigpipe, O_CLOEXEC | O_NONBLOCK) < 0) return errno;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  g_self = getpid();
  sa.sa_sigaction = ForwardHandler;
  sigfillset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART | SA_SIGINFO;
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

}  // namespace

Napi::Value ForwardSignals(const Napi::CallbackInfo &info) {
  int e = InstallForwarding();
  if (e) return ThrowErrno(info.Env(), "pipe2", e);
  return info.Env().Undefined();
}

namespace {

// Copy the runtime's window size (from whichever of stdin/stdout is a terminal) to the pty.
void ResizePty(int master) {
  struct winsize ws;
  if (ioctl(0, TIOCGWINSZ, &ws) == 0 || ioctl(1, TIOCGWINSZ, &ws) == 0) ioctl(master, TIOCSWINSZ, &ws);
}

}  // namespace

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
    if (master >= 0 && g_deferred[k] == SIGWINCH)
      ResizePty((int)master);
    else
      syscall(SYS_pidfd_send_signal, (int)pidfd, (int)g_deferred[k], nullptr, 0);
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
    if (master_open) {
      mi = n;
      pf[n++] = {(int)master, POLLIN, 0};
    }
    if (stdin_open) {
      ii = n;
      pf[n++] = {0, POLLIN, 0};
    }
    int r = poll(pf, (nfds_t)n, -1);
    if (r < 0) {
      if (errno == EINTR) continue;
      result_err = errno;
      break;
    }
    if (pf[1].revents & POLLIN) {
      unsigned char s;
      while (read(g_sigpipe[0], &s, 1) == 1) {
        if (master >= 0 && s == SIGWINCH)
          ResizePty((int)master);
        else
          syscall(SYS_pidfd_send_signal, (int)pidfd, (int)s, nullptr, 0);
      }
    }
    if (mi >= 0 && pf[mi].revents) {
      ssize_t k = read((int)master, buf, sizeof buf);
      if (k > 0)
        WriteAll(1, buf, (size_t)k);
      else if (k == 0 || (errno != EAGAIN && errno != EINTR))
        master_open = false;  // EIO: no slave left
    }
    if (ii >= 0 && pf[ii].revents) {
      ssize_t k = read(0, buf, sizeof buf);
      if (k > 0)
        WriteAll((int)master, buf, (size_t)k);
      else if (k == 0 || (errno != EAGAIN && errno != EINTR))
        stdin_open = false;
    }
    if (pf[0].revents & POLLIN) {
      // What the container wrote before it exited is still in the pty: drain it first.
      while (master_open) {
        ssize_t k = read((int)master, buf, sizeof buf);
        if (k > 0)
          WriteAll(1, buf, (size_t)k);
        else
          break;
      }
      int w;
      do w = waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED);
      while (w < 0 && errno == EINTR);
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
