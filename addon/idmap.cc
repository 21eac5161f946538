// The runtime's half of a mount made for the child (SYNC_MOUNTFD): src/container/idmap.ts decides
// the user namespace; the fd goes to the child through the sync driver (src/container/sync.ts).
#include "binding.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

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
  int tree = (int)syscall(SYS_open_tree, AT_FDCWD, src.c_str(),
                          OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rec ? AT_RECURSIVE : 0));
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
