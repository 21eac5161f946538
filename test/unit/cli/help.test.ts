// `--help` and `<command> --help` in runc's layout (urfave/cli: NAME, USAGE, COMMANDS, OPTIONS) with
// no text wrapped, so no word is ever broken across lines whatever the terminal width.
import { showHelp } from '../../../src/cli/help';
import { commands, findCommand, globalFlags } from '../../../src/cli/table';

async function help(name?: string, columns = 80): Promise<string> {
  let out = '';
  const cols = Object.getOwnPropertyDescriptor(process.stdout, 'columns');
  Object.defineProperty(process.stdout, 'columns', { value: columns, configurable: true });
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation(((s: string) => { out += s; return true; }) as typeof process.stdout.write);
  try {
    await showHelp(name === undefined ? undefined : findCommand(name));
  } finally {
    spy.mockRestore();
    if (cols) Object.defineProperty(process.stdout, 'columns', cols);
    else delete (process.stdout as { columns?: number }).columns;
  }
  return out;
}

const lines = (text: string) => text.split('\n');

describe('tsrunc --help', () => {
  test.each([40, 80, 200])('runc\'s sections; every command and flag text whole on one line (%d columns)', async (columns) => {
    const text = await help(undefined, columns);
    for (const section of ['NAME:', 'USAGE:', 'COMMANDS:', 'GLOBAL OPTIONS:']) expect(lines(text)).toContain(section);
    expect(text).toMatch(/^NAME:\n {3}tsrunc - /);
    expect(text).toContain('\nUSAGE:\n   tsrunc [global options] command [command options] [arguments...]\n');
    for (const c of commands) expect(lines(text)).toContainEqual(expect.stringMatching(new RegExp(`^ {3}${c.name} +${escape(c.summary)}$`)));
    for (const f of globalFlags) expect(lines(text)).toContainEqual(expect.stringContaining(f.describe));
    expect(text).toContain('kill sends the specified signal (default: SIGTERM) to the container\'s init process');
  });

  test('checkpoint and restore are commands, as in runc', () => {
    expect(findCommand('checkpoint')).toBeDefined();
    expect(findCommand('restore')).toBeDefined();
  });
});

describe('<command> --help', () => {
  test.each(commands.map((c) => [c.name]))('%s: NAME, USAGE, OPTIONS, every flag whole on one line', async (name) => {
    const c = findCommand(name)!;
    const text = await help(name, 40);
    expect(text).toMatch(new RegExp(`^NAME:\n {3}tsrunc ${name} - ${escape(c.summary)}\n\nUSAGE:\n {3}tsrunc ${name} \\[command options\\]`));
    expect(lines(text)).toContain('OPTIONS:');
    for (const f of c.flags) {
      const line = lines(text).find((l) => new RegExp(`^ +(-\\w, )?--${f.name} `).test(l));
      expect(line).toBeDefined();
      expect(line).toContain(f.describe);
    }
  });

  test('kill --help: runc\'s text for the arguments and the example', async () => {
    const text = await help('kill');
    expect(text).toContain('Where "<container-id>" is the name for the instance of the container and\n"[signal]" is the signal to be sent to the init process.');
    expect(text).toContain('# tsrunc kill ubuntu01 KILL');
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
