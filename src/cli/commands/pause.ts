// `tsrunc pause <id>` (runc-pause(8)): src/container/pause.ts.
import { pauseContainer } from '../../container/pause';
import type { CommandContext } from '../table';

export function run(ctx: CommandContext): number {
  pauseContainer(ctx.globals.root, ctx.args[0]);
  return 0;
}
