// Hooks (config.md "POSIX-platform Hooks", runtime.md "Lifecycle"). Each hook gets the container's
// state JSON on stdin and honours `timeout`. prestart, createRuntime, poststart and poststop run in
// the runtime's namespaces, from here; createContainer and startContainer are run by the container's
// process itself, as runc does: RUN_HOOK plan ops (compileInitHooks; addon/child.c op_run_hook), the
// state on a memfd, never through a named file.
import { exists } from '../fileio';
import { isAbsolute } from '../posixpath';
import { TsruncError, hookErrorText, sysError } from '../errors';
import { logWarn } from '../log';
import type { Plan } from '../linux/plan';
import { stringVector } from '../linux/plan';
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
      if (!isAbsolute(h.path)) throw new TsruncError(`hook path must be absolute, got "${h.path}"`, { field: `${field}.path` });
      if (h.timeout !== undefined && h.timeout <= 0) throw new TsruncError('timeout must be greater than zero', { field: `${field}.timeout` });
      if (point !== 'startContainer' && !exists(h.path)) throw new TsruncError(`hook executable ${h.path} does not exist`, { field: `${field}.path` });
    });
  }
}

export interface HookContext {
  spec: Spec;
  state: StateOutput;
}

export function runHooks(point: HookPoint, ctx: HookContext): void {
  hooksOf(ctx.spec, point).forEach((hook, i) => {
    const field = `hooks.${point}[${i}]`;
    try {
      runInRuntime(hook, ctx, field);
    } catch (e) {
      if (point === 'poststop') logWarn(`${field}: ${(e as Error).message}`);
      else throw e;
    }
  });
}

function runInRuntime(hook: Hook, ctx: HookContext, field: string): void {
  const args = hook.args?.length ? hook.args : [hook.path];
  // Loaded only when a hook runs: node:child_process costs ~86 page faults (~1.7 ms here) at every
  // create, start and run, and most containers have no runtime hooks (issue 12).
  const { spawnSync } = require('child_process') as typeof import('child_process');
  const r = spawnSync(hook.path, args.slice(1), {
    argv0: args[0], env: envOf(hook), input: JSON.stringify(ctx.state), encoding: 'utf8',
    timeout: hook.timeout ? hook.timeout * 1000 : undefined, killSignal: 'SIGKILL', stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === 'ETIMEDOUT') throw new TsruncError(hookErrorText(field, `hook ${hook.path} timed out after ${hook.timeout}s`), { field });
    throw sysError(hookErrorText(field, `hook ${hook.path} could not run`), r.error, { field });
  }
  if (r.status !== 0) {
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().replace(/\s*\n\s*/g, ' ');
    const why = r.signal ? `was killed by ${r.signal}` : `exited with status ${r.status}`;
    throw new TsruncError(hookErrorText(field, `hook ${hook.path} ${why}${out ? `: ${out}` : ''}`), { field });
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

/** Where the state's pid goes in a RUN_HOOK op's template: the process puts its own getpid() there. */
const PID_MARK = '\u0000pid\u0000';

/** The in-container hooks of `point` as RUN_HOOK ops (createContainer: after the runtime's hooks,
 * before pivot_root; startContainer: after the exec fifo and the seccomp filter, right before
 * execve, as runc's standard_init_linux.go). Their state is filled in by setHookState. */
export function compileInitHooks(spec: Spec, plan: Plan, point: 'createContainer' | 'startContainer'): void {
  hooksOf(spec, point).forEach((hook, i) => {
    const field = `hooks.${point}[${i}]`;
    const args = hook.args?.length ? hook.args : [hook.path];
    // runc (Hooks.SetDefaultEnv): a startContainer hook without env gets the process's env as execve
    // will (a3 = 1: the EXEC op's, HOME included once SET_HOME ran).
    const inherit = hook.env === undefined && point === 'startContainer';
    const env = hook.env ?? [];
    plan.add('RUN_HOOK', field, `run ${hook.path} ${JSON.stringify(args.slice(1))}, state on stdin${hook.timeout ? `, timeout ${hook.timeout}s` : ''}${inherit ? ', the process\'s env' : ''}`,
      [BigInt(args.length), BigInt(env.length), BigInt((hook.timeout ?? 0) * 1000), inherit ? 1n : 0n],
      [hook.path, stringVector(args), env.length ? stringVector(env) : null, stateTemplate(field, undefined)]);
  });
}

function stateTemplate(field: string, state: StateOutput | undefined): Buffer {
  const json = state ? JSON.stringify({ ...state, pid: PID_MARK }) : `{"pid":${JSON.stringify(PID_MARK)}}`;
  const [before, after] = json.split(JSON.stringify(PID_MARK));
  return stringVector([field, before, after]);
}

/** Give every RUN_HOOK op the container's state (known once create has recorded it). */
export function setHookState(plan: Plan, state: StateOutput): void {
  for (const op of plan.ops) if (op.op === 'RUN_HOOK') op.s![3] = stateTemplate(op.source, state);
}
