import { TsruncError } from '../../../src/errors';
import { CLONE_NEW, compileNamespaces, flagNames, namespaceSet } from '../../../src/linux/namespaces';
import { Sync } from '../../../src/linux/opcodes';
import { Plan } from '../../../src/linux/plan';
import type { LinuxNamespace, Spec } from '../../../src/spec/types';

// linux/sched.h
const NS = 0x00020000n, UTS = 0x04000000n, IPC = 0x08000000n, USER = 0x10000000n, PID = 0x20000000n;
const NET = 0x40000000n, CGROUP = 0x02000000n, TIME = 0x00000080n;

const spec = (namespaces: LinuxNamespace[], extra: Partial<NonNullable<Spec['linux']>> = {}): Spec =>
  ({ ociVersion: '1.3.0', linux: { namespaces, ...extra } });

function both(s: Spec): Plan {
  const plan = new Plan();
  compileNamespaces(s, plan, 'clone');
  compileNamespaces(s, plan, 'afterGo');
  return plan;
}

describe('CLONE_NEW* values', () => {
  test('match linux/sched.h', () => {
    expect(CLONE_NEW).toEqual({ mount: NS, uts: UTS, ipc: IPC, user: USER, pid: PID, network: NET, cgroup: CGROUP, time: TIME });
  });
});

describe('flagNames', () => {
  test('kernel spellings: NS for mount, NET for network', () => {
    expect(flagNames(NS)).toBe('CLONE_NEWNS');
    expect(flagNames(NET)).toBe('CLONE_NEWNET');
    expect(flagNames(PID | NS)).toBe('CLONE_NEWNS|CLONE_NEWPID');
    expect(flagNames(CGROUP | TIME | USER | UTS | IPC)).toBe('CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWUSER|CLONE_NEWCGROUP|CLONE_NEWTIME');
  });
  test('no flags', () => {
    expect(flagNames(0n)).toBe('0');
  });
});

describe('namespaceSet', () => {
  test('new and joined namespaces', () => {
    const ns = namespaceSet(spec([{ type: 'pid' }, { type: 'network', path: '/proc/1/ns/net' }, { type: 'ipc', path: '' }]));
    expect(ns.has('pid')).toBe(true);
    expect(ns.isNew('pid')).toBe(true);
    expect(ns.has('network')).toBe(true);
    expect(ns.isNew('network')).toBe(false);
    expect(ns.isNew('ipc')).toBe(true); // an empty path means a new namespace
    expect(ns.has('uts')).toBe(false);
    expect(ns.isNew('uts')).toBe(false);
    expect(ns.byType.get('network')).toBe('/proc/1/ns/net');
  });

  test('no linux section: empty', () => {
    expect(namespaceSet({ ociVersion: '1.3.0' }).byType.size).toBe(0);
  });

  test.each([
    [[{ type: 'pid' }, { type: 'net' }], 'linux.namespaces[1].type', /unknown namespace type "net"/],
    [[{ type: 'mount' }, { type: 'mount', path: '/proc/1/ns/mnt' }], 'linux.namespaces[1].type', /duplicate namespace type "mount"/],
    [[{ type: 'uts', path: 'proc/1/ns/uts' }], 'linux.namespaces[0].path', /must be absolute/],
  ])('error for %j', (nss, field, msg) => {
    let err: unknown;
    try { namespaceSet(spec(nss as LinuxNamespace[])); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(TsruncError);
    expect((err as TsruncError).field).toBe(field);
    expect((err as TsruncError).message).toMatch(msg as RegExp);
  });
});

describe('compileNamespaces', () => {
  test('clone phase: new namespaces become clone flags, no ops', () => {
    const plan = new Plan();
    compileNamespaces(spec([{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'user' }]), plan, 'clone');
    expect(plan.cloneFlags).toBe(PID | NET | IPC | UTS | NS | USER);
    expect(plan.ops).toEqual([]);
  });

  test('cgroup and time are never clone flags; they are unshared after GO', () => {
    const plan = both(spec([{ type: 'mount' }, { type: 'cgroup' }, { type: 'time' }]));
    expect(plan.cloneFlags).toBe(NS);
    expect(plan.ops.filter((o) => o.op === 'UNSHARE').map((o) => o.a?.[0])).toEqual([TIME, CGROUP]);
  });

  test('the time namespace and its offsets come before the child becomes root of its user namespace (its /proc files are host root\'s: non-dumpable)', () => {
    const s = spec([{ type: 'user' }, { type: 'time' }]);
    s.linux!.timeOffsets = { boottime: { secs: 5 } };
    const plan = both(s);
    const at = (op: string) => plan.ops.findIndex((o) => o.op === op);
    expect(at('UNSHARE')).toBeLessThan(at('WRITE_FILE'));
    expect(at('WRITE_FILE')).toBeLessThan(at('SETUID'));
  });

  test('joined namespaces are SETNS ops in the order user, network, ipc, uts, cgroup, time, pid, mount', () => {
    const plan = both(spec([
      { type: 'mount', path: '/m' }, { type: 'pid', path: '/p' }, { type: 'time', path: '/t' }, { type: 'cgroup', path: '/c' },
      { type: 'uts', path: '/u' }, { type: 'ipc', path: '/i' }, { type: 'network', path: '/n' }, { type: 'user', path: '/us' },
    ]));
    expect(plan.cloneFlags).toBe(0n);
    const setns = plan.ops.filter((o) => o.op === 'SETNS');
    expect(setns.map((o) => [o.s?.[0], o.a?.[0]])).toEqual([
      ['/us', USER], ['/n', NET], ['/i', IPC], ['/u', UTS], ['/c', CGROUP], ['/t', TIME], ['/p', PID], ['/m', NS],
    ]);
    expect(setns[0].source).toBe('linux.namespaces[7]');
  });

  test('joining a user namespace: the other new namespaces are unshared after setns(user), so it owns them', () => {
    const plan = both(spec([{ type: 'user', path: '/proc/9/ns/user' }, { type: 'mount' }, { type: 'network' }, { type: 'pid' }]));
    expect(plan.cloneFlags).toBe(0n);
    const setUser = plan.ops.findIndex((o) => o.op === 'SETNS' && o.a?.[0] === USER);
    const unshare = plan.ops.findIndex((o) => o.op === 'UNSHARE');
    expect(setUser).toBeGreaterThanOrEqual(0);
    expect(unshare).toBeGreaterThan(setUser);
    expect(plan.ops[unshare].a?.[0]).toBe(NS | NET | PID);
    // the new pid namespace only applies to children: FORK, then wait for the runtime
    const fork = plan.ops.findIndex((o) => o.op === 'FORK');
    expect(fork).toBeGreaterThan(unshare);
    expect(plan.ops[fork + 1].op).toBe('SYNC_WAIT');
    expect(plan.ops[fork + 1].a?.[0]).toBe(BigInt(Sync.GO));
  });

  test('a new user namespace: clone flag, then setgroups([])/setgid(0)/setuid(0) after GO', () => {
    const plan = both(spec([{ type: 'user' }, { type: 'mount' }]));
    expect(plan.cloneFlags).toBe(USER | NS);
    expect(plan.ops.map((o) => [o.op, o.a?.[0]])).toEqual([['SETGROUPS', 0n], ['SETGID', 0n], ['SETUID', 0n]]);
  });

  test('joining a PID namespace forks; a new one does not', () => {
    expect(both(spec([{ type: 'pid', path: '/proc/1/ns/pid' }])).ops.some((o) => o.op === 'FORK')).toBe(true);
    expect(both(spec([{ type: 'pid' }])).ops.some((o) => o.op === 'FORK')).toBe(false);
  });

  test('timeOffsets: written to /proc/self/timens_offsets after unshare(CLONE_NEWTIME)', () => {
    const plan = both(spec([{ type: 'time' }], { timeOffsets: { boottime: { secs: 100 }, monotonic: { nanosecs: 7 } } }));
    expect(plan.ops.map((o) => o.op)).toEqual(['UNSHARE', 'WRITE_FILE']);
    expect(plan.ops[1].s).toEqual(['/proc/self/timens_offsets', 'boottime 100 0\nmonotonic 0 7\n']);
  });

  test('timeOffsets with a joined time namespace, or none, is an error', () => {
    for (const nss of [[{ type: 'time', path: '/proc/1/ns/time' }], [{ type: 'mount' }]]) {
      let err: unknown;
      try { both(spec(nss, { timeOffsets: { monotonic: { secs: 1 } } })); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(TsruncError);
      expect((err as TsruncError).field).toBe('linux.timeOffsets');
    }
    // an empty timeOffsets object asks for nothing
    expect(() => both(spec([{ type: 'mount' }], { timeOffsets: {} }))).not.toThrow();
  });
});
