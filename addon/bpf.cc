// cgroup v2 device rules: load a BPF_PROG_TYPE_CGROUP_DEVICE program (compiled by
// src/cgroups/devicefilter.ts) and attach it to a cgroup directory, as runc's devicefilter does.
// Runs in the runtime, never after clone.
#include <napi.h>

#include "fail.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>
#include <vector>

using tsr::Fail;
using tsr::Usage;

namespace {

int Bpf(int cmd, union bpf_attr *attr) { return (int)syscall(SYS_bpf, cmd, attr, sizeof *attr); }

// BPF_PROG_LOAD with this thread's signals blocked, and again on EAGAIN. The verifier gives up
// with EAGAIN (not EINTR, and never restarted) when a signal is pending for the thread: a
// forwarded signal reaching `run`, a SIGWINCH, or the engine's own SIGPWR (Bun's --cpu-prof
// sampler suspends the JS thread every few microseconds; every create failed on pure cgroup v2
// under it). Blocked, they wait the ~1 ms of the load and are delivered after it, as cilium/ebpf
// (runc's loader) masks the profiler's signal around the load and retries EAGAIN. The retry is still
// reachable: pthread_sigmask leaves glibc's two internal signals (thread cancellation, setxid)
// unblocked.
int BpfProgLoad(union bpf_attr *attr) {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  int fd = -1;
  for (int attempt = 0; attempt < 5; attempt++) {
    fd = Bpf(BPF_PROG_LOAD, attr);
    if (fd >= 0 || errno != EAGAIN) break;
  }
  int e = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = e;
  return fd;
}

}  // namespace

// bpfAttachDeviceFilter(cgroupDir, insns): load the program and attach it with BPF_F_ALLOW_MULTI
// (the programs of the parent cgroups still apply too, as runc attaches it). The attachment keeps
// the program alive; it goes away with the cgroup.
Napi::Value BpfAttachDeviceFilter(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  bool ok = info.Length() >= 2 && info[0].IsString() && info[1].IsBuffer();
  if (!Usage(info, ok, "bpfAttachDeviceFilter(cgroupDir, insns: Buffer)")) return env.Undefined();
  std::string dir = info[0].As<Napi::String>();
  Napi::Buffer<uint8_t> insns = info[1].As<Napi::Buffer<uint8_t>>();
  if (insns.Length() == 0 || insns.Length() % sizeof(struct bpf_insn)) {
    Napi::TypeError::New(env, "insns must be whole bpf instructions").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  static const char license[] = "Apache";
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (uint64_t)(uintptr_t)insns.Data();
  attr.insn_cnt = (uint32_t)(insns.Length() / sizeof(struct bpf_insn));
  attr.license = (uint64_t)(uintptr_t)license;
  int prog = BpfProgLoad(&attr);
  if (prog < 0) {
    int e = errno;
    // Again with the verifier's log, to say why.
    std::vector<char> log(64 * 1024);
    attr.log_buf = (uint64_t)(uintptr_t)log.data();
    attr.log_size = (uint32_t)log.size();
    attr.log_level = 1;
    int again = BpfProgLoad(&attr);
    if (again >= 0) close(again);
    // The first line says what the verifier refused; the rest is its trace and a summary.
    std::string text(log.data());
    size_t nl = text.find('\n');
    std::string first = nl == std::string::npos ? text : text.substr(0, nl);
    return Fail(env, "cannot load the device filter (bpf BPF_PROG_LOAD)", e,
                first.empty() ? "" : " (verifier: " + first + ")");
  }
  int cg = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cg < 0) {
    int e = errno;
    close(prog);
    return Fail(env, "cannot open " + dir, e);
  }
  memset(&attr, 0, sizeof attr);
  attr.target_fd = (uint32_t)cg;
  attr.attach_bpf_fd = (uint32_t)prog;
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  int r = Bpf(BPF_PROG_ATTACH, &attr);
  int e = errno;
  close(cg);
  close(prog);
  if (r < 0) return Fail(env, "cannot attach the device filter to " + dir + " (bpf BPF_PROG_ATTACH)", e);
  return env.Undefined();
}

// bpfDeviceFilterCount(cgroupDir): how many device programs are attached to the cgroup itself
// (BPF_PROG_QUERY), for tests and diagnostics.
Napi::Value BpfDeviceFilterCount(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!Usage(info, info.Length() >= 1 && info[0].IsString(), "bpfDeviceFilterCount(cgroupDir)")) return env.Undefined();
  std::string dir = info[0].As<Napi::String>();
  int cg = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cg < 0) return Fail(env, "cannot open " + dir, errno);
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.query.target_fd = (uint32_t)cg;
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  int r = Bpf(BPF_PROG_QUERY, &attr);
  int e = errno;
  close(cg);
  if (r < 0) return Fail(env, "cannot query " + dir + " (bpf BPF_PROG_QUERY)", e);
  return Napi::Number::New(env, attr.query.prog_cnt);
}
