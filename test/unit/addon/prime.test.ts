// The addon's primeCgroupMigration (addon/binding.cc, issue 12): a detached thread writes this
// process's pid into the given cgroup.procs. Checked on ordinary files (no root, no cgroup): it
// writes exactly the pid, creates nothing, and follows no symlink in place of the file.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { native } from '../../../src/native';

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-prime-')); });
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Poll (the thread is detached) until `f` holds or a second has passed. */
function eventually(f: () => boolean): boolean {
  for (let i = 0; i < 200; i++) {
    if (f()) return true;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
  }
  return f();
}

test('writes the process\'s own pid into the file, from another thread, and returns at once', () => {
  const f = path.join(dir, 'cgroup.procs');
  fs.writeFileSync(f, '');
  native().primeCgroupMigration(f);
  expect(eventually(() => fs.readFileSync(f, 'utf8') === String(process.pid))).toBe(true);
});

test('creates no file that is not there', () => {
  const f = path.join(dir, 'cgroup.procs');
  native().primeCgroupMigration(f);
  // A later write proves the thread ran: the missing file must still be missing.
  const g = path.join(dir, 'g');
  fs.writeFileSync(g, '');
  native().primeCgroupMigration(g);
  expect(eventually(() => fs.readFileSync(g, 'utf8') !== '')).toBe(true);
  expect(fs.existsSync(f)).toBe(false);
});

test('a symlink in place of cgroup.procs is not followed', () => {
  const target = path.join(dir, 'elsewhere');
  fs.writeFileSync(target, 'untouched');
  const link = path.join(dir, 'cgroup.procs');
  fs.symlinkSync(target, link);
  native().primeCgroupMigration(link);
  const g = path.join(dir, 'g');
  fs.writeFileSync(g, '');
  native().primeCgroupMigration(g);
  expect(eventually(() => fs.readFileSync(g, 'utf8') !== '')).toBe(true);
  expect(fs.readFileSync(target, 'utf8')).toBe('untouched');
});
