// The only door to the C addon. Loaded on first use, from beside the executable (the
// Bun-compiled `tsrunc`), or from build/Release when run as `node dist/tsrunc.js`; TSRUNC_ADDON
// overrides both. Unit tests replace it with setNative(), except its file operations (`io`,
// src/fileio.ts), which always come from the real addon. No node:fs or node:path here: `state`
// and the other start-up commands load this module and nothing of Node's (issue 12).
import { dirname } from './pathnames';

export interface SyncMessage { type: number; op: number; errno: number; arg: number; text: string; fd?: number; signal?: number }

export interface Native {
  /** clone3 and run the plan in tsrunc-init (addon/init.c); with cgroupDir (cgroup v2), born in it (CLONE_INTO_CGROUP),
   * intoCgroup says if it was; label shows in ps(1) (`tsrunc-init 5 7 - create c1`). */
  spawn(plan: Buffer, cgroupDir?: string, label?: string): { pid: number; pidfd: number; sock: number; intoCgroup?: boolean };
  /** watchSignals: also wake on a terminating signal caught by forwardSignals ({ type: 0, signal }). */
  syncRecv(sock: number, watchSignals?: number): SyncMessage | null;
  syncSend(sock: number, type: number, arg?: number): boolean;
  mkfifo(path: string, mode: number): void;
  flock(fd: number, op: number): boolean;
  pidfdOpen(pid: number): number;
  pidfdSendSignal(pidfd: number, sig: number): void;
  startFifo(path: string, pidfd: number): string;
  /** umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW). */
  umountDetach(path: string): void;
  /** Catch every forwardable signal from now on, held until waitForeground forwards it. */
  forwardSignals(): void;
  waitForeground(pidfd: number, pid: number, ptyMaster?: number): { code: number; signal: number };
  reap(pid: number, block?: number): number;
  waitPidfd(pidfd: number, timeoutMs: number): { code: number; signal: number } | null;
  setSubreaper(): void;
  openTreeIdmapped(source: string, userns: string, recursive: number, set: number, clr: number, rset: number, rclr: number): number;
  /** A reply carrying fd (SCM_RIGHTS): SYNC_MOUNTFD, SYNC_PIDFD. */
  syncSendFd(sock: number, type: number, fd: number): void;
  sendToListener(path: string, payload: string, fd: number): void;
  /** A detached thread writes our own pid into this cgroup.procs (the cgroup we are in): see
   * cgroups/host.ts primeMigration. Returns at once; failures are ignored. */
  primeCgroupMigration(procsFile: string): void;
  /** eventfd(0, EFD_CLOEXEC): for cgroup v1 OOM notifications (events). */
  eventfd(): number;
  /** linux.netDevices: move hostName into the namespace at nsPath as newName (a %d template allowed), keep its permanent global addresses, set it up. */
  netdevMove(hostName: string, newName: string, nsPath: string): { name: string; index: number; addresses: number };
  /** cgroup v2 device rules: load the program (src/cgroups/devicefilter.ts) and attach it to the cgroup. */
  bpfAttachDeviceFilter(cgroupDir: string, insns: Buffer): void;
  /** How many device programs are attached to the cgroup itself. */
  bpfDeviceFilterCount(cgroupDir: string): number;
  /** if_nametoindex: 0 when the runtime's network namespace has no such device. */
  ifIndex(name: string): number;
  seccompCompile(profile: import('./linux/seccomp').CompiledProfile): { program: Buffer; skipped: string[]; stubInstructions?: number };
  /** `features` probes (addon/features.cc): libseccomp's API level; per libseccomp arch name whether it
   * resolves, per SECCOMP_RET_* action and filter flag whether the kernel takes it, per MOUNT_ATTR_*
   * bit the errno of a mount_setattr that cannot change anything (EBADF: known). */
  probeFeatures(q: { archs: string[]; actions: number[]; flags: number[]; mountAttrs: number[] }): { seccompApi: number; archs: boolean[];
    actions: boolean[]; flags: boolean[]; mountAttrs: number[]; };
  /** A connected, blocking, close-on-exec AF_UNIX stream socket (the systemd driver's D-Bus). */
  unixConnect(path: string): number;
  /** All of bytes, without SIGPIPE. */
  streamSend(fd: number, bytes: Uint8Array): void;
  /** One read of at most max bytes; empty at end of stream; throws errno ETIMEDOUT after timeoutMs. */
  streamRecv(fd: number, max: number, timeoutMs: number): Uint8Array;
}

/** The file operations of the start-up path (addon/fileio.cc); errors are shaped as node:fs's. */
export interface FileIo {
  /** The whole file as UTF-8; open(path, O_RDONLY | flags). */
  readFile(path: string, flags?: number): string;
  /** open(path, O_WRONLY | flags, mode), write all of data, close. */
  writeFile(path: string, data: string, flags: number, mode: number): void;
  writeFd(fd: number, data: string): void;
  openDir(path: string): number;
  close(fd: number): void;
  exists(path: string): boolean;
  /** Names in path but . and .., sorted; with dirsOnly, of the directories only (symlinks not followed). */
  listDir(path: string, dirsOnly: boolean): string[];
  rename(from: string, to: string): void;
  unlink(path: string): void;
  mkdir(path: string, mode: number): void;
  rmdir(path: string): void;
  /** stat(2) with follow, lstat(2) without. */
  stat(path: string, follow: boolean): RawStat;
  fstat(fd: number): RawStat;
  /** open(path, flags | O_CLOEXEC, mode) -> fd */
  open(path: string, flags: number, mode?: number): number;
  /** Everything left to read on fd, as UTF-8. */
  readFd(fd: number): string;
  readlink(path: string): string;
  realpath(path: string): string;
}

/** The stat fields the runtime reads (addon/fileio.cc StatObject). */
export interface RawStat { mode: number; size: number; dev: number; ino: number; nlink: number; uid: number; gid: number; rdev: number }

let loaded: Native | undefined;
let real: (Native & { io: FileIo }) | undefined;

export function addonCandidates(): string[] {
  const out: string[] = [];
  if (process.env.TSRUNC_ADDON) out.push(process.env.TSRUNC_ADDON);
  out.push(`${dirname(process.execPath)}/tsrunc.node`);
  const script = process.argv[1];
  if (script && !script.startsWith('/$bunfs')) {
    // `node dist/tsrunc.js` (or a symlink to it): node:fs is loaded by Node anyway.
    const dir = dirname((require('fs') as typeof import('fs')).realpathSync(script));
    out.push(`${dir}/tsrunc.node`, `${dirname(dir)}/build/Release/tsrunc.node`);
  }
  out.push(`${process.cwd()}/build/Release/tsrunc.node`);
  return out;
}

/** The real addon, whatever setNative() set: dlopen of each candidate in turn. dlopen's own "PATH:
 * cannot open shared object file: No such file or directory" means that candidate is missing and the
 * next is tried; any other failure (a library the addon needs is missing, a bad file) is the answer. */
export function addon(): Native & { io: FileIo } {
  if (real) return real;
  const tried: string[] = [];
  for (const p of addonCandidates()) {
    const mod = { exports: {} as Native & { io: FileIo } };
    try {
      process.dlopen(mod, p);
    } catch (e) {
      if (String((e as Error).message).startsWith(`${p}: cannot open shared object file: No such file`)) { tried.push(p); continue; }
      throw e;
    }
    real = mod.exports;
    return real;
  }
  throw new Error(`cannot find the tsrunc addon (tsrunc.node); looked in: ${tried.join(', ')}`);
}

export function native(): Native {
  return loaded ?? addon();
}

export function setNative(n: Native | undefined): void {
  loaded = n;
}
