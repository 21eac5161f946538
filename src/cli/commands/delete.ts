// `tsrunc delete [--force] <id>` (runc-delete(8)): src/container/destroy.ts deleteContainer.
import { deleteContainer } from '../../container/destroy';
import type { CommandContext } from '../table';

export function run(ctx: CommandContext): number {
  deleteContainer(ctx.globals.root, ctx.args[0], Boolean(ctx.flags.force));
  return 0;
}
