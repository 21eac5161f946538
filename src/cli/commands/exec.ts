// `tsrunc exec [options] <id> [--] <command> [args...]` or `tsrunc exec -p process.json <id>`
// (runc-exec(8)). Without --process, the process is the container's own config.json process with
// the command line's args and overrides, as runc builds it. Errors exit 255, as runc's.
import * as io from '../../fileio';
import { checkPreservedFds } from '../../container/create';
import { execProcess } from '../../container/exec';
import { withContainer } from '../../container/open';
import { TsruncError, readdressed, sysError } from '../../errors';
import type { Process } from '../../spec/types';
import type { CommandContext } from '../table';

const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

function fromFile(file: string): Process {
  let text: string;
  try {
    text = file === '-' ? io.readFd(0) : io.readText(file);
  } catch (e) {
    throw sysError(`cannot read ${file}`, e, { field: '--process' });
  }
  let p: unknown;
  try {
    p = JSON.parse(text);
  } catch (e) {
    throw new TsruncError(`invalid JSON: ${(e as Error).message}`, { field: '--process' });
  }
  const { checkProcessSpec } = require('../../spec/load') as typeof import('../../spec/load');
  return checkProcessSpec(p);
}

function fromFlags(ctx: CommandContext, base: Process | undefined): Process {
  const args = [...ctx.args.slice(1), ...ctx.rest];
  if (!args.length) throw new TsruncError('exec needs a command to run (or --process)', { field: 'command' });
  const p: Process = JSON.parse(JSON.stringify(base ?? { cwd: '/', user: { uid: 0, gid: 0 } }));
  p.args = args;
  p.terminal = Boolean(ctx.flags.tty);
  delete p.consoleSize;
  if (ctx.flags.cwd) p.cwd = String(ctx.flags.cwd);
  const env = p.env ?? [];
  for (const e of list(ctx.flags.env)) {
    const k = e.split('=')[0];
    const i = env.findIndex((x) => x.split('=')[0] === k);
    if (i >= 0) env[i] = e; else env.push(e);
  }
  p.env = env;
  if (ctx.flags.user) {
    const m = /^(\d+)(?::(\d+))?$/.exec(String(ctx.flags.user));
    if (!m) throw new TsruncError(`"${ctx.flags.user}" is not uid[:gid] (numbers)`, { field: '--user' });
    p.user = { ...p.user, uid: Number(m[1]), gid: m[2] !== undefined ? Number(m[2]) : p.user?.gid ?? 0 };
  }
  const gids = list(ctx.flags['additional-gids']);
  if (gids.length) {
    (p.user ??= {}).additionalGids = gids.map((g) => {
      if (!/^\d+$/.test(g)) throw new TsruncError(`"${g}" is not a number`, { field: '--additional-gids' });
      return Number(g);
    });
  }
  if (ctx.flags['no-new-privs']) p.noNewPrivileges = true;
  for (const c of list(ctx.flags.cap)) {
    const caps = (p.capabilities ??= {});
    for (const set of ['bounding', 'effective', 'permitted'] as const) (caps[set] ??= []).push(c);
    // As runc: ambient only when the spec already has an inheritable set (ambient needs inheritable).
    if (caps.inheritable) (caps.ambient ??= []).push(c);
  }
  if (ctx.flags.apparmor) p.apparmorProfile = String(ctx.flags.apparmor);
  if (ctx.flags['process-label']) p.selinuxLabel = String(ctx.flags['process-label']);
  return p;
}

export function run(ctx: CommandContext): number {
  try {
    const id = ctx.args[0];
    const preserveFds = Number(ctx.flags['preserve-fds'] ?? 0);
    checkPreservedFds(preserveFds);
    const file = ctx.flags.process ? String(ctx.flags.process) : undefined;
    let proc: Process;
    if (file) proc = fromFile(file);
    else {
      proc = fromFlags(ctx, withContainer(ctx.globals.root, id, 'shared', undefined, ({ state }) => state.config.process));
    }
    if (proc.apparmorProfile) throw new TsruncError('AppArmor is not enabled on this host', { field: 'process.apparmorProfile' });
    if (proc.selinuxLabel) throw new TsruncError('SELinux is not enabled on this host', { field: 'process.selinuxLabel' });
    return execProcess({
      root: ctx.globals.root, id, process: proc, detach: Boolean(ctx.flags.detach),
      pidFile: ctx.flags['pid-file'] ? String(ctx.flags['pid-file']) : undefined,
      consoleSocket: ctx.flags['console-socket'] ? String(ctx.flags['console-socket']) : undefined,
      pidfdSocket: ctx.flags['pidfd-socket'] ? String(ctx.flags['pidfd-socket']) : undefined,
      preserveFds, ignorePaused: Boolean(ctx.flags['ignore-paused']),
      cgroups: list(ctx.flags.cgroup),
    });
  } catch (e) {
    if (e instanceof TsruncError && e.exitCode !== 255) throw readdressed(e, { exitCode: 255 });
    throw e;
  }
}
