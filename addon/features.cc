// Probes for `tsrunc features` (features.md, features-linux.md): what this build's libseccomp and
// this host's kernel accept, found with calls that change nothing. Runs in the runtime, never after
// clone. The same probes runc uses (libcontainer/seccomp/patchbpf FlagSupported: a filter flag the
// kernel knows fails with EFAULT on a NULL program instead of EINVAL).
#include <napi.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>
#include <vector>

#ifndef SECCOMP_GET_ACTION_AVAIL
#define SECCOMP_GET_ACTION_AVAIL 2
#endif
#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

namespace {

// struct mount_attr (mount_setattr(2)); declared here as older headers lack it.
struct MountAttr {
  uint64_t attr_set, attr_clr, propagation, userns_fd;
};
constexpr uint64_t kMountAttrIdmap = 0x00100000;

std::vector<uint32_t> U32s(Napi::Value v) {
  std::vector<uint32_t> out;
  Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); i++) out.push_back(a.Get(i).As<Napi::Number>().Uint32Value());
  return out;
}

}  // namespace

// probeFeatures({archs, actions, flags, mountAttrs}) -> {seccompApi, archs, actions, flags, mountAttrs}:
// per libseccomp arch name, whether this libseccomp resolves it; per SECCOMP_RET_* action value,
// whether the kernel has it (SECCOMP_GET_ACTION_AVAIL); per filter flag, whether the kernel takes it;
// per MOUNT_ATTR_* bit, the errno of mount_setattr(-1, "", AT_EMPTY_PATH, {attr_set: bit}): EBADF
// (the bit passed validation, the fd did not) means the kernel knows it, EINVAL that it does not,
// ENOSYS that there is no mount_setattr, EPERM that an unprivileged caller cannot tell.
Napi::Value ProbeFeatures(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Object in = info[0].As<Napi::Object>();
  Napi::Object out = Napi::Object::New(env);
  out.Set("seccompApi", Napi::Number::New(env, seccomp_api_get()));

  Napi::Array names = in.Get("archs").As<Napi::Array>();
  Napi::Array archs = Napi::Array::New(env, names.Length());
  for (uint32_t i = 0; i < names.Length(); i++) {
    std::string name = names.Get(i).As<Napi::String>().Utf8Value();
    archs.Set(i, Napi::Boolean::New(env, seccomp_arch_resolve_name(name.c_str()) != 0));
  }
  out.Set("archs", archs);

  std::vector<uint32_t> actions = U32s(in.Get("actions"));
  Napi::Array acts = Napi::Array::New(env, actions.size());
  for (size_t i = 0; i < actions.size(); i++) {
    uint32_t a = actions[i];
    acts.Set((uint32_t)i, Napi::Boolean::New(env, syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &a) == 0));
  }
  out.Set("actions", acts);

  std::vector<uint32_t> flags = U32s(in.Get("flags"));
  Napi::Array fl = Napi::Array::New(env, flags.size());
  for (size_t i = 0; i < flags.size(); i++) {
    unsigned f = flags[i];
    // WAIT_KILLABLE_RECV is only valid with NEW_LISTENER (kernel/seccomp.c).
    if (f & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) f |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
    long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, f, nullptr);
    fl.Set((uint32_t)i, Napi::Boolean::New(env, r < 0 && errno == EFAULT));
  }
  out.Set("flags", fl);

  std::vector<uint32_t> bits = U32s(in.Get("mountAttrs"));
  Napi::Array ma = Napi::Array::New(env, bits.size());
  for (size_t i = 0; i < bits.size(); i++) {
    // An fd that is not open: an idmap request fails with EBADF once the bit itself is accepted.
    MountAttr a = {bits[i], 0, 0, bits[i] & kMountAttrIdmap ? (uint64_t)INT_MAX : 0};
    long r = syscall(SYS_mount_setattr, -1, "", AT_EMPTY_PATH, &a, sizeof a);
    ma.Set((uint32_t)i, Napi::Number::New(env, r < 0 ? errno : 0));
  }
  out.Set("mountAttrs", ma);
  return out;
}
