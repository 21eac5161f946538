// run (runc-run(8)): create + start. In the foreground it forwards signals to the container, waits
// for it, removes it, and returns its status (128+N for a signal N).
import { createContainer, type CreateOptions } from './create';
import { destroyContainer } from './destroy';
import { startContainer } from './start';
import { logPhase } from '../log';
import { native } from '../native';
import { ContainerDir } from '../state/store';

/** create + start; in the foreground (not `detach`), wait for the container and remove it unless
 * `keep`. Returns the exit status for `run`: the container's (128+N for a signal N), or 0. */
/** The state on disk; undefined when it is gone or unreadable (run made the container and holds its
 * state in memory: a corrupt file must not hide the error being handled). */
function onDisk(dir: ContainerDir) {
  try { return dir.read(); } catch { return undefined; }
}

export function runContainer(create: CreateOptions, detach: boolean, keep: boolean): number {
  const opts = { ...create, keepPidfd: true, foreground: !detach };
  // An init in a joined PID namespace is a grandchild (see the FORK op): as a subreaper we still
  // get to wait for it.
  if (!detach) {
    native().setSubreaper();
    // Caught from now on (as runc does): a signal sent while the container starts is forwarded once
    // it runs instead of killing `run` and orphaning it.
    native().forwardSignals();
  }
  const { state, pidfd, ptyMaster } = createContainer(opts);
  let dir = ContainerDir.open(opts.root, opts.id, 'exclusive');
  try {
    startContainer(dir, dir.mustRead(), pidfd);
  } catch (e) {
    // A failing startContainer/poststart hook has already destroyed the container and its state.
    const left = onDisk(dir);
    if (left) {
      destroyContainer(left);
      dir.remove();
    }
    dir.close();
    throw e;
  }
  dir.close();
  logPhase('started');
  if (detach) return 0;
  // With a terminal, run proxies between its own stdio and the pty (raw mode, window size), as runc.
  const status = native().waitForeground(pidfd, state.pid!, ptyMaster ?? -1);
  logPhase('container exited');
  if (keep) return status.code;
  dir = ContainerDir.open(opts.root, opts.id, 'exclusive');
  try {
    destroyContainer(onDisk(dir) ?? state);
    dir.remove();
    logPhase('removed');
  } finally {
    dir.close();
  }
  return status.code;
}
