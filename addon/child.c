/*
 * The plan interpreter: runs in the child between clone3() and execve().
 *
 * Rules (docs/ARCHITECTURE.md §2): the parent is multithreaded, so after clone there is no
 * malloc, no stdio, no locks: only syscalls on memory prepared before the clone (struct tsr_prepared).
 * Every failure is reported as {op index, errno, text} and the child exits.
 *
 * The child's half of the sync protocol is in the ops (SYNC_SEND/SYNC_WAIT, request_fd, send_fd,
 * FORK): the runtime's half, src/container/sync.ts, reads the order from the same plan and draws it
 * (runc: libcontainer/sync.go; the FORK stage as runc's nsenter/nsexec.c).
 */
#define _GNU_SOURCE
#include "child.h"
#include "scm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <sys/types.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif
#define PROC_ROOT_INO 1
/* keyctl(2) operations (linux/keyctl.h, not always installed) */
#define TSR_KEYCTL_JOIN_SESSION_KEYRING 1
#define TSR_KEYCTL_SETPERM 5
#define TSR_KEYCTL_DESCRIBE 6
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

/* ---- prepare (parent side, before clone: allocation allowed) ---------------------------------- */

static int str_ok(const struct tsr_prepared *p, uint32_t off) {
  if (off == TSR_NO_STR) return 1;
  if (off >= p->str_len) return 0;
  return memchr(p->str + off, 0, p->str_len - off) != NULL;
}

/* `spare` more NULL slots after the n strings (envp: one for SET_HOME's entry). */
static char **build_vector(const struct tsr_prepared *p, uint32_t off, int64_t n, size_t spare) {
  if (n < 0 || n > 65536) return NULL;
  char **v = calloc((size_t)n + 1 + spare, sizeof(char *));
  if (!v) return NULL;
  const char *s = p->str + off;
  for (int64_t i = 0; i < n; i++) {
    if ((size_t)(s - p->str) >= p->str_len) {
      free(v);
      return NULL;
    }
    size_t left = p->str_len - (size_t)(s - p->str);
    /* the last string may lack its NUL: never read past the table (found by fuzz/plan_fuzz.c) */
    const char *end = memchr(s, 0, left);
    if (!end) {
      free(v);
      return NULL;
    }
    v[i] = (char *)s;
    s = end + 1;
  }
  return v;
}

/* n consecutive NUL-terminated strings at off, inside the string table (n = 0: off may be NO_STR). */
static int strings_ok(const struct tsr_prepared *p, uint32_t off, int64_t n) {
  if (n == 0) return 1;
  if (n < 0 || n > 4096 || off == TSR_NO_STR) return 0;
  for (int64_t k = 0; k < n; k++) {
    if (off >= p->str_len) return 0;
    const char *end = memchr(p->str + off, 0, p->str_len - off);
    if (!end) return 0;
    off = (uint32_t)(end - p->str) + 1;
  }
  return 1;
}

int tsr_prepare(struct tsr_prepared *p, const void *buf, size_t len, const char **why) {
  memset(p, 0, sizeof *p);
  p->sock = p->rootfd = p->fifofd = p->devnull = p->procfd = p->fddir = -1;
  if (len < sizeof(struct tsr_plan_header)) {
    *why = "plan too short";
    return -1;
  }
  p->hdr = buf;
  if (p->hdr->magic != TSR_PLAN_MAGIC || p->hdr->version != TSR_PLAN_VERSION) {
    *why = "bad plan magic/version";
    return -1;
  }
  size_t ops_len = (size_t)p->hdr->nops * sizeof(struct tsr_op);
  if (sizeof(struct tsr_plan_header) + ops_len + p->hdr->strtab_len != len) {
    *why = "plan size mismatch";
    return -1;
  }
  /* The child walks every kept fd (close_inherited): no more than the kernel's nr_open ceiling. */
  if (p->hdr->keep_fds > (1u << 20)) {
    *why = "too many preserved fds";
    return -1;
  }
  p->ops = (const struct tsr_op *)((const char *)buf + sizeof(struct tsr_plan_header));
  p->str = (const char *)buf + sizeof(struct tsr_plan_header) + ops_len;
  p->str_len = p->hdr->strtab_len;
  for (uint32_t i = 0; i < p->hdr->nops; i++) {
    const struct tsr_op *op = &p->ops[i];
    if (op->code == 0 || op->code > TSR_OP_MAX) {
      *why = "unknown op code";
      return -1;
    }
    for (int k = 0; k < 4; k++) {
      /* blobs (SETGROUPS, SECCOMP) are checked by length below, strings by their NUL */
      int blob = (op->code == TSR_OP_SETGROUPS || op->code == TSR_OP_SECCOMP || op->code == TSR_OP_SCHED_SETATTR ||
                  op->code == TSR_OP_SETAFFINITY || op->code == TSR_OP_SET_MEMPOLICY) &&
                 k == 0;
      if (blob) {
        size_t unit = op->code == TSR_OP_SETGROUPS ? 4 : op->code == TSR_OP_SECCOMP ? sizeof(struct sock_filter) : 1;
        /* a0 is bounded first: a0 * unit must not wrap around (fuzz/plan_fuzz.c) */
        if (op->a[0] < 0 || (uint64_t)op->a[0] > p->str_len ||
            (size_t)op->s[0] + (size_t)op->a[0] * unit > p->str_len) {
          *why = "blob out of range";
          return -1;
        }
      } else if (!str_ok(p, op->s[k])) {
        *why = "string out of range";
        return -1;
      }
    }
    if (op->code == TSR_OP_RUN_HOOK && (op->s[0] == TSR_NO_STR || !strings_ok(p, op->s[1], op->a[0]) || op->a[0] < 1 ||
                                        !strings_ok(p, op->s[2], op->a[1]) || !strings_ok(p, op->s[3], 3))) {
      *why = "bad hook";
      return -1;
    }
    /* What the kernel reads from a blob beyond a0 (found by fuzz/plan_fuzz.c): sched_setattr(2) takes
     * its length from the struct's own size field; set_mempolicy(2) reads maxnode - 1 bits in whole
     * longs; a seccomp filter has at most BPF_MAXINSNS instructions (sock_fprog.len is 16 bits). */
    if (op->code == TSR_OP_SCHED_SETATTR) {
      uint32_t size;
      if (op->a[0] < 48) {
        *why = "sched_attr too short";
        return -1;
      }
      memcpy(&size, p->str + op->s[0], sizeof size);
      if (size > (uint64_t)op->a[0]) {
        *why = "sched_attr size beyond its blob";
        return -1;
      }
    }
    if (op->code == TSR_OP_SET_MEMPOLICY && op->a[0] && op->a[2] > 1 &&
        ((uint64_t)op->a[2] - 1 + 63) / 64 * 8 > (uint64_t)op->a[0]) {
      *why = "nodemask shorter than maxnode";
      return -1;
    }
    if (op->code == TSR_OP_SECCOMP && op->a[0] > 4096) {
      *why = "seccomp filter too long";
      return -1;
    }
    if (op->code == TSR_OP_EXEC) {
      if (op->s[0] == TSR_NO_STR || op->a[0] < 1) {
        *why = "exec without argv";
        return -1;
      }
      if (p->argv) {
        *why = "more than one exec";
        return -1;
      }
      p->argv = build_vector(p, op->s[0], op->a[0], 0);
      p->envp = build_vector(p, op->s[1] == TSR_NO_STR ? op->s[0] : op->s[1], op->s[1] == TSR_NO_STR ? 0 : op->a[1], 1);
      if (!p->argv || !p->envp) {
        *why = "bad argv/env";
        return -1;
      }
    }
  }
  return 0;
}

void tsr_release(struct tsr_prepared *p) {
  free(p->argv);
  free(p->envp);
  p->argv = p->envp = NULL;
}

/* ---- child side: no allocation from here on ------------------------------------------------- */

static const char *S(const struct tsr_prepared *p, uint32_t off) { return off == TSR_NO_STR ? NULL : p->str + off; }

/* Append src to dst (capacity cap) without stdio. */
static void cat(char *dst, size_t cap, const char *src) {
  size_t n = strlen(dst);
  while (src && *src && n + 1 < cap) dst[n++] = *src++;
  dst[n] = 0;
}

static void cat_uint(char *dst, size_t cap, unsigned long v) {
  char tmp[24];
  int i = sizeof tmp - 1;
  tmp[i] = 0;
  do {
    tmp[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v && i > 0);
  cat(dst, cap, tmp + i);
}

static const char *fd_path(struct tsr_prepared *p, int fd) {
  p->fd_path[0] = 0;
  cat(p->fd_path, sizeof p->fd_path, "/proc/self/fd/");
  cat_uint(p->fd_path, sizeof p->fd_path, (unsigned long)fd);
  return p->fd_path;
}

/* Report a failure and exit. Before the exec fifo is open the parent (create) reads the socket;
 * after it, `start` reads the fifo, so the message goes there. */
__attribute__((noreturn)) static void fail(struct tsr_prepared *p, uint32_t op, int err, const char *what,
                                           const char *arg) {
  struct tsr_sync m;
  memset(&m, 0, sizeof m);
  m.type = TSR_SYNC_ERROR;
  m.op = op;
  m.err = err;
  cat(m.text, sizeof m.text, what);
  if (arg) {
    cat(m.text, sizeof m.text, " ");
    cat(m.text, sizeof m.text, arg);
  }
  if (p->fifo_open) {
    /* "0" was already written; the rest of the stream is the error text for `start`. */
    char line[TSR_ERR_TEXT + 64];
    line[0] = 0;
    cat(line, sizeof line, m.text);
    if (err) {
      cat(line, sizeof line, ": errno ");
      cat_uint(line, sizeof line, (unsigned long)err);
    }
    (void)!write(p->fifofd, line, strlen(line));
  } else if (p->detached) {
    /* Nobody reads the socket any more (create has returned) and `start` has not opened the fifo:
     * the container's stderr is the only place left to say why it is gone. */
    char line[TSR_ERR_TEXT + 64];
    line[0] = 0;
    cat(line, sizeof line, "tsrunc init: ");
    cat(line, sizeof line, m.text);
    cat(line, sizeof line, ": errno ");
    cat_uint(line, sizeof line, (unsigned long)err);
    cat(line, sizeof line, "\n");
    (void)!write(2, line, strlen(line));
  } else {
    (void)!send(p->sock, &m, sizeof m, MSG_NOSIGNAL);
  }
  _exit(127);
}

static void sync_send(struct tsr_prepared *p, uint32_t i, uint32_t type, int32_t arg) {
  struct tsr_sync m;
  memset(&m, 0, sizeof m);
  m.type = type;
  m.arg = arg;
  if (send(p->sock, &m, sizeof m, MSG_NOSIGNAL) != (ssize_t)sizeof m) fail(p, i, errno, "sync send", NULL);
  if (type == TSR_SYNC_ACK) p->detached = 1;
}

static void sync_wait(struct tsr_prepared *p, uint32_t i, uint32_t type) {
  struct tsr_sync m;
  ssize_t n;
  do n = recv(p->sock, &m, sizeof m, 0);
  while (n < 0 && errno == EINTR);
  if (n == 0) _exit(1); /* the parent is gone: nobody will ever start us */
  if (n != (ssize_t)sizeof m) fail(p, i, n < 0 ? errno : EPROTO, "sync wait", NULL);
  if (m.type != type) fail(p, i, EPROTO, "unexpected sync message", NULL);
}

static int sys_openat2(int dirfd, const char *path, uint64_t flags, uint64_t resolve) {
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = flags;
  how.resolve = resolve;
  return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

#define IN_ROOT (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)

/* Open `path` (absolute in the container) under p->rootfd without ever leaving it: symlinks are
 * resolved as if rootfd were "/" (openat2 RESOLVE_IN_ROOT; the CVE-2019-16884/CVE-2021-30465 class).
 * With mkdir/mkfile, missing components are created (directories 0755, a last file 0644); a dangling
 * symlink on the way is followed, in root, and its target created (as runc's securejoin + MkdirAll). */
static int open_in_root(struct tsr_prepared *p, const char *path, int mkdir, int mkfile) {
  char *b = p->path_buf;
  const char *rel = path;
  while (*rel == '/') rel++;
  if (!*rel) rel = ".";
  size_t len = strlen(rel);
  if (len >= sizeof p->path_buf) {
    errno = ENAMETOOLONG;
    return -1;
  }
  memmove(b, rel, len + 1);
  for (int hops = 0; hops < 40; hops++) {
    int fd = sys_openat2(p->rootfd, b, O_PATH | O_CLOEXEC, IN_ROOT);
    if (fd >= 0 || errno != ENOENT || (!mkdir && !mkfile)) return fd;

    /* Walk the components, creating what is missing, each prefix resolved in root again. */
    int parent = dup(p->rootfd), restart = 0;
    if (parent < 0) return -1;
    size_t start = 0;
    for (;;) {
      size_t end = start;
      while (b[end] && b[end] != '/') end++;
      int last = b[end] == 0;
      char saved = b[end];
      b[end] = 0;
      const char *comp = b + start;
      if (*comp) {
        int fd2 = sys_openat2(p->rootfd, b, O_PATH | O_CLOEXEC, IN_ROOT);
        if (fd2 < 0 && errno == ENOENT) {
          int r;
          if (last && mkfile) {
            r = openat(parent, comp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
            if (r >= 0) close(r);
          } else {
            r = mkdirat(parent, comp, 0755);
          }
          if (r < 0 && errno == EEXIST) {
            /* It exists but does not resolve: a dangling symlink. Continue with its target
             * (relative to this directory, or to the root) followed by the rest of the path. */
            ssize_t n = readlinkat(parent, comp, p->link_buf, sizeof p->link_buf - 1);
            if (n < 0) {
              int e = errno;
              close(parent);
              errno = e;
              return -1;
            }
            p->link_buf[n] = 0;
            char *t = p->tmp_buf;
            t[0] = 0;
            if (p->link_buf[0] != '/') {
              b[start] = 0; /* the directory part of the prefix, with its trailing '/' */
              cat(t, sizeof p->tmp_buf, b);
            }
            cat(t, sizeof p->tmp_buf, p->link_buf);
            if (!last) {
              cat(t, sizeof p->tmp_buf, "/");
              cat(t, sizeof p->tmp_buf, b + end + 1);
            }
            const char *tr = t;
            while (*tr == '/') tr++;
            if (!*tr) tr = ".";
            memmove(b, tr, strlen(tr) + 1);
            restart = 1;
            break;
          }
          if (r < 0) {
            int e = errno;
            close(parent);
            errno = e;
            return -1;
          }
          fd2 = sys_openat2(p->rootfd, b, O_PATH | O_CLOEXEC, IN_ROOT);
        }
        if (fd2 < 0) {
          int e = errno;
          close(parent);
          errno = e;
          return -1;
        }
        close(parent);
        parent = fd2;
      }
      b[end] = saved;
      if (last) break;
      start = end + 1;
    }
    if (!restart) return parent;
    close(parent);
  }
  errno = ELOOP;
  return -1;
}

/* Open the parent directory of `path` in root (creating it), returning the fd and the last name.
 * Device nodes, /dev symlinks and /dev/console go exactly where the config says: a symlink anywhere
 * on the way (an image whose /dev is a symlink) is refused (ELOOP), not followed, not even to a place
 * inside the rootfs (runc 1.2.8 creates them with O_NOFOLLOW through pathrs for CVE-2025-52565). */
static int open_parent_in_root(struct tsr_prepared *p, const char *path, const char **name) {
  const char *slash = strrchr(path, '/');
  if (!slash || !slash[1]) {
    errno = EINVAL;
    return -1;
  }
  *name = slash + 1;
  size_t dlen = (size_t)(slash - path);
  char dir[PATH_MAX];
  if (dlen >= sizeof dir) {
    errno = ENAMETOOLONG;
    return -1;
  }
  memcpy(dir, path, dlen);
  dir[dlen] = 0;
  const char *d = dlen ? dir : "/";
  int fd = sys_openat2(p->rootfd, d, O_PATH | O_DIRECTORY | O_CLOEXEC, IN_ROOT | RESOLVE_NO_SYMLINKS);
  if (fd >= 0 || errno != ENOENT) return fd;
  /* Missing, and every component that exists is a real directory: create the rest, check again. */
  fd = open_in_root(p, d, 1, 0);
  if (fd < 0) return -1;
  close(fd);
  return sys_openat2(p->rootfd, d, O_PATH | O_DIRECTORY | O_CLOEXEC, IN_ROOT | RESOLVE_NO_SYMLINKS);
}

/* Attach a detached mount (open_tree/fsmount) onto the O_PATH fd of its target: no path walk. */
static int attach_at(int tree, int target) {
  return (int)syscall(SYS_move_mount, tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

/* A procfs root for every write into procfs (sysctl, oom_score_adj, timens_offsets) and the exec
 * fifo's reopening (the CVE-2025-52881 class: a path under /proc that an earlier mount, the image or
 * the container has redirected). Preferably a private procfs instance (fsopen/fsmount: nothing is
 * mounted over any of its files); where the kernel refuses one ("mount too revealing": a user
 * namespace whose only procfs is masked), a non-recursive clone of /proc, which leaves every mount
 * over it behind. Either way checked by fd to be a procfs root (fstatfs PROC_SUPER_MAGIC, inode
 * PROC_ROOT_INO), as runc's procfs handle (internal/pathrs) does. Opened once, while the child still
 * has its privileges; "self" is read from it, so it stays right across FORK. */
static int open_procfs(struct tsr_prepared *p) {
  if (p->procfd >= 0) return p->procfd;
  int fd = -1, fs = (int)syscall(SYS_fsopen, "proc", FSOPEN_CLOEXEC);
  if (fs >= 0) {
    if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
      fd = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
    close(fs);
  }
  if (fd < 0)
    fd = (int)syscall(SYS_open_tree, AT_FDCWD, "/proc", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW);
  if (fd < 0) return -1;
  struct statfs sfs;
  struct stat st;
  if (fstatfs(fd, &sfs) < 0 || fstat(fd, &st) < 0 || sfs.f_type != PROC_SUPER_MAGIC || st.st_ino != PROC_ROOT_INO) {
    close(fd);
    errno = EXDEV;
    return -1;
  }
  return p->procfd = fd;
}

/* Open a /proc/... path of the plan through open_procfs: "self" becomes our pid as that procfs sees
 * it; no component may be a symlink or cross a mount. */
static int proc_open(struct tsr_prepared *p, const char *path, int flags) {
  if (strncmp(path, "/proc/", 6) != 0) {
    errno = EINVAL;
    return -1;
  }
  int proc = open_procfs(p);
  if (proc < 0) return -1;
  const char *rel = path + 6;
  char *b = p->tmp_buf;
  b[0] = 0;
  if (strncmp(rel, "self/", 5) == 0 || strcmp(rel, "self") == 0) {
    ssize_t n = readlinkat(proc, "self", p->link_buf, sizeof p->link_buf - 1);
    if (n < 0) return -1;
    p->link_buf[n] = 0;
    cat(b, sizeof p->tmp_buf, p->link_buf);
    rel += 4;
  }
  cat(b, sizeof p->tmp_buf, rel);
  return sys_openat2(proc, b, (uint64_t)flags | O_CLOEXEC, RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS);
}

static int sys_mount_setattr(int dfd, const char *path, unsigned flags, uint64_t set, uint64_t clr, uint64_t prop) {
  struct mount_attr a;
  memset(&a, 0, sizeof a);
  a.attr_set = set;
  a.attr_clr = clr;
  a.propagation = prop;
  return (int)syscall(SYS_mount_setattr, dfd, path, flags, &a, sizeof a);
}

static void send_fd(struct tsr_prepared *p, uint32_t i, uint32_t type, int fd) {
  struct tsr_sync m;
  memset(&m, 0, sizeof m);
  m.type = type;
  if (tsr_send_fd(p->sock, &m, sizeof m, fd) < 0) fail(p, i, errno, "send fd", NULL);
}

/* Ask the parent for an fd (SYNC_MOUNTFD: a mount it prepared; SYNC_PIDFD: the init's pidfd) and
 * receive it (SCM_RIGHTS) in a reply of the same type. */
static int request_fd(struct tsr_prepared *p, uint32_t i, uint32_t type) {
  sync_send(p, i, type, (int32_t)i);
  struct tsr_sync m;
  int fd;
  ssize_t n = tsr_recv_fd(p->sock, &m, sizeof m, &fd);
  if (n == 0) _exit(1);
  if (n != (ssize_t)sizeof m) fail(p, i, n < 0 ? errno : EPROTO, "receive mount fd", NULL);
  if (m.type == TSR_SYNC_ERROR) _exit(1); /* the parent reports its own error */
  if (m.type != type || fd < 0) fail(p, i, EPROTO, "receive mount fd", NULL);
  return fd;
}

/* process.terminal (runc's setupConsole): the pty comes from the container's own devpts, opened after
 * pivot_root; the master goes to the runtime, the slave becomes /dev/console, fds 0-2 and the
 * controlling terminal (the init is a session leader without one: SETSID ran first). */
static void op_open_pty(struct tsr_prepared *p, uint32_t i, const struct tsr_op *op) {
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) fail(p, i, errno, "open", "/dev/ptmx");
  unsigned int ptn;
  if (ioctl(master, TIOCGPTN, &ptn) < 0) fail(p, i, errno, "/dev/ptmx is not a pty multiplexer", NULL);
  int unlock = 0;
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0) fail(p, i, errno, "unlockpt", NULL);
  if (op->a[0] || op->a[1]) {
    struct winsize ws;
    memset(&ws, 0, sizeof ws);
    ws.ws_row = (unsigned short)op->a[0];
    ws.ws_col = (unsigned short)op->a[1];
    if (ioctl(master, TIOCSWINSZ, &ws) < 0) fail(p, i, errno, "set the console size", NULL);
  }
  /* run and exec in the foreground copy the pty to their own stdout (a file, a pipe): "\n" must stay
   * "\n" (runc's ClearONLCR). Done here, before the master leaves and anything runs on the pty: the
   * runtime clearing it on receipt raced an exec'd process's first output. */
  if (op->a[3]) {
    struct termios t;
    if (tcgetattr(master, &t) < 0) fail(p, i, errno, "read the pty's termios", NULL);
    t.c_oflag &= ~(tcflag_t)ONLCR;
    if (tcsetattr(master, TCSANOW, &t) < 0) fail(p, i, errno, "clear ONLCR on the pty", NULL);
  }
  /* The peer by fd (TIOCGPTPEER): no path lookup of /dev/pts/N that the image could redirect. */
  int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) fail(p, i, errno, "open the pty slave", NULL);
  if (op->a[2] != 1) { /* the init's pty only: an exec'd process leaves /dev/console alone */
    /* CVE-2025-52565: /dev/console must not be a symlink (nor be reached through one): the pty
     * would be mounted wherever it points, over a masked or read-only path (runc 1.2.8 opens it
     * O_NOFOLLOW|O_CREAT). */
    const char *name;
    int cfd = -1, dfd = open_parent_in_root(p, "/dev/console", &name);
    if (dfd >= 0) {
      int f = openat(dfd, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
      if (f >= 0) close(f);
      cfd = sys_openat2(dfd, name, O_PATH | O_CLOEXEC, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
      close(dfd);
    }
    if (cfd < 0)
      fail(p, i, errno, errno == ELOOP ? "refused: a symlink at or on the way to" : "resolve", "/dev/console");
    int tree = (int)syscall(SYS_open_tree, slave, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
    if (tree < 0) fail(p, i, errno, "clone the pty for /dev/console", NULL);
    if (attach_at(tree, cfd) < 0) fail(p, i, errno, "bind the pty over", "/dev/console");
    close(tree);
    close(cfd);
  }
  send_fd(p, i, TSR_SYNC_PTY, master);
  close(master);
  for (int fd = 0; fd < 3; fd++)
    if (dup2(slave, fd) < 0) fail(p, i, errno, "dup2 the pty", NULL);
  if (ioctl(0, TIOCSCTTY, 0) < 0) fail(p, i, errno, "make the pty the controlling terminal", NULL);
  close(slave);
}

/* runc's fixStdioPermissions: the process's stdio (the pty of process.terminal, or the caller's pipes
 * and fifos) belongs to the process user, so it can use its console and reopen /dev/stdout. Only the
 * uid changes (the devpts gid, normally tty, stays); /dev/null is left alone; EPERM (an owner not
 * mapped in a user namespace) and EROFS are not errors. */
static void op_chown_stdio(struct tsr_prepared *p, uint32_t i, uid_t uid) {
  for (int fd = 0; fd < 3; fd++) {
    struct stat st;
    if (fstat(fd, &st) < 0) continue; /* closed */
    if (st.st_uid == uid || (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))) continue;
    if (fchown(fd, uid, (gid_t)-1) < 0 && errno != EPERM && errno != EROFS)
      fail(p, i, errno, "chown stdio to the process user", NULL);
  }
}

/* Attach a detached mount (MOUNT op) on its target, by fd when the target was resolved in root (no
 * path walk, no magic link to follow), set its propagation (a1) and close it. */
static void attach_tree(struct tsr_prepared *p, uint32_t i, const struct tsr_op *op, int tree, int tfd, const char *t,
                        const char *what) {
  const char *target = S(p, op->s[1]);
  uint64_t bits = (uint64_t)op->a[2];
  long mr = tfd >= 0 ? syscall(SYS_move_mount, tree, "", tfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)
                     : syscall(SYS_move_mount, tree, "", AT_FDCWD, t, MOVE_MOUNT_F_EMPTY_PATH);
  if (mr < 0) fail(p, i, errno, what, target);
  if (op->a[1] && sys_mount_setattr(tree, "", AT_EMPTY_PATH | ((bits & TSR_MNT_PROPAGATION_REC) ? AT_RECURSIVE : 0), 0,
                                    0, (uint64_t)op->a[1]) < 0)
    fail(p, i, errno, "set propagation of", target);
  close(tree);
}

/* All n bytes of s to fd (EINTR retried; a write that takes nothing is an error). */
static int write_n(int fd, const char *s, size_t n) {
  while (n) {
    ssize_t w = write(fd, s, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    s += w;
    n -= (size_t)w;
  }
  return 0;
}

/* runc's tmpcopyup (fileutils.CopyDirectory): the tree under `from` (the directory the new tmpfs
 * covers, opened before the mount) is copied into `to` (the tmpfs root). Everything is reached by
 * *at calls relative to the two directories, with O_NOFOLLOW: a symlink in the image is copied as a
 * symlink and never followed, so nothing outside the covered directory is read. Modes and owners
 * are kept (the child's umask is 0; chown before chmod keeps setuid bits). */
static void copy_tree(struct tsr_prepared *p, uint32_t i, int from, int to, int depth, const char *target) {
  if (depth > 64) fail(p, i, ELOOP, "tmpcopyup: directories nested too deep under", target);
  char buf[4096];
  for (;;) {
    long n = syscall(SYS_getdents64, from, buf, sizeof buf);
    if (n < 0) fail(p, i, errno, "tmpcopyup: read a directory under", target);
    if (n == 0) return;
    for (long off = 0; off < n;) {
      struct {
        uint64_t ino;
        int64_t off;
        unsigned short reclen;
        unsigned char type;
        char name[];
      } *d = (void *)(buf + off);
      off += d->reclen;
      const char *name = d->name;
      if (!strcmp(name, ".") || !strcmp(name, "..")) continue;
      struct stat st;
      if (fstatat(from, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        fail(p, i, errno, "tmpcopyup: stat an entry under", target);
      mode_t perm = st.st_mode & 07777;
      if (S_ISDIR(st.st_mode)) {
        if (mkdirat(to, name, 0700) < 0) fail(p, i, errno, "tmpcopyup: make a directory under", target);
        int f2 = openat(from, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int t2 = openat(to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (f2 < 0 || t2 < 0) fail(p, i, errno, "tmpcopyup: open a directory under", target);
        copy_tree(p, i, f2, t2, depth + 1, target);
        if (fchown(t2, st.st_uid, st.st_gid) < 0 || fchmod(t2, perm) < 0)
          fail(p, i, errno, "tmpcopyup: set owner and mode under", target);
        close(f2);
        close(t2);
      } else if (S_ISREG(st.st_mode)) {
        int f2 = openat(from, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (f2 < 0) fail(p, i, errno, "tmpcopyup: open a file under", target);
        int t2 = openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (t2 < 0) fail(p, i, errno, "tmpcopyup: create a file under", target);
        for (;;) {
          ssize_t k = read(f2, buf, sizeof buf);
          if (k < 0 && errno == EINTR) continue;
          if (k < 0) fail(p, i, errno, "tmpcopyup: read a file under", target);
          if (k == 0) break;
          if (write_n(t2, buf, (size_t)k) < 0) fail(p, i, errno, "tmpcopyup: write a file under", target);
        }
        if (fchown(t2, st.st_uid, st.st_gid) < 0 || fchmod(t2, perm) < 0)
          fail(p, i, errno, "tmpcopyup: set owner and mode under", target);
        close(f2);
        close(t2);
      } else if (S_ISLNK(st.st_mode)) {
        ssize_t k = readlinkat(from, name, p->link_buf, sizeof p->link_buf - 1);
        if (k < 0) fail(p, i, errno, "tmpcopyup: read a symlink under", target);
        p->link_buf[k] = 0;
        if (symlinkat(p->link_buf, to, name) < 0 || fchownat(to, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
          fail(p, i, errno, "tmpcopyup: copy a symlink under", target);
      } else {
        /* fifo, socket, character or block device: the node itself, as runc */
        if (mknodat(to, name, st.st_mode, st.st_rdev) < 0 ||
            fchownat(to, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 || fchmodat(to, name, perm, 0) < 0)
          fail(p, i, errno, "tmpcopyup: copy a special file under", target);
      }
    }
  }
}

static void op_mount(struct tsr_prepared *p, uint32_t i, const struct tsr_op *op) {
  const char *src = S(p, op->s[0]), *target = S(p, op->s[1]), *fstype = S(p, op->s[2]), *data = S(p, op->s[3]);
  uint64_t bits = (uint64_t)op->a[2];
  int tfd = -1;
  const char *t = target;
  if ((bits & TSR_MNT_DIR_MODE) && (bits & TSR_MNT_TARGET_IN_ROOT)) {
    /* runc (rootfs_linux.go, "tmpfs"; runc#3911, #3952): a tmpfs on a directory that exists keeps its
     * mode, setuid, setgid and sticky bits included, unless the options give one (the last mode= wins). */
    int efd = open_in_root(p, target, 0, 0);
    struct stat st;
    if (efd >= 0 && fstat(efd, &st) == 0 && S_ISDIR(st.st_mode)) {
      char *d = p->mount_data;
      unsigned m = st.st_mode & 07777;
      memcpy(d, "mode=0000", 10);
      for (int k = 0; k < 4; k++, m >>= 3) d[8 - k] = (char)('0' + (m & 7));
      if (data && *data) {
        if (strlen(data) + 11 > sizeof p->mount_data) fail(p, i, E2BIG, "mount data for", target);
        cat(d, sizeof p->mount_data, ",");
        cat(d, sizeof p->mount_data, data);
      }
      data = d;
    }
    if (efd >= 0) close(efd);
  }
  if (bits & TSR_MNT_TARGET_IN_ROOT) {
    tfd = open_in_root(p, target, !!(bits & TSR_MNT_MKDIR), !!(bits & TSR_MNT_MKFILE));
    if (tfd < 0) fail(p, i, errno, "resolve mount target", target);
    t = fd_path(p, tfd);
  }
  if (bits & TSR_MNT_PROPAGATION_ONLY) {
    if (mount(NULL, t, NULL, (unsigned long)op->a[1], NULL) < 0) fail(p, i, errno, "set propagation of", target);
  } else if (bits & TSR_MNT_FROM_PARENT) {
    attach_tree(p, i, op, request_fd(p, i, TSR_SYNC_MOUNTFD), tfd, t, "attach the runtime's mount on");
  } else if (bits & TSR_MNT_BIND) {
    unsigned tflags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | ((bits & TSR_MNT_RECURSIVE) ? AT_RECURSIVE : 0);
    int tree = (int)syscall(SYS_open_tree, AT_FDCWD, src, tflags);
    if (tree < 0) fail(p, i, errno, "bind source", src);
    uint64_t rset = (uint64_t)op->a[0] & 0xffffffffu, rclr = (uint64_t)op->a[0] >> 32;
    uint64_t set = (uint64_t)op->a[3] & 0xffffffffu, clr = (uint64_t)op->a[3] >> 32;
    if ((rset || rclr) && sys_mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, rset, rclr, 0) < 0)
      fail(p, i, errno, "set recursive mount attributes on", target);
    if ((set || clr) && sys_mount_setattr(tree, "", AT_EMPTY_PATH, set, clr, 0) < 0)
      fail(p, i, errno, "set mount attributes on", target);
    attach_tree(p, i, op, tree, tfd, t, "bind mount on");
  } else {
    /* tmpcopyup: the covered directory, opened before the mount hides it */
    int under = -1;
    if ((bits & TSR_MNT_COPYUP) && tfd >= 0) {
      under = openat(tfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (under < 0) fail(p, i, errno, "tmpcopyup: open", target);
    }
    if (mount(src, t, fstype, (unsigned long)op->a[0], data) < 0) fail(p, i, errno, "mount on", target);
    if (under >= 0) {
      int ofd = open_in_root(p, target, 0, 0);
      int over = ofd < 0 ? -1 : openat(ofd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (over < 0) fail(p, i, errno, "tmpcopyup: open the new mount on", target);
      copy_tree(p, i, under, over, 0, target);
      close(over);
      close(ofd);
      close(under);
    }
    if (op->a[1]) {
      /* Re-resolve: the new mount now sits on top of the path. */
      int nfd = (bits & TSR_MNT_TARGET_IN_ROOT) ? open_in_root(p, target, 0, 0) : open(target, O_PATH | O_CLOEXEC);
      if (nfd < 0 || sys_mount_setattr(nfd, "", AT_EMPTY_PATH | ((bits & TSR_MNT_PROPAGATION_REC) ? AT_RECURSIVE : 0),
                                       0, 0, (uint64_t)op->a[1]) < 0)
        fail(p, i, errno, "set propagation of", target);
      close(nfd);
    }
  }
  if (tfd >= 0) close(tfd);
}

static void op_mknod(struct tsr_prepared *p, uint32_t i, const struct tsr_op *op) {
  const char *path = S(p, op->s[0]), *name;
  int dfd = open_parent_in_root(p, path, &name);
  if (dfd < 0) fail(p, i, errno, errno == ELOOP ? "refused: a symlink on the way to" : "resolve device", path);
  if (mknodat(dfd, name, (mode_t)op->a[0], (dev_t)op->a[1]) < 0) {
    if (errno == EEXIST) {
      /* An existing node is replaced, as runc does for devices listed in config.json. */
      if (unlinkat(dfd, name, 0) < 0 || mknodat(dfd, name, (mode_t)op->a[0], (dev_t)op->a[1]) < 0)
        fail(p, i, errno, "mknod", path);
    } else if (errno == EPERM && op->s[1] != TSR_NO_STR) {
      /* Not allowed (user namespace): bind the host's node instead, as runc does. */
      int fd = openat(dfd, name, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
      if (fd < 0) fail(p, i, errno, "create bind target for device", path);
      close(fd);
      /* By fds: the target is the file just made in the checked directory, never a path walk. */
      int tfd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
      int tree =
          tfd < 0 ? -1 : (int)syscall(SYS_open_tree, AT_FDCWD, S(p, op->s[1]), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
      if (tree < 0 || attach_at(tree, tfd) < 0) fail(p, i, errno, "bind device", path);
      close(tree);
      close(tfd);
      close(dfd);
      return;
    } else {
      fail(p, i, errno, "mknod", path);
    }
  }
  if (fchmodat(dfd, name, (mode_t)op->a[0] & 07777, 0) < 0) fail(p, i, errno, "chmod device", path);
  if (fchownat(dfd, name, (uid_t)op->a[2], (gid_t)op->a[3], AT_SYMLINK_NOFOLLOW) < 0)
    fail(p, i, errno, "chown device", path);
  close(dfd);
}

static void op_symlink(struct tsr_prepared *p, uint32_t i, const struct tsr_op *op) {
  const char *path = S(p, op->s[1]), *name;
  int dfd = open_parent_in_root(p, path, &name);
  if (dfd < 0) fail(p, i, errno, errno == ELOOP ? "refused: a symlink on the way to" : "resolve symlink", path);
  if (symlinkat(S(p, op->s[0]), dfd, name) < 0 && errno != EEXIST) fail(p, i, errno, "symlink", path);
  close(dfd);
}

static void op_pivot_root(struct tsr_prepared *p, uint32_t i, const struct tsr_op *op) {
  /* pivot_root(".", "."), then detach the old root, which now sits on top of "/" (runc's trick; see
   * pivot_root(2) NOTES). The old root is made rslave first so the detach does not propagate to the
   * host. */
  const char *rootfs = S(p, op->s[0]);
  int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (oldroot < 0) fail(p, i, errno, "open /", NULL);
  int newroot = open(rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (newroot < 0) fail(p, i, errno, "open rootfs", rootfs);
  if (fchdir(newroot) < 0) fail(p, i, errno, "chdir", rootfs);
  if (syscall(SYS_pivot_root, ".", ".") < 0) fail(p, i, errno, "pivot_root", rootfs);
  if (fchdir(oldroot) < 0) fail(p, i, errno, "fchdir old root", NULL);
  if (mount("", ".", "", MS_SLAVE | MS_REC, NULL) < 0) fail(p, i, errno, "make old root rslave", NULL);
  if (umount2(".", MNT_DETACH) < 0) fail(p, i, errno, "detach old root", NULL);
  if (chdir("/") < 0) fail(p, i, errno, "chdir /", NULL);
  close(oldroot);
  close(newroot);
}

static void op_move_root(struct tsr_prepared *p, uint32_t i, const struct tsr_op *op) {
  /* --no-pivot: for a root on ramfs/rootfs, where pivot_root is impossible. */
  const char *rootfs = S(p, op->s[0]);
  if (chdir(rootfs) < 0) fail(p, i, errno, "chdir", rootfs);
  /* a0 = 1: the container shares the runtime's mount namespace; moving the rootfs would move it on
   * the host, so it is only chroot'ed into (as runc does without a mount namespace). */
  if (op->a[0] != 1 && mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0) fail(p, i, errno, "move rootfs to /", rootfs);
  if (chroot(".") < 0) fail(p, i, errno, "chroot", rootfs);
  if (chdir("/") < 0) fail(p, i, errno, "chdir /", NULL);
}

/* A maskedPaths/readonlyPaths entry (config-linux.md): a missing path is not an error (-1). */
static int open_listed_path(struct tsr_prepared *p, uint32_t i, const char *path, const char *what) {
  int fd = open_in_root(p, path, 0, 0);
  if (fd < 0 && errno != ENOENT) fail(p, i, errno, what, path);
  return fd;
}

static void op_mask(struct tsr_prepared *p, uint32_t i, const struct tsr_op *op) {
  /* maskedPaths: directories get a read-only tmpfs, everything else /dev/null bound over it. */
  const char *path = S(p, op->s[0]);
  int fd = open_listed_path(p, i, path, "resolve masked path");
  if (fd < 0) return;
  struct stat st;
  if (fstat(fd, &st) < 0) fail(p, i, errno, "stat masked path", path);
  int tree;
  if (S_ISDIR(st.st_mode)) {
    /* A read-only tmpfs made by fd (fsopen/fsmount) and attached by fd: no /proc/self/fd path. */
    int fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
    tree = fs < 0 || syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0
               ? -1
               : (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
                              MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
    if (fs >= 0) close(fs);
  } else {
    /* CVE-2025-31133: what masks a file is the null device, checked by fd (S_ISCHR, 1:3, as runc's
     * verifyDevNull), never whatever the image or an earlier mount put at /dev/null. Resolved once,
     * without following any symlink. */
    if (p->devnull < 0) {
      int dn = sys_openat2(p->rootfd, "dev/null", O_PATH | O_CLOEXEC, IN_ROOT | RESOLVE_NO_SYMLINKS);
      struct stat ns;
      if (dn < 0 || fstat(dn, &ns) < 0 || !S_ISCHR(ns.st_mode) || ns.st_rdev != makedev(1, 3))
        fail(p, i, dn < 0 ? errno : ENODEV, "/dev/null in the container is not the null device (1:3): cannot mask",
             path);
      p->devnull = dn;
    }
    tree = (int)syscall(SYS_open_tree, p->devnull, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
  }
  if (tree < 0 || attach_at(tree, fd) < 0) fail(p, i, errno, "mask", path);
  close(tree);
  close(fd);
}

static void op_readonly(struct tsr_prepared *p, uint32_t i, const struct tsr_op *op) {
  const char *path = S(p, op->s[0]);
  int fd = open_listed_path(p, i, path, "resolve readonly path");
  if (fd < 0) return;
  int tree = (int)syscall(SYS_open_tree, fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
  if (tree < 0) fail(p, i, errno, "bind readonly path", path);
  if (sys_mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, MOUNT_ATTR_RDONLY, 0, 0) < 0)
    fail(p, i, errno, "make read-only", path);
  if (syscall(SYS_move_mount, tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    fail(p, i, errno, "mount read-only", path);
  close(tree);
  close(fd);
}

static void op_write_file(struct tsr_prepared *p, uint32_t i, const struct tsr_op *op) {
  const char *path = S(p, op->s[0]), *data = S(p, op->s[1]);
  int fd = proc_open(p, path, O_WRONLY); /* every WRITE_FILE is a procfs file: through the checked handle */
  if (fd < 0) fail(p, i, errno, "open", path);
  size_t len = strlen(data);
  if (write(fd, data, len) != (ssize_t)len) fail(p, i, errno, "write", path);
  close(fd);
}

/* execvp's search, done at create time so that a missing executable is create's error (runc). */
static void op_resolve_exec(struct tsr_prepared *p, uint32_t i, const struct tsr_op *op) {
  const char *arg0 = S(p, op->s[0]), *path = S(p, op->s[1]);
  struct stat st;
  /* Worded as runc's (Go's exec.LookPath): `exec: "<arg0>"[: stat <arg0>]`, the errno's text after. */
  char msg[TSR_ERR_TEXT];
  msg[0] = 0;
  cat(msg, sizeof msg, "exec: \"");
  cat(msg, sizeof msg, arg0);
  cat(msg, sizeof msg, "\"");
  if (strchr(arg0, '/')) {
    if (strlen(arg0) >= sizeof p->exec_path) fail(p, i, ENAMETOOLONG, msg, NULL);
    strcpy(p->exec_path, arg0);
    if (stat(arg0, &st) < 0) {
      int e = errno;
      cat(msg, sizeof msg, ": stat ");
      cat(msg, sizeof msg, arg0);
      fail(p, i, e, msg, NULL);
    }
    if (S_ISDIR(st.st_mode)) fail(p, i, EISDIR, msg, NULL);
    if (access(arg0, X_OK) < 0) fail(p, i, errno, msg, NULL);
    return;
  }
  const char *dir = path ? path : "";
  int last_err = ENOENT;
  for (;;) {
    const char *end = strchr(dir, ':');
    size_t dlen = end ? (size_t)(end - dir) : strlen(dir);
    if (dlen > 0 && dlen + strlen(arg0) + 2 < sizeof p->exec_path) {
      memcpy(p->exec_path, dir, dlen);
      p->exec_path[dlen] = '/';
      strcpy(p->exec_path + dlen + 1, arg0);
      if (stat(p->exec_path, &st) == 0 && S_ISREG(st.st_mode)) {
        if (access(p->exec_path, X_OK) == 0) return;
        last_err = EACCES;
      }
    }
    if (!end) break;
    dir = end + 1;
  }
  cat(msg, sizeof msg, ": executable file not found in $PATH");
  fail(p, i, last_err, msg, NULL);
}

static void op_caps_bounding(struct tsr_prepared *p, uint32_t i, uint64_t keep) {
  for (int cap = 0; cap < 64; cap++) {
    if (keep & (1ULL << cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
      fail(p, i, errno, "drop bounding capability", NULL);
  }
}

static void op_capset(struct tsr_prepared *p, uint32_t i, const struct tsr_op *op) {
  struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct d[2];
  uint64_t eff = (uint64_t)op->a[0], perm = (uint64_t)op->a[1], inh = (uint64_t)op->a[2], amb = (uint64_t)op->a[3];
  for (int k = 0; k < 2; k++) {
    d[k].effective = (uint32_t)(eff >> (32 * k));
    d[k].permitted = (uint32_t)(perm >> (32 * k));
    d[k].inheritable = (uint32_t)(inh >> (32 * k));
  }
  if (syscall(SYS_capset, &h, d) < 0) fail(p, i, errno, "capset", NULL);
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    fail(p, i, errno, "clear ambient capabilities", NULL);
  for (int cap = 0; cap < 64; cap++) {
    if (!(amb & (1ULL << cap))) continue;
    /* runc ignores failures to raise an ambient capability that is not permitted+inheritable. */
    (void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
  }
}

static void op_wait_fifo(struct tsr_prepared *p, uint32_t i) {
  /* The fifo was opened O_PATH before pivot_root (it lives in the runtime's state dir, outside the
   * container); reopening /proc/self/fd/N for writing blocks until `start` opens the read side. */
  /* Through the procfs handle opened before pivot_root: the container's /proc is not trusted (an
   * earlier mount could sit over /proc/<pid>/fd); only the last step follows the fd's magic link. */
  int dir = p->fddir >= 0 ? p->fddir : proc_open(p, "/proc/self/fd", O_PATH | O_DIRECTORY);
  p->fddir = -1;
  if (dir < 0) fail(p, i, errno, "open exec fifo", NULL);
  char num[24];
  num[0] = 0;
  cat_uint(num, sizeof num, (unsigned long)p->fifofd);
  int fd;
  do fd = openat(dir, num, O_WRONLY | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  close(dir);
  if (fd < 0) fail(p, i, errno, "open exec fifo", NULL);
  close(p->fifofd);
  p->fifofd = fd;
  if (write(fd, "0", 1) != 1) fail(p, i, errno, "write exec fifo", NULL);
  /* From now on errors are reported on the fifo; on a successful execve it closes (O_CLOEXEC), and
   * `start` sees end-of-file after the "0". */
  p->fifo_open = 1;
}

static void unblock_signals(void);

static int write_all(int fd, const char *s) { return write_n(fd, s, strlen(s)); }

/* Fill v with the n strings of a blob (checked by strings_ok before clone). */
static void string_vector(const struct tsr_prepared *p, uint32_t off, int64_t n, char **v) {
  const char *s = p->str + off;
  for (int64_t k = 0; k < n; k++, s += strlen(s) + 1) v[k] = (char *)s;
  v[n] = NULL;
}

/* One /etc/passwd line (name:passwd:uid:gid:gecos:home:shell, surrounding blanks ignored): if its uid
 * field is exactly `uid` in decimal, copy its home into out (at most outlen-1 bytes) and return 1. */
static int passwd_home(const char *line, size_t len, uint64_t uid, char *out, size_t outlen) {
  while (len && (line[0] == ' ' || line[0] == '\t')) line++, len--;
  while (len && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r')) len--;
  const char *field[7];
  size_t flen[7], nf = 0, start = 0;
  for (size_t k = 0; k <= len && nf < 7; k++) {
    if (k == len || line[k] == ':') {
      field[nf] = line + start;
      flen[nf++] = k - start;
      start = k + 1;
    }
  }
  if (nf < 6 || flen[2] == 0 || flen[2] > 10) return 0;
  uint64_t v = 0;
  for (size_t k = 0; k < flen[2]; k++) {
    if (field[2][k] < '0' || field[2][k] > '9') return 0;
    v = v * 10 + (uint64_t)(field[2][k] - '0');
  }
  if (v != uid || flen[5] >= outlen) return 0;
  memcpy(out, field[5], flen[5]);
  out[flen[5]] = 0;
  return 1;
}

/* runc's prepareEnv: "if HOME is not found in env, get it from container's /etc/passwd and add": the
 * home of the first entry for the uid in the container's /etc/passwd, "/" without one (runc's
 * getUserHome). Runs in the container's root, before the user change, as runc. The file is the
 * image's: only a regular file is read (O_NONBLOCK: a FIFO there must not block us), a line longer
 * than the buffer is skipped, nothing is allocated. The env (deduplicated by the runtime, an empty
 * HOME dropped) gets HOME last; an entry that is there anyway is replaced in place. */
static void op_set_home(struct tsr_prepared *p, uint64_t uid) {
  if (!p->envp) return;
  char *home = p->home_env + 5;
  memcpy(p->home_env, "HOME=/", 7);
  int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  struct stat st;
  if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    char buf[4096];
    size_t have = 0;
    int skipping = 0, found = 0;
    for (;;) {
      ssize_t n = read(fd, buf + have, sizeof buf - have);
      if (n < 0 && errno == EINTR) continue;
      int eof = n <= 0;
      if (!eof) have += (size_t)n;
      size_t start = 0;
      for (size_t k = 0; k < have && !found; k++) {
        if (buf[k] != '\n') continue;
        if (!skipping) found = passwd_home(buf + start, k - start, uid, home, PATH_MAX);
        skipping = 0;
        start = k + 1;
      }
      if (found) break;
      if (eof) {
        if (!skipping && start < have && passwd_home(buf + start, have - start, uid, home, PATH_MAX)) found = 1;
        break;
      }
      memmove(buf, buf + start, have - start);
      have -= start;
      if (have == sizeof buf) { /* no newline in a whole buffer: skip that line */
        skipping = 1;
        have = 0;
      }
    }
  }
  if (fd >= 0) close(fd);
  size_t k = 0;
  while (p->envp[k] && strncmp(p->envp[k], "HOME=", 5) != 0) k++;
  if (!p->envp[k]) p->envp[k + 1] = NULL; /* the spare slot */
  p->envp[k] = p->home_env;
}

/* hooks.createContainer and hooks.startContainer (config.md "POSIX-platform Hooks"), run by the
 * container's process itself, as runc does (Hooks.Run from rootfs_linux.go prepareRootfs and
 * standard_init_linux.go): in its namespaces, with its credentials and, for startContainer, under
 * its seccomp filter. The state goes to the hook's stdin through a memfd: no file name anyone could
 * pre-create or redirect. The hook's stdout and stderr go to another memfd, quoted on failure (as
 * runc's error does). `timeout` kills it (pidfd poll). */
static void op_run_hook(struct tsr_prepared *p, uint32_t i, const struct tsr_op *op) {
  const char *path = S(p, op->s[0]);
  const char *field = p->str + op->s[3], *before = field + strlen(field) + 1, *after = before + strlen(before) + 1;
  char *argv[op->a[0] + 1], *own_env[op->a[1] + 1], **envp = own_env;
  string_vector(p, op->s[1], op->a[0], argv);
  if (op->a[1])
    string_vector(p, op->s[2], op->a[1], own_env);
  else
    own_env[0] = NULL;
  if (op->a[3] == 1 && p->envp) envp = p->envp; /* the process's env, as execve will get it */
  char pid[24] = "";
  cat_uint(pid, sizeof pid, (unsigned long)getpid()); /* the pid as the container sees it (runtime.md "State") */
  int in = (int)syscall(SYS_memfd_create, "tsrunc-hook-state", MFD_CLOEXEC);
  int out = (int)syscall(SYS_memfd_create, "tsrunc-hook-output", MFD_CLOEXEC);
  if (in < 0 || out < 0) fail(p, i, errno, "memfd for the hook's state", NULL);
  if (write_all(in, before) < 0 || write_all(in, pid) < 0 || write_all(in, after) < 0 || lseek(in, 0, SEEK_SET) < 0)
    fail(p, i, errno, "write the hook's state", NULL);
  int pidfd = -1;
  long c = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &pidfd, 0, 0);
  if (c < 0) fail(p, i, errno, "fork for hook", path);
  if (c == 0) {
    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0) _exit(127);
    /* Only stdio: not the container's preserved fds (runc's exec.Cmd passes 0-2 only). */
    syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
    unblock_signals();
    execve(path, argv, envp);
    char why[32] = "\001"; /* marks an execve failure for the parent: its errno follows */
    cat_uint(why, sizeof why, (unsigned long)errno);
    (void)!write(2, why, strlen(why));
    _exit(127);
  }
  close(in);
  struct pollfd pf = {pidfd, POLLIN, 0};
  int timeout = op->a[2] > 0 ? (int)op->a[2] : -1, r;
  do r = poll(&pf, 1, timeout);
  while (r < 0 && errno == EINTR);
  if (r < 0) {
    int e = errno;
    syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
    fail(p, i, e, "wait for hook", path);
  }
  int st = 0;
  char msg[TSR_ERR_TEXT];
  msg[0] = 0;
  if (p->fifo_open) { /* `start` reads this text, with no plan to name the field from */
    cat(msg, sizeof msg, field);
    cat(msg, sizeof msg, ": ");
  }
  cat(msg, sizeof msg, "hook ");
  cat(msg, sizeof msg, path);
  if (r == 0) {
    syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
    while (waitpid((pid_t)c, &st, 0) < 0 && errno == EINTR) {}
    cat(msg, sizeof msg, " timed out after ");
    cat_uint(msg, sizeof msg, (unsigned long)(op->a[2] / 1000));
    cat(msg, sizeof msg, "s");
    fail(p, i, 0, msg, NULL);
  }
  while (waitpid((pid_t)c, &st, 0) < 0 && errno == EINTR) {}
  close(pidfd);
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
    close(out);
    return;
  }
  char text[121];
  ssize_t n = pread(out, text, sizeof text - 1, 0);
  close(out);
  text[n > 0 ? n : 0] = 0;
  if (n > 0 && text[0] == '\001') {
    unsigned long e = 0;
    for (const char *d = text + 1; *d >= '0' && *d <= '9'; d++) e = e * 10 + (unsigned long)(*d - '0');
    cat(msg, sizeof msg, ": cannot run it");
    fail(p, i, (int)e, msg, NULL);
  }
  if (WIFEXITED(st)) {
    cat(msg, sizeof msg, " exited with status ");
    cat_uint(msg, sizeof msg, (unsigned long)WEXITSTATUS(st));
  } else {
    cat(msg, sizeof msg, " was killed by signal ");
    cat_uint(msg, sizeof msg, (unsigned long)WTERMSIG(st));
  }
  for (ssize_t k = 0; k < n; k++)
    if (text[k] == '\n' || text[k] == '\r' || text[k] == '\t') text[k] = ' ';
  while (n > 0 && text[n - 1] == ' ') text[--n] = 0;
  if (n > 0) {
    cat(msg, sizeof msg, ": ");
    cat(msg, sizeof msg, text);
  }
  fail(p, i, 0, msg, NULL);
}

static void reset_signals(void) {
  /* Raw rt_sigaction: glibc refuses the two signals it reserves for itself. */
  struct {
    void *handler;
    unsigned long flags;
    void *restorer;
    uint64_t mask;
  } sa;
  memset(&sa, 0, sizeof sa);
  sa.handler = SIG_DFL;
  for (int sig = 1; sig <= 64; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    syscall(SYS_rt_sigaction, sig, &sa, NULL, 8);
  }
}

static void unblock_signals(void) {
  uint64_t none = 0;
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, 8);
}

/* The child starts with a copy of every fd of the runtime: libuv's epoll and eventfd, the flock'd
 * state directory (holding it would deadlock the next command), log files. Close all of them at
 * once, keeping stdio, the preserved fds and the sync socket. */
static void close_inherited(struct tsr_prepared *p) {
  unsigned first = 3u + (unsigned)p->hdr->keep_fds, s = (unsigned)p->sock;
  if (s > first) syscall(SYS_close_range, first, s - 1, 0);
  syscall(SYS_close_range, (s >= first ? s : first - 1) + 1, ~0U, 0);
  /* The kept fds (--preserve-fds, LISTEN_FDS) reach the container as given, without the
   * close-on-exec flag the runtime's own start-up may have set on them (Bun marks fds >= 4, Node
   * others): runc passes them as exec.Cmd ExtraFiles, which dup2 them and so clear it. */
  for (unsigned fd = 3; fd < first; fd++)
    if (fd != s) syscall(SYS_fcntl, fd, F_SETFD, 0);
}

/* runc's setupKeyring: a new anonymous session keyring, so that the container does not share the
 * caller's (the host's credentials and keys); made searchable as runc does (the owner, or others in
 * a user namespace). A kernel without keyrings (ENOSYS) is tolerated, as runc does. */
static void op_join_keyring(struct tsr_prepared *p, uint32_t i, const struct tsr_op *op) {
  long id = syscall(SYS_keyctl, TSR_KEYCTL_JOIN_SESSION_KEYRING, NULL, 0, 0, 0);
  if (id < 0) {
    if (errno == ENOSYS) return;
    fail(p, i, errno, "join a new session keyring", NULL);
  }
  /* "type;uid;gid;perm;description": the perm field in hex */
  char d[TSR_ERR_TEXT];
  long n = syscall(SYS_keyctl, TSR_KEYCTL_DESCRIBE, id, d, sizeof d - 1, 0);
  if (n < 0) fail(p, i, errno, "describe the session keyring", NULL);
  d[n < (long)sizeof d ? n : (long)sizeof d - 1] = 0;
  const char *c = d;
  for (int k = 0; k < 3 && c; k++) {
    c = strchr(c, ';');
    if (c) c++;
  }
  if (!c) fail(p, i, EPROTO, "describe the session keyring", NULL);
  uint32_t perm = 0;
  for (; *c && *c != ';'; c++) perm = perm << 4 | (uint32_t)(*c <= '9' ? *c - '0' : (*c | 0x20) - 'a' + 10);
  if (syscall(SYS_keyctl, TSR_KEYCTL_SETPERM, id, perm | (uint32_t)op->a[0], 0, 0) < 0)
    fail(p, i, errno, "set the session keyring's permissions", NULL);
}

/* --no-pivot (runc's msMoveRoot): the host's mounts stay in the mount namespace under the moved root,
 * and while a full procfs or sysfs is among them the kernel lets a root that makes its own user and
 * mount namespaces mount a fresh, unmasked one ("mount too revealing", fs/namespace.c
 * mnt_already_visible). Each is detached, or covered with a tmpfs where it cannot be (a mount
 * locked by a user namespace). "/" is already rslave: nothing propagates to the host. */
static void op_hide_mount(struct tsr_prepared *p, uint32_t i, const struct tsr_op *op) {
  const char *path = S(p, op->s[0]);
  if (umount2(path, MNT_DETACH) == 0 || errno == ENOENT) return; /* ENOENT: under one detached already */
  if (errno != EINVAL && errno != EPERM) fail(p, i, errno, "detach host mount", path);
  if (mount("tmpfs", path, "tmpfs", MS_RDONLY, NULL) < 0) fail(p, i, errno, "cover host mount", path);
}

__attribute__((noreturn)) void tsr_child_main(struct tsr_prepared *p) {
  /* CVE-2019-5736: until execve this process is the tsrunc executable. Non-dumpable, a container
   * process cannot open /proc/<pid>/exe (or ptrace, or read mem/environ) of it once it is in the
   * container's namespaces, unless it has CAP_SYS_PTRACE over the runtime's user namespace
   * (ptrace_may_access: the mm's user namespace is the host's). First thing after clone: clone3
   * only creates namespaces nobody else is in yet; joining (setns) comes later. execve makes the
   * container's own program dumpable again. README "Security" has the reasoning. */
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) fail(p, 0, errno, "make the process non-dumpable", NULL);
  close_inherited(p);
  reset_signals();
  umask(0);
  for (uint32_t i = 0; i < p->hdr->nops; i++) {
    const struct tsr_op *op = &p->ops[i];
    switch (op->code) {
      case TSR_OP_SYNC_SEND: sync_send(p, i, (uint32_t)op->a[0], (int32_t)op->a[1]); break;
      case TSR_OP_SYNC_WAIT: sync_wait(p, i, (uint32_t)op->a[0]); break;
      case TSR_OP_UNSHARE:
        if (unshare((int)op->a[0]) < 0) fail(p, i, errno, "unshare", NULL);
        break;
      case TSR_OP_SETNS: {
        int fd = open(S(p, op->s[0]), O_RDONLY | O_CLOEXEC);
        if (fd < 0) fail(p, i, errno, "open namespace", S(p, op->s[0]));
        if (setns(fd, (int)op->a[0]) < 0) fail(p, i, errno, "setns", S(p, op->s[0]));
        close(fd);
        break;
      }
      case TSR_OP_PDEATHSIG:
        if (prctl(PR_SET_PDEATHSIG, (unsigned long)op->a[0], 0, 0, 0) < 0) fail(p, i, errno, "pdeathsig", NULL);
        /* The parent may already be gone (it died between clone and here). */
        if (op->a[0] && getppid() == 1) _exit(1);
        break;
      case TSR_OP_MOUNT: op_mount(p, i, op); break;
      case TSR_OP_OPEN_ROOT:
        if (p->rootfd >= 0) close(p->rootfd);
        p->rootfd = open(S(p, op->s[0]), O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (p->rootfd < 0) fail(p, i, errno, "open rootfs", S(p, op->s[0]));
        break;
      case TSR_OP_MKDIR: {
        int fd = open_in_root(p, S(p, op->s[0]), 1, 0);
        if (fd < 0) fail(p, i, errno, "mkdir", S(p, op->s[0]));
        close(fd);
        break;
      }
      case TSR_OP_MKNOD: op_mknod(p, i, op); break;
      case TSR_OP_SYMLINK: op_symlink(p, i, op); break;
      case TSR_OP_PIVOT_ROOT: op_pivot_root(p, i, op); break;
      case TSR_OP_MOVE_ROOT: op_move_root(p, i, op); break;
      case TSR_OP_MASK_PATH: op_mask(p, i, op); break;
      case TSR_OP_READONLY_PATH: op_readonly(p, i, op); break;
      case TSR_OP_SETHOSTNAME: {
        const char *h = S(p, op->s[0]);
        if (sethostname(h, strlen(h)) < 0) fail(p, i, errno, "sethostname", h);
        break;
      }
      case TSR_OP_SETDOMAINNAME: {
        const char *h = S(p, op->s[0]);
        if (setdomainname(h, strlen(h)) < 0) fail(p, i, errno, "setdomainname", h);
        break;
      }
      case TSR_OP_WRITE_FILE: op_write_file(p, i, op); break;
      case TSR_OP_SETRLIMIT: {
        struct rlimit rl = {(rlim_t)op->a[1], (rlim_t)op->a[2]};
        if (setrlimit((int)op->a[0], &rl) < 0) fail(p, i, errno, "setrlimit", NULL);
        break;
      }
      case TSR_OP_OPEN_FIFO:
        p->fifofd = open(S(p, op->s[0]), O_PATH | O_CLOEXEC);
        if (p->fifofd < 0) fail(p, i, errno, "open exec fifo", S(p, op->s[0]));
        /* WAIT_FIFO runs without privileges, in the container's root: get its procfs handle now. */
        if (open_procfs(p) < 0) fail(p, i, errno, "open a procfs handle", NULL);
        break;
      case TSR_OP_CAPS_BOUNDING: op_caps_bounding(p, i, (uint64_t)op->a[0]); break;
      case TSR_OP_KEEPCAPS:
        if (prctl(PR_SET_KEEPCAPS, (unsigned long)op->a[0], 0, 0, 0) < 0) fail(p, i, errno, "keepcaps", NULL);
        break;
      case TSR_OP_SETGROUPS: {
        gid_t gids[1024];
        size_t n = (size_t)op->a[0];
        if (n > 1024) fail(p, i, E2BIG, "setgroups", NULL);
        memcpy(gids, p->str + op->s[0], n * sizeof(gid_t));
        if (syscall(SYS_setgroups, n, gids) < 0) fail(p, i, errno, "setgroups", NULL);
        break;
      }
      /* Raw syscalls: glibc's setgid/setuid signal every thread of the (old) process image to keep
       * credentials in sync (setxid), which must not happen in a child forked from a threaded parent. */
      case TSR_OP_SETGID:
        if (syscall(SYS_setresgid, (gid_t)op->a[0], (gid_t)op->a[0], (gid_t)op->a[0]) < 0)
          fail(p, i, errno, "setgid", NULL);
        break;
      case TSR_OP_SETUID:
        if (syscall(SYS_setresuid, (uid_t)op->a[0], (uid_t)op->a[0], (uid_t)op->a[0]) < 0)
          fail(p, i, errno, "setuid", NULL);
        break;
      case TSR_OP_CAPSET: op_capset(p, i, op); break;
      case TSR_OP_NO_NEW_PRIVS:
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) fail(p, i, errno, "no_new_privs", NULL);
        break;
      case TSR_OP_SECCOMP: {
        /* The filter may deny what the walk to /proc/<self>/fd uses (openat2: a profile that names
         * fewer syscalls gets ENOSYS for it from the stub); after the filter, WAIT_FIFO only needs
         * openat and write, as runc's init. */
        if (p->fifofd >= 0 && !p->fifo_open && p->fddir < 0) {
          p->fddir = proc_open(p, "/proc/self/fd", O_PATH | O_DIRECTORY);
          if (p->fddir < 0) fail(p, i, errno, "open /proc/self/fd for the exec fifo", NULL);
        }
        struct sock_fprog prog = {(unsigned short)op->a[0], (struct sock_filter *)(p->str + op->s[0])};
        long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, (unsigned)op->a[1], &prog);
        if (fd < 0) fail(p, i, errno, "seccomp", NULL);
        if ((unsigned)op->a[1] & SECCOMP_FILTER_FLAG_NEW_LISTENER) {
          send_fd(p, i, TSR_SYNC_SECCOMP_FD, (int)fd); /* the runtime passes it to the listener */
          close((int)fd);
        }
        break;
      }
      case TSR_OP_CHDIR:
        /* runc's finalizeNamespace: chdir before dropping privileges (a cwd only root can reach),
         * and on EACCES/EPERM once more as the process user (a cwd root cannot reach: root_squash,
         * a user namespace). a0 = 1: the first try; a0 = 2: the retry, only if the first failed. */
        if (op->a[0] == 2 && !p->cwd_pending) break;
        if (chdir(S(p, op->s[0])) == 0) {
          p->cwd_pending = 0;
          break;
        }
        if (op->a[0] == 1 && (errno == EACCES || errno == EPERM)) {
          p->cwd_pending = 1;
          break;
        }
        fail(p, i, errno, "chdir to cwd", S(p, op->s[0]));
      case TSR_OP_UMASK: umask((mode_t)op->a[0]); break;
      case TSR_OP_RESOLVE_EXEC: op_resolve_exec(p, i, op); break;
      case TSR_OP_CLOSE_FDS:
        /* --preserve-fds: Node and Bun mark every inherited fd close-on-exec at start-up, so the
         * passed fds 3..a0-1 are made inheritable again (runc passes them as cmd.ExtraFiles). The
         * sync socket is never one of them: its close on execve is how the runtime sees the exec. */
        for (int fd = 3; fd < (int)op->a[0]; fd++)
          if (fd != p->sock) (void)fcntl(fd, F_SETFD, 0);
        if (syscall(SYS_close_range, (unsigned)op->a[0], ~0U, CLOSE_RANGE_CLOEXEC) < 0)
          fail(p, i, errno, "close_range", NULL);
        break;
      case TSR_OP_WAIT_FIFO: op_wait_fifo(p, i); break;
      case TSR_OP_PERSONALITY:
        if (personality((unsigned long)op->a[0]) < 0) fail(p, i, errno, "personality", NULL);
        break;
      case TSR_OP_REMOUNT_RO_ROOT:
        if (sys_mount_setattr(AT_FDCWD, "/", 0, MOUNT_ATTR_RDONLY, 0, 0) < 0)
          fail(p, i, errno, "make root read-only", NULL);
        break;
      case TSR_OP_SETSID:
        if (setsid() < 0) fail(p, i, errno, "setsid", NULL);
        break;
      case TSR_OP_STDIO:
        for (int fd = 0; fd < 3; fd++) {
          if (fcntl(fd, F_SETFD, 0) < 0) continue; /* closed: nothing to do */
          int fl = fcntl(fd, F_GETFL);
          if (fl >= 0 && (fl & O_NONBLOCK)) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
        }
        break;
      case TSR_OP_DUP2:
        if (dup2((int)op->a[0], (int)op->a[1]) < 0) fail(p, i, errno, "dup2", NULL);
        break;
      case TSR_OP_SCHED_SETATTR:
        if (syscall(SYS_sched_setattr, 0, p->str + op->s[0], 0) < 0) fail(p, i, errno, "sched_setattr", NULL);
        break;
      case TSR_OP_IOPRIO:
        if (syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, (int)op->a[0]) < 0)
          fail(p, i, errno, "ioprio_set", NULL);
        break;
      case TSR_OP_SETAFFINITY:
        if (syscall(SYS_sched_setaffinity, 0, (size_t)op->a[0], p->str + op->s[0]) < 0)
          fail(p, i, errno, "sched_setaffinity", NULL);
        break;
      case TSR_OP_OPEN_PTY: op_open_pty(p, i, op); break;
      case TSR_OP_JOIN_KEYRING: op_join_keyring(p, i, op); break;
      case TSR_OP_HIDE_MOUNT: op_hide_mount(p, i, op); break;
      case TSR_OP_CHOWN_STDIO: op_chown_stdio(p, i, (uid_t)op->a[0]); break;
      case TSR_OP_SETNS_PIDFD: {
        int pfd = request_fd(p, i, TSR_SYNC_PIDFD);
        if (setns(pfd, (int)op->a[0]) < 0) fail(p, i, errno, "setns into the container's namespaces", NULL);
        close(pfd);
        break;
      }
      case TSR_OP_SET_MEMPOLICY:
        if (syscall(SYS_set_mempolicy, (int)op->a[1], op->a[0] ? (const unsigned long *)(p->str + op->s[0]) : NULL,
                    (unsigned long)op->a[2]) < 0)
          fail(p, i, errno, "set_mempolicy", NULL);
        break;
      case TSR_OP_MOUNT_SETATTR: {
        int fd = open_in_root(p, S(p, op->s[0]), 0, 0);
        if (fd < 0) fail(p, i, errno, "resolve", S(p, op->s[0]));
        uint64_t set = (uint64_t)op->a[3] & 0xffffffffu, clr = (uint64_t)op->a[3] >> 32;
        if (sys_mount_setattr(fd, "", AT_EMPTY_PATH | (op->a[2] ? AT_RECURSIVE : 0), set, clr, 0) < 0)
          fail(p, i, errno, "set mount attributes on", S(p, op->s[0]));
        close(fd);
        break;
      }
      case TSR_OP_FORK: {
        /* a0 = 0: CLONE_PARENT, so the process that goes on is the runtime's own child (as runc's
         * nsexec): it can be waited for and gets the runtime's pdeathsig, not the container init's. */
        long c = syscall(SYS_clone, (op->a[0] == 1 ? 0 : CLONE_PARENT) | SIGCHLD, 0, 0, 0, 0);
        if (c < 0) fail(p, i, errno, "fork", NULL);
        if (c > 0) {
          if (op->a[0] == 1) {
            /* Only the grandchild's exec may close the socket (EOF = exec succeeded). */
            close(p->sock);
            int st = 0;
            while (waitpid((pid_t)c, &st, 0) < 0 && errno == EINTR) {}
            _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
          }
          sync_send(p, i, TSR_SYNC_FORKED, (int32_t)c);
          _exit(0);
        }
        break; /* the grandchild goes on; its parent is gone, so no pdeathsig: the next SYNC_WAIT sees EOF */
      }
      case TSR_OP_RUN_HOOK: op_run_hook(p, i, op); break;
      case TSR_OP_SET_HOME: op_set_home(p, (uint64_t)op->a[0]); break;
      case TSR_OP_EXEC:
        unblock_signals();
        execve(p->exec_path[0] ? p->exec_path : p->argv[0], p->argv, p->envp);
        fail(p, i, errno, "exec", p->argv[0]);
      default: fail(p, i, EINVAL, "unknown op", NULL);
    }
  }
  fail(p, p->hdr->nops, EINVAL, "plan ended without exec", NULL);
}
