// argv -> {globals, command, flags, args} with yargs-parser (the parser yargs is built on), configured
// from the command table. Full yargs costs ~15 ms to import (DESIGN.md), so it is only loaded by
// help.ts. Global flags come before the command, as with runc (urfave/cli); like urfave/cli we accept
// `-flag` as well as `--flag` for long names.
import parser from 'yargs-parser';
import { UsageError } from '../errors';
import { CommandSpec, FlagSpec, GlobalOptions, findCommand, globalFlags } from './table';

export interface ParsedArgv {
  globals: GlobalOptions;
  help: boolean;
  version: boolean;
  command?: CommandSpec;
  commandName?: string;
  flags: Record<string, unknown>;
  args: string[];
  rest: string[];
}

function options(flags: FlagSpec[]): parser.Options {
  const o: parser.Options & { configuration: Record<string, boolean> } = {
    boolean: [], string: [], number: [], array: [], alias: {}, default: {},
    configuration: {
      'camel-case-expansion': false,
      'dot-notation': false,
      // Repeated: collected, then lastWins() keeps the last for single-valued flags (urfave/cli).
      'duplicate-arguments-array': true,
      'flatten-duplicate-arrays': true,
      'parse-numbers': false,
      'parse-positional-numbers': false,
      'strip-aliased': true,
      'populate--': true,
      'unknown-options-as-args': false,
      'short-option-groups': true,
      'halt-at-non-option': false,
      'boolean-negation': false,
      // urfave/cli: a repeatable flag takes one value per occurrence (-e A=1 -e B=2), never the next args.
      'greedy-arrays': false,
    },
  };
  for (const f of flags) {
    (o[f.type] as string[]).push(f.name);
    if (f.alias) (o.alias as Record<string, string[]>)[f.name] = [f.alias];
    if (f.default !== undefined) (o.default as Record<string, unknown>)[f.name] = f.default;
  }
  return o;
}

/** `-bundle x` -> `--bundle x` for known long names (urfave/cli accepts both). A lone `-` after a flag
 * that takes a value is that value (`update --resources -`: stdin); yargs-parser would leave it as a
 * positional after a long flag, so it is joined as `--resources=-`. */
function normaliseDashes(argv: string[], flags: FlagSpec[]): string[] {
  const long = new Set(flags.map((f) => f.name));
  const takesValue = new Set(flags.filter((f) => f.type !== 'boolean').flatMap((f) => [`--${f.name}`, ...(f.alias ? [`-${f.alias}`] : [])]));
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { out.push(...argv.slice(i)); break; }
    const m = /^-([a-z][a-z-]+)(=.*)?$/.exec(a);
    const flag = m && long.has(m[1]) ? `-${a}` : a;
    if (argv[i + 1] === '-' && takesValue.has(flag)) {
      out.push(`${flag}=-`);
      i++;
      continue;
    }
    out.push(flag);
  }
  return out;
}

/** As urfave/cli with SkipArgReorder (runc exec): flags, then `n` positionals, then a command line
 * that is not parsed at all (its own flags, `--` included, belong to it; one leading `--` is dropped). */
function splitCommand(argv: string[], flags: FlagSpec[], n: number): [string[], string[]] {
  const takesValue = new Set<string>();
  for (const f of flags) if (f.type !== 'boolean') { takesValue.add(f.name); if (f.alias) takesValue.add(f.alias); }
  let seen = 0;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      const rest = argv.slice(i + 1);
      if (seen >= n) return [argv.slice(0, i), rest];
      return [[...argv.slice(0, i), ...rest.slice(0, n - seen)], rest.slice(n - seen)];
    }
    if (a.length > 1 && a.startsWith('-')) {
      if (!a.includes('=') && takesValue.has(a.replace(/^--?/, ''))) i++;
      continue;
    }
    if (++seen === n) {
      const rest = argv.slice(i + 1);
      return [argv.slice(0, i + 1), rest[0] === '--' ? rest.slice(1) : rest];
    }
  }
  return [argv, []];
}

function lastWins(parsed: Record<string, unknown>, flags: FlagSpec[]): Record<string, unknown> {
  for (const f of flags) {
    const v = parsed[f.name];
    if (f.type !== 'array' && Array.isArray(v)) {
      parsed[f.name] = v[v.length - 1];
      if (f.alias && f.alias in parsed) parsed[f.alias] = parsed[f.name];
    }
  }
  return parsed;
}

function checkUnknown(parsed: Record<string, unknown>, flags: FlagSpec[], where: string): void {
  const known = new Set<string>(['_', '--']);
  for (const f of flags) { known.add(f.name); if (f.alias) known.add(f.alias); }
  for (const k of Object.keys(parsed)) if (!known.has(k)) throw new UsageError(`flag provided but not defined: -${k}`, where);
}

function checkTypes(parsed: Record<string, unknown>, flags: FlagSpec[], where: string): void {
  for (const f of flags) {
    const v = parsed[f.name];
    if (f.type === 'number' && v !== undefined && (typeof v !== 'number' || !Number.isFinite(v)))
      throw new UsageError(`invalid value for flag --${f.name}: expected a number`, where);
    if (f.type === 'string' && Array.isArray(v)) parsed[f.name] = v[v.length - 1];
  }
}

export function parseArgv(argv: string[]): ParsedArgv {
  // Global part: everything up to the first non-option word.
  let i = 0;
  const globalNames = new Set(globalFlags.filter((f) => f.type !== 'boolean').flatMap((f) => [f.name, f.alias].filter(Boolean) as string[]));
  while (i < argv.length && argv[i].startsWith('-') && argv[i] !== '--') {
    const name = argv[i].replace(/^--?/, '').split('=')[0];
    i += !argv[i].includes('=') && globalNames.has(name) ? 2 : 1;
  }
  const globalArgv = normaliseDashes(argv.slice(0, i), globalFlags);
  const g = lastWins(parser(globalArgv, options(globalFlags)) as Record<string, unknown>, globalFlags);
  checkUnknown(g, globalFlags, '');
  checkTypes(g, globalFlags, '');
  const logFormat = String(g['log-format']);
  if (logFormat !== 'text' && logFormat !== 'json') throw new UsageError(`invalid log-format: ${logFormat}`);
  const globals: GlobalOptions = {
    root: String(g.root),
    log: g.log === undefined || g.log === '' ? undefined : String(g.log),
    logFormat,
    debug: Boolean(g.debug),
    systemdCgroup: Boolean(g['systemd-cgroup']),
    criu: g.criu === undefined ? undefined : String(g.criu),
  };
  const out: ParsedArgv = { globals, help: Boolean(g.help), version: Boolean(g.version), flags: {}, args: [], rest: [] };
  if (i >= argv.length) return out;
  let name = argv[i];
  if (name === 'help' || name === 'h') {
    out.help = true;
    name = argv[i + 1];
    if (!name) return out;
    out.commandName = name;
    out.command = findCommand(name);
    return out;
  }
  out.commandName = name;
  const cmd = findCommand(name);
  // As urfave/cli: a global --help or --version wins over whatever follows it.
  if (out.help || out.version) { out.command = cmd; return out; }
  if (!cmd) throw new UsageError(`No help topic for '${name}'`);
  out.command = cmd;
  let own = argv.slice(i + 1);
  let command: string[] | undefined;
  if (cmd.commandAfter !== undefined) [own, command] = splitCommand(own, cmd.flags, cmd.commandAfter);
  const cmdArgv = normaliseDashes(own, cmd.flags);
  const p = lastWins(parser(cmdArgv, options(cmd.flags)) as Record<string, unknown>, cmd.flags);
  checkUnknown(p, cmd.flags, cmd.name);
  checkTypes(p, cmd.flags, cmd.name);
  out.flags = p;
  out.args = ((p._ as unknown[]) ?? []).map(String);
  out.rest = command ?? ((p['--'] as unknown[]) ?? []).map(String);
  if (p.help) { out.help = true; return out; }
  if (out.args.length < cmd.minArgs || out.args.length > cmd.maxArgs) {
    const want = cmd.minArgs === cmd.maxArgs ? `exactly ${cmd.minArgs}` : `${cmd.minArgs} to ${cmd.maxArgs}`;
    throw new UsageError(`"${cmd.name}" requires ${want} argument(s)`, cmd.name);
  }
  return out;
}
