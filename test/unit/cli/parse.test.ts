// parseArgv: runc's command line (urfave/cli conventions: global flags before the command, long
// flags with one or two dashes), configured from the command table.
import { UsageError } from '../../../src/errors';
import { parseArgv } from '../../../src/cli/parse';
import { commands } from '../../../src/cli/table';

function usage(argv: string[]): UsageError {
  try {
    parseArgv(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error(`expected a UsageError for ${JSON.stringify(argv)}`);
}

describe('global flags', () => {
  test('defaults', () => {
    const p = parseArgv(['state', 'c1']);
    expect(p.globals).toEqual({ root: '/run/tsrunc', log: undefined, logFormat: 'text', debug: false, systemdCgroup: false });
    expect(p.help).toBe(false);
    expect(p.version).toBe(false);
  });

  test('--root, --log, --log-format json, --debug, --systemd-cgroup before the command', () => {
    const p = parseArgv(['--root', '/tmp/r', '--log', '/tmp/l.json', '--log-format', 'json', '--debug', '--systemd-cgroup', 'state', 'c1']);
    expect(p.globals).toEqual({ root: '/tmp/r', log: '/tmp/l.json', logFormat: 'json', debug: true, systemdCgroup: true });
    expect(p.commandName).toBe('state');
    expect(p.command?.name).toBe('state');
    expect(p.args).toEqual(['c1']);
  });

  test('single-dash long global flags and --flag=value', () => {
    const p = parseArgv(['-root', '/a', '-log-format=json', '--log=/l', '-debug', 'list']);
    expect(p.globals.root).toBe('/a');
    expect(p.globals.logFormat).toBe('json');
    expect(p.globals.log).toBe('/l');
    expect(p.globals.debug).toBe(true);
    expect(p.command?.name).toBe('list');
  });

  test('a value that looks like a command is the flag\'s value, not the command', () => {
    const p = parseArgv(['--root', 'list', 'state', 'x']);
    expect(p.globals.root).toBe('list');
    expect(p.command?.name).toBe('state');
  });

  test('--log "" means stderr', () => {
    expect(parseArgv(['--log', '', 'list']).globals.log).toBeUndefined();
  });

  test('--rootless and --criu are accepted (containerd and podman pass them)', () => {
    expect(() => parseArgv(['--rootless', 'false', '--criu', '/usr/sbin/criu', 'list'])).not.toThrow();
  });

  test('invalid --log-format', () => {
    expect(usage(['--log-format', 'xml', 'list']).message).toBe('invalid log-format: xml');
  });

  test('unknown global flag', () => {
    expect(usage(['--bogus', 'list']).message).toBe('flag provided but not defined: -bogus');
  });

  test('global flags after the command are command flags (unknown there), as in runc', () => {
    expect(usage(['state', '--root', '/x', 'c1']).message).toMatch(/flag provided but not defined: -root/);
  });
});

describe('--version, --help, help', () => {
  test.each([[['--version']], [['-v']], [['-version']]])('%j', (argv) => {
    const p = parseArgv(argv);
    expect(p.version).toBe(true);
    expect(p.command).toBeUndefined();
  });

  test.each([[['--help']], [['-h']], [['help']], [['h']]])('%j: help without a command', (argv) => {
    const p = parseArgv(argv);
    expect(p.help).toBe(true);
    expect(p.command).toBeUndefined();
  });

  test('no arguments at all: no command, no help, no error', () => {
    const p = parseArgv([]);
    expect([p.command, p.help, p.version]).toEqual([undefined, false, false]);
  });

  test('help create', () => {
    const p = parseArgv(['help', 'create']);
    expect(p.help).toBe(true);
    expect(p.command?.name).toBe('create');
    expect(p.commandName).toBe('create');
  });

  test('create --help skips the positional count check', () => {
    const p = parseArgv(['create', '--help']);
    expect(p.help).toBe(true);
    expect(p.command?.name).toBe('create');
  });

  // urfave/cli (runc) checks the global --help before dispatching to a command: `runc --help create`
  // prints the help and exits 0. parseArgv records help=true from the global part, then goes on to
  // parse the command and throws the positional-count UsageError, so main() exits 1 with an error.
  test('global --help before a command is help, not a usage error', () => {
    const p = parseArgv(['--help', 'create']);
    expect(p.help).toBe(true);
  });

  test('create -h', () => {
    expect(parseArgv(['create', '-h']).help).toBe(true);
  });
});

describe('command flags', () => {
  test('--bundle, -bundle and -b', () => {
    for (const argv of [['create', '--bundle', '/b', 'c1'], ['create', '-bundle', '/b', 'c1'], ['create', '-b', '/b', 'c1'], ['create', '--bundle=/b', 'c1'], ['create', '-bundle=/b', 'c1']]) {
      const p = parseArgv(argv);
      expect({ argv, bundle: p.flags.bundle, args: p.args }).toEqual({ argv, bundle: '/b', args: ['c1'] });
    }
  });

  test('aliases are stripped: only the long name is present', () => {
    const p = parseArgv(['create', '-b', '/b', 'c1']);
    expect(p.flags.b).toBeUndefined();
  });

  test('defaults from the table', () => {
    const p = parseArgv(['create', 'c1']);
    expect(p.flags.bundle).toBe('');
    expect(p.flags['no-pivot']).toBe(false);
    expect(p.flags['preserve-fds']).toBe(0);
    expect(p.flags['pid-file']).toBeUndefined();
  });

  test('booleans: --no-pivot is a flag of its own, not the negation of "pivot"', () => {
    const p = parseArgv(['create', '--no-pivot', '--no-new-keyring', 'c1']);
    expect(p.flags['no-pivot']).toBe(true);
    expect(p.flags['no-new-keyring']).toBe(true);
    expect(p.flags.pivot).toBeUndefined();
    expect(p.args).toEqual(['c1']);
  });

  test('a boolean does not swallow the next word', () => {
    const p = parseArgv(['delete', '--force', 'c1']);
    expect(p.flags.force).toBe(true);
    expect(p.args).toEqual(['c1']);
    expect(parseArgv(['delete', '-f', 'c1']).flags.force).toBe(true);
  });

  test('run -d', () => {
    expect(parseArgv(['run', '-d', 'c1']).flags.detach).toBe(true);
  });

  test('--preserve-fds 2 is a number', () => {
    const p = parseArgv(['create', '--preserve-fds', '2', 'c1']);
    expect(p.flags['preserve-fds']).toBe(2);
    expect(parseArgv(['create', '--preserve-fds=3', 'c1']).flags['preserve-fds']).toBe(3);
  });

  test('bad number', () => {
    const e = usage(['create', '--preserve-fds', 'two', 'c1']);
    expect(e.message).toMatch(/preserve-fds/);
    expect(e.command).toBe('create');
  });

  test('a string flag given twice: the last wins', () => {
    expect(parseArgv(['create', '-b', '/one', '-b', '/two', 'c1']).flags.bundle).toBe('/two');
  });

  test('unknown command flag', () => {
    const e = usage(['create', '--bogus', 'c1']);
    expect(e.message).toBe('flag provided but not defined: -bogus');
    expect(e.command).toBe('create');
  });

  test('unknown short flag', () => {
    expect(usage(['create', '-z', 'c1']).message).toBe('flag provided but not defined: -z');
  });

  test('a flag that takes a value takes the next argument whatever it looks like (Go flag package)', () => {
    expect(parseArgv(['update', '--resources', '-', 'c1']).flags.resources).toBe('-');
    expect(parseArgv(['create', '--pid-file', '-odd-name', 'c1']).flags['pid-file']).toBe('-odd-name');
  });

  test('a flag that takes a value, last on the line, is a usage error', () => {
    expect(usage(['create', 'c1', '--bundle']).message).toBe('flag needs an argument: -bundle');
  });

  test('grouped boolean aliases: exec -dt', () => {
    const p = parseArgv(['exec', '-dt', '--console-socket', '/s', 'c1', 'sh']);
    expect(p.flags.detach).toBe(true);
    expect(p.flags.tty).toBe(true);
  });

  test('a group with a flag that is not a boolean alias is no group; -u0 is an alias and its value', () => {
    expect(usage(['exec', '-dx', 'c1', 'sh']).message).toBe('flag provided but not defined: -dx');
    expect(usage(['exec', '-du', 'c1', 'sh']).message).toBe('flag provided but not defined: -du');
    expect(parseArgv(['exec', '-u0', 'c1', 'sh']).flags.user).toBe('0');
    expect(parseArgv(['exec', '-e', 'A=1', '-eB', 'c1', 'sh']).flags.env).toEqual(['A=1', 'B']);
    expect(usage(['exec', '-eB=2', 'c1', 'sh']).message).toBe('flag provided but not defined: -eB'); // as Go's flag package
  });

  test('names of Object.prototype are no flags (the flag index is a plain object)', () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(usage([`--${name}`, 'list']).message).toBe(`flag provided but not defined: -${name}`);
      expect(usage(['list', `--${name}`]).message).toBe(`flag provided but not defined: -${name}`);
      expect(usage(['exec', `--${name}`, 'c1', 'sh']).message).toBe(`flag provided but not defined: -${name}`);
    }
  });

  test('--flag=false for a boolean; a non-boolean value is refused', () => {
    expect(parseArgv(['delete', '--force=false', 'c1']).flags.force).toBe(false);
    expect(usage(['delete', '--force=maybe', 'c1']).message).toMatch(/invalid boolean value "maybe"/);
  });

  test('yargs-parser is not on the hot path (its import costs ~7 ms per start)', () => {
    const src = require('fs').readFileSync(require('path').join(__dirname, '../../../src/cli/parse.ts'), 'utf8');
    expect(src).not.toMatch(/from 'yargs-parser'|require\('yargs-parser'\)/);
  });

  test('list --format json -q', () => {
    const p = parseArgv(['list', '--format', 'json', '-q']);
    expect(p.flags.format).toBe('json');
    expect(p.flags.quiet).toBe(true);
  });
});

describe('positionals', () => {
  test('kill id KILL', () => {
    const p = parseArgv(['kill', 'c1', 'KILL']);
    expect(p.args).toEqual(['c1', 'KILL']);
    expect(p.flags.all).toBe(false);
  });

  test('kill id 9: the signal stays a string', () => {
    expect(parseArgv(['kill', 'c1', '9']).args).toEqual(['c1', '9']);
  });

  test('ids that look like numbers stay strings', () => {
    expect(parseArgv(['state', '0123']).args).toEqual(['0123']);
  });

  test('kill --all id', () => {
    const p = parseArgv(['kill', '--all', 'c1', 'TERM']);
    expect(p.flags.all).toBe(true);
    expect(p.args).toEqual(['c1', 'TERM']);
  });

  test.each([
    [['create'], /"create" requires exactly 1 argument/],
    [['create', 'a', 'b'], /"create" requires exactly 1 argument/],
    [['kill'], /"kill" requires 1 to 2 argument/],
    [['kill', 'a', 'KILL', 'x'], /"kill" requires 1 to 2 argument/],
    [['list', 'x'], /"list" requires exactly 0 argument/],
    [['state'], /"state" requires exactly 1/],
  ])('%j: wrong positional count', (argv, msg) => {
    const e = usage(argv as string[]);
    expect(e.message).toMatch(msg as RegExp);
    expect(e.command).toBe((argv as string[])[0]);
  });

  test('unknown command', () => {
    expect(usage(['frobnicate', 'x']).message).toBe("No help topic for 'frobnicate'");
  });

  test('arguments after "--" go to rest, not to args or flags', () => {
    const p = parseArgv(['create', 'c1', '--', '-a', '--bogus', 'x']);
    expect(p.args).toEqual(['c1']);
    expect(p.rest).toEqual(['-a', '--bogus', 'x']);
  });

  test('no "--": rest is empty', () => {
    expect(parseArgv(['state', 'c1']).rest).toEqual([]);
  });
});

describe('the command table', () => {
  test('runc\'s commands are there with runc\'s positional counts', () => {
    const byName = Object.fromEntries(commands.map((c) => [c.name, [c.minArgs, c.maxArgs]]));
    expect(byName).toMatchObject({ create: [1, 1], start: [1, 1], run: [1, 1], state: [1, 1], kill: [1, 2], delete: [1, 1],
      list: [0, 0], spec: [0, 0], features: [0, 0] });
  });

  test('every command accepts --help, and flag names are unique per command', () => {
    for (const c of commands) {
      const names = c.flags.flatMap((f) => [f.name, f.alias].filter(Boolean));
      expect({ c: c.name, dup: names.filter((n, i) => names.indexOf(n) !== i) }).toEqual({ c: c.name, dup: [] });
      expect(parseArgv(c.minArgs ? [c.name, '--help', 'x'] : [c.name, '--help']).help).toBe(true);
    }
  });
});

describe('exec: flags, the id, then a command line that is not parsed', () => {
  test.each([
    [['exec', 'c1', 'sh', '-c', 'echo hi'], ['sh', '-c', 'echo hi'], {}],
    [['exec', '-t', '--env', 'A=1', '-u', '1000:1000', 'c1', 'ls', '-la', '--env'], ['ls', '-la', '--env'], { tty: true, env: ['A=1'], user: '1000:1000' }],
    [['exec', '--cwd=/tmp', 'c1', '--', 'ls', '--', 'x'], ['ls', '--', 'x'], { cwd: '/tmp' }],
    [['exec', '-p', 'proc.json', '-d', 'c1'], [], { process: 'proc.json', detach: true }],
  ])('%j', (argv, command, flags) => {
    const p = parseArgv(argv as string[]);
    expect(p.args).toEqual(['c1']);
    expect(p.rest).toEqual(command);
    expect(p.flags).toMatchObject(flags);
  });
});

test('a repeatable flag takes one value per occurrence, not the positionals after it', () => {
  const p = parseArgv(['exec', '-g', '7', '-e', 'A=1', '-e', 'B=2', 'c1', 'id']);
  expect(p.flags).toMatchObject({ 'additional-gids': ['7'], env: ['A=1', 'B=2'] });
  expect(p.args).toEqual(['c1']);
  expect(p.rest).toEqual(['id']);
});

test('a single-valued flag given twice: the last wins (urfave/cli)', () => {
  const p = parseArgv(['--root', '/a', '--root', '/b', 'create', '--bundle', '/x', '-b', '/y', 'c1']);
  expect(p.globals.root).toBe('/b');
  expect(p.flags.bundle).toBe('/y');
});
