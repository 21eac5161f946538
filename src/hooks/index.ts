// Hooks (config.md "POSIX-platform Hooks", runtime.md "Lifecycle"). Each hook gets the container's
// state JSON on stdin and honours `timeout`. prestart, createRuntime, poststart and poststop run in
// the runtime's namespaces; createContainer and startContainer in the container's namespaces: for
// those the addon spawns a process that setns()s into /proc/<init>/ns/* before execve (the plan
// interpreter again: SETNS..., DUP2 stdin, RESOLVE_EXEC, EXEC).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TsruncError, errnoName } from '../errors';
import { logWarn } from '../log';
import { native } from '../native';
import { Plan, stringVector } from '../linux/plan';
import { CLONE_NEW } from '../linux/namespaces';
import type { Hook, Hooks, Spec, StateOutput } from '../spec/types';

export type HookPoint = keyof Hooks;

export function hooksOf(spec: Spec, point: HookPoint): Hook[] {
  return spec.hooks?.[point] ?? [];
}

/** Checks done at create time: absolute paths, positive timeouts, and (for the hooks whose path
 * resolves in the runtime namespace) that the executable exists. */
export function validateHooks(spec: Spec): void {
  for (const [point, list] of Object.entries(spec.hooks ?? {}) as [HookPoint, Hook[]][]) {
    (list ?? []).forEach((h, i) => {
      const field = `hooks.${point}[${i}]`;
      if (!path.isAbsolute(h.path)) throw new TsruncError(`hook path must be absolute, got "${h.path}"`, { field: `${field}.path` });
      if (h.timeout !== undefined && h.timeout <= 0) throw new TsruncError('timeout must be greater than zero', { field: `${field}.timeout` });
      if (point !== 'startContainer' && !fs.existsSync(h.path)) throw new TsruncError(`hook executable ${h.path} does not exist`, { field: `${field}.path` });
    });
  }
}

/** Container namespaces a hook joins, in setns order: user first (it owns the others), mount last
 * (after it, /proc/<init>/ns/* would be looked up in the container's /proc). Joining a PID namespace
 * applies to children only: the plan forks once more, and the intermediate mirrors the hook's status. */
const NS_FILES: [string, string][] = [['user', 'user'], ['pid', 'pid'], ['network', 'net'], ['ipc', 'ipc'], ['uts', 'uts'], ['cgroup', 'cgroup'], ['mount', 'mnt']];

export interface HookContext {
  spec: Spec;
  state: StateOutput;
  /** Run the hooks inside the namespaces of this pid (createContainer, startContainer). */
  nsPid?: number;
}

export function runHooks(point: HookPoint, ctx: HookContext): void {
  hooksOf(ctx.spec, point).forEach((hook, i) => {
    const field = `hooks.${point}[${i}]`;
    try {
      if (ctx.nsPid) runInNamespaces(hook, ctx, field);
      else runInRuntime(hook, ctx, field);
    } catch (e) {
      if (point === 'poststop') logWarn(`${field}: ${(e as Error).message}`);
      else throw e;
    }
  });
}

function runInRuntime(hook: Hook, ctx: HookContext, field: string): void {
  const args = hook.args?.length ? hook.args : [hook.path];
  const r = spawnSync(hook.path, args.slice(1), {
    argv0: args[0], env: envOf(hook), input: JSON.stringify(ctx.state), encoding: 'utf8',
    timeout: hook.timeout ? hook.timeout * 1000 : undefined, killSignal: 'SIGKILL', stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === 'ETIMEDOUT') throw new TsruncError(`hook ${hook.path} timed out after ${hook.timeout}s`, { field });
    throw new TsruncError(`hook ${hook.path} could not run: ${code ?? r.error.message}`, { field });
  }
  if (r.status !== 0) {
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().replace(/\s*\n\s*/g, ' ');
    const why = r.signal ? `was killed by ${r.signal}` : `exited with status ${r.status}`;
    throw new TsruncError(`hook ${hook.path} ${why}${out ? `: ${out}` : ''}`, { field });
  }
}

function envOf(hook: Hook): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const e of hook.env ?? []) {
    const k = e.indexOf('=');
    if (k > 0) env[e.slice(0, k)] = e.slice(k + 1);
  }
  return env;
}

function runInNamespaces(hook: Hook, ctx: HookContext, field: string): void {
  const n = native();
  const stdinFile = path.join(os.tmpdir(), `.tsrunc-hook-${process.pid}-${Date.now()}`);
  // runtime.md "State": for hooks in the container namespace, the pid as seen by the container.
  fs.writeFileSync(stdinFile, JSON.stringify({ ...ctx.state, pid: pidInNamespace(ctx.nsPid!) ?? ctx.state.pid }), { mode: 0o600 });
  const stdinFd = fs.openSync(stdinFile, 'r');
  fs.unlinkSync(stdinFile);
  let child: { pid: number; pidfd: number; sock: number } | undefined;
  let reaped = false;
  try {
    const plan = new Plan();
    plan.preserveFds = stdinFd - 2; // keep the stdin fd through the child's first fd sweep
    const wanted = new Set((ctx.spec.linux?.namespaces ?? []).map((ns) => ns.type));
    for (const [type, file] of NS_FILES) {
      if (!wanted.has(type)) continue;
      const nsPath = `/proc/${ctx.nsPid}/ns/${file}`;
      plan.add('SETNS', field, `setns(${nsPath})`, [CLONE_NEW[type]], [nsPath]);
    }
    plan.add('DUP2', field, 'state on stdin', [BigInt(stdinFd), 0n]);
    plan.add('CLOSE_FDS', field, 'close_range(3, ~0, CLOEXEC)', [3n]);
    if (wanted.has('pid')) {
      plan.add('FORK', field, 'fork into the container\'s PID namespace; the intermediate waits and mirrors the status', [1n]);
      plan.add('PDEATHSIG', field, 'die with the intermediate (a timeout kills it)', [9n]);
    }
    plan.add('RESOLVE_EXEC', field, `check ${hook.path}`, [], [hook.path, '']);
    const args = hook.args?.length ? hook.args : [hook.path];
    const env = hook.env ?? [];
    plan.add('EXEC', field, `execve(${hook.path})`, [BigInt(args.length), BigInt(env.length)], [stringVector(args), env.length ? stringVector(env) : null]);
    child = n.spawn(plan.serialize(), undefined, `hook ${field}`);
    // The sync socket is close-on-exec: EOF means execve succeeded; a message is a failure before it.
    const m = n.syncRecv(child.sock);
    if (m) throw new TsruncError(`hook ${hook.path}: ${m.text}${m.errno ? `: ${errnoName(m.errno)}` : ''}`, { field });
    const st = n.waitPidfd(child.pidfd, hook.timeout ? hook.timeout * 1000 : -1);
    if (!st) {
      n.pidfdSendSignal(child.pidfd, 9);
      n.waitPidfd(child.pidfd, -1);
      reaped = true;
      throw new TsruncError(`hook ${hook.path} timed out after ${hook.timeout}s`, { field });
    }
    reaped = true;
    if (st.code !== 0) throw new TsruncError(`hook ${hook.path} ${st.signal ? `was killed by signal ${st.signal}` : `exited with status ${st.code}`}`, { field });
  } finally {
    fs.closeSync(stdinFd);
    if (child) {
      fs.closeSync(child.sock);
      if (!reaped) n.waitPidfd(child.pidfd, -1); // it failed before execve and is exiting
      fs.closeSync(child.pidfd);
    }
  }
}

/** The pid of `pid` in its own (innermost) PID namespace: the last field of NSpid. */
export function pidInNamespace(pid: number): number | undefined {
  try {
    const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/^NSpid:\s*(.*)$/m);
    const last = m?.[1].trim().split(/\s+/).pop();
    return last ? Number(last) : undefined;
  } catch {
    return undefined;
  }
}
