// The open + lock + read state + derive status + lifecycle check that every command on an existing
// container starts with (runc's getContainer and the state checks of state_linux.go), in one place.
// Failures are typed (src/errors.ts): ContainerNotFound, StateMissing, StateCorrupt, WrongStatus.
import { ContainerNotFound, StateCorrupt, StateMissing, formatError } from '../errors';
import { closeFd } from '../fileio';
import { logWarn } from '../log';
import { native } from '../native';
import { isAlive } from '../state/proc';
import { check, type Command } from '../state/lifecycle';
import type { Status } from '../state/status';
import { deriveStatus } from '../state/status';
import { ContainerDir, listIds, type ContainerState } from '../state/store';
import { isFrozen } from './frozen';

export interface Opened { dir: ContainerDir; state: ContainerState; status: Status }

/**
 * Open container `id` under `root` with a shared (readers) or exclusive (changers) lock, read its
 * state and derive its live status; with `command`, refuse statuses the lifecycle table does not
 * allow for it (WrongStatus, runc's texts). `fn` runs under the lock, which is released when it
 * returns. A state.json that is missing or corrupt throws StateMissing/StateCorrupt, unless
 * `unreadable` is given: it then runs under the lock instead (delete --force cleans up such a dir).
 */
export function withContainer<T>(
  root: string, id: string, lock: 'shared' | 'exclusive', command: Command | undefined, fn: (c: Opened) => T,
  unreadable?: (dir: ContainerDir, err: StateMissing | StateCorrupt) => T,
): T {
  const dir = ContainerDir.open(root, id, lock);
  try {
    let state: ContainerState;
    try {
      state = dir.mustRead();
    } catch (e) {
      if (unreadable && (e instanceof StateMissing || e instanceof StateCorrupt)) return unreadable(dir, e);
      throw e;
    }
    const status = deriveStatus(state, isFrozen);
    if (command) check(command, state.id, status);
    return fn({ dir, state, status });
  } finally {
    dir.close();
  }
}

/**
 * `fn` for every container under `root`, each under a shared lock with its status derived as
 * withContainer does (runc's list.go getContainers). A container deleted meanwhile, or whose create
 * has not written its state yet, is left out; one that cannot be loaded is left out with a warning,
 * as runc's "load container ID: ..." on stderr.
 */
export function eachContainer(root: string, fn: (c: Opened) => void): void {
  for (const id of listIds(root)) {
    try {
      withContainer(root, id, 'shared', undefined, fn);
    } catch (e) {
      if (e instanceof ContainerNotFound || e instanceof StateMissing) continue;
      logWarn(`load container ${id}: ${formatError(e)}`);
    }
  }
}

/**
 * A pidfd of the container's init, checked against the recorded start time: from then on it is the
 * init or nothing, whatever happens to the pid number. An init that exited since the status was
 * derived (pidfd_open's ESRCH, or a reused or zombie pid) throws `stopped()`, the command's own
 * words for a stopped container, not the system error.
 */
export function pinInit(state: ContainerState, stopped: () => Error): number {
  let fd: number;
  try {
    fd = native().pidfdOpen(state.pid!);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') throw stopped();
    throw e;
  }
  if (!isAlive(state.pid, state.pidStartTime)) {
    closeFd(fd);
    throw stopped();
  }
  return fd;
}
