// Resources are applied in two steps, so that invalid input never leaves a half-configured cgroup:
// every value is validated (resources.ts) and a planner (v1Resources.ts / v2Resources.ts) turns them into
// an ordered list of file writes, reading but never writing; then executeWrites() performs them. The
// kernel may still refuse a write (a limit below current usage, a parent's limit): the error then names
// the config field and lists exactly which files were already written, since cgroupfs has no rollback.
import { TsruncError } from '../errors';
import { errnoCode, errnoNumber, writeCgroupFile } from './fsio';
import { join } from '../pathnames';

export interface CgroupWrite {
  dir: string;
  file: string;
  value: string;
  /** The config path the value comes from: `linux.resources.memory.limit`. */
  field: string;
  /** runc's ordering rule for interdependent knobs (cpu.cfs_period_us vs cpu.cfs_quota_us, rt period vs
   * runtime, burst vs quota): if the kernel answers EINVAL, hold this write back and retry it right
   * after the write of the file named here. */
  retryAfter?: string;
  /** Error codes meaning "this kernel lacks the knob": skip silently (runc does for each such case). */
  ignore?: string[];
  /** Turn a refusal into a better message (memory limit below usage). */
  explain?: (code: string) => string | undefined;
}

function describe(w: CgroupWrite): string {
  return `${w.file}=${JSON.stringify(w.value)}`;
}

export function executeWrites(writes: CgroupWrite[]): string[] {
  const done: string[] = [];
  const held: { w: CgroupWrite; code: string }[] = [];
  const fail = (w: CgroupWrite, code: string): never => {
    const why = w.explain?.(code);
    const applied = done.length ? `already written: ${done.join(', ')}` : 'nothing was written';
    throw new TsruncError(
      `cannot write ${JSON.stringify(w.value)} to ${join(w.dir, w.file)}: ${code}${why ? ` (${why})` : ''}; ${applied}`,
      { field: w.field, syscall: 'write', errno: errnoNumber(code) },
    );
  };
  const attempt = (w: CgroupWrite): string => {
    try {
      writeCgroupFile(w.dir, w.file, w.value);
      done.push(describe(w));
      return '';
    } catch (e) {
      return errnoCode(e) || 'EIO';
    }
  };
  for (const w of writes) {
    const code = attempt(w);
    if (code) {
      if (w.ignore?.includes(code)) continue;
      if (code === 'EINVAL' && w.retryAfter && writes.some((o) => o !== w && o.file === w.retryAfter && o.dir === w.dir)) {
        held.push({ w, code });
        continue;
      }
      fail(w, code);
    }
    for (let i = 0; i < held.length; i++) {
      const h = held[i];
      if (h.w.retryAfter !== w.file || h.w.dir !== w.dir) continue;
      const again = attempt(h.w);
      if (again) fail(h.w, again);
      held.splice(i--, 1);
    }
  }
  // Held back, and the write it waited for failed silently or never came: report the first refusal.
  if (held.length) fail(held[0].w, held[0].code);
  return done;
}
