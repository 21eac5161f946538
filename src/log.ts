// Logging as runc does it, with the rules of reference/clients.md: with --log, messages go to that
// file only (the caller's stderr may be the container's stdio); with --log-format json every line is
// one JSON object {"level","msg","time"} with an RFC3339 time, which is what containerd parses.
import * as fs from 'fs';

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

function emit(level: string, msg: string): void {
  if (options.file) {
    try {
      fs.appendFileSync(options.file, line(level, msg));
      return;
    } catch {
      // fall through to stderr: losing the message would be worse
    }
  }
  const text = options.format === 'json' ? line(level, msg) : level === 'error' ? `tsrunc: ${msg}\n` : line(level, msg);
  try {
    fs.writeSync(2, text);
  } catch {
    /* stderr closed */
  }
}

export function logError(msg: string): void { emit('error', msg); }
export function logWarn(msg: string): void { emit('warning', msg); }
export function logInfo(msg: string): void { emit('info', msg); }
export function logDebug(msg: string | (() => string)): void {
  if (options.debug) emit('debug', typeof msg === 'function' ? msg() : msg);
}
