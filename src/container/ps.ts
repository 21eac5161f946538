// ps (runc-ps(8)): the host pids of every process in the container's cgroup, whatever its status
// (a stopped container may have processes left behind by its init).
import { loadManager } from '../cgroups/lazy';
import { withContainer } from './open';

export function containerPids(root: string, id: string): number[] {
  const rec = withContainer(root, id, 'shared', 'ps', ({ state }) => state.cgroup);
  if (!rec) return [];
  return loadManager(rec).pids();
}
