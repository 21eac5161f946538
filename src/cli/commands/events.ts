// `tsrunc events [--stats] [--interval D] <id>` (runc-events(8), runc events.go): one JSON object per
// line, {"type":"stats","id":...,"data":{...runc's Stats...}} and {"type":"oom","id":...}. --stats
// prints the stats once; otherwise every interval (default 5s) until the cgroup goes away. The
// operation is src/container/events.ts; Go's durations are parsed here.
import { containerEvents } from '../../container/events';
import { TsruncError, UsageError } from '../../errors';
import { stdout } from '../output';
import type { CommandContext } from '../table';

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };

/** Go's time.ParseDuration ("5s", "1m30s", "250ms", "1.5h", "0"), in milliseconds. */
export function parseDuration(text: string): number {
  const bad = () => new Error(`time: invalid duration ${JSON.stringify(text)}`);
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) { sign = s[0] === '-' ? -1 : 1; s = s.slice(1); }
  if (s === '0') return 0;
  if (s === '') throw bad();
  let total = 0;
  while (s !== '') {
    const m = /^(\d*(?:\.\d*)?)([^\d.]*)/.exec(s);
    if (!m || m[1] === '' || m[1] === '.') throw bad();
    if (m[2] === '') throw new Error(`time: missing unit in duration ${JSON.stringify(text)}`);
    const unit = UNIT_MS[m[2]];
    if (unit === undefined) throw new Error(`time: unknown unit ${JSON.stringify(m[2])} in duration ${JSON.stringify(text)}`);
    total += Number(m[1]) * unit;
    s = s.slice(m[0].length);
  }
  return sign * total;
}

export function run(ctx: CommandContext): Promise<number> | number {
  const id = ctx.args[0];
  let intervalMs: number;
  try {
    intervalMs = parseDuration(String(ctx.flags.interval ?? '5s'));
  } catch {
    throw new UsageError(`invalid value ${JSON.stringify(String(ctx.flags.interval))} for flag -interval: parse error`, 'events');
  }
  if (!(intervalMs > 0)) throw new TsruncError('duration interval must be greater than 0', { field: '--interval' });

  const r = containerEvents(ctx.globals.root, id, (line) => stdout(line + '\n'), ctx.flags.stats ? undefined : intervalMs);
  return r ? r.then(() => 0) : 0;
}
