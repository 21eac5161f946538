/*
 * The contract between TypeScript and C (docs/ARCHITECTURE.md §2).
 *
 * A plan is one contiguous buffer: a header, `nops` fixed-size ops, then a table of NUL-terminated
 * strings (and binary blobs) that ops refer to by byte offset. TypeScript writes it
 * (src/linux/plan.ts); the child walks it after clone with raw syscalls only.
 *
 * src/linux/opcodes.ts mirrors every #define below; test/unit/linux/opcodes.test.ts parses this
 * header and fails if the two differ.
 */
#ifndef TSRUNC_PLAN_H
#define TSRUNC_PLAN_H

#include <stdint.h>

/* The define tables stay aligned, one per line: test/unit/linux/opcodes.test.ts reads them to hold
 * src/linux/opcodes.ts to the same names and values. */
/* clang-format off */

#define TSR_PLAN_MAGIC 0x50525354u /* "TSRP" little endian */
#define TSR_PLAN_VERSION 1u
#define TSR_NO_STR 0xffffffffu

/* Operation codes. Arguments: a[0..3] are 64-bit integers, s[0..3] string-table offsets. */
#define TSR_OP_SYNC_SEND 1       /* a0 = message type: tell the parent we reached this point */
#define TSR_OP_SYNC_WAIT 2       /* a0 = message type expected from the parent */
#define TSR_OP_UNSHARE 3         /* a0 = CLONE_NEW* flags */
#define TSR_OP_SETNS 4           /* s0 = namespace path, a0 = CLONE_NEW* type */
#define TSR_OP_PDEATHSIG 5       /* a0 = signal (0 clears) */
#define TSR_OP_MOUNT 6           /* s0 source, s1 target, s2 fstype, s3 data; a0 mount(2) flags, or for
                                    TSR_MNT_BIND the recursive attrs (low 32 bits set, high 32 clear);
                                    a1 propagation flags; a2 TSR_MNT_* bits; a3 mount_setattr attrs for
                                    the top mount (low 32 bits set, high 32 bits clear) */
#define TSR_OP_OPEN_ROOT 7       /* s0 = rootfs path: the directory every in-root path is resolved under */
#define TSR_OP_MKDIR 8           /* s0 = path in root, a0 = mode */
#define TSR_OP_MKNOD 9           /* s0 = path in root, a0 = mode incl. S_IFCHR/S_IFBLK/S_IFIFO, a1 = dev,
                                    a2 = uid, a3 = gid; a bind of s1 (host path) if mknod is refused */
#define TSR_OP_SYMLINK 10        /* s0 = link target text, s1 = link path in root */
#define TSR_OP_PIVOT_ROOT 11     /* s0 = rootfs (must equal the OPEN_ROOT path) */
#define TSR_OP_MOVE_ROOT 12      /* s0 = rootfs: MS_MOVE + chroot, for --no-pivot; a0 = 1: chroot only (no mount ns) */
#define TSR_OP_MASK_PATH 13      /* s0 = absolute path in the container */
#define TSR_OP_READONLY_PATH 14  /* s0 = absolute path in the container */
#define TSR_OP_SETHOSTNAME 15    /* s0 */
#define TSR_OP_SETDOMAINNAME 16  /* s0 */
#define TSR_OP_WRITE_FILE 17     /* s0 = path, s1 = data (sysctl, oom_score_adj) */
#define TSR_OP_SETRLIMIT 18      /* a0 = resource, a1 = soft, a2 = hard */
#define TSR_OP_OPEN_FIFO 19      /* s0 = exec fifo path: O_PATH open, kept for WAIT_FIFO */
#define TSR_OP_CAPS_BOUNDING 20  /* a0 = mask of capabilities to keep in the bounding set */
#define TSR_OP_KEEPCAPS 21       /* a0 = 0/1 */
#define TSR_OP_SETGROUPS 22      /* s0 = blob of a0 uint32 gids */
#define TSR_OP_SETGID 23         /* a0 */
#define TSR_OP_SETUID 24         /* a0 */
#define TSR_OP_CAPSET 25         /* a0 effective, a1 permitted, a2 inheritable, a3 ambient (masks) */
#define TSR_OP_NO_NEW_PRIVS 26
#define TSR_OP_SECCOMP 27        /* s0 = blob of a0 struct sock_filter, a1 = seccomp flags */
#define TSR_OP_CHDIR 28          /* s0; a0 = 1: before the credentials, EACCES/EPERM deferred; 2: retry if deferred */
#define TSR_OP_UMASK 29          /* a0 */
#define TSR_OP_RESOLVE_EXEC 30   /* s0 = args[0], s1 = PATH value: find the executable, keep it for EXEC */
#define TSR_OP_CLOSE_FDS 31      /* a0 = first fd to mark close-on-exec (3 + preserved fds); 3..a0-1 made inheritable */
#define TSR_OP_WAIT_FIFO 32      /* reopen the O_PATH fifo for writing, write "0" (blocks until start) */
#define TSR_OP_EXEC 33           /* s0 = argv blob (a0 strings), s1 = env blob (a1 strings) */
#define TSR_OP_PERSONALITY 34    /* a0 = persona */
#define TSR_OP_REMOUNT_RO_ROOT 35
#define TSR_OP_SETSID 36
#define TSR_OP_STDIO 37          /* make fds 0-2 inheritable and blocking */
#define TSR_OP_DUP2 38           /* a0 = from, a1 = to (e.g. a hook's stdin) */
#define TSR_OP_SCHED_SETATTR 39  /* s0 = blob: struct sched_attr (a0 bytes) */
#define TSR_OP_IOPRIO 40         /* a0 = ioprio value (class << 13 | level) */
#define TSR_OP_SETAFFINITY 41    /* s0 = blob: cpu mask (a0 bytes) */
#define TSR_OP_FORK 42           /* fork; the grandchild goes on (a new or joined PID namespace applies only
                                    to children). a0 = 0: the child reports FORKED(pid) and exits; the grandchild
                                    is made with CLONE_PARENT (the runtime's child);
                                    a0 = 1: the child closes the socket, waits for the grandchild and exits
                                    with its status (128+N for a signal): hooks in the container's PID ns */
#define TSR_OP_MOUNT_SETATTR 43  /* s0 = path in root; a3 = attrs (low 32 set, high 32 clear); a2 = 1: recursive */
#define TSR_OP_SET_MEMPOLICY 44  /* a1 = mode | flags, a2 = maxnode (bits); s0 = blob: nodemask (a0 bytes, may be 0) */
#define TSR_OP_OPEN_PTY 45       /* process.terminal: a0 = rows, a1 = cols (0: unset), a2 = 1: no /dev/console,
                                    a3 = 1: clear ONLCR (the runtime proxies the pty). Opens /dev/ptmx in the
                                    container, sends the master (SYNC_PTY), binds the pty over /dev/console,
                                    makes it fds 0-2 and the controlling terminal */
#define TSR_OP_SETNS_PIDFD 46    /* a0 = CLONE_NEW* flags: ask the runtime for the container init's pidfd
                                    (SYNC_PIDFD) and setns(pidfd, a0): all at once, no pid reuse race */
#define TSR_OP_RUN_HOOK 47     /* createContainer/startContainer hook, run by the process itself (runc): s0 = path,
                                    s1 = argv blob (a0 strings), s2 = env blob (a1 strings), s3 = blob of 3 strings:
                                    the config field, the state JSON before and after its pid (getpid() goes
                                    between, on the hook's stdin through a memfd); a2 = timeout in ms (0: none);
                                    a3 = 1: the hook's env is EXEC's (a startContainer hook without env, runc) */
#define TSR_OP_JOIN_KEYRING 48   /* join a new anonymous session keyring (runc's setupKeyring); a0 = permission
                                    bits added to it (runc: owner search, or other search in a user namespace) */
#define TSR_OP_HIDE_MOUNT 49     /* s0 = a host procfs/sysfs mount point outside the rootfs: detach it, or cover it
                                    with a tmpfs (runc's msMoveRoot, for --no-pivot) */
#define TSR_OP_CHOWN_STDIO 50    /* a0 = uid: fds 0-2 that are not /dev/null are chowned to it (gid kept), as runc's
                                    fixStdioPermissions; EPERM/EROFS ignored */
#define TSR_OP_SET_HOME 51       /* a0 = uid: HOME=<its home in /etc/passwd, or "/"> appended to EXEC's env (runc's
                                    prepareEnv; only planned when the env, deduplicated, has no non-empty HOME) */
#define TSR_OP_MAX 51

/* TSR_OP_MOUNT a2 bits */
#define TSR_MNT_TARGET_IN_ROOT 1u  /* s1 is resolved inside the OPEN_ROOT directory (RESOLVE_IN_ROOT) */
#define TSR_MNT_MKDIR 2u           /* create the target (and parents) as a directory if missing */
#define TSR_MNT_MKFILE 4u          /* create the target as an empty file if missing (bind of a file) */
#define TSR_MNT_BIND 8u            /* s0 is a path to bind (open_tree); a3 top attrs, a0 recursive attrs */
#define TSR_MNT_RECURSIVE 16u      /* rbind */
#define TSR_MNT_PROPAGATION_ONLY 64u /* only change propagation (a1) of the target */
#define TSR_MNT_PROPAGATION_REC 128u /* apply a1 recursively */
#define TSR_MNT_FROM_PARENT 256u   /* the parent makes the mount (idmapped: it needs privileges the child
                                      may not have) and sends its fd (SCM_RIGHTS) on MOUNTFD */
#define TSR_MNT_DIR_MODE 512u      /* tmpfs: an existing target directory's mode goes first in the data
                                      ("mode=0NNNN,<s3>": a mode= in s3 still wins), as runc */
#define TSR_MNT_COPYUP 1024u       /* tmpfs (runc's tmpcopyup): what the target directory held is copied into
                                      the new mount: files, directories, symlinks, device nodes, fifos, with
                                      their modes and owners; symlinks are copied, never followed */

/* Sync messages on the parent<->child socket (youki's message enum, runc's SYNC_* pairs). */
#define TSR_SYNC_GO 1        /* parent -> child: you are in your cgroup (and mapped); go on */
#define TSR_SYNC_READY 2     /* child -> parent: set up, about to block on the exec fifo */
#define TSR_SYNC_COMMIT 3    /* parent -> child: state recorded; clear pdeathsig */
#define TSR_SYNC_ACK 4       /* child -> parent: pdeathsig cleared; the parent may exit */
#define TSR_SYNC_ERROR 5     /* child -> parent: an op failed; see struct tsr_sync */
#define TSR_SYNC_HOOKS 6     /* child -> parent: run the hooks for point a0, then send GO */
#define TSR_SYNC_FORKED 8    /* intermediate child -> parent: arg = the pid that carries on */
#define TSR_SYNC_SECCOMP_FD 10 /* child -> parent: the seccomp notify fd (SCM_RIGHTS), for listenerPath */
#define TSR_SYNC_PTY 11        /* child -> parent: the pty master (SCM_RIGHTS), for --console-socket or run */
#define TSR_SYNC_MOUNTFD 9   /* child -> parent: send the detached mount for op `arg`; parent -> child:
                                the reply, carrying the fd (or ERROR with the reason) */
#define TSR_SYNC_PIDFD 12    /* child -> parent: send the container init's pidfd (SETNS_PIDFD, op `arg`);
                                parent -> child: the reply, carrying it */

#define TSR_ERR_TEXT 200

/* clang-format on */

struct tsr_plan_header {
  uint32_t magic;
  uint32_t version;
  uint32_t nops;
  uint32_t strtab_len;
  uint64_t clone_flags; /* namespaces created by clone3 itself */
  uint64_t keep_fds; /* fds 3 .. 3+keep_fds-1 are passed to the container (--preserve-fds) */
};

struct tsr_op {
  uint32_t code;
  uint32_t src; /* the op's own index (Plan.serialize); unread by C: an ERROR names the op by its
                  position and the runtime maps that to its config path (PlanOp.source) */
  int64_t a[4];
  uint32_t s[4];
};

/* Fixed-size message: no allocation on either side. */
struct tsr_sync {
  uint32_t type;
  uint32_t op; /* index of the failing op (ERROR) */
  int32_t err; /* errno (ERROR) */
  int32_t arg;
  char text[TSR_ERR_TEXT];
};

#endif
