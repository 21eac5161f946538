// `tsrunc checkpoint` and `tsrunc restore` (runc-checkpoint(8), runc-restore(8)): runc implements them
// with CRIU; this build has no CRIU driver (Debian's CRIU 3.17.1 fails `criu check` on the kernel it was
// developed on: "vdso: Unexpected rt vDSO area bounds"). The commands exist, with runc's flags and help,
// so that clients get a clear reason instead of "No help topic".
import * as fs from 'fs';
import * as path from 'path';
import { TsruncError } from '../../errors';
import type { CommandContext } from '../table';

/** The criu binary runc would run (--criu, default "criu" looked up in $PATH), if there is one. */
function findCriu(criu: string): string | undefined {
  const dirs = criu.includes('/') ? [''] : (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':');
  for (const d of dirs) {
    const p = d ? path.join(d, criu) : criu;
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch { /* next */ }
  }
  return undefined;
}

export function refuse(what: 'checkpoint' | 'restore', ctx: CommandContext): never {
  const criu = ctx.globals.criu || 'criu';
  const found = findCriu(criu);
  const why = found
    ? `tsrunc has no CRIU support (${found} is installed, but this build cannot drive it)`
    : `tsrunc has no CRIU support, and there is no criu binary ("${criu}" not found)`;
  throw new TsruncError(`${what} not supported on this host: ${why}`);
}
