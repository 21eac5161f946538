// The pure half of the systemd cgroup driver (./systemd.ts): cgroupsPath "slice:prefix:name" -> unit
// and cgroup directory, and linux.resources -> the unit properties systemd understands. runc:
// libcontainer/specconv CreateCgroupConfig (the path), cgroups/systemd/common.go ExpandSlice,
// getUnitName, v2.go genV2ResourcesProperties, cpuset.go RangeToBits, devices.go.
import { TsruncError } from '../errors';
import { readText } from '../fileio';
import type { Value } from './dbus';
import type { DeviceRule } from './devices';
import type { Resources } from './resources';
import { blkioToIoWeight, sharesToWeight, swapToV2 } from './v2Resources';
import { parseList, R } from './validate';

const FIELD = 'linux.cgroupsPath';
/** systemd's "infinity" for a uint64 property. */
export const INFINITY = 18446744073709551615n;

export interface SystemdPath {
  /** The parent slice unit ("system.slice"). */
  slice: string;
  /** The container's unit: "<prefix>-<name>.scope" ("<name>.scope" without a prefix). */
  unit: string;
  /** The unit's cgroup, relative to the cgroup2 mount: "/system.slice/<unit>". */
  cgroup: string;
}

/** runc ExpandSlice: "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice"; "-.slice" is the root. */
export function expandSlice(slice: string): string {
  if (!slice.endsWith('.slice') || slice.includes('/')) throw new TsruncError(`invalid slice name "${slice}": must end in ".slice" and contain no "/"`, { field: FIELD });
  const base = slice.slice(0, -'.slice'.length);
  if (base === '-') return '/';
  if (base === '' || base.startsWith('-') || base.endsWith('-') || base.includes('--')) {
    throw new TsruncError(`invalid slice name "${slice}": empty component between "-"`, { field: FIELD });
  }
  let out = '';
  let prefix = '';
  for (const part of base.split('-')) {
    prefix = prefix ? `${prefix}-${part}` : part;
    out += `/${prefix}.slice`;
  }
  return out;
}

/** Characters systemd accepts in a unit name (unit_name_is_valid: [A-Za-z0-9:_.\\-@]). */
const UNIT_CHARS = /^[A-Za-z0-9:_.\\@-]+$/;

/**
 * --systemd-cgroup's cgroupsPath (config-linux.md "Cgroups Path": "slice:prefix:name"), as runc reads
 * it: empty -> system.slice and "tsrunc-<id>.scope" (runc uses the prefix "runc"); an empty slice ->
 * system.slice. The container's unit is always a scope.
 */
export function parseSystemdPath(cgroupsPath: string | undefined, id: string): SystemdPath {
  let slice = '', prefix = 'tsrunc', name = id;
  if (cgroupsPath) {
    const parts = cgroupsPath.split(':');
    if (parts.length !== 3) throw new TsruncError(`expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "${cgroupsPath}" instead`, { field: FIELD });
    [slice, prefix, name] = parts;
    if (!name) throw new TsruncError(`"${cgroupsPath}": the name (after the second ":") is empty`, { field: FIELD });
  }
  slice ||= 'system.slice';
  if (name.endsWith('.slice')) {
    // runc's getUnitName would make the container's unit that slice, but systemd delegates no slice
    // ("Delegation not available for unit type", systemd 252 in the test VM; runc fails there too)
    // and takes no PIDs for one: refused here, before anything exists.
    throw new TsruncError(`"${name}": a container's unit must be a scope, and systemd cannot give a slice to a container (name it without ".slice")`, { field: FIELD });
  }
  const unit = `${prefix ? prefix + '-' : ''}${name}.scope`;
  if (!UNIT_CHARS.test(unit) || unit.length > 255) throw new TsruncError(`"${unit}" is not a valid systemd unit name`, { field: FIELD });
  const parent = expandSlice(slice);
  return { slice, unit, cgroup: `${parent === '/' ? '' : parent}/${unit}` };
}

/** One unit property: name, D-Bus signature, value (./dbus.ts's representation). */
export type Property = [name: string, signature: string, value: Value];

const u64 = (n: number): bigint => (n === -1 ? INFINITY : BigInt(n));

/** runc RangeToBits: "0-2,7" -> the little-endian byte mask systemd's AllowedCPUs takes. */
export function rangeToBytes(text: string, field: string): number[] {
  return setToBytes(parseList(text, field));
}

function setToBytes(set: Set<number>): number[] {
  const bytes: number[] = [];
  for (const n of set) {
    while (bytes.length <= n >> 3) bytes.push(0);
    bytes[n >> 3] |= 1 << (n & 7);
  }
  return bytes;
}

/** runc addCpuQuota: quota per second of wall time, rounded up to whole 10 ms (systemd rounds down,
 * and a limit must never become stricter than asked); no quota (0, -1) is infinity. */
function quotaPerSecond(quota: number, period: number): bigint {
  if (quota <= 0) return INFINITY;
  let q = Math.floor((quota * 1000000) / period);
  if (q % 10000 !== 0) q = (Math.floor(q / 10000) + 1) * 10000;
  return BigInt(q);
}

/**
 * linux.resources, validated (v2Resources.ts validateV2), -> the properties runc's systemd v2 driver
 * sets (genV2ResourcesProperties) plus IOWeight and the device policy; the cgroup files are then
 * written as well (./systemd.ts), so what systemd has no property for still applies, and what it has
 * cannot be reverted by a daemon-reload.
 */
export function unitProperties(v: Resources, rules?: DeviceRule[]): Property[] {
  const out: Property[] = [];
  const m = v.memory;
  if (m) {
    if (m.limit) out.push(['MemoryMax', 't', u64(m.limit)]);
    if (m.reservation) out.push(['MemoryLow', 't', u64(m.reservation)]);
    const swap = swapToV2(m.swap, m.limit, `${R}.memory.swap`);
    if (swap !== 0 || (m.swap > 0 && m.swap === m.limit)) out.push(['MemorySwapMax', 't', u64(swap)]);
  }
  const c = v.cpu;
  if (c) {
    if (c.shares) out.push(['CPUWeight', 't', BigInt(sharesToWeight(c.shares))]);
    // runc 1.2: cpu.idle 1 is CPUWeight=0 for systemd (252+, forVersion), which then wins over shares.
    if (c.idle === 1) out.push(['CPUWeight', 't', 0n]);
    const { period, quota } = c; // the period goes with the quota (runc addCpuQuota)
    if (period) out.push(['CPUQuotaPeriodUSec', 't', BigInt(period)]);
    if (quota > 0 || period) out.push(['CPUQuotaPerSecUSec', 't', quotaPerSecond(quota, period || 100000)]);
    if (c.cpus) out.push(['AllowedCPUs', 'ay', setToBytes(c.cpus.set)]);
    if (c.mems) out.push(['AllowedMemoryNodes', 'ay', setToBytes(c.mems.set)]);
  }
  if (v.pids !== undefined && (v.pids > 0 || v.pids === -1)) out.push(['TasksMax', 't', u64(v.pids)]);
  if (v.blockIO?.weight) out.push(['IOWeight', 't', BigInt(blkioToIoWeight(v.blockIO.weight))]);
  if (rules) out.push(...deviceProperties(rules));
  out.push(...unifiedProperties(v.unified));
  return out;
}

const UNIFIED_MEMORY: Record<string, string> = {
  'memory.high': 'MemoryHigh', 'memory.low': 'MemoryLow', 'memory.min': 'MemoryMin', 'memory.max': 'MemoryMax', 'memory.swap.max': 'MemorySwapMax',
};

/**
 * linux.resources.unified -> the properties systemd has for those files (runc unifiedResToSystemdProps),
 * after the others so they win, as runc appends them; without them a daemon-reload would put systemd's
 * values back into the files. The rest is only written to the files.
 */
export function unifiedProperties(unified: Resources['unified']): Property[] {
  const out: Property[] = [];
  const count = (text: string, field: string): bigint => {
    if (text === 'max') return INFINITY;
    if (!/^[0-9]+$/.test(text) || BigInt(text) > INFINITY) throw new TsruncError(`"${text}" is not a number or "max"`, { field });
    return BigInt(text);
  };
  let idle = false;
  for (const u of unified) {
    const v = u.lines.join('\n').trim();
    switch (u.file) {
      case 'cpu.idle':
        idle = v === '1';
        break;
      case 'cpu.weight':
        if (!/^[0-9]+$/.test(v)) throw new TsruncError(`"${v}" is not a number`, { field: u.field });
        out.push(['CPUWeight', 't', BigInt(v)]);
        break;
      case 'cpu.max': {
        const f = v.split(/\s+/);
        if (f.length > 2 || (f[0] !== 'max' && !/^[0-9]+$/.test(f[0])) || (f.length === 2 && !/^[0-9]+$/.test(f[1]))) {
          throw new TsruncError(`"${v}" is not "quota [period]"`, { field: u.field });
        }
        // runc addCpuQuota with quota 0 for "max": unlimited per second; the period always given.
        const quota = f[0] === 'max' ? 0 : Number(f[0]);
        const period = f.length === 2 ? Number(f[1]) : 100000;
        out.push(['CPUQuotaPeriodUSec', 't', BigInt(period)], ['CPUQuotaPerSecUSec', 't', quotaPerSecond(quota, period)]);
        break;
      }
      case 'cpuset.cpus': case 'cpuset.mems':
        out.push([u.file === 'cpuset.cpus' ? 'AllowedCPUs' : 'AllowedMemoryNodes', 'ay', rangeToBytes(v, u.field)]);
        break;
      case 'pids.max':
        out.push(['TasksMax', 't', count(v, u.field)]);
        break;
      default:
        if (u.file in UNIFIED_MEMORY) out.push([UNIFIED_MEMORY[u.file], 't', count(v, u.field)]);
    }
  }
  // Last, so that it wins over cpu.weight where systemd knows it (252+; forVersion drops it before).
  if (idle) out.push(['CPUWeight', 't', 0n]);
  return out;
}

/** runc systemdVersionAtoi: the leading number of the Manager's Version ("252.22-1~deb12u1",
 * "v245.4-1.fc32", "245"); undefined when there is none. */
export function systemdVersionNumber(version: string): number | undefined {
  const m = /^"?v?(\d+)/.exec(version);
  return m ? Number(m[1]) : undefined;
}

/** The first systemd version that knows each property this driver may set, where that is later than
 * the oldest systemd with cgroup v2 delegation (runc addCpuQuota, addCpuset). */
const SINCE: Record<string, number> = { CPUQuotaPeriodUSec: 242, AllowedCPUs: 244, AllowedMemoryNodes: 244 };

/** Whether props has a property only newer systemds know (the caller then asks the version). */
export function needsVersion(props: Property[]): boolean {
  return props.some((p) => sinceOf(p) > 0);
}

/** CPUWeight=0 (cpu.idle) is known since 252 (runc shouldSetCPUIdle); other values always were. */
function sinceOf([name, , value]: Property): number {
  if (name === 'CPUWeight') return value === 0n ? 252 : 0;
  return SINCE[name] ?? 0;
}

/** props without what systemd `version` does not know: StartTransientUnit would refuse the whole
 * unit for it. The values still reach the cgroup files (./systemd.ts writes them too), as with runc,
 * only a daemon-reload then resets them. An unknown version keeps everything. */
export function forVersion(props: Property[], version: number | undefined): { props: Property[]; dropped: string[] } {
  if (version === undefined) return { props, dropped: [] };
  const keep = props.filter((p) => version >= sinceOf(p));
  return { props: keep, dropped: props.filter((p) => !keep.includes(p)).map((p) => (p[0] === 'CPUWeight' ? 'CPUWeight=0 (cpu.idle)' : p[0])) };
}

/**
 * Device rules -> DevicePolicy/DeviceAllow. systemd has only allow lists, so it gets an allow list
 * at least as wide as the rules (every allow rule; "auto" when the list ends up allowing all), and
 * the exact rules, denies included, are enforced by our own eBPF filter attached beside systemd's
 * (runc likewise keeps both, cgroups/systemd/devices.go and fs2 setDevices).
 */
export function deviceProperties(rules: DeviceRule[], procDevices = readProcDevices()): Property[] {
  let allowAll = false;
  const allow: [string, string][] = [];
  for (const r of rules) {
    if (r.type === 'a') { allowAll = r.allow; if (!r.allow) allow.length = 0; continue; }
    if (!r.allow) continue;
    const kind = r.type === 'c' ? 'char' : 'block';
    let node: string | undefined;
    if (r.major === '*') node = `${kind}-*`;
    else if (r.minor === '*') {
      const name = procDevices[kind].get(r.major);
      node = name ? `${kind}-${name}` : undefined; // a major no driver has: nothing can match it
    } else node = `/dev/${kind}/${r.major}:${r.minor}`;
    if (node) allow.push([node, r.access]);
  }
  if (allowAll) return [['DevicePolicy', 's', 'auto'], ['DeviceAllow', 'a(ss)', []]];
  return [['DevicePolicy', 's', 'strict'], ['DeviceAllow', 'a(ss)', allow]];
}

function readProcDevices(): { char: Map<number, string>; block: Map<number, string> } {
  const out = { char: new Map<number, string>(), block: new Map<number, string>() };
  let cur: Map<number, string> | undefined;
  let text = '';
  try { text = readText('/proc/devices'); } catch { /* no names: wildcard minors are skipped */ }
  for (const line of text.split('\n')) {
    if (line.startsWith('Character')) cur = out.char;
    else if (line.startsWith('Block')) cur = out.block;
    else {
      const m = /^\s*(\d+)\s+(\S+)$/.exec(line);
      if (m && cur) cur.set(Number(m[1]), m[2]);
    }
  }
  return out;
}
