// spawn: clone3 and the execve of tsrunc-init (addon/init.c) on a plan, from a sealed memfd copy.
// The child side of the clone makes raw syscalls only; what follows in the child is child.c. runc
// clones in C for the same reason, before its Go runtime starts (libcontainer/nsenter/nsexec.c).
// The clone is CLONE_VM | CLONE_VFORK on a stack of its own (clonevm.h), as posix_spawn's: the
// runtime is blocked until the child's execve, and its page tables are neither copied nor
// write-protected.
#include "binding.h"

extern "C" {
#include "child.h"
#include "clonevm.h"
}

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

// The init helper (addon/init.c), beside this addon, executed from a sealed memfd copy made once per
// runtime process: a container process that opens /proc/<pid>/exe of a process entering the
// container reaches that private, write-sealed copy, never a file on the host (CVE-2019-5736 class).
namespace {

int g_init_memfd = -1;

int InitMemfd(std::string *why) {
  if (g_init_memfd >= 0) return g_init_memfd;
  Dl_info info;
  if (!dladdr((void *)&InitMemfd, &info) || !info.dli_fname) {
    *why = "cannot locate the addon to find tsrunc-init";
    return -1;
  }
  std::string path = info.dli_fname;
  size_t slash = path.rfind('/');
  path = (slash == std::string::npos ? std::string(".") : path.substr(0, slash)) + "/tsrunc-init";
  int src = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (src < 0) {
    *why = "open " + path + ": " + strerror(errno);
    return -1;
  }
  struct stat st;
  int mfd = fstat(src, &st) < 0 ? -1 : (int)syscall(SYS_memfd_create, "tsrunc-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0) {
    *why = std::string("memfd for tsrunc-init: ") + strerror(errno);
    close(src);
    return -1;
  }
  off_t off = 0;
  while (off < st.st_size) {
    ssize_t n = sendfile(mfd, src, &off, (size_t)(st.st_size - off));
    if (n <= 0) {
      *why = "copy " + path + ": " + strerror(n < 0 ? errno : EIO);
      close(src);
      close(mfd);
      return -1;
    }
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

// What the child needs between the clone and its execve, all made ready by the parent before.
struct ExecArgs {
  int keep_end, planfd, sockfd, exefd;
  bool newuser;
  struct __user_cap_header_struct *caph;
  struct __user_cap_data_struct *capraise;
  char **argv, **envp;
};

// The child, from the clone to the execve of tsrunc-init: raw syscalls on what ExecArgs holds, and
// nothing else. It shares the runtime's memory (CLONE_VM) or is a copy of a threaded process, so it
// must not allocate, lock or touch anything the runtime owns. Keep stdio, the preserved fds, the plan
// and the socket across the execve; everything else is close-on-exec or closed by tsrunc-init first
// thing. Returns (the exit status) only when the execve failed, after telling the parent why.
int ChildExec(void *p) {
  const ExecArgs *a = (const ExecArgs *)p;
  for (int fd = 0; fd < a->keep_end; fd++) syscall(SYS_fcntl, fd, F_SETFD, 0);
  syscall(SYS_fcntl, a->planfd, F_SETFD, 0);
  syscall(SYS_fcntl, a->sockfd, F_SETFD, 0);
  if (a->newuser && syscall(SYS_capset, a->caph, a->capraise) == 0)
    for (int cap = 0; cap < 64; cap++) syscall(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
  syscall(SYS_execveat, a->exefd, "", a->argv, a->envp, AT_EMPTY_PATH);
  struct tsr_sync m;
  memset(&m, 0, sizeof m);
  m.type = TSR_SYNC_ERROR;
  m.op = ~0u;
  m.err = errno;  // the runtime's errno under CLONE_VM: it is blocked, and reads none before clone3 returns
  memcpy(m.text, "execute tsrunc-init", sizeof "execute tsrunc-init");
  syscall(SYS_sendto, a->sockfd, &m, sizeof m, MSG_NOSIGNAL, nullptr, 0);
  return 127;
}

// The child's stack under CLONE_VM: one spawn at a time (the JS thread), and the runtime is blocked
// while the child runs on it (CLONE_VFORK). ChildExec needs well under a page of it.
alignas(16) char g_child_stack[16384];

// clone3 with the child running ChildExec: sharing the runtime's memory where the architecture has
// tsr_clone3_fn, else as a fork (the child runs ChildExec on its copy). pid, or -1 with errno.
long CloneChild(struct clone_args ca, ExecArgs *xa) {
  if (tsr_clone_fn_supported) {
    ca.flags |= CLONE_VM | CLONE_VFORK;
    ca.stack = (uint64_t)(uintptr_t)g_child_stack;
    ca.stack_size = sizeof g_child_stack;
    long r = tsr_clone3_fn(&ca, sizeof ca, ChildExec, xa);
    if (r >= 0) return r;
    errno = (int)-r;
    return -1;
  }
  long pid = syscall(SYS_clone3, &ca, sizeof ca);
  if (pid == 0) syscall(SYS_exit_group, ChildExec(xa));
  return pid;
}

}  // namespace

// spawn(plan: Buffer, cgroupDir?: string, label?: string) -> { pid, pidfd, sock, intoCgroup }
// Checks the plan (tsr_prepare), writes it to a memfd, blocks every signal with the raw syscall
// (glibc's sigprocmask keeps two of its own unblocked), clones with clone3(CLONE_PIDFD | the plan's
// namespace flags [| CLONE_INTO_CGROUP]), and the child at once executes tsrunc-init on the plan
// (addon/init.c): nothing of the runtime's image runs in the container.
Napi::Value Spawn(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsBuffer() ||
      (info.Length() > 1 && !info[1].IsString() && !info[1].IsUndefined())) {
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
  auto cleanup = [&]() {
    for (int fd : fds)
      if (fd >= 0) close(fd);
  };
  auto lift = [&](int fd) {
    int high = fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, keep_end);
    if (fd >= 0) close(fd);
    return high;
  };
  fds[0] = lift((int)syscall(SYS_memfd_create, "tsrunc-plan", MFD_CLOEXEC));
  if (fds[0] < 0) {
    int e = errno;
    cleanup();
    return ThrowErrno(env, "memfd_create", e);
  }
  if (!WriteAll(fds[0], (const char *)b.Data(), b.Length())) {
    int e = errno;
    cleanup();
    return ThrowErrno(env, "write plan", e);
  }
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
    int e = errno;
    cleanup();
    return ThrowErrno(env, "socketpair", e);
  }
  fds[1] = lift(sv[0]);
  fds[2] = lift(sv[1]);
  if (fds[1] < 0 || fds[2] < 0) {
    int e = errno;
    cleanup();
    return ThrowErrno(env, "fcntl(F_DUPFD)", e);
  }
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
  if (newuser && syscall(SYS_capget, &caph, capd) < 0) {
    int e = errno;
    cleanup();
    return ThrowErrno(env, "capget", e);
  }
  for (int k = 0; k < 2; k++) {
    capraise[k] = capd[k];
    capraise[k].inheritable = capd[k].permitted;
  }
  char inh[32];
  snprintf(inh, sizeof inh, "%llx", ((unsigned long long)capd[1].inheritable << 32) | capd[0].inheritable);
  // argv for tsrunc-init, made before the clone: the child only makes raw syscalls. The label
  // (`create <id>`, `exec <id>`) is there for ps(1) on the host, as runc shows `runc init`.
  std::string a1 = std::to_string(fds[0]), a2 = std::to_string(fds[2]), label;
  if (info.Length() > 2 && info[2].IsString()) label = info[2].As<Napi::String>().Utf8Value();
  char *argv[] = {(char *)"tsrunc-init",
                  (char *)a1.c_str(),
                  (char *)a2.c_str(),
                  newuser ? inh : (char *)"-",
                  label.empty() ? nullptr : (char *)label.c_str(),
                  nullptr};
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
  ExecArgs xa = {keep_end, fds[0], fds[2], exefd, newuser, &caph, capraise, argv, envp};
  long pid = CloneChild(ca, &xa);
  if (pid < 0 && into) {
    // An older kernel, or a cgroup the kernel will not put a process in: clone as usual; the
    // runtime then moves the child through cgroup.procs, whose error says what is wrong.
    into = false;
    ca.flags &= ~(uint64_t)CLONE_INTO_CGROUP;
    ca.cgroup = 0;
    pid = CloneChild(ca, &xa);
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
