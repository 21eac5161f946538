// Manager lifecycle on a fake cgroupfs: record bookkeeping (every directory recorded before it is
// made), cpuset and subtree_control set-up of the levels we make only, destroy (including the shared
// tsrunc parent), concurrent creates and destroys, freeze/thaw, the hybrid unified cgroup as a bonus.
import * as fs from 'fs';
import * as path from 'path';
import { createManager, managerFromRecord } from '../../../src/cgroups';
import * as fsio from '../../../src/cgroups/fsio';
import type { CgroupManager, CgroupRecord } from '../../../src/cgroups/manager';
import { stringifyStats } from '../../../src/cgroups/stats';
import { removeCgroupDirs } from '../../../src/cgroups/tree';
import { V2Manager } from '../../../src/cgroups/v2';
import { executeWrites } from '../../../src/cgroups/writes';
import { TsruncError } from '../../../src/errors';
import { errorOf } from '../../helpers/errors';
import { runDeviceFilter, DEV_CHAR, ACC_READ } from '../../../src/cgroups/devicefilter';
import { Native, setNative } from '../../../src/native';
import { FakeHost, Kind, fakeHost, read } from './fakefs';

let h: FakeHost;
const make = (id = 'c1', cgroupsPath?: string): CgroupManager => createManager({ id, cgroupsPath, mountinfo: h.mountinfo, selfCgroup: h.selfCgroup, root: h.root });
const setup = (kind: Kind) => { h = fakeHost(kind); };
/** Another container's delete and create racing ours: the first mkdir of `leaf` finds `level` removed
 * and made again (new, not set up yet) just before it. Returns how often that happened. */
const remakeBeforeMkdir = (leaf: string, level: string, premise?: () => void): (() => number) => {
  const orig = fsio.cgroupDirs.mkdir;
  let raced = 0;
  jest.spyOn(fsio.cgroupDirs, 'mkdir').mockImplementation((d: string) => {
    if (d === leaf && !raced++) {
      fs.rmSync(level, { recursive: true });
      orig(level);
      premise?.();
    }
    orig(d);
  });
  return () => raced;
};
afterEach(() => {
  jest.restoreAllMocks();
  h?.uninstall();
});

describe('create: bookkeeping', () => {
  test('every directory is in record.created (and handed to onRecord) before it is made; shared parents are not', () => {
    setup('hybrid');
    const m = make();
    const seen = new Map<string, boolean>();
    let calls = 0;
    m.create((rec) => {
      calls++;
      for (const d of rec.created) if (!seen.has(d)) seen.set(d, fs.existsSync(d));
    });
    const leaves = Object.values(m.record.paths);
    expect(m.record.created.sort()).toEqual([...leaves].sort());
    for (const d of leaves) {
      expect(seen.get(d)).toBe(false);
      expect(fs.existsSync(d)).toBe(true);
    }
    // One state write for the v1 hierarchies, one for the unified cgroup.
    expect(calls).toBe(2);
    // The tsrunc parents were made too, but belong to no container.
    for (const p of m.record.parents!) expect(fs.existsSync(p)).toBe(true);
    expect(m.record.created.some((d) => d.endsWith('/tsrunc'))).toBe(false);
  });

  test('a user path: every level we make is recorded, top first, and existing ones are not', () => {
    setup('v1');
    fs.mkdirSync(path.join(h.cg, 'pids/machine'));
    const m = make('c1', '/machine/pod/c1');
    m.create();
    const pids = m.record.created.filter((d) => d.includes('/pids/'));
    expect(pids).toEqual([`${h.cg}/pids/machine/pod`, `${h.cg}/pids/machine/pod/c1`]);
    expect(m.record.created).toContain(`${h.cg}/memory/machine`);
  });

  test('a directory someone else made meanwhile (EEXIST) is taken out of the record again', () => {
    setup('v1');
    const m = make();
    const orig = fsio.cgroupDirs.mkdir;
    const other = `${h.cg}/pids/tsrunc/c1`;
    jest.spyOn(fsio.cgroupDirs, 'mkdir').mockImplementation((d: string) => {
      if (d === other && !fs.existsSync(d)) orig(d); // "another runtime" wins the race
      orig(d);
    });
    const records: string[][] = [];
    m.create((rec) => records.push([...rec.created]));
    expect(records[0]).toContain(other);
    expect(m.record.created).not.toContain(other);
    expect(records[records.length - 1]).not.toContain(other);
  });

  test('the shared parent removed by a concurrent destroy between two mkdirs: create starts over', () => {
    setup('v1');
    fs.mkdirSync(`${h.cg}/pids/tsrunc`); // left by another container, which is being deleted now
    const m = make();
    const orig = fsio.cgroupDirs.mkdir;
    let vanished = 0;
    jest.spyOn(fsio.cgroupDirs, 'mkdir').mockImplementation((d: string) => {
      if (d === `${h.cg}/pids/tsrunc/c1` && !vanished++) fs.rmdirSync(`${h.cg}/pids/tsrunc`);
      orig(d);
    });
    m.create();
    expect(vanished).toBe(2);
    expect(fs.existsSync(`${h.cg}/pids/tsrunc/c1`)).toBe(true);
    expect(m.record.created).not.toContain(`${h.cg}/pids/tsrunc`);
  });

  test('the shared parent removed by a concurrent destroy between its mkdir and its cpuset copy: create starts over', () => {
    // CI: eight containers run side by side; one create made (or found) /cpuset/tsrunc, a delete
    // removed it as empty, and the copy of cpuset.cpus into it failed with ENOENT.
    setup('v1');
    const m = make();
    const orig = fsio.writeCgroupFile;
    const parent = `${h.cg}/cpuset/tsrunc`;
    let vanished = 0;
    jest.spyOn(fsio, 'writeCgroupFile').mockImplementation((d: string, f: string, v: string) => {
      if (d === parent && f === 'cpuset.cpus' && !vanished++) fs.rmSync(parent, { recursive: true });
      orig(d, f, v);
    });
    m.create();
    expect(vanished).toBeGreaterThan(1);
    expect(read(`${parent}/c1/cpuset.cpus`)).toBe('0-3');
    expect(m.record.created).not.toContain(parent);
  });

  test('the shared parent removed and made again by two other containers before our leaf\'s mkdir: both are set up once the leaf exists', () => {
    // The ENOSPC seen joining the leaf in a stress run: our leaf was made under a fresh, still empty
    // /cpuset/tsrunc, and copied its empty cpus.
    setup('v1');
    const m = make();
    const parent = `${h.cg}/cpuset/tsrunc`;
    // The other create has not copied cpus and mems into it yet.
    const raced = remakeBeforeMkdir(`${parent}/c1`, parent, () => expect(read(`${parent}/cpuset.cpus`)).toBe(''));
    m.create();
    expect(raced()).toBe(1);
    for (const d of [parent, `${parent}/c1`]) {
      expect(read(`${d}/cpuset.cpus`)).toBe('0-3');
      expect(read(`${d}/cpuset.mems`)).toBe('0');
    }
  });

  test('a user path\'s existing level removed and made again, empty, by other containers before our leaf\'s mkdir: filled once the leaf exists', () => {
    setup('v1');
    const pod = `${h.cg}/cpuset/machine/pod`;
    fs.mkdirSync(pod, { recursive: true });
    for (const d of [`${h.cg}/cpuset/machine`, pod]) {
      fs.writeFileSync(`${d}/cpuset.cpus`, '0-3');
      fs.writeFileSync(`${d}/cpuset.mems`, '0');
    }
    const m = make('c1', '/machine/pod/c1');
    const raced = remakeBeforeMkdir(`${pod}/c1`, pod);
    m.create();
    expect(raced()).toBe(1);
    for (const d of [pod, `${pod}/c1`]) expect(read(`${d}/cpuset.cpus`)).toBe('0-3');
  });

  test('v2: the shared parent made again before our leaf\'s mkdir gets its controllers enabled once the leaf exists', () => {
    setup('v2');
    const m = make();
    const leaf = m.record.paths.unified;
    const parent = path.dirname(leaf);
    const raced = remakeBeforeMkdir(leaf, parent, () => expect(read(`${parent}/cgroup.subtree_control`)).toBe(''));
    m.create();
    expect(raced()).toBe(1);
    expect(read(`${parent}/cgroup.subtree_control`)).toMatch(/memory/);
  });

  test('v2: a user path\'s existing level made again before our leaf\'s mkdir gets its controllers enabled once the leaf exists', () => {
    setup('v2');
    const pod = `${h.cg}/machine/pod`;
    for (const d of [`${h.cg}/machine`, pod]) {
      fs.mkdirSync(d);
      fs.writeFileSync(`${d}/cgroup.controllers`, 'memory pids');
      fs.writeFileSync(`${d}/cgroup.subtree_control`, 'memory pids');
    }
    const m = make('c1', '/machine/pod/c1');
    const raced = remakeBeforeMkdir(`${pod}/c1`, pod, () => expect(read(`${pod}/cgroup.subtree_control`)).toBe(''));
    m.create();
    expect(raced()).toBe(1);
    expect(read(`${pod}/cgroup.subtree_control`)).toBe('+memory +pids');
  });

  test('a set-up failure of a directory that still exists is not retried: the error is the set-up\'s own', () => {
    setup('v1');
    const m = make();
    const calls: string[] = [];
    jest.spyOn(fsio, 'writeCgroupFile').mockImplementation((d: string) => {
      calls.push(d);
      throw Object.assign(new Error('x'), { code: 'EACCES' });
    });
    const err = errorOf(() => m.create());
    expect(err.message).toMatch(/cannot copy cpuset.cpus "0-3" from .* into .*\/cpuset\/tsrunc: EACCES/);
    expect(err.field).toBe('linux.cgroupsPath');
    expect(calls).toHaveLength(1);
  });

  test('refuses an existing cgroup that has processes or is frozen (config-linux.md, runc 1.2)', () => {
    setup('v1');
    const leaf = `${h.cg}/pids/x/c1`;
    fs.mkdirSync(leaf, { recursive: true });
    fs.writeFileSync(path.join(leaf, 'cgroup.procs'), '4242\n');
    expect(() => make('c1', '/x/c1').create()).toThrow(/^container's cgroup is not empty: \S+\/x\/c1 holds 1 process\(es\)$/);
    fs.writeFileSync(path.join(leaf, 'cgroup.procs'), '');
    const fz = `${h.cg}/freezer/x/c1`;
    fs.mkdirSync(fz, { recursive: true });
    fs.writeFileSync(path.join(fz, 'freezer.state'), 'FROZEN');
    expect(() => make('c1', '/x/c1').create()).toThrow(/^container's cgroup unexpectedly frozen: \S+\/x\/c1$/);
  });

  test('mkdir refused by the kernel: the error names linux.cgroupsPath and the errno', () => {
    setup('v1');
    jest.spyOn(fsio.cgroupDirs, 'mkdir').mockImplementation(() => { throw Object.assign(new Error('x'), { code: 'EACCES' }); });
    const m = make();
    const err = errorOf(() => m.create());
    expect(err.field).toBe('linux.cgroupsPath');
    expect(err.syscall).toBe('mkdir');
    expect(err.message).toMatch(/cannot create cgroup .*: EACCES/);
  });
});

describe('create: setting up new levels', () => {
  test('v1 cpuset: cpus and mems copied from the parent into each level we make', () => {
    setup('v1');
    const m = make();
    m.create();
    for (const d of [`${h.cg}/cpuset/tsrunc`, `${h.cg}/cpuset/tsrunc/c1`]) {
      expect(read(`${d}/cpuset.cpus`)).toBe('0-3');
      expect(read(`${d}/cpuset.mems`)).toBe('0');
    }
  });

  test('v1 cpuset: an existing non-empty level is not written; an empty shared parent is repaired', () => {
    setup('v1');
    fs.mkdirSync(`${h.cg}/cpuset/tsrunc`);
    fs.writeFileSync(`${h.cg}/cpuset/tsrunc/cpuset.cpus`, '');
    fs.writeFileSync(`${h.cg}/cpuset/tsrunc/cpuset.mems`, '');
    make().create();
    expect(read(`${h.cg}/cpuset/tsrunc/cpuset.cpus`)).toBe('0-3');
    fs.mkdirSync(`${h.cg}/cpuset/mine`);
    fs.writeFileSync(`${h.cg}/cpuset/mine/cpuset.cpus`, '1');
    fs.writeFileSync(`${h.cg}/cpuset/mine/cpuset.mems`, '0');
    const spy = jest.spyOn(fsio, 'writeCgroupFile');
    make('c2', '/mine/c2').create();
    expect(spy.mock.calls.filter(([d]) => d === `${h.cg}/cpuset/mine`)).toEqual([]);
    expect(read(`${h.cg}/cpuset/mine/c2/cpuset.cpus`)).toBe('1');
  });

  test('v1 cpuset: a shared parent another create made but has not filled yet (EEXIST) is filled before the level below it', () => {
    setup('v1');
    const m = make();
    const orig = fsio.cgroupDirs.mkdir;
    const parent = `${h.cg}/cpuset/tsrunc`;
    jest.spyOn(fsio.cgroupDirs, 'mkdir').mockImplementation((d: string) => {
      if (d === parent && !fs.existsSync(d)) orig(d); // "another create" wins the mkdir, its copy still to come
      orig(d);
    });
    m.create();
    for (const d of [parent, `${parent}/c1`]) {
      expect(read(`${d}/cpuset.cpus`)).toBe('0-3');
      expect(read(`${d}/cpuset.mems`)).toBe('0');
    }
  });

  test('v2: controllers enabled in cgroup.subtree_control of every level from the root down (runc CreateCgroupPath)', () => {
    setup('v2');
    const userSlice = `${h.cg}/user.slice`;
    fs.writeFileSync(`${userSlice}/cgroup.controllers`, 'cpuset cpu io memory hugetlb pids rdma');
    fs.writeFileSync(`${userSlice}/cgroup.subtree_control`, 'memory pids');
    const m = make();
    expect(m.record.enableFrom).toBe(h.cg);
    m.create();
    // What a stock systemd host lacks: systemd enables only memory and pids (test/vm proves it).
    expect(read(`${userSlice}/cgroup.subtree_control`)).toBe('+cpuset +cpu +io +memory +hugetlb +pids +rdma');
    expect(read(`${userSlice}/tsrunc/cgroup.subtree_control`)).toBe('+cpuset +cpu +io +memory +hugetlb +pids +rdma');
    // The leaf enables nothing (it holds the processes), and got every controller.
    expect(read(`${m.record.paths.unified}/cgroup.subtree_control`)).toBe('');
    expect(read(`${m.record.paths.unified}/cgroup.controllers`)).toBe('cpuset cpu io memory hugetlb pids rdma');
  });

  test('v2: a pre-existing level of a user path gets the controllers it offers, nothing else of it changes', () => {
    setup('v2');
    fs.mkdirSync(`${h.cg}/machine`);
    fs.writeFileSync(`${h.cg}/machine/cgroup.controllers`, 'memory pids');
    fs.writeFileSync(`${h.cg}/machine/cgroup.subtree_control`, 'pids');
    const m = make('c1', '/machine/pod/c1');
    m.create();
    expect(read(`${h.cg}/machine/cgroup.subtree_control`)).toBe('+memory +pids');
    expect(read(`${h.cg}/machine/pod/cgroup.subtree_control`)).toBe('+memory +pids');
    expect(m.record.created).toEqual([`${h.cg}/machine/pod`, `${h.cg}/machine/pod/c1`]);
  });

  test('v2 without enableFrom (a record not from a pure v2 host, e.g. a private mount): a pre-existing level is not touched', () => {
    setup('v2');
    fs.mkdirSync(`${h.cg}/machine`);
    fs.writeFileSync(`${h.cg}/machine/cgroup.controllers`, 'memory pids');
    fs.writeFileSync(`${h.cg}/machine/cgroup.subtree_control`, 'pids');
    const rec = make('c1', '/machine/pod/c1').record;
    delete rec.enableFrom;
    new V2Manager(rec).create();
    expect(read(`${h.cg}/machine/cgroup.subtree_control`)).toBe('pids');
  });
});

describe('hybrid: the unified cgroup never makes create or destroy fail', () => {
  test('mkdir refused in the unified hierarchy: carry on without it', () => {
    setup('hybrid');
    const orig = fsio.cgroupDirs.mkdir;
    jest.spyOn(fsio.cgroupDirs, 'mkdir').mockImplementation((d: string) => {
      if (d.includes('/unified/')) throw Object.assign(new Error('ro'), { code: 'EROFS' });
      orig(d);
    });
    const m = make();
    const records: CgroupRecord[] = [];
    m.create((r) => records.push(JSON.parse(JSON.stringify(r))));
    expect(m.record.paths.unified).toBeUndefined();
    expect(records[records.length - 1].paths.unified).toBeUndefined();
    m.destroy();
    expect(fs.existsSync(m.record.paths.pids)).toBe(false);
  });

  test('joins both: cgroup.procs of every v1 hierarchy and of the unified cgroup', () => {
    setup('hybrid');
    const m = make();
    m.create();
    m.addProcess(4242);
    for (const d of Object.values(m.record.paths)) {
      expect(read(`${d}/cgroup.procs`)).toBe('4242');
      fs.writeFileSync(`${d}/cgroup.procs`, ''); // the fake kernel has no such process: let destroy go
    }
  });
});

describe('destroy', () => {
  test('removes what create made, and the tsrunc parents once empty', () => {
    setup('hybrid');
    const m = make();
    m.create();
    m.destroy();
    for (const d of [...Object.values(m.record.paths), ...m.record.parents!]) expect(fs.existsSync(d)).toBe(false);
    expect(fs.existsSync(`${h.cg}/memory/process_api/abc`)).toBe(true);
    // Again (delete after a failed delete): nothing to do, no error.
    managerFromRecord(m.record).destroy();
  });

  test('keeps the tsrunc parent while another container uses it', () => {
    setup('v1');
    const a = make('a');
    const b = make('b');
    a.create();
    b.create();
    a.destroy();
    expect(fs.existsSync(`${h.cg}/pids/tsrunc/b`)).toBe(true);
    b.destroy();
    expect(fs.existsSync(`${h.cg}/pids/tsrunc`)).toBe(false);
  });

  test.each(['v1', 'v2', 'hybrid'] as Kind[])('%s: empty cgroups (the container has exited) go with one rmdir each, nothing read or walked', (kind) => {
    setup(kind);
    const m = make('c1', '/a/c1');
    m.create();
    const procs = jest.spyOn(fsio, 'allProcs');
    const walk = jest.spyOn(fsio, 'removeSubCgroups');
    const rmdir = jest.spyOn(fsio.cgroupDirs, 'rmdir');
    m.destroy();
    expect(procs).not.toHaveBeenCalled();
    expect(walk).not.toHaveBeenCalled();
    expect(rmdir).toHaveBeenCalledTimes(m.record.created.length);
    for (const d of m.record.created) expect(fs.existsSync(d)).toBe(false);
  });

  test('v1: one leaf still holds a sub-cgroup: the leaves removed first are not missed, the kill-and-walk path does the rest', () => {
    setup('v1');
    const m = make();
    m.create();
    const leaves = Object.values(m.record.paths);
    const last = leaves[leaves.length - 1];
    fs.mkdirSync(`${last}/inner`);
    const walk = jest.spyOn(fsio, 'removeSubCgroups');
    m.destroy();
    expect(walk).toHaveBeenCalled();
    for (const d of [...leaves, ...m.record.parents!]) expect(fs.existsSync(d)).toBe(false);
  });

  test('a leaf create did not make (an existing cgroupsPath) is never removed, even when empty', () => {
    setup('v2');
    const m = make();
    m.create();
    const rec = { ...m.record, created: m.record.created.filter((d) => d !== m.record.paths.unified) };
    managerFromRecord(rec).destroy();
    expect(fs.existsSync(m.record.paths.unified)).toBe(true);
  });

  test('removes sub-cgroups the container made inside its own cgroup, deepest first', () => {
    setup('v2');
    const m = make();
    m.create();
    fs.mkdirSync(`${m.record.paths.unified}/init.scope/inner`, { recursive: true });
    m.destroy();
    expect(fs.existsSync(m.record.paths.unified)).toBe(false);
  });

  test('after a crash: recorded directories that were never made are fine', () => {
    setup('v1');
    const m = make();
    const rec = { ...m.record, created: Object.values(m.record.paths) };
    managerFromRecord(rec).destroy();
  });

  test('a leaf that cannot be removed is an error naming it; a busy intermediate level is not', () => {
    setup('v1');
    const m = make('c1', '/a/c1');
    m.create();
    fs.mkdirSync(`${h.cg}/pids/a/other`); // someone else's, under our /a
    const leaf = m.record.paths.pids;
    fs.writeFileSync(`${leaf}/cgroup.procs`, '999999\n');
    expect(errorOf(() => removeCgroupDirs(m.record, [leaf])).message).toMatch(new RegExp(`cannot remove the container's cgroup \\(${leaf}: EBUSY\\)`));
    fs.writeFileSync(`${leaf}/cgroup.procs`, '');
    removeCgroupDirs(m.record, [leaf]);
    expect(fs.existsSync(leaf)).toBe(false);
    expect(fs.existsSync(`${h.cg}/pids/a/other`)).toBe(true);
  });
});

describe('pids, freeze, stats', () => {
  test('pids: the union over hierarchies, sub-cgroups included', () => {
    setup('v1');
    const m = make();
    m.create();
    fs.writeFileSync(`${m.record.paths.pids}/cgroup.procs`, '10\n11\n');
    fs.writeFileSync(`${m.record.paths.memory}/cgroup.procs`, '11\n');
    fs.mkdirSync(`${m.record.paths.memory}/sub`);
    fs.writeFileSync(`${m.record.paths.memory}/sub/cgroup.procs`, '12\n');
    expect(m.pids()).toEqual([10, 11, 12]);
    for (const d of Object.values(m.record.paths)) fs.writeFileSync(`${d}/cgroup.procs`, '');
    fs.writeFileSync(`${m.record.paths.memory}/sub/cgroup.procs`, '');
  });

  test('v1 freezer: FROZEN/THAWED', () => {
    setup('v1');
    const m = make();
    m.create();
    const fz = m.record.paths.freezer;
    m.freeze();
    expect(read(`${fz}/freezer.state`)).toBe('FROZEN');
    fs.writeFileSync(`${fz}/freezer.self_freezing`, '1'); // what the kernel reports after our write
    expect(m.isFrozen()).toBe(true);
    m.thaw();
    expect(read(`${fz}/freezer.state`)).toBe('THAWED');
    expect(m.isFrozen()).toBe(false);
  });

  test('v2 freezer: cgroup.freeze, waiting for cgroup.events', () => {
    setup('v2');
    const m = make();
    m.create();
    const d = m.record.paths.unified;
    fs.writeFileSync(`${d}/cgroup.events`, 'populated 1\nfrozen 1\n');
    m.freeze();
    expect(read(`${d}/cgroup.freeze`)).toBe('1');
    expect(m.isFrozen()).toBe(true);
    fs.writeFileSync(`${d}/cgroup.events`, 'populated 1\nfrozen 0\n');
    m.thaw();
    expect(m.isFrozen()).toBe(false);
  });

  test('stats: runc events --stats shape', () => {
    setup('v1');
    const m = make();
    m.create();
    m.apply({ pids: { limit: 7 } }, { skipDevices: true });
    const s = m.stats() as any;
    // Go's omitempty, as runc prints them: zero counters left out where its struct tags say so.
    expect(s.pids).toEqual({ limit: 7 });
    expect(s.cpu.usage).toMatchObject({ percpu: [0, 0], user: 0, kernel: 0 });
    expect(s.cpu.usage.total).toBeUndefined();
    // Beyond 2^53: kept exact (a bigint), and written as runc writes it.
    expect(s.memory.usage.limit).toBe(9223372036854771712n);
    expect(stringifyStats(s.memory.usage)).toBe('{"limit":9223372036854771712,"failcnt":0}');
    expect(s.memory.raw).toEqual({ cache: 0, rss: 0 });
    expect(s.intel_rdt).toEqual({});
    expect(s.network_interfaces).toBeNull();
  });
});

describe('executeWrites', () => {
  test('EINVAL on a write marked retryAfter: held back and retried right after that file (runc period/quota)', () => {
    const calls: string[] = [];
    let periodFails = true;
    jest.spyOn(fsio, 'writeCgroupFile').mockImplementation((_d, f, v) => {
      calls.push(`${f}=${v}`);
      if (f === 'cpu.cfs_period_us' && periodFails) {
        periodFails = false;
        throw Object.assign(new Error('x'), { code: 'EINVAL' });
      }
    });
    const done = executeWrites([
      { dir: '/d', file: 'cpu.cfs_period_us', value: '10000', field: 'p', retryAfter: 'cpu.cfs_quota_us' },
      { dir: '/d', file: 'cpu.cfs_quota_us', value: '5000', field: 'q' },
      { dir: '/d', file: 'pids.max', value: '3', field: 'x' },
    ]);
    expect(calls).toEqual(['cpu.cfs_period_us=10000', 'cpu.cfs_quota_us=5000', 'cpu.cfs_period_us=10000', 'pids.max=3']);
    expect(done).toEqual(['cpu.cfs_quota_us="5000"', 'cpu.cfs_period_us="10000"', 'pids.max="3"']);
  });

  test('ignored errors skip; other errors report the field and what was written; nothing written says so', () => {
    jest.spyOn(fsio, 'writeCgroupFile').mockImplementation((_d, f) => {
      if (f === 'a') throw Object.assign(new Error('x'), { code: 'EOPNOTSUPP' });
      if (f === 'c') throw Object.assign(new Error('x'), { code: 'EBUSY' });
    });
    let err: TsruncError | undefined;
    try {
      executeWrites([
        { dir: '/d', file: 'a', value: '1', field: 'fa', ignore: ['EOPNOTSUPP'] },
        { dir: '/d', file: 'b', value: '2', field: 'fb' },
        { dir: '/d', file: 'c', value: '3', field: 'fc', explain: () => 'usage 9' },
      ]);
    } catch (e) { err = e as TsruncError; }
    expect(err!.field).toBe('fc');
    expect(err!.message).toBe('cannot write "3" to /d/c: EBUSY (usage 9); already written: b="2"');
    try { executeWrites([{ dir: '/d', file: 'c', value: '3', field: 'fc' }]); } catch (e) { err = e as TsruncError; }
    expect(err!.message).toMatch(/nothing was written$/);
  });
});

describe('v2 device rules', () => {
  const attached: Array<[string, Buffer]> = [];
  let refuse = false;
  beforeEach(() => {
    attached.length = 0;
    refuse = false;
    setNative({
      bpfAttachDeviceFilter: (dir: string, prog: Buffer) => {
        if (refuse) throw Object.assign(new Error('cannot attach the device filter: Operation not permitted'), { errno: 1 });
        attached.push([dir, prog]);
      },
    } as unknown as Native);
  });
  afterEach(() => setNative(undefined));

  test('apply attaches one program to the container\'s cgroup, with the config\'s rules and the built-ins', () => {
    setup('v2');
    const m = make();
    m.create();
    m.apply({ pids: { limit: 5 }, devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 11, access: 'r' }] });
    expect(attached).toHaveLength(1);
    expect(attached[0][0]).toBe(m.record.paths.unified);
    const prog = attached[0][1];
    expect(runDeviceFilter(prog, DEV_CHAR, ACC_READ, 1, 11)).toBe(1);
    expect(runDeviceFilter(prog, DEV_CHAR, ACC_READ, 1, 3)).toBe(1);
    expect(runDeviceFilter(prog, DEV_CHAR, ACC_READ, 1, 1)).toBe(0);
    expect(read(`${m.record.paths.unified}/pids.max`)).toBe('5');
  });

  test('a bad rule is refused before any file is written or program attached; skipDevices attaches nothing', () => {
    setup('v2');
    const m = make();
    m.create();
    expect(errorOf(() => m.apply({ pids: { limit: 5 }, devices: [{ allow: true, type: 'c', access: 'rq' }] })).field).toBe('linux.resources.devices[0].access');
    expect(attached).toEqual([]);
    expect(fs.existsSync(`${m.record.paths.unified}/pids.max`) ? read(`${m.record.paths.unified}/pids.max`) : 'max').toBe('max');
    m.apply({ pids: { limit: 6 } }, { skipDevices: true });
    expect(attached).toEqual([]);
  });

  test('a kernel that refuses the program: the error names linux.resources.devices', () => {
    setup('v2');
    const m = make();
    m.create();
    refuse = true;
    const err = errorOf(() => m.apply(undefined));
    expect(err.field).toBe('linux.resources.devices');
    expect(err.message).toMatch(/Operation not permitted/);
  });

  test('a hybrid host leaves devices to the v1 controller', () => {
    setup('hybrid');
    const m = make();
    m.create();
    m.apply(undefined);
    expect(attached).toEqual([]);
  });
});

describe('CLONE_INTO_CGROUP target', () => {
  test('v2: its own directory; a process born there is not moved again', () => {
    setup('v2');
    const m = make();
    m.create();
    expect(m.cloneTarget()).toBe(m.record.paths.unified);
    const procs = `${m.record.paths.unified}/cgroup.procs`;
    fs.writeFileSync(procs, '');
    m.addProcess(42, { cloned: true });
    expect(read(procs)).toBe('');
    m.addProcess(43);
    expect(read(procs)).toBe('43');
  });

  test('v1: none; hybrid: the unified directory, the v1 hierarchies still joined by pid', () => {
    setup('v1');
    expect(make().cloneTarget()).toBeUndefined();
    setup('hybrid');
    const m = make();
    m.create();
    expect(m.cloneTarget()).toBe(m.record.paths.unified);
    const unifiedProcs = `${m.record.paths.unified}/cgroup.procs`;
    fs.writeFileSync(unifiedProcs, '');
    m.addProcess(44, { cloned: true });
    expect(read(unifiedProcs)).toBe('');
    expect(read(`${m.record.paths.pids}/cgroup.procs`)).toBe('44');
  });
});

// One parser for the page sizes for stats (v1 and v2) and the v1 planner's error text.
test('hugePageSizes: the sizes with a file of that suffix; reservations and other names are none', () => {
  const dir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'tsrunc-hugetlb-'));
  try {
    for (const f of ['hugetlb.2MB.usage_in_bytes', 'hugetlb.2MB.rsvd.usage_in_bytes', 'hugetlb.1GB.usage_in_bytes', 'hugetlb.64KB.limit_in_bytes', 'hugetlb.huge.usage_in_bytes', 'hugetlb.2MB.usage_in_bytesX'])
      fs.writeFileSync(path.join(dir, f), '0');
    expect(fsio.hugePageSizes(dir, 'usage_in_bytes').sort()).toEqual(['1GB', '2MB']);
    expect(fsio.hugePageSizes(dir, 'limit_in_bytes')).toEqual(['64KB']);
    expect(fsio.hugePageSizes(path.join(dir, 'missing'), 'current')).toEqual([]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
