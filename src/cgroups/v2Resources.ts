// linux.resources -> cgroup v2 file writes: every translation runc makes for the unified hierarchy
// (runc cgroups/fs2/*.go, cgroups/utils.go Convert*; Documentation/admin-guide/cgroup-v2.rst).
// Like the v1 planner it validates (resources.ts, shared with v1), then translates each controller,
// reading the cgroup for what this host offers; it never writes.
import { dirname } from '../pathnames';
import type { LinuxResources } from '../spec/types';
import type { ApplyOptions } from './manager';
import { fileExists, readCgroupFile, readNumber } from './fsio';
import type { CgroupWrite } from './writes';
import { type Resources, validateResources } from './resources';
import { bad, checkSubset, dec, R } from './validate';

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

export function planV2(r: LinuxResources | undefined, dir: string, opts: ApplyOptions = {}): CgroupWrite[] {
  return writesV2(validateV2(r, opts), dir);
}

/** What v2 cannot express at all is refused before any value is looked at, then every value is
 * validated (resources.ts). Device rules are in the result unless skipped: the manager compiles them
 * into an eBPF program (v2.ts, devicefilter.ts). */
export function validateV2(r: LinuxResources | undefined, opts: ApplyOptions = {}): Resources {
  // There is no real-time group scheduling in v2 (no cpu.rt_* files): refuse rather than ignore.
  if (r?.cpu?.realtimeRuntime) bad(`${R}.cpu.realtimeRuntime`, 'real-time group scheduling is not available on cgroup v2');
  if (r?.cpu?.realtimePeriod) bad(`${R}.cpu.realtimePeriod`, 'real-time group scheduling is not available on cgroup v2');
  const n = r?.network;
  if (n && ((n.classID ?? 0) !== 0 || (n.priorities ?? []).length)) {
    // net_cls/net_prio exist only in v1; v2 classifies sockets by cgroup path (iptables -m cgroup --path).
    bad(`${R}.network`, 'net_cls and net_prio are cgroup v1 controllers, not available on cgroup v2');
  }
  return validateResources(r, opts);
}

/** The container's cgroup as the translations see it: where to write, which controllers it has. */
class Cgroup {
  readonly writes: CgroupWrite[] = [];
  readonly controllers: Set<string>;
  constructor(readonly dir: string) {
    this.controllers = new Set((readCgroupFile(dir, 'cgroup.controllers') ?? '').trim().split(/\s+/).filter(Boolean));
  }

  add(file: string, value: string, field: string, extra: Partial<CgroupWrite> = {}): void {
    this.writes.push({ dir: this.dir, file, value, field, ...extra });
  }

  need(controller: string, field: string): void {
    if (!this.controllers.has(controller)) {
      bad(field, `the ${controller} controller is not available in ${this.dir} (its cgroup.controllers lists: ${[...this.controllers].join(' ') || 'nothing'}); the parent must enable it in cgroup.subtree_control`);
    }
  }

  needFile(file: string, field: string, why: string): void {
    if (!fileExists(this.dir, file)) bad(field, `not supported by this kernel: no ${file} (${why})`);
  }
}

/** Validated resources -> the writes. */
export function writesV2(v: Resources, dir: string): CgroupWrite[] {
  const g = new Cgroup(dir);
  for (const translate of CONTROLLERS) translate(g, v);
  return g.writes;
}

/** runc's fs2 Set order: pids, memory, io, cpu, devices (here an eBPF program, attached by the manager
 * after the writes: v2.ts), cpuset, hugetlb, rdma, unified (last, so that they win). */
const CONTROLLERS: ((g: Cgroup, v: Resources) => void)[] = [pids, memory, io, cpu, cpuset, hugetlb, rdma, unified];

function pids(g: Cgroup, { pids: n }: Resources): void {
  if (n === undefined) return;
  const field = `${R}.pids.limit`;
  g.need('pids', field);
  g.add('pids.max', n < 0 ? 'max' : dec(n), field);
}

function memory(g: Cgroup, { memory: m }: Resources): void {
  // kernel, kernelTCP, swappiness, disableOOMKiller and useHierarchy have no v2 knobs: kernel memory is
  // always accounted, swappiness is global, the OOM killer cannot be disabled per cgroup, accounting
  // is always hierarchical. Validated with the rest, then ignored, as runc does on v2.
  if (!m || !(m.limit || m.swap || m.reservation)) return;
  const f = `${R}.memory`;
  const { limit: mem, swap: swapIn, reservation: low } = m;
  g.need('memory', mem ? `${f}.limit` : swapIn ? `${f}.swap` : `${f}.reservation`);
  const swap = swapToV2(swapIn, mem, `${f}.swap`);
  if (m.checkBeforeUpdate) {
    // config-linux.md: v2 would OOM-kill instead of refusing, so refuse here (runc CheckMemoryUsage).
    const usage = readNumber(g.dir, 'memory.current');
    if (usage !== undefined && swapIn > 0 && swapIn <= usage) bad(`${f}.swap`, `rejecting memory+swap limit ${swapIn} <= current usage ${usage}`);
    if (usage !== undefined && mem > 0 && mem <= usage) bad(`${f}.limit`, `rejecting memory limit ${mem} <= current usage ${usage}`);
  }
  let swapStr = v2Value(swap);
  // memory and swap given as the same value: no swap at all.
  if (swapStr === undefined && swap === 0 && swapIn > 0) swapStr = '0';
  if (swapStr !== undefined) {
    if (!fileExists(g.dir, 'memory.swap.max')) {
      // No swap accounting: "max" and "0" are what the cgroup has anyway (runc ignores ENOENT for them).
      if (swapStr !== 'max' && swapStr !== '0') bad(`${f}.swap`, 'needs swap accounting, which this kernel lacks (no memory.swap.max)');
    } else {
      g.add('memory.swap.max', swapStr, `${f}.swap`);
    }
  }
  const max = v2Value(mem);
  if (max) g.add('memory.max', max, `${f}.limit`);
  const lowStr = v2Value(low);
  if (lowStr) g.add('memory.low', lowStr, `${f}.reservation`);
}

function io(g: Cgroup, { blockIO: b }: Resources): void {
  // leafWeight (and weightDevice[].leafWeight) has no v2 equivalent: validated, then ignored.
  if (!b || !(b.weight || b.weightDevice.some((d) => d.weight) || b.throttle.length)) return;
  const f = `${R}.blockIO`;
  g.need('io', b.weight ? `${f}.weight` : `${f}.throttle`);
  // BFQ's io.bfq.weight takes the blkio range as is, and per-device weights; otherwise io.weight
  // with runc's conversion, and per-device weights are dropped (only BFQ has them), as runc does.
  const bfq = fileExists(g.dir, 'io.bfq.weight');
  if (b.weight) g.add(bfq ? 'io.bfq.weight' : 'io.weight', dec(bfq ? b.weight : blkioToIoWeight(b.weight)), `${f}.weight`);
  if (bfq) for (const d of b.weightDevice) if (d.weight) g.add('io.bfq.weight', `${d.major}:${d.minor} ${d.weight}`, `${d.field}.weight`);
  for (const t of b.throttle) g.add('io.max', `${t.major}:${t.minor} ${IO_MAX_KEY[t.kind]}=${dec(t.rate)}`, t.field);
}

const IO_MAX_KEY = { throttleReadBpsDevice: 'rbps', throttleWriteBpsDevice: 'wbps', throttleReadIOPSDevice: 'riops', throttleWriteIOPSDevice: 'wiops' };

function cpu(g: Cgroup, { cpu: c }: Resources): void {
  if (!c) return;
  const f = `${R}.cpu`;
  const { shares, quota, period, burst, idle } = c;
  if (!shares && !quota && !period && burst === undefined && idle === undefined) return;
  g.need('cpu', `${f}.${shares ? 'shares' : quota ? 'quota' : period ? 'period' : burst !== undefined ? 'burst' : 'idle'}`);
  if (idle !== undefined) {
    g.needFile('cpu.idle', `${f}.idle`, 'Linux 5.15 or later');
    g.add('cpu.idle', dec(idle), `${f}.idle`);
  }
  if (shares) g.add('cpu.weight', dec(sharesToWeight(shares)), `${f}.shares`);
  if (burst !== undefined) {
    g.needFile('cpu.max.burst', `${f}.burst`, 'Linux 5.14 or later');
    // A burst above the old quota is refused (EINVAL) until the new quota is in (runc setCPU).
    g.add('cpu.max.burst', dec(burst), `${f}.burst`, quota ? { retryAfter: 'cpu.max' } : {});
  }
  if (quota || period) g.add('cpu.max', `${quota > 0 ? dec(quota) : 'max'} ${dec(period || DEFAULT_PERIOD_US)}`, `${f}.${quota ? 'quota' : 'period'}`);
}

function cpuset(g: Cgroup, { cpu: c }: Resources): void {
  for (const key of ['cpus', 'mems'] as const) {
    const l = c?.[key];
    if (!l) continue;
    g.need('cpuset', l.field);
    checkSubset(l.set, readCgroupFile(dirname(g.dir), `cpuset.${key}.effective`), l.field, key === 'cpus' ? 'CPUs' : 'memory nodes');
    g.add(`cpuset.${key}`, l.text, l.field);
  }
}

function hugetlb(g: Cgroup, { hugepageLimits: list }: Resources): void {
  for (const { pageSize: size, limit, field } of list) {
    g.need('hugetlb', field);
    if (!fileExists(g.dir, `hugetlb.${size}.max`)) bad(`${field}.pageSize`, `page size ${size} is not supported here (no hugetlb.${size}.max)`);
    g.add(`hugetlb.${size}.max`, dec(limit), `${field}.limit`);
    if (fileExists(g.dir, `hugetlb.${size}.rsvd.max`)) g.add(`hugetlb.${size}.rsvd.max`, dec(limit), `${field}.limit`);
  }
}

function rdma(g: Cgroup, { rdma: lines }: Resources): void {
  if (lines.length) g.need('rdma', `${R}.rdma`);
  for (const l of lines) g.add('rdma.max', l.line, l.field);
}

/** config-linux.md "Unified": written verbatim, after everything else so they win. */
function unified(g: Cgroup, { unified: files }: Resources): void {
  for (const { file, controller, lines, field } of files) {
    // Some files exist without their controller (cpu.stat, io.pressure): only a missing file is an
    // error, explained by the missing controller when that is why (runc setUnified).
    if (!fileExists(g.dir, file)) {
      if (controller !== 'cgroup') g.need(controller, field);
      bad(field, `no such file in the container's cgroup: ${file}`);
    }
    for (const line of lines) g.add(file, line, field);
  }
}
