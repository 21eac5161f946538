// Compile a validated config.json into the init plan for `create` (and `run`).
import * as io from '../fileio';
import * as path from '../posixpath';
import { TsruncError } from '../errors';
import type { Spec } from '../spec/types';
import { compileDevices } from './devices';
import { compileInitHooks } from '../hooks';
import { compileFinalizeRootfs, compileMounts, hostProcSysMounts, MS, rootPropagation } from './mounts';
import { compileNamespaces, namespaceSet } from './namespaces';
import { checkNetDevices } from './netdevices';
import { checkAllIdMappings } from './idmappings';
import { Mnt, Sync } from './opcodes';
import { Plan } from './plan';
import type { CgroupLayout } from './cgroupMount';
import { compileCredentials, compileExec, compileNoProcess } from './process';
import { compileKeyring } from './keyring';
import { compileRlimits } from './rlimits';
import { compileSysctl } from './sysctl';
import { checkUnsupported } from './unsupported';
import { checkCpuAffinity, compileIoPriority, compileMemoryPolicy, compilePersonality, compileScheduler } from './scheduling';

export interface CreateContext {
  bundle: string;
  rootfs: string;
  fifoPath: string;
  noPivot: boolean;
  noNewKeyring?: boolean;
  preserveFds: number;
  cgroup?: CgroupLayout;
  /** `run` in the foreground: the runtime copies the pty to its own stdout (OPEN_PTY clears ONLCR). */
  proxyPty?: boolean;
}

export function statKind(p: string): 'dir' | 'file' | 'missing' {
  try {
    return io.stat(p).isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
}

export function compileCreatePlan(spec: Spec, ctx: CreateContext): Plan {
  checkUnsupported(spec);
  const plan = new Plan();
  plan.preserveFds = ctx.preserveFds;
  const ns = namespaceSet(spec);
  // Without a mount namespace (config-linux.md: the container inherits the runtime's) the container
  // shares the host's mount table: it is only chroot'ed into its rootfs, as runc does, and what it
  // mounts lands on the host under the rootfs (delete unmounts it: src/container/hostMounts.ts).
  // What cannot be done without changing the host's own mounts is refused.
  const ownMounts = ns.has('mount');
  if (!ownMounts) {
    const need = (field: string) => new TsruncError('needs a mount namespace (linux.namespaces has none: the host\'s mounts would change)', { field });
    if (spec.linux?.maskedPaths?.length) throw need('linux.maskedPaths');
    if (spec.linux?.readonlyPaths?.length) throw need('linux.readonlyPaths');
    if (spec.linux?.rootfsPropagation) throw need('linux.rootfsPropagation');
    if (spec.root?.readonly) throw need('root.readonly');
    if (ctx.noPivot) throw need('--no-pivot');
  }
  checkAllIdMappings(spec, ns.isNew('user'));
  compileNamespaces(spec, plan, 'clone');

  // Until the parent has put us into the cgroup (and written the id maps) nothing may run.
  plan.add('PDEATHSIG', 'runtime', 'prctl(PR_SET_PDEATHSIG, SIGKILL): die with create', [9n]);
  plan.add('SYNC_WAIT', 'runtime', 'wait for the runtime: cgroup joined', [BigInt(Sync.GO)]);
  // runc writes oom_score_adj before any namespace is entered (nsexec's stage 0): here too, while the
  // child is host uid 0, as its /proc/<pid>/oom_score_adj belongs to host root (non-dumpable).
  if (spec.process?.oomScoreAdj !== undefined) {
    plan.add('WRITE_FILE', 'process.oomScoreAdj', `oom_score_adj = ${spec.process.oomScoreAdj}`, [], ['/proc/self/oom_score_adj', String(spec.process.oomScoreAdj)]);
  }
  compileNamespaces(spec, plan, 'afterGo');
  // In the container's user namespace (as its root), so the keyring belongs to the container.
  if (!ctx.noNewKeyring) compileKeyring(spec, plan);
  // execCPUAffinity is for processes started by `exec`, not the init (config.md); checked here so a
  // bad list is refused at create.
  checkCpuAffinity(spec);
  plan.add('STDIO', 'runtime', 'make fds 0-2 inheritable and blocking');
  plan.add('SETSID', 'runtime', 'setsid()');

  // Root filesystem (runtime-linux.md, config.md "Root", "Mounts").
  // Before anything is mounted, every mount copied from the host becomes a slave: nothing the
  // container mounts can propagate back to the host, whatever linux.rootfsPropagation says, and
  // pivot_root does not meet a shared mount (EINVAL). The configured propagation is given to the
  // container's own root once it is the root (below), as runc does.
  const prop = rootPropagation(spec);
  if (ownMounts) {
    plan.add('MOUNT', 'runtime', 'make / rslave: no mount propagates to the host', [0n, BigInt(MS.SLAVE | MS.REC), BigInt(Mnt.PROPAGATION_ONLY), 0n], [null, '/', null, null]);
    plan.add('MOUNT', 'root.path', `rbind ${ctx.rootfs} onto itself (a mount point for pivot_root)`,
      [0n, 0n, BigInt(Mnt.BIND | Mnt.RECURSIVE), 0n], [ctx.rootfs, ctx.rootfs, null, null]);
  }
  plan.add('OPEN_ROOT', 'root.path', `open ${ctx.rootfs} as the root for path resolution`, [], [ctx.rootfs]);
  plan.add('OPEN_FIFO', 'runtime', `open ${ctx.fifoPath} (O_PATH) before leaving the host's root`, [], [ctx.fifoPath]);
  compileMounts(spec, plan, { bundle: ctx.bundle, rootfs: ctx.rootfs, statSource: statKind, cgroup: ctx.cgroup, cgroupNs: ns.has('cgroup'), userNs: ns.has('user') });
  compileDevices(spec, plan);
  // runtime.md lifecycle steps 3-5: prestart, createRuntime and createContainer hooks run once the
  // namespaces and mounts exist, before pivot_root (config.md "createContainer Hooks").
  // linux.netDevices are moved by the runtime at the same point, before those hooks (which may
  // configure them further).
  const moves = checkNetDevices(spec);
  const hooks = ['prestart', 'createRuntime', 'createContainer'].some((h) => (spec.hooks as Record<string, unknown[]> | undefined)?.[h]?.length);
  if (moves.length || hooks) {
    const what = [moves.length ? `move network devices ${moves.map((d) => `${d.host} as ${d.name}`).join(', ')} into the container's network namespace` : '', hooks ? 'run prestart, createRuntime, createContainer hooks' : ''].filter(Boolean).join(', then ');
    const source = moves.length ? 'linux.netDevices' : 'hooks';
    plan.add('SYNC_SEND', source, `ask the runtime to ${what}`, [BigInt(Sync.HOOKS)]);
    plan.add('SYNC_WAIT', source, 'wait for the runtime', [BigInt(Sync.GO)]);
  }
  compileInitHooks(spec, plan, 'createContainer');
  if (!ownMounts) plan.add('MOVE_ROOT', 'root.path', `chroot ${ctx.rootfs} (no mount namespace: no pivot_root)`, [1n], [ctx.rootfs]);
  else if (ctx.noPivot) {
    for (const m of hostProcSysMounts(io.readText('/proc/self/mountinfo'), ctx.rootfs))
      plan.add('HIDE_MOUNT', '--no-pivot', `detach (or cover) the host's ${m}: no full procfs/sysfs left to make a fresh one from`, [], [m]);
    plan.add('MOVE_ROOT', 'root.path', `mount --move ${ctx.rootfs} / && chroot .`, [0n], [ctx.rootfs]);
  } else plan.add('PIVOT_ROOT', 'root.path', `pivot_root to ${ctx.rootfs}, detach the old root`, [], [ctx.rootfs]);
  if (prop !== undefined) plan.add('MOUNT', 'linux.rootfsPropagation', `make / ${propName(prop)}`, [0n, BigInt(prop), BigInt(Mnt.PROPAGATION_ONLY), 0n], [null, '/', null, null]);
  plan.add('OPEN_ROOT', 'root.path', 'open / (the container root) for path resolution', [], ['/']);
  if (spec.process?.terminal) {
    // config.md "terminal", config-linux.md "Default Devices" (/dev/console): after pivot_root, so the
    // pty is the container's own devpts's.
    const size = spec.process.consoleSize;
    plan.add('OPEN_PTY', 'process.terminal', `open a pty in the container${size ? ` (${size.height}x${size.width})` : ''}${ctx.proxyPty ? ', clear ONLCR' : ''}, send the master, bind it over /dev/console, make it stdio and the controlling terminal`,
      [BigInt(size?.height ?? 0), BigInt(size?.width ?? 0), 0n, ctx.proxyPty ? 1n : 0n]);
  }
  compileFinalizeRootfs(spec, plan);
  if (spec.root?.readonly) plan.add('REMOUNT_RO_ROOT', 'root.readonly', 'mount_setattr(/, MOUNT_ATTR_RDONLY)');

  if (spec.hostname !== undefined && spec.hostname !== '') {
    if (!ns.has('uts')) throw new TsruncError('setting the hostname requires a UTS namespace', { field: 'hostname' });
    // sethostname(2): EINVAL past HOST_NAME_MAX; refused before anything is made (runc fails in init).
    if (Buffer.byteLength(spec.hostname) > 64) throw new TsruncError(`${Buffer.byteLength(spec.hostname)} bytes: longer than 64 (HOST_NAME_MAX)`, { field: 'hostname' });
    plan.add('SETHOSTNAME', 'hostname', `sethostname("${spec.hostname}")`, [], [spec.hostname]);
  }
  if (spec.domainname !== undefined && spec.domainname !== '') {
    if (!ns.has('uts')) throw new TsruncError('setting the domainname requires a UTS namespace', { field: 'domainname' });
    if (Buffer.byteLength(spec.domainname) > 64) throw new TsruncError(`${Buffer.byteLength(spec.domainname)} bytes: longer than 64 (setdomainname(2))`, { field: 'domainname' });
    plan.add('SETDOMAINNAME', 'domainname', `setdomainname("${spec.domainname}")`, [], [spec.domainname]);
  }
  compileSysctl(spec, plan);
  (spec.linux?.readonlyPaths ?? []).forEach((p, i) => {
    if (!path.isAbsolute(p)) throw new TsruncError(`path must be absolute, got "${p}"`, { field: `linux.readonlyPaths[${i}]` });
    plan.add('READONLY_PATH', `linux.readonlyPaths[${i}]`, `bind ${p} read-only`, [], [p]);
  });
  // A path given twice is masked once (runc's maskPaths keeps a set of the cleaned paths).
  const masked = new Set<string>();
  (spec.linux?.maskedPaths ?? []).forEach((p, i) => {
    if (!path.isAbsolute(p)) throw new TsruncError(`path must be absolute, got "${p}"`, { field: `linux.maskedPaths[${i}]` });
    const clean = path.normalize(p).replace(/\/+$/, '') || '/'; // Go's filepath.Clean
    if (masked.has(clean)) return;
    masked.add(clean);
    plan.add('MASK_PATH', `linux.maskedPaths[${i}]`, `mask ${p}`, [], [p]);
  });
  compileRlimits(spec, plan);
  compileScheduler(spec, plan);
  compileIoPriority(spec, plan);
  compilePersonality(spec, plan);
  compileMemoryPolicy(spec, plan);
  if (!spec.process) {
    // runtime.md "start": created without a process, the init only holds the namespaces until
    // `start` reports the error and stops it; if the fifo is ever opened, the plan has no exec.
    compileNoProcess(plan, ctx.preserveFds);
    return plan;
  }
  compileCredentials(spec, plan, ctx.preserveFds);
  compileExec(spec, plan, { preserveFds: ctx.preserveFds, waitFifo: true });
  return plan;
}

function propName(flags: number): string {
  const base = flags & MS.SHARED ? 'shared' : flags & MS.SLAVE ? 'slave' : flags & MS.PRIVATE ? 'private' : 'unbindable';
  return (flags & MS.REC ? 'r' : '') + base;
}
