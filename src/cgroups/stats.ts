// `runc events --stats` data (runc types/events.go Stats) for cpu, memory, pids and blkio, from the
// files that are cheap to read. Missing files leave their part at zero, as runc does.
import { readCgroupFile, readKeyValues, readNumber } from './fsio';
import type { CgroupStats } from './manager';

interface MemoryEntry { limit: number; usage?: number; max?: number; failcnt: number }
interface BlkioEntry { major: number; minor: number; op: string; value: number }

/** v1 reports "unlimited" as the largest page-aligned long; runc shows it as is. */
function entry(dir: string | undefined, prefix: string): MemoryEntry {
  if (!dir) return { limit: 0, failcnt: 0 };
  const n = (f: string) => readNumber(dir, `${prefix}.${f}`) ?? 0;
  return { limit: n('limit_in_bytes'), usage: n('usage_in_bytes'), max: n('max_usage_in_bytes'), failcnt: n('failcnt') };
}

/** blkio.throttle.io_service_bytes_recursive: "8:0 Read 4096" lines (the "Total" line excluded). */
function blkioEntries(text: string | undefined): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const m = /^(\d+):(\d+) (\w+) (\d+)$/.exec(line.trim());
    if (m) out.push({ major: Number(m[1]), minor: Number(m[2]), op: m[3], value: Number(m[4]) });
  }
  return out;
}

/** USER_HZ ticks (cpuacct.stat) to nanoseconds: USER_HZ is 100 on every Linux ABI (runc does the same). */
const TICK_NS = 1e9 / 100;

export function statsV1(dirOf: (controller: string) => string | undefined): CgroupStats {
  const cpuacct = dirOf('cpuacct');
  const cpu = dirOf('cpu');
  const usage: Record<string, unknown> = { total: 0, kernel: 0, user: 0 };
  if (cpuacct) {
    usage.total = readNumber(cpuacct, 'cpuacct.usage') ?? 0;
    const percpu = readCgroupFile(cpuacct, 'cpuacct.usage_percpu')?.trim();
    if (percpu) usage.percpu = percpu.split(/\s+/).map(Number);
    const st = readKeyValues(cpuacct, 'cpuacct.stat') ?? {};
    usage.user = (st.user ?? 0) * TICK_NS;
    usage.kernel = (st.system ?? 0) * TICK_NS;
  }
  const cs = (cpu && readKeyValues(cpu, 'cpu.stat')) || {};
  const mem = dirOf('memory');
  const raw = (mem && readKeyValues(mem, 'memory.stat')) || {};
  const pids = dirOf('pids');
  const pidsMax = pids ? readNumber(pids, 'pids.max') : undefined; // "max" -> 0, as runc
  const blkio = dirOf('blkio');
  return {
    cpu: {
      usage,
      throttling: { periods: cs.nr_periods ?? 0, throttled_periods: cs.nr_throttled ?? 0, throttled_time: cs.throttled_time ?? 0 },
    },
    memory: {
      cache: raw.cache ?? 0,
      usage: entry(mem, 'memory'),
      swap: entry(mem, 'memory.memsw'),
      kernel: entry(mem, 'memory.kmem'),
      kernelTCP: entry(mem, 'memory.kmem.tcp'),
      raw,
    },
    pids: { current: pids ? readNumber(pids, 'pids.current') ?? 0 : 0, limit: pidsMax ?? 0 },
    blkio: blkio ? {
      ioServiceBytesRecursive: blkioEntries(readCgroupFile(blkio, 'blkio.throttle.io_service_bytes_recursive')),
      ioServicedRecursive: blkioEntries(readCgroupFile(blkio, 'blkio.throttle.io_serviced_recursive')),
    } : {},
  };
}

export function statsV2(dir: string): CgroupStats {
  const cs = readKeyValues(dir, 'cpu.stat') ?? {};
  const raw = readKeyValues(dir, 'memory.stat') ?? {};
  const events = readKeyValues(dir, 'memory.events') ?? {};
  const current = readNumber(dir, 'memory.current') ?? 0;
  const swapCurrent = readNumber(dir, 'memory.swap.current') ?? 0;
  // runc statMemory: v2 has no failcnt; it reports memory.events "max" (times the limit was hit).
  const memMax = readNumber(dir, 'memory.max') ?? 0;
  const swapMax = readNumber(dir, 'memory.swap.max') ?? 0;
  const serviceBytes: BlkioEntry[] = [];
  const serviced: BlkioEntry[] = [];
  for (const line of (readCgroupFile(dir, 'io.stat') ?? '').split('\n')) {
    const m = /^(\d+):(\d+) (.*)$/.exec(line.trim());
    if (!m) continue;
    const kv = Object.fromEntries(m[3].split(' ').map((p) => p.split('=')).map(([k, v]) => [k, Number(v)]));
    const dev = { major: Number(m[1]), minor: Number(m[2]) };
    serviceBytes.push({ ...dev, op: 'Read', value: kv.rbytes ?? 0 }, { ...dev, op: 'Write', value: kv.wbytes ?? 0 });
    serviced.push({ ...dev, op: 'Read', value: kv.rios ?? 0 }, { ...dev, op: 'Write', value: kv.wios ?? 0 });
  }
  return {
    cpu: {
      usage: { total: (cs.usage_usec ?? 0) * 1000, kernel: (cs.system_usec ?? 0) * 1000, user: (cs.user_usec ?? 0) * 1000 },
      throttling: { periods: cs.nr_periods ?? 0, throttled_periods: cs.nr_throttled ?? 0, throttled_time: (cs.throttled_usec ?? 0) * 1000 },
    },
    memory: {
      cache: raw.file ?? 0,
      // runc reports memory+swap as "swap" for compatibility with v1.
      usage: { limit: memMax, usage: current, failcnt: events.max ?? 0 },
      swap: { limit: swapMax && memMax ? swapMax + memMax : 0, usage: current + swapCurrent, failcnt: 0 },
      raw,
    },
    pids: { current: readNumber(dir, 'pids.current') ?? 0, limit: readNumber(dir, 'pids.max') ?? 0 },
    blkio: { ioServiceBytesRecursive: serviceBytes, ioServicedRecursive: serviced },
  };
}
