// pause and resume (runc-pause(8), runc-resume(8)): freeze or thaw every process of the container
// through its cgroup (v1 freezer, v2 cgroup.freeze). The paused state is the freezer's own: `state`
// derives it from there (container/frozen.ts), so nothing else is recorded.
import { TsruncError } from '../errors';
import { managerFromRecord } from '../cgroups/fromRecord';
import { withContainer } from './open';

export function pauseContainer(root: string, id: string): void {
  withContainer(root, id, 'exclusive', 'pause', ({ state }) => {
    if (!state.cgroup) throw new TsruncError(`container ${state.id} has no cgroup to freeze`);
    managerFromRecord(state.cgroup).freeze();
  });
}

export function resumeContainer(root: string, id: string): void {
  withContainer(root, id, 'exclusive', 'resume', ({ state }) => {
    if (!state.cgroup) throw new TsruncError(`container ${state.id} has no cgroup to thaw`);
    managerFromRecord(state.cgroup).thaw();
  });
}
