// `tsrunc resume <id>` (runc-resume(8)): src/container/pause.ts.
import { resumeContainer } from '../../container/pause';
import type { CommandContext } from '../table';

export function run(ctx: CommandContext): number {
  resumeContainer(ctx.globals.root, ctx.args[0]);
  return 0;
}
