// `tsrunc update [flags] <id>` and `tsrunc update --resources FILE|- <id>` (runc-update(8); docker
// update sends LinuxResources JSON on stdin). The cgroup manager validates every value before the first
// write and, if the kernel refuses one, says what was already written; the new values are then merged
// into the config recorded in state.json, so later commands see them (runc saves them too).
import * as fs from 'fs';
import { isFrozen } from '../../container/frozen';
import { TsruncError } from '../../errors';
import { logWarn } from '../../log';
import { check } from '../../state/lifecycle';
import { deriveStatus } from '../../state/status';
import { ContainerDir } from '../../state/store';
import type { LinuxResources } from '../../spec/types';
import type { CommandContext } from '../table';
import { FLAG_OF_FIELD, mergeResources, parseResourcesJson, resourcesFromFlags } from '../updateFlags';

function readResources(ctx: CommandContext): { resources: LinuxResources; fromFlags: boolean } {
  const file = ctx.flags.resources === undefined ? '' : String(ctx.flags.resources);
  if (file === '') return { resources: resourcesFromFlags(ctx.flags), fromFlags: true };
  let text: string;
  try {
    text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new TsruncError(`cannot read ${file === '-' ? 'stdin' : file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { field: '--resources' });
  }
  return { resources: parseResourcesJson(text, file === '-' ? 'stdin' : file), fromFlags: false };
}

/** Intel RDT is not supported: say so as runc does on a host without it (update.go). */
function checkRdt(flags: Record<string, unknown>): void {
  if (flags['l3-cache-schema']) throw new TsruncError('Intel RDT/CAT: l3 cache schema is not enabled', { field: '--l3-cache-schema' });
  if (flags['mem-bw-schema']) throw new TsruncError('Intel RDT/MBA: memory bandwidth schema is not enabled', { field: '--mem-bw-schema' });
}

export function run(ctx: CommandContext): number {
  // Parse everything before taking the lock: a typo never waits for another command.
  const { resources, fromFlags } = readResources(ctx);
  if (fromFlags) checkRdt(ctx.flags);
  if (resources.devices?.length) logWarn('update: linux.resources.devices ignored (device rules cannot be updated, as with runc)');
  const dir = ContainerDir.open(ctx.globals.root, ctx.args[0], 'exclusive');
  try {
    const s = dir.mustRead();
    check('update', s.id, deriveStatus(s, isFrozen));
    if (!s.cgroup) throw new TsruncError(`container ${s.id} has no cgroup to update`);
    const { managerFromRecord } = require('../../cgroups') as typeof import('../../cgroups');
    const { devices: _ignored, ...apply } = resources;
    try {
      managerFromRecord(s.cgroup).apply(apply, { skipDevices: true });
    } catch (e) {
      // Name the flag the user typed rather than the config path it maps to.
      if (fromFlags && e instanceof TsruncError && e.field && FLAG_OF_FIELD[e.field]) {
        throw new TsruncError(e.message, { field: FLAG_OF_FIELD[e.field], syscall: e.syscall, errno: e.errno });
      }
      throw e;
    }
    s.config.linux = { ...(s.config.linux ?? {}), resources: mergeResources(s.config.linux?.resources, apply) };
    dir.write(s);
  } finally {
    dir.close();
  }
  return 0;
}
