// linux.resources -> cgroup v2 file writes: every translation runc makes for the unified hierarchy
// (runc cgroups/fs2/*.go, cgroups/utils.go Convert*; Documentation/admin-guide/cgroup-v2.rst).
// Like the v1 planner it validates and reads, and never writes.
import * as path from 'path';
import type { LinuxResources } from '../spec/types';
import type { ApplyOptions } from './manager';
import { fileExists, readCgroupFile, readNumber } from './fsio';
import type { CgroupWrite } from './writes';
import { bad, blkioWeight, checkSubset, dec, deviceNumbers, integer, limit, MAX_CFS_PERIOD_US, MAX_SHARES, MIN_CFS_US, MIN_SHARES, pageSize, parseList, PIDS_MAX, R, rdmaLines } from './validate';

/** cgroup-v2.rst "cpu.max": the period when none is given. */
const DEFAULT_PERIOD_US = 100000;

/** runc ConvertCPUSharesToCgroupV2Value (up to runc 1.3): the v1 range [2, 262144] mapped linearly
 * onto cpu.weight's [1, 10000]. (Newer runc fits a curve through the default 1024 -> 100 instead.) */
export function sharesToWeight(shares: number): number {
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/** runc ConvertBlkIOToIOWeightValue: blkio weight [10, 1000] -> io.weight [1, 10000]. */
export function blkioToIoWeight(weight: number): number {
  return 1 + Math.floor(((weight - 10) * 9999) / 990);
}

/** runc ConvertMemorySwapToCgroupV2Value: the spec's swap is memory+swap; v2's memory.swap.max is swap
 * alone. Returns the memory.swap.max value (-1 = max, 0 = unset) or throws naming the field. */
export function swapToV2(swap: number, mem: number, field: string): number {
  // v1 compatibility: unlimited memory with no swap given means both unlimited.
  if (mem === -1 && swap === 0) return -1;
  if (swap === -1 || swap === 0) return swap;
  if (mem === 0 || mem === -1) bad(field, 'a swap limit needs a memory limit');
  if (swap < mem) bad(field, `memory+swap limit ${swap} must be >= the memory limit ${mem}`);
  return swap - mem;
}

/** numToStr: -1 -> "max", 0 -> unset. */
function v2Value(n: number): string | undefined {
  return n === 0 ? undefined : n === -1 ? 'max' : dec(n);
}

export function planV2(r: LinuxResources | undefined, dir: string, _opts: ApplyOptions = {}): CgroupWrite[] {
  const writes: CgroupWrite[] = [];
  const add = (file: string, value: string, field: string, extra: Partial<CgroupWrite> = {}) => writes.push({ dir, file, value, field, ...extra });
  const controllers = new Set((readCgroupFile(dir, 'cgroup.controllers') ?? '').trim().split(/\s+/).filter(Boolean));
  const need = (controller: string, field: string) => {
    if (!controllers.has(controller)) {
      bad(field, `the ${controller} controller is not available in ${dir} (its cgroup.controllers lists: ${[...controllers].join(' ') || 'nothing'}); the parent must enable it in cgroup.subtree_control`);
    }
  };
  const needFile = (file: string, field: string, why: string) => {
    if (!fileExists(dir, file)) bad(field, `not supported by this kernel: no ${file} (${why})`);
  };

  // runc fs2 Set order: pids, memory, io, cpu, devices, cpuset, hugetlb, rdma, unified.
  const pidsLimit = r?.pids?.limit;
  if (pidsLimit !== undefined) {
    const field = `${R}.pids.limit`;
    const n = integer(pidsLimit, field, Number.MIN_SAFE_INTEGER, PIDS_MAX);
    need('pids', field);
    add('pids.max', n < 0 ? 'max' : dec(n), field);
  }

  const m = r?.memory;
  if (m) {
    const f = `${R}.memory`;
    const mem = m.limit === undefined ? 0 : limit(m.limit, `${f}.limit`);
    const swapIn = m.swap === undefined ? 0 : limit(m.swap, `${f}.swap`);
    const low = m.reservation === undefined ? 0 : limit(m.reservation, `${f}.reservation`);
    // Validated for their types, but v2 has no such knobs: kernel memory is always accounted,
    // swappiness is global, the OOM killer cannot be disabled per cgroup, accounting is always
    // hierarchical. runc ignores them on v2 too.
    if (m.kernel !== undefined) limit(m.kernel, `${f}.kernel`);
    if (m.kernelTCP !== undefined) limit(m.kernelTCP, `${f}.kernelTCP`);
    if (m.swappiness !== undefined && m.swappiness !== -1) integer(m.swappiness, `${f}.swappiness`, 0, 100);
    if (mem || swapIn || low) {
      need('memory', mem ? `${f}.limit` : swapIn ? `${f}.swap` : `${f}.reservation`);
      const swap = swapToV2(swapIn, mem, `${f}.swap`);
      if (m.checkBeforeUpdate) {
        // config-linux.md: v2 would OOM-kill instead of refusing, so refuse here (runc CheckMemoryUsage).
        const usage = readNumber(dir, 'memory.current');
        if (usage !== undefined && swapIn > 0 && swapIn <= usage) bad(`${f}.swap`, `rejecting memory+swap limit ${swapIn} <= current usage ${usage}`);
        if (usage !== undefined && mem > 0 && mem <= usage) bad(`${f}.limit`, `rejecting memory limit ${mem} <= current usage ${usage}`);
      }
      let swapStr = v2Value(swap);
      // memory and swap given as the same value: no swap at all.
      if (swapStr === undefined && swap === 0 && swapIn > 0) swapStr = '0';
      if (swapStr !== undefined) {
        if (!fileExists(dir, 'memory.swap.max')) {
          // No swap accounting: "max" and "0" are what the cgroup has anyway (runc ignores ENOENT for them).
          if (swapStr !== 'max' && swapStr !== '0') bad(`${f}.swap`, 'needs swap accounting, which this kernel lacks (no memory.swap.max)');
        } else {
          add('memory.swap.max', swapStr, `${f}.swap`);
        }
      }
      const max = v2Value(mem);
      if (max) add('memory.max', max, `${f}.limit`);
      const lowStr = v2Value(low);
      if (lowStr) add('memory.low', lowStr, `${f}.reservation`);
    }
  }

  const b = r?.blockIO;
  if (b) {
    const f = `${R}.blockIO`;
    const weight = b.weight === undefined || b.weight === 0 ? 0 : blkioWeight(b.weight, `${f}.weight`);
    if (b.leafWeight !== undefined && b.leafWeight !== 0) blkioWeight(b.leafWeight, `${f}.leafWeight`); // no v2 equivalent
    const devs = (b.weightDevice ?? []).map((d, i) => {
      const field = `${f}.weightDevice[${i}]`;
      const n = deviceNumbers(d, field);
      const w = d.weight === undefined || d.weight === 0 ? 0 : blkioWeight(d.weight, `${field}.weight`);
      if (d.leafWeight !== undefined && d.leafWeight !== 0) blkioWeight(d.leafWeight, `${field}.leafWeight`);
      if (!w && !d.leafWeight) bad(field, 'needs weight or leafWeight');
      return { value: `${n.major}:${n.minor} ${w}`, w, field: `${field}.weight` };
    });
    const throttles = ([['throttleReadBpsDevice', 'rbps'], ['throttleWriteBpsDevice', 'wbps'], ['throttleReadIOPSDevice', 'riops'], ['throttleWriteIOPSDevice', 'wiops']] as const).flatMap(([k, key]) =>
      (b[k] ?? []).map((d, i) => {
        const field = `${f}.${k}[${i}]`;
        const n = deviceNumbers(d, field);
        return { value: `${n.major}:${n.minor} ${key}=${dec(integer(d.rate, `${field}.rate`, 0))}`, field };
      }));
    if (weight || devs.some((d) => d.w) || throttles.length) {
      need('io', weight ? `${f}.weight` : `${f}.throttle`);
      // BFQ's io.bfq.weight takes the blkio range as is, and per-device weights; otherwise io.weight
      // with runc's conversion, and per-device weights are dropped (only BFQ has them), as runc does.
      const bfq = fileExists(dir, 'io.bfq.weight');
      if (weight) add(bfq ? 'io.bfq.weight' : 'io.weight', dec(bfq ? weight : blkioToIoWeight(weight)), `${f}.weight`);
      if (bfq) for (const d of devs) if (d.w) add('io.bfq.weight', d.value, d.field);
      for (const t of throttles) add('io.max', t.value, t.field);
    }
  }

  const c = r?.cpu;
  if (c) {
    const f = `${R}.cpu`;
    const shares = c.shares === undefined || c.shares === 0 ? 0 : integer(c.shares, `${f}.shares`, MIN_SHARES, MAX_SHARES);
    const quota = c.quota === undefined || c.quota === 0 || c.quota === -1 ? c.quota ?? 0 : integer(c.quota, `${f}.quota`, MIN_CFS_US);
    const period = c.period === undefined || c.period === 0 ? 0 : integer(c.period, `${f}.period`, MIN_CFS_US, MAX_CFS_PERIOD_US);
    const burst = c.burst === undefined ? undefined : integer(c.burst, `${f}.burst`, 0);
    if (burst !== undefined && quota > 0 && burst > quota) bad(`${f}.burst`, `must not be larger than quota (${quota})`);
    const idle = c.idle === undefined ? undefined : integer(c.idle, `${f}.idle`, 0, 1);
    // There is no real-time group scheduling in v2 (no cpu.rt_* files): refuse rather than ignore.
    if (c.realtimeRuntime) bad(`${f}.realtimeRuntime`, 'real-time group scheduling is not available on cgroup v2');
    if (c.realtimePeriod) bad(`${f}.realtimePeriod`, 'real-time group scheduling is not available on cgroup v2');
    if (shares || quota || period || burst !== undefined || idle !== undefined) {
      need('cpu', `${f}.${shares ? 'shares' : quota ? 'quota' : period ? 'period' : burst !== undefined ? 'burst' : 'idle'}`);
      if (idle !== undefined) {
        needFile('cpu.idle', `${f}.idle`, 'Linux 5.15 or later');
        add('cpu.idle', dec(idle), `${f}.idle`);
      }
      if (shares) add('cpu.weight', dec(sharesToWeight(shares)), `${f}.shares`);
      if (burst !== undefined) {
        needFile('cpu.max.burst', `${f}.burst`, 'Linux 5.14 or later');
        // A burst above the old quota is refused (EINVAL) until the new quota is in (runc setCPU).
        add('cpu.max.burst', dec(burst), `${f}.burst`, quota ? { retryAfter: 'cpu.max' } : {});
      }
      if (quota || period) add('cpu.max', `${quota > 0 ? dec(quota) : 'max'} ${dec(period || DEFAULT_PERIOD_US)}`, `${f}.${quota ? 'quota' : 'period'}`);
    }
  }

  // Device rules: an eBPF program, attached by the manager (v2.ts, devicefilter.ts).

  if (c && (c.cpus || c.mems)) {
    const parent = path.dirname(dir);
    for (const key of ['cpus', 'mems'] as const) {
      const text = c[key];
      if (text === undefined || text === '') continue;
      const field = `${R}.cpu.${key}`;
      const set = parseList(text, field);
      need('cpuset', field);
      checkSubset(set, readCgroupFile(parent, `cpuset.${key}.effective`), field, key === 'cpus' ? 'CPUs' : 'memory nodes');
      add(`cpuset.${key}`, text.trim(), field);
    }
  }

  (r?.hugepageLimits ?? []).forEach((h, i) => {
    const field = `${R}.hugepageLimits[${i}]`;
    const size = pageSize(h.pageSize, `${field}.pageSize`);
    const value = dec(integer(h.limit, `${field}.limit`, 0));
    need('hugetlb', field);
    if (!fileExists(dir, `hugetlb.${size}.max`)) bad(`${field}.pageSize`, `page size ${size} is not supported here (no hugetlb.${size}.max)`);
    add(`hugetlb.${size}.max`, value, `${field}.limit`);
    if (fileExists(dir, `hugetlb.${size}.rsvd.max`)) add(`hugetlb.${size}.rsvd.max`, value, `${field}.limit`);
  });

  const rdma = rdmaLines(r);
  if (rdma.length) need('rdma', `${R}.rdma`);
  for (const l of rdma) add('rdma.max', l.value, l.field);

  const n = r?.network;
  if (n && ((n.classID ?? 0) !== 0 || (n.priorities ?? []).length)) {
    // net_cls/net_prio exist only in v1; v2 classifies sockets by cgroup path (iptables -m cgroup --path).
    bad(`${R}.network`, 'net_cls and net_prio are cgroup v1 controllers, not available on cgroup v2');
  }

  // config-linux.md "Unified": written verbatim, after everything else so they win; each line of a
  // value is its own write (runc WriteFileByLine: io.max with several devices).
  for (const key of Object.keys(r?.unified ?? {}).sort()) {
    const field = `${R}.unified.${key}`;
    const value = r!.unified![key];
    if (key.includes('/') || key === '.' || key === '..' || key.includes('\0')) bad(field, 'must be a file name in the container\'s cgroup (no "/" or "..")');
    if (typeof value !== 'string') bad(field, 'must be a string');
    const dot = key.indexOf('.');
    if (dot <= 0) bad(field, 'must be in the form CONTROLLER.PARAMETER');
    // Some files exist without their controller (cpu.stat, io.pressure): only a missing file is an
    // error, explained by the missing controller when that is why (runc setUnified).
    const ctl = key.slice(0, dot);
    if (!fileExists(dir, key)) {
      if (ctl !== 'cgroup' && !controllers.has(ctl)) need(ctl, field);
      bad(field, `no such file in the container's cgroup: ${key}`);
    }
    const lines = value.split('\n').filter((l) => l !== '');
    for (const line of lines.length ? lines : ['']) add(key, line, field);
  }
  return writes;
}
