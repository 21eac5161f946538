// Whether a container's cgroup is frozen (paused), read straight from the recorded cgroup paths so
// that `state` and `list` need not load the cgroup managers.
import * as fs from 'fs';
import * as path from 'path';
import type { ContainerState } from '../state/store';

export function isFrozen(state: ContainerState): boolean {
  const rec = state.cgroup;
  if (!rec) return false;
  try {
    if (rec.version === 1 && rec.paths.freezer) {
      if (fs.readFileSync(path.join(rec.paths.freezer, 'freezer.state'), 'utf8').trim() !== 'FROZEN') return false;
      // Frozen through an ancestor only is not paused (runc's freezer GetState; freezer.ts isFrozenV1).
      try {
        return fs.readFileSync(path.join(rec.paths.freezer, 'freezer.self_freezing'), 'utf8').trim() === '1';
      } catch {
        return true;
      }
    }
    const dir = rec.paths.unified ?? rec.paths[''];
    if (dir) return fs.readFileSync(path.join(dir, 'cgroup.freeze'), 'utf8').trim() === '1';
  } catch {
    /* no such cgroup: not frozen */
  }
  return false;
}
