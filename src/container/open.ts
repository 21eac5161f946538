// The open + lock + read state + derive status + lifecycle check that every command on an existing
// container starts with (runc's getContainer and the state checks of state_linux.go), in one place.
import { check, type Command } from '../state/lifecycle';
import type { Status } from '../state/status';
import { deriveStatus } from '../state/status';
import { ContainerDir, type ContainerState } from '../state/store';
import { isFrozen } from './frozen';

export interface Opened { dir: ContainerDir; state: ContainerState; status: Status }

/**
 * Open container `id` under `root` with a shared (readers) or exclusive (changers) lock, read its
 * state and derive its live status; with `command`, refuse statuses the lifecycle table does not
 * allow for it (runc's texts). `fn` runs under the lock, which is released when it returns.
 */
export function withContainer<T>(root: string, id: string, lock: 'shared' | 'exclusive', command: Command | undefined, fn: (c: Opened) => T): T {
  const dir = ContainerDir.open(root, id, lock);
  try {
    const state = dir.mustRead();
    const status = deriveStatus(state, isFrozen);
    if (command) check(command, state.id, status);
    return fn({ dir, state, status });
  } finally {
    dir.close();
  }
}
