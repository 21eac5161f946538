// compileCreatePlan (src/linux/create.ts): the op order the child relies on, and the errors that
// name the config field at fault. Asserted on the plan only: no root, no kernel.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TsruncError } from '../../../src/errors';
import { compileCreatePlan, CreateContext } from '../../../src/linux/create';
import { compileExecPlan } from '../../../src/linux/exec';
import { Mnt, Op, Sync } from '../../../src/linux/opcodes';
import type { Plan, PlanOp } from '../../../src/linux/plan';
import { unitSpec } from '../../helpers/unitSpec';
import type { Spec } from '../../../src/spec/types';

// Kernel values, written out here rather than imported, so a wrong table in src/ fails the test.
const CLONE_NEWNS = 0x00020000n, CLONE_NEWUTS = 0x04000000n, CLONE_NEWIPC = 0x08000000n, CLONE_NEWUSER = 0x10000000n;
const CLONE_NEWPID = 0x20000000n, CLONE_NEWNET = 0x40000000n, CLONE_NEWCGROUP = 0x02000000n, CLONE_NEWTIME = 0x00000080n;
const MS_REC = 0x4000, MS_SLAVE = 0x80000, MS_PRIVATE = 0x40000, MS_SHARED = 0x100000, MS_UNBINDABLE = 0x20000;

let bundle: string;
let rootfs: string;
let ctx: CreateContext;

beforeAll(() => {
  bundle = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-compile-'));
  rootfs = path.join(bundle, 'rootfs');
  fs.mkdirSync(rootfs);
  fs.writeFileSync(path.join(bundle, 'file.txt'), 'x');
  fs.mkdirSync(path.join(bundle, 'data'));
});
afterAll(() => fs.rmSync(bundle, { recursive: true, force: true }));
beforeEach(() => {
  ctx = { bundle, rootfs, fifoPath: '/run/tsrunc/c1/exec.fifo', noPivot: false, preserveFds: 0 };
});

function compile(mutate?: (s: Spec) => void, c: Partial<CreateContext> = {}): Plan {
  const spec = unitSpec();
  mutate?.(spec);
  return compileCreatePlan(spec, { ...ctx, ...c });
}

function idx(plan: Plan, pred: (o: PlanOp) => boolean, from = 0): number {
  for (let i = from; i < plan.ops.length; i++) if (pred(plan.ops[i])) return i;
  return -1;
}
const isOp = (name: string, a0?: bigint) => (o: PlanOp) => o.op === name && (a0 === undefined || o.a?.[0] === a0);

function expectOrder(plan: Plan, ...positions: number[]): void {
  for (const p of positions) expect(p).toBeGreaterThanOrEqual(0);
  for (let i = 1; i < positions.length; i++) expect(positions[i]).toBeGreaterThan(positions[i - 1]);
}

function compileError(mutate: (s: Spec) => void, c: Partial<CreateContext> = {}): TsruncError {
  try {
    compile(mutate, c);
  } catch (e) {
    expect(e).toBeInstanceOf(TsruncError);
    return e as TsruncError;
  }
  throw new Error('expected compileCreatePlan to throw');
}

describe('compileCreatePlan on the default spec: order', () => {
  test('it compiles, and every op name is a known op code', () => {
    const plan = compile();
    expect(plan.ops.length).toBeGreaterThan(30);
    for (const o of plan.ops) expect(Op[o.op]).toBeGreaterThan(0);
    expect(() => plan.serialize()).not.toThrow();
  });

  test('PDEATHSIG(SIGKILL), then SYNC_WAIT(GO), come first', () => {
    const plan = compile();
    expect(plan.ops[0].op).toBe('PDEATHSIG');
    expect(plan.ops[0].a?.[0]).toBe(9n);
    expect(plan.ops[1].op).toBe('SYNC_WAIT');
    expect(plan.ops[1].a?.[0]).toBe(BigInt(Sync.GO));
    expect(Sync.GO).toBe(1);
  });

  test('root propagation on "/", rbind of the rootfs, OPEN_ROOT, OPEN_FIFO, then config mounts', () => {
    const plan = compile();
    const prop = idx(plan, (o) => o.op === 'MOUNT' && o.s?.[1] === '/');
    const prop0 = plan.ops[prop];
    expect(prop0.a?.[2]).toBe(BigInt(Mnt.PROPAGATION_ONLY));
    expect(prop0.a?.[1]).toBe(BigInt(MS_SLAVE | MS_REC));
    const rbind = idx(plan, (o) => o.op === 'MOUNT' && o.s?.[0] === rootfs && o.s?.[1] === rootfs);
    expect(Number(plan.ops[rbind].a?.[2]) & (Mnt.BIND | Mnt.RECURSIVE)).toBe(Mnt.BIND | Mnt.RECURSIVE);
    // The rbind target is a host path: not resolved inside the (not yet opened) root.
    expect(Number(plan.ops[rbind].a?.[2]) & Mnt.TARGET_IN_ROOT).toBe(0);
    const openRoot = idx(plan, (o) => o.op === 'OPEN_ROOT' && o.s?.[0] === rootfs);
    const openFifo = idx(plan, (o) => o.op === 'OPEN_FIFO' && o.s?.[0] === ctx.fifoPath);
    const firstConfigMount = idx(plan, (o) => o.source.startsWith('mounts['));
    expectOrder(plan, 1, prop, rbind, openRoot, openFifo, firstConfigMount);
    // Nothing in between touches the filesystem inside the root.
    expect(plan.ops.slice(0, firstConfigMount).filter((o) => o.op === 'MOUNT').length).toBe(2);
  });

  test('config mounts appear in config order, each resolved in the root', () => {
    const spec = unitSpec();
    const plan = compileCreatePlan(spec, ctx);
    const mounts = plan.ops.map((o, i) => ({ o, i })).filter(({ o }) => /^mounts\[\d+\]$/.test(o.source));
    expect(mounts.map(({ o }) => o.source)).toEqual(spec.mounts!.map((_, i) => `mounts[${i}]`));
    expect(mounts.map(({ o }) => o.s?.[1])).toEqual(spec.mounts!.map((m) => m.destination));
    for (const { o } of mounts) expect(Number(o.a?.[2]) & Mnt.TARGET_IN_ROOT).toBe(Mnt.TARGET_IN_ROOT);
    const dev = mounts.find(({ o }) => o.s?.[1] === '/dev')!.o;
    expect(dev.s).toEqual(['tmpfs', '/dev', 'tmpfs', 'mode=755,size=65536k']);
    expect(dev.a?.[0]).toBe(BigInt(0x2 | 0x1000000)); // MS_NOSUID | MS_STRICTATIME
  });

  test('default devices are created with mknod after the /dev mount and before pivot_root', () => {
    const plan = compile();
    const nodes = plan.ops.filter((o) => o.op === 'MKNOD');
    expect(nodes.map((o) => o.s?.[0])).toEqual(['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty']);
    const devMount = idx(plan, (o) => o.op === 'MOUNT' && o.s?.[1] === '/dev');
    const firstNode = idx(plan, isOp('MKNOD'));
    const pivot = idx(plan, isOp('PIVOT_ROOT'));
    expectOrder(plan, devMount, firstNode, pivot);
    const nul = nodes[0];
    expect(nul.a?.[0]).toBe(BigInt(0o020000 | 0o666));
    expect(nul.a?.[1]).toBe(0x103n); // makedev(1, 3)
    const links = plan.ops.filter((o) => o.op === 'SYMLINK').map((o) => [o.s?.[0], o.s?.[1]]);
    expect(links).toEqual(expect.arrayContaining([['/proc/self/fd', '/dev/fd'], ['/proc/self/fd/0', '/dev/stdin'], ['pts/ptmx', '/dev/ptmx']]));
  });

  test('PIVOT_ROOT before REMOUNT_RO_ROOT, SETHOSTNAME, READONLY_PATH and MASK_PATH', () => {
    const plan = compile();
    const pivot = idx(plan, isOp('PIVOT_ROOT'));
    expect(plan.ops[pivot].s?.[0]).toBe(rootfs);
    for (const name of ['REMOUNT_RO_ROOT', 'SETHOSTNAME', 'READONLY_PATH', 'MASK_PATH']) {
      const i = idx(plan, isOp(name));
      expect({ name, after: i > pivot }).toEqual({ name, after: true });
    }
    // and no mount from the config after pivot_root
    expect(idx(plan, (o) => o.source.startsWith('mounts['), pivot)).toBe(-1);
    // the root is re-opened after pivot_root as "/"
    expect(idx(plan, (o) => o.op === 'OPEN_ROOT' && o.s?.[0] === '/', pivot)).toBeGreaterThan(pivot);
  });

  test('masked and read-only paths: one op each, in config order', () => {
    const spec = unitSpec();
    const plan = compileCreatePlan(spec, ctx);
    expect(plan.ops.filter((o) => o.op === 'MASK_PATH').map((o) => o.s?.[0])).toEqual(spec.linux!.maskedPaths);
    expect(plan.ops.filter((o) => o.op === 'READONLY_PATH').map((o) => o.s?.[0])).toEqual(spec.linux!.readonlyPaths);
    // A path given twice (or spelled twice) is masked once, as runc's maskPaths (mask.bats "duplicate paths").
    const dup = compile((s) => { s.linux!.maskedPaths = ['/testdir', '/x', '/testdir', '/testdir/', '//x']; });
    expect(dup.ops.filter((o) => o.op === 'MASK_PATH').map((o) => [o.source, o.s?.[0]])).toEqual([['linux.maskedPaths[0]', '/testdir'], ['linux.maskedPaths[1]', '/x']]);
  });

  test('no REMOUNT_RO_ROOT when root.readonly is false', () => {
    expect(compile((s) => { s.root!.readonly = false; }).indexOf('REMOUNT_RO_ROOT')).toBe(-1);
  });

  test('credentials: CAPS_BOUNDING < KEEPCAPS(1) < SETGROUPS < SETGID < SETUID < KEEPCAPS(0) < CAPSET', () => {
    // The template has no ambient set since runc 1.2; give it one so all four masks are checked.
    const plan = compile((s) => { s.process!.capabilities!.ambient = [...s.process!.capabilities!.bounding!]; });
    const bounding = idx(plan, isOp('CAPS_BOUNDING'));
    const keep1 = idx(plan, isOp('KEEPCAPS', 1n));
    const groups = idx(plan, isOp('SETGROUPS'));
    const gid = idx(plan, isOp('SETGID'));
    const uid = idx(plan, isOp('SETUID'));
    const keep0 = idx(plan, isOp('KEEPCAPS', 0n));
    const capset = idx(plan, isOp('CAPSET'));
    expectOrder(plan, bounding, keep1, groups, gid, uid, keep0, capset);
    // CAP_AUDIT_WRITE(29), CAP_KILL(5), CAP_NET_BIND_SERVICE(10)
    const mask = (1n << 29n) | (1n << 5n) | (1n << 10n);
    expect(plan.ops[bounding].a?.[0]).toBe(mask);
    expect(plan.ops[capset].a).toEqual([mask, mask, 0n, mask]); // effective, permitted, inheritable, ambient
  });

  test('process.cwd: entered before the privileges are dropped, and tried again after (runc finalizeNamespace)', () => {
    const plan = compile((s) => { s.process!.cwd = '/srv'; });
    const first = idx(plan, isOp('CHDIR', 1n));
    const retry = idx(plan, isOp('CHDIR', 2n));
    expectOrder(plan, first, idx(plan, isOp('CAPS_BOUNDING')), idx(plan, isOp('SETUID')), retry, idx(plan, isOp('RESOLVE_EXEC')));
    expect([plan.ops[first].s, plan.ops[retry].s]).toEqual([['/srv'], ['/srv']]);
    expect(plan.ops.filter((o) => o.op === 'CHDIR')).toHaveLength(2);
  });

  test('stdio (the pty included) is chowned to the process uid after OPEN_PTY, before SETUID (runc fixStdioPermissions)', () => {
    const plan = compile((s) => { s.process!.user = { uid: 1000, gid: 1001 }; });
    const chown = idx(plan, isOp('CHOWN_STDIO'));
    expectOrder(plan, idx(plan, isOp('OPEN_PTY')), chown, idx(plan, isOp('SETUID')));
    expect(plan.ops[chown].a).toEqual([1000n]);
  });

  test('HOME: without a non-empty one in process.env, SET_HOME for the process uid after the pivot, before the user change (runc setupUser)', () => {
    const plan = compile((s) => { s.process!.user = { uid: 1000, gid: 1001 }; s.process!.env = ['PATH=/bin']; });
    const home = idx(plan, isOp('SET_HOME'));
    expectOrder(plan, idx(plan, isOp('PIVOT_ROOT')), home, idx(plan, isOp('SETGROUPS')), idx(plan, isOp('SETUID')), idx(plan, isOp('EXEC')));
    expect(plan.ops[home].a).toEqual([1000n]);
    // An empty HOME is none (Go's Getenv), the last entry counting; a HOME given is kept as it is.
    expect(compile((s) => { s.process!.env = ['HOME=/a', 'HOME=']; }).ops.filter(isOp('SET_HOME'))).toHaveLength(1);
    expect(compile((s) => { s.process!.env = ['HOME=', 'HOME=/a']; }).ops.filter(isOp('SET_HOME'))).toHaveLength(0);
    expect(compile((s) => { s.process!.env = ['HOME=/home/x']; }).ops.filter(isOp('SET_HOME'))).toHaveLength(0);
  });

  test('process.env as runc\'s prepareEnv: each key once, its last entry at that entry\'s place; an empty HOME dropped; bad entries named', () => {
    const envOf = (env: string[]) => {
      const exec = compile((s) => { s.process!.env = env; }).ops.find(isOp('EXEC'))!;
      return (exec.s![1] as Buffer | null)?.toString().split('\0').slice(0, Number(exec.a![1])) ?? [];
    };
    // runc's env_test.go cases.
    expect(envOf(['TERM=vt100', 'HOME=/home/one', 'HOME=/home/two', 'TERM=xterm', 'HOME=/home/three', 'FOO=bar'])).toEqual(['TERM=xterm', 'HOME=/home/three', 'FOO=bar']);
    expect(envOf(['A=a', 'A=b', 'A=c'])).toEqual(['A=c']);
    expect(envOf(['HOME=', 'HOME=/foo'])).toEqual(['HOME=/foo']);
    expect(envOf(['HOME=/foo', 'HOME=', 'ONE=two', 'ONE='])).toEqual(['ONE=']);
    expect(compileError((s) => { s.process!.env = ['A=1', '=x']; }).field).toBe('process.env[1]');
    expect(compileError((s) => { s.process!.env = ['NOEQ']; }).message).toMatch(/is not KEY=value/);
    expect(compileError((s) => { s.process!.env = ['A=1\u0000B=2']; }).message).toMatch(/NUL/);
  });

  test('user, groups: ids and gid blob', () => {
    const plan = compile((s) => { s.process!.user = { uid: 1000, gid: 100, additionalGids: [5, 70000] }; });
    const g = plan.ops[idx(plan, isOp('SETGROUPS'))];
    expect(g.a?.[0]).toBe(2n);
    const blob = g.s?.[0] as Buffer;
    expect([blob.readUInt32LE(0), blob.readUInt32LE(4)]).toEqual([5, 70000]);
    expect(plan.ops[idx(plan, isOp('SETGID'))].a?.[0]).toBe(100n);
    expect(plan.ops[idx(plan, isOp('SETUID'))].a?.[0]).toBe(1000n);
  });

  test('RESOLVE_EXEC before SYNC_SEND(READY); READY, COMMIT, PDEATHSIG(0), ACK in that order', () => {
    const plan = compile();
    const resolve = idx(plan, isOp('RESOLVE_EXEC'));
    expect(plan.ops[resolve].s).toEqual(['sh', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
    const ready = idx(plan, isOp('SYNC_SEND', BigInt(Sync.READY)));
    const commit = idx(plan, isOp('SYNC_WAIT', BigInt(Sync.COMMIT)));
    const clearDeath = idx(plan, isOp('PDEATHSIG', 0n));
    const ack = idx(plan, isOp('SYNC_SEND', BigInt(Sync.ACK)));
    expectOrder(plan, resolve, ready, commit, clearDeath, ack);
    // every credential op happens before READY: create reports their failures
    expect(idx(plan, isOp('CAPSET'))).toBeLessThan(ready);
  });

  test('CLOSE_FDS and NO_NEW_PRIVS before WAIT_FIFO, which comes right before EXEC (last)', () => {
    const plan = compile();
    const close = idx(plan, isOp('CLOSE_FDS'));
    const nnp = idx(plan, isOp('NO_NEW_PRIVS'));
    const wait = idx(plan, isOp('WAIT_FIFO'));
    const exec = idx(plan, isOp('EXEC'));
    expectOrder(plan, close, nnp, wait, exec);
    expect(wait).toBe(exec - 1);
    expect(exec).toBe(plan.ops.length - 1);
    expect(plan.ops[close].a?.[0]).toBe(3n);
  });

  test('EXEC carries argv and env blobs with their counts', () => {
    const plan = compile((s) => { s.process!.args = ['sh', '-c', 'true']; });
    const exec = plan.ops[plan.indexOf('EXEC')];
    expect(exec.a?.slice(0, 2)).toEqual([3n, 2n]);
    expect((exec.s?.[0] as Buffer).toString()).toBe('sh\0-c\0true\0');
    expect((exec.s?.[1] as Buffer).toString()).toBe('PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\0TERM=xterm\0');
  });

  test('--preserve-fds N: plan.preserveFds and CLOSE_FDS from 3+N', () => {
    const plan = compile(undefined, { preserveFds: 2 });
    expect(plan.preserveFds).toBe(2);
    expect(plan.serialize().readBigUInt64LE(24)).toBe(2n);
    expect(plan.ops[plan.indexOf('CLOSE_FDS')].a?.[0]).toBe(5n);
  });

  test('clone flags for the default spec: pid|net|ipc|uts|mount, no namespace ops', () => {
    const plan = compile();
    expect(plan.cloneFlags).toBe(CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS);
    expect(plan.indexOf('UNSHARE')).toBe(-1);
    expect(plan.indexOf('SETNS')).toBe(-1);
    expect(plan.indexOf('FORK')).toBe(-1);
  });

  test('cgroup and time namespaces are UNSHARE ops after GO, not clone flags', () => {
    const plan = compile((s) => { s.linux!.namespaces!.push({ type: 'cgroup' }, { type: 'time' }); });
    expect(plan.cloneFlags & CLONE_NEWCGROUP).toBe(0n);
    expect(plan.cloneFlags & CLONE_NEWTIME).toBe(0n);
    expect(plan.cloneFlags).toBe(CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS);
    const cg = idx(plan, isOp('UNSHARE', CLONE_NEWCGROUP));
    const time = idx(plan, isOp('UNSHARE', CLONE_NEWTIME));
    expect(cg).toBeGreaterThan(1);
    expect(time).toBeGreaterThan(1);
    expect(idx(plan, isOp('OPEN_ROOT'))).toBeGreaterThan(Math.max(cg, time));
  });

  test('timeOffsets are written after the time namespace is unshared', () => {
    const plan = compile((s) => {
      s.linux!.namespaces!.push({ type: 'time' });
      s.linux!.timeOffsets = { monotonic: { secs: 10, nanosecs: 5 }, boottime: { secs: -3 } };
    });
    const unshare = idx(plan, isOp('UNSHARE', CLONE_NEWTIME));
    const write = idx(plan, (o) => o.op === 'WRITE_FILE' && o.s?.[0] === '/proc/self/timens_offsets');
    expectOrder(plan, unshare, write);
    expect(plan.ops[write].s?.[1]).toBe('monotonic 10 5\nboottime -3 0\n');
  });

  test('joined namespaces: SETNS after GO, no clone flag for them', () => {
    const plan = compile((s) => { s.linux!.namespaces = [{ type: 'mount' }, { type: 'uts' }, { type: 'network', path: '/var/run/netns/x' }]; });
    expect(plan.cloneFlags).toBe(CLONE_NEWNS | CLONE_NEWUTS);
    const setns = idx(plan, isOp('SETNS', CLONE_NEWNET));
    expect(setns).toBeGreaterThan(1);
    expect(plan.ops[setns].s?.[0]).toBe('/var/run/netns/x');
  });

  test('a new user namespace is a clone flag and the child becomes its root after GO', () => {
    const plan = compile((s) => {
      s.linux!.namespaces!.push({ type: 'user' });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    });
    expect(plan.cloneFlags & CLONE_NEWUSER).toBe(CLONE_NEWUSER);
    const uid0 = idx(plan, isOp('SETUID', 0n));
    expect(uid0).toBeGreaterThan(1);
    expect(uid0).toBeLessThan(idx(plan, isOp('OPEN_ROOT')));
  });

  test('noPivot: MOVE_ROOT instead of PIVOT_ROOT', () => {
    const plan = compile(undefined, { noPivot: true });
    expect(plan.indexOf('PIVOT_ROOT')).toBe(-1);
    const mv = plan.indexOf('MOVE_ROOT');
    expect(mv).toBeGreaterThan(plan.indexOf('OPEN_FIFO'));
    expect(plan.ops[mv].s?.[0]).toBe(rootfs);
    expect(mv).toBeLessThan(plan.indexOf('SETHOSTNAME'));
  });

  test('noPivot false: PIVOT_ROOT and no MOVE_ROOT', () => {
    const plan = compile(undefined, { noPivot: false });
    expect(plan.indexOf('MOVE_ROOT')).toBe(-1);
    expect(plan.indexOf('PIVOT_ROOT')).toBeGreaterThan(0);
  });

  test('/ is made rslave before any mount; rootfsPropagation is applied to the new / after pivot_root', () => {
    // Applying "shared" before pivot_root made pivot_root fail (EINVAL) and let the container's
    // mounts propagate to the host.
    const cases: [string, number][] = [['private', MS_PRIVATE], ['rshared', MS_SHARED | MS_REC], ['slave', MS_SLAVE], ['unbindable', MS_UNBINDABLE]];
    for (const [name, flags] of cases) {
      const plan = compile((s) => { s.linux!.rootfsPropagation = name; });
      const props = plan.ops.map((o, i) => [o, i] as const).filter(([o]) => o.op === 'MOUNT' && o.s?.[1] === '/' && (Number(o.a?.[2]) & Mnt.PROPAGATION_ONLY));
      expect(props.map(([o]) => o.a?.[1])).toEqual([BigInt(MS_SLAVE | MS_REC), BigInt(flags)]);
      expect(idx(plan, isOp('MOUNT'))).toBe(props[0][1]);
      expectOrder(plan, props[0][1], idx(plan, isOp('PIVOT_ROOT')), props[1][1]);
    }
    const plain = compile();
    expect(plain.ops.filter((o) => o.op === 'MOUNT' && o.s?.[1] === '/').map((o) => o.a?.[1])).toEqual([BigInt(MS_SLAVE | MS_REC)]);
  });

  test('hooks that run before pivot_root: SYNC_SEND(HOOKS) then SYNC_WAIT(GO) before PIVOT_ROOT', () => {
    const plan = compile((s) => { s.hooks = { createRuntime: [{ path: '/bin/true' }] }; });
    const hooks = idx(plan, isOp('SYNC_SEND', BigInt(Sync.HOOKS)));
    const go = idx(plan, isOp('SYNC_WAIT', BigInt(Sync.GO)), hooks);
    expectOrder(plan, idx(plan, isOp('MKNOD')), hooks, go, idx(plan, isOp('PIVOT_ROOT')));
    expect(compile().ops.some((o) => o.op === 'SYNC_SEND' && o.a?.[0] === BigInt(Sync.HOOKS))).toBe(false);
  });

  test('bind mounts: source resolved against the bundle, file sources get MKFILE', () => {
    const plan = compile((s) => {
      s.mounts!.push({ destination: '/etc/f', type: 'bind', source: 'file.txt', options: ['rbind', 'ro'] });
      s.mounts!.push({ destination: '/data', source: 'data', options: ['bind'] });
    });
    const f = plan.ops.find((o) => o.s?.[1] === '/etc/f')!;
    expect(f.s?.[0]).toBe(path.join(bundle, 'file.txt'));
    expect(Number(f.a?.[2]) & (Mnt.MKFILE | Mnt.MKDIR | Mnt.BIND | Mnt.RECURSIVE)).toBe(Mnt.MKFILE | Mnt.BIND | Mnt.RECURSIVE);
    expect(f.a?.[3]).toBe(1n); // MOUNT_ATTR_RDONLY on the top mount
    const d = plan.ops.find((o) => o.s?.[1] === '/data')!;
    expect(Number(d.a?.[2]) & (Mnt.MKFILE | Mnt.MKDIR | Mnt.RECURSIVE)).toBe(Mnt.MKDIR);
  });

  test('sysctl, oom_score_adj and rlimits become ops', () => {
    const plan = compile((s) => {
      s.linux!.sysctl = { 'net.ipv4.ip_forward': '1', 'kernel.shmmax': '100' };
      s.process!.oomScoreAdj = 500;
    });
    const writes = plan.ops.filter((o) => o.op === 'WRITE_FILE').map((o) => o.s);
    expect(writes).toEqual(expect.arrayContaining([['/proc/sys/net/ipv4/ip_forward', '1'], ['/proc/sys/kernel/shmmax', '100'], ['/proc/self/oom_score_adj', '500']]));
    const rl = plan.ops.find((o) => o.op === 'SETRLIMIT')!;
    expect(rl.a).toEqual([7n, 1024n, 1024n]); // RLIMIT_NOFILE
  });
});

describe('compileCreatePlan errors name the field', () => {
  const cases: [string, (s: Spec) => void, string, RegExp][] = [
    ['unknown namespace type', (s) => { s.linux!.namespaces!.push({ type: 'bogus' }); }, 'linux.namespaces[5].type', /unknown namespace type "bogus"/],
    ['duplicate namespace', (s) => { s.linux!.namespaces!.push({ type: 'pid' }); }, 'linux.namespaces[5].type', /duplicate namespace/],
    ['relative namespace path', (s) => { s.linux!.namespaces![1].path = 'proc/1/ns/net'; }, 'linux.namespaces[1].path', /absolute/],
    ['maskedPaths without a mount namespace', (s) => { s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'mount'); }, 'linux.maskedPaths', /needs a mount namespace/],
    ['relative mount destination', (s) => { s.mounts![2].destination = 'dev/pts'; }, 'mounts[2].destination', /absolute/],
    ['mount over /', (s) => { s.mounts!.push({ destination: '/', type: 'tmpfs', source: 'tmpfs' }); }, 'mounts[6].destination', /root/],
    ['bind without source', (s) => { s.mounts!.push({ destination: '/x', type: 'bind' }); }, 'mounts[6].source', /source/],
    ['bind of a missing source', (s) => { s.mounts!.push({ destination: '/x', type: 'bind', source: 'nope' }); }, 'mounts[6].source', /does not exist/],
    ['recursive attrs on a non-bind mount', (s) => { s.mounts![0].options = ['rro']; }, 'mounts[0].options', /bind/],
    ['device path outside /dev', (s) => { s.linux!.devices = [{ path: '/etc/evil', type: 'c', major: 1, minor: 3 }]; }, 'linux.devices[0].path', /under \/dev/],
    ['device path escaping /dev with ..', (s) => { s.linux!.devices = [{ path: '/dev/null', type: 'c', major: 1, minor: 3 }, { path: '/dev/../etc/x', type: 'c', major: 1, minor: 3 }]; }, 'linux.devices[1].path', /under \/dev/],
    ['unknown device type', (s) => { s.linux!.devices = [{ path: '/dev/x', type: 'q', major: 1, minor: 3 }]; }, 'linux.devices[0].type', /unknown device type "q"/],
    ['char device without major', (s) => { s.linux!.devices = [{ path: '/dev/x', type: 'c' }]; }, 'linux.devices[0].major', /major/],
    ['duplicate device', (s) => { s.linux!.devices = [{ path: '/dev/x', type: 'p' }, { path: '/dev//x', type: 'p' }]; }, 'linux.devices[1].path', /duplicate/],
    ['unknown rlimit', (s) => { s.process!.rlimits!.push({ type: 'RLIMIT_BOGUS', soft: 1, hard: 1 }); }, 'process.rlimits[1].type', /unknown rlimit/],
    ['duplicate rlimit', (s) => { s.process!.rlimits!.push({ type: 'RLIMIT_NOFILE', soft: 1, hard: 1 }); }, 'process.rlimits[1].type', /duplicate/],
    ['soft > hard', (s) => { s.process!.rlimits = [{ type: 'RLIMIT_CORE', soft: 2, hard: 1 }]; }, 'process.rlimits[0].soft', /exceeds/],
    ['sysctl not namespaced', (s) => { s.linux!.sysctl = { 'kernel.panic': '1' }; }, 'linux.sysctl.kernel.panic', /not namespaced/],
    ['net sysctl without network namespace', (s) => { s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'network'); s.linux!.sysctl = { 'net.ipv4.ip_forward': '1' }; }, 'linux.sysctl.net.ipv4.ip_forward', /network namespace/],
    ['ipc sysctl without ipc namespace', (s) => { s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'ipc'); s.linux!.sysctl = { 'fs.mqueue.msg_max': '10' }; }, 'linux.sysctl.fs.mqueue.msg_max', /ipc namespace/],
    ['hostname without uts namespace', (s) => { s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'uts'); }, 'hostname', /UTS namespace/],
    ['domainname without uts namespace', (s) => { s.hostname = ''; s.domainname = 'example.org'; s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'uts'); }, 'domainname', /UTS namespace/],
    ['timeOffsets without time namespace', (s) => { s.linux!.timeOffsets = { monotonic: { secs: 1 } }; }, 'linux.timeOffsets', /time namespace/],
    ['relative masked path', (s) => { s.linux!.maskedPaths!.push('proc/x'); }, 'linux.maskedPaths[10]', /absolute/],
    ['relative readonly path', (s) => { s.linux!.readonlyPaths = ['proc/x']; }, 'linux.readonlyPaths[0]', /absolute/],
    ['empty args', (s) => { s.process!.args = []; }, 'process.args', /args must not be empty/],
    ['empty args[0]', (s) => { s.process!.args = ['']; }, 'process.args', /args must not be empty/],
    ['env entry without =', (s) => { s.process!.env!.push('JUSTANAME'); }, 'process.env[2]', /"JUSTANAME" is not KEY=value/],
  ];
  test.each(cases)('%s', (_name, mutate, field, message) => {
    const err = compileError(mutate);
    expect(err.field).toBe(field);
    expect(err.message).toMatch(message);
  });

  test('the default spec itself does not throw (the cases above differ from it in one field only)', () => {
    expect(() => compile()).not.toThrow();
  });
});

describe('fds are marked close-on-exec before any seccomp filter', () => {
  // A profile may deny close_range (the upstream validation suite's does): marking fds after the
  // filter made the init die silently once create had returned.
  beforeAll(() => {
    const native = require('../../../src/native');
    jest.spyOn(native, 'native').mockReturnValue({ seccompCompile: () => ({ program: Buffer.alloc(8), skipped: [] }) });
  });
  afterAll(() => jest.restoreAllMocks());
  const withSeccomp = (nnp: boolean, action = 'SCMP_ACT_ERRNO') => (s: Spec) => {
    s.process!.noNewPrivileges = nnp;
    s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['close_range'], action } as any], listenerPath: action === 'SCMP_ACT_NOTIFY' ? '/run/agent.sock' : undefined } as any;
  };
  test.each([
    ['without noNewPrivileges', withSeccomp(false)],
    ['with noNewPrivileges', withSeccomp(true)],
    ['with a notify action', withSeccomp(true, 'SCMP_ACT_NOTIFY')],
  ])('%s', (_t, mutate) => {
    const plan = compile(mutate);
    const close = idx(plan, isOp('CLOSE_FDS'));
    const filter = idx(plan, isOp('SECCOMP'));
    expectOrder(plan, close, filter);
    expect(plan.ops[close].a?.[0]).toBe(3n);
    expectOrder(plan, close, idx(plan, isOp('SYNC_SEND', BigInt(Sync.ACK))));
  });
});

describe('process.user.umask', () => {
  test('unset: the caller\'s umask is kept (as runc), not a fixed 0022', () => {
    const old = process.umask(0o027);
    try {
      expect(compile().ops.find((o) => o.op === 'UMASK')!.a?.[0]).toBe(0o027n);
    } finally {
      process.umask(old);
    }
  });
  test('set: that value', () => {
    expect(compile((s) => { s.process!.user!.umask = 0o077; }).ops.find((o) => o.op === 'UMASK')!.a?.[0]).toBe(0o077n);
  });
});

describe('process.execCPUAffinity', () => {
  test('is not applied to the init (config.md), but a bad list is still refused', () => {
    expect(compile((s) => { s.process!.execCPUAffinity = { initial: '0', final: '0' }; }).ops.some((o) => o.op === 'SETAFFINITY')).toBe(false);
    expect(compileError((s) => { s.process!.execCPUAffinity = { final: 'x-y' }; }).field).toBe('process.execCPUAffinity.final');
  });
});

describe('linux.memoryPolicy', () => {
  test('mode, flags and nodes become one set_mempolicy op with a node mask', () => {
    const op = compile((s) => { (s.linux as any).memoryPolicy = { mode: 'MPOL_BIND', nodes: '0,2', flags: ['MPOL_F_STATIC_NODES'] }; }).ops.find((o) => o.op === 'SET_MEMPOLICY')!;
    expect(op.a?.slice(0, 3)).toEqual([8n, BigInt(2 | (1 << 15)), 65n]);
    expect((op.s?.[0] as Buffer)[0]).toBe(0b101);
  });
  test('MPOL_LOCAL without nodes passes no mask', () => {
    const op = compile((s) => { (s.linux as any).memoryPolicy = { mode: 'MPOL_LOCAL' }; }).ops.find((o) => o.op === 'SET_MEMPOLICY')!;
    expect(op.a?.slice(0, 3)).toEqual([0n, 4n, 0n]);
  });
  test.each([
    [{ mode: 'MPOL_NOPE' }, 'linux.memoryPolicy.mode'],
    [{ mode: 'MPOL_BIND' }, 'linux.memoryPolicy.nodes'],
    [{ mode: 'MPOL_DEFAULT', nodes: '0' }, 'linux.memoryPolicy.nodes'],
    [{ mode: 'MPOL_BIND', nodes: 'zero' }, 'linux.memoryPolicy.nodes'],
    [{ mode: 'MPOL_BIND', nodes: '0', flags: ['MPOL_F_BOGUS'] }, 'linux.memoryPolicy.flags[0]'],
  ])('%j is refused naming %s', (mp, field) => {
    expect(compileError((s) => { (s.linux as any).memoryPolicy = mp; }).field).toBe(field);
  });
});

describe('no mount namespace (the container shares the runtime\'s)', () => {
  test('chroot instead of pivot_root; no propagation change and no rootfs bind on the host', () => {
    const plan = compile((s) => {
      s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'mount');
      delete s.linux!.maskedPaths;
      delete s.linux!.readonlyPaths;
      s.root!.readonly = false;
    });
    expect(plan.ops.some((o) => o.op === 'PIVOT_ROOT')).toBe(false);
    expect(plan.ops.find((o) => o.op === 'MOVE_ROOT')?.a?.[0]).toBe(1n);
    expect(plan.ops.some((o) => o.op === 'MOUNT' && o.s?.[1] === '/')).toBe(false);
    expect(plan.ops.some((o) => o.op === 'MOUNT' && o.s?.[0] === rootfs && o.s?.[1] === rootfs)).toBe(false);
  });
});

describe('process.terminal', () => {
  test('the pty is opened after pivot_root (from the container\'s devpts), with consoleSize', () => {
    const plan = compile((s) => { s.process!.terminal = true; s.process!.consoleSize = { height: 24, width: 80 }; });
    const pty = idx(plan, isOp('OPEN_PTY'));
    expectOrder(plan, idx(plan, isOp('PIVOT_ROOT')), pty, idx(plan, isOp('EXEC')));
    expect(plan.ops[pty].a?.slice(0, 2)).toEqual([24n, 80n]);
    expect(compile((s) => { s.process!.terminal = false; }).ops.some((o) => o.op === 'OPEN_PTY')).toBe(false);
  });

  test('the child clears ONLCR (a3) only where the runtime proxies the pty: run and exec in the foreground, not a console socket', () => {
    const pty = (plan: Plan) => plan.ops.find((o) => o.op === 'OPEN_PTY')!.a;
    const terminal = (s: Spec) => { s.process!.terminal = true; };
    expect(pty(compile(terminal, { proxyPty: true }))).toEqual([0n, 0n, 0n, 1n]);
    expect(pty(compile(terminal))).toEqual([0n, 0n, 0n, 0n]);
    const exec = (proxyPty: boolean) => compileExecPlan({ ...unitSpec(), process: { ...unitSpec().process!, terminal: true } }, { joinTypes: ['pid', 'mount'], preserveFds: 0, proxyPty });
    expect(pty(exec(true))).toEqual([0n, 0n, 1n, 1n]);
    expect(pty(exec(false))).toEqual([0n, 0n, 1n, 0n]);
  });
});

describe('security boundary ops (issue 9)', () => {
  test('a new session keyring after the user namespace is entered, before the root moves; none with --no-new-keyring', () => {
    const plan = compile((s) => {
      s.linux!.namespaces!.push({ type: 'user' });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    });
    // other-search in a user namespace (0x8), as runc's getSessionRingParams
    expectOrder(plan, idx(plan, isOp('SETUID', 0n)), idx(plan, isOp('JOIN_KEYRING', 0x8n)), idx(plan, isOp('PIVOT_ROOT')));
    expect(idx(compile(), isOp('JOIN_KEYRING', 0x80000n))).toBeGreaterThanOrEqual(0);
    expect(idx(compile(undefined, { noNewKeyring: true }), isOp('JOIN_KEYRING'))).toBe(-1);
  });

  test('--no-pivot hides every host procfs/sysfs mount before the move; pivot_root needs none', () => {
    const plan = compile(undefined, { noPivot: true });
    const hides = plan.ops.filter((o) => o.op === 'HIDE_MOUNT').map((o) => o.s?.[0]);
    expect(hides).toContain('/proc');
    expect(hides.every((h) => !String(h).startsWith(rootfs))).toBe(true);
    expectOrder(plan, idx(plan, isOp('HIDE_MOUNT')), idx(plan, isOp('MOVE_ROOT')));
    expect(idx(compile(), isOp('HIDE_MOUNT'))).toBe(-1);
  });
});

describe('in-container hooks (RUN_HOOK): where the init runs them (runc standard_init_linux.go, prepareRootfs)', () => {
  beforeAll(() => {
    const native = require('../../../src/native');
    jest.spyOn(native, 'native').mockReturnValue({ seccompCompile: () => ({ program: Buffer.alloc(8), skipped: [] }) });
  });
  afterAll(() => jest.restoreAllMocks());
  const withHooks = (nnp: boolean) => (s: Spec) => {
    s.process!.noNewPrivileges = nnp;
    s.process!.user = { uid: 1000, gid: 1000 };
    s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] } as any;
    s.hooks = { createContainer: [{ path: '/bin/cc-hook' }], startContainer: [{ path: '/bin/sc-hook', timeout: 2 }] };
  };
  test.each([[true], [false]])('startContainer after the exec fifo, the credentials and the seccomp filter, right before execve; createContainer before pivot_root (noNewPrivileges %s)', (nnp) => {
    const plan = compile(withHooks(nnp));
    const hooks = plan.ops.flatMap((o, i) => (o.op === 'RUN_HOOK' ? [i] : []));
    expect(hooks.map((i) => plan.ops[i].source)).toEqual(['hooks.createContainer[0]', 'hooks.startContainer[0]']);
    const [cc, sc] = hooks;
    expectOrder(plan, idx(plan, isOp('SYNC_WAIT', BigInt(Sync.GO)), 1), cc);
    expectOrder(plan, cc, idx(plan, isOp('PIVOT_ROOT')));
    for (const before of ['WAIT_FIFO', 'SECCOMP', 'SETUID', 'CAPSET', ...(nnp ? ['NO_NEW_PRIVS'] : [])]) expectOrder(plan, idx(plan, isOp(before)), sc);
    expect(plan.ops[sc + 1].op).toBe('EXEC');
    expect(plan.ops[sc].a?.[2]).toBe(2000n); // timeout in ms
    // No env of its own: the process's as execve gets it, HOME included (a3 = 1; runc's SetDefaultEnv
    // after prepareEnv).
    expect([plan.ops[sc].a?.[1], plan.ops[sc].a?.[3]]).toEqual([0n, 1n]);
  });
});
