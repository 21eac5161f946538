// `tsrunc events [--stats] [--interval D] <id>` (runc-events(8), runc events.go): one JSON object per
// line, {"type":"stats","id":...,"data":{...runc's Stats...}} and {"type":"oom","id":...}. --stats
// prints the stats once; otherwise stats every interval (default 5s) and OOM notifications as they
// happen, until the container's cgroup goes away. The state lock is released before streaming, so a
// long-running `events` never holds up `delete`.
import * as fs from 'fs';
import { isFrozen } from '../../container/frozen';
import { TsruncError, UsageError, formatError } from '../../errors';
import { logError } from '../../log';
import { check } from '../../state/lifecycle';
import { deriveStatus } from '../../state/status';
import { ContainerDir } from '../../state/store';
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

  const dir = ContainerDir.open(ctx.globals.root, id, 'shared');
  let s;
  try {
    s = dir.mustRead();
    check('events', s.id, deriveStatus(s, isFrozen));
  } finally {
    dir.close();
  }
  const rec = s.cgroup;
  if (!rec) throw new TsruncError(`container ${id} has no cgroup to read events from`);
  const cgroups = require('../../cgroups') as typeof import('../../cgroups');
  const { stringifyStats } = require('../../cgroups/stats') as typeof import('../../cgroups/stats');
  const mgr = cgroups.managerFromRecord(rec);
  const emit = (ev: { type: string; id: string; data?: unknown }) => stdout(stringifyStats(ev) + '\n');

  if (ctx.flags.stats) {
    emit({ type: 'stats', id, data: mgr.stats() });
    return 0;
  }

  const { notifyOOM } = require('../../cgroups/oom') as typeof import('../../cgroups/oom');
  return new Promise<number>((resolve) => {
    // Assigned after done() exists: notifyOOM may call done() before the interval is set.
    // eslint-disable-next-line prefer-const
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      if (timer) clearInterval(timer);
      watch?.close();
      resolve(0);
    };
    // Without an OOM watch (no memory cgroup), stop once none of the container's cgroups is left.
    const gone = () => Object.values(rec.paths).every((d) => !fs.existsSync(d));
    const watch = notifyOOM(rec, { oom: () => emit({ type: 'oom', id }), gone: done });
    timer = setInterval(() => {
      if (!watch && gone()) return done();
      try {
        emit({ type: 'stats', id, data: mgr.stats() });
      } catch (e) {
        logError(formatError(e)); // runc logs and carries on
      }
    }, intervalMs);
  });
}
