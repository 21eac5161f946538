// `tsrunc kill [--all] <id> [signal]` (runc-kill(8)). The init is signalled through a pidfd opened
// and then re-checked against the recorded start time, so a reused pid is never hit.
import * as fs from 'fs';
import { isFrozen } from '../../container/frozen';
import { TsruncError } from '../../errors';
import { native } from '../../native';
import { check } from '../../state/lifecycle';
import { isAlive } from '../../state/proc';
import { parseSignal } from '../../state/signals';
import { deriveStatus } from '../../state/status';
import { ContainerDir } from '../../state/store';
import type { CommandContext } from '../table';

export function run(ctx: CommandContext): number {
  const dir = ContainerDir.open(ctx.globals.root, ctx.args[0], 'shared');
  try {
    const s = dir.mustRead();
    // Without a signal: the image's stop signal if the config carries one (config.md
    // "Annotations": org.opencontainers.image.stopSignal), else SIGTERM.
    const sig = ctx.args[1] !== undefined ? parseSignal(ctx.args[1]) : defaultSignal(s.config?.annotations);
    check('kill', s.id, deriveStatus(s, isFrozen));
    if (ctx.flags.all && s.cgroup) {
      const { managerFromRecord } = require('../../cgroups') as typeof import('../../cgroups');
      for (const pid of managerFromRecord(s.cgroup).pids()) {
        try { process.kill(pid, sig); } catch { /* exited meanwhile */ }
      }
      return 0;
    }
    const n = native();
    let fd: number;
    try {
      fd = n.pidfdOpen(s.pid!);
    } catch {
      throw new TsruncError('container not running');
    }
    try {
      if (!isAlive(s.pid, s.pidStartTime)) throw new TsruncError('container not running');
      n.pidfdSendSignal(fd, sig);
    } catch (e) {
      if (e instanceof TsruncError) throw e;
      throw new TsruncError(`no such process: ${(e as Error).message}`);
    } finally {
      fs.closeSync(fd);
    }
  } finally {
    dir.close();
  }
  return 0;
}

function defaultSignal(annotations: Record<string, string> | undefined): number {
  const stop = annotations?.['org.opencontainers.image.stopSignal'];
  if (stop === undefined || stop === '') return parseSignal('SIGTERM');
  try {
    return parseSignal(stop);
  } catch {
    throw new TsruncError(`invalid stop signal "${stop}"`, { field: 'annotations["org.opencontainers.image.stopSignal"]' });
  }
}
