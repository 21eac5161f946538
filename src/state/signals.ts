// Signal names and numbers for `kill` (runc accepts 9, KILL and SIGKILL, any case). `kill <id> 0` is
// allowed (runc's parseSignal takes any number; kill(2): signal 0 checks the process exists), so a
// client can probe liveness; a stop signal or process.signal of 0 stays an error. node:os's signal table
// is loaded only for a name: containerd's shim sends numbers (`kill <id> 9`), and loading node:os costs
// ~45 page faults at each start (issue 12).
import { TsruncError } from '../errors';

export function parseSignal(text: string, field = 'signal', allowZero = false): number {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n === 0 && allowZero) return 0;
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
  const n = ((require('os') as typeof import('os')).constants.signals as Record<string, number>)[name];
  if (n === undefined) throw new TsruncError(`unknown signal "${text}"`, { field });
  return n;
}
