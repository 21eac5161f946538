// exec: a new process in a created or running container (runc-exec(8)). The container's state is
// only read (shared lock): exec changes nothing the other commands rely on. The new process joins
// the init's namespaces through the init's pidfd, and its cgroup before it runs anything.
import * as io from '../fileio';
import { TsruncError, sysError } from '../errors';
import { faultPoint } from '../faults';
import { logDebug, logPhase } from '../log';
import { native } from '../native';
import { compileExecPlan } from '../linux/exec';
import { NS_PROC_FILE } from '../linux/namespaces';
import { Sync } from '../linux/opcodes';
import type { Process, Spec } from '../spec/types';
import { check, refusal } from '../state/lifecycle';
import { deriveStatus, stateOutput } from '../state/status';
import { ContainerDir } from '../state/store';
import { sendPidfd, takePty, writePidFile } from './create';
import { EXECVE, SyncDriver } from './sync';
import { sendSeccompFd } from './seccompListener';
import { isFrozen } from './frozen';
import { pinInit } from './open';
import type { CgroupManager, CgroupRecord } from '../cgroups/manager';
import { loadManager } from '../cgroups/lazy';
import { primeMigration } from '../cgroups/host';

export interface ExecOptions {
  root: string;
  id: string;
  process: Process;
  detach: boolean;
  pidFile?: string;
  consoleSocket?: string;
  /** --pidfd-socket (runc 1.2+): gets the process's pidfd once it runs. */
  pidfdSocket?: string;
  preserveFds: number;
  ignorePaused: boolean;
  /** --cgroup: sub-cgroups to run in (src/cgroups/subcgroup.ts); empty: the container's own. */
  cgroups?: string[];
}

/** The namespace types of the container's config in which `pid` differs from this process. */
function joinTypes(spec: Spec, pid: number): string[] {
  const out: string[] = [];
  for (const ns of spec.linux?.namespaces ?? []) {
    const file = NS_PROC_FILE[ns.type];
    if (!file) continue;
    try {
      if (io.readlink(`/proc/${pid}/ns/${file}`) !== io.readlink(`/proc/self/ns/${file}`)) out.push(ns.type);
    } catch (e) {
      throw sysError(`cannot read the container's ${ns.type} namespace`, e, { field: 'linux.namespaces' });
    }
  }
  return out;
}

/** Returns the exit status for `exec` in the foreground, 0 when detached. */
export function execProcess(o: ExecOptions): number {
  const n = native();
  // As run: signals are caught from now on and forwarded once the process runs.
  if (!o.detach) n.forwardSignals();
  const dir = ContainerDir.open(o.root, o.id, 'shared');
  let initPidfd = -1, pidfd = -1, sock = -1, ptyMaster: number | undefined, childPid = 0, started = false, aborted = false;
  try {
    const state = dir.mustRead();
    // v1 hierarchies are joined after the spawn below: the lock they take is made fast meanwhile.
    if (state.cgroup?.version === 1) primeMigration();
    const status = deriveStatus(state, isFrozen);
    // runc 1.2+: a paused container is refused at once unless --ignore-paused; with it, the process
    // is started and stays frozen with the container until `resume`.
    if (!(status === 'paused' && o.ignorePaused)) check('exec', state.id, status);
    const terminal = !!o.process.terminal;
    if (o.detach && terminal && !o.consoleSocket) throw new TsruncError('cannot allocate tty if tsrunc will detach without setting console socket', { field: 'process.terminal' });
    if ((!o.detach || !terminal) && o.consoleSocket) throw new TsruncError('cannot use console socket if tsrunc will not detach or allocate tty', { field: '--console-socket' });
    initPidfd = pinInit(state, () => refusal('exec', state.id, 'stopped'));
    faultPoint('exec-init-pinned');

    const spec: Spec = { ...state.config, process: o.process };
    const hasMountNs = (spec.linux?.namespaces ?? []).some((ns) => ns.type === 'mount');
    logPhase('state read');
    const plan = compileExecPlan(spec, {
      joinTypes: joinTypes(spec, state.pid!),
      chrootTo: hasMountNs ? undefined : state.hostMounts?.under ?? state.rootfs,
      preserveFds: o.preserveFds,
      newKeyring: !state.noNewKeyring,
      proxyPty: !o.detach,
    });
    logPhase('plan compiled');
    const sub = (o.cgroups ?? []).filter((c) => c !== '' && c !== '/');
    const mgr = state.cgroup ? execCgroups(state.cgroup, sub) : undefined;
    // Born in the container's cgroup v2 where there is one (CLONE_INTO_CGROUP), as runc 1.2's exec;
    // not with execCPUAffinity.initial, which is set before the process enters the cgroup.
    const child = n.spawn(plan.serialize(), o.process.execCPUAffinity?.initial ? undefined : mgr?.cloneTarget(), `exec ${o.id}`);
    pidfd = child.pidfd;
    sock = child.sock;
    childPid = child.pid;
    logPhase('process spawned');
    logDebug(`exec: pid ${child.pid}`);
    faultPoint('exec-spawned');
    const sync = new SyncDriver(plan, sock, "the exec'd process", {
      pidfd: () => initPidfd,
      forked: (pid) => {
        // The process now lives in the container's PID namespace, as our child (CLONE_PARENT).
        n.reap(childPid, 1);
        io.closeFd(pidfd);
        pidfd = -1;
        childPid = pid;
        pidfd = n.pidfdOpen(childPid);
      },
      pty: (fd) => { ptyMaster = takePty(fd, o.consoleSocket); },
      seccompFd: (fd) => sendSeccompFd(spec, fd, childPid, stateOutput(state, 'running')),
    });
    if (o.process.execCPUAffinity?.initial) sync.until(Sync.READY);
    if (mgr) {
      if (child.intoCgroup) logDebug(`exec: cloned into cgroup ${mgr.cloneTarget()}`);
      try {
        mgr.addProcess(child.pid, { cloned: child.intoCgroup });
      } catch (e) {
        if (sub.length && e instanceof TsruncError) throw new TsruncError(e.message, { field: '--cgroup', syscall: e.syscall, errno: e.errno });
        throw e;
      }
    }
    // The process is in the container's cgroup: from here on exec only waits for it, and no
    // command may be kept waiting behind that. A paused container (--ignore-paused) freezes the
    // process until `resume`, which needs the exclusive lock, as do kill --all and delete --force.
    // A delete meanwhile kills the process with the container (it is in its cgroup), and the init's
    // namespaces are joined through its pidfd, which cannot name another process.
    dir.close();
    sync.send(Sync.GO);
    // Requests until the socket closes: it is close-on-exec, so EOF is the execve of the process.
    sync.until(EXECVE, {
      watchSignals: !o.detach,
      onSignal: (sig) => {
        // SIGTERM/SIGINT before the process ran (it may be frozen in a paused container): exec
        // gives up, and the catch below kills what it started, which never ran the command.
        aborted = true;
        throw new TsruncError(`interrupted by signal ${sig} before the process started`);
      },
    });
    logPhase('process started');
    if (o.pidfdSocket) sendPidfd(o.pidfdSocket, 'setns', pidfd);
    started = true;
    io.closeFd(sock);
    sock = -1;
    if (o.pidFile) writePidFile(o.pidFile, childPid);
    dir.close();
    if (o.detach) return 0;
    const st = n.waitForeground(pidfd, childPid, ptyMaster ?? -1);
    ptyMaster = undefined; // closed by waitForeground
    logPhase('process exited');
    return st.code;
  } catch (e) {
    if (!started && pidfd >= 0) {
      try { n.pidfdSendSignal(pidfd, 9); } catch { /* gone */ }
      // A process frozen by the v1 freezer dies only when thawed: after a signal, do not wait for it.
      n.waitPidfd(pidfd, aborted ? 100 : 5000);
    }
    // The init died while exec was starting (a kill meanwhile): its namespaces and /proc entries
    // vanish under us, and whichever step noticed first fails with ENOENT or ESRCH naming a config
    // field that is not at fault. Say what happened instead. The wait is short: the init's
    // namespaces are gone only at the very end of its exit, just before its pidfd becomes readable.
    if (!started && !aborted && initPidfd >= 0 && n.waitPidfd(initPidfd, 50) !== null) {
      logDebug(`exec: the init exited while exec was starting: ${(e as Error).message}`);
      throw refusal('exec', o.id, 'stopped');
    }
    throw e;
  } finally {
    dir.close();
    for (const fd of [sock, pidfd, initPidfd, ptyMaster ?? -1]) if (fd >= 0) try { io.closeFd(fd); } catch { /* closed */ }
  }
}

/** The container's cgroups, or (--cgroup) the sub-cgroups in them, as a manager to join them:
 * the same joining, and on a hybrid host the same leniency about the unified cgroup, as create. */
function execCgroups(rec: CgroupRecord, sub: string[]): CgroupManager {
  if (!sub.length) return loadManager(rec);
  const { execCgroupTargets } = require('../cgroups/subcgroup') as typeof import('../cgroups/subcgroup');
  return loadManager({ ...rec, paths: execCgroupTargets(rec, sub) });
}
