// linux.resources on cgroup v2: runc's translations (the files' contents after apply), validation
// errors naming the field, and the controllers a cgroup must have.
import * as fs from 'fs';
import * as path from 'path';
import { createManager } from '../../../src/cgroups';
import type { CgroupManager } from '../../../src/cgroups/manager';
import { blkioToIoWeight, planV2, sharesToWeight, swapToV2 } from '../../../src/cgroups/v2Resources';
import type { LinuxResources } from '../../../src/spec/types';
import { FakeHost, fakeHost, read } from './fakefs';
import { errorOf } from '../../helpers/errors';

let h: FakeHost;
let mgr: CgroupManager;
const dir = () => mgr.record.paths.unified;
const file = (f: string) => read(path.join(dir(), f));
const writes = (r: LinuxResources) => planV2(r, dir(), { skipDevices: true }).map((w) => `${w.file}=${w.value}`);

beforeEach(() => {
  h = fakeHost('v2');
  mgr = createManager({ id: 'c1', mountinfo: h.mountinfo, selfCgroup: h.selfCgroup, root: h.root });
  mgr.create();
});
afterEach(() => h.uninstall());

describe('conversions (runc cgroups/utils.go)', () => {
  test('cpu.weight from shares: 1 + ((shares - 2) * 9999) / 262142', () => {
    expect(sharesToWeight(2)).toBe(1);
    expect(sharesToWeight(1024)).toBe(39);
    expect(sharesToWeight(262144)).toBe(10000);
  });
  test('io.weight from blkio weight: 1 + (w - 10) * 9999 / 990', () => {
    expect(blkioToIoWeight(10)).toBe(1);
    expect(blkioToIoWeight(500)).toBe(4950);
    expect(blkioToIoWeight(1000)).toBe(10000);
  });
  test('memory.swap.max = memsw - limit', () => {
    expect(swapToV2(300, 100, 'f')).toBe(200);
    expect(swapToV2(0, -1, 'f')).toBe(-1);
    expect(swapToV2(-1, 100, 'f')).toBe(-1);
    expect(swapToV2(100, 100, 'f')).toBe(0);
    expect(() => swapToV2(100, 0, 'f')).toThrow(/needs a memory limit/);
    expect(() => swapToV2(50, 100, 'f')).toThrow(/must be >= the memory limit/);
  });
});

describe('translations', () => {
  test('memory: memory.max, memory.low, memory.swap.max', () => {
    mgr.apply({ memory: { limit: 268435456, reservation: 134217728, swap: 536870912 } }, { skipDevices: true });
    expect(file('memory.max')).toBe('268435456');
    expect(file('memory.low')).toBe('134217728');
    expect(file('memory.swap.max')).toBe('268435456');
    expect(writes({ memory: { limit: -1 } })).toEqual(['memory.swap.max=max', 'memory.max=max']);
    // Same memory and memory+swap: no swap at all.
    expect(writes({ memory: { limit: 100, swap: 100 } })).toEqual(['memory.swap.max=0', 'memory.max=100']);
    // v2 has no kernel, swappiness, OOM-killer or hierarchy knobs: validated, then ignored (as runc).
    expect(writes({ memory: { kernel: 100, kernelTCP: 100, swappiness: 50, disableOOMKiller: true, useHierarchy: true } })).toEqual([]);
    expect(errorOf(() => writes({ memory: { swappiness: 200 } })).field).toBe('linux.resources.memory.swappiness');
  });

  test('memory: checkBeforeUpdate refuses a limit at or below current usage', () => {
    fs.writeFileSync(path.join(dir(), 'memory.current'), '5000');
    const e = errorOf(() => writes({ memory: { limit: 4096, checkBeforeUpdate: true } }));
    expect(e.field).toBe('linux.resources.memory.limit');
    expect(e.message).toMatch(/rejecting memory limit 4096 <= current usage 5000/);
    expect(writes({ memory: { limit: 4096 } })).toEqual(['memory.max=4096']);
  });

  test('memory: swap without swap accounting', () => {
    fs.unlinkSync(path.join(dir(), 'memory.swap.max'));
    expect(errorOf(() => writes({ memory: { limit: 100, swap: 200 } })).message).toMatch(/swap accounting/);
    expect(writes({ memory: { limit: -1 } })).toEqual(['memory.max=max']);
  });

  test('cpu: cpu.weight, cpu.max "quota period", cpu.max.burst, cpu.idle, cpuset', () => {
    mgr.apply({ cpu: { shares: 1024, quota: 50000, period: 200000, burst: 1000, idle: 0, cpus: '0-1,3', mems: '0' } }, { skipDevices: true });
    expect(file('cpu.weight')).toBe('39');
    expect(file('cpu.max')).toBe('50000 200000');
    expect(file('cpu.max.burst')).toBe('1000');
    expect(file('cpu.idle')).toBe('0');
    expect(file('cpuset.cpus')).toBe('0-1,3');
    expect(file('cpuset.mems')).toBe('0');
    expect(writes({ cpu: { quota: 50000 } })).toEqual(['cpu.max=50000 100000']);
    expect(writes({ cpu: { quota: -1, period: 50000 } })).toEqual(['cpu.max=max 50000']);
    const burst = planV2({ cpu: { quota: 50000, burst: 1000 } }, dir(), { skipDevices: true });
    expect(burst.map((w) => [w.file, w.retryAfter])).toEqual([['cpu.max.burst', 'cpu.max'], ['cpu.max', undefined]]);
  });

  test('cpu: real-time fields are refused (no rt group scheduling in v2)', () => {
    expect(errorOf(() => writes({ cpu: { realtimeRuntime: 1000 } })).field).toBe('linux.resources.cpu.realtimeRuntime');
    expect(errorOf(() => writes({ cpu: { realtimePeriod: 1000 } })).field).toBe('linux.resources.cpu.realtimePeriod');
    expect(errorOf(() => writes({ cpu: { cpus: '0-7' } })).message).toMatch(/CPUs 4-7 not available/);
  });

  test('pids, io, hugetlb, rdma', () => {
    expect(writes({ pids: { limit: 32 } })).toEqual(['pids.max=32']);
    expect(writes({ pids: { limit: -1 } })).toEqual(['pids.max=max']);
    expect(writes({
      blockIO: { weight: 500, leafWeight: 300, weightDevice: [{ major: 8, minor: 0, weight: 100 }],
        throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 600 }], throttleWriteIOPSDevice: [{ major: 8, minor: 16, rate: 300 }] },
    })).toEqual(['io.weight=4950', 'io.max=8:0 rbps=600', 'io.max=8:16 wiops=300']);
    fs.writeFileSync(path.join(dir(), 'io.bfq.weight'), 'default 100');
    expect(writes({ blockIO: { weight: 500, weightDevice: [{ major: 8, minor: 0, weight: 100 }] } })).toEqual(['io.bfq.weight=500', 'io.bfq.weight=8:0 100']);
    expect(writes({ hugepageLimits: [{ pageSize: '2MB', limit: 4194304 }] })).toEqual(['hugetlb.2MB.max=4194304', 'hugetlb.2MB.rsvd.max=4194304']);
    expect(errorOf(() => writes({ hugepageLimits: [{ pageSize: '1GB', limit: 1 }] })).field).toBe('linux.resources.hugepageLimits[0].pageSize');
    expect(writes({ rdma: { mlx5_1: { hcaHandles: 3 } } })).toEqual(['rdma.max=mlx5_1 hca_handle=3']);
  });

  test('unified: written verbatim, last, one write per line, sorted by key', () => {
    const r: LinuxResources = { pids: { limit: 5 }, unified: { 'memory.high': '1000000', 'io.max': '8:0 rbps=1\n8:16 wbps=2\n', 'cgroup.max.depth': '3' } };
    fs.writeFileSync(path.join(dir(), 'memory.high'), 'max');
    fs.writeFileSync(path.join(dir(), 'cgroup.max.depth'), 'max');
    expect(writes(r)).toEqual(['pids.max=5', 'cgroup.max.depth=3', 'io.max=8:0 rbps=1', 'io.max=8:16 wbps=2', 'memory.high=1000000']);
    mgr.apply(r, { skipDevices: true });
    expect(file('memory.high')).toBe('1000000');
  });

  test('unified: keys with "/" or "..", unknown files and missing controllers are refused', () => {
    for (const key of ['../cgroup.procs', 'a/b', '..', '.']) {
      expect(errorOf(() => writes({ unified: { [key]: '1' } })).field).toBe(`linux.resources.unified.${key}`);
    }
    expect(errorOf(() => writes({ unified: { 'memory.nope': '1' } })).message).toMatch(/no such file/);
    expect(errorOf(() => writes({ unified: { 'misc.max': 'x 1' } })).message).toMatch(/misc controller is not available/);
    expect(errorOf(() => writes({ unified: { nodot: '1' } })).message).toMatch(/CONTROLLER.PARAMETER/);
  });

  test('network (v1-only controllers) is refused', () => {
    expect(errorOf(() => writes({ network: { classID: 1 } })).field).toBe('linux.resources.network');
  });
});

describe('devices on v2', () => {
  test('device rules are no file writes (an eBPF program: devicefilter.ts)', () => {
    expect(planV2({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' }] }, dir())).toEqual([]);
  });
});

describe('controllers', () => {
  test('a controller the cgroup does not have is named in the error', () => {
    fs.writeFileSync(path.join(dir(), 'cgroup.controllers'), 'cpu pids');
    const e = errorOf(() => writes({ memory: { limit: 100 } }));
    expect(e.field).toBe('linux.resources.memory.limit');
    expect(e.message).toMatch(/memory controller is not available .*lists: cpu pids/);
  });
});
