// Whether a container's cgroup is frozen (paused), read straight from the recorded cgroup paths so
// that `state` and `list` need not build the cgroup managers; the rule is the managers' own
// (cgroups/freezer.ts: the container's own freezer, not an ancestor's).
import { isFrozenV1, isFrozenV2 } from '../cgroups/freezer';
import type { ContainerState } from '../state/store';

export function isFrozen(state: ContainerState): boolean {
  const rec = state.cgroup;
  if (!rec) return false;
  try {
    if (rec.version === 1 && rec.paths.freezer) return isFrozenV1(rec.paths.freezer);
    const dir = rec.paths.unified ?? rec.paths[''];
    if (dir) return isFrozenV2(dir);
  } catch {
    /* an unreadable cgroup: not frozen */
  }
  return false;
}
