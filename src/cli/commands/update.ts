// `tsrunc update [flags] <id>` and `tsrunc update --resources FILE|- <id>` (runc-update(8); docker
// update sends LinuxResources JSON on stdin): the flags or JSON become a LinuxResources here; the
// operation is src/container/update.ts.
import * as fs from 'fs';
import { updateContainer } from '../../container/update';
import { TsruncError, readdressed, sysError } from '../../errors';
import { logWarn } from '../../log';
import type { LinuxResources } from '../../spec/types';
import type { CommandContext } from '../table';
import { FLAG_OF_FIELD, parseResourcesJson, resourcesFromFlags } from '../updateFlags';

function readResources(ctx: CommandContext): { resources: LinuxResources; fromFlags: boolean } {
  const file = ctx.flags.resources === undefined ? '' : String(ctx.flags.resources);
  if (file === '') return { resources: resourcesFromFlags(ctx.flags), fromFlags: true };
  let text: string;
  try {
    text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw sysError(`cannot read ${file === '-' ? 'stdin' : file}`, e, { field: '--resources' });
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
  try {
    updateContainer(ctx.globals.root, ctx.args[0], resources);
  } catch (e) {
    // Name the flag the user typed rather than the config path it maps to.
    if (fromFlags && e instanceof TsruncError && e.field && FLAG_OF_FIELD[e.field]) {
      throw readdressed(e, { field: FLAG_OF_FIELD[e.field] });
    }
    throw e;
  }
  return 0;
}
