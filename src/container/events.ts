// events (runc-events(8), runc events.go): the container's cgroup stats in runc's shape, once or
// every interval, and OOM notifications as they happen, until the container's cgroup goes away. The
// state lock is released before streaming, so a long-running `events` never holds up `delete`.
import * as fs from 'fs';
import { TsruncError, formatError } from '../errors';
import { logError } from '../log';
import { managerFromRecord } from '../cgroups/fromRecord';
import { notifyOOM } from '../cgroups/oom';
import { stringifyStats } from '../cgroups/stats';
import { withContainer } from './open';

export interface ContainerEvent { type: 'stats' | 'oom'; id: string; data?: unknown }

/** One stats event (`events --stats`), or, with intervalMs, a stream until the cgroup is gone; each
 * event goes to `line` as one JSON text in runc's shape (uint64 values exact). */
export function containerEvents(root: string, id: string, line: (json: string) => void, intervalMs?: number): Promise<void> | void {
  const emit = (ev: ContainerEvent) => line(stringifyStats(ev));
  const rec = withContainer(root, id, 'shared', 'events', ({ state }) => state.cgroup);
  if (!rec) throw new TsruncError(`container ${id} has no cgroup to read events from`);
  const mgr = managerFromRecord(rec);
  if (intervalMs === undefined) {
    emit({ type: 'stats', id, data: mgr.stats() });
    return;
  }
  return new Promise<void>((resolve) => {
    // Assigned after done() exists: notifyOOM may call done() before the interval is set.
    // eslint-disable-next-line prefer-const
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      if (timer) clearInterval(timer);
      watch?.close();
      resolve();
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
