// Checks (and the few formats) shared by the v1 and v2 planners: types and ranges from
// config-linux.md and the kernel's own limits, so that a bad value is reported with its config path
// before anything is written.
import { TsruncError } from '../errors';

export const R = 'linux.resources';

export function bad(field: string, message: string): never {
  throw new TsruncError(message, { field });
}

/** An integer within [min, max] (JSON numbers; config-linux.md's int64/uint64/uint16 types). */
export function integer(v: unknown, field: string, min: number, max = Infinity): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) bad(field, `must be an integer, got ${JSON.stringify(v)}`);
  if (v < min || v > max) {
    // An open end is not printed as a number (-9007199254740991 says nothing to a user).
    bad(field, max === Infinity ? `must be >= ${min}, got ${v}` : min === -Infinity ? `must be <= ${max}, got ${v}` : `must be between ${min} and ${max}, got ${v}`);
  }
  return v;
}

/** A memory-style value: -1 (unlimited), 0 (unset) or a positive byte count. */
export function limit(v: unknown, field: string): number {
  return integer(v, field, -1);
}

/** Decimal text of an integer without float formatting ("1e+21"). */
export function dec(n: number): string {
  return BigInt(n).toString();
}

export const UINT32 = 0xffffffff;

/** Kernel limits (kernel/sched/core.c): shares 2..262144, CFS period and quota at least 1ms, period at
 * most 1s; pids.max at most PID_MAX_LIMIT (kernel/cgroup/pids.c: PIDS_MAX is PID_MAX_LIMIT + 1). */
export const MIN_SHARES = 2, MAX_SHARES = 262144;
export const MIN_CFS_US = 1000, MAX_CFS_PERIOD_US = 1000000;
export const PIDS_MAX = 4194304;

/** A kernel bitmap list (cpuset.cpus, cpuset.mems): "0-3,7", ranges with an optional ":used/group"
 * stride (Documentation/admin-guide/cgroup-v1/cpusets.rst, lib/bitmap.c bitmap_parselist).
 * Returns the set of numbers, or throws naming the field. */
export function parseList(text: unknown, field: string): Set<number> {
  if (typeof text !== 'string') bad(field, `must be a string like "0-3,7", got ${JSON.stringify(text)}`);
  const out = new Set<number>();
  for (const raw of text.trim().split(',')) {
    const item = raw.trim();
    const m = /^(\d+)(?:-(\d+)(?::(\d+)\/(\d+))?)?$/.exec(item);
    if (!m) bad(field, `cannot parse "${text}": "${item}" is not N or N-M (example: "0-1,3")`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) bad(field, `cannot parse "${text}": range ${item} is reversed`);
    if (b - a > 1 << 16) bad(field, `cannot parse "${text}": range ${item} is too large`);
    const used = m[3] === undefined ? 1 : Number(m[3]);
    const group = m[4] === undefined ? 1 : Number(m[4]);
    if (used < 1 || group < 1 || used > group) bad(field, `cannot parse "${text}": bad stride in ${item}`);
    for (let i = a; i <= b; i++) if ((i - a) % group < used) out.add(i);
  }
  return out;
}

export function formatList(s: Set<number>): string {
  const n = [...s].sort((x, y) => x - y);
  const parts: string[] = [];
  for (let i = 0; i < n.length;) {
    let j = i;
    while (j + 1 < n.length && n[j + 1] === n[j] + 1) j++;
    parts.push(i === j ? `${n[i]}` : `${n[i]}-${n[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** cpus/mems must be a subset of what the parent cgroup has (the kernel answers EINVAL otherwise). */
export function checkSubset(want: Set<number>, parentText: string | undefined, field: string, what: string): void {
  if (parentText === undefined || parentText.trim() === '') return;
  const have = parseList(parentText.trim(), field);
  const missing = [...want].filter((c) => !have.has(c));
  if (missing.length) bad(field, `${what} ${formatList(new Set(missing))} not available: the parent cgroup has only ${parentText.trim()}`);
}

/** "2MB", "1GB", "64KB" (config-linux.md "Huge page limits"). */
export function pageSize(v: unknown, field: string): string {
  if (typeof v !== 'string' || !/^[1-9]\d*[KMGTP]B$/.test(v)) bad(field, `must be a size like "2MB" or "1GB", got ${JSON.stringify(v)}`);
  return v;
}

/** A device name or interface name written as one word into a cgroup file. */
export function word(v: unknown, field: string): string {
  if (typeof v !== 'string' || v === '' || /\s/.test(v)) bad(field, `must be a non-empty name without spaces, got ${JSON.stringify(v)}`);
  return v;
}

export function blkioWeight(v: unknown, field: string): number {
  // config-linux.md: uint16; the kernel's blkio (CFQ/BFQ) range is 10..1000 (cgroup-v1/blkio-controller.rst).
  return integer(v, field, 10, 1000);
}

export interface DeviceNumbers { major: number; minor: number }

export function deviceNumbers(d: { major?: unknown; minor?: unknown }, field: string): DeviceNumbers {
  return { major: integer(d.major, `${field}.major`, 0, UINT32), minor: integer(d.minor, `${field}.minor`, 0, UINT32) };
}
