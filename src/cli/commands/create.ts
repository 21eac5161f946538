// `tsrunc create [--bundle B] [--pid-file F] [--console-socket S] [--no-pivot] [--preserve-fds N] <id>`
// (runc-create(8)). With --dry-run: validate and print the plan, touching nothing.
import { createContainer, describeCreate, CreateOptions } from '../../container/create';
import { stdout } from '../output';
import type { CommandContext } from '../table';

export function createOptions(ctx: CommandContext): CreateOptions {
  return {
    root: ctx.globals.root,
    id: ctx.args[0],
    bundle: ctx.flags.bundle ? String(ctx.flags.bundle) : undefined,
    pidFile: ctx.flags['pid-file'] ? String(ctx.flags['pid-file']) : undefined,
    consoleSocket: ctx.flags['console-socket'] ? String(ctx.flags['console-socket']) : undefined,
    pidfdSocket: ctx.flags['pidfd-socket'] ? String(ctx.flags['pidfd-socket']) : undefined,
    noPivot: Boolean(ctx.flags['no-pivot']),
    noNewKeyring: Boolean(ctx.flags['no-new-keyring']),
    preserveFds: Number(ctx.flags['preserve-fds'] ?? 0),
    systemdCgroup: ctx.globals.systemdCgroup,
  };
}

export function run(ctx: CommandContext): number {
  const opts = createOptions(ctx);
  if (ctx.flags['dry-run']) {
    stdout(describeCreate(opts));
    return 0;
  }
  createContainer(opts);
  return 0;
}
