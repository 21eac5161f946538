// `tsrunc state <id>` (runc-state(8)): the state as JSON, runc's fields, status derived live.
import { withContainer } from '../../container/open';
import { stateOutput } from '../../state/status';
import { stdout } from '../output';
import type { CommandContext } from '../table';

export function run(ctx: CommandContext): number {
  const out = withContainer(ctx.globals.root, ctx.args[0], 'shared', undefined, ({ state, status }) => stateOutput(state, status));
  stdout(JSON.stringify(out, null, 2) + '\n');
  return 0;
}
