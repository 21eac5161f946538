// `tsrunc start <id>` (runc-start(8)): src/container/start.ts.
import { startById } from '../../container/start';
import type { CommandContext } from '../table';

export function run(ctx: CommandContext): number {
  startById(ctx.globals.root, ctx.args[0]);
  return 0;
}
