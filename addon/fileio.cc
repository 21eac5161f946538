// The file operations of the runtime's commands (state, kill, list, start, delete, create, run,
// exec, and every error message), made here so that those commands need not load node:fs: in the
// compiled Bun executable that module costs about 100 page faults and 3-4 ms at each start, more
// than all of these calls (issue 12).
// src/fileio.ts is the only caller. Errors are thrown as Node's fs errors are (code, errno < 0,
// syscall, path; "ENOENT: no such file or directory, open '/x'"), so callers tell them apart the
// same way whichever module made the call.
#include "binding.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdlib>
#include <vector>

namespace {

Napi::Value ThrowFsError(Napi::Env env, const char *syscall, int err, const std::string &path = "") {
  const char *name = strerrorname_np(err);
  std::string code = name ? name : "E" + std::to_string(err);
  std::string text = strerror(err);
  if (!text.empty()) text[0] = (char)tolower((unsigned char)text[0]);
  std::string msg = code + ": " + text + ", " + syscall + (path.empty() ? "" : " '" + path + "'");
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("code", Napi::String::New(env, code));
  e.Set("errno", Napi::Number::New(env, -err));
  e.Set("syscall", Napi::String::New(env, syscall));
  if (!path.empty()) e.Set("path", Napi::String::New(env, path));
  e.ThrowAsJavaScriptException();
  return env.Undefined();
}

int OpenRetry(const char *path, int flags, mode_t mode) {
  int fd;
  do fd = open(path, flags | O_CLOEXEC, mode);
  while (fd < 0 && errno == EINTR);
  return fd;
}

// Everything left to read on fd into out; false with errno set on a read error.
bool ReadAll(int fd, std::string *out) {
  char buf[16384];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      out->append(buf, (size_t)n);
      continue;
    }
    if (n == 0) return true;
    if (errno != EINTR) return false;
  }
}

// open(path, flags | O_CLOEXEC, mode) -> fd as a JS number, or node:fs's error for "open".
Napi::Value OpenFd(Napi::Env env, const std::string &path, int flags, mode_t mode) {
  int fd = OpenRetry(path.c_str(), flags, mode);
  if (fd < 0) return ThrowFsError(env, "open", errno, path);
  return Napi::Number::New(env, fd);
}

// readFile(path, flags = 0) -> string: the whole file (O_RDONLY | flags), as UTF-8.
Napi::Value ReadFile(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string path;
  int64_t flags = 0;
  if (!ArgStr(info, 0, &path) || (info.Length() > 1 && !ArgInt(info, 1, &flags))) return env.Undefined();
  int fd = OpenRetry(path.c_str(), O_RDONLY | (int)flags, 0);
  if (fd < 0) return ThrowFsError(env, "open", errno, path);
  std::string out;
  bool ok = ReadAll(fd, &out);
  int e = errno;
  close(fd);
  if (!ok) return ThrowFsError(env, "read", e, path);
  return Napi::String::New(env, out);
}

// writeFile(path, data, flags, mode): open(O_WRONLY | flags, mode), write all, close.
Napi::Value WriteFile(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string path, data;
  int64_t flags, mode;
  if (!ArgStr(info, 0, &path) || !ArgStr(info, 1, &data) || !ArgInt(info, 2, &flags) || !ArgInt(info, 3, &mode))
    return env.Undefined();
  int fd = OpenRetry(path.c_str(), O_WRONLY | (int)flags, (mode_t)mode);
  if (fd < 0) return ThrowFsError(env, "open", errno, path);
  if (!WriteAll(fd, data.data(), data.size())) {
    int e = errno;
    close(fd);
    return ThrowFsError(env, "write", e, path);
  }
  if (close(fd) < 0 && errno != EINTR) return ThrowFsError(env, "close", errno, path);
  return env.Undefined();
}

// writeFd(fd, data): all of data to an open fd (stdout, stderr).
Napi::Value WriteFd(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int64_t fd;
  std::string data;
  if (!ArgInt(info, 0, &fd) || !ArgStr(info, 1, &data)) return env.Undefined();
  if (!WriteAll((int)fd, data.data(), data.size())) return ThrowFsError(env, "write", errno);
  return env.Undefined();
}

// openDir(path) -> fd: O_RDONLY | O_DIRECTORY | O_CLOEXEC (to flock a state directory).
Napi::Value OpenDir(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string path;
  if (!ArgStr(info, 0, &path)) return env.Undefined();
  return OpenFd(env, path, O_RDONLY | O_DIRECTORY, 0);
}

Napi::Value Close(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int64_t fd;
  if (!ArgInt(info, 0, &fd)) return env.Undefined();
  if (close((int)fd) < 0 && errno != EINTR) return ThrowFsError(env, "close", errno);
  return env.Undefined();
}

// exists(path) -> boolean: as Node's existsSync (access F_OK, following symlinks).
Napi::Value Exists(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string path;
  if (!ArgStr(info, 0, &path)) return env.Undefined();
  return Napi::Boolean::New(env, access(path.c_str(), F_OK) == 0);
}

// listDir(path, dirsOnly) -> string[]: the names in it but . and .., sorted; with dirsOnly only the
// directories (symlinks not followed).
Napi::Value ListDir(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string path;
  if (!ArgStr(info, 0, &path)) return env.Undefined();
  bool dirs_only = info.Length() > 1 && info[1].ToBoolean().Value();
  int fd = OpenRetry(path.c_str(), O_RDONLY | O_DIRECTORY, 0);
  if (fd < 0) return ThrowFsError(env, "opendir", errno, path);
  DIR *d = fdopendir(fd);
  if (!d) {
    int e = errno;
    close(fd);
    return ThrowFsError(env, "opendir", e, path);
  }
  std::vector<std::string> names;
  errno = 0;
  for (struct dirent *de; (de = readdir(d)) != nullptr; errno = 0) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
    bool dir = de->d_type == DT_DIR;
    struct stat st;
    if (dirs_only && de->d_type == DT_UNKNOWN && fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
      dir = S_ISDIR(st.st_mode);
    if (dir || !dirs_only) names.emplace_back(de->d_name);
  }
  int e = errno;
  closedir(d);
  if (e) return ThrowFsError(env, "scandir", e, path);
  std::sort(names.begin(), names.end());
  Napi::Array out = Napi::Array::New(env, names.size());
  for (size_t i = 0; i < names.size(); i++) out.Set((uint32_t)i, Napi::String::New(env, names[i]));
  return out;
}

// The calls that take a path (and an integer) and return nothing: call(path, arg) < 0 is thrown as
// syscall's error on path.
template <int (*call)(const char *, int64_t)>
Napi::Value PathCall(const Napi::CallbackInfo &info, const char *syscall, bool with_int) {
  Napi::Env env = info.Env();
  std::string path;
  int64_t arg = 0;
  if (!ArgStr(info, 0, &path) || (with_int && !ArgInt(info, 1, &arg))) return env.Undefined();
  if (call(path.c_str(), arg) < 0) return ThrowFsError(env, syscall, errno, path);
  return env.Undefined();
}

int DoUnlink(const char *p, int64_t) { return unlink(p); }
int DoRmdir(const char *p, int64_t) { return rmdir(p); }
int DoMkdir(const char *p, int64_t mode) { return mkdir(p, (mode_t)mode); }

// unlink(path), rmdir(path), mkdir(path, mode)
Napi::Value Unlink(const Napi::CallbackInfo &info) { return PathCall<DoUnlink>(info, "unlink", false); }
Napi::Value Rmdir(const Napi::CallbackInfo &info) { return PathCall<DoRmdir>(info, "rmdir", false); }
Napi::Value Mkdir(const Napi::CallbackInfo &info) { return PathCall<DoMkdir>(info, "mkdir", true); }

// rename(from, to)
Napi::Value Rename(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string from, to;
  if (!ArgStr(info, 0, &from) || !ArgStr(info, 1, &to)) return env.Undefined();
  if (rename(from.c_str(), to.c_str()) < 0) return ThrowFsError(env, "rename", errno, from);
  return env.Undefined();
}

// The stat fields the runtime reads: {mode, size, dev, ino, nlink, uid, gid, rdev}.
Napi::Value StatObject(Napi::Env env, const struct stat &st) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("mode", Napi::Number::New(env, st.st_mode));
  o.Set("size", Napi::Number::New(env, (double)st.st_size));
  o.Set("dev", Napi::Number::New(env, (double)st.st_dev));
  o.Set("ino", Napi::Number::New(env, (double)st.st_ino));
  o.Set("nlink", Napi::Number::New(env, (double)st.st_nlink));
  o.Set("uid", Napi::Number::New(env, st.st_uid));
  o.Set("gid", Napi::Number::New(env, st.st_gid));
  o.Set("rdev", Napi::Number::New(env, (double)st.st_rdev));
  return o;
}

// stat(path, follow) -> stat fields: stat(2) with follow, lstat(2) without.
Napi::Value Stat(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string path;
  if (!ArgStr(info, 0, &path)) return env.Undefined();
  bool follow = info.Length() > 1 && info[1].ToBoolean().Value();
  struct stat st;
  if ((follow ? stat(path.c_str(), &st) : lstat(path.c_str(), &st)) < 0)
    return ThrowFsError(env, follow ? "stat" : "lstat", errno, path);
  return StatObject(env, st);
}

// fstat(fd) -> stat fields.
Napi::Value Fstat(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int64_t fd;
  if (!ArgInt(info, 0, &fd)) return env.Undefined();
  struct stat st;
  if (fstat((int)fd, &st) < 0) return ThrowFsError(env, "fstat", errno);
  return StatObject(env, st);
}

// open(path, flags, mode) -> fd, always O_CLOEXEC.
Napi::Value Open(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string path;
  int64_t flags, mode = 0;
  if (!ArgStr(info, 0, &path) || !ArgInt(info, 1, &flags) || (info.Length() > 2 && !ArgInt(info, 2, &mode)))
    return env.Undefined();
  return OpenFd(env, path, (int)flags, (mode_t)mode);
}

// readFd(fd) -> string: everything left to read on fd (a file, or stdin to its end), as UTF-8.
Napi::Value ReadFd(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int64_t fd;
  if (!ArgInt(info, 0, &fd)) return env.Undefined();
  std::string out;
  if (!ReadAll((int)fd, &out)) return ThrowFsError(env, "read", errno);
  return Napi::String::New(env, out);
}

// readlink(path) -> the link's text.
Napi::Value Readlink(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string path;
  if (!ArgStr(info, 0, &path)) return env.Undefined();
  char buf[PATH_MAX];
  ssize_t n = readlink(path.c_str(), buf, sizeof buf);
  if (n < 0) return ThrowFsError(env, "readlink", errno, path);
  if ((size_t)n == sizeof buf) return ThrowFsError(env, "readlink", ENAMETOOLONG, path);
  return Napi::String::New(env, buf, (size_t)n);
}

// realpath(path) -> the canonical absolute path (realpath(3)).
Napi::Value Realpath(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string path;
  if (!ArgStr(info, 0, &path)) return env.Undefined();
  char *r = realpath(path.c_str(), nullptr);
  if (!r) return ThrowFsError(env, "realpath", errno, path);
  Napi::String out = Napi::String::New(env, r);
  free(r);
  return out;
}

}  // namespace

void ExportFileIo(Napi::Env env, Napi::Object exports) {
  Napi::Object io = Napi::Object::New(env);
  io.Set("readFile", Napi::Function::New(env, ReadFile));
  io.Set("writeFile", Napi::Function::New(env, WriteFile));
  io.Set("writeFd", Napi::Function::New(env, WriteFd));
  io.Set("openDir", Napi::Function::New(env, OpenDir));
  io.Set("close", Napi::Function::New(env, Close));
  io.Set("exists", Napi::Function::New(env, Exists));
  io.Set("listDir", Napi::Function::New(env, ListDir));
  io.Set("rename", Napi::Function::New(env, Rename));
  io.Set("unlink", Napi::Function::New(env, Unlink));
  io.Set("mkdir", Napi::Function::New(env, Mkdir));
  io.Set("rmdir", Napi::Function::New(env, Rmdir));
  io.Set("stat", Napi::Function::New(env, Stat));
  io.Set("fstat", Napi::Function::New(env, Fstat));
  io.Set("open", Napi::Function::New(env, Open));
  io.Set("readFd", Napi::Function::New(env, ReadFd));
  io.Set("readlink", Napi::Function::New(env, Readlink));
  io.Set("realpath", Napi::Function::New(env, Realpath));
  exports.Set("io", io);
}
