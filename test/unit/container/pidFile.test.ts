// --pid-file (runc's createPidFile): written atomically through a temporary name beside it. That name
// is predictable (".<name>.<pid>"), so it is created with O_EXCL: a symlink or file planted there by
// someone who can write to the directory makes the write fail instead of redirecting it.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writePidFile } from '../../../src/container/create';
import { formatError } from '../../../src/errors';

describe('writePidFile', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-pidfile-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('bare digits, atomically, nothing else left', () => {
    writePidFile(path.join(dir, 'init.pid'), 4242);
    expect(fs.readFileSync(path.join(dir, 'init.pid'), 'utf8')).toBe('4242');
    expect(fs.readdirSync(dir)).toEqual(['init.pid']);
  });

  test('a symlink planted at the temporary name is not followed', () => {
    const victim = path.join(dir, 'victim');
    fs.writeFileSync(victim, 'precious');
    fs.symlinkSync(victim, path.join(dir, `.init.pid.${process.pid}`));
    // The errno is the error's errno (issue 10), printed by formatError after the message.
    let err: unknown;
    try { writePidFile(path.join(dir, 'init.pid'), 4242); } catch (e) { err = e; }
    expect(formatError(err)).toBe(`--pid-file: cannot write pid file ${path.join(dir, 'init.pid')}: EEXIST`);
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious');
    expect(fs.existsSync(path.join(dir, 'init.pid'))).toBe(false);
  });
});
