// Seccomp filter compilation with libseccomp, in the runtime's process before clone (DESIGN.md):
// the child only loads the resulting BPF program (TSR_OP_SECCOMP). TypeScript (src/linux/seccomp.ts)
// has already validated the profile and resolved actions, operators and architecture names.
#include <napi.h>

#include "fail.h"
#include <seccomp.h>

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>
#include <vector>

using tsr::Fail;

namespace {

struct Ctx {
  scmp_filter_ctx ctx;
  explicit Ctx(uint32_t def) : ctx(seccomp_init(def)) {}
  ~Ctx() { if (ctx) seccomp_release(ctx); }
};

uint32_t U32(Napi::Object o, const char *k) { return o.Get(k).As<Napi::Number>().Uint32Value(); }
uint64_t U64(Napi::Object o, const char *k) {
  return strtoull(o.Get(k).As<Napi::String>().Utf8Value().c_str(), nullptr, 10);
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
  for (uint32_t i = 0; i < arches.Length(); i++) {
    std::string name = arches.Get(i).As<Napi::String>().Utf8Value();
    uint32_t arch = seccomp_arch_resolve_name(name.c_str());
    if (!arch) return Fail(env, "linux.seccomp.architectures[" + std::to_string(i) + "]: unknown architecture " + name);
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
    int r = seccomp_rule_add_array(c.ctx, U32(rule, "action"), nr, (unsigned)cmps.size(), cmps.empty() ? nullptr : cmps.data());
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
  out.Set("program", Napi::Buffer<uint8_t>::Copy(env, buf.data(), buf.size()));
  out.Set("skipped", skipped);
  return out;
}
