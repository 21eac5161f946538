// linux.resources validated once, for every cgroup driver: types and ranges from config-linux.md and
// the kernel's own limits, each error naming its config path (linux.resources.<controller>.<field>),
// and the values normalised (absent = 0 where the spec's 0 means "unset", lists parsed, names checked)
// into one value that the v1 and v2 planners (v1Resources.ts, v2Resources.ts) translate per controller.
// Nothing here reads the host: what the host offers (controllers, knobs, parent cpusets, current
// limits) is each planner's business, after every value has passed.
import type { LinuxResources } from '../spec/types';
import { type DeviceRule, userDeviceRules } from './devices';
import { bad, blkioWeight, dec, deviceNumbers, type DeviceNumbers, integer, limit, MAX_CFS_PERIOD_US, MAX_SHARES, MIN_CFS_US, MIN_SHARES, pageSize, parseList, PIDS_MAX, R, UINT32, word } from './validate';

export interface MemoryValues {
  /** -1 unlimited, 0 unset, else bytes (as all four below). */
  limit: number;
  /** memory+swap, as the spec (and v1) has it. */
  swap: number;
  reservation: number;
  kernel: number;
  kernelTCP: number;
  /** undefined: unset (absent or -1). */
  swappiness?: number;
  disableOOMKiller: boolean;
  useHierarchy?: boolean;
  checkBeforeUpdate: boolean;
}

/** cpuset.cpus / cpuset.mems as given (trimmed) and as the set it names. */
export interface CpuList { text: string; set: Set<number>; field: string }

export interface CpuValues {
  /** 0: unset (as period, realtimeRuntime, realtimePeriod). */
  shares: number;
  /** -1 unlimited, 0 unset, else microseconds. */
  quota: number;
  period: number;
  burst?: number;
  realtimeRuntime: number;
  realtimePeriod: number;
  idle?: number;
  cpus?: CpuList;
  mems?: CpuList;
}

export interface WeightDevice extends DeviceNumbers { weight: number; leafWeight: number; field: string }

export const THROTTLES = ['throttleReadBpsDevice', 'throttleWriteBpsDevice', 'throttleReadIOPSDevice', 'throttleWriteIOPSDevice'] as const;
export interface Throttle extends DeviceNumbers { kind: (typeof THROTTLES)[number]; rate: number; field: string }

export interface BlockIOValues {
  /** 0: unset. */
  weight: number;
  leafWeight: number;
  weightDevice: WeightDevice[];
  /** Every throttle entry, in THROTTLES order then list order (runc's write order on v1 and v2). */
  throttle: Throttle[];
}

export interface Resources {
  memory?: MemoryValues;
  cpu?: CpuValues;
  /** pids.limit: any negative is unlimited, 0 is a limit of 0. */
  pids?: number;
  blockIO?: BlockIOValues;
  hugepageLimits: { pageSize: string; limit: number; field: string }[];
  network: { classID: number; priorities: { name: string; priority: number; field: string }[] };
  /** rdma.max lines, the same in v1 and v2 (runc fscommon.RdmaSet): "<device> hca_handle=N hca_object=M". */
  rdma: { line: string; field: string }[];
  /** linux.resources.unified, sorted by file name; each value split into the lines written one by one. */
  unified: { file: string; controller: string; lines: string[]; field: string }[];
  /** The config's device rules (devices.ts adds runc's built-in ones); undefined: devices are skipped. */
  devices?: DeviceRule[];
}

/** A number whose 0 (or absence) means "unset" in the spec, validated only when set. */
function optional(v: number | undefined, check: (v: number) => number): number {
  return v === undefined || v === 0 ? 0 : check(v);
}

/** Validate every value of linux.resources, before anything is read or written. `skipDevices`: the
 * device rules stay as they are (update), so they are not looked at. */
export function validateResources(r: LinuxResources | undefined, opts: { skipDevices?: boolean } = {}): Resources {
  // One order for every driver (which error a config with several bad values gets first).
  return {
    devices: opts.skipDevices ? undefined : userDeviceRules(r),
    memory: memory(r?.memory),
    cpu: cpu(r?.cpu),
    pids: r?.pids?.limit === undefined ? undefined : integer(r.pids.limit, `${R}.pids.limit`, -Infinity, PIDS_MAX),
    blockIO: blockIO(r?.blockIO),
    hugepageLimits: (r?.hugepageLimits ?? []).map((h, i) => {
      const field = `${R}.hugepageLimits[${i}]`;
      return { pageSize: pageSize(h.pageSize, `${field}.pageSize`), limit: integer(h.limit, `${field}.limit`, 0), field };
    }),
    network: {
      classID: optional(r?.network?.classID, (v) => integer(v, `${R}.network.classID`, 0, UINT32)),
      priorities: (r?.network?.priorities ?? []).map((x, i) => {
        const field = `${R}.network.priorities[${i}]`;
        return { name: word(x.name, `${field}.name`), priority: integer(x.priority, `${field}.priority`, 0, UINT32), field };
      }),
    },
    rdma: rdma(r),
    unified: unified(r?.unified),
  };
}

function memory(m: LinuxResources['memory']): MemoryValues | undefined {
  if (!m) return undefined;
  const f = `${R}.memory`;
  const bytes = (v: number | undefined, name: string) => (v === undefined ? 0 : limit(v, `${f}.${name}`));
  const flag = (v: boolean | undefined, name: string) => {
    if (v !== undefined && typeof v !== 'boolean') bad(`${f}.${name}`, 'must be true or false');
    return v;
  };
  return {
    limit: bytes(m.limit, 'limit'),
    swap: bytes(m.swap, 'swap'),
    reservation: bytes(m.reservation, 'reservation'),
    kernel: bytes(m.kernel, 'kernel'),
    kernelTCP: bytes(m.kernelTCP, 'kernelTCP'),
    swappiness: m.swappiness === undefined || m.swappiness === -1 ? undefined : integer(m.swappiness, `${f}.swappiness`, 0, 100),
    disableOOMKiller: !!flag(m.disableOOMKiller, 'disableOOMKiller'),
    useHierarchy: flag(m.useHierarchy, 'useHierarchy'),
    checkBeforeUpdate: !!m.checkBeforeUpdate,
  };
}

function cpu(c: LinuxResources['cpu']): CpuValues | undefined {
  if (!c) return undefined;
  const f = `${R}.cpu`;
  const out: CpuValues = {
    shares: optional(c.shares, (v) => integer(v, `${f}.shares`, MIN_SHARES, MAX_SHARES)),
    quota: c.quota === -1 ? -1 : optional(c.quota, (v) => integer(v, `${f}.quota`, MIN_CFS_US)),
    period: optional(c.period, (v) => integer(v, `${f}.period`, MIN_CFS_US, MAX_CFS_PERIOD_US)),
    burst: c.burst === undefined ? undefined : integer(c.burst, `${f}.burst`, 0),
    realtimeRuntime: 0,
    realtimePeriod: 0,
  };
  if (out.burst !== undefined && out.quota > 0 && out.burst > out.quota) bad(`${f}.burst`, `must not be larger than quota (${out.quota})`);
  out.realtimeRuntime = c.realtimeRuntime === undefined ? 0 : integer(c.realtimeRuntime, `${f}.realtimeRuntime`, -1);
  out.realtimePeriod = c.realtimePeriod === undefined ? 0 : integer(c.realtimePeriod, `${f}.realtimePeriod`, 0);
  if (out.realtimeRuntime > 0 && out.realtimePeriod > 0 && out.realtimeRuntime > out.realtimePeriod) {
    bad(`${f}.realtimeRuntime`, `must not exceed realtimePeriod (${out.realtimePeriod})`);
  }
  if (c.idle !== undefined) out.idle = integer(c.idle, `${f}.idle`, 0, 1);
  for (const key of ['cpus', 'mems'] as const) {
    const text = c[key];
    if (text === undefined || text === '') continue;
    const field = `${f}.${key}`;
    out[key] = { set: parseList(text, field), text: text.trim(), field };
  }
  return out;
}

function blockIO(b: LinuxResources['blockIO']): BlockIOValues | undefined {
  if (!b) return undefined;
  const f = `${R}.blockIO`;
  const weight = (v: number | undefined, field: string) => optional(v, (x) => blkioWeight(x, field));
  return {
    weight: weight(b.weight, `${f}.weight`),
    leafWeight: weight(b.leafWeight, `${f}.leafWeight`),
    weightDevice: (b.weightDevice ?? []).map((d, i) => {
      const field = `${f}.weightDevice[${i}]`;
      const n = deviceNumbers(d, field);
      const w = weight(d.weight, `${field}.weight`);
      const lw = weight(d.leafWeight, `${field}.leafWeight`);
      if (!w && !lw) bad(field, 'needs weight or leafWeight');
      return { ...n, weight: w, leafWeight: lw, field };
    }),
    throttle: THROTTLES.flatMap((kind) => (b[kind] ?? []).map((d, i) => {
      const field = `${f}.${kind}[${i}]`;
      const n = deviceNumbers(d, field);
      return { ...n, kind, rate: integer(d.rate, `${field}.rate`, 0), field };
    })),
  };
}

function rdma(r: LinuxResources | undefined): Resources['rdma'] {
  return Object.entries(r?.rdma ?? {}).map(([dev, l]) => {
    const field = `${R}.rdma.${dev}`;
    word(dev, field);
    if (typeof l !== 'object' || l === null || (l.hcaHandles === undefined && l.hcaObjects === undefined)) bad(field, 'needs hcaHandles or hcaObjects');
    let line = dev;
    if (l.hcaHandles !== undefined) line += ` hca_handle=${dec(integer(l.hcaHandles, `${field}.hcaHandles`, 0, UINT32))}`;
    if (l.hcaObjects !== undefined) line += ` hca_object=${dec(integer(l.hcaObjects, `${field}.hcaObjects`, 0, UINT32))}`;
    return { line, field };
  });
}

/** config-linux.md "Unified": file names in the container's cgroup, string values; each line of a value
 * is its own write (runc WriteFileByLine: io.max with several devices). */
function unified(u: LinuxResources['unified']): Resources['unified'] {
  return Object.keys(u ?? {}).sort().map((file) => {
    const field = `${R}.unified.${file}`;
    const value = u![file];
    if (file.includes('/') || file === '.' || file === '..' || file.includes('\0')) bad(field, 'must be a file name in the container\'s cgroup (no "/" or "..")');
    if (typeof value !== 'string') bad(field, 'must be a string');
    const dot = file.indexOf('.');
    if (dot <= 0) bad(field, 'must be in the form CONTROLLER.PARAMETER');
    const lines = value.split('\n').filter((l) => l !== '');
    return { file, controller: file.slice(0, dot), lines: lines.length ? lines : [''], field };
  });
}
