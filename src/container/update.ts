// update (runc-update(8)): new resource limits for a created, running or paused container. The
// cgroup manager validates every value before the first write and, if the kernel refuses one, says
// what was already written; the new values are then merged into the config recorded in state.json,
// so later commands see them (runc saves them too). Device rules are never updated (as runc).
import { TsruncError } from '../errors';
import type { LinuxResources } from '../spec/types';
import { managerFromRecord } from '../cgroups/fromRecord';
import { withContainer } from './open';

export function updateContainer(root: string, id: string, resources: LinuxResources): void {
  withContainer(root, id, 'exclusive', 'update', ({ dir, state: s }) => {
    if (!s.cgroup) throw new TsruncError(`container ${s.id} has no cgroup to update`);
    const { devices: _ignored, ...apply } = resources;
    managerFromRecord(s.cgroup).apply(apply, { skipDevices: true });
    s.config.linux = { ...(s.config.linux ?? {}), resources: mergeResources(s.config.linux?.resources, apply) };
    dir.write(s);
  });
}

/**
 * The recorded linux.resources with an update merged in, as runc merges into its saved config: each
 * field given replaces the old value, the rest stay. Devices are never changed by update (runc sets
 * SkipDevices); an unlimited memory limit without a swap value makes swap unlimited too (update.go).
 */
export function mergeResources(old: LinuxResources | undefined, upd: LinuxResources): LinuxResources {
  const out: Record<string, unknown> = { ...(old ?? {}) };
  for (const [k, v] of Object.entries(upd)) {
    if (k === 'devices' || v === undefined) continue;
    const prev = out[k];
    if (k !== 'unified' && typeof v === 'object' && v !== null && !Array.isArray(v) && typeof prev === 'object' && prev !== null && !Array.isArray(prev)) {
      out[k] = { ...prev, ...v };
    } else {
      out[k] = v;
    }
  }
  const mem = out.memory as LinuxResources['memory'];
  if (upd.memory?.limit === -1 && upd.memory.swap === undefined && mem) mem.swap = -1;
  return out as LinuxResources;
}
