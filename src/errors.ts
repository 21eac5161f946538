// One error type for the whole runtime. Every failure that reaches the user is a
// TsruncError: `field` names the config path or argument at fault (`mounts[3].destination`, `--pid-file`),
// `syscall`/`errno` say what the kernel refused. `formatError` is the only place that turns it into text.
// node:os (the errno table) is loaded on the first errno lookup, not at import: every command imports
// this module and loading node:os costs ~45 page faults (~1 ms here) at each start (issue 12).

/** node:os's errno table (ENOENT -> 2), loaded on first use. */
function errnoTable(): Record<string, number> {
  return (require('os') as typeof import('os')).constants.errno as Record<string, number>;
}

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

/**
 * The errno of a Node/Bun system error (its `code`, e.g. ENOENT, looked up in the errno table), for
 * TsruncError's `errno`: undefined for anything that is not a system error.
 */
export function errnoOf(e: unknown): number | undefined {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code ? errnoNumber(code) : undefined;
}

/** The number of an errno name (ENOENT -> 2), undefined for a name that is none. */
export function errnoNumber(code: string): number | undefined {
  return errnoTable()[code];
}

/**
 * A TsruncError for a failed system call: the errno stays a number (formatError renders it, once,
 * after the message) instead of being pasted into the text. A non-system error keeps its message.
 */
export function sysError(message: string, e: unknown, opts: { field?: string; syscall?: string; exitCode?: number } = {}): TsruncError {
  const errno = errnoOf(e);
  if (errno === undefined) return new TsruncError(`${message}: ${(e as Error | undefined)?.message ?? String(e)}`, opts);
  return new TsruncError(message, { ...opts, errno });
}

// The errors clients and commands tell apart by class, never by their text (issue 10). Each carries
// runc's wording where a client matches it (reference/clients.md: containerd's shim treats "does not
// exist" as "no such container" and "container not running" as "already finished").

/** runc's ErrNotExist ("container does not exist", libcontainer/error.go), with the id as tsrunc
 * always printed it: only ENOENT of the container's directory means this. */
export class ContainerNotFound extends TsruncError {
  constructor(readonly id: string) {
    super(`container ${id} does not exist`);
    this.name = 'ContainerNotFound';
  }
}

/** The id is taken (runc's create: "container with id exists: ID"). */
export class ContainerExists extends TsruncError {
  constructor(readonly id: string) {
    super(`container with id exists: ${id}`);
    this.name = 'ContainerExists';
  }
}

/** The directory exists but holds no state.json: a create killed before its first write. */
export class StateMissing extends TsruncError {
  constructor(readonly id: string) {
    super(`container ${id} has no state (its create did not finish); use delete --force`);
    this.name = 'StateMissing';
  }
}

/** state.json does not parse, or does not have the state file's shape (schemas/state-file.json).
 * `parsed` is the JSON value when it did parse: `delete --force` salvages what it can from it. */
export class StateCorrupt extends TsruncError {
  constructor(readonly id: string, readonly file: string, readonly detail: string, readonly parsed?: unknown) {
    super(`container ${id}: ${file} is corrupt (${detail}); use delete --force`);
    this.name = 'StateCorrupt';
  }
}

/** The container's live status does not allow the operation (runc's state_linux.go checks and the
 * commands' own texts, e.g. "cannot start a container that has stopped", "container not running"). */
export class WrongStatus extends TsruncError {
  constructor(readonly operation: string, readonly status: string, message: string) {
    super(message);
    this.name = 'WrongStatus';
  }
}

/**
 * The same error, of the same class and carrying the same id/file/status/errno, with another field
 * or exit code: exec exits 255 and update names the flag the user typed, and whoever sees the error
 * next can still tell it by class.
 */
export function readdressed<T extends TsruncError>(e: T, opts: { field?: string; exitCode?: number }): T {
  const copy = Object.assign(Object.create(Object.getPrototypeOf(e)) as T, e, opts);
  // message and stack are own but not enumerable on an Error: Object.assign does not copy them.
  Object.defineProperty(copy, 'message', { value: e.message, writable: true, configurable: true });
  Object.defineProperty(copy, 'stack', { value: e.stack, writable: true, configurable: true });
  return copy;
}

/** Usage errors (bad argv) are reported like other errors but also show the command's usage line. */
export class UsageError extends TsruncError {
  constructor(message: string, readonly command?: string) {
    super(message, { field: undefined });
    this.name = 'UsageError';
  }
}

let errnoNames: Record<number, string> | undefined;

export function errnoName(errno: number): string {
  if (!errnoNames) {
    errnoNames = {};
    for (const [name, num] of Object.entries(errnoTable())) errnoNames[num] = name;
  }
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
 * and the execve are worded exactly as runc's (`exec: "x": stat x: no such file or directory`,
 * `exec /run.sh: no such file or directory` for a script whose interpreter is missing): podman and
 * dockerd turn "no such file or directory" and "executable file not found" into exit status 127 and
 * "permission denied" into 126 by matching that text. */
export function childErrorText(opName: string | undefined, text: string, errno: number): string {
  if (!errno || text.endsWith('executable file not found in $PATH')) return text;
  return `${text}: ${opName === 'RESOLVE_EXEC' || opName === 'EXEC' ? errnoMessage(errno) : errnoName(errno)}`;
}

/** The error text the init wrote on the exec fifo (after "0", once `start` opened it), from the
 * startContainer hooks or the execve: "<what>[: errno N]" with the errno in words, as the socket's
 * errors get them from childErrorText (an execve failure is the common case, worded as runc's). */
export function fifoErrorText(text: string): string {
  const m = /^([^]*): errno (\d+)$/.exec(text);
  return m ? childErrorText(m[1].startsWith('exec ') ? 'EXEC' : undefined, m[1], Number(m[2])) : text;
}

/** A hook's failure in runc's words after the field (runc's Hooks.Run: "error running prestart hook
 * #1: ..."), which scripts and runc's own tests look for: `field` is hooks.<kind>[<i>]. */
export function hookErrorText(field: string, text: string): string {
  const m = /^hooks\.(\w+)\[(\d+)\]$/.exec(field);
  return m ? `error running ${m[1]} hook #${m[2]}: ${text}` : text;
}

/** The ERROR message of a plan's child as a TsruncError naming the config entry of the failed op
 * (create and exec alike). */
export function childError(plan: { ops: { op: string; source: string }[] }, m: { op: number; errno: number; text: string }): TsruncError {
  const op = plan.ops[m.op];
  const field = op && op.source !== 'runtime' ? op.source : undefined;
  const text = childErrorText(op?.op, m.text, m.errno);
  return new TsruncError(op?.op === 'RUN_HOOK' && field ? hookErrorText(field, text) : text, { field });
}

/** field: message [: syscall: ERRNO] — one line, no stack. */
export function formatError(err: unknown): string {
  if (err instanceof TsruncError) {
    let s = err.field ? `${err.field}: ${err.message}` : err.message;
    // Appended unless the text already names this errno (the cgroup writers' messages still do):
    // any other capitalised word (a path /srv/EXPORT) is no reason to drop it.
    if (err.errno !== undefined && !new RegExp(`\\b${errnoName(err.errno)}\\b`).test(s)) s += `: ${err.syscall ? err.syscall + ': ' : ''}${errnoName(err.errno)}`;
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
