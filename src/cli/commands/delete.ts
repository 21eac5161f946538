// `tsrunc delete [--force] <id>` (runc-delete(8)). --force removes a container in any state,
// including one whose create was killed half way (state "creating" with a dead creator, or no
// state.json at all), and succeeds when the container is already gone (containerd relies on it).
import { destroyContainer } from '../../container/destroy';
import { isFrozen } from '../../container/frozen';
import { TsruncError } from '../../errors';
import { faultPoint } from '../../faults';
import { check } from '../../state/lifecycle';
import { deriveStatus } from '../../state/status';
import { ContainerDir } from '../../state/store';
import type { CommandContext } from '../table';

export function run(ctx: CommandContext): number {
  const force = Boolean(ctx.flags.force);
  let dir: ContainerDir;
  try {
    dir = ContainerDir.open(ctx.globals.root, ctx.args[0], 'exclusive');
  } catch (e) {
    if (force && e instanceof TsruncError && /does not exist/.test(e.message)) return 0;
    throw e;
  }
  try {
    const s = dir.read();
    if (s) {
      if (!force) check('delete', s.id, deriveStatus(s, isFrozen));
      destroyContainer(s);
    } else if (!force) {
      throw new TsruncError(`container ${ctx.args[0]} has no state (its create did not finish); use delete --force`);
    }
    faultPoint('delete-before-remove');
    dir.remove();
  } finally {
    dir.close();
  }
  return 0;
}
