// `runc events --stats` data, in runc's JSON shape (runc types/events.go Stats, as runc 1.1 fills it
// from cgroups/fs and cgroups/fs2): cpu, cpuset, memory, pids, blkio, hugetlb, plus the empty
// intel_rdt and network_interfaces runc prints. Go's `omitempty` is applied here (zero numbers, empty
// lists and maps left out where runc's struct tags say so), so the object serialises as runc's does.
// Counters are uint64 in the kernel: values beyond 2^53 (v1's "unlimited" 9223372036854771712) are
// kept exact as bigint; serialise with stringifyStats().
import { hugePageSizes, readCgroupFile } from './fsio';
import type { CgroupStats } from './manager';

export type Num = number | bigint;

/** A decimal counter, exact: a number when it fits, else a bigint. */
export function toNum(text: string): Num | undefined {
  const t = text.trim();
  if (!/^-?\d+$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : BigInt(t);
}

function readNum(dir: string, file: string): Num | undefined {
  const t = readCgroupFile(dir, file);
  return t === undefined ? undefined : toNum(t);
}

/** "key value" lines (memory.stat, cpu.stat, memory.events), exact. */
function readKV(dir: string, file: string): Record<string, Num> | undefined {
  const text = readCgroupFile(dir, file);
  if (text === undefined) return undefined;
  const out: Record<string, Num> = {};
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    const n = v === undefined ? undefined : toNum(v);
    if (k && n !== undefined) out[k] = n;
  }
  // Go writes map keys sorted (encoding/json): so do we.
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Go's omitempty: zero numbers, empty strings, empty lists and maps (runc's tags say which keys). */
function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === 0 || v === 0n || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && Object.keys(v as object).length === 0;
}

function omit<T extends Record<string, unknown>>(o: T, keys: (keyof T)[]): T {
  for (const k of keys) if (isEmpty(o[k])) delete o[k];
  return o;
}

function mul(v: Num | undefined, by: number): Num {
  if (v === undefined) return 0;
  if (typeof v === 'bigint') return v * BigInt(by);
  const r = v * by;
  return Number.isSafeInteger(r) ? r : BigInt(v) * BigInt(by);
}

function add(a: Num, b: Num): Num {
  if (typeof a === 'number' && typeof b === 'number' && Number.isSafeInteger(a + b)) return a + b;
  return BigInt(a) + BigInt(b);
}

interface MemoryEntry { limit: Num; usage?: Num; max?: Num; failcnt: Num }

function memoryEntry(limit: Num | undefined, usage: Num | undefined, max: Num | undefined, failcnt: Num | undefined): MemoryEntry {
  return omit({ limit: limit ?? 0, usage: usage ?? 0, max: max ?? 0, failcnt: failcnt ?? 0 }, ['usage', 'max']);
}

/** v1 memory entries: <prefix>.limit_in_bytes, usage_in_bytes, max_usage_in_bytes, failcnt. */
function entryV1(dir: string | undefined, prefix: string): MemoryEntry {
  if (!dir) return memoryEntry(0, 0, 0, 0);
  const n = (f: string) => readNum(dir, `${prefix}.${f}`);
  return memoryEntry(n('limit_in_bytes'), n('usage_in_bytes'), n('max_usage_in_bytes'), n('failcnt'));
}

interface BlkioEntry { major?: Num; minor?: Num; op?: string; value?: Num }

/** runc getBlkioStat: "8:0 Read 4096" (or "8:0 4096") lines; the bare "Total N" line is skipped.
 * undefined when the file is missing or holds no entry (runc then tries the next group of files). */
export function blkioEntries(text: string | undefined): BlkioEntry[] | undefined {
  const out: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const f = line.trim().split(/[\s:]+/).filter(Boolean);
    if (f.length < 3) continue;
    const [major, minor] = [toNum(f[0]), toNum(f[1])];
    const op = f.length === 4 ? f[2] : '';
    const value = toNum(f[f.length === 4 ? 3 : 2]);
    if (major === undefined || minor === undefined || value === undefined) continue;
    out.push(omit({ major, minor, op, value }, ['major', 'minor', 'op', 'value']));
  }
  return out.length ? out : undefined;
}

/** runc BlkioGroup.GetStats: the first group of files whose first file has entries (BFQ, then the
 * throttle files, recursive first); CFQ is gone since Linux 5.0. */
function blkioV1(dir: string | undefined): Record<string, BlkioEntry[]> {
  if (!dir) return {};
  const groups: [string, string][][] = [
    [['ioServicedRecursive', 'blkio.bfq.io_serviced_recursive'], ['ioServiceBytesRecursive', 'blkio.bfq.io_service_bytes_recursive']],
    [['ioServicedRecursive', 'blkio.throttle.io_serviced_recursive'], ['ioServiceBytesRecursive', 'blkio.throttle.io_service_bytes_recursive']],
    [['ioServicedRecursive', 'blkio.throttle.io_serviced'], ['ioServiceBytesRecursive', 'blkio.throttle.io_service_bytes']],
  ];
  for (const group of groups) {
    const first = blkioEntries(readCgroupFile(dir, group[0][1]));
    if (!first) continue;
    const out: Record<string, BlkioEntry[]> = { [group[0][0]]: first };
    for (const [key, file] of group.slice(1)) {
      const e = blkioEntries(readCgroupFile(dir, file));
      if (e) out[key] = e;
    }
    return out;
  }
  return {};
}

/** cpuset.cpus / cpuset.mems as numbers ("0-2,4" -> [0,1,2,4]), runc's CPUSetStats. */
function cpuList(text: string | undefined): number[] {
  const out: number[] = [];
  for (const part of (text ?? '').trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    for (let i = Number(m[1]); i <= Number(m[2] ?? m[1]); i++) out.push(i);
  }
  return out;
}

function cpusetStats(dir: string | undefined): Record<string, unknown> {
  const n = (f: string) => (dir ? readNum(dir, `cpuset.${f}`) : undefined) ?? 0;
  return omit({
    cpus: dir ? cpuList(readCgroupFile(dir, 'cpuset.cpus')) : [],
    cpu_exclusive: n('cpu_exclusive'),
    mems: dir ? cpuList(readCgroupFile(dir, 'cpuset.mems')) : [],
    mem_hardwall: n('mem_hardwall'),
    mem_exclusive: n('mem_exclusive'),
    memory_migrate: n('memory_migrate'),
    memory_spread_page: n('memory_spread_page'),
    memory_spread_slab: n('memory_spread_slab'),
    memory_pressure: n('memory_pressure'),
    sched_load_balance: n('sched_load_balance'),
    sched_relax_domain_level: n('sched_relax_domain_level'),
  }, ['cpus', 'mems']);
}

function hugetlbV1(dir: string | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!dir) return out;
  for (const size of hugePageSizes(dir, 'usage_in_bytes')) {
    const n = (f: string) => readNum(dir, `hugetlb.${size}.${f}`) ?? 0;
    out[size] = omit({ usage: n('usage_in_bytes'), max: n('max_usage_in_bytes'), failcnt: n('failcnt') }, ['usage', 'max']);
  }
  return out;
}

/** USER_HZ ticks (cpuacct.stat) to nanoseconds: USER_HZ is 100 on every Linux ABI (runc does the same). */
const TICK_NS = 10_000_000;

function cpuV1(cpuacct: string | undefined, cpu: string | undefined): Record<string, unknown> {
  const usage: Record<string, unknown> = { total: 0, percpu: [], percpu_kernel: [], percpu_user: [], kernel: 0, user: 0 };
  if (cpuacct) {
    usage.total = readNum(cpuacct, 'cpuacct.usage') ?? 0;
    const percpu = readCgroupFile(cpuacct, 'cpuacct.usage_percpu')?.trim();
    if (percpu) usage.percpu = percpu.split(/\s+/).map((v) => toNum(v) ?? 0);
    // cpuacct.usage_all: "cpu user system" header, then one line per cpu, in ns (Linux 4.7+).
    const all = readCgroupFile(cpuacct, 'cpuacct.usage_all');
    if (all) {
      const rows = all.trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/));
      usage.percpu_user = rows.map((r) => toNum(r[1] ?? '') ?? 0);
      usage.percpu_kernel = rows.map((r) => toNum(r[2] ?? '') ?? 0);
    }
    const st = readKV(cpuacct, 'cpuacct.stat') ?? {};
    usage.user = mul(st.user, TICK_NS);
    usage.kernel = mul(st.system, TICK_NS);
  }
  const cs = (cpu && readKV(cpu, 'cpu.stat')) || {};
  return {
    usage: omit(usage, ['total', 'percpu', 'percpu_kernel', 'percpu_user']),
    throttling: omit({ periods: cs.nr_periods ?? 0, throttledPeriods: cs.nr_throttled ?? 0, throttledTime: cs.throttled_time ?? 0 }, ['periods', 'throttledPeriods', 'throttledTime']),
  };
}

function finish(s: { cpu: unknown; cpuset: unknown; memory: unknown; pids: unknown; blkio: unknown; hugetlb: unknown }): CgroupStats {
  return { ...s, intel_rdt: {}, network_interfaces: null };
}

export function statsV1(dirOf: (controller: string) => string | undefined): CgroupStats {
  const mem = dirOf('memory');
  const raw = (mem && readKV(mem, 'memory.stat')) || {};
  const pids = dirOf('pids');
  return finish({
    cpu: cpuV1(dirOf('cpuacct'), dirOf('cpu')),
    cpuset: cpusetStats(dirOf('cpuset')),
    memory: omit({
      cache: raw.cache ?? 0,
      usage: entryV1(mem, 'memory'),
      swap: entryV1(mem, 'memory.memsw'),
      kernel: entryV1(mem, 'memory.kmem'),
      kernelTCP: entryV1(mem, 'memory.kmem.tcp'),
      raw,
    }, ['cache', 'raw']),
    // pids.max "max" reads as no number: 0, left out (runc).
    pids: omit({ current: (pids && readNum(pids, 'pids.current')) || 0, limit: (pids && readNum(pids, 'pids.max')) || 0 }, ['current', 'limit']),
    blkio: blkioV1(dirOf('blkio')),
    hugetlb: hugetlbV1(dirOf('hugetlb')),
  });
}

/** v2 "max" is unlimited: runc reports it as the largest uint64. */
const MAX_UINT64 = 18446744073709551615n;
function readLimitV2(dir: string, file: string): Num | undefined {
  const t = readCgroupFile(dir, file)?.trim();
  if (t === 'max') return MAX_UINT64;
  return t === undefined ? undefined : toNum(t);
}

export function statsV2(dir: string): CgroupStats {
  const cs = readKV(dir, 'cpu.stat') ?? {};
  const raw = readKV(dir, 'memory.stat') ?? {};
  const events = readKV(dir, 'memory.events') ?? {};
  const current = readNum(dir, 'memory.current');
  const swapCurrent = readNum(dir, 'memory.swap.current');
  // runc fs2 statMemory: no failcnt in v2, memory.events "max" (times the limit was hit) instead; swap
  // is reported as memory+swap, for compatibility with v1.
  const memMax = readLimitV2(dir, 'memory.max');
  const swapMax = readLimitV2(dir, 'memory.swap.max');
  const swapLimit = memMax === undefined || swapMax === undefined ? 0
    : memMax === MAX_UINT64 || swapMax === MAX_UINT64 ? MAX_UINT64 : add(memMax, swapMax);
  const serviceBytes: BlkioEntry[] = [];
  const serviced: BlkioEntry[] = [];
  for (const line of (readCgroupFile(dir, 'io.stat') ?? '').split('\n')) {
    const m = /^(\d+):(\d+) (.*)$/.exec(line.trim());
    if (!m) continue;
    const kv: Record<string, Num> = {};
    for (const p of m[3].split(' ')) {
      const [k, v] = p.split('=');
      const n = v === undefined ? undefined : toNum(v);
      if (n !== undefined) kv[k] = n;
    }
    const dev = { major: Number(m[1]), minor: Number(m[2]) };
    serviceBytes.push(omit({ ...dev, op: 'Read', value: kv.rbytes ?? 0 }, ['major', 'minor', 'value']), omit({ ...dev, op: 'Write', value: kv.wbytes ?? 0 }, ['major', 'minor', 'value']));
    serviced.push(omit({ ...dev, op: 'Read', value: kv.rios ?? 0 }, ['major', 'minor', 'value']), omit({ ...dev, op: 'Write', value: kv.wios ?? 0 }, ['major', 'minor', 'value']));
  }
  const hugetlb: Record<string, unknown> = {};
  for (const size of hugePageSizes(dir, 'current')) {
    const ev = readKV(dir, `hugetlb.${size}.events`) ?? {};
    hugetlb[size] = omit({ usage: readNum(dir, `hugetlb.${size}.current`) ?? 0, max: 0, failcnt: ev.max ?? 0 }, ['usage', 'max']);
  }
  return finish({
    cpu: {
      usage: omit({ total: mul(cs.usage_usec, 1000), kernel: mul(cs.system_usec, 1000), user: mul(cs.user_usec, 1000) }, ['total']),
      throttling: omit({ periods: cs.nr_periods ?? 0, throttledPeriods: cs.nr_throttled ?? 0, throttledTime: mul(cs.throttled_usec, 1000) }, ['periods', 'throttledPeriods', 'throttledTime']),
    },
    cpuset: cpusetStats(undefined),
    memory: omit({
      cache: raw.file ?? 0,
      usage: memoryEntry(memMax ?? 0, current, undefined, events.max),
      swap: memoryEntry(swapLimit, add(current ?? 0, swapCurrent ?? 0), undefined, 0),
      kernel: memoryEntry(0, 0, 0, 0),
      kernelTCP: memoryEntry(0, 0, 0, 0),
      raw,
    }, ['cache', 'raw']),
    pids: omit({ current: readNum(dir, 'pids.current') ?? 0, limit: (readCgroupFile(dir, 'pids.max')?.trim() === 'max' ? 0 : readNum(dir, 'pids.max')) ?? 0 }, ['current', 'limit']),
    blkio: omit({ ioServiceBytesRecursive: serviceBytes, ioServicedRecursive: serviced }, ['ioServiceBytesRecursive', 'ioServicedRecursive']),
    hugetlb,
  });
}

/** JSON text of a stats object (or an event holding one), bigints written as exact integers. */
export function stringifyStats(v: unknown): string {
  const marks: string[] = [];
  const text = JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `\u0000big${marks.push(x.toString()) - 1}\u0000` : x));
  return text.replace(/"\\u0000big(\d+)\\u0000"/g, (_m, i) => marks[Number(i)]);
}
