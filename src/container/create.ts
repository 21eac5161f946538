// The create sequence (runtime.md "create", docs/ARCHITECTURE.md "State, status and locking"). Every resource is
// recorded in state.json before it is made, so `delete --force` can undo a create killed at any point:
//   state dir (locked) -> state.json(creating) -> cgroup -> exec fifo -> clone -> state(pid)
//   -> cgroup join -> GO -> child sets up -> READY -> pid file -> state(created) -> COMMIT -> ACK.
import * as io from '../fileio';
import * as path from '../posixpath';
import { TsruncError, sysError } from '../errors';
import { logDebug, logPhase } from '../log';
import { native } from '../native';
import { loadBundle } from '../spec/load';
import type { IDMapping, Spec } from '../spec/types';
import { compileCreatePlan } from '../linux/create';
import { idMapText } from '../linux/idmappings';
import { Sync } from '../linux/opcodes';
import type { Plan } from '../linux/plan';
import { ContainerDir, ContainerState, validateId } from '../state/store';
import { startTimeOf } from '../state/proc';
import type { CgroupManager } from '../cgroups/manager';
import { createManager } from '../cgroups';
import { primeMigration } from '../cgroups/host';
import { destroyResources } from './destroy';
import { idmappedMountFd } from './idmap';
import { SyncDriver } from './sync';
import { runHooks, setHookState, validateHooks } from '../hooks';
import { sendSeccompFd } from './seccompListener';
import { moveNetDevices } from '../linux/netdevices';
import { stateOutput } from '../state/status';
import { faultPoint } from '../faults';
import { listenFdCount, withListenEnv } from '../linux/listenFds';

export interface CreateOptions {
  root: string;
  id: string;
  bundle?: string;
  pidFile?: string;
  consoleSocket?: string;
  /** --pidfd-socket (runc 1.2+): gets the init's pidfd once it is set up. */
  pidfdSocket?: string;
  noPivot: boolean;
  /** --no-new-keyring: keep the caller's session keyring (recorded for exec). */
  noNewKeyring?: boolean;
  preserveFds: number;
  systemdCgroup: boolean;
  /** Keep the pidfd open and return it (run in the foreground waits on it). */
  keepPidfd?: boolean;
  /** `run` without --detach: a terminal's pty master is returned, for run to proxy. */
  foreground?: boolean;
}

export interface Created { state: ContainerState; pidfd: number; ptyMaster?: number }

export function prepare(opts: CreateOptions): { spec: Spec; bundleDir: string; rootfs: string; plan: Plan; mgr: CgroupManager } {
  validateId(opts.id);
  const bundle = loadBundle(opts.bundle);
  const spec = bundle.spec;
  logPhase('config loaded and validated');
  // runc's checkTerminal: a detached container's pty can only go to a console socket, and a console
  // socket only makes sense for a detached container with a terminal.
  const terminal = !!spec.process?.terminal;
  if (!opts.foreground && terminal && !opts.consoleSocket) throw new TsruncError('cannot allocate tty if tsrunc will detach without setting console socket', { field: 'process.terminal' });
  if ((opts.foreground || !terminal) && opts.consoleSocket) throw new TsruncError('cannot use console socket if tsrunc will not detach or allocate tty', { field: '--console-socket' });
  checkPreservedFds(opts.preserveFds);
  validateHooks(spec);
  const fifoPath = path.join(opts.root, opts.id, 'exec.fifo');
  // The manager only computes paths here; nothing is created until createContainer.
  const mgr = createManager({ id: opts.id, cgroupsPath: spec.linux?.cgroupsPath, systemd: opts.systemdCgroup, annotations: spec.annotations });
  // Socket activation: the LISTEN_FDS fds come first, then --preserve-fds (runc's runner.run).
  const listenFds = listenFdCount();
  const plan = compileCreatePlan(withListenEnv(spec, listenFds), {
    bundle: bundle.dir, rootfs: bundle.rootfs, fifoPath, noPivot: opts.noPivot, noNewKeyring: opts.noNewKeyring, preserveFds: listenFds + opts.preserveFds,
    cgroup: { version: mgr.record.version, paths: mgr.record.paths }, proxyPty: !!opts.foreground,
  });
  logPhase('plan compiled');
  return { spec, bundleDir: bundle.dir, rootfs: bundle.rootfs, plan, mgr };
}

/** `create --dry-run`: the plan create would run, one op a line, validated but not executed. */
export function describeCreate(opts: CreateOptions): string {
  const { plan } = prepare(opts);
  const { flagNames } = require('../linux/namespaces') as typeof import('../linux/namespaces');
  return `# tsrunc create ${opts.id}: clone3 flags ${plan.cloneFlags ? flagNames(plan.cloneFlags) : '0'}\n${plan.describe()}\n`;
}

export function createContainer(opts: CreateOptions): Created {
  if (!opts.systemdCgroup) primeMigration();
  const { spec, bundleDir, rootfs, plan, mgr } = prepare(opts);

  const dir = ContainerDir.create(opts.root, opts.id);
  const state: ContainerState = {
    ociVersion: spec.ociVersion,
    id: opts.id,
    bundle: bundleDir,
    rootfs,
    created: new Date().toISOString(),
    owner: ownerName(),
    annotations: spec.annotations,
    phase: 'creating',
    creator: { pid: process.pid, startTime: startTimeOf(process.pid) ?? '' },
    cgroup: mgr.record,
    config: spec,
    fifo: dir.fifoPath,
  };
  if (opts.noNewKeyring) state.noNewKeyring = true;
  if (!(spec.linux?.namespaces ?? []).some((n) => n.type === 'mount')) {
    const { recordHostMounts } = require('./hostMounts') as typeof import('./hostMounts');
    state.hostMounts = recordHostMounts(rootfs);
  }
  let pidfd = -1;
  let sock = -1;
  let hooksRan = false;
  let ptyMaster: number | undefined;
  try {
    // state.json is written before each resource is made, and not before it is needed (issue 12):
    // the first write is the one that records the cgroup directories about to be made (mgr.create
    // records them before it makes them), or, where none is made, the one before the fifo and init.
    let saved = false;
    const save = () => {
      dir.write(state);
      if (!saved) faultPoint('state-written');
      saved = true;
    };
    mgr.create((rec) => { state.cgroup = rec; save(); });
    if (!saved) save();
    faultPoint('cgroup-created');
    logPhase('cgroups made');
    mgr.apply(spec.linux?.resources, { devices: spec.linux?.devices });
    logPhase('resources applied');
    native().mkfifo(dir.fifoPath, 0o622);
    // Born in the container's cgroup v2 where there is one (CLONE_INTO_CGROUP); v1 hierarchies are
    // joined below, before GO: either way before anything of the container runs.
    setHookState(plan, stateOutput(state, 'created')); // createContainer/startContainer, run by the init
    const child = native().spawn(plan.serialize(), mgr.cloneTarget(), `create ${opts.id}`);
    pidfd = child.pidfd;
    sock = child.sock;
    state.pid = child.pid;
    state.pidStartTime = startTimeOf(child.pid);
    dir.write(state);
    logPhase('init spawned');
    logDebug(`init pid ${child.pid}`);
    faultPoint('spawned');
    if (child.intoCgroup) logDebug(`init cloned into cgroup ${mgr.cloneTarget()}`);
    mgr.addProcess(child.pid, { cloned: child.intoCgroup });
    writeIdMappings(spec, child.pid);
    const sync = new SyncDriver(plan, sock, 'container init', {
      hooks: () => {
        // Lifecycle steps 3-5: the hooks see the state the lifecycle implies after step 2, "created".
        moveNetDevices(spec, state.pid!);
        hooksRan = true;
        const ctx = { spec, state: stateOutput(state, 'created') };
        runHooks('prestart', ctx);
        runHooks('createRuntime', ctx);
      },
      mountFd: (op) => idmappedMountFd(plan, op, state.pid!),
      pty: (fd) => { ptyMaster = takePty(fd, opts.consoleSocket); },
      seccompFd: (fd) => sendSeccompFd(spec, fd, state.pid!, stateOutput(state, 'creating')),
      forked: (pid) => {
        // The init now lives in the joined/new PID namespace; the intermediate has exited.
        native().reap(state.pid!, 1);
        state.pid = pid;
        state.pidStartTime = startTimeOf(pid);
        dir.write(state);
        io.closeFd(pidfd);
        pidfd = native().pidfdOpen(pid);
      },
    });
    sync.send(Sync.GO);
    sync.until(Sync.READY);
    faultPoint('ready');
    logPhase('init ready');
    if (opts.pidFile) writePidFile(opts.pidFile, state.pid!);
    state.phase = 'created';
    dir.write(state);
    sync.send(Sync.COMMIT);
    sync.until(Sync.ACK);
    // Once the init waits on the exec fifo, as runc's (the receiver may act on it at once).
    if (opts.pidfdSocket) sendPidfd(opts.pidfdSocket, 'standard', pidfd);
    io.closeFd(sock);
    sock = -1;
    if (!opts.keepPidfd) { io.closeFd(pidfd); pidfd = -1; }
    logPhase('created');
    return { state, pidfd, ptyMaster };
  } catch (e) {
    if (sock >= 0) io.closeFd(sock);
    destroyResources(state, mgr, pidfd);
    if (pidfd >= 0) io.closeFd(pidfd);
    if (ptyMaster !== undefined) io.closeFd(ptyMaster);
    // runtime.md: a failing hook stops the container and continues at step 12 (destroy), then 13.
    if (hooksRan) runHooks('poststop', { spec, state: stateOutput(state, 'stopped') });
    dir.remove();
    throw e;
  } finally {
    dir.close();
  }
}

/** user_namespaces(7): the parent writes the child's maps while the child waits for GO. The maps
 * were checked when the plan was compiled (linux/idmappings.ts): both present, valid. */
function writeIdMappings(spec: Spec, pid: number): void {
  if (!spec.linux?.namespaces?.some((n) => n.type === 'user' && !n.path)) return;
  const write = (file: string, field: string, maps: IDMapping[]) => {
    try {
      io.writeFile(`/proc/${pid}/${file}`, idMapText(maps), 0);
    } catch (e) {
      throw sysError(`cannot write ${file}`, e, { field });
    }
  };
  write('uid_map', 'linux.uidMappings', spec.linux.uidMappings!);
  write('gid_map', 'linux.gidMappings', spec.linux.gidMappings!);
}

/** --preserve-fds N (runc's runner.run): every fd 3..3+N-1 must be one the caller passed, checked
 * before the runtime opens any of its own: a gap would otherwise hand the container whatever the
 * runtime opens there later (its state directory, a pidfd: the fd-leak class of CVE-2024-21626). */
export function checkPreservedFds(n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new TsruncError('must be a non-negative integer', { field: '--preserve-fds' });
  for (let i = 0; i < n; i++) {
    try {
      io.fstat(3 + i);
    } catch (e) {
      throw sysError(`unable to stat preserved-fd ${i} (of ${n})`, e, { field: '--preserve-fds' });
    }
  }
}

/** --pidfd-socket (runc 1.2+, libcontainer setupPidfd): one connection to the AF_UNIX stream socket,
 * one message, the init type as text ("standard" for an init, "setns" for an exec'd process), with
 * the process's pidfd as SCM_RIGHTS (runc's cmsg.SendRawFd). runc sends it from the process itself
 * just before the exec; this runtime holds a pidfd of it already and sends that one. */
export function sendPidfd(socketPath: string, initType: 'standard' | 'setns', pidfd: number): void {
  try {
    native().sendToListener(socketPath, initType, pidfd);
  } catch (e) {
    throw new TsruncError(`cannot send the pidfd: ${(e as Error).message}`, { field: '--pidfd-socket' });
  }
}

/** The pty master of process.terminal as the child sends it (create, run, exec): to --console-socket
 * when there is one; else returned for the foreground proxy. Its ONLCR is already off (runc's
 * console.ClearONLCR): the child clears it before sending the master (OPEN_PTY a3), so the
 * container's "\n" reaches our stdout as it was printed, from its very first output. */
export function takePty(fd: number, consoleSocket: string | undefined): number | undefined {
  if (consoleSocket) {
    sendPtyToConsole(consoleSocket, fd);
    return undefined;
  }
  return fd;
}

/** The pty master of process.terminal to --console-socket (SCM_RIGHTS) with its name, as runc's
 * utils.SendFile; closed here either way. */
function sendPtyToConsole(socketPath: string, fd: number): void {
  try {
    native().sendToListener(socketPath, '/dev/ptmx', fd);
  } catch (e) {
    throw new TsruncError(`cannot send the pty to the console socket: ${(e as Error).message}`, { field: '--console-socket' });
  } finally {
    io.closeFd(fd);
  }
}

/** Bare digits, no newline, written atomically (containerd parses it with strconv.Atoi). */
export function writePidFile(file: string, pid: number): void {
  const abs = path.resolve(file);
  const tmp = path.join(path.dirname(abs), `.${path.basename(abs)}.${process.pid}`);
  let made = false;
  try {
    // O_EXCL (runc's createPidFile too): a predictable name; never follow what someone planted there.
    io.writeNewFile(tmp, String(pid), 0o644, true);
    made = true;
    io.rename(tmp, abs);
  } catch (e) {
    if (made) try { io.unlink(tmp); } catch { /* gone */ }
    throw sysError(`cannot write pid file ${abs}`, e, { field: '--pid-file' });
  }
}

function ownerName(): string {
  const uid = process.getuid ? process.getuid() : 0;
  if (uid === 0) return 'root';
  try {
    const line = io.readText('/etc/passwd').split('\n').find((l) => l.split(':')[2] === String(uid));
    if (line) return line.split(':')[0];
  } catch { /* no passwd */ }
  return String(uid);
}
