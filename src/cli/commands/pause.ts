// `tsrunc pause <id>` (runc-pause(8)): freeze every process of the container through its cgroup (v1
// freezer, v2 cgroup.freeze). The paused state is the freezer's own: `state` derives it from there
// (container/frozen.ts), so nothing else is recorded.
import { isFrozen } from '../../container/frozen';
import { TsruncError } from '../../errors';
import { check } from '../../state/lifecycle';
import { deriveStatus } from '../../state/status';
import { ContainerDir } from '../../state/store';
import type { CommandContext } from '../table';

export function run(ctx: CommandContext): number {
  const dir = ContainerDir.open(ctx.globals.root, ctx.args[0], 'exclusive');
  try {
    const s = dir.mustRead();
    check('pause', s.id, deriveStatus(s, isFrozen));
    if (!s.cgroup) throw new TsruncError(`container ${s.id} has no cgroup to freeze`);
    const { managerFromRecord } = require('../../cgroups') as typeof import('../../cgroups');
    managerFromRecord(s.cgroup).freeze();
  } finally {
    dir.close();
  }
  return 0;
}
