// argv -> {globals, command, flags, args}, parsed by the table-driven parseFlags below (no parser
// library on the hot path). Full yargs costs ~15 ms to import (docs/ARCHITECTURE.md "Start-up"), so
// it is only loaded by help.ts. Global flags come before the command, as with runc (urfave/cli);
// like urfave/cli we accept `-flag` as well as `--flag` for long names.
// Every command runs this first, so it is written with loops, strings and plain objects: the first
// Map, Set, RegExp or flatMap of a process makes the engine build that builtin, ~40 page faults
// (~0.8 ms here) at each start that `state` or `kill` need not pay (issue 12).
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

/**
 * Flags and positionals of one command (or of the global part), as urfave/cli reads them: `--name`,
 * `-name`, `--name=value`, `-a` (an alias), `-abc` (boolean aliases grouped), `-a5`; a flag that takes
 * a value takes the next argument whatever it looks like (`--resources -`, `--signal -1`), as Go's flag
 * package does; a repeated flag collects its values (lastWins() keeps the last for single-valued ones);
 * `--` ends the flags. Written here rather than taken from yargs-parser: importing that costs ~370 page
 * faults (~7 ms on a machine where a fault costs 20 us) at every start, for nothing this needs.
 */
function parseFlags(argv: string[], flags: FlagSpec[], where: string): Record<string, unknown> {
  const byName = flagIndex(flags);
  const out: Record<string, unknown> = { _: [] as string[] };
  for (const f of flags) if (f.default !== undefined) out[f.name] = f.default;
  const seen: Record<string, true> = Object.create(null);
  const set = (f: FlagSpec, raw: string) => {
    let v: unknown = raw;
    if (f.type === 'boolean') {
      if (raw !== 'true' && raw !== 'false') throw new UsageError(`invalid boolean value "${raw}" for flag -${f.name}`, where || undefined);
      v = raw === 'true';
    } else if (f.type === 'number') {
      v = raw.trim() === '' ? NaN : Number(raw);
    }
    if (f.type === 'array' || seen[f.name]) {
      const prev = seen[f.name] ? out[f.name] : [];
      out[f.name] = (Array.isArray(prev) ? prev : [prev]).concat([v]);
    } else out[f.name] = v;
    seen[f.name] = true;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { out['--'] = argv.slice(i + 1); break; }
    if (a.length < 2 || a[0] !== '-') { (out._ as string[]).push(a); continue; }
    const body = dashless(a);
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const f = byName[name];
    if (!f && !a.startsWith('--') && eq < 0 && name.length > 1) {
      // -abc: grouped short aliases; -a5: a short alias and its value.
      const first = byName[name[0]];
      if (first && first.alias === name[0] && first.type !== 'boolean') { set(first, name.slice(1)); continue; }
      const group: FlagSpec[] = [];
      for (let k = 0; k < name.length; k++) {
        const g = byName[name[k]];
        if (!g || !g.alias || g.type !== 'boolean') break;
        group.push(g);
      }
      if (group.length === name.length) { for (const g of group) set(g, 'true'); continue; }
    }
    if (!f) throw new UsageError(`flag provided but not defined: -${name}`, where || undefined);
    if (eq >= 0) set(f, body.slice(eq + 1));
    else if (f.type === 'boolean') set(f, 'true');
    else if (i + 1 < argv.length) set(f, argv[++i]);
    else throw new UsageError(`flag needs an argument: -${name}`, where || undefined);
  }
  return out;
}

/** The values of a positional list as strings ([] for none). */
function strings(v: unknown): string[] {
  const out: string[] = [];
  if (Array.isArray(v)) for (let k = 0; k < v.length; k++) out.push(String(v[k]));
  return out;
}

/** A flag's name without its one or two leading dashes ("--root=x" -> "root=x"). */
function dashless(a: string): string {
  return a.slice(a.startsWith('--') ? 2 : a.startsWith('-') ? 1 : 0);
}

/** The flags by name and by alias (a null-prototype object: "constructor" is no flag). */
function flagIndex(flags: FlagSpec[]): Record<string, FlagSpec> {
  const byName: Record<string, FlagSpec> = Object.create(null);
  for (const f of flags) { byName[f.name] = f; if (f.alias) byName[f.alias] = f; }
  return byName;
}

/** As urfave/cli with SkipArgReorder (runc exec): flags, then `n` positionals, then a command line
 * that is not parsed at all (its own flags, `--` included, belong to it; one leading `--` is dropped). */
function splitCommand(argv: string[], flags: FlagSpec[], n: number): [string[], string[]] {
  const byName = flagIndex(flags);
  let seen = 0;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      const rest = argv.slice(i + 1);
      if (seen >= n) return [argv.slice(0, i), rest];
      return [argv.slice(0, i).concat(rest.slice(0, n - seen)), rest.slice(n - seen)];
    }
    if (a.length > 1 && a.startsWith('-')) {
      const f = byName[dashless(a)];
      if (!a.includes('=') && f && f.type !== 'boolean') i++;
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
    }
  }
  return parsed;
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
  const globalByName = flagIndex(globalFlags);
  while (i < argv.length && argv[i].startsWith('-') && argv[i] !== '--') {
    const f = globalByName[dashless(argv[i]).split('=')[0]];
    i += !argv[i].includes('=') && f && f.type !== 'boolean' ? 2 : 1;
  }
  const g = lastWins(parseFlags(argv.slice(0, i), globalFlags, ''), globalFlags);
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
  const p = lastWins(parseFlags(own, cmd.flags, cmd.name), cmd.flags);
  checkTypes(p, cmd.flags, cmd.name);
  out.flags = p;
  out.args = strings(p._);
  out.rest = command ?? strings(p['--']);
  if (p.help) { out.help = true; return out; }
  if (out.args.length < cmd.minArgs || out.args.length > cmd.maxArgs) {
    const want = cmd.minArgs === cmd.maxArgs ? `exactly ${cmd.minArgs}` : `${cmd.minArgs} to ${cmd.maxArgs}`;
    throw new UsageError(`"${cmd.name}" requires ${want} argument(s)`, cmd.name);
  }
  return out;
}
