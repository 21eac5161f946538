// linux.seccomp (config-linux.md "Seccomp") -> one SECCOMP op holding a BPF program compiled in the
// runtime's process with libseccomp (addon/seccomp.cc); the child only loads it.
import { TsruncError } from '../errors';
import { native } from '../native';
import type { LinuxSeccomp, Spec } from '../spec/types';
import type { Plan } from './plan';

export const ACTIONS: Record<string, (errno: number | undefined) => number> = {
  SCMP_ACT_KILL: () => 0x00000000,
  SCMP_ACT_KILL_THREAD: () => 0x00000000,
  SCMP_ACT_KILL_PROCESS: () => 0x80000000,
  SCMP_ACT_TRAP: () => 0x00030000,
  // runc: ERRNO and TRACE without errnoRet use EPERM
  SCMP_ACT_ERRNO: (e) => (0x00050000 | ((e ?? 1) & 0xffff)) >>> 0,
  SCMP_ACT_TRACE: (e) => (0x7ff00000 | ((e ?? 1) & 0xffff)) >>> 0,
  SCMP_ACT_ALLOW: () => 0x7fff0000,
  SCMP_ACT_LOG: () => 0x7ffc0000,
  SCMP_ACT_NOTIFY: () => 0x7fc00000,
};

export const OPS: Record<string, number> = {
  SCMP_CMP_NE: 1, SCMP_CMP_LT: 2, SCMP_CMP_LE: 3, SCMP_CMP_EQ: 4, SCMP_CMP_GE: 5, SCMP_CMP_GT: 6, SCMP_CMP_MASKED_EQ: 7,
};

export const FLAGS: Record<string, number> = {
  SECCOMP_FILTER_FLAG_TSYNC: 1,
  SECCOMP_FILTER_FLAG_LOG: 2,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: 4,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: 32,
};

export interface CompiledRule { field: string; syscall: string; action: number; args: { index: number; op: number; value: string; valueTwo: string }[] }
export interface CompiledProfile {
  defaultAction: number; architectures: string[]; rules: CompiledRule[]; flags: number;
  /** Prepend runc's -ENOSYS stub (addon/seccomp.cc) for syscalls above the highest of `names`. */
  enosysStub: boolean; names: string[];
}

/** runc's patchbpf generatePatch: no stub when the default action lets a call through anyway (allow,
 * log; trace, since a tracer handles new syscalls itself) or already is ENOSYS. */
function needsEnosysStub(s: LinuxSeccomp): boolean {
  if (['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE'].includes(s.defaultAction)) return false;
  return !(s.defaultAction === 'SCMP_ACT_ERRNO' && s.defaultErrnoRet === ENOSYS);
}

const ENOSYS = 38;

function action(name: string, errnoRet: number | undefined, field: string): number {
  const f = ACTIONS[name];
  if (!f) throw new TsruncError(`unknown seccomp action "${name}"`, { field });
  if (errnoRet !== undefined && name !== 'SCMP_ACT_ERRNO' && name !== 'SCMP_ACT_TRACE')
    throw new TsruncError(`errnoRet is only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not ${name}`, { field });
  return f(errnoRet);
}

/** SCMP_ARCH_X86_64 -> "x86_64", the name libseccomp resolves. */
export function archName(a: string, field: string): string {
  if (!/^SCMP_ARCH_[A-Z0-9_]+$/.test(a)) throw new TsruncError(`unknown seccomp architecture "${a}"`, { field });
  return a.slice('SCMP_ARCH_'.length).toLowerCase();
}

/** Validate the profile and resolve names to numbers. Rules with several conditions on the same
 * argument become one rule per condition (libseccomp cannot AND two conditions on one argument;
 * runc does the same). */
export function compileProfile(s: LinuxSeccomp): CompiledProfile {
  if (s.defaultAction === 'SCMP_ACT_NOTIFY') throw new TsruncError('SCMP_ACT_NOTIFY cannot be the default action', { field: 'linux.seccomp.defaultAction' });
  const defaultAction = action(s.defaultAction, s.defaultErrnoRet, 'linux.seccomp.defaultAction');
  const architectures = (s.architectures ?? []).map((a, i) => archName(a, `linux.seccomp.architectures[${i}]`));
  let flags = 0;
  (s.flags ?? []).forEach((f, i) => {
    if (!(f in FLAGS)) throw new TsruncError(`unknown seccomp flag "${f}"`, { field: `linux.seccomp.flags[${i}]` });
    flags |= FLAGS[f];
  });
  const rules: CompiledRule[] = [];
  (s.syscalls ?? []).forEach((sc, i) => {
    const field = `linux.seccomp.syscalls[${i}]`;
    const act = action(sc.action, sc.errnoRet, `${field}.action`);
    if (act === defaultAction) return; // libseccomp refuses a rule equal to the default; it is a no-op anyway
    const args = (sc.args ?? []).map((a, k) => {
      const op = OPS[a.op];
      if (op === undefined) throw new TsruncError(`unknown seccomp operator "${a.op}"`, { field: `${field}.args[${k}].op` });
      if (a.index < 0 || a.index > 5) throw new TsruncError('argument index must be 0 to 5', { field: `${field}.args[${k}].index` });
      return { index: a.index, op, value: BigInt.asUintN(64, BigInt(a.value)).toString(), valueTwo: BigInt.asUintN(64, BigInt(a.valueTwo ?? 0)).toString() };
    });
    const indexes = args.map((a) => a.index);
    const split = new Set(indexes).size !== indexes.length;
    for (const name of sc.names ?? []) {
      if (split) for (const a of args) rules.push({ field, syscall: name, action: act, args: [a] });
      else rules.push({ field, syscall: name, action: act, args });
    }
  });
  (s.syscalls ?? []).forEach((sc, i) => {
    // runc's InitSeccomp: the notify fd reaches the agent only after the process has loaded the
    // filter and then written to the runtime; with write() itself waiting on an agent that cannot have
    // the fd yet, it never would (and our init writes its errors and the exec fifo with write()).
    const k = sc.action === 'SCMP_ACT_NOTIFY' ? (sc.names ?? []).indexOf('write') : -1;
    if (k >= 0) throw new TsruncError('SCMP_ACT_NOTIFY cannot be used for the write syscall', { field: `linux.seccomp.syscalls[${i}].names[${k}]` });
  });
  const notify = (s.syscalls ?? []).some((sc) => sc.action === 'SCMP_ACT_NOTIFY');
  if (notify && !s.listenerPath) throw new TsruncError('SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath', { field: 'linux.seccomp.listenerPath' });
  if (s.listenerMetadata !== undefined && !s.listenerPath) throw new TsruncError('listenerMetadata must not be set without listenerPath', { field: 'linux.seccomp.listenerMetadata' });
  if (notify) flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
  // Every name counts for the highest known syscall, also those of rules equal to the default (runc).
  const names = [...new Set((s.syscalls ?? []).flatMap((sc) => sc.names ?? []))];
  return { defaultAction, architectures, rules, flags, enosysStub: needsEnosysStub(s), names };
}

export const SECCOMP_FILTER_FLAG_NEW_LISTENER = 8;

/** Whether the filter hands a notify fd to a listener (then it must be loaded while create runs). */
export function usesNotify(spec: Spec): boolean {
  return !!spec.linux?.seccomp?.syscalls?.some((sc) => sc.action === 'SCMP_ACT_NOTIFY');
}

/**
 * Where the filter is loaded (runc's standard_init_linux.go): with noNewPrivileges as late as
 * possible, right before execve, so a strict profile does not have to allow the runtime's own last
 * syscalls; without it, loading a filter needs CAP_SYS_ADMIN, so before the capabilities are dropped.
 * With SCMP_ACT_NOTIFY the notify fd must reach the listener through `create`, so the filter is
 * loaded before the init reports READY (process.ts places it).
 */
export function seccompOp(spec: Spec, plan: Plan): void {
  const s = spec.linux?.seccomp;
  if (!s) return;
  const profile = compileProfile(s);
  let out: { program: Buffer; skipped: string[]; stubInstructions?: number };
  try {
    out = native().seccompCompile(profile);
  } catch (e) {
    throw new TsruncError((e as Error).message, { field: 'linux.seccomp' });
  }
  plan.add('SECCOMP', 'linux.seccomp', `seccomp(SET_MODE_FILTER, flags=${profile.flags}): ${out.program.length / 8} BPF instructions, ${profile.rules.length} rules${out.stubInstructions ? ` (the first ${out.stubInstructions}: ENOSYS for syscalls newer than the profile)` : ''}${out.skipped.length ? `, skipped unknown syscalls: ${out.skipped.join(',')}` : ''}`,
    [BigInt(out.program.length / 8), BigInt(profile.flags)], [out.program]);
}
