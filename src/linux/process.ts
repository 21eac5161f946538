// The tail of the plan: credentials, capabilities, no_new_privs, cwd and the exec itself.
// The order is runc's (libcontainer/init_linux.go finalizeNamespace and standard_init_linux.go):
//  1. drop the bounding set while we still have CAP_SETPCAP;
//  2. PR_SET_KEEPCAPS, so setuid() to a non-root user keeps the permitted set;
//  3. setgroups, setgid, setuid (gid first: after setuid we could no longer change it);
//  4. clear KEEPCAPS, then capset() the effective/permitted/inheritable sets and raise ambient ones
//     (setuid cleared the effective set; ambient capabilities need permitted+inheritable first);
//  5. no_new_privs just before waiting on the exec fifo, seccomp as close to execve as possible so
//     that a strict profile still lets the runtime finish (runc loads it there when no_new_privs is
//     set; without it, loading a filter needs CAP_SYS_ADMIN, so it goes before the capabilities drop).
import { TsruncError } from '../errors';
import type { Process, Spec } from '../spec/types';
import { logWarn } from '../log';
import { capabilityMasks, dropUngrantable, maskNames, runtimeBoundingSet } from './capabilities';
import { Sync } from './opcodes';
import { Plan, stringVector } from './plan';
import { seccompOp, usesNotify } from './seccomp';
import { compileInitHooks } from '../hooks';
import { compileCpuAffinity } from './scheduling';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function processEnv(spec: Spec): string[] {
  return spec.process?.env ?? [];
}

/**
 * process.env as runc's prepareEnv (libcontainer/env.go) hands it to execve: every entry KEY=value
 * with a non-empty KEY and no NUL, duplicates dropped keeping each key's last entry, at that entry's
 * place (Go's dedupEnv), and an empty HOME dropped: SET_HOME appends the user's.
 */
export function prepareEnv(env: string[]): string[] {
  env.forEach((e, i) => {
    const eq = e.indexOf('=');
    if (eq < 0) throw new TsruncError(`environment entry "${e}" is not KEY=value`, { field: `process.env[${i}]` });
    if (eq === 0) throw new TsruncError(`environment entry "${e}" has an empty name`, { field: `process.env[${i}]` });
    if (e.includes('\0')) throw new TsruncError(`environment entry ${JSON.stringify(e)} contains a NUL byte`, { field: `process.env[${i}]` });
  });
  const seen = new Set<string>();
  const out: string[] = [];
  for (let i = env.length - 1; i >= 0; i--) {
    const key = env[i].slice(0, env[i].indexOf('='));
    if (seen.has(key)) continue;
    seen.add(key);
    if (env[i] !== 'HOME=') out.push(env[i]);
  }
  return out.reverse();
}

/** The value of `key` in env (the last entry wins, as execve's reader sees it), or undefined. */
function envValue(env: string[], key: string): string | undefined {
  return env.filter((v) => v.startsWith(`${key}=`)).pop()?.slice(key.length + 1);
}

export function pathOf(env: string[]): string {
  return envValue(env, 'PATH') ?? DEFAULT_PATH;
}

export function homeOf(env: string[]): string | undefined {
  return envValue(env, 'HOME');
}

/** process.user with runc's defaults: an absent user, uid or gid is 0 (runc decodes the JSON into
 * Go structs, whose zero value that is); absent additionalGids is none. */
export function processUser(p: Process): { uid: number; gid: number; umask?: number; additionalGids: number[] } {
  const u = p.user ?? {};
  return { uid: u.uid ?? 0, gid: u.gid ?? 0, umask: u.umask, additionalGids: u.additionalGids ?? [] };
}

export function compileCredentials(spec: Spec, plan: Plan, preserveFds: number): void {
  const p = spec.process!;
  const user = processUser(p);
  const unknown: string[] = [];
  const caps = capabilityMasks(p.capabilities, unknown);
  if (unknown.length) logWarn(`process.capabilities: ignoring unknown capabilities: [${unknown.sort().join(' ')}]`);
  const ungrantable = dropUngrantable(caps, runtimeBoundingSet());
  if (ungrantable) logWarn(`process.capabilities: ${ungrantable} not in the runtime's bounding set: not granted`);
  // The kernel raises an ambient capability only if it is permitted and inheritable: runc 1.2+ warns
  // for each one that is not, in these words (capabilities.bats), and goes on without it.
  const unraisable = caps.ambient & ~(caps.permitted & caps.inheritable);
  for (let c = 0n; c < 64n; c++) {
    if (unraisable & (1n << c)) logWarn(`process.capabilities.ambient: can't raise ambient capability ${maskNames(1n << c)}: operation not permitted (not in both the permitted and the inheritable set)`);
  }
  // Every fd beyond stdio and the preserved ones is closed by execve. Done before any seccomp filter
  // (a profile may deny close_range) and while a failure can still be reported over the socket.
  plan.add('CLOSE_FDS', 'runtime', `close_range(${3 + preserveFds}, ~0, CLOSE_RANGE_CLOEXEC)`, [BigInt(3 + preserveFds)]);
  // runc's finalizeNamespace: the cwd is entered while the process still has root's privileges (a
  // cwd only root can reach), and once more after setuid if root was refused (compileExec).
  plan.add('CHDIR', 'process.cwd', `chdir("${p.cwd}") with root's privileges (EACCES/EPERM: again as the process user)`, [1n], [p.cwd]);
  if (!p.noNewPrivileges) seccompOp(spec, plan);
  if (p.capabilities) plan.add('CAPS_BOUNDING', 'process.capabilities.bounding', `drop bounding set to ${maskNames(caps.bounding)}`, [caps.bounding]);
  // runc's fixStdioPermissions, while we may still chown: the pty (process.terminal) or the
  // caller's pipes become the process user's (uid only; the devpts tty group stays).
  plan.add('CHOWN_STDIO', 'process.user.uid', `chown stdio (not /dev/null) to uid ${user.uid}`, [BigInt(user.uid)]);
  // runc's prepareEnv, for the init and for exec: a process.env without HOME (or whose last HOME is
  // empty) gets the user's home from the container's /etc/passwd, read in its root before the user
  // change; "/" when the uid has no entry. (compileExec validates and deduplicates the env itself:
  // the last HOME entry of the raw env is the one prepareEnv keeps.)
  if (!homeOf(processEnv(spec))) plan.add('SET_HOME', 'process.env', `HOME = home of uid ${user.uid} in /etc/passwd, or "/"`, [BigInt(user.uid)]);
  plan.add('KEEPCAPS', 'process.user', 'prctl(PR_SET_KEEPCAPS, 1)', [1n]);
  const gids = user.additionalGids;
  const blob = Buffer.alloc(gids.length * 4);
  gids.forEach((g, i) => blob.writeUInt32LE(g >>> 0, i * 4));
  plan.add('SETGROUPS', 'process.user.additionalGids', `setgroups([${gids.join(',')}])`, [BigInt(gids.length)], [blob]);
  plan.add('SETGID', 'process.user.gid', `setresgid(${user.gid})`, [BigInt(user.gid)]);
  plan.add('SETUID', 'process.user.uid', `setresuid(${user.uid})`, [BigInt(user.uid)]);
  plan.add('KEEPCAPS', 'process.user', 'prctl(PR_SET_KEEPCAPS, 0)', [0n]);
  if (p.capabilities) {
    plan.add('CAPSET', 'process.capabilities', `capset(effective=${maskNames(caps.effective)}, permitted=${maskNames(caps.permitted)}, inheritable=${maskNames(caps.inheritable)}), ambient=${maskNames(caps.ambient)}`,
      [caps.effective, caps.permitted, caps.inheritable, caps.ambient]);
  }
}

/** The end of an init's plan when config.json has no process: report ready, detach, wait. */
export function compileNoProcess(plan: Plan, preserveFds: number): void {
  plan.add('CLOSE_FDS', 'runtime', `close_range(${3 + preserveFds}, ~0, CLOSE_RANGE_CLOEXEC)`, [BigInt(3 + preserveFds)]);
  plan.add('SYNC_SEND', 'runtime', 'tell the runtime: ready', [BigInt(Sync.READY)]);
  plan.add('SYNC_WAIT', 'runtime', 'wait for the runtime to record the container', [BigInt(Sync.COMMIT)]);
  plan.add('PDEATHSIG', 'runtime', 'prctl(PR_SET_PDEATHSIG, 0): outlive create', [0n]);
  plan.add('SYNC_SEND', 'runtime', 'tell the runtime: detached', [BigInt(Sync.ACK)]);
  plan.add('WAIT_FIFO', 'process', 'no process to run: wait until `start` stops the container');
}

export interface ExecOptions {
  /** Number of extra fds (3..3+n-1) passed to the container (--preserve-fds). */
  preserveFds: number;
  /** Whether to wait on the exec fifo (create) or exec at once (exec of a running container). */
  waitFifo: boolean;
}

export function compileExec(spec: Spec, plan: Plan, opts: ExecOptions): void {
  const p = spec.process!;
  const args = p.args ?? [];
  if (!args.length || !args[0]) throw new TsruncError('args must not be empty', { field: 'process.args' });
  const env = prepareEnv(processEnv(spec));
  // Without user.umask the caller's umask stays (as runc); the child itself runs with umask 0 so
  // that device nodes and mount points get exactly their configured modes.
  const umask = processUser(p).umask ?? callerUmask();
  plan.add('UMASK', 'process.user.umask', `umask(${umask.toString(8).padStart(4, '0')})`, [BigInt(umask)]);
  plan.add('CHDIR', 'process.cwd', `chdir("${p.cwd}") as the process user, if it failed as root`, [2n], [p.cwd]);
  plan.add('RESOLVE_EXEC', 'process.args[0]', `find "${args[0]}" in PATH=${pathOf(env)}`, [], [args[0], pathOf(env)]);
  const early = p.noNewPrivileges && usesNotify(spec);
  if (early) {
    plan.add('NO_NEW_PRIVS', 'process.noNewPrivileges', 'prctl(PR_SET_NO_NEW_PRIVS, 1)');
    seccompOp(spec, plan);
  }
  if (opts.waitFifo) {
    plan.add('SYNC_SEND', 'runtime', 'tell the runtime: ready', [BigInt(Sync.READY)]);
    plan.add('SYNC_WAIT', 'runtime', 'wait for the runtime to record the container', [BigInt(Sync.COMMIT)]);
    plan.add('PDEATHSIG', 'runtime', 'prctl(PR_SET_PDEATHSIG, 0): outlive create', [0n]);
    plan.add('SYNC_SEND', 'runtime', 'tell the runtime: detached', [BigInt(Sync.ACK)]);
  }
  if (p.noNewPrivileges && !early) plan.add('NO_NEW_PRIVS', 'process.noNewPrivileges', 'prctl(PR_SET_NO_NEW_PRIVS, 1)');
  if (opts.waitFifo) plan.add('WAIT_FIFO', 'runtime', 'block on the exec fifo until `start`');
  // config.md: execCPUAffinity "is not applicable to the container's init process".
  if (!opts.waitFifo) compileCpuAffinity(spec, plan, 'final');
  if (p.noNewPrivileges && !early) seccompOp(spec, plan);
  if (opts.waitFifo) compileInitHooks(spec, plan, 'startContainer');
  plan.add('EXEC', 'process.args', `execve(${JSON.stringify(args)})`, [BigInt(args.length), BigInt(env.length)], [stringVector(args), env.length ? stringVector(env) : null]);
}

function callerUmask(): number {
  const m = process.umask(0o022);
  process.umask(m);
  return m;
}
