// process.rlimits (config.md "POSIX process") -> SETRLIMIT ops. Numbers from asm-generic/resource.h.
import { TsruncError } from '../errors';
import type { Spec } from '../spec/types';
import type { Plan } from './plan';

export const RLIMITS: Record<string, number> = {
  RLIMIT_CPU: 0, RLIMIT_FSIZE: 1, RLIMIT_DATA: 2, RLIMIT_STACK: 3, RLIMIT_CORE: 4, RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6, RLIMIT_NOFILE: 7, RLIMIT_MEMLOCK: 8, RLIMIT_AS: 9, RLIMIT_LOCKS: 10,
  RLIMIT_SIGPENDING: 11, RLIMIT_MSGQUEUE: 12, RLIMIT_NICE: 13, RLIMIT_RTPRIO: 14, RLIMIT_RTTIME: 15,
};

export function compileRlimits(spec: Spec, plan: Plan): void {
  const seen = new Set<string>();
  (spec.process?.rlimits ?? []).forEach((r, i) => {
    const field = `process.rlimits[${i}]`;
    const n = RLIMITS[r.type];
    if (n === undefined) throw new TsruncError(`unknown rlimit type "${r.type}"`, { field: `${field}.type` });
    if (seen.has(r.type)) throw new TsruncError(`duplicate rlimit type "${r.type}"`, { field: `${field}.type` });
    seen.add(r.type);
    const soft = rlimitValue(r.soft), hard = rlimitValue(r.hard);
    if (soft > hard) throw new TsruncError(`soft limit ${r.soft} exceeds hard limit ${r.hard}`, { field: `${field}.soft` });
    plan.add('SETRLIMIT', field, `setrlimit(${r.type}, soft=${soft}, hard=${hard})`, [BigInt(n), soft, hard]);
  });
}

const RLIM_INFINITY = 0xffffffffffffffffn;

/** RLIM_INFINITY is written 18446744073709551615 in configs, which JSON.parse rounds up to 2^64:
 *  anything at or beyond 2^64 means "unlimited", not a value that wraps to 0. */
function rlimitValue(v: number): bigint {
  const b = BigInt(v);
  return b > RLIM_INFINITY ? RLIM_INFINITY : b;
}
