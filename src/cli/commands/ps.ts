// `tsrunc ps [--format table|json] <id> [ps options]` (runc-ps(8)). json: the host pids of every
// process in the container's cgroup as a bare JSON array, and nothing else on stdout or stderr
// (containerd reads both together: reference/clients.md). table: the host's ps(1) with the given
// options (default -ef), its header line, then only the lines whose PID column is one of those pids.
import { spawnSync } from 'child_process';
import { TsruncError, sysError } from '../../errors';
import { containerPids } from '../../container/ps';
import { stdout } from '../output';
import type { CommandContext } from '../table';

/** The PID column of ps's header (runc getPidIndex). */
export function pidIndex(header: string): number {
  const i = header.trim().split(/\s+/).indexOf('PID');
  if (i < 0) throw new TsruncError("couldn't find PID field in ps output");
  return i;
}

/** ps output restricted to `pids`: the header, then each line whose PID field is one of them. */
export function filterPs(output: string, pids: number[]): string {
  const lines = output.split('\n');
  const idx = pidIndex(lines[0]);
  const want = new Set(pids);
  const out = [lines[0]];
  for (const line of lines.slice(1)) {
    if (line.length === 0) continue;
    const field = line.trim().split(/\s+/)[idx];
    const pid = Number(field);
    if (!/^\d+$/.test(field ?? '')) throw new TsruncError(`unable to parse pid: ${JSON.stringify(field ?? '')}`);
    if (want.has(pid)) out.push(line);
  }
  return out.join('\n') + '\n';
}

export function run(ctx: CommandContext): number {
  const format = String(ctx.flags.format ?? 'table');
  if (format !== 'table' && format !== 'json') throw new TsruncError('invalid format option', { field: '--format' });
  const pids = containerPids(ctx.globals.root, ctx.args[0]);
  if (format === 'json') {
    // runc prints `null` for a container with no process left; an empty array is the same to every
    // client (Go and JSON.parse alike) and is what "a JSON array of pids" says.
    stdout(JSON.stringify(pids) + '\n');
    return 0;
  }
  const args = ctx.rest.length ? ctx.rest : ['-ef'];
  const r = spawnSync('ps', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw sysError('cannot run ps', r.error);
  if (r.status !== 0) throw new TsruncError(`ps ${args.join(' ')}: exit status ${r.status ?? r.signal}: ${(r.stdout + r.stderr).trim()}`);
  stdout(filterPs(r.stdout, pids));
  return 0;
}
