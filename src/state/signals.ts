// Signal names and numbers for `kill` (runc accepts 9, KILL and SIGKILL, any case).
import { constants } from 'os';
import { TsruncError } from '../errors';

export function parseSignal(text: string, field = 'signal'): number {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n < 1 || n > 64) throw new TsruncError(`unknown signal "${text}"`, { field });
    return n;
  }
  let name = text.toUpperCase();
  if (!name.startsWith('SIG')) name = 'SIG' + name;
  const rt = /^SIGRTMIN(?:\+(\d+))?$/.exec(name) ?? /^SIGRTMAX(?:-(\d+))?$/.exec(name);
  if (rt) {
    const off = Number(rt[1] ?? 0);
    const n = name.startsWith('SIGRTMIN') ? 34 + off : 64 - off;
    if (n < 34 || n > 64) throw new TsruncError(`unknown signal "${text}"`, { field });
    return n;
  }
  const n = (constants.signals as Record<string, number>)[name];
  if (n === undefined) throw new TsruncError(`unknown signal "${text}"`, { field });
  return n;
}
