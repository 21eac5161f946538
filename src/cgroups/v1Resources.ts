// linux.resources -> cgroup v1 file writes (config-linux.md; Documentation/admin-guide/cgroup-v1/*;
// runc's cgroups/fs/<controller>.go Set for each translation and write order). Planning reads the
// cgroup (current limits, which knobs exist) and throws on any invalid value; it never writes.
import * as fs from 'fs';
import * as path from 'path';
import type { LinuxResources } from '../spec/types';
import type { ApplyOptions } from './manager';
import { deviceRules, v1DeviceWrites } from './devices';
import { fileExists, readCgroupFile, readNumber } from './fsio';
import type { CgroupWrite } from './writes';
import { bad, blkioWeight, checkSubset, dec, deviceNumbers, integer, limit, MAX_CFS_PERIOD_US, MAX_SHARES, MIN_CFS_US, MIN_SHARES, pageSize, parseList, PIDS_MAX, R, rdmaLines, UINT32, word } from './validate';

export interface V1Context {
  /** The container's directory in the hierarchy holding `controller`, if it is mounted. */
  dirOf(controller: string): string | undefined;
}

class Planner {
  readonly writes: CgroupWrite[] = [];
  constructor(private ctx: V1Context) {}

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
  const p = new Planner(ctx);
  if (r?.unified && Object.keys(r.unified).length) {
    // runc's ErrV1NoUnified, in its words; the files it names exist only in a v2 hierarchy.
    bad(`${R}.unified`, 'invalid configuration: cannot use unified on cgroup v1 (this host\'s controllers are on cgroup v1)');
  }
  // runc's subsystem order (cgroups/fs/fs.go): cpuset, devices, memory, cpu, pids, blkio, hugetlb,
  // net_cls, net_prio, rdma.
  cpuset(p, r);
  if (!opts.skipDevices) {
    const dir = p.dir('devices', `${R}.devices`);
    for (const w of v1DeviceWrites(deviceRules(r, opts.devices))) p.add(dir, w.file, w.value, w.field);
  }
  memory(p, r);
  cpu(p, r);
  pids(p, r);
  blkio(p, r);
  hugetlb(p, r);
  network(p, r);
  rdma(p, r);
  return p.writes;
}

function cpuset(p: Planner, r: LinuxResources | undefined): void {
  const c = r?.cpu;
  if (!c || (!c.cpus && !c.mems)) return;
  const dir = p.dir('cpuset', `${R}.cpu.${c.cpus ? 'cpus' : 'mems'}`);
  const parent = path.dirname(dir);
  for (const key of ['cpus', 'mems'] as const) {
    const text = c[key];
    if (text === undefined || text === '') continue;
    const field = `${R}.cpu.${key}`;
    // A v1 cpuset must be a subset of its parent's (cgroup-v1/cpusets.rst): say so before writing.
    checkSubset(parseList(text, field), readCgroupFile(parent, `cpuset.${key}`), field, key === 'cpus' ? 'CPUs' : 'memory nodes');
    p.add(dir, `cpuset.${key}`, text.trim(), field);
  }
}

function memory(p: Planner, r: LinuxResources | undefined): void {
  const m = r?.memory;
  if (!m) return;
  const f = `${R}.memory`;
  const mem = m.limit === undefined ? 0 : limit(m.limit, `${f}.limit`);
  let swap = m.swap === undefined ? 0 : limit(m.swap, `${f}.swap`);
  const reservation = m.reservation === undefined ? 0 : limit(m.reservation, `${f}.reservation`);
  const kernel = m.kernel === undefined ? 0 : limit(m.kernel, `${f}.kernel`);
  const kernelTCP = m.kernelTCP === undefined ? 0 : limit(m.kernelTCP, `${f}.kernelTCP`);
  const swappiness = m.swappiness === undefined || m.swappiness === -1 ? undefined : integer(m.swappiness, `${f}.swappiness`, 0, 100);
  if (m.disableOOMKiller !== undefined && typeof m.disableOOMKiller !== 'boolean') bad(`${f}.disableOOMKiller`, 'must be true or false');
  if (m.useHierarchy !== undefined && typeof m.useHierarchy !== 'boolean') bad(`${f}.useHierarchy`, 'must be true or false');
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
  const effective = mem > 0 ? mem : mem === -1 ? Infinity : current ?? Infinity;
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

function cpu(p: Planner, r: LinuxResources | undefined): void {
  const c = r?.cpu;
  if (!c) return;
  const f = `${R}.cpu`;
  const shares = c.shares === undefined || c.shares === 0 ? 0 : integer(c.shares, `${f}.shares`, MIN_SHARES, MAX_SHARES);
  const quota = c.quota === undefined || c.quota === 0 || c.quota === -1 ? c.quota ?? 0 : integer(c.quota, `${f}.quota`, MIN_CFS_US);
  const period = c.period === undefined || c.period === 0 ? 0 : integer(c.period, `${f}.period`, MIN_CFS_US, MAX_CFS_PERIOD_US);
  const burst = c.burst === undefined ? undefined : integer(c.burst, `${f}.burst`, 0);
  if (burst !== undefined && quota > 0 && burst > quota) bad(`${f}.burst`, `must not be larger than quota (${quota})`);
  const rtRuntime = c.realtimeRuntime === undefined ? 0 : integer(c.realtimeRuntime, `${f}.realtimeRuntime`, -1);
  const rtPeriod = c.realtimePeriod === undefined ? 0 : integer(c.realtimePeriod, `${f}.realtimePeriod`, 0);
  if (rtRuntime > 0 && rtPeriod > 0 && rtRuntime > rtPeriod) bad(`${f}.realtimeRuntime`, `must not exceed realtimePeriod (${rtPeriod})`);
  const idle = c.idle === undefined ? undefined : integer(c.idle, `${f}.idle`, 0, 1);
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

function pids(p: Planner, r: LinuxResources | undefined): void {
  const l = r?.pids?.limit;
  if (l === undefined) return;
  const field = `${R}.pids.limit`;
  const n = integer(l, field, Number.MIN_SAFE_INTEGER, PIDS_MAX);
  // config-linux.md: -1 (any negative, as runc) is "max"; 0 is a valid limit and SHOULD be kept as 0
  // (runc writes 1 instead, to match what systemd can express; we have no systemd driver).
  p.add(p.dir('pids', field), 'pids.max', n < 0 ? 'max' : dec(n), field);
}

function blkio(p: Planner, r: LinuxResources | undefined): void {
  const b = r?.blockIO;
  if (!b) return;
  const f = `${R}.blockIO`;
  const weight = b.weight === undefined || b.weight === 0 ? 0 : blkioWeight(b.weight, `${f}.weight`);
  const leaf = b.leafWeight === undefined || b.leafWeight === 0 ? 0 : blkioWeight(b.leafWeight, `${f}.leafWeight`);
  const devs = (b.weightDevice ?? []).map((d, i) => {
    const field = `${f}.weightDevice[${i}]`;
    const n = deviceNumbers(d, field);
    const w = d.weight === undefined || d.weight === 0 ? 0 : blkioWeight(d.weight, `${field}.weight`);
    const lw = d.leafWeight === undefined || d.leafWeight === 0 ? 0 : blkioWeight(d.leafWeight, `${field}.leafWeight`);
    if (!w && !lw) bad(field, 'needs weight or leafWeight');
    return { ...n, w, lw, field };
  });
  const throttles = (['throttleReadBpsDevice', 'throttleWriteBpsDevice', 'throttleReadIOPSDevice', 'throttleWriteIOPSDevice'] as const).flatMap((k) =>
    (b[k] ?? []).map((d, i) => {
      const field = `${f}.${k}[${i}]`;
      const n = deviceNumbers(d, field);
      const rate = integer(d.rate, `${field}.rate`, 0);
      return { file: THROTTLE_V1[k], value: `${n.major}:${n.minor} ${dec(rate)}`, field };
    }));
  if (!weight && !leaf && !devs.length && !throttles.length) return;
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
    if (d.w) {
      need(weightDeviceFile, `${d.field}.weight`);
      p.add(dir, weightDeviceFile, `${d.major}:${d.minor} ${d.w}`, `${d.field}.weight`);
    }
    if (d.lw) {
      need('blkio.leaf_weight_device', `${d.field}.leafWeight`);
      p.add(dir, 'blkio.leaf_weight_device', `${d.major}:${d.minor} ${d.lw}`, `${d.field}.leafWeight`);
    }
  }
  for (const t of throttles) {
    need(t.file, t.field);
    p.add(dir, t.file, t.value, t.field);
  }
}

const THROTTLE_V1 = {
  throttleReadBpsDevice: 'blkio.throttle.read_bps_device',
  throttleWriteBpsDevice: 'blkio.throttle.write_bps_device',
  throttleReadIOPSDevice: 'blkio.throttle.read_iops_device',
  throttleWriteIOPSDevice: 'blkio.throttle.write_iops_device',
};

/** The page sizes a hugetlb cgroup offers, from its file names ("hugetlb.2MB.limit_in_bytes"). */
export function hugePageSizes(dir: string, suffix: string): string[] {
  try {
    return fs.readdirSync(dir).map((n) => new RegExp(`^hugetlb\\.(\\w+)\\.${suffix.replace(/\./g, '\\.')}$`).exec(n)?.[1]).filter((s): s is string => !!s && !s.endsWith('rsvd'));
  } catch {
    return [];
  }
}

function hugetlb(p: Planner, r: LinuxResources | undefined): void {
  const list = r?.hugepageLimits ?? [];
  if (!list.length) return;
  const f = `${R}.hugepageLimits`;
  const dir = p.dir('hugetlb', f);
  list.forEach((h, i) => {
    const field = `${f}[${i}]`;
    const size = pageSize(h.pageSize, `${field}.pageSize`);
    const value = dec(integer(h.limit, `${field}.limit`, 0));
    const file = `hugetlb.${size}.limit_in_bytes`;
    if (!fileExists(dir, file)) bad(`${field}.pageSize`, `page size ${size} is not supported here (available: ${hugePageSizes(dir, 'limit_in_bytes').join(', ') || 'none'})`);
    p.add(dir, file, value, `${field}.limit`);
    // config-linux.md: limit reservations too where the kernel can (Linux 5.7+, runc writes both).
    const rsvd = `hugetlb.${size}.rsvd.limit_in_bytes`;
    if (fileExists(dir, rsvd)) p.add(dir, rsvd, value, `${field}.limit`);
  });
}

function network(p: Planner, r: LinuxResources | undefined): void {
  const n = r?.network;
  if (!n) return;
  const f = `${R}.network`;
  if (n.classID !== undefined && n.classID !== 0) {
    const id = integer(n.classID, `${f}.classID`, 0, UINT32);
    p.add(p.dir('net_cls', `${f}.classID`), 'net_cls.classid', dec(id), `${f}.classID`);
  }
  const prios = (n.priorities ?? []).map((x, i) => ({
    value: `${word(x.name, `${f}.priorities[${i}].name`)} ${dec(integer(x.priority, `${f}.priorities[${i}].priority`, 0, UINT32))}`,
    field: `${f}.priorities[${i}]`,
  }));
  if (!prios.length) return;
  const dir = p.dir('net_prio', `${f}.priorities`);
  for (const x of prios) p.add(dir, 'net_prio.ifpriomap', x.value, x.field);
}

function rdma(p: Planner, r: LinuxResources | undefined): void {
  const lines = rdmaLines(r);
  if (!lines.length) return;
  const dir = p.dir('rdma', `${R}.rdma`);
  for (const l of lines) p.add(dir, 'rdma.max', l.value, l.field);
}
