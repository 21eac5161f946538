// `tsrunc state <id>` (runc-state(8)): the state as JSON, runc's fields, status derived live.
import { isFrozen } from '../../container/frozen';
import { deriveStatus, stateOutput } from '../../state/status';
import { ContainerDir } from '../../state/store';
import { TsruncError } from '../../errors';
import { stdout } from '../output';
import type { CommandContext } from '../table';

export function run(ctx: CommandContext): number {
  const dir = ContainerDir.open(ctx.globals.root, ctx.args[0], 'shared');
  try {
    const s = dir.read();
    if (!s) throw new TsruncError(`container ${ctx.args[0]} has no state (its create did not finish)`);
    stdout(JSON.stringify(stateOutput(s, deriveStatus(s, isFrozen)), null, 2) + '\n');
  } finally {
    dir.close();
  }
  return 0;
}
