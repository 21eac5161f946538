// linux.resources through both planners, pinned: for a broad table of LinuxResources values (every
// field the planners handle, edge values, and invalid ones that must be refused), the exact writes
// (directory, file, value, field, retry and ignore rules, explanations) or the exact error (field and
// text) of planV1 and planV2, and what each manager's apply() does with them, compared with
// resourcesPin.golden.json. The golden file was made from the planners before "validate once, write
// per version" (issue 10, move 4), so any change in what is written or refused shows up here.
// Regenerate (only for an intended change, and read the diff): UPDATE_GOLDEN=1 npx jest resourcesPin
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { createManager } from '../../../src/cgroups';
import type { ApplyOptions, CgroupManager } from '../../../src/cgroups/manager';
import { V1Manager } from '../../../src/cgroups/v1';
import { planV1 } from '../../../src/cgroups/v1Resources';
import { unitProperties } from '../../../src/cgroups/systemdUnit';
import { planV2, validateV2 } from '../../../src/cgroups/v2Resources';
import type { CgroupWrite } from '../../../src/cgroups/writes';
import { TsruncError } from '../../../src/errors';
import { type Native, setNative } from '../../../src/native';
import type { LinuxResources } from '../../../src/spec/types';
import { fakeHost, type FakeHost } from './fakefs';

const GOLDEN = path.join(__dirname, 'resourcesPin.golden.json');

interface Host {
  /** v1: the directory of a controller's hierarchy; v2: the container's cgroup. */
  dir(controller: string): string;
}

interface Case {
  r: LinuxResources | undefined;
  /** Devices are left out unless the case is about them (their 14 built-in rules would swamp the rest). */
  opts?: ApplyOptions;
  /** Change the fake host before planning (a knob the kernel lacks, a current value). */
  setup?: (h: Host, version: 1 | 2) => void;
  /** v1: controllers to hide (not mounted); v2: the controllers the root hands down. */
  v1Hide?: string[];
  v2Controllers?: string[];
}

const rm = (h: Host, c: string, ...files: string[]) => { for (const f of files) fs.unlinkSync(path.join(h.dir(c), f)); };
const put = (h: Host, c: string, file: string, value: string) => fs.writeFileSync(path.join(h.dir(c), file), value);
const M = 1 << 20;
const highFile = (h: Host, v: 1 | 2) => { if (v === 2) put(h, 'memory', 'memory.high', 'max'); };

const CASES: Record<string, Case> = {
  'nothing': { r: undefined },
  'empty': { r: {} },
  'empty sections': { r: { memory: {}, cpu: {}, pids: undefined, blockIO: {}, hugepageLimits: [], network: {}, rdma: {}, unified: {} } },

  // memory
  'memory: every field': { r: { memory: { limit: 256 * M, reservation: 128 * M, swap: 512 * M, kernel: M, kernelTCP: 2 * M, swappiness: 10, disableOOMKiller: true, useHierarchy: true } } },
  'memory: limit only': { r: { memory: { limit: 100 * M } } },
  'memory: limit -1 (swap follows)': { r: { memory: { limit: -1 } } },
  'memory: limit -1, swap 0 given': { r: { memory: { limit: -1, swap: 0 } } },
  'memory: swap -1 with a limit': { r: { memory: { limit: 100 * M, swap: -1 } } },
  'memory: swap -1 alone': { r: { memory: { swap: -1 } } },
  'memory: swap equal to limit': { r: { memory: { limit: 100 * M, swap: 100 * M } } },
  'memory: swap below limit': { r: { memory: { limit: 200 * M, swap: 100 * M } } },
  'memory: swap without limit': { r: { memory: { swap: 100 * M } } },
  'memory: swap without limit, current limit lower': {
    r: { memory: { swap: 300 * M } },
    setup: (h, v) => { if (v === 1) put(h, 'memory', 'memory.limit_in_bytes', String(100 * M)); },
  },
  'memory: raising from a lower current limit (swap first)': {
    r: { memory: { limit: 300 * M, swap: 400 * M } },
    setup: (h, v) => { if (v === 1) put(h, 'memory', 'memory.limit_in_bytes', String(100 * M)); },
  },
  'memory: limit 0 and swap 0 are unset': { r: { memory: { limit: 0, swap: 0, reservation: 0, kernel: 0, kernelTCP: 0 } } },
  'memory: limit -2': { r: { memory: { limit: -2 } } },
  'memory: limit 1.5': { r: { memory: { limit: 1.5 } } },
  'memory: limit as a string': { r: { memory: { limit: '100' as unknown as number } } },
  'memory: swap -2': { r: { memory: { limit: 100, swap: -2 } } },
  'memory: reservation -1': { r: { memory: { reservation: -1 } } },
  'memory: reservation -3': { r: { memory: { reservation: -3 } } },
  'memory: kernel only': { r: { memory: { kernel: M } } },
  'memory: kernel -5': { r: { memory: { kernel: -5 } } },
  'memory: kernelTCP 0.5': { r: { memory: { kernelTCP: 0.5 } } },
  'memory: kernel knobs missing': { r: { memory: { kernel: M, kernelTCP: M } }, setup: (h, v) => { if (v === 1) rm(h, 'memory', 'memory.kmem.limit_in_bytes', 'memory.kmem.tcp.limit_in_bytes'); } },
  'memory: swappiness 0': { r: { memory: { swappiness: 0 } } },
  'memory: swappiness 100': { r: { memory: { swappiness: 100 } } },
  'memory: swappiness -1 is unset': { r: { memory: { swappiness: -1 } } },
  'memory: swappiness 101': { r: { memory: { swappiness: 101 } } },
  'memory: swappiness -2': { r: { memory: { swappiness: -2 } } },
  'memory: disableOOMKiller false': { r: { memory: { disableOOMKiller: false } } },
  'memory: disableOOMKiller "yes"': { r: { memory: { disableOOMKiller: 'yes' as unknown as boolean } } },
  'memory: useHierarchy 1': { r: { memory: { useHierarchy: 1 as unknown as boolean } } },
  'memory: useHierarchy false': { r: { memory: { useHierarchy: false } } },
  'memory: useHierarchy without the knob': { r: { memory: { useHierarchy: true } }, setup: (h, v) => { if (v === 1) rm(h, 'memory', 'memory.use_hierarchy'); } },
  'memory: no swap accounting, swap given': { r: { memory: { limit: 100 * M, swap: 200 * M } }, setup: (h, v) => rm(h, 'memory', v === 1 ? 'memory.memsw.limit_in_bytes' : 'memory.swap.max') },
  'memory: no swap accounting, limit -1': { r: { memory: { limit: -1 } }, setup: (h, v) => rm(h, 'memory', v === 1 ? 'memory.memsw.limit_in_bytes' : 'memory.swap.max') },
  'memory: no swap accounting, swap -1': { r: { memory: { limit: 100 * M, swap: -1 } }, setup: (h, v) => rm(h, 'memory', v === 1 ? 'memory.memsw.limit_in_bytes' : 'memory.swap.max') },
  'memory: no swap accounting, swap equal to limit': { r: { memory: { limit: 100 * M, swap: 100 * M } }, setup: (h, v) => rm(h, 'memory', v === 1 ? 'memory.memsw.limit_in_bytes' : 'memory.swap.max') },
  'memory: checkBeforeUpdate, below usage': {
    r: { memory: { limit: 10 * M, checkBeforeUpdate: true } },
    setup: (h, v) => { if (v === 2) put(h, 'memory', 'memory.current', String(50 * M)); },
  },
  'memory: checkBeforeUpdate, swap below usage': {
    r: { memory: { limit: 100 * M, swap: 40 * M + 100 * M, checkBeforeUpdate: true } },
    setup: (h, v) => { if (v === 2) put(h, 'memory', 'memory.current', String(150 * M)); },
  },
  'memory: checkBeforeUpdate, above usage': {
    r: { memory: { limit: 100 * M, checkBeforeUpdate: true } },
    setup: (h, v) => { if (v === 2) put(h, 'memory', 'memory.current', String(50 * M)); },
  },
  'memory: controller missing': { r: { memory: { limit: 100 * M } }, v1Hide: ['memory'], v2Controllers: ['pids'] },

  // cpu
  'cpu: every field but real-time': { r: { cpu: { shares: 512, quota: 50000, period: 100000, burst: 10000, idle: 1, cpus: '0-1,3', mems: '0' } } },
  'cpu: real-time runtime and period': { r: { cpu: { realtimeRuntime: 9500, realtimePeriod: 10000 } } },
  'cpu: real-time runtime -1': { r: { cpu: { realtimeRuntime: -1 } } },
  'cpu: real-time runtime above period': { r: { cpu: { realtimeRuntime: 20000, realtimePeriod: 10000 } } },
  'cpu: real-time runtime -5': { r: { cpu: { realtimeRuntime: -5 } } },
  'cpu: real-time period -1': { r: { cpu: { realtimePeriod: -1 } } },
  'cpu: real-time knobs missing': { r: { cpu: { realtimePeriod: 10000 } }, setup: (h, v) => { if (v === 1) rm(h, 'cpu', 'cpu.rt_runtime_us', 'cpu.rt_period_us'); } },
  'cpu: quota, period and burst order': { r: { cpu: { quota: 50000, period: 100000, burst: 10000, realtimeRuntime: 9500, realtimePeriod: 10000 } } },
  'cpu: shares 2': { r: { cpu: { shares: 2 } } },
  'cpu: shares 1024': { r: { cpu: { shares: 1024 } } },
  'cpu: shares 262144': { r: { cpu: { shares: 262144 } } },
  'cpu: shares 1': { r: { cpu: { shares: 1 } } },
  'cpu: shares 262145': { r: { cpu: { shares: 262145 } } },
  'cpu: quota -1': { r: { cpu: { quota: -1 } } },
  'cpu: quota -1 with a period': { r: { cpu: { quota: -1, period: 50000 } } },
  'cpu: zeros and empty lists write nothing': { r: { cpu: { shares: 0, quota: 0, period: 0, cpus: '', mems: '' } } },
  'cpu: quota 999': { r: { cpu: { quota: 999 } } },
  'cpu: quota -5': { r: { cpu: { quota: -5 } } },
  'cpu: quota 1000 (the minimum)': { r: { cpu: { quota: 1000 } } },
  'cpu: quota without period': { r: { cpu: { quota: 50000 } } },
  'cpu: period only': { r: { cpu: { period: 50000 } } },
  'cpu: period 1000001': { r: { cpu: { period: 1000001 } } },
  'cpu: period 999': { r: { cpu: { period: 999 } } },
  'cpu: burst above quota': { r: { cpu: { quota: 10000, burst: 20000 } } },
  'cpu: burst alone': { r: { cpu: { burst: 5000 } } },
  'cpu: burst 0': { r: { cpu: { burst: 0 } } },
  'cpu: burst -1': { r: { cpu: { burst: -1 } } },
  'cpu: burst knob missing': { r: { cpu: { burst: 5 } }, setup: (h, v) => rm(h, 'cpu', v === 1 ? 'cpu.cfs_burst_us' : 'cpu.max.burst') },
  'cpu: idle 0': { r: { cpu: { idle: 0 } } },
  'cpu: idle 2': { r: { cpu: { idle: 2 } } },
  'cpu: idle knob missing': { r: { cpu: { idle: 1 } }, setup: (h) => rm(h, 'cpu', 'cpu.idle') },
  'cpu: no CFS bandwidth': { r: { cpu: { period: 100000 } }, setup: (h, v) => { if (v === 1) rm(h, 'cpu', 'cpu.cfs_quota_us'); } },
  'cpu: controller missing': { r: { cpu: { shares: 100 } }, v1Hide: ['cpu'], v2Controllers: ['memory', 'pids'] },
  'cpu: idle, controller missing': { r: { cpu: { idle: 1 } }, v1Hide: ['cpu'], v2Controllers: ['memory', 'pids'] },
  'cpu: shares as a string': { r: { cpu: { shares: '512' as unknown as number } } },

  // cpuset
  'cpuset: cpus and mems': { r: { cpu: { cpus: '0-1,3', mems: '0' } } },
  'cpuset: mems only': { r: { cpu: { mems: '0' } } },
  'cpuset: stride': { r: { cpu: { cpus: '0-3:2/4' } } },
  'cpuset: spaces trimmed': { r: { cpu: { cpus: ' 0-1 ' } } },
  'cpuset: not a subset of the parent': { r: { cpu: { cpus: '2-5' } } },
  'cpuset: mems not a subset': { r: { cpu: { mems: '0-1' } } },
  ...Object.fromEntries(['0-', '1-0', 'a', '0,,1', '-1'].map((cpus) => [`cpuset: "${cpus}"`, { r: { cpu: { cpus } } }])),
  'cpuset: bad stride': { r: { cpu: { cpus: '0-3:5/4' } } },
  'cpuset: huge range': { r: { cpu: { cpus: '0-100000' } } },
  'cpuset: mems "x"': { r: { cpu: { mems: 'x' } } },
  'cpuset: cpus a number': { r: { cpu: { cpus: 5 as unknown as string } } },
  'cpuset: controller missing': { r: { cpu: { cpus: '0' } }, v1Hide: ['cpuset'], v2Controllers: ['memory', 'pids'] },

  // pids
  'pids: 100': { r: { pids: { limit: 100 } } },
  'pids: -1': { r: { pids: { limit: -1 } } },
  'pids: -5': { r: { pids: { limit: -5 } } },
  'pids: 0': { r: { pids: { limit: 0 } } },
  'pids: 4194304': { r: { pids: { limit: 4194304 } } },
  'pids: 5000000': { r: { pids: { limit: 5000000 } } },
  'pids: 1.5': { r: { pids: { limit: 1.5 } } },
  'pids: no limit': { r: { pids: {} as { limit: number } } },
  'pids: controller missing': { r: { pids: { limit: 10 } }, v1Hide: ['pids'], v2Controllers: ['memory'] },

  // blkio / io
  'blkio: every field': {
    r: {
      blockIO: {
        weight: 300, leafWeight: 200,
        weightDevice: [{ major: 8, minor: 0, weight: 500, leafWeight: 400 }, { major: 8, minor: 16, weight: 600 }, { major: 8, minor: 32, leafWeight: 100 }],
        throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }], throttleWriteBpsDevice: [{ major: 8, minor: 0, rate: 2048 }],
        throttleReadIOPSDevice: [{ major: 8, minor: 0, rate: 100 }],
        throttleWriteIOPSDevice: [{ major: 8, minor: 16, rate: 300 }, { major: 8, minor: 0, rate: 0 }],
      },
    },
  },
  'blkio: weight 10': { r: { blockIO: { weight: 10 } } },
  'blkio: weight 500': { r: { blockIO: { weight: 500 } } },
  'blkio: weight 1000': { r: { blockIO: { weight: 1000 } } },
  'blkio: weight 5': { r: { blockIO: { weight: 5 } } },
  'blkio: weight 1001': { r: { blockIO: { weight: 1001 } } },
  'blkio: leafWeight only': { r: { blockIO: { leafWeight: 300 } } },
  'blkio: leafWeight 9': { r: { blockIO: { leafWeight: 9 } } },
  'blkio: weightDevice without weights': { r: { blockIO: { weightDevice: [{ major: 8, minor: 0 }] } } },
  'blkio: weightDevice weight 2000': { r: { blockIO: { weightDevice: [{ major: 8, minor: 0, weight: 2000 }] } } },
  'blkio: weightDevice leafWeight 2000': { r: { blockIO: { weightDevice: [{ major: 8, minor: 0, leafWeight: 2000 }] } } },
  'blkio: weightDevice minor missing': { r: { blockIO: { weightDevice: [{ major: 8, weight: 100 } as unknown as { major: number; minor: number }] } } },
  'blkio: throttle major -1': { r: { blockIO: { throttleReadBpsDevice: [{ major: -1, minor: 0, rate: 1 }] } } },
  'blkio: throttle rate -1': { r: { blockIO: { throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: -1 }] } } },
  'blkio: throttle minor 2^32': { r: { blockIO: { throttleReadIOPSDevice: [{ major: 8, minor: 4294967296, rate: 1 }] } } },
  'blkio: BFQ': {
    r: { blockIO: { weight: 100, weightDevice: [{ major: 8, minor: 0, weight: 200 }] } },
    setup: (h, v) => {
      if (v === 1) {
        rm(h, 'blkio', 'blkio.weight', 'blkio.weight_device');
        put(h, 'blkio', 'blkio.bfq.weight', '100');
        put(h, 'blkio', 'blkio.bfq.weight_device', '');
      } else put(h, 'io', 'io.bfq.weight', 'default 100');
    },
  },
  'blkio: no scheduler knobs': { r: { blockIO: { weight: 100 } }, setup: (h, v) => { if (v === 1) rm(h, 'blkio', 'blkio.weight', 'blkio.weight_device'); } },
  'blkio: no leaf knobs': { r: { blockIO: { leafWeight: 100 } }, setup: (h, v) => { if (v === 1) rm(h, 'blkio', 'blkio.leaf_weight', 'blkio.leaf_weight_device'); } },
  'blkio: no throttle knob': { r: { blockIO: { throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1 }] } }, setup: (h, v) => { if (v === 1) rm(h, 'blkio', 'blkio.throttle.read_bps_device'); } },
  'blkio: controller missing': { r: { blockIO: { weight: 100 } }, v1Hide: ['blkio'], v2Controllers: ['memory'] },
  'blkio: throttle, controller missing': { r: { blockIO: { throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1 }] } }, v1Hide: ['blkio'], v2Controllers: ['memory'] },

  // hugetlb
  'hugetlb: 2MB': { r: { hugepageLimits: [{ pageSize: '2MB', limit: 200 * M }] } },
  'hugetlb: 2MB and 1GB': { r: { hugepageLimits: [{ pageSize: '2MB', limit: 200 * M }, { pageSize: '1GB', limit: 1024 * M }] } },
  'hugetlb: 64KB unsupported': { r: { hugepageLimits: [{ pageSize: '64KB', limit: 1 }] } },
  'hugetlb: "2M"': { r: { hugepageLimits: [{ pageSize: '2M', limit: 1 }] } },
  'hugetlb: limit -1': { r: { hugepageLimits: [{ pageSize: '2MB', limit: -1 }] } },
  'hugetlb: limit 0': { r: { hugepageLimits: [{ pageSize: '2MB', limit: 0 }] } },
  'hugetlb: no reservation knob': { r: { hugepageLimits: [{ pageSize: '2MB', limit: M }] }, setup: (h, v) => rm(h, 'hugetlb', v === 1 ? 'hugetlb.2MB.rsvd.limit_in_bytes' : 'hugetlb.2MB.rsvd.max') },
  'hugetlb: controller missing': { r: { hugepageLimits: [{ pageSize: '2MB', limit: M }] }, v1Hide: ['hugetlb'], v2Controllers: ['memory'] },
  'hugetlb: second entry bad': { r: { hugepageLimits: [{ pageSize: '2MB', limit: M }, { pageSize: '2MB', limit: 1.5 }] } },

  // network
  'network: classID and priorities': { r: { network: { classID: 1048577, priorities: [{ name: 'eth0', priority: 500 }, { name: 'eth1', priority: 1000 }] } } },
  'network: classID 0 and no priorities': { r: { network: { classID: 0, priorities: [] } } },
  'network: classID only': { r: { network: { classID: 5 } } },
  'network: classID 2^32': { r: { network: { classID: 4294967296 } } },
  'network: priority name with a space': { r: { network: { priorities: [{ name: 'eth 0', priority: 1 }] } } },
  'network: priority -1': { r: { network: { priorities: [{ name: 'eth0', priority: -1 }] } } },
  'network: net_prio missing': { r: { network: { priorities: [{ name: 'eth0', priority: 1 }] } }, v1Hide: ['net_prio'] },

  // rdma
  'rdma: two devices': { r: { rdma: { mlx5_1: { hcaHandles: 3, hcaObjects: 10000 }, rxe3: { hcaObjects: 10 } } } },
  'rdma: handles only': { r: { rdma: { mlx: { hcaHandles: 1 } } } },
  'rdma: empty entry': { r: { rdma: { mlx: {} } } },
  'rdma: hcaHandles -1': { r: { rdma: { mlx: { hcaHandles: -1 } } } },
  'rdma: device name with a space': { r: { rdma: { 'ml x': { hcaHandles: 1 } } } },
  'rdma: controller missing': { r: { rdma: { mlx: { hcaHandles: 1 } } }, v1Hide: ['rdma'], v2Controllers: ['memory'] },

  // unified (v2 only; memory.high is not among the fake's files)
  'unified: one key': { r: { unified: { 'memory.high': '1000' } }, setup: highFile },
  'unified: several keys, sorted, lines split': { r: { unified: { 'pids.max': '10', 'io.max': '8:0 rbps=1\n8:16 wbps=2\n', 'memory.high': 'max' } }, setup: highFile },
  'unified: empty value': { r: { unified: { 'memory.high': '' } }, setup: highFile },
  'unified: cgroup.* file': { r: { unified: { 'cgroup.freeze': '0' } } },
  'unified: a file without its controller': { r: { unified: { 'cpu.stat': 'x' } }, v2Controllers: ['memory'] },
  'unified: key with a slash': { r: { unified: { '../memory.max': '1' } } },
  'unified: key ".."': { r: { unified: { '..': '1' } } },
  'unified: key without a dot': { r: { unified: { nodot: '1' } } },
  'unified: key starting with a dot': { r: { unified: { '.max': '1' } } },
  'unified: value not a string': { r: { unified: { 'memory.high': 5 as unknown as string } } },
  'unified: missing file': { r: { unified: { 'memory.nosuch': '1' } } },
  'unified: controller missing': { r: { unified: { 'foo.bar': '1' } } },

  // devices (not skipped)
  'devices: none (the built-in list)': { r: {}, opts: {} },
  'devices: rules': { r: { devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' }, { allow: false, type: 'b', major: 8, access: 'r' }, { allow: true, type: 'c', major: 1, minor: -1, access: 'mmr' }] }, opts: {} },
  'devices: allow all, then a deny; linux.devices replaces a built-in': {
    r: { devices: [{ allow: true, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'w' }] },
    opts: { devices: [{ path: '/dev/null', type: 'c', major: 1, minor: 7 }] },
  },
  'devices: empty access': { r: { devices: [{ allow: true, access: '' }] }, opts: {} },
  'devices: access "rwx"': { r: { devices: [{ allow: true, access: 'rwx' }] }, opts: {} },
  'devices: type "u"': { r: { devices: [{ allow: true, type: 'u' as 'c', access: 'r' }] }, opts: {} },
  'devices: allow "yes"': { r: { devices: [{ allow: 'yes' as unknown as boolean, access: 'r' }] }, opts: {} },
  'devices: major 1.5': { r: { devices: [{ allow: true, type: 'c', major: 1.5, access: 'r' }] }, opts: {} },
  'devices: skipped': { r: { devices: [{ allow: true, access: 'rwx' }] }, opts: { skipDevices: true } },

  // everything at once, and one bad value among good ones
  'all: every controller': {
    r: {
      memory: { limit: 256 * M, reservation: 128 * M, swap: 512 * M },
      cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0-1', mems: '0' },
      pids: { limit: 100 },
      blockIO: { weight: 300, throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }] },
      hugepageLimits: [{ pageSize: '2MB', limit: 200 * M }],
      rdma: { mlx: { hcaHandles: 1 } },
    },
  },
  'all: one bad value': { r: { pids: { limit: 10 }, memory: { limit: 100 * M }, cpu: { shares: 512, cpus: '0-1,x' } } },
};

type Outcome = string[] | string;

function describeWrite(w: CgroupWrite, root: string): string {
  let s = `${path.relative(root, path.join(w.dir, w.file))}=${JSON.stringify(w.value)} <${w.field}>`;
  if (w.retryAfter) s += ` retryAfter=${w.retryAfter}`;
  if (w.ignore) s += ` ignore=${w.ignore.join(',')}`;
  if (w.explain) s += ` explain(EBUSY)=${JSON.stringify(w.explain('EBUSY') ?? null)} explain(EINVAL)=${JSON.stringify(w.explain('EINVAL') ?? null)}`;
  return s;
}

function errorText(e: unknown, root: string): string {
  if (!(e instanceof TsruncError)) throw e;
  return `error <${e.field}>: ${e.message.split(root).join('<root>')}`;
}

function outcome(fn: () => CgroupWrite[], root: string): Outcome {
  try {
    return fn().map((w) => describeWrite(w, root));
  } catch (e) {
    return errorText(e, root);
  }
}

/** The systemd driver's unit properties (its device properties read /proc/devices: left out). */
function systemdProperties(c: Case): string[] {
  return unitProperties(validateV2(c.r, { skipDevices: true })).map(([name, sig, value]) => `${name} ${sig} ${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`);
}

type Result = { plan: Outcome; apply: Outcome; systemd?: Outcome };

/** One case on a fake host: a fresh container cgroup (made, then removed), the case's changes to it. */
function run(h: FakeHost, version: 1 | 2, c: Case): Result {
  const filters: string[] = [];
  setNative({
    bpfAttachDeviceFilter: (dir: string, insns: Buffer) => {
      filters.push(`bpf ${path.relative(h.root, dir)} ${insns.length / 8} insns sha256:${crypto.createHash('sha256').update(insns).digest('hex').slice(0, 16)}`);
    },
  } as unknown as Native);
  let mgr: CgroupManager = createManager({ id: 'c1', mountinfo: h.mountinfo, selfCgroup: h.selfCgroup, root: h.root });
  const made = Object.values(mgr.record.paths);
  try {
    mgr.create();
    if (version === 1 && c.v1Hide) {
      const paths = { ...mgr.record.paths };
      for (const k of Object.keys(paths)) if (k.split(',').some((x) => c.v1Hide!.includes(x))) delete paths[k];
      mgr = new V1Manager({ ...mgr.record, paths });
    }
    const host: Host = { dir: (ctl) => (version === 2 ? mgr.record.paths.unified : (mgr as V1Manager).dirOf(ctl)!) };
    c.setup?.(host, version);
    const opts = c.opts ?? { skipDevices: true };
    const plan = outcome(() => (version === 1 ? planV1(c.r, { dirOf: (ctl) => (mgr as V1Manager).dirOf(ctl) }, opts) : planV2(c.r,
      mgr.record.paths.unified, opts)), h.root);
    let apply: Outcome;
    try {
      mgr.apply(c.r, opts);
      apply = ['ok', ...filters];
    } catch (e) {
      apply = errorText(e, h.root);
    }
    if (version === 1) return { plan, apply };
    // The systemd driver: the unit's properties, then the same files as the v2 cgroupfs driver.
    let systemd: Outcome;
    try {
      systemd = [...systemdProperties(c), ...planV2(c.r, mgr.record.paths.unified, { skipDevices: true }).map((w) => describeWrite(w, h.root))];
    } catch (e) {
      // Not a TsruncError: recorded (as "crash"), for the pin to show when that changes.
      systemd = e instanceof TsruncError ? errorText(e, h.root) : `crash ${(e as Error).name}: ${(e as Error).message}`;
    }
    return { plan, apply, systemd };
  } finally {
    setNative(undefined);
    for (const d of made) fs.rmSync(d, { recursive: true, force: true });
  }
}

/** Every case on both versions. One fake host per kind (made once: ~100 ms each), since a fake host
 * installs its kernel behaviours globally, one at a time. */
function runAll(): Record<string, { v1: Result; v2: Result }> {
  const results: Record<string, Result>[] = [{}, {}];
  const groups = new Map<string, { version: 1 | 2; v2Controllers?: string[]; names: string[] }>();
  for (const [name, c] of Object.entries(CASES)) {
    for (const version of [1, 2] as const) {
      const key = version === 2 && c.v2Controllers ? `2:${c.v2Controllers.join(',')}` : `${version}`;
      if (!groups.has(key)) groups.set(key, { version, v2Controllers: version === 2 ? c.v2Controllers : undefined, names: [] });
      groups.get(key)!.names.push(name);
    }
  }
  for (const g of groups.values()) {
    const h = fakeHost(g.version === 1 ? 'v1' : 'v2', g.v2Controllers ? { v2Controllers: g.v2Controllers } : {});
    try {
      for (const name of g.names) results[g.version - 1][name] = run(h, g.version, CASES[name]);
    } finally {
      h.uninstall();
    }
  }
  return Object.fromEntries(Object.keys(CASES).map((name) => [name, { v1: results[0][name], v2: results[1][name] }]));
}

test('every case through planV1 and planV2 gives the pinned writes or error', () => {
  const got = runAll();
  if (process.env.UPDATE_GOLDEN) fs.writeFileSync(GOLDEN, JSON.stringify(got, null, 1) + '\n');
  const want = JSON.parse(fs.readFileSync(GOLDEN, 'utf8'));
  // Case by case, so a failure names the case.
  for (const name of Object.keys(CASES)) expect({ name, ...got[name] }).toEqual({ name, ...want[name] });
  expect(Object.keys(want).sort()).toEqual(Object.keys(got).sort());
});

test('the table reaches every outcome kind: writes, refusals, and both versions differing', () => {
  const want = JSON.parse(fs.readFileSync(GOLDEN, 'utf8')) as Record<string, { v1: { plan: Outcome }; v2: { plan: Outcome } }>;
  const all = Object.values(want).flatMap((x) => [x.v1.plan, x.v2.plan]);
  expect(all.filter((o) => typeof o === 'string').length).toBeGreaterThan(60);
  expect(all.filter((o) => Array.isArray(o) && o.length).length).toBeGreaterThan(60);
});
