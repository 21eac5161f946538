// Killing everything in a container's cgroup (runc signalAllProcesses): prefer cgroup.kill (v2, Linux
// 5.14+: atomic, no fork can escape); otherwise freeze, SIGKILL every pid listed, thaw. A frozen task
// (v1 freezer) does not die until thawed, which is why the thaw is part of every round, and why
// destroy works on a paused container (runc#3134).
import { TsruncError } from '../errors';
import { errnoCode, fileExists, sleepMs, writeCgroupFile } from './fsio';

/** Write "1" to cgroup.kill; false when this kernel has no cgroup.kill. */
export function cgroupKill(dir: string): boolean {
  if (!fileExists(dir, 'cgroup.kill')) return false;
  try {
    writeCgroupFile(dir, 'cgroup.kill', '1');
    return true;
  } catch (e) {
    if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENODEV') return false;
    throw e;
  }
}

export interface KillOps {
  pids(): number[];
  freeze?(): void;
  thaw?(): void;
}

/** SIGKILL rounds until the cgroup is empty; throws after `timeoutMs` with the pids left. */
export function killAll(ops: KillOps, timeoutMs = 10000): void {
  const deadline = Date.now() + timeoutMs;
  for (let round = 0; ; round++) {
    // Never ourselves, whatever the cgroup says, and never 0 or a negative number: kill(2) would take
    // them as our process group or every process we may signal.
    const pids = ops.pids().filter((p) => Number.isInteger(p) && p > 0 && p !== process.pid);
    if (!pids.length) return;
    if (Date.now() > deadline) {
      throw new TsruncError(`processes still in the container's cgroup after SIGKILL: ${pids.slice(0, 20).join(' ')}${pids.length > 20 ? ' ...' : ''}`);
    }
    // Only the first rounds signal: later ones wait for the dying to leave (exit can take a while
    // for a large process), signalling again now and then.
    if (round < 3 || round % 20 === 0) {
      try { ops.freeze?.(); } catch { /* best effort: a process may be stuck, kill anyway */ }
      for (const pid of pids) {
        try { process.kill(pid, 'SIGKILL'); } catch { /* ESRCH: gone already */ }
      }
      try { ops.thaw?.(); } catch { /* thawed or gone */ }
    }
    sleepMs(Math.min(1 + round * 2, 50));
  }
}
