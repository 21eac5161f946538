// kill (runc-kill(8), libcontainer's Signal and signalAllProcesses). The init is signalled through a pidfd opened
// and then re-checked against the recorded start time, so a reused pid is never hit. --all signals
// every process in the container's cgroup as runc 1.1 does (signalAllProcesses): freeze, list, signal,
// thaw, so nothing forks past the list; it works on a stopped container too (processes left behind by
// an init that exited; containerd's `task delete -f` sends `kill --all 9`), and succeeds when nothing
// is left. SIGKILL to a paused container thaws it, else nothing would die (runc); other signals leave
// a paused container paused (runc 1.1's --all would thaw it as a side effect). A SIGKILL to a
// container without a PID namespace of its own is a --all (runc 1.2+).
import { closeFd } from '../fileio';
import { TsruncError, sysError, formatError } from '../errors';
import { logWarn } from '../log';
import { native } from '../native';
import { check, refusal } from '../state/lifecycle';
import { parseSignal } from '../state/signals';
import type { ContainerState } from '../state/store';
import { loadManager } from '../cgroups/lazy';
import type { CgroupRecord } from '../cgroups/manager';
import { pinInit, withContainer } from './open';

/** `signal`: a name or number as given on the command line, or undefined for the default. */
export function killContainer(root: string, id: string, signal: string | undefined, all: boolean): void {
  // Signalling every process freezes and thaws the cgroup: that changes the container, so it locks
  // exclusively (a SIGKILL may be one, below; an image's stop signal of SIGKILL is not known yet and
  // signals them under the shared lock, which is safe: each freeze is undone by its own kill).
  // A bad signal is reported after the container is found, as runc does: only peeked at here.
  const killing = signal !== undefined && (() => { try { return parseSignal(signal, 'signal', true) === SIGKILL; } catch { return false; } })();
  withContainer(root, id, all || killing ? 'exclusive' : 'shared', undefined, ({ state: s, status }) => {
    // Without a signal: the image's stop signal if the config carries one (config.md
    // "Annotations": org.opencontainers.image.stopSignal), else SIGTERM.
    const sig = signal !== undefined ? parseSignal(signal, 'signal', true) : defaultSignal(s.config?.annotations);
    // runc 1.2+ (libcontainer Container.Signal, runc#4047): without a PID namespace of its own, the
    // init's death takes nobody with it, so SIGKILL goes to every process in the cgroup, even once
    // the init is gone; with one, the kernel kills the namespace's other processes with its init.
    if ((all || (sig === SIGKILL && !ownPidNamespace(s))) && s.cgroup) {
      if (status !== 'stopped') check('kill', s.id, status);
      signalAll(s.cgroup, sig);
      return;
    }
    check('kill', s.id, status);
    if (status === 'paused' && sig === SIGKILL && s.cgroup) {
      // A task frozen by the v1 freezer does not act on SIGKILL until thawed; thaw after signalling.
      try { signalInit(s, sig); } finally { thaw(s.cgroup); }
      return;
    }
    signalInit(s, sig);
  });
}

const SIGKILL = 9;

/** A new PID namespace (config-linux.md "Namespaces": a pid entry without a path). */
function ownPidNamespace(s: ContainerState): boolean {
  return (s.config?.linux?.namespaces ?? []).some((ns) => ns.type === 'pid' && !ns.path);
}

function thaw(rec: CgroupRecord): void {
  try { loadManager(rec).thaw(); } catch (e) { logWarn(`cannot thaw the container: ${(e as Error).message}`); }
}

/** Every process in the cgroup: freeze (unless already frozen), list, signal, restore. */
function signalAll(rec: CgroupRecord, sig: number): void {
  const mgr = loadManager(rec);
  // Never pid <= 0 (kill(2) would take it as a process group) and never ourselves.
  const list = () => mgr.pids().filter((p) => Number.isInteger(p) && p > 0 && p !== process.pid);
  if (!list().length) return; // nothing left (or no cgroup any more): done, as runc
  if (sig === 0) return; // a liveness probe (kill(2) signal 0): the list above is the answer, no freeze
  const wasFrozen = mgr.isFrozen();
  if (!wasFrozen) {
    try { mgr.freeze(); } catch (e) { logWarn(`cannot freeze the container before signalling: ${(e as Error).message}`); }
  }
  try {
    for (const pid of list()) {
      try {
        process.kill(pid, sig);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ESRCH') logWarn(formatError(sysError(`kill ${pid}`, e)));
      }
    }
  } finally {
    if (!wasFrozen || sig === SIGKILL) {
      try { mgr.thaw(); } catch (e) { logWarn(`cannot thaw the container: ${(e as Error).message}`); }
    }
  }
}

function signalInit(s: ContainerState, sig: number): void {
  const stopped = () => refusal('kill', s.id, 'stopped');
  const fd = pinInit(s, stopped);
  try {
    native().pidfdSendSignal(fd, sig);
  } catch (e) {
    // ESRCH: it exited after pinInit looked (a zombie still takes signals).
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') throw stopped();
    throw sysError('cannot signal the container\'s init', e);
  } finally {
    closeFd(fd);
  }
}

function defaultSignal(annotations: Record<string, string> | undefined): number {
  const stop = annotations?.['org.opencontainers.image.stopSignal'];
  if (stop === undefined || stop === '') return parseSignal('SIGTERM');
  try {
    return parseSignal(stop);
  } catch {
    throw new TsruncError(`invalid stop signal "${stop}"`, { field: 'annotations["org.opencontainers.image.stopSignal"]' });
  }
}
