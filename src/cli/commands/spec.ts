// `tsrunc spec [--bundle B] [--rootless]`: write a starter config.json (runc-spec(8)).
import * as fs from 'fs';
import * as path from 'path';
import { TsruncError } from '../../errors';
import { defaultSpec, isCgroup2UnifiedMode, rootlessSpec } from '../../spec/default';
import type { CommandContext } from '../table';

export function run(ctx: CommandContext): number {
  const bundle = path.resolve(String(ctx.flags.bundle || '.'));
  if (!fs.existsSync(bundle)) throw new TsruncError(`bundle directory ${bundle} does not exist`, { field: '--bundle' });
  const file = path.join(bundle, 'config.json');
  if (fs.existsSync(file)) throw new TsruncError('File config.json exists. Remove it first.');
  const opts = { cgroupNs: isCgroup2UnifiedMode() };
  // runc maps the effective ids (os.Geteuid/Getegid).
  const spec = ctx.flags.rootless ? rootlessSpec(process.geteuid!(), process.getegid!(), opts) : defaultSpec(opts);
  fs.writeFileSync(file, JSON.stringify(spec, null, '\t') + '\n', { mode: 0o666 });
  return 0;
}
