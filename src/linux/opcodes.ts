// Mirror of addon/plan.h. test/unit/linux/opcodes.test.ts keeps the two identical.
export const PLAN_MAGIC = 0x50525354;
export const PLAN_VERSION = 1;
export const NO_STR = 0xffffffff;

export const Op = {
  SYNC_SEND: 1,
  SYNC_WAIT: 2,
  UNSHARE: 3,
  SETNS: 4,
  PDEATHSIG: 5,
  MOUNT: 6,
  OPEN_ROOT: 7,
  MKDIR: 8,
  MKNOD: 9,
  SYMLINK: 10,
  PIVOT_ROOT: 11,
  MOVE_ROOT: 12,
  MASK_PATH: 13,
  READONLY_PATH: 14,
  SETHOSTNAME: 15,
  SETDOMAINNAME: 16,
  WRITE_FILE: 17,
  SETRLIMIT: 18,
  OPEN_FIFO: 19,
  CAPS_BOUNDING: 20,
  KEEPCAPS: 21,
  SETGROUPS: 22,
  SETGID: 23,
  SETUID: 24,
  CAPSET: 25,
  NO_NEW_PRIVS: 26,
  SECCOMP: 27,
  CHDIR: 28,
  UMASK: 29,
  RESOLVE_EXEC: 30,
  CLOSE_FDS: 31,
  WAIT_FIFO: 32,
  EXEC: 33,
  PERSONALITY: 34,
  REMOUNT_RO_ROOT: 35,
  SETSID: 36,
  STDIO: 37,
  DUP2: 38,
  SCHED_SETATTR: 39,
  IOPRIO: 40,
  SETAFFINITY: 41,
  FORK: 42,
  MOUNT_SETATTR: 43,
  SET_MEMPOLICY: 44,
  OPEN_PTY: 45,
  SETNS_PIDFD: 46,
  RUN_HOOK: 47,
  JOIN_KEYRING: 48,
  HIDE_MOUNT: 49,
  CHOWN_STDIO: 50,
  SET_HOME: 51,
} as const;
export const OP_MAX = 51;
export type OpName = keyof typeof Op;

export const Mnt = {
  TARGET_IN_ROOT: 1,
  MKDIR: 2,
  MKFILE: 4,
  BIND: 8,
  RECURSIVE: 16,
  PROPAGATION_ONLY: 64,
  PROPAGATION_REC: 128,
  FROM_PARENT: 256,
  DIR_MODE: 512,
  COPYUP: 1024,
} as const;

export const Sync = {
  GO: 1,
  READY: 2,
  COMMIT: 3,
  ACK: 4,
  ERROR: 5,
  HOOKS: 6,
  FORKED: 8,
  MOUNTFD: 9,
  SECCOMP_FD: 10,
  PTY: 11,
  PIDFD: 12,
} as const;

export const ERR_TEXT = 200;
export const HEADER_SIZE = 32;
export const OP_SIZE = 56;
