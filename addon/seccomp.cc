// Seccomp filter compilation with libseccomp, in the runtime's process before clone (docs/ARCHITECTURE.md §2):
// the child only loads the resulting BPF program (TSR_OP_SECCOMP). TypeScript (src/linux/seccomp.ts)
// has already validated the profile and resolved actions, operators and architecture names.
#include <napi.h>

#include "fail.h"
#include <seccomp.h>

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <map>
#include <string>
#include <vector>

using tsr::Fail;

namespace {

struct Ctx {
  scmp_filter_ctx ctx;
  explicit Ctx(uint32_t def) : ctx(seccomp_init(def)) {}
  ~Ctx() {
    if (ctx) seccomp_release(ctx);
  }
};

uint32_t U32(Napi::Object o, const char *k) { return o.Get(k).As<Napi::Number>().Uint32Value(); }
uint64_t U64(Napi::Object o, const char *k) {
  return strtoull(o.Get(k).As<Napi::String>().Utf8Value().c_str(), nullptr, 10);
}

// ---- the -ENOSYS stub (runc's libcontainer/seccomp/patchbpf) ------------------------------------
// A profile lists the syscalls it knows; with a default action that is not "allow", a syscall newer
// than the profile would get that default (often EPERM), and glibc only falls back to an older
// syscall on ENOSYS (clone3, faccessat2, openat2, ...). So a stub in front of libseccomp's program
// returns ENOSYS for a number above the highest one the profile names, per architecture; everything
// else goes on to the profile's program. Our own layout, runc's rule:
//   ld arch; jeq AUDIT_ARCH_x -> section_x ...; ja filter
//   section_x: ld nr; [s390: jeq 0 -> enosys] [x86_64: jset X32 bit to tell x86_64 from x32]
//              jgt max -> enosys; ja filter
//   enosys: ret ERRNO(ENOSYS)
//   filter: libseccomp's program, unchanged (its jumps are relative).
class Stub {
 public:
  enum Label : int { kEnosys = -1, kFilter = -2 };
  // A conditional jump to labels (a section index >= 0, or kEnosys/kFilter; kNext: fall through).
  static constexpr int kNext = -3;
  void Load(uint32_t off) { Emit(BPF_LD | BPF_W | BPF_ABS, off, kNext, kNext); }
  void Jump(uint16_t op, uint32_t k, int jt, int jf) { Emit(BPF_JMP | op | BPF_K, k, jt, jf); }
  void Goto(int label) { Emit(BPF_JMP | BPF_JA, 0, label, kNext); }
  void Ret(uint32_t k) { Emit(BPF_RET | BPF_K, k, kNext, kNext); }
  void Mark(int label) { at_[label] = code_.size(); }
  // Resolve the labels; false if a conditional jump is out of reach (cannot happen at this size).
  bool Finish(std::vector<struct sock_filter> *out) {
    at_[kFilter] = code_.size();
    for (size_t i = 0; i < code_.size(); i++) {
      Insn &n = code_[i];
      auto rel = [&](int label) -> int64_t { return label == kNext ? 0 : (int64_t)at_[label] - (int64_t)(i + 1); };
      struct sock_filter f = {n.code, 0, 0, n.k};
      if (BPF_CLASS(n.code) == BPF_JMP && BPF_OP(n.code) == BPF_JA) {
        f.k = (uint32_t)rel(n.jt);
      } else if (BPF_CLASS(n.code) == BPF_JMP) {
        int64_t t = rel(n.jt), e = rel(n.jf);
        if (t < 0 || t > 255 || e < 0 || e > 255) return false;
        f.jt = (uint8_t)t;
        f.jf = (uint8_t)e;
      }
      out->push_back(f);
    }
    return true;
  }

 private:
  struct Insn {
    uint16_t code;
    uint32_t k;
    int jt, jf;
  };
  void Emit(uint16_t code, uint32_t k, int jt, int jf) { code_.push_back({code, k, jt, jf}); }
  std::vector<Insn> code_;
  std::map<int, size_t> at_;
};

constexpr uint32_t kX32Bit = 0x40000000u;

// The highest number among `names` on each architecture, grouped by the audit arch the kernel
// reports (x32 calls come as AUDIT_ARCH_X86_64 with the x32 bit set), as runc's findLastSyscalls.
std::map<uint32_t, std::map<uint32_t, int>> LastSyscalls(const std::vector<uint32_t> &arches,
                                                         const std::vector<std::string> &names) {
  std::map<uint32_t, std::map<uint32_t, int>> out;
  for (uint32_t arch : arches) {
    int max = 0;
    for (const std::string &n : names) {
      int nr = seccomp_syscall_resolve_name_arch(arch, n.c_str());
      if (nr > max) max = nr;  // negative: not a syscall of this arch (libseccomp's pseudo numbers)
    }
    if (max > 0) out[arch == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : arch][arch] = max;
  }
  return out;
}

bool EnosysStub(const std::map<uint32_t, std::map<uint32_t, int>> &last, std::vector<struct sock_filter> *out) {
  Stub s;
  s.Load(offsetof(struct seccomp_data, arch));
  int section = 0;
  for (const auto &g : last) s.Jump(BPF_JEQ, g.first, section++, Stub::kNext);
  s.Goto(Stub::kFilter);
  section = 0;
  for (const auto &g : last) {
    s.Mark(section++);
    s.Load(offsetof(struct seccomp_data, nr));
    const auto &m = g.second;
    if (g.first == AUDIT_ARCH_X86_64) {
      auto x64 = m.find(SCMP_ARCH_X86_64), x32 = m.find(SCMP_ARCH_X32);
      // Two numbering schemes under one audit arch: the x32 bit says which one applies.
      int x32chk = 1000 + section;
      s.Jump(BPF_JSET, kX32Bit, x32 != m.end() ? x32chk : Stub::kFilter, x64 != m.end() ? Stub::kNext : Stub::kFilter);
      if (x64 != m.end()) s.Jump(BPF_JGT, (uint32_t)x64->second, Stub::kEnosys, Stub::kFilter);
      if (x32 != m.end()) {
        s.Mark(x32chk);
        s.Jump(BPF_JGT, (uint32_t)x32->second, Stub::kEnosys, Stub::kFilter);
      }
      continue;
    }
    // s390 and s390x: syscall 0 is the multiplexer, which runc answers with ENOSYS too.
    if (g.first == AUDIT_ARCH_S390 || g.first == AUDIT_ARCH_S390X) s.Jump(BPF_JEQ, 0, Stub::kEnosys, Stub::kNext);
    s.Jump(BPF_JGT, (uint32_t)m.begin()->second, Stub::kEnosys, Stub::kFilter);
  }
  s.Mark(Stub::kEnosys);
  s.Ret(SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA));
  return s.Finish(out);
}

}  // namespace

// seccompCompile({ defaultAction, architectures: string[], rules: [{ syscall, action, args: [{index, op,
//   value, valueTwo}] }] }) -> { program: Buffer (struct sock_filter[]), skipped: string[] }
Napi::Value SeccompCompile(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) return Fail(env, "seccompCompile(profile)");
  Napi::Object prof = info[0].As<Napi::Object>();
  Ctx c(U32(prof, "defaultAction"));
  if (!c.ctx) return Fail(env, "seccomp_init failed");
  // We load the program ourselves; no_new_privs is the config's business, not libseccomp's.
  seccomp_attr_set(c.ctx, SCMP_FLTATR_CTL_NNP, 0);
  Napi::Array arches = prof.Get("architectures").As<Napi::Array>();
  std::vector<uint32_t> archList = {seccomp_arch_native()};  // runc: the native arch is implied
  for (uint32_t i = 0; i < arches.Length(); i++) {
    std::string name = arches.Get(i).As<Napi::String>().Utf8Value();
    uint32_t arch = seccomp_arch_resolve_name(name.c_str());
    if (!arch) return Fail(env, "linux.seccomp.architectures[" + std::to_string(i) + "]: unknown architecture " + name);
    archList.push_back(arch);
    int r = seccomp_arch_add(c.ctx, arch);
    if (r < 0 && r != -EEXIST) return Fail(env, "linux.seccomp.architectures[" + std::to_string(i) + "]: " + name, -r);
  }
  Napi::Array rules = prof.Get("rules").As<Napi::Array>();
  Napi::Array skipped = Napi::Array::New(env);
  uint32_t nskipped = 0;
  for (uint32_t i = 0; i < rules.Length(); i++) {
    Napi::Object rule = rules.Get(i).As<Napi::Object>();
    std::string name = rule.Get("syscall").As<Napi::String>().Utf8Value();
    int nr = seccomp_syscall_resolve_name(name.c_str());
    if (nr == __NR_SCMP_ERROR) {  // unknown to this libseccomp/kernel: skipped, as runc does
      skipped.Set(nskipped++, Napi::String::New(env, name));
      continue;
    }
    Napi::Array args = rule.Get("args").As<Napi::Array>();
    std::vector<struct scmp_arg_cmp> cmps;
    for (uint32_t k = 0; k < args.Length(); k++) {
      Napi::Object a = args.Get(k).As<Napi::Object>();
      struct scmp_arg_cmp cmp;
      cmp.arg = U32(a, "index");
      cmp.op = (enum scmp_compare)U32(a, "op");
      cmp.datum_a = U64(a, "value");
      cmp.datum_b = U64(a, "valueTwo");
      cmps.push_back(cmp);
    }
    int r = seccomp_rule_add_array(c.ctx, U32(rule, "action"), nr, (unsigned)cmps.size(),
                                   cmps.empty() ? nullptr : cmps.data());
    if (r < 0) return Fail(env, rule.Get("field").As<Napi::String>().Utf8Value() + ": cannot add rule for " + name, -r);
  }
  int fd = memfd_create("tsrunc-seccomp", MFD_CLOEXEC);
  if (fd < 0) return Fail(env, "memfd_create", errno);
  int r = seccomp_export_bpf(c.ctx, fd);
  if (r < 0) {
    close(fd);
    return Fail(env, "seccomp_export_bpf", -r);
  }
  off_t len = lseek(fd, 0, SEEK_END);
  std::vector<uint8_t> buf((size_t)len);
  if (pread(fd, buf.data(), buf.size(), 0) != (ssize_t)len) {
    int e = errno;
    close(fd);
    return Fail(env, "read seccomp program", e);
  }
  close(fd);
  Napi::Object out = Napi::Object::New(env);
  if (prof.Get("enosysStub").ToBoolean()) {
    Napi::Array names = prof.Get("names").As<Napi::Array>();
    std::vector<std::string> nameList;
    for (uint32_t i = 0; i < names.Length(); i++) nameList.push_back(names.Get(i).As<Napi::String>().Utf8Value());
    std::vector<struct sock_filter> stub;
    if (!EnosysStub(LastSyscalls(archList, nameList), &stub))
      return Fail(env, "linux.seccomp: the -ENOSYS stub does not fit");
    out.Set("stubInstructions", Napi::Number::New(env, (double)stub.size()));
    buf.insert(buf.begin(), (const uint8_t *)stub.data(), (const uint8_t *)(stub.data() + stub.size()));
  }
  out.Set("program", Napi::Buffer<uint8_t>::Copy(env, buf.data(), buf.size()));
  out.Set("skipped", skipped);
  return out;
}
