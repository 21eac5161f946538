// mounts[] (config.md "Mounts") -> MOUNT ops. Option parsing follows runc's parseMountOptions:
// flags and propagation are taken out, the rest becomes the filesystem data string.
import * as path from '../posixpath';
import { TsruncError } from '../errors';
import { escapingSymlink } from './inroot';
import type { Mount, Spec } from '../spec/types';
import { Mnt } from './opcodes';
import type { Plan } from './plan';
import { CgroupLayout, compileCgroupMount } from './cgroupMount';

// mount(2) flags (linux/mount.h)
export const MS = {
  RDONLY: 0x1, NOSUID: 0x2, NODEV: 0x4, NOEXEC: 0x8, SYNCHRONOUS: 0x10, REMOUNT: 0x20, MANDLOCK: 0x40,
  DIRSYNC: 0x80, NOSYMFOLLOW: 0x100, NOATIME: 0x400, NODIRATIME: 0x800, BIND: 0x1000, MOVE: 0x2000,
  REC: 0x4000, SILENT: 0x8000, UNBINDABLE: 0x20000, PRIVATE: 0x40000, SLAVE: 0x80000, SHARED: 0x100000,
  RELATIME: 0x200000, I_VERSION: 0x800000, STRICTATIME: 0x1000000, LAZYTIME: 0x2000000,
} as const;

// mount_setattr(2) attributes
export const MOUNT_ATTR = {
  RDONLY: 0x1, NOSUID: 0x2, NODEV: 0x4, NOEXEC: 0x8, _ATIME: 0x70, RELATIME: 0x0, NOATIME: 0x10,
  STRICTATIME: 0x20, NODIRATIME: 0x80, NOSYMFOLLOW: 0x200000,
} as const;

interface FlagOpt { clear: boolean; flag: number }
const flagOptions: Record<string, FlagOpt> = {
  async: { clear: true, flag: MS.SYNCHRONOUS },
  atime: { clear: true, flag: MS.NOATIME },
  bind: { clear: false, flag: MS.BIND },
  defaults: { clear: false, flag: 0 },
  dev: { clear: true, flag: MS.NODEV },
  diratime: { clear: true, flag: MS.NODIRATIME },
  dirsync: { clear: false, flag: MS.DIRSYNC },
  exec: { clear: true, flag: MS.NOEXEC },
  iversion: { clear: false, flag: MS.I_VERSION },
  noiversion: { clear: true, flag: MS.I_VERSION },
  mand: { clear: false, flag: MS.MANDLOCK },
  noatime: { clear: false, flag: MS.NOATIME },
  nodev: { clear: false, flag: MS.NODEV },
  nodiratime: { clear: false, flag: MS.NODIRATIME },
  noexec: { clear: false, flag: MS.NOEXEC },
  nomand: { clear: true, flag: MS.MANDLOCK },
  norelatime: { clear: true, flag: MS.RELATIME },
  nostrictatime: { clear: true, flag: MS.STRICTATIME },
  nosuid: { clear: false, flag: MS.NOSUID },
  nosymfollow: { clear: false, flag: MS.NOSYMFOLLOW },
  rbind: { clear: false, flag: MS.BIND | MS.REC },
  relatime: { clear: false, flag: MS.RELATIME },
  remount: { clear: false, flag: MS.REMOUNT },
  ro: { clear: false, flag: MS.RDONLY },
  rw: { clear: true, flag: MS.RDONLY },
  silent: { clear: false, flag: MS.SILENT },
  loud: { clear: true, flag: MS.SILENT },
  strictatime: { clear: false, flag: MS.STRICTATIME },
  suid: { clear: true, flag: MS.NOSUID },
  symfollow: { clear: true, flag: MS.NOSYMFOLLOW },
  sync: { clear: false, flag: MS.SYNCHRONOUS },
  lazytime: { clear: false, flag: MS.LAZYTIME },
  nolazytime: { clear: true, flag: MS.LAZYTIME },
};

const propagationOptions: Record<string, number> = {
  private: MS.PRIVATE, rprivate: MS.PRIVATE | MS.REC,
  shared: MS.SHARED, rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE, rslave: MS.SLAVE | MS.REC,
  unbindable: MS.UNBINDABLE, runbindable: MS.UNBINDABLE | MS.REC,
};

/** Recursive mount attributes (mount_setattr with AT_RECURSIVE): rro, rrw, rnosuid, ... */
const recursiveOptions: Record<string, { clear: boolean; attr: number }> = {
  rro: { clear: false, attr: MOUNT_ATTR.RDONLY }, rrw: { clear: true, attr: MOUNT_ATTR.RDONLY },
  rnosuid: { clear: false, attr: MOUNT_ATTR.NOSUID }, rsuid: { clear: true, attr: MOUNT_ATTR.NOSUID },
  rnodev: { clear: false, attr: MOUNT_ATTR.NODEV }, rdev: { clear: true, attr: MOUNT_ATTR.NODEV },
  rnoexec: { clear: false, attr: MOUNT_ATTR.NOEXEC }, rexec: { clear: true, attr: MOUNT_ATTR.NOEXEC },
  rnodiratime: { clear: false, attr: MOUNT_ATTR.NODIRATIME }, rdiratime: { clear: true, attr: MOUNT_ATTR.NODIRATIME },
  rnosymfollow: { clear: false, attr: MOUNT_ATTR.NOSYMFOLLOW }, rsymfollow: { clear: true, attr: MOUNT_ATTR.NOSYMFOLLOW },
  rrelatime: { clear: false, attr: MOUNT_ATTR.RELATIME }, rnorelatime: { clear: true, attr: MOUNT_ATTR.RELATIME },
  rnoatime: { clear: false, attr: MOUNT_ATTR.NOATIME }, ratime: { clear: true, attr: MOUNT_ATTR.NOATIME },
  rstrictatime: { clear: false, attr: MOUNT_ATTR.STRICTATIME }, rnostrictatime: { clear: true, attr: MOUNT_ATTR.STRICTATIME },
};

const USERSPACE_OPTIONS = new Set(['auto', 'noauto', 'nofail', 'user', 'nouser', 'users', 'owner', 'group', '_netdev']);

const ATIME_OPTIONS = new Set(['rrelatime', 'rnorelatime', 'rnoatime', 'ratime', 'rstrictatime', 'rnostrictatime']);

/** The MOUNT_ATTR_* bit a recursive option (rro, rnosymfollow, ...) sets or clears, for `features`'
 * probe of what the kernel takes; undefined for other options. */
export function recursiveMountAttr(option: string): number | undefined {
  return recursiveOptions[option]?.attr;
}

/** Every mount option this runtime recognises (for `tsrunc features`). */
export function knownMountOptions(): string[] {
  return [...Object.keys(flagOptions), ...Object.keys(propagationOptions), ...Object.keys(recursiveOptions), 'idmap', 'ridmap'].sort();
}

export interface ParsedMountOptions {
  /** idmap / ridmap (config.md): apply an id mapping, to the top mount or recursively. */
  idmap?: 'top' | 'recursive';
  flags: number;
  clearFlags: number;
  propagation: number;
  recAttrSet: number;
  recAttrClr: number;
  recAtime: boolean;
  data: string[];
}

export function parseMountOptions(options: string[] = []): ParsedMountOptions {
  const r: ParsedMountOptions = { flags: 0, clearFlags: 0, propagation: 0, recAttrSet: 0, recAttrClr: 0, recAtime: false, data: [] };
  for (const o of options) {
    const f = flagOptions[o];
    if (f) {
      if (f.clear) { r.flags &= ~f.flag; r.clearFlags |= f.flag; } else { r.flags |= f.flag; r.clearFlags &= ~f.flag; }
      continue;
    }
    const p = propagationOptions[o];
    if (p !== undefined) { r.propagation = p; continue; }
    if (o === 'idmap' || o === 'ridmap') { r.idmap = o === 'idmap' ? 'top' : 'recursive'; continue; }
    const rec = recursiveOptions[o];
    if (rec) {
      if (ATIME_OPTIONS.has(o)) {
        // The atime modes are one field: mount_setattr(2) wants all of MOUNT_ATTR__ATIME in attr_clr
        // (EINVAL otherwise) and at most one mode in attr_set (ratime & co. fall back to relatime).
        r.recAtime = true;
        r.recAttrClr |= MOUNT_ATTR._ATIME;
        r.recAttrSet = (r.recAttrSet & ~MOUNT_ATTR._ATIME) | (rec.clear ? 0 : rec.attr);
        continue;
      }
      if (rec.clear) { r.recAttrClr |= rec.attr; r.recAttrSet &= ~rec.attr; } else { r.recAttrSet |= rec.attr; r.recAttrClr &= ~rec.attr; }
      continue;
    }
    // Options only mount(8) itself reads (fstab and helper options): never passed to the kernel.
    if (USERSPACE_OPTIONS.has(o) || o.startsWith('x-') || o.startsWith('comment=')) continue;
    r.data.push(o);
  }
  return r;
}

/** mount(2) flags -> mount_setattr attrs for the top mount of a bind (low 32 set, high 32 clear). */
export function bindAttrs(p: ParsedMountOptions): bigint {
  let set = 0, clr = 0;
  const pairs: [number, number][] = [
    [MS.RDONLY, MOUNT_ATTR.RDONLY], [MS.NOSUID, MOUNT_ATTR.NOSUID], [MS.NODEV, MOUNT_ATTR.NODEV],
    [MS.NOEXEC, MOUNT_ATTR.NOEXEC], [MS.NODIRATIME, MOUNT_ATTR.NODIRATIME], [MS.NOSYMFOLLOW, MOUNT_ATTR.NOSYMFOLLOW],
  ];
  for (const [ms, attr] of pairs) {
    if (p.flags & ms) set |= attr;
    else if (p.clearFlags & ms) clr |= attr;
  }
  if (p.flags & (MS.NOATIME | MS.STRICTATIME | MS.RELATIME)) {
    clr |= MOUNT_ATTR._ATIME;
    if (p.flags & MS.NOATIME) set |= MOUNT_ATTR.NOATIME;
    else if (p.flags & MS.STRICTATIME) set |= MOUNT_ATTR.STRICTATIME;
  }
  return (BigInt(clr >>> 0) << 32n) | BigInt(set >>> 0);
}

export function isBind(m: Mount): boolean {
  return m.type === 'bind' || (m.options ?? []).some((o) => o === 'bind' || o === 'rbind');
}

export interface MountContext {
  bundle: string;
  rootfs: string;
  /** The container's cgroup directories, for `cgroup` mounts. */
  cgroup?: CgroupLayout;
  cgroupNs?: boolean;
  userNs?: boolean;
  /** Host paths whose kind (file/dir) decides how a bind target is created. */
  statSource?: (p: string) => 'dir' | 'file' | 'missing';
}

export function compileMounts(spec: Spec, plan: Plan, ctx: MountContext): void {
  // The destinations first, all of them: a bad one among thousands is named before any other work.
  (spec.mounts ?? []).forEach((m, i) => checkDestination(m, `mounts[${i}]`));
  const earlier = new Set<string>();
  (spec.mounts ?? []).forEach((m, i) => {
    compileMount(m, i, plan, ctx, earlier);
    earlier.add(path.normalize(m.destination));
  });
}

function checkDestination(m: Mount, field: string): void {
  if (!path.isAbsolute(m.destination)) throw new TsruncError(`destination must be an absolute path, got "${m.destination}"`, { field: `${field}.destination` });
  // runc cleans `..` away lexically, so `/../../x` is `/x`; a destination that climbs above the
  // container's root is refused here instead (test/fixtures/hostile/mount-destination-dotdot).
  if (climbsAboveRoot(m.destination)) throw new TsruncError(`destination climbs above the root with "..", got "${m.destination}"`, { field: `${field}.destination` });
}

function climbsAboveRoot(p: string): boolean {
  let depth = 0;
  for (const part of p.split('/')) {
    if (part === '..' && --depth < 0) return true;
    if (part && part !== '.' && part !== '..') depth++;
  }
  return false;
}

function compileMount(m: Mount, i: number, plan: Plan, ctx: MountContext, earlier: Set<string> = new Set()): void {
  const field = `mounts[${i}]`;
  checkDestination(m, field);
  const dest = path.normalize(m.destination);
  if (dest === '/') throw new TsruncError('mounting over the container root is not allowed', { field: `${field}.destination` });
  // What an earlier mount covers is not on disk yet; the child's in-root resolution still applies.
  // A set looked up per ancestor, not a scan of every earlier mount: 10,000 mounts stay linear
  // (test/fixtures/hostile/ten-thousand-mounts).
  const covered = (p: string) => {
    if (earlier.has('/')) return true;
    for (let at = p.length; at > 0; at = p.lastIndexOf('/', at - 1)) if (earlier.has(p.slice(0, at))) return true;
    return false;
  };
  const escape = escapingSymlink(ctx.rootfs, dest, covered);
  if (escape) throw new TsruncError(`${escape} in the rootfs is a symlink that leads out of the rootfs (refused; a mount is never made outside it)`, { field: `${field}.destination` });
  const opts = parseMountOptions(m.options);
  if ((m.uidMappings?.length || m.gidMappings?.length || opts.idmap) && !isBind(m))
    throw new TsruncError('idmapped mounts must be bind mounts', { field: `${field}.options` });
  if (m.type === 'cgroup' || m.type === 'cgroup2') {
    if (!ctx.cgroup) throw new TsruncError('cgroup mounts need the container\'s cgroup', { field: `${field}.type` });
    compileCgroupMount(m, field, plan, ctx.cgroup, !!ctx.cgroupNs);
    return;
  }
  if (isBind(m)) {
    if (!m.source) throw new TsruncError('a bind mount needs a source', { field: `${field}.source` });
    const source = path.resolve(ctx.bundle, m.source);
    const kind = ctx.statSource ? ctx.statSource(source) : 'dir';
    if (kind === 'missing') throw new TsruncError(`bind source "${source}" does not exist`, { field: `${field}.source` });
    const rec = opts.flags & MS.REC;
    let bits = Mnt.BIND | Mnt.TARGET_IN_ROOT | (kind === 'file' ? Mnt.MKFILE : Mnt.MKDIR);
    if (rec) bits |= Mnt.RECURSIVE;
    if (opts.propagation & MS.REC) bits |= Mnt.PROPAGATION_REC;
    const recAttrs = (BigInt(opts.recAttrClr >>> 0) << 32n) | BigInt(opts.recAttrSet >>> 0);
    if (opts.idmap || m.uidMappings?.length || m.gidMappings?.length) {
      compileIdmapped(m, field, plan, ctx, source, opts, bits, recAttrs);
      return;
    }
    if (ctx.userNs) {
      // runc 1.2+ (mount source fds, mountViaFds): the source is opened by the runtime, host root,
      // since the user namespace's root may not be able to walk to it (a 0700 host directory).
      const idx = plan.ops.length;
      plan.add('MOUNT', field, `${rec ? 'rbind' : 'bind'} ${source} -> ${dest}${describeOpts(m.options)} (opened by the runtime, outside the user namespace)`,
        [0n, BigInt(opts.propagation & ~MS.REC), BigInt((bits & ~Mnt.BIND) | Mnt.FROM_PARENT), 0n], [source, dest, null, null]);
      plan.idmapped.set(idx, { source, recursive: !!rec, attrs: bindAttrs(opts), recAttrs, plain: true });
      return;
    }
    plan.add('MOUNT', field, `${rec ? 'rbind' : 'bind'} ${source} -> ${dest}${describeOpts(m.options)}`,
      [recAttrs, BigInt(opts.propagation & ~MS.REC), BigInt(bits), bindAttrs(opts)],
      [source, dest, null, null]);
    return;
  }
  if (!m.type && !m.source) throw new TsruncError('mount needs a type or a source', { field: `${field}.type` });
  if (opts.recAttrSet || opts.recAttrClr) throw new TsruncError('recursive mount attributes (rro, rnosuid, ...) apply to bind mounts only', { field: `${field}.options` });
  let bits = Mnt.TARGET_IN_ROOT | Mnt.MKDIR;
  if (opts.propagation & MS.REC) bits |= Mnt.PROPAGATION_REC;
  // runc: a tmpfs on a directory that exists gets that directory's mode unless a mode= is given.
  if (m.type === 'tmpfs') bits |= Mnt.DIR_MODE;
  // runc's extension, which podman puts on every --tmpfs: the covered directory's contents are
  // copied into the new tmpfs (COPYUP). Not a kernel option: never in the data.
  if (opts.data.includes('tmpcopyup')) {
    if (m.type !== 'tmpfs') throw new TsruncError('tmpcopyup is for tmpfs mounts only', { field: `${field}.options` });
    bits |= Mnt.COPYUP;
  }
  const data = opts.data.filter((o) => o !== 'tmpcopyup').join(',');
  const late = readonlyLater(m);
  plan.add('MOUNT', field, `mount -t ${m.type ?? 'none'} ${m.source ?? 'none'} ${dest}${describeOpts(m.options)}${late ? ' (read-write until the rootfs is finalized)' : ''}`,
    [BigInt(late ? opts.flags & ~MS.RDONLY : opts.flags), BigInt(opts.propagation & ~MS.REC), BigInt(bits), 0n],
    [m.source ?? m.type ?? 'none', dest, m.type ?? null, data || null]);
}

/** config.md "idmap"/"ridmap": the runtime (privileged, in the host's user namespace) makes the
 * idmapped copy and sends it to the child, which only attaches it (runc 1.2 does the same). */
function compileIdmapped(m: Mount, field: string, plan: Plan, ctx: MountContext, source: string, opts: ParsedMountOptions, bits: number,
  recAttrs: bigint): void {
  const hasUid = !!m.uidMappings?.length, hasGid = !!m.gidMappings?.length;
  if (hasUid !== hasGid) throw new TsruncError('uidMappings and gidMappings must be given together', { field: `${field}.${hasUid ? 'gidMappings' : 'uidMappings'}` });
  if (!hasUid && !ctx.userNs) throw new TsruncError('idmap without uidMappings/gidMappings needs a user namespace to take the mapping from', { field: `${field}.options` });
  const recursive = opts.idmap === 'recursive' || (!opts.idmap && !!(bits & Mnt.RECURSIVE));
  const idx = plan.ops.length;
  plan.add('MOUNT', field, `idmapped ${recursive ? 'rbind' : 'bind'} ${source} -> ${path.normalize(m.destination)} (made by the runtime, attached here)`,
    [0n, BigInt(opts.propagation & ~MS.REC), BigInt((bits & ~Mnt.BIND) | Mnt.FROM_PARENT), 0n], [source, path.normalize(m.destination), null, null]);
  plan.idmapped.set(idx, { source, recursive, attrs: bindAttrs(opts), recAttrs, uidMappings: m.uidMappings, gidMappings: m.gidMappings });
}

/** runc 1.2+ mountPropagate: a read-only tmpfs or /dev is mounted read-write, since devices, mount
 * points of later mounts beneath it (/dev/pts, /dev/shm, ...) and files are still to be made in it;
 * compileFinalizeRootfs makes it read-only at the end. (runc 1.1 did this for /dev only.) Binds keep
 * their read-only flag at once: a mount point made in one would be made in the host's directory. */
function readonlyLater(m: Mount): boolean {
  if (isBind(m) || m.type === 'cgroup' || m.type === 'cgroup2') return false;
  if (!(parseMountOptions(m.options).flags & MS.RDONLY)) return false;
  return m.type === 'tmpfs' || path.normalize(m.destination) === '/dev';
}

/** runc's finalizeRootfs (rootfs_linux.go): after pivot_root and the devices, the mounts that
 * readonlyLater left writable become read-only (the top mount only, as runc's remountReadonly). */
export function compileFinalizeRootfs(spec: Spec, plan: Plan): void {
  (spec.mounts ?? []).forEach((m, i) => {
    if (!readonlyLater(m)) return;
    const dest = path.normalize(m.destination);
    plan.add('MOUNT_SETATTR', `mounts[${i}]`, `mount_setattr(${dest}, MOUNT_ATTR_RDONLY): read-only now that everything beneath it is made`,
      [0n, 0n, 0n, BigInt(MOUNT_ATTR.RDONLY)], [dest]);
  });
}

function describeOpts(o?: string[]): string {
  return o && o.length ? ` (${o.join(',')})` : '';
}

/** rootfsPropagation (config-linux.md): applied to "/" of the new mount namespace, default rslave
 * as runc, so nothing the container mounts propagates back to the host. */
/** linux.rootfsPropagation as mount(2) flags, or undefined when the config leaves it unset. */
export function rootPropagation(spec: Spec): number | undefined {
  const p = spec.linux?.rootfsPropagation;
  if (!p) return undefined;
  const v = propagationOptions[p];
  if (v === undefined) throw new TsruncError(`unknown propagation "${p}"`, { field: 'linux.rootfsPropagation' });
  return v;
}

/** --no-pivot (runc's msMoveRoot): the mount points of the full procfs and sysfs mounts (their root is
 * the filesystem's root) outside the rootfs, from mountinfo, for HIDE_MOUNT. */
export function hostProcSysMounts(mountinfo: string, rootfs: string): string[] {
  const out: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ');
    const sep = f.indexOf('-');
    if (sep < 0 || f.length < sep + 2) continue;
    const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
    const root = unescape(f[3]), mountPoint = unescape(f[4]), fstype = f[sep + 1];
    if (root !== '/' || (fstype !== 'proc' && fstype !== 'sysfs')) continue;
    if (mountPoint === rootfs || mountPoint.startsWith(rootfs.endsWith('/') ? rootfs : rootfs + '/')) continue;
    out.push(mountPoint);
  }
  return out;
}
