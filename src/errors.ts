// One error type for the whole runtime (STYLE.md #2). Every failure that reaches the user is a
// TsruncError: `field` names the config path or argument at fault (`mounts[3].destination`, `--pid-file`),
// `syscall`/`errno` say what the kernel refused. `formatError` is the only place that turns it into text.
import { constants } from 'os';

export class TsruncError extends Error {
  readonly field?: string;
  readonly syscall?: string;
  readonly errno?: number;
  readonly exitCode: number;
  constructor(message: string, opts: { field?: string; syscall?: string; errno?: number; exitCode?: number } = {}) {
    super(message);
    this.name = 'TsruncError';
    this.field = opts.field;
    this.syscall = opts.syscall;
    this.errno = opts.errno;
    this.exitCode = opts.exitCode ?? 1;
  }
}

/** Usage errors (bad argv) are reported like other errors but also show the command's usage line. */
export class UsageError extends TsruncError {
  constructor(message: string, readonly command?: string) {
    super(message, { field: undefined });
    this.name = 'UsageError';
  }
}

const errnoNames: Record<number, string> = {};
for (const [name, num] of Object.entries(constants.errno)) errnoNames[num as number] = name;

export function errnoName(errno: number): string {
  return errnoNames[errno] ?? `errno ${errno}`;
}

/** The C library's text for an errno ("no such file or directory"), as Go's syscall.Errno prints it. */
export function errnoMessage(errno: number): string {
  const name = errnoName(errno);
  // Where libuv's wording differs from Go's table (zerrors_linux.go), Go's: clients match runc's text.
  const go: Record<string, string> = { EISDIR: 'is a directory', ELOOP: 'too many levels of symbolic links', ENAMETOOLONG: 'file name too long', ENOEXEC: 'exec format error' };
  if (go[name]) return go[name];
  const util = require('util') as typeof import('util');
  return util.getSystemErrorMap().get(-errno)?.[1] ?? name;
}

/** An error the init reported for plan op `op`: the op's text and the errno. The executable lookup
 * is worded exactly as runc's (`exec: "x": stat x: no such file or directory`): podman and dockerd
 * turn "no such file or directory" and "executable file not found" into exit status 127 and
 * "permission denied" into 126 by matching that text. */
export function childErrorText(opName: string | undefined, text: string, errno: number): string {
  if (!errno || text.endsWith('executable file not found in $PATH')) return text;
  return `${text}: ${opName === 'RESOLVE_EXEC' ? errnoMessage(errno) : errnoName(errno)}`;
}

/** The ERROR message of a plan's child as a TsruncError naming the config entry of the failed op
 * (create and exec alike). */
export function childError(plan: { ops: { op: string; source: string }[] }, m: { op: number; errno: number; text: string }): TsruncError {
  const op = plan.ops[m.op];
  const field = op && op.source !== 'runtime' ? op.source : undefined;
  return new TsruncError(childErrorText(op?.op, m.text, m.errno), { field });
}

/** field: message [: syscall: ERRNO] — one line, no stack. */
export function formatError(err: unknown): string {
  if (err instanceof TsruncError) {
    let s = err.field ? `${err.field}: ${err.message}` : err.message;
    if (err.errno !== undefined && !/\bE[A-Z]+\b/.test(s)) s += `: ${err.syscall ? err.syscall + ': ' : ''}${errnoName(err.errno)}`;
    return s.replace(/\s*\n\s*/g, ' ');
  }
  if (err instanceof Error) {
    const e = err as NodeJS.ErrnoException;
    if (e.code && e.syscall) return `${e.syscall} ${e.path ?? ''}: ${e.code}`.replace(/ +:/, ':');
    return err.message.replace(/\s*\n\s*/g, ' ');
  }
  return String(err);
}

export function fail(message: string, field?: string): never {
  throw new TsruncError(message, { field });
}
