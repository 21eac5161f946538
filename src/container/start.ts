// start: release the init blocked on the exec fifo (runtime.md "start"). Returns only once the
// user program has been exec'd: the init writes "0", and its end of the fifo closes on a successful
// execve; if execve fails, the error text follows the "0" and `start` reports it.
import { closeFd, unlink } from '../fileio';
import { TsruncError, WrongStatus, fifoErrorText, hookErrorText } from '../errors';
import { native } from '../native';
import { isAlive } from '../state/proc';
import type { ContainerDir, ContainerState } from '../state/store';
import { destroyContainer } from './destroy';
import { pinInit, withContainer } from './open';
import { runHooks } from '../hooks';
import { stateOutput } from '../state/status';

/**
 * runtime.md "Lifecycle" steps 7 and 9: a failing startContainer or poststart hook stops the
 * container and continues at step 12: the container is destroyed (what create made is undone) and
 * the poststop hooks run, then its state is gone as after `delete`.
 */
function abort(dir: ContainerDir, state: ContainerState, pidfd: number): void {
  try { native().pidfdSendSignal(pidfd, 9); } catch { /* already gone */ }
  native().waitPidfd(pidfd, 5000);
  try { unlink(state.fifo); } catch { /* already gone */ }
  state.phase = 'stopped';
  dir.write(state);
  destroyContainer(state);
  dir.remove();
}

/** `start ID`: only a created container starts (the lifecycle table's texts, runc's start.go). */
export function startById(root: string, id: string): void {
  withContainer(root, id, 'exclusive', 'start', ({ dir, state }) => startContainer(dir, state));
}

/** Start a created container whose directory the caller holds locked (start, and run after create). */
export function startContainer(dir: ContainerDir, state: ContainerState, knownPidfd = -1): void {
  const n = native();
  const stopped = () => new WrongStatus('start', 'stopped', 'container not running');
  // pinInit checks the start time of the pidfd it opens; run's own pidfd gets the same check here.
  if (knownPidfd >= 0 && !isAlive(state.pid, state.pidStartTime)) throw stopped();
  const pidfd = knownPidfd >= 0 ? knownPidfd : pinInit(state, stopped);
  try {
    if (!state.config.process) {
      // runtime.md "start": "This operation MUST generate an error if process was not set."
      try { n.pidfdSendSignal(pidfd, 9); } catch { /* already gone */ }
      n.waitPidfd(pidfd, 5000);
      try { unlink(state.fifo); } catch { /* already gone */ }
      state.phase = 'stopped';
      dir.write(state);
      throw new TsruncError('process was not set: nothing to start', { field: 'process' });
    }
    // Lifecycle step 7: the init runs the startContainer hooks itself once the fifo is open (RUN_HOOK
    // ops, as runc's standard_init_linux.go); a failure comes back on the fifo, named by its field.
    const out = n.startFifo(state.fifo, pidfd);
    try { unlink(state.fifo); } catch { /* already gone */ }
    if (out === '') throw new WrongStatus('start', 'running', 'cannot start an already running container');
    const hook = /^0?(hooks\.startContainer\[\d+\]): ([^]*)$/.exec(out);
    if (hook) {
      abort(dir, state, pidfd);
      throw new TsruncError(hookErrorText(hook[1], fifoErrorText(hook[2])), { field: hook[1] });
    }
    if (out !== '0') {
      state.phase = 'stopped';
      dir.write(state);
      throw new TsruncError(fifoErrorText(out.startsWith('0') ? out.slice(1) : out), { field: 'process.args' });
    }
    // Not written back as phase "running": the status is derived (no fifo = running) and the
    // phase only tells a create in progress from the rest (issue 12: one durable write less).
    try {
      runHooks('poststart', { spec: state.config, state: stateOutput(state, 'running') });
    } catch (e) {
      abort(dir, state, pidfd);
      throw e;
    }
  } finally {
    if (pidfd !== knownPidfd) closeFd(pidfd);
  }
}
