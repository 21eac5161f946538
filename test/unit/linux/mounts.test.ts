// Mount option parsing (runc's parseMountOptions), the mount_setattr encoding of bind attributes
// and the root propagation. Kernel numbers are written out here (linux/mount.h), not imported.
import * as fs from 'fs';
import { TsruncError } from '../../../src/errors';
import { MOUNT_ATTR, MS, bindAttrs, compileMounts, isBind, knownMountOptions, parseMountOptions, rootPropagation } from '../../../src/linux/mounts';
import { hostProcSysMounts } from '../../../src/linux/mounts';
import { Mnt } from '../../../src/linux/opcodes';
import { Plan } from '../../../src/linux/plan';
import type { Spec } from '../../../src/spec/types';

const MS_RDONLY = 0x1, MS_NOSUID = 0x2, MS_NODEV = 0x4, MS_NOEXEC = 0x8, MS_SYNCHRONOUS = 0x10, MS_REMOUNT = 0x20;
const MS_MANDLOCK = 0x40, MS_DIRSYNC = 0x80, MS_NOSYMFOLLOW = 0x100, MS_NOATIME = 0x400, MS_NODIRATIME = 0x800;
const MS_BIND = 0x1000, MS_REC = 0x4000, MS_SILENT = 0x8000, MS_UNBINDABLE = 0x20000, MS_PRIVATE = 0x40000;
const MS_SLAVE = 0x80000, MS_SHARED = 0x100000, MS_RELATIME = 0x200000, MS_STRICTATIME = 0x1000000, MS_LAZYTIME = 0x2000000;
const ATTR_RDONLY = 0x1, ATTR_NOSUID = 0x2, ATTR_NODEV = 0x4, ATTR_NOEXEC = 0x8, ATTR__ATIME = 0x70;
const ATTR_NOATIME = 0x10, ATTR_STRICTATIME = 0x20, ATTR_NODIRATIME = 0x80, ATTR_NOSYMFOLLOW = 0x200000;

const enc = (set: number, clr: number) => (BigInt(clr) << 32n) | BigInt(set);
const low = (v: bigint) => Number(v & 0xffffffffn);
const high = (v: bigint) => Number(v >> 32n);

describe('constants match linux/mount.h', () => {
  test('MS_* and MOUNT_ATTR_* values', () => {
    expect(MS).toMatchObject({
      RDONLY: MS_RDONLY, NOSUID: MS_NOSUID, NODEV: MS_NODEV, NOEXEC: MS_NOEXEC, SYNCHRONOUS: MS_SYNCHRONOUS, REMOUNT: MS_REMOUNT,
      MANDLOCK: MS_MANDLOCK, DIRSYNC: MS_DIRSYNC, NOSYMFOLLOW: MS_NOSYMFOLLOW, NOATIME: MS_NOATIME, NODIRATIME: MS_NODIRATIME,
      BIND: MS_BIND, REC: MS_REC, SILENT: MS_SILENT, UNBINDABLE: MS_UNBINDABLE, PRIVATE: MS_PRIVATE, SLAVE: MS_SLAVE,
      SHARED: MS_SHARED, RELATIME: MS_RELATIME, STRICTATIME: MS_STRICTATIME, LAZYTIME: MS_LAZYTIME,
    });
    expect(MOUNT_ATTR).toMatchObject({
      RDONLY: ATTR_RDONLY, NOSUID: ATTR_NOSUID, NODEV: ATTR_NODEV, NOEXEC: ATTR_NOEXEC, _ATIME: ATTR__ATIME, RELATIME: 0,
      NOATIME: ATTR_NOATIME, STRICTATIME: ATTR_STRICTATIME, NODIRATIME: ATTR_NODIRATIME, NOSYMFOLLOW: ATTR_NOSYMFOLLOW,
    });
  });

  const header = '/usr/include/linux/mount.h';
  (fs.existsSync(header) ? test : test.skip)('and the installed kernel header agrees', () => {
    const text = fs.readFileSync(header, 'utf8');
    const val = (name: string): number => {
      const m = new RegExp(`^#define\\s+${name}\\s+(\\(1\\s*<<\\s*(\\d+)\\)|0x[0-9a-fA-F]+|\\d+)`, 'm').exec(text);
      if (!m) throw new Error(`${name} not in ${header}`);
      return m[2] !== undefined ? 2 ** Number(m[2]) : Number(m[1]);
    };
    for (const [k, v] of Object.entries(MS)) expect([k, v]).toEqual([k, val(`MS_${k}`)]);
    for (const [k, v] of Object.entries(MOUNT_ATTR)) expect([k, v]).toEqual([k, val(`MOUNT_ATTR_${k}`)]);
  });
});

describe('parseMountOptions', () => {
  test('no options', () => {
    expect(parseMountOptions()).toEqual({ flags: 0, clearFlags: 0, propagation: 0, recAttrSet: 0, recAttrClr: 0, recAtime: false, data: [] });
    expect(parseMountOptions(['defaults']).flags).toBe(0);
  });

  test('flags', () => {
    const p = parseMountOptions(['nosuid', 'noexec', 'nodev', 'ro']);
    expect(p.flags).toBe(MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY);
    expect(p.clearFlags).toBe(0);
    expect(parseMountOptions(['sync', 'dirsync', 'mand', 'noatime', 'nodiratime', 'nosymfollow', 'remount', 'silent', 'lazytime']).flags)
      .toBe(MS_SYNCHRONOUS | MS_DIRSYNC | MS_MANDLOCK | MS_NOATIME | MS_NODIRATIME | MS_NOSYMFOLLOW | MS_REMOUNT | MS_SILENT | MS_LAZYTIME);
    expect(parseMountOptions(['relatime']).flags).toBe(MS_RELATIME);
    expect(parseMountOptions(['strictatime']).flags).toBe(MS_STRICTATIME);
  });

  test('bind and rbind', () => {
    expect(parseMountOptions(['bind']).flags).toBe(MS_BIND);
    expect(parseMountOptions(['rbind']).flags).toBe(MS_BIND | MS_REC);
  });

  test('clear flags: the last of a pair wins', () => {
    const rw = parseMountOptions(['ro', 'rw']);
    expect(rw.flags & MS_RDONLY).toBe(0);
    expect(rw.clearFlags).toBe(MS_RDONLY);
    const ro = parseMountOptions(['rw', 'ro']);
    expect(ro.flags).toBe(MS_RDONLY);
    expect(ro.clearFlags).toBe(0);
    const c = parseMountOptions(['suid', 'dev', 'exec', 'atime', 'diratime', 'async', 'nomand', 'norelatime', 'nostrictatime', 'loud', 'nolazytime']);
    expect(c.flags).toBe(0);
    expect(c.clearFlags).toBe(MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_SYNCHRONOUS | MS_MANDLOCK | MS_RELATIME
      | MS_STRICTATIME | MS_SILENT | MS_LAZYTIME);
  });

  test.each([
    ['private', MS_PRIVATE], ['rprivate', MS_PRIVATE | MS_REC],
    ['shared', MS_SHARED], ['rshared', MS_SHARED | MS_REC],
    ['slave', MS_SLAVE], ['rslave', MS_SLAVE | MS_REC],
    ['unbindable', MS_UNBINDABLE], ['runbindable', MS_UNBINDABLE | MS_REC],
  ])('propagation %s', (name, value) => {
    const p = parseMountOptions(['nosuid', name as string]);
    expect(p.propagation).toBe(value);
    expect(p.flags).toBe(MS_NOSUID); // propagation is not a mount flag
    expect(p.data).toEqual([]);
  });

  test('propagation: the last one wins', () => {
    expect(parseMountOptions(['rshared', 'private']).propagation).toBe(MS_PRIVATE);
  });

  test.each([
    ['rro', ATTR_RDONLY, 0], ['rrw', 0, ATTR_RDONLY],
    ['rnosuid', ATTR_NOSUID, 0], ['rsuid', 0, ATTR_NOSUID],
    ['rnodev', ATTR_NODEV, 0], ['rdev', 0, ATTR_NODEV],
    ['rnoexec', ATTR_NOEXEC, 0], ['rexec', 0, ATTR_NOEXEC],
    ['rnodiratime', ATTR_NODIRATIME, 0], ['rdiratime', 0, ATTR_NODIRATIME],
    ['rnosymfollow', ATTR_NOSYMFOLLOW, 0], ['rsymfollow', 0, ATTR_NOSYMFOLLOW],
  ])('recursive attribute %s', (name, set, clr) => {
    const p = parseMountOptions([name as string]);
    expect([p.recAttrSet, p.recAttrClr, p.recAtime]).toEqual([set, clr, false]);
    expect(p.flags).toBe(0);
    expect(p.data).toEqual([]);
  });

  test('recursive attributes combine, and a later opposite clears the earlier one', () => {
    const p = parseMountOptions(['rro', 'rnosuid', 'rnodev', 'rnoexec']);
    expect(p.recAttrSet).toBe(ATTR_RDONLY | ATTR_NOSUID | ATTR_NODEV | ATTR_NOEXEC);
    const q = parseMountOptions(['rro', 'rrw']);
    expect([q.recAttrSet, q.recAttrClr]).toEqual([0, ATTR_RDONLY]);
    const r = parseMountOptions(['rrw', 'rro']);
    expect([r.recAttrSet, r.recAttrClr]).toEqual([ATTR_RDONLY, 0]);
  });

  test('rrelatime: atime is an enum, so all of MOUNT_ATTR__ATIME is cleared', () => {
    const p = parseMountOptions(['rrelatime']);
    expect(p.recAtime).toBe(true);
    expect(p.recAttrSet & ATTR__ATIME).toBe(0);
    expect(p.recAttrClr & ATTR__ATIME).toBe(ATTR__ATIME);
  });

  // mount_setattr(2): "users wanting to transition to a different atime setting cannot simply specify
  // the atime setting in attr_set, but must also specify MOUNT_ATTR__ATIME in the attr_clr field";
  // the kernel (build_mount_kattr) returns EINVAL when attr_clr holds only part of MOUNT_ATTR__ATIME.
  // parseMountOptions ORs in MOUNT_ATTR__ATIME and then, because rnoatime/rstrictatime are "set"
  // attributes, clears their own bit from recAttrClr again: rnoatime gives clr=0x60, which the child
  // passes straight to mount_setattr (addon/child.c op_mount) -> EINVAL.
  test('rnoatime: attr_set NOATIME with the whole MOUNT_ATTR__ATIME in attr_clr', () => {
    const p = parseMountOptions(['rnoatime']);
    expect(p.recAtime).toBe(true);
    expect(p.recAttrSet & ATTR__ATIME).toBe(ATTR_NOATIME);
    expect(p.recAttrClr & ATTR__ATIME).toBe(ATTR__ATIME);
  });

  test('rstrictatime: attr_set STRICTATIME with the whole MOUNT_ATTR__ATIME in attr_clr', () => {
    const p = parseMountOptions(['rstrictatime']);
    expect(p.recAttrSet & ATTR__ATIME).toBe(ATTR_STRICTATIME);
    expect(p.recAttrClr & ATTR__ATIME).toBe(ATTR__ATIME);
  });

  test('rnoatime/rstrictatime set their atime value in attr_set', () => {
    expect(parseMountOptions(['rnoatime']).recAttrSet).toBe(ATTR_NOATIME);
    expect(parseMountOptions(['rstrictatime']).recAttrSet).toBe(ATTR_STRICTATIME);
  });

  test('filesystem data: everything unrecognised, in order', () => {
    const p = parseMountOptions(['nosuid', 'strictatime', 'mode=755', 'size=65536k']);
    expect(p.flags).toBe(MS_NOSUID | MS_STRICTATIME);
    expect(p.data).toEqual(['mode=755', 'size=65536k']);
    const pts = parseMountOptions(['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5']);
    expect(pts.data).toEqual(['newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5']);
    expect(pts.flags).toBe(MS_NOSUID | MS_NOEXEC);
  });

  test('idmap and ridmap', () => {
    expect(parseMountOptions(['idmap']).idmap).toBe('top');
    expect(parseMountOptions(['ridmap']).idmap).toBe('recursive');
    expect(parseMountOptions(['bind']).idmap).toBeUndefined();
    expect(parseMountOptions(['idmap']).data).toEqual([]);
  });

  test('knownMountOptions lists every recognised option, sorted, and not data options', () => {
    const k = knownMountOptions();
    expect(k).toEqual([...k].sort());
    for (const o of ['ro', 'rw', 'rbind', 'rslave', 'rro', 'rnoatime', 'idmap', 'ridmap', 'nosymfollow']) expect(k).toContain(o);
    expect(k).not.toContain('mode=755');
    // every known option is consumed by the parser, never passed as data
    for (const o of k) expect({ o, data: parseMountOptions([o]).data }).toEqual({ o, data: [] });
  });
});

describe('bindAttrs: mount_setattr attributes of a bind (low 32 bits set, high 32 clear)', () => {
  test('ro,nosuid,nodev,noexec set', () => {
    const v = bindAttrs(parseMountOptions(['ro', 'nosuid', 'nodev', 'noexec']));
    expect(v).toBe(enc(ATTR_RDONLY | ATTR_NOSUID | ATTR_NODEV | ATTR_NOEXEC, 0));
  });

  test('rw, suid, dev, exec clear', () => {
    const v = bindAttrs(parseMountOptions(['rw', 'suid', 'dev', 'exec']));
    expect(low(v)).toBe(0);
    expect(high(v)).toBe(ATTR_RDONLY | ATTR_NOSUID | ATTR_NODEV | ATTR_NOEXEC);
  });

  test('nodiratime and nosymfollow map to their MOUNT_ATTR bits', () => {
    expect(bindAttrs(parseMountOptions(['nodiratime']))).toBe(enc(ATTR_NODIRATIME, 0));
    expect(bindAttrs(parseMountOptions(['nosymfollow']))).toBe(enc(ATTR_NOSYMFOLLOW, 0));
    expect(bindAttrs(parseMountOptions(['diratime']))).toBe(enc(0, ATTR_NODIRATIME));
  });

  test('no options: nothing set or cleared', () => {
    expect(bindAttrs(parseMountOptions([]))).toBe(0n);
    expect(bindAttrs(parseMountOptions(['bind', 'rprivate', 'mode=755']))).toBe(0n);
  });

  test.each([
    ['noatime', ATTR_NOATIME], ['strictatime', ATTR_STRICTATIME], ['relatime', 0],
  ])('%s: atime value in set, the whole MOUNT_ATTR__ATIME in clear', (opt, set) => {
    const v = bindAttrs(parseMountOptions([opt as string]));
    expect(low(v)).toBe(set);
    expect(high(v)).toBe(ATTR__ATIME);
  });

  test('atime plus other flags', () => {
    const v = bindAttrs(parseMountOptions(['ro', 'noatime', 'rw', 'nosuid']));
    expect(low(v)).toBe(ATTR_NOSUID | ATTR_NOATIME);
    expect(high(v)).toBe(ATTR_RDONLY | ATTR__ATIME);
  });

  test('no atime option: atime untouched', () => {
    const v = bindAttrs(parseMountOptions(['ro']));
    expect(high(v) & ATTR__ATIME).toBe(0);
    expect(low(v) & ATTR__ATIME).toBe(0);
  });

  test('the result fits 64 bits and is never negative', () => {
    const v = bindAttrs(parseMountOptions(['rw', 'suid', 'dev', 'exec', 'diratime', 'noatime']));
    expect(v).toBeGreaterThanOrEqual(0n);
    expect(v < 1n << 64n).toBe(true);
  });
});

describe('isBind', () => {
  test.each([
    [{ destination: '/a', type: 'bind', source: '/x' }, true],
    [{ destination: '/a', type: 'none', source: '/x', options: ['rbind'] }, true],
    [{ destination: '/a', source: '/x', options: ['ro', 'bind'] }, true],
    [{ destination: '/a', type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] }, false],
    [{ destination: '/a', type: 'proc', source: 'proc' }, false],
    [{ destination: '/a', type: 'none', source: '/x', options: ['binder'] }, false],
  ])('%j -> %s', (m, want) => {
    expect(isBind(m)).toBe(want);
  });
});

describe('rootPropagation (linux.rootfsPropagation)', () => {
  const spec = (p?: string): Spec => ({ ociVersion: '1.3.0', linux: p === undefined ? {} : { rootfsPropagation: p } });

  test('unset: nothing to apply after pivot_root (the container root stays as bound, a slave)', () => {
    expect(rootPropagation(spec())).toBeUndefined();
    expect(rootPropagation({ ociVersion: '1.3.0' })).toBeUndefined();
    expect(rootPropagation(spec(''))).toBeUndefined();
  });

  test.each([
    ['private', MS_PRIVATE], ['rprivate', MS_PRIVATE | MS_REC], ['shared', MS_SHARED], ['rshared', MS_SHARED | MS_REC],
    ['slave', MS_SLAVE], ['rslave', MS_SLAVE | MS_REC], ['unbindable', MS_UNBINDABLE], ['runbindable', MS_UNBINDABLE | MS_REC],
  ])('%s', (name, value) => {
    expect(rootPropagation(spec(name as string))).toBe(value);
  });

  test('unknown value is an error naming the field', () => {
    let err: unknown;
    try { rootPropagation(spec('sideways')); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(TsruncError);
    expect((err as TsruncError).field).toBe('linux.rootfsPropagation');
    expect((err as TsruncError).message).toContain('sideways');
  });
});

describe('compileMounts op encoding', () => {
  const ctx = { bundle: '/bundle', rootfs: '/bundle/rootfs', statSource: (p: string) => (p.endsWith('.conf') ? 'file' as const : 'dir' as const) };
  const compile = (mounts: Spec['mounts']) => {
    const plan = new Plan();
    compileMounts({ ociVersion: '1.3.0', mounts }, plan, ctx);
    return plan.ops;
  };

  test('a filesystem mount: flags in a0, propagation without MS_REC in a1, PROPAGATION_REC bit, data in s3', () => {
    const [op] = compile([{ destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'rshared', 'mode=755'] }]);
    expect(op.op).toBe('MOUNT');
    expect(op.source).toBe('mounts[0]');
    // DIR_MODE: a tmpfs takes an existing directory's mode unless its options give one (runc).
    expect(op.a).toEqual([BigInt(MS_NOSUID | MS_NODEV), BigInt(MS_SHARED), BigInt(Mnt.TARGET_IN_ROOT | Mnt.MKDIR | Mnt.PROPAGATION_REC | Mnt.DIR_MODE), 0n]);
    expect(op.s).toEqual(['tmpfs', '/run', 'tmpfs', 'mode=755']);
    const [proc] = compile([{ destination: '/proc', type: 'proc', source: 'proc' }]);
    expect(BigInt(proc.a![2]!) & BigInt(Mnt.DIR_MODE)).toBe(0n);
  });

  test('tmpcopyup (runc\'s extension, podman\'s --tmpfs default): the COPYUP bit, never in the kernel\'s data; tmpfs only', () => {
    const [op] = compile([{ destination: '/dir1', type: 'tmpfs', source: 'tmpfs', options: ['tmpcopyup', 'mode=755'] }]);
    expect(BigInt(op.a![2]!) & BigInt(Mnt.COPYUP)).toBe(BigInt(Mnt.COPYUP));
    expect(op.s).toEqual(['tmpfs', '/dir1', 'tmpfs', 'mode=755']);
    let err: unknown;
    try { compile([{ destination: '/p', type: 'proc', source: 'proc', options: ['tmpcopyup'] }]); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(TsruncError);
    expect([(err as TsruncError).field, (err as Error).message]).toEqual(['mounts[0].options', 'tmpcopyup is for tmpfs mounts only']);
  });

  test('no data: s3 is null, not ""', () => {
    const [op] = compile([{ destination: '/proc', type: 'proc', source: 'proc' }]);
    expect(op.s).toEqual(['proc', '/proc', 'proc', null]);
  });

  test('a bind: recursive attrs in a0, top attrs in a3, source resolved against the bundle', () => {
    const [op] = compile([{ destination: '/data//x/..', type: 'bind', source: 'vol', options: ['rbind', 'ro', 'rnosuid', 'rprivate'] }]);
    expect(op.s).toEqual(['/bundle/vol', '/data', null, null]);
    expect(op.a?.[0]).toBe(enc(ATTR_NOSUID, 0));
    expect(op.a?.[1]).toBe(BigInt(MS_PRIVATE));
    expect(op.a?.[2]).toBe(BigInt(Mnt.BIND | Mnt.TARGET_IN_ROOT | Mnt.MKDIR | Mnt.RECURSIVE | Mnt.PROPAGATION_REC));
    expect(op.a?.[3]).toBe(enc(ATTR_RDONLY, 0));
  });

  test('a bind of a file gets MKFILE, not MKDIR; a plain bind is not RECURSIVE', () => {
    const [op] = compile([{ destination: '/etc/x.conf', source: '/host/x.conf', options: ['bind'] }]);
    expect(op.s?.[0]).toBe('/host/x.conf');
    expect(op.a?.[2]).toBe(BigInt(Mnt.BIND | Mnt.TARGET_IN_ROOT | Mnt.MKFILE));
  });

  test('idmapped bind: FROM_PARENT instead of BIND, and a request recorded for the parent', () => {
    const plan = new Plan();
    compileMounts({ ociVersion: '1.3.0', mounts: [{ destination: '/x', source: '/src', type: 'bind', options: ['rbind', 'idmap', 'ro'], uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }], gidMappings: [{ containerID: 0, hostID: 1000, size: 1 }] }] }, plan, ctx);
    const bits = Number(plan.ops[0].a?.[2]);
    expect(bits & Mnt.FROM_PARENT).toBe(Mnt.FROM_PARENT);
    expect(bits & Mnt.BIND).toBe(0);
    const req = plan.idmapped.get(0)!;
    expect(req).toMatchObject({ source: '/src', recursive: false, attrs: enc(ATTR_RDONLY, 0) });
  });

  const errorCases: [string, Spec['mounts'], string][] = [
    ['relative destination', [{ destination: 'proc', type: 'proc', source: 'proc' }], 'mounts[0].destination'],
    ['destination "/"', [{ destination: '/', type: 'tmpfs', source: 'tmpfs' }], 'mounts[0].destination'],
    ['destination "/." normalising to "/"', [{ destination: '/proc', type: 'proc', source: 'proc' }, { destination: '/.', type: 'tmpfs', source: 'tmpfs' }], 'mounts[1].destination'],
    ['bind without source', [{ destination: '/x', options: ['rbind'] }], 'mounts[0].source'],
    ['neither type nor source', [{ destination: '/x' }], 'mounts[0].type'],
    ['recursive attribute on a tmpfs', [{ destination: '/x', type: 'tmpfs', source: 'tmpfs', options: ['rro'] }], 'mounts[0].options'],
    ['idmap on a non-bind', [{ destination: '/x', type: 'tmpfs', source: 'tmpfs', options: ['idmap'] }], 'mounts[0].options'],
    ['idmap without mappings nor user namespace', [{ destination: '/x', type: 'bind', source: '/s', options: ['idmap'] }], 'mounts[0].options'],
    ['uidMappings without gidMappings', [{ destination: '/x', type: 'bind', source: '/s', uidMappings: [{ containerID: 0, hostID: 1, size: 1 }] }], 'mounts[0].gidMappings'],
    ['cgroup mount without a cgroup layout', [{ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup' }], 'mounts[0].type'],
  ];
  test.each(errorCases)('%s', (_n, mounts, field) => {
    let err: unknown;
    try { compile(mounts); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(TsruncError);
    expect((err as TsruncError).field).toBe(field);
  });

  test('a missing bind source is an error naming mounts[N].source', () => {
    const plan = new Plan();
    let err: unknown;
    try {
      compileMounts({ ociVersion: '1.3.0', mounts: [{ destination: '/x', type: 'bind', source: '/nope' }] }, plan, { ...ctx, statSource: () => 'missing' });
    } catch (e) { err = e; }
    expect((err as TsruncError).field).toBe('mounts[0].source');
    expect((err as TsruncError).message).toContain('/nope');
  });
});

describe('options only mount(8) reads', () => {
  test('nofail, x-*, comment= and the fstab options never reach the kernel', () => {
    const p = parseMountOptions(['nofail', 'x-systemd.automount', 'comment=x', 'noauto', '_netdev', 'size=1m']);
    expect(p.data).toEqual(['size=1m']);
    expect(p.flags).toBe(0);
  });
});

describe('hostProcSysMounts (--no-pivot, runc msMoveRoot)', () => {
  const info = [
    '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw',
    '23 22 0:21 / /proc rw,nosuid shared:2 - proc proc rw',
    '24 22 0:22 / /sys rw,nosuid shared:3 - sysfs sysfs rw',
    '25 23 0:40 / /proc/sys/fs/binfmt_misc rw - binfmt_misc binfmt_misc rw',
    '26 22 0:21 /sys /mnt/partial rw - proc proc rw',
    '27 22 0:23 / /run/c/rootfs/proc rw - proc proc rw',
    '28 22 0:24 / /mnt/with\\040space rw - sysfs sysfs rw',
    '29 22 0:25 / /run/c/rootfs2 rw - proc proc rw',
  ].join('\n');
  test('full procfs and sysfs mounts outside the rootfs, unescaped; not partial ones, not the container\'s', () => {
    expect(hostProcSysMounts(info, '/run/c/rootfs')).toEqual(['/proc', '/sys', '/mnt/with space', '/run/c/rootfs2']);
  });
});
