// Logging as runc does it, with the rules of reference/clients.md: with --log, messages go to that
// file; with --log-format json every line is one JSON object {"level","msg","time"} with an RFC3339
// time, which is what containerd parses. The error a command fails with is also printed on stderr as
// a bare line (runc's fatalWithCode, 1.1 to 1.5: logrus.Error, then Fprintln(os.Stderr) unless the log
// is stderr already): containerd's shim classifies kill/delete failures from that output ("container
// not running" -> "process already finished"), so it must be there even with --log.
import { appendText, writeFd } from './fileio';

export interface LogOptions { file?: string; format: 'text' | 'json'; debug: boolean }

let options: LogOptions = { format: 'text', debug: false };

export function configureLog(o: LogOptions): void {
  options = o;
}

export function logOptions(): LogOptions {
  return options;
}

function line(level: string, msg: string): string {
  const time = new Date().toISOString();
  if (options.format === 'json') return JSON.stringify({ level, msg, time }) + '\n';
  return `time="${time}" level=${level} msg=${JSON.stringify(msg)}\n`;
}

function writeStderr(text: string): void {
  try {
    writeFd(2, text);
  } catch {
    /* stderr closed */
  }
}

/** Writes one message to the --log file, or to stderr without one; true when it went to the file. */
function emit(level: string, msg: string): boolean {
  if (options.file) {
    try {
      appendText(options.file, line(level, msg));
      return true;
    } catch {
      // fall through to stderr: losing the message would be worse
    }
  }
  writeStderr(options.format === 'json' ? line(level, msg) : level === 'error' ? `tsrunc: ${msg}\n` : line(level, msg));
  return false;
}

/** The error the command fails with: logged, and printed on stderr when the log is a file (runc's
 * fatalWithCode). */
export function logFatal(msg: string): void {
  if (emit('error', msg)) writeStderr(`${msg}\n`);
}

export function logError(msg: string): void { emit('error', msg); }
export function logWarn(msg: string): void { emit('warning', msg); }
export function logInfo(msg: string): void { emit('info', msg); }
export function logDebug(msg: string | (() => string)): void {
  if (options.debug) emit('debug', typeof msg === 'function' ? msg() : msg);
}

/** --debug: how far the command has got, in ms since the process started (performance.now()), so a
 * command's time splits into the engine's start, module loading, validation, plan compilation, the
 * addon's work, the child's work and waiting (issue 12). One flag test when --debug is off. */
export function logPhase(name: string): void {
  if (options.debug) emit('debug', `phase: ${name} at ${performance.now().toFixed(2)} ms`);
}
