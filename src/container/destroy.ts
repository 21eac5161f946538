// Undo everything a container holds: its processes, its cgroups, and (by the caller) its state dir.
// Used by delete, by run when the container exits, and by create when it fails half way.
// delete (runc-delete(8)): --force removes a container in any state, including one whose create was
// killed half way (state "creating" with a dead creator, no state.json, or a corrupt one), and
// succeeds when the container is already gone (containerd's shim relies on it).
import { ContainerNotFound, StateCorrupt, formatError } from '../errors';
import { faultPoint } from '../faults';
import { closeFd } from '../fileio';
import { logWarn } from '../log';
import { native } from '../native';
import { isAlive } from '../state/proc';
import type { ContainerDir, ContainerState } from '../state/store';
import type { CgroupManager } from '../cgroups/manager';
import { loadManager } from '../cgroups/lazy';
import { withContainer } from './open';

export function deleteContainer(root: string, id: string, force: boolean): void {
  const remove = (dir: ContainerDir) => {
    faultPoint('delete-before-remove');
    dir.remove();
  };
  try {
    // Without --force the lifecycle table decides (runc deletes a created or stopped container).
    withContainer(root, id, 'exclusive', force ? undefined : 'delete', ({ dir, state }) => {
      destroyContainer(state);
      remove(dir);
    }, force ? (dir, err) => {
      if (err instanceof StateCorrupt) salvage(err);
      remove(dir);
    } : undefined);
  } catch (e) {
    if (force && e instanceof ContainerNotFound) return;
    throw e;
  }
}

/** delete --force of a corrupt state.json: undo what the parts that still parse record (each step
 * on its own, a warning for each that fails; never the poststop hooks of a config we cannot trust). */
function salvage(err: StateCorrupt): void {
  const s = err.parsed as Partial<ContainerState> | undefined;
  logWarn(`container ${err.id}: ${err.file} is corrupt (${err.detail}): removing what it still records`);
  if (!s || typeof s !== 'object') return;
  const steps: [string, () => void][] = [
    ['kill the init', () => { if (typeof s.pid === 'number' && typeof s.pidStartTime === 'string') killInit(s as ContainerState); }],
    ['remove the cgroups', () => { if (s.cgroup && typeof s.cgroup === 'object') loadManager(s.cgroup).destroy(); }],
    ['remove the host mounts', () => { if (s.hostMounts && typeof s.hostMounts === 'object') (require('./hostMounts') as typeof import('./hostMounts')).removeHostMounts(s.hostMounts); }],
  ];
  for (const [what, step] of steps) {
    try { step(); } catch (e) { logWarn(`cannot ${what} of container ${err.id}: ${formatError(e)}`); }
  }
}

export function killInit(state: ContainerState, pidfd = -1): void {
  if (!state.pid) return;
  const n = native();
  let fd = pidfd;
  try {
    if (fd < 0) {
      if (!isAlive(state.pid, state.pidStartTime)) return;
      fd = n.pidfdOpen(state.pid);
      // The pid may have been reused between the check and pidfd_open: check again, now pinned.
      if (!isAlive(state.pid, state.pidStartTime)) return;
    }
    n.pidfdSendSignal(fd, 9);
  } catch {
    /* already gone */
  } finally {
    if (fd >= 0 && fd !== pidfd) closeFd(fd);
  }
  // If we are its parent (create failing, run), reap it so no zombie is left.
  n.reap(state.pid, 0);
}

/** Delete's work (lifecycle steps 12-13): undo create, then the poststop hooks (warnings only). */
export function destroyContainer(state: ContainerState): void {
  destroyResources(state);
  if (state.phase !== 'creating' && state.config?.hooks?.poststop?.length) {
    const { runHooks } = require('../hooks') as typeof import('../hooks');
    const { stateOutput } = require('../state/status') as typeof import('../state/status');
    runHooks('poststop', { spec: state.config, state: stateOutput(state, 'stopped') });
  }
}

export function destroyResources(state: ContainerState, mgr?: CgroupManager, pidfd = -1): void {
  killInit(state, pidfd);
  faultPoint('delete-killed');
  // The cgroup goes first: its destroy thaws a paused container and kills what is left in it, so a
  // frozen init is not waited for in vain (it cannot act on SIGKILL while frozen).
  const m = mgr ?? (state.cgroup ? loadManager(state.cgroup) : undefined);
  m?.destroy();
  faultPoint('delete-cgroups-removed');
  if (state.pid) waitGone(state);
  if (state.pid) native().reap(state.pid, 0);
  if (state.hostMounts) (require('./hostMounts') as typeof import('./hostMounts')).removeHostMounts(state.hostMounts);
}

function waitGone(state: ContainerState): void {
  const deadline = Date.now() + 5000;
  while (isAlive(state.pid, state.pidStartTime) && Date.now() < deadline) {
    native().reap(state.pid!, 0);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
  }
}
