// `tsrunc list [--format table|json] [--quiet]` (runc-list(8)).
import { eachContainer } from '../../container/open';
import { TsruncError } from '../../errors';
import { stateOutput } from '../../state/status';
import type { StateOutput } from '../../spec/types';
import { stdout } from '../output';
import type { CommandContext } from '../table';

export function run(ctx: CommandContext): number {
  const format = String(ctx.flags.format);
  if (format !== 'table' && format !== 'json') throw new TsruncError(`invalid format option "${format}" (allowed: table, json)`, { field: '--format' });
  const rows: StateOutput[] = [];
  eachContainer(ctx.globals.root, ({ state, status }) => rows.push(stateOutput(state, status)));
  if (ctx.flags.quiet) {
    stdout(rows.map((r) => r.id + '\n').join(''));
  } else if (format === 'json') {
    stdout(JSON.stringify(rows) + '\n');
  } else {
    const table = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'], ...rows.map((r) => [r.id, String(r.pid), r.status, r.bundle, r.created, r.owner])];
    const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
    stdout(table.map((row) => row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c] + 3))).join('') + '\n').join(''));
  }
  return 0;
}
