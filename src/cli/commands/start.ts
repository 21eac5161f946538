// `tsrunc start <id>` (runc-start(8)).
import { startContainer } from '../../container/start';
import { ContainerDir } from '../../state/store';
import type { CommandContext } from '../table';

export function run(ctx: CommandContext): number {
  const dir = ContainerDir.open(ctx.globals.root, ctx.args[0], 'exclusive');
  try {
    startContainer(dir, dir.mustRead());
  } finally {
    dir.close();
  }
  return 0;
}
