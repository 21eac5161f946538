// linux.resources on cgroup v1: every translation (the files' contents after apply, and the write
// order where it matters), validation errors naming the field, and nothing written on invalid input.
import * as fs from 'fs';
import * as path from 'path';
import { createManager } from '../../../src/cgroups';
import type { CgroupManager } from '../../../src/cgroups/manager';
import { planV1 } from '../../../src/cgroups/v1Resources';
import { V1Manager } from '../../../src/cgroups/v1';
import type { LinuxResources } from '../../../src/spec/types';
import { FakeHost, fakeHost, read } from './fakefs';
import { errorOf } from '../../helpers/errors';

let h: FakeHost;
let mgr: CgroupManager;
const dir = (hierarchy: string) => mgr.record.paths[hierarchy];
const file = (hierarchy: string, f: string) => read(path.join(dir(hierarchy), f));
const plan = (r: LinuxResources) => planV1(r, { dirOf: (c) => (mgr as V1Manager).dirOf(c) }, { skipDevices: true });
const writes = (r: LinuxResources) => plan(r).map((w) => `${w.file}=${w.value}`);

/** Every file of the container's cgroups, to prove that nothing was written. */
function snapshot(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of Object.values(mgr.record.paths)) for (const f of fs.readdirSync(d)) out[path.join(d, f)] = read(path.join(d, f));
  return out;
}

beforeEach(() => {
  h = fakeHost('v1');
  mgr = createManager({ id: 'c1', mountinfo: h.mountinfo, selfCgroup: h.selfCgroup, root: h.root });
  mgr.create();
});
afterEach(() => h.uninstall());

describe('memory', () => {
  test('limit, reservation, swap, kernel, kernelTCP, swappiness, disableOOMKiller, useHierarchy', () => {
    mgr.apply({ memory: { limit: 268435456, reservation: 134217728, swap: 536870912, kernel: 1048576, kernelTCP: 2097152, swappiness: 10,
      disableOOMKiller: true, useHierarchy: true } }, { skipDevices: true });
    expect(file('memory', 'memory.limit_in_bytes')).toBe('268435456');
    expect(file('memory', 'memory.memsw.limit_in_bytes')).toBe('536870912');
    expect(file('memory', 'memory.soft_limit_in_bytes')).toBe('134217728');
    expect(file('memory', 'memory.kmem.limit_in_bytes')).toBe('1048576');
    expect(file('memory', 'memory.kmem.tcp.limit_in_bytes')).toBe('2097152');
    expect(file('memory', 'memory.swappiness')).toBe('10');
    expect(file('memory', 'memory.oom_control')).toBe('1');
    expect(file('memory', 'memory.use_hierarchy')).toBe('1');
  });

  test('limit and swap order follows the current limit (runc setMemoryAndSwap)', () => {
    // From unlimited (create): the limit must come down first, then memsw (memsw >= limit always).
    expect(writes({ memory: { limit: 100 << 20, swap: 200 << 20 } })).toEqual(['memory.limit_in_bytes=104857600', 'memory.memsw.limit_in_bytes=209715200']);
    // Raising from a lower current limit: swap first.
    fs.writeFileSync(path.join(dir('memory'), 'memory.limit_in_bytes'), String(100 << 20));
    expect(writes({ memory: { limit: 300 << 20, swap: 400 << 20 } })).toEqual(['memory.memsw.limit_in_bytes=419430400', 'memory.limit_in_bytes=314572800']);
    // Unlimited swap goes first too; unlimited memory without swap unlimits swap as well.
    expect(writes({ memory: { limit: 100 << 20, swap: -1 } })).toEqual(['memory.memsw.limit_in_bytes=-1', 'memory.limit_in_bytes=104857600']);
    expect(writes({ memory: { limit: -1 } })).toEqual(['memory.memsw.limit_in_bytes=-1', 'memory.limit_in_bytes=-1']);
  });

  test('kernel limits are skipped where the knobs do not exist; -1 swappiness means unset', () => {
    fs.unlinkSync(path.join(dir('memory'), 'memory.kmem.limit_in_bytes'));
    expect(writes({ memory: { kernel: 1 << 20, swappiness: -1 } })).toEqual([]);
  });

  test('validation: ranges and swap >= limit, with the field named', () => {
    expect(errorOf(() => plan({ memory: { limit: -2 } })).field).toBe('linux.resources.memory.limit');
    expect(errorOf(() => plan({ memory: { limit: 1.5 } })).message).toMatch(/integer/);
    expect(errorOf(() => plan({ memory: { swappiness: 101 } })).field).toBe('linux.resources.memory.swappiness');
    const e = errorOf(() => plan({ memory: { limit: 200, swap: 100 } }));
    expect(e.field).toBe('linux.resources.memory.swap');
    expect(e.message).toMatch(/must be >= the memory limit 200/);
    // swap with no limit, on a cgroup that is unlimited: memsw below limit, said as "(unlimited)", not as
    // the kernel's LONG_MAX rounded to pages (4 KiB and 64 KiB pages) and then to a double.
    const limitFile = path.join(dir('memory'), 'memory.limit_in_bytes');
    for (const unlimited of ['9223372036854771712', '9223372036854710272']) {
      fs.writeFileSync(limitFile, unlimited);
      const u = errorOf(() => plan({ memory: { swap: 100 } }));
      expect([u.field, u.message]).toEqual(['linux.resources.memory.swap', 'memory+swap limit 100 must be >= the memory limit (unlimited)']);
    }
    // A real current limit is compared and named.
    fs.writeFileSync(limitFile, String(300 << 20));
    expect(errorOf(() => plan({ memory: { swap: 100 << 20 } })).message).toBe('memory+swap limit 104857600 must be >= the memory limit 314572800');
  });

  test('swap without swap accounting', () => {
    fs.unlinkSync(path.join(dir('memory'), 'memory.memsw.limit_in_bytes'));
    expect(errorOf(() => plan({ memory: { limit: 100, swap: 200 } })).message).toMatch(/swap accounting/);
    expect(writes({ memory: { limit: -1 } })).toEqual(['memory.limit_in_bytes=-1']);
  });
});

describe('cpu and cpuset', () => {
  test('every field', () => {
    mgr.apply({ cpu: { shares: 512, quota: 50000, period: 100000, burst: 10000, realtimeRuntime: 9500, realtimePeriod: 10000, idle: 1, cpus: '0-1,3', mems: '0' } }, { skipDevices: true });
    expect(file('cpu', 'cpu.shares')).toBe('512');
    expect(file('cpu', 'cpu.cfs_quota_us')).toBe('50000');
    expect(file('cpu', 'cpu.cfs_period_us')).toBe('100000');
    expect(file('cpu', 'cpu.cfs_burst_us')).toBe('10000');
    expect(file('cpu', 'cpu.rt_runtime_us')).toBe('9500');
    expect(file('cpu', 'cpu.rt_period_us')).toBe('10000');
    expect(file('cpu', 'cpu.idle')).toBe('1');
    expect(file('cpuset', 'cpuset.cpus')).toBe('0-1,3');
    expect(file('cpuset', 'cpuset.mems')).toBe('0');
  });

  test('order: period and burst before quota, held back and retried after it on EINVAL (runc CpuGroup.Set)', () => {
    const p = plan({ cpu: { quota: 50000, period: 100000, burst: 10000, realtimeRuntime: 9500, realtimePeriod: 10000 } });
    expect(p.map((w) => [w.file, w.retryAfter])).toEqual([
      ['cpu.cfs_period_us', 'cpu.cfs_quota_us'], ['cpu.cfs_burst_us', 'cpu.cfs_quota_us'], ['cpu.cfs_quota_us', undefined],
      ['cpu.rt_period_us', 'cpu.rt_runtime_us'], ['cpu.rt_runtime_us', undefined],
    ]);
    // Without a quota to wait for, nothing is held back.
    expect(plan({ cpu: { period: 100000 } })[0].retryAfter).toBeUndefined();
  });

  test('quota -1 is unlimited; 0 and absent values write nothing', () => {
    expect(writes({ cpu: { quota: -1 } })).toEqual(['cpu.cfs_quota_us=-1']);
    expect(writes({ cpu: { shares: 0, quota: 0, period: 0, cpus: '', mems: '' } })).toEqual([]);
  });

  test('validation', () => {
    const f = (c: LinuxResources['cpu']) => errorOf(() => plan({ cpu: c })).field;
    expect(f({ shares: 1 })).toBe('linux.resources.cpu.shares');
    expect(f({ shares: 262145 })).toBe('linux.resources.cpu.shares');
    expect(f({ quota: 999 })).toBe('linux.resources.cpu.quota');
    expect(f({ quota: -5 })).toBe('linux.resources.cpu.quota');
    expect(f({ period: 1000001 })).toBe('linux.resources.cpu.period');
    expect(f({ quota: 10000, burst: 20000 })).toBe('linux.resources.cpu.burst');
    expect(f({ realtimeRuntime: 20000, realtimePeriod: 10000 })).toBe('linux.resources.cpu.realtimeRuntime');
    expect(f({ idle: 2 })).toBe('linux.resources.cpu.idle');
    for (const bad of ['0-', '1-0', 'a', '0,,1', '0 1', '-1']) {
      const e = errorOf(() => plan({ cpu: { cpus: bad } }));
      expect(e.field).toBe('linux.resources.cpu.cpus');
      expect(e.message).toMatch(/cannot parse/);
    }
    expect(errorOf(() => plan({ cpu: { mems: 'x' } })).field).toBe('linux.resources.cpu.mems');
    // Not a subset of the parent's cpus (0-3): refused before writing.
    expect(errorOf(() => plan({ cpu: { cpus: '2-5' } })).message).toMatch(/CPUs 4-5 not available: the parent cgroup has only 0-3/);
    expect(writes({ cpu: { cpus: '0-3:2/4' } })).toEqual(['cpuset.cpus=0-3:2/4']);
  });

  test('knobs this kernel lacks', () => {
    fs.unlinkSync(path.join(dir('cpu'), 'cpu.idle'));
    fs.unlinkSync(path.join(dir('cpu'), 'cpu.cfs_burst_us'));
    expect(errorOf(() => plan({ cpu: { idle: 1 } })).message).toMatch(/no cpu.idle/);
    // runc ignores a missing burst knob.
    expect(writes({ cpu: { burst: 5 } })).toEqual([]);
  });
});

describe('pids, blkio, hugetlb, network, rdma', () => {
  test('pids.max: a number, "max" for -1, and 0 kept as 0 (config-linux.md)', () => {
    mgr.apply({ pids: { limit: 100 } }, { skipDevices: true });
    expect(file('pids', 'pids.max')).toBe('100');
    expect(writes({ pids: { limit: -1 } })).toEqual(['pids.max=max']);
    expect(writes({ pids: { limit: 0 } })).toEqual(['pids.max=0']);
    const e = errorOf(() => plan({ pids: { limit: 5000000 } }));
    expect([e.field, e.message]).toEqual(['linux.resources.pids.limit', 'must be <= 4194304, got 5000000']);
    expect(writes({ pids: { limit: -1e20 } })).toEqual(['pids.max=max']); // any negative, however far below
  });

  test('blkio: weights, device weights and throttles', () => {
    const r: LinuxResources = {
      blockIO: {
        weight: 300, leafWeight: 200,
        weightDevice: [{ major: 8, minor: 0, weight: 500, leafWeight: 400 }, { major: 8, minor: 16, weight: 600 }],
        throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }], throttleWriteBpsDevice: [{ major: 8, minor: 0, rate: 2048 }],
        throttleReadIOPSDevice: [{ major: 8, minor: 0, rate: 100 }], throttleWriteIOPSDevice: [{ major: 8, minor: 16, rate: 300 }],
      },
    };
    expect(writes(r)).toEqual([
      'blkio.weight=300', 'blkio.leaf_weight=200', 'blkio.weight_device=8:0 500', 'blkio.leaf_weight_device=8:0 400', 'blkio.weight_device=8:16 600',
      'blkio.throttle.read_bps_device=8:0 1048576', 'blkio.throttle.write_bps_device=8:0 2048',
      'blkio.throttle.read_iops_device=8:0 100', 'blkio.throttle.write_iops_device=8:16 300',
    ]);
    mgr.apply(r, { skipDevices: true });
    expect(file('blkio', 'blkio.weight')).toBe('300');
    expect(file('blkio', 'blkio.throttle.write_iops_device')).toBe('8:16 300');
  });

  test('blkio: BFQ file names when CFQ\'s are absent; validation', () => {
    for (const f of ['blkio.weight', 'blkio.weight_device']) fs.unlinkSync(path.join(dir('blkio'), f));
    fs.writeFileSync(path.join(dir('blkio'), 'blkio.bfq.weight'), '100');
    fs.writeFileSync(path.join(dir('blkio'), 'blkio.bfq.weight_device'), '');
    expect(writes({ blockIO: { weight: 100, weightDevice: [{ major: 8, minor: 0, weight: 200 }] } })).toEqual(['blkio.bfq.weight=100', 'blkio.bfq.weight_device=8:0 200']);
    expect(errorOf(() => plan({ blockIO: { weight: 5 } })).field).toBe('linux.resources.blockIO.weight');
    expect(errorOf(() => plan({ blockIO: { weightDevice: [{ major: 8, minor: 0 }] } })).field).toBe('linux.resources.blockIO.weightDevice[0]');
    expect(errorOf(() => plan({ blockIO: { throttleReadBpsDevice: [{ major: -1, minor: 0, rate: 1 }] } })).field).toBe('linux.resources.blockIO.throttleReadBpsDevice[0].major');
  });

  test('hugetlb: limit and reservation limit; an unknown page size names the sizes there are', () => {
    mgr.apply({ hugepageLimits: [{ pageSize: '2MB', limit: 209715200 }, { pageSize: '1GB', limit: 1073741824 }] }, { skipDevices: true });
    expect(file('hugetlb', 'hugetlb.2MB.limit_in_bytes')).toBe('209715200');
    expect(file('hugetlb', 'hugetlb.2MB.rsvd.limit_in_bytes')).toBe('209715200');
    expect(file('hugetlb', 'hugetlb.1GB.limit_in_bytes')).toBe('1073741824');
    const e = errorOf(() => plan({ hugepageLimits: [{ pageSize: '64KB', limit: 1 }] }));
    expect(e.field).toBe('linux.resources.hugepageLimits[0].pageSize');
    expect(e.message).toMatch(/available: (2MB, 1GB|1GB, 2MB)/);
    expect(errorOf(() => plan({ hugepageLimits: [{ pageSize: '2M', limit: 1 }] })).field).toBe('linux.resources.hugepageLimits[0].pageSize');
  });

  test('net_cls classid, net_prio ifpriomap, rdma.max', () => {
    expect(writes({ network: { classID: 1048577, priorities: [{ name: 'eth0', priority: 500 }, { name: 'eth1', priority: 1000 }] } }))
      .toEqual(['net_cls.classid=1048577', 'net_prio.ifpriomap=eth0 500', 'net_prio.ifpriomap=eth1 1000']);
    expect(writes({ rdma: { mlx5_1: { hcaHandles: 3, hcaObjects: 10000 }, rxe3: { hcaObjects: 10 } } }))
      .toEqual(['rdma.max=mlx5_1 hca_handle=3 hca_object=10000', 'rdma.max=rxe3 hca_object=10']);
    expect(errorOf(() => plan({ rdma: { mlx: {} } })).field).toBe('linux.resources.rdma.mlx');
    expect(errorOf(() => plan({ network: { priorities: [{ name: 'eth 0', priority: 1 }] } })).field).toBe('linux.resources.network.priorities[0].name');
  });

  test('a controller that is not mounted, and unified on v1, are errors naming the field', () => {
    const rec = { ...mgr.record, paths: { ...mgr.record.paths } };
    delete rec.paths.rdma;
    const m = new V1Manager(rec);
    const e = errorOf(() => m.apply({ rdma: { mlx: { hcaHandles: 1 } } }, { skipDevices: true }));
    expect(e.field).toBe('linux.resources.rdma');
    expect(e.message).toMatch(/rdma cgroup controller is not mounted/);
    expect(errorOf(() => plan({ unified: { 'memory.high': '1' } })).field).toBe('linux.resources.unified');
    // runc's ErrV1NoUnified words, which clients and users search for.
    expect(errorOf(() => plan({ unified: { 'memory.high': '1' } })).message).toMatch(/^invalid configuration: cannot use unified on cgroup v1/);
  });
});

describe('devices', () => {
  test('deny all, then the config\'s rules in order, then runc\'s built-in allowed devices', () => {
    const p = planV1({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' }, { allow: false, type: 'b', major: 8, access: 'r' }] }, { dirOf: (c) => (mgr as V1Manager).dirOf(c) });
    expect(p.map((w) => `${w.file}=${w.value}`)).toEqual([
      'devices.deny=a', 'devices.allow=c 10:229 rw', 'devices.deny=b 8:* r',
      'devices.allow=c *:* m', 'devices.allow=b *:* m', 'devices.allow=c 1:3 rwm', 'devices.allow=c 1:8 rwm', 'devices.allow=c 1:7 rwm',
      'devices.allow=c 5:0 rwm', 'devices.allow=c 1:5 rwm', 'devices.allow=c 1:9 rwm', 'devices.allow=c 136:* rwm', 'devices.allow=c 5:2 rwm', 'devices.allow=c 10:200 rwm',
    ]);
    expect(p[1].field).toBe('linux.resources.devices[1]');
  });

  test('an allow-all rule switches to a blacklist; linux.devices replaces a built-in rule with its path', () => {
    const p = planV1({ devices: [{ allow: true, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'w' }] }, { dirOf: (c) => (mgr as V1Manager).dirOf(c) },
      { devices: [{ path: '/dev/null', type: 'c', major: 1, minor: 7 }] });
    const v = p.map((w) => `${w.file}=${w.value}`);
    expect(v.slice(0, 3)).toEqual(['devices.deny=a', 'devices.allow=a', 'devices.deny=c 1:3 w']);
    expect(v).not.toContain('devices.allow=c 1:3 rwm');
  });

  test('apply with no resources still sets up the whitelist', () => {
    mgr.apply(undefined);
    // The fake keeps the last write of each file.
    expect(file('devices', 'devices.deny')).toBe('a');
    expect(file('devices', 'devices.allow')).toBe('c 10:200 rwm');
  });

  test('validation', () => {
    const f = (d: any) => errorOf(() => planV1({ devices: [d] }, { dirOf: (c) => (mgr as V1Manager).dirOf(c) })).field;
    expect(f({ allow: true, access: '' })).toBe('linux.resources.devices[0].access');
    expect(f({ allow: true, access: 'rwx' })).toBe('linux.resources.devices[0].access');
    expect(f({ allow: true, type: 'u', access: 'r' })).toBe('linux.resources.devices[0].type');
    expect(f({ allow: 'yes', access: 'r' })).toBe('linux.resources.devices[0].allow');
    expect(f({ allow: true, type: 'c', major: 1.5, access: 'r' })).toBe('linux.resources.devices[0].major');
  });
});

describe('all or nothing', () => {
  test('one invalid value anywhere: nothing is written', () => {
    const before = snapshot();
    const e = errorOf(() => mgr.apply({ pids: { limit: 10 }, memory: { limit: 100 << 20 }, cpu: { shares: 512, cpus: '0-1,x' } }));
    expect(e.field).toBe('linux.resources.cpu.cpus');
    expect(snapshot()).toEqual(before);
  });

  test('a write the kernel refuses mid-way: the error names the field and lists what was already written', () => {
    // Make the kernel "refuse" cpu.shares: a directory where the file should be gives EISDIR.
    const shares = path.join(dir('cpu'), 'cpu.shares');
    fs.unlinkSync(shares);
    fs.mkdirSync(shares);
    const e = errorOf(() => mgr.apply({ memory: { limit: 100 << 20 }, cpu: { shares: 512 }, pids: { limit: 5 } }, { skipDevices: true }));
    expect(e.field).toBe('linux.resources.cpu.shares');
    expect(e.syscall).toBe('write');
    expect(e.message).toMatch(/cannot write "512" to .*cpu\.shares: EISDIR; already written: memory\.limit_in_bytes="104857600"/);
    expect(file('pids', 'pids.max')).toBe('max'); // after the failure: not written
  });
});
