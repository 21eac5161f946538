// linux.resources -> cgroup v1 file writes (config-linux.md; Documentation/admin-guide/cgroup-v1/*;
// runc's cgroups/fs/<controller>.go Set for each translation and write order). The values are
// validated first (resources.ts, shared with v2); then each controller's translation reads the cgroup
// (current limits, which knobs exist) and throws on what this host cannot do; it never writes.
import { dirname } from '../pathnames';
import type { LinuxResources } from '../spec/types';
import type { ApplyOptions } from './manager';
import { v1DeviceWrites, withBuiltinRules } from './devices';
import { fileExists, hugePageSizes, readCgroupFile, readNumber } from './fsio';
import type { CgroupWrite } from './writes';
import { type Resources, validateResources } from './resources';
import { bad, checkSubset, dec, R } from './validate';

export interface V1Context {
  /** The container's directory in the hierarchy holding `controller`, if it is mounted. */
  dirOf(controller: string): string | undefined;
}

class Planner {
  readonly writes: CgroupWrite[] = [];
  constructor(private ctx: V1Context, readonly opts: ApplyOptions) {}

  dir(controller: string, field: string): string {
    const d = this.ctx.dirOf(controller);
    if (!d) bad(field, `the ${controller} cgroup controller is not mounted on this host`);
    return d;
  }

  add(dir: string, file: string, value: string, field: string, extra: Partial<CgroupWrite> = {}): void {
    this.writes.push({ dir, file, value, field, ...extra });
  }
}

export function planV1(r: LinuxResources | undefined, ctx: V1Context, opts: ApplyOptions = {}): CgroupWrite[] {
  if (r?.unified && Object.keys(r.unified).length) {
    // runc's ErrV1NoUnified, in its words, before any value is looked at; the files it names exist
    // only in a v2 hierarchy.
    bad(`${R}.unified`, 'invalid configuration: cannot use unified on cgroup v1 (this host\'s controllers are on cgroup v1)');
  }
  const v = validateResources(r, opts);
  const p = new Planner(ctx, opts);
  for (const translate of CONTROLLERS) translate(p, v);
  return p.writes;
}

/** At or above this a v1 byte limit is unlimited: the kernel shows LONG_MAX rounded down to its page size. */
const V1_UNLIMITED = 2 ** 62;

/** runc's subsystem order (cgroups/fs/fs.go): cpuset, devices, memory, cpu, pids, blkio, hugetlb,
 * net_cls, net_prio, rdma. */
const CONTROLLERS: ((p: Planner, v: Resources) => void)[] = [cpuset, devices, memory, cpu, pids, blkio, hugetlb, network, rdma];

function devices(p: Planner, { devices: rules }: Resources): void {
  if (!rules) return;
  const dir = p.dir('devices', `${R}.devices`);
  for (const w of v1DeviceWrites(withBuiltinRules(rules, p.opts.devices))) p.add(dir, w.file, w.value, w.field);
}

function cpuset(p: Planner, { cpu: c }: Resources): void {
  if (!c?.cpus && !c?.mems) return;
  const dir = p.dir('cpuset', (c.cpus ?? c.mems)!.field);
  const parent = dirname(dir);
  for (const key of ['cpus', 'mems'] as const) {
    const l = c[key];
    if (!l) continue;
    // A v1 cpuset must be a subset of its parent's (cgroup-v1/cpusets.rst): say so before writing.
    checkSubset(l.set, readCgroupFile(parent, `cpuset.${key}`), l.field, key === 'cpus' ? 'CPUs' : 'memory nodes');
    p.add(dir, `cpuset.${key}`, l.text, l.field);
  }
}

function memory(p: Planner, { memory: m }: Resources): void {
  if (!m) return;
  const f = `${R}.memory`;
  const { limit: mem, reservation, kernel, kernelTCP, swappiness } = m;
  let swap = m.swap;
  const any = mem || swap || reservation || kernel || kernelTCP || swappiness !== undefined || m.disableOOMKiller || m.useHierarchy !== undefined;
  if (!any) return;
  const dir = p.dir('memory', f);
  const swapFile = 'memory.memsw.limit_in_bytes';
  const haveSwap = fileExists(dir, swapFile);

  if (m.useHierarchy !== undefined && fileExists(dir, 'memory.use_hierarchy')) {
    p.add(dir, 'memory.use_hierarchy', m.useHierarchy ? '1' : '0', `${f}.useHierarchy`, {
      explain: (code) => (code === 'EINVAL' && !m.useHierarchy ? 'Linux 5.16 and later always account hierarchically' : undefined),
    });
  }
  // runc setMemoryAndSwap: an unlimited memory limit with no swap given makes swap unlimited too.
  if (mem === -1 && swap === 0 && haveSwap) swap = -1;
  if (swap !== 0 && !haveSwap) {
    if (swap !== -1) bad(`${f}.swap`, `needs swap accounting, which this kernel lacks (no ${swapFile}; boot with swapaccount=1)`);
    swap = 0; // unlimited is what there is anyway
  }
  const current = readNumber(dir, 'memory.limit_in_bytes');
  // An unlimited v1 limit reads as PAGE_COUNTER_MAX pages (9223372036854771712 with 4 KiB pages).
  const effective = mem > 0 ? mem : mem === -1 || current === undefined || current >= V1_UNLIMITED ? Infinity : current;
  if (swap > 0 && swap < effective) {
    bad(`${f}.swap`, `memory+swap limit ${swap} must be >= the memory limit ${effective === Infinity ? '(unlimited)' : effective}`);
  }
  const limitWrite = () => p.add(dir, 'memory.limit_in_bytes', dec(mem), `${f}.limit`, {
    // runc: EBUSY means the new limit is below what the cgroup already uses.
    explain: (code) => (code === 'EBUSY' ? `current usage ${readNumber(dir, 'memory.usage_in_bytes')}, peak usage ${readNumber(dir, 'memory.max_usage_in_bytes')}` : undefined),
  });
  const swapWrite = () => p.add(dir, swapFile, dec(swap), `${f}.swap`);
  // The kernel keeps memsw >= limit at every moment, so the order depends on the current limit: when
  // raising (or unlimiting) swap, swap goes first; otherwise the limit goes first (runc).
  if (mem !== 0 && swap !== 0 && (swap === -1 || (current ?? 0) < swap)) {
    swapWrite();
    limitWrite();
  } else {
    if (mem !== 0) limitWrite();
    if (swap !== 0) swapWrite();
  }
  // Kernel memory limits: only where the knobs exist; Linux 5.16+ keeps memory.kmem.limit_in_bytes but
  // answers EOPNOTSUPP (runc ignores both for that reason).
  const unsupported = ['EOPNOTSUPP', 'ENOTSUP'];
  if (kernel !== 0 && fileExists(dir, 'memory.kmem.limit_in_bytes')) p.add(dir, 'memory.kmem.limit_in_bytes', dec(kernel), `${f}.kernel`, { ignore: unsupported });
  if (kernelTCP !== 0 && fileExists(dir, 'memory.kmem.tcp.limit_in_bytes')) p.add(dir, 'memory.kmem.tcp.limit_in_bytes', dec(kernelTCP), `${f}.kernelTCP`, { ignore: unsupported });
  if (reservation !== 0) p.add(dir, 'memory.soft_limit_in_bytes', dec(reservation), `${f}.reservation`);
  if (m.disableOOMKiller) p.add(dir, 'memory.oom_control', '1', `${f}.disableOOMKiller`);
  if (swappiness !== undefined) p.add(dir, 'memory.swappiness', dec(swappiness), `${f}.swappiness`);
}

function cpu(p: Planner, { cpu: c }: Resources): void {
  if (!c) return;
  const f = `${R}.cpu`;
  const { shares, quota, period, burst, realtimeRuntime: rtRuntime, realtimePeriod: rtPeriod, idle } = c;
  if (!shares && !quota && !period && burst === undefined && !rtRuntime && !rtPeriod && idle === undefined) return;
  const dir = p.dir('cpu', f);
  const need = (file: string, field: string, why: string) => {
    if (!fileExists(dir, file)) bad(field, `not supported by this kernel: no ${file} (${why})`);
  };
  if (shares) p.add(dir, 'cpu.shares', dec(shares), `${f}.shares`);
  if (quota || period) need('cpu.cfs_quota_us', `${f}.${quota ? 'quota' : 'period'}`, 'CONFIG_CFS_BANDWIDTH');
  // A shorter period can fail (EINVAL) while the old quota no longer fits the parent's: retry it
  // after the quota (runc CpuGroup.Set). Same for a burst larger than the old quota.
  if (period) p.add(dir, 'cpu.cfs_period_us', dec(period), `${f}.period`, quota ? { retryAfter: 'cpu.cfs_quota_us' } : {});
  if (burst !== undefined && fileExists(dir, 'cpu.cfs_burst_us')) {
    p.add(dir, 'cpu.cfs_burst_us', dec(burst), `${f}.burst`, quota ? { retryAfter: 'cpu.cfs_quota_us' } : {});
  }
  if (quota) p.add(dir, 'cpu.cfs_quota_us', dec(quota), `${f}.quota`);
  if (idle !== undefined) {
    need('cpu.idle', `${f}.idle`, 'Linux 5.15 or later');
    p.add(dir, 'cpu.idle', dec(idle), `${f}.idle`);
  }
  if (rtRuntime || rtPeriod) need('cpu.rt_runtime_us', `${f}.${rtRuntime ? 'realtimeRuntime' : 'realtimePeriod'}`, 'CONFIG_RT_GROUP_SCHED');
  // rt period and runtime depend on each other the same way (runc SetRtSched).
  if (rtPeriod) p.add(dir, 'cpu.rt_period_us', dec(rtPeriod), `${f}.realtimePeriod`, rtRuntime ? { retryAfter: 'cpu.rt_runtime_us' } : {});
  if (rtRuntime) p.add(dir, 'cpu.rt_runtime_us', dec(rtRuntime), `${f}.realtimeRuntime`);
}

function pids(p: Planner, { pids: n }: Resources): void {
  if (n === undefined) return;
  const field = `${R}.pids.limit`;
  // config-linux.md: -1 (any negative, as runc) is "max"; 0 is a valid limit and SHOULD be kept as 0
  // (runc writes 1 instead, to match what its systemd driver can express; v1 has no systemd driver here).
  p.add(p.dir('pids', field), 'pids.max', n < 0 ? 'max' : dec(n), field);
}

function blkio(p: Planner, { blockIO: b }: Resources): void {
  if (!b) return;
  const f = `${R}.blockIO`;
  const { weight, leafWeight: leaf, weightDevice: devs, throttle } = b;
  if (!weight && !leaf && !devs.length && !throttle.length) return;
  const dir = p.dir('blkio', f);
  // runc detectWeightFilenames: blkio.weight (CFQ) if present, else BFQ's blkio.bfq.weight.
  const cfq = fileExists(dir, 'blkio.weight');
  const weightFile = cfq ? 'blkio.weight' : 'blkio.bfq.weight';
  const weightDeviceFile = cfq ? 'blkio.weight_device' : 'blkio.bfq.weight_device';
  const need = (file: string, field: string) => {
    if (!fileExists(dir, file)) bad(field, `not supported on this host: no ${file} (the block device's I/O scheduler must be CFQ or BFQ)`);
  };
  if (weight) {
    need(weightFile, `${f}.weight`);
    p.add(dir, weightFile, dec(weight), `${f}.weight`);
  }
  if (leaf) {
    need('blkio.leaf_weight', `${f}.leafWeight`);
    p.add(dir, 'blkio.leaf_weight', dec(leaf), `${f}.leafWeight`);
  }
  for (const d of devs) {
    if (d.weight) {
      need(weightDeviceFile, `${d.field}.weight`);
      p.add(dir, weightDeviceFile, `${d.major}:${d.minor} ${d.weight}`, `${d.field}.weight`);
    }
    if (d.leafWeight) {
      need('blkio.leaf_weight_device', `${d.field}.leafWeight`);
      p.add(dir, 'blkio.leaf_weight_device', `${d.major}:${d.minor} ${d.leafWeight}`, `${d.field}.leafWeight`);
    }
  }
  for (const t of throttle) {
    const file = THROTTLE_V1[t.kind];
    need(file, t.field);
    p.add(dir, file, `${t.major}:${t.minor} ${dec(t.rate)}`, t.field);
  }
}

const THROTTLE_V1 = {
  throttleReadBpsDevice: 'blkio.throttle.read_bps_device',
  throttleWriteBpsDevice: 'blkio.throttle.write_bps_device',
  throttleReadIOPSDevice: 'blkio.throttle.read_iops_device',
  throttleWriteIOPSDevice: 'blkio.throttle.write_iops_device',
};

function hugetlb(p: Planner, { hugepageLimits: list }: Resources): void {
  if (!list.length) return;
  const dir = p.dir('hugetlb', `${R}.hugepageLimits`);
  for (const { pageSize: size, limit, field } of list) {
    const value = dec(limit);
    const file = `hugetlb.${size}.limit_in_bytes`;
    if (!fileExists(dir, file)) bad(`${field}.pageSize`, `page size ${size} is not supported here (available: ${hugePageSizes(dir, 'limit_in_bytes').join(', ') || 'none'})`);
    p.add(dir, file, value, `${field}.limit`);
    // config-linux.md: limit reservations too where the kernel can (Linux 5.7+, runc writes both).
    const rsvd = `hugetlb.${size}.rsvd.limit_in_bytes`;
    if (fileExists(dir, rsvd)) p.add(dir, rsvd, value, `${field}.limit`);
  }
}

function network(p: Planner, { network: n }: Resources): void {
  const f = `${R}.network`;
  if (n.classID) p.add(p.dir('net_cls', `${f}.classID`), 'net_cls.classid', dec(n.classID), `${f}.classID`);
  if (!n.priorities.length) return;
  const dir = p.dir('net_prio', `${f}.priorities`);
  for (const x of n.priorities) p.add(dir, 'net_prio.ifpriomap', `${x.name} ${dec(x.priority)}`, x.field);
}

function rdma(p: Planner, { rdma: lines }: Resources): void {
  if (!lines.length) return;
  const dir = p.dir('rdma', `${R}.rdma`);
  for (const l of lines) p.add(dir, 'rdma.max', l.line, l.field);
}
