// --pid-file (runc's createPidFile): written atomically through a temporary name beside it. That name
// is predictable (".<name>.<pid>"), so it is created with O_EXCL: a symlink or file planted there by
// someone who can write to the directory makes the write fail instead of redirecting it.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writePidFile } from '../../../src/container/create';

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
    expect(() => writePidFile(path.join(dir, 'init.pid'), 4242)).toThrow(/--pid-file|EEXIST/);
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious');
    expect(fs.existsSync(path.join(dir, 'init.pid'))).toBe(false);
  });
});
