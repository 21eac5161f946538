// `tsrunc update`'s input, as runc's update.go reads it: either LinuxResources JSON (--resources FILE
// or - for stdin; every other flag is then ignored) or runc's individual flags, each translated to the
// LinuxResources field it sets. Only what is given is set: an absent flag leaves the value as it is.
// Values are range-checked later by the cgroup planner (all or nothing); here only their syntax.
import { TsruncError, UsageError } from '../errors';
import type { LinuxResources } from '../spec/types';

const R = 'linux.resources';

/** The flag that sets each LinuxResources field, so a planner error can name what the user typed. */
export const FLAG_OF_FIELD: Record<string, string> = {
  [`${R}.memory.limit`]: '--memory',
  [`${R}.memory.swap`]: '--memory-swap',
  [`${R}.memory.reservation`]: '--memory-reservation',
  [`${R}.memory.kernel`]: '--kernel-memory',
  [`${R}.memory.kernelTCP`]: '--kernel-memory-tcp',
  [`${R}.cpu.shares`]: '--cpu-share',
  [`${R}.cpu.quota`]: '--cpu-quota',
  [`${R}.cpu.period`]: '--cpu-period',
  [`${R}.cpu.burst`]: '--cpu-burst',
  [`${R}.cpu.realtimePeriod`]: '--cpu-rt-period',
  [`${R}.cpu.realtimeRuntime`]: '--cpu-rt-runtime',
  [`${R}.cpu.cpus`]: '--cpuset-cpus',
  [`${R}.cpu.mems`]: '--cpuset-mems',
  [`${R}.cpu.idle`]: '--cpu-idle',
  [`${R}.pids.limit`]: '--pids-limit',
  [`${R}.blockIO.weight`]: '--blkio-weight',
};

const BINARY: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/**
 * docker/go-units RAMInBytes (what runc uses for --memory*): a decimal number, an optional space and
 * an optional binary unit, case-insensitive: "100", "1.5m", "100M", "1 GiB", "512kb", "64b".
 * Fractions are truncated to whole bytes. runc itself takes "-1" (unlimited) before calling it.
 */
export function parseRamInBytes(text: string): number {
  const m = /^(\d+(?:\.\d+)?) ?(?:(b)|([kmgtp])(b|ib)?)?$/i.exec(text);
  if (!m) throw new Error(`invalid size: '${text}'`);
  const mul = m[3] ? BINARY[m[3].toLowerCase()] : 1;
  const n = Math.trunc(Number(m[1]) * mul);
  if (!Number.isSafeInteger(n)) throw new Error(`invalid size: '${text}' (too large)`);
  return n;
}

/** strconv.ParseUint / ParseInt in base 10 (runc's --cpu-* flags), within JS's exact integer range. */
function parseInteger(text: string, signed: boolean): number {
  const fn = signed ? 'strconv.ParseInt' : 'strconv.ParseUint';
  if (!(signed ? /^[+-]?\d+$/ : /^\+?\d+$/).test(text)) throw new Error(`${fn}: parsing ${JSON.stringify(text)}: invalid syntax`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`${fn}: parsing ${JSON.stringify(text)}: value out of range`);
  return n;
}

/** urfave/cli's IntFlag (strconv.ParseInt with base 0: "10", "-1", "0x10", "0o17", "0b11"). */
function parseIntFlag(name: string, text: string): number {
  const m = /^([+-]?)(0x[0-9a-f]+|0o?[0-7]+|0b[01]+|[1-9]\d*|0)$/i.exec(text);
  let n = NaN;
  if (m) {
    const body = m[2].toLowerCase();
    const v = body.startsWith('0x') || body.startsWith('0b') || body.startsWith('0o') ? Number(body)
      : body.length > 1 && body.startsWith('0') ? parseInt(body, 8) : Number(body);
    n = m[1] === '-' ? -v : v;
  }
  if (!Number.isSafeInteger(n)) throw new UsageError(`invalid value ${JSON.stringify(text)} for flag -${name}: parse error`, 'update');
  return n;
}

function flagText(flags: Record<string, unknown>, name: string): string | undefined {
  const v = flags[name];
  if (v === undefined || v === null) return undefined;
  const s = String(v);
  return s === '' ? undefined : s;
}

function invalid(name: string, e: unknown): never {
  throw new TsruncError((e as Error).message, { field: `--${name}` });
}

/** The LinuxResources that runc's individual update flags describe (update.go), only what was given. */
export function resourcesFromFlags(flags: Record<string, unknown>): LinuxResources {
  const r: LinuxResources = {};
  const memory: NonNullable<LinuxResources['memory']> = {};
  const cpu: NonNullable<LinuxResources['cpu']> = {};

  const weight = flagText(flags, 'blkio-weight');
  if (weight !== undefined) {
    const n = parseIntFlag('blkio-weight', weight);
    if (n !== 0) r.blockIO = { weight: n }; // IntFlag: 0 is "not given"
  }
  const cpus = flagText(flags, 'cpuset-cpus');
  if (cpus !== undefined) cpu.cpus = cpus;
  const mems = flagText(flags, 'cpuset-mems');
  if (mems !== undefined) cpu.mems = mems;
  const idle = flagText(flags, 'cpu-idle');
  if (idle !== undefined) {
    try { cpu.idle = parseInteger(idle, true); } catch (e) { invalid('cpu-idle', e); }
  }
  for (const [name, key] of [['cpu-burst', 'burst'], ['cpu-period', 'period'], ['cpu-rt-period', 'realtimePeriod'], ['cpu-share', 'shares']] as const) {
    const v = flagText(flags, name) ?? (name === 'cpu-share' ? flagText(flags, 'cpu-shares') : undefined);
    if (v === undefined) continue;
    try { cpu[key] = parseInteger(v, false); } catch (e) { invalid(name, e); }
  }
  for (const [name, key] of [['cpu-quota', 'quota'], ['cpu-rt-runtime', 'realtimeRuntime']] as const) {
    const v = flagText(flags, name);
    if (v === undefined) continue;
    try { cpu[key] = parseInteger(v, true); } catch (e) { invalid(name, e); }
  }
  // --kernel-memory{,-tcp}: runc 1.1 still sets them; the planner skips them where the kernel no
  // longer honours them (Linux 5.16+ answers EOPNOTSUPP).
  for (const [name, key] of [['memory', 'limit'], ['memory-swap', 'swap'], ['memory-reservation', 'reservation'],
    ['kernel-memory', 'kernel'], ['kernel-memory-tcp', 'kernelTCP']] as const) {
    const v = flagText(flags, name);
    if (v === undefined) continue;
    try { memory[key] = v === '-1' ? -1 : parseRamInBytes(v); } catch (e) { invalid(name, e); }
  }
  const pids = flagText(flags, 'pids-limit');
  if (pids !== undefined) {
    const n = parseIntFlag('pids-limit', pids);
    if (n !== 0) r.pids = { limit: n }; // IntFlag: 0 is "not given"; -1 (any negative) is unlimited
  }
  if (Object.keys(memory).length) r.memory = memory;
  if (Object.keys(cpu).length) r.cpu = cpu;
  return r;
}

/** Parse --resources JSON (runc decodes it into specs.LinuxResources: unknown keys are ignored). */
export function parseResourcesJson(text: string, source: string): LinuxResources {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new TsruncError(`cannot parse ${source} as JSON: ${(e as Error).message}`, { field: '--resources' });
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new TsruncError(`${source} must hold a JSON object (LinuxResources)`, { field: '--resources' });
  const r = v as Record<string, unknown>;
  for (const k of ['memory', 'cpu', 'pids', 'blockIO', 'network', 'rdma', 'unified']) {
    if (r[k] !== undefined && r[k] !== null && (typeof r[k] !== 'object' || Array.isArray(r[k]))) {
      throw new TsruncError(`must be an object, got ${JSON.stringify(r[k])}`, { field: `${R}.${k}` });
    }
    if (r[k] === null) delete r[k];
  }
  return r as LinuxResources;
}
