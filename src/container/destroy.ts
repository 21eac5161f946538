// Undo everything a container holds: its processes, its cgroups, and (by the caller) its state dir.
// Used by delete, by run when the container exits, and by create when it fails half way.
import { faultPoint } from '../faults';
import { native } from '../native';
import { isAlive } from '../state/proc';
import type { ContainerState } from '../state/store';
import type { CgroupManager } from '../cgroups/manager';

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
    if (fd >= 0 && fd !== pidfd) require('fs').closeSync(fd);
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
  const m = mgr ?? (state.cgroup ? (require('../cgroups') as typeof import('../cgroups')).managerFromRecord(state.cgroup) : undefined);
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
