// The plan for `exec`: a new process in a running container (runc's setns init). The process joins
// all of the init's namespaces at once through its pidfd (setns(2) with a PID file descriptor, so a
// reused pid can never be joined), forks once more into the PID namespace, then gets the same
// process attributes, credentials, seccomp filter and execve as an init does (process.ts).
import type { Spec } from '../spec/types';
import { CLONE_NEW } from './namespaces';
import { Sync } from './opcodes';
import { Plan } from './plan';
import { compileCredentials, compileExec } from './process';
import { compileKeyring } from './keyring';
import { compileRlimits } from './rlimits';
import { checkCpuAffinity, compileCpuAffinity, compileIoPriority, compilePersonality, compileScheduler } from './scheduling';

export interface ExecPlanContext {
  /** Namespace types (config names: "pid", "mount", ...) in which the init differs from the runtime. */
  joinTypes: string[];
  /** The container has no mount namespace: chroot into this rootfs. */
  chrootTo?: string;
  preserveFds: number;
  /** Join a new session keyring (runc's setns init does, unless the container was created with
   * --no-new-keyring). */
  newKeyring?: boolean;
  /** exec in the foreground: the runtime copies the pty to its own stdout (OPEN_PTY clears ONLCR). */
  proxyPty?: boolean;
}

/** `spec` is the container's config with `process` replaced by the process to run. */
export function compileExecPlan(spec: Spec, ctx: ExecPlanContext): Plan {
  const plan = new Plan();
  plan.preserveFds = ctx.preserveFds;
  checkCpuAffinity(spec);
  // config.md execCPUAffinity.initial: "before the process joins the container's cgroup": applied,
  // then reported, and only then does the runtime move the process into the cgroup.
  if (spec.process?.execCPUAffinity?.initial) {
    compileCpuAffinity(spec, plan, 'initial');
    plan.add('SYNC_SEND', 'runtime', 'tell the runtime: initial affinity set, join the cgroup', [BigInt(Sync.READY)]);
  }
  plan.add('PDEATHSIG', 'runtime', 'prctl(PR_SET_PDEATHSIG, SIGKILL): die with exec until set up', [9n]);
  plan.add('SYNC_WAIT', 'runtime', 'wait for the runtime: cgroup joined', [BigInt(Sync.GO)]);
  let flags = 0n;
  for (const t of ctx.joinTypes) flags |= CLONE_NEW[t];
  if (flags) plan.add('SETNS_PIDFD', 'linux.namespaces', `setns(init's pidfd, ${ctx.joinTypes.join('|')})`, [flags]);
  if (ctx.joinTypes.includes('pid') || ctx.joinTypes.includes('time')) {
    // A PID (or time) namespace applies to children only.
    plan.add('FORK', 'linux.namespaces', 'fork into the PID namespace; report the new pid; the intermediate exits', [0n]);
    plan.add('SYNC_WAIT', 'runtime', 'wait for the runtime to record the pid', [BigInt(Sync.GO)]);
    plan.add('PDEATHSIG', 'runtime', 'prctl(PR_SET_PDEATHSIG, SIGKILL): die with exec until set up', [9n]);
  }
  if (ctx.newKeyring) compileKeyring(spec, plan);
  if (ctx.chrootTo) plan.add('MOVE_ROOT', 'root.path', `chroot ${ctx.chrootTo} (no mount namespace)`, [1n], [ctx.chrootTo]);
  plan.add('OPEN_ROOT', 'root.path', 'open / (the container root) for path resolution', [], ['/']);
  plan.add('STDIO', 'runtime', 'make fds 0-2 inheritable and blocking');
  plan.add('SETSID', 'runtime', 'setsid()');
  const p = spec.process!;
  if (p.terminal) {
    const size = p.consoleSize;
    plan.add('OPEN_PTY', 'process.terminal', `open a pty in the container${size ? ` (${size.height}x${size.width})` : ''}${ctx.proxyPty ? ', clear ONLCR' : ''}, send the master, make it stdio and the controlling terminal`,
      [BigInt(size?.height ?? 0), BigInt(size?.width ?? 0), 1n, ctx.proxyPty ? 1n : 0n]);
  }
  if (p.oomScoreAdj !== undefined) {
    plan.add('WRITE_FILE', 'process.oomScoreAdj', `oom_score_adj = ${p.oomScoreAdj}`, [], ['/proc/self/oom_score_adj', String(p.oomScoreAdj)]);
  }
  compileRlimits(spec, plan);
  compileScheduler(spec, plan);
  compileIoPriority(spec, plan);
  // runc 1.2+ (setns_init_linux.go): the exec'd process gets the container's personality too.
  compilePersonality(spec, plan);
  compileCredentials(spec, plan, ctx.preserveFds);
  // The runtime may go once the process runs: exec in the foreground waits on its pidfd.
  plan.add('PDEATHSIG', 'runtime', 'prctl(PR_SET_PDEATHSIG, 0): outlive exec', [0n]);
  compileExec(spec, plan, { preserveFds: ctx.preserveFds, waitFifo: false });
  return plan;
}
