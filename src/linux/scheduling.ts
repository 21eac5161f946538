// process.scheduler (sched_setattr(2)), process.ioPriority (ioprio_set(2)), process.execCPUAffinity
// (sched_setaffinity(2)) and linux.personality (personality(2)), each one op or none.
import { TsruncError } from '../errors';
import type { Spec } from '../spec/types';
import type { Plan } from './plan';

const POLICIES: Record<string, number> = {
  SCHED_OTHER: 0, SCHED_FIFO: 1, SCHED_RR: 2, SCHED_BATCH: 3, SCHED_ISO: 4, SCHED_IDLE: 5, SCHED_DEADLINE: 6,
};
const SCHED_FLAGS: Record<string, number> = {
  SCHED_FLAG_RESET_ON_FORK: 0x01, SCHED_FLAG_RECLAIM: 0x02, SCHED_FLAG_DL_OVERRUN: 0x04, SCHED_FLAG_KEEP_POLICY: 0x08,
  SCHED_FLAG_KEEP_PARAMS: 0x10, SCHED_FLAG_UTIL_CLAMP_MIN: 0x20, SCHED_FLAG_UTIL_CLAMP_MAX: 0x40,
};

export function compileScheduler(spec: Spec, plan: Plan): void {
  const s = spec.process?.scheduler as { policy: string; nice?: number; priority?: number; flags?: string[]; runtime?: number; deadline?: number;
    period?: number; } | undefined;
  if (!s) return;
  const field = 'process.scheduler';
  const policy = POLICIES[s.policy];
  if (policy === undefined) throw new TsruncError(`unknown scheduling policy "${s.policy}"`, { field: `${field}.policy` });
  const nice = s.nice ?? 0;
  if (!Number.isInteger(nice) || nice < -20 || nice > 19) throw new TsruncError('nice must be between -20 and 19', { field: `${field}.nice` });
  if ((policy === 1 || policy === 2) && !(s.priority && Number.isInteger(s.priority) && s.priority >= 1 && s.priority <= 99))
    throw new TsruncError(`${s.policy} needs a priority between 1 and 99`, { field: `${field}.priority` });
  // runc's validateScheduler: a priority only means something to the real-time policies (the kernel
  // refuses any other with EINVAL).
  if (policy !== 1 && policy !== 2 && (s.priority ?? 0) !== 0)
    throw new TsruncError('priority can only be specified for the SCHED_FIFO or SCHED_RR policy', { field: `${field}.priority` });
  // Every other value goes into struct sched_attr as an unsigned 64-bit field.
  for (const k of ['runtime', 'deadline', 'period'] as const) {
    const v = s[k];
    if (v !== undefined && !(Number.isSafeInteger(v) && v >= 0)) throw new TsruncError(`${k} must be a non-negative integer (nanoseconds)`, { field: `${field}.${k}` });
  }
  let flags = 0;
  (s.flags ?? []).forEach((f, i) => {
    if (!(f in SCHED_FLAGS)) throw new TsruncError(`unknown scheduler flag "${f}"`, { field: `${field}.flags[${i}]` });
    flags |= SCHED_FLAGS[f];
  });
  // struct sched_attr (SCHED_ATTR_SIZE_VER0, 48 bytes)
  const b = Buffer.alloc(48);
  b.writeUInt32LE(48, 0);
  b.writeUInt32LE(policy, 4);
  b.writeBigUInt64LE(BigInt(flags), 8);
  b.writeInt32LE(nice, 16);
  b.writeUInt32LE(s.priority ?? 0, 20);
  b.writeBigUInt64LE(BigInt(s.runtime ?? 0), 24);
  b.writeBigUInt64LE(BigInt(s.deadline ?? 0), 32);
  b.writeBigUInt64LE(BigInt(s.period ?? 0), 40);
  plan.add('SCHED_SETATTR', field, `sched_setattr(policy=${s.policy}, nice=${nice}, priority=${s.priority ?? 0})`, [48n], [b]);
}

const IOPRIO_CLASSES: Record<string, number> = { IOPRIO_CLASS_RT: 1, IOPRIO_CLASS_BE: 2, IOPRIO_CLASS_IDLE: 3 };

export function compileIoPriority(spec: Spec, plan: Plan): void {
  const io = spec.process?.ioPriority;
  if (!io) return;
  const cls = IOPRIO_CLASSES[io.class];
  if (cls === undefined) throw new TsruncError(`unknown I/O priority class "${io.class}"`, { field: 'process.ioPriority.class' });
  const prio = io.priority ?? 0;
  if (prio < 0 || prio > 7) throw new TsruncError('priority must be between 0 and 7', { field: 'process.ioPriority.priority' });
  plan.add('IOPRIO', 'process.ioPriority', `ioprio_set(${io.class}, ${prio})`, [BigInt((cls << 13) | prio)]);
}

/** "0-3,7" -> CPU mask bytes (sched_setaffinity(2)). */
export function cpuMask(list: string, field: string): Buffer {
  const cpus: number[] = [];
  for (const part of list.split(',')) {
    const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    if (!m) throw new TsruncError(`invalid CPU list "${list}"`, { field });
    const lo = Number(m[1]), hi = Number(m[2] ?? m[1]);
    if (hi < lo || hi >= 8192) throw new TsruncError(`invalid CPU range "${part}"`, { field });
    for (let c = lo; c <= hi; c++) cpus.push(c);
  }
  const b = Buffer.alloc(Math.max(8, Math.ceil((Math.max(...cpus) + 1) / 64) * 8));
  for (const c of cpus) b[c >> 3] |= 1 << (c & 7);
  return b;
}

export function compileCpuAffinity(spec: Spec, plan: Plan, which: 'initial' | 'final'): void {
  const list = spec.process?.execCPUAffinity?.[which];
  if (!list) return;
  const field = `process.execCPUAffinity.${which}`;
  const mask = cpuMask(list, field);
  plan.add('SETAFFINITY', field, `sched_setaffinity(${list})`, [BigInt(mask.length)], [mask]);
}

/** Parse both lists of process.execCPUAffinity (errors name the field) without applying them. */
export function checkCpuAffinity(spec: Spec): void {
  for (const which of ['initial', 'final'] as const) {
    const list = spec.process?.execCPUAffinity?.[which];
    if (list) cpuMask(list, `process.execCPUAffinity.${which}`);
  }
}

const PERSONALITIES: Record<string, number> = { LINUX: 0x0000, LINUX32: 0x0008 };

export function compilePersonality(spec: Spec, plan: Plan): void {
  const p = spec.linux?.personality;
  if (!p) return;
  const v = PERSONALITIES[p.domain];
  if (v === undefined) throw new TsruncError(`unknown personality domain "${p.domain}" (allowed: LINUX, LINUX32)`, { field: 'linux.personality.domain' });
  if (p.flags?.length) throw new TsruncError('personality flags are not supported', { field: 'linux.personality.flags' });
  plan.add('PERSONALITY', 'linux.personality', `personality(PER_${p.domain})`, [BigInt(v)]);
}

// linux.memoryPolicy (config-linux.md "Memory policy") -> set_mempolicy(2). Values from
// linux/mempolicy.h.
export const MPOL_MODES: Record<string, number> = {
  MPOL_DEFAULT: 0, MPOL_PREFERRED: 1, MPOL_BIND: 2, MPOL_INTERLEAVE: 3, MPOL_LOCAL: 4, MPOL_PREFERRED_MANY: 5, MPOL_WEIGHTED_INTERLEAVE: 6,
};
export const MPOL_FLAGS: Record<string, number> = { MPOL_F_NUMA_BALANCING: 1 << 13, MPOL_F_RELATIVE_NODES: 1 << 14, MPOL_F_STATIC_NODES: 1 << 15 };
/** Modes that take no nodes, and modes that need at least one (set_mempolicy(2)). */
const NO_NODES = new Set(['MPOL_DEFAULT', 'MPOL_LOCAL']);
const NEED_NODES = new Set(['MPOL_BIND', 'MPOL_INTERLEAVE', 'MPOL_PREFERRED_MANY', 'MPOL_WEIGHTED_INTERLEAVE']);

export function compileMemoryPolicy(spec: Spec, plan: Plan): void {
  const mp = spec.linux?.memoryPolicy as { mode: string; nodes?: string; flags?: string[] } | undefined;
  if (!mp) return;
  const field = 'linux.memoryPolicy';
  const mode = MPOL_MODES[mp.mode];
  if (mode === undefined) throw new TsruncError(`unknown mode "${mp.mode}"`, { field: `${field}.mode` });
  let flags = 0;
  (mp.flags ?? []).forEach((f, i) => {
    if (!(f in MPOL_FLAGS)) throw new TsruncError(`unknown flag "${f}"`, { field: `${field}.flags[${i}]` });
    flags |= MPOL_FLAGS[f];
  });
  const nodes = mp.nodes?.trim() ? mp.nodes : undefined;
  if (nodes && NO_NODES.has(mp.mode)) throw new TsruncError(`${mp.mode} takes no nodes`, { field: `${field}.nodes` });
  if (!nodes && NEED_NODES.has(mp.mode)) throw new TsruncError(`${mp.mode} needs at least one node`, { field: `${field}.nodes` });
  const mask = nodes ? nodeMask(nodes, `${field}.nodes`) : Buffer.alloc(0);
  // The kernel reads maxnode - 1 bits (set_mempolicy(2); numactl passes the mask's bits + 1).
  const maxnode = mask.length ? mask.length * 8 + 1 : 0;
  plan.add('SET_MEMPOLICY', field, `set_mempolicy(${mp.mode}${mp.flags?.length ? '|' + mp.flags.join('|') : ''}, nodes=${nodes ?? '(none)'})`,
    [BigInt(mask.length), BigInt(mode | flags), BigInt(maxnode)], [mask]);
}

function nodeMask(list: string, field: string): Buffer {
  try {
    return cpuMask(list, field);
  } catch {
    throw new TsruncError(`invalid node list "${list}"`, { field });
  }
}
