// `tsrunc kill [--all] <id> [signal]` (runc-kill(8)): src/container/kill.ts.
import { killContainer } from '../../container/kill';
import type { CommandContext } from '../table';

export function run(ctx: CommandContext): number {
  killContainer(ctx.globals.root, ctx.args[0], ctx.args[1], Boolean(ctx.flags.all));
  return 0;
}
