// Status is derived from the live system each time (docs/ARCHITECTURE.md "State, status and
// locking"), never trusted from state.json alone.
import { exists } from '../fileio';
import type { StateOutput } from '../spec/types';
import { isAlive } from './proc';
import type { ContainerState } from './store';

export type Status = StateOutput['status'];

export function deriveStatus(s: ContainerState, isFrozen?: (s: ContainerState) => boolean): Status {
  if (s.phase === 'creating') {
    // The create is still running, or it died (then only delete --force makes sense).
    return isAlive(s.creator.pid, s.creator.startTime) ? 'creating' : 'stopped';
  }
  if (!isAlive(s.pid, s.pidStartTime)) return 'stopped';
  // The freezer first, as runc's refreshState: a created container can be paused too, and its
  // frozen init will never open the fifo.
  if (isFrozen && isFrozen(s)) return 'paused';
  if (exists(s.fifo)) return 'created';
  return 'running';
}

export function stateOutput(s: ContainerState, status: Status): StateOutput {
  const out: StateOutput = {
    ociVersion: s.ociVersion,
    id: s.id,
    pid: status === 'stopped' ? 0 : s.pid ?? 0,
    status,
    bundle: s.bundle,
    rootfs: s.rootfs,
    created: s.created,
    owner: s.owner,
  };
  if (s.annotations && Object.keys(s.annotations).length) out.annotations = s.annotations;
  return out;
}
