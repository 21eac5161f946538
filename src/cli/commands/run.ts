// `tsrunc run [--detach] [--keep] <id>` (runc-run(8)): src/container/run.ts.
import { runContainer } from '../../container/run';
import type { CommandContext } from '../table';
import { createOptions } from './create';

export function run(ctx: CommandContext): number {
  return runContainer(createOptions(ctx), Boolean(ctx.flags.detach), Boolean(ctx.flags.keep));
}
