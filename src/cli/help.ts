// Help text and usage in runc's layout (urfave/cli's templates: NAME, USAGE, COMMANDS, OPTIONS),
// generated from the command table, the options section by yargs. Loaded lazily: only `--help`,
// `help`, and usage errors pay for importing yargs. Nothing is wrapped to the terminal (urfave/cli
// does not wrap either): wrapping split words such as "SIGT/ERM" in narrow columns.
import { CommandSpec, FlagSpec, commands, globalFlags } from './table';

/** runc shows a flag's default at the end of its usage text, for flags that take a value. */
function describe(f: FlagSpec): string {
  const d = f.default;
  if (f.type === 'boolean' || d === undefined || d === '' || d === 0 && f.type !== 'number') return f.describe;
  return `${f.describe} (default: ${JSON.stringify(d)})`;
}

function column(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([a]) => a.length));
  return rows.map(([a, b]) => `   ${a.padEnd(width)}  ${b}`).join('\n');
}

export async function helpText(command?: CommandSpec): Promise<string> {
  const [{ default: yargs }, { DETAILS, PROGRAM }] = await Promise.all([import('yargs'), import('./helpText')]);
  let usage: string;
  let flags: FlagSpec[];
  if (command) {
    const details = DETAILS[command.name];
    usage = `NAME:\n   tsrunc ${command.name} - ${command.summary}\n\nUSAGE:\n   tsrunc ${command.name} [command options] ${command.args}`.trimEnd() +
      (details ? `\n\n${details}` : '');
    flags = command.flags;
  } else {
    const { versionText } = await import('./version');
    usage = `NAME:\n   tsrunc - Open Container Initiative runtime\n\n${PROGRAM}\n\nUSAGE:\n   tsrunc [global options] command [command options] [arguments...]\n\n` +
      `VERSION:\n   ${versionText().trimEnd().replace(/^tsrunc version /, '')}\n\nCOMMANDS:\n` +
      column([...[...commands].sort((a, b) => a.name.localeCompare(b.name)).map((c): [string, string] => [c.name, c.summary]), ['help, h', 'Shows a list of commands or help for one command']]);
    flags = globalFlags;
  }
  // Without `type`, yargs prints no "[string]"/"[boolean]" column, as urfave/cli.
  let y = yargs([]).scriptName('tsrunc').wrap(null).version(false).help(false).strict(false)
    .updateStrings({ 'Options:': command ? 'OPTIONS:' : 'GLOBAL OPTIONS:' })
    .usage(usage);
  for (const f of flags) y = y.option(f.name, { alias: f.alias, describe: describe(f) });
  return y.getHelp();
}

export async function showHelp(command?: CommandSpec, out: 'stdout' | 'stderr' = 'stdout'): Promise<void> {
  (out === 'stdout' ? process.stdout : process.stderr).write(await helpText(command) + '\n');
}
