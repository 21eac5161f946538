// `tsrunc resume <id>` (runc-resume(8)): thaw the container's cgroup frozen by `pause`.
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
    check('resume', s.id, deriveStatus(s, isFrozen));
    if (!s.cgroup) throw new TsruncError(`container ${s.id} has no cgroup to thaw`);
    const { managerFromRecord } = require('../../cgroups') as typeof import('../../cgroups');
    managerFromRecord(s.cgroup).thaw();
  } finally {
    dir.close();
  }
  return 0;
}
