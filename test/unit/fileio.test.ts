// src/fileio.ts: the start-up path's file operations through the addon (addon/fileio.cc), in place
// of node:fs (issue 12). Callers tell errors apart by node:fs's fields, so the shape is the contract.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as io from '../../src/fileio';
import { dirname, join } from '../../src/pathnames';
import { errnoOf, formatError, sysError } from '../../src/errors';

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-fileio-')); });
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const errorOf = (fn: () => unknown): NodeJS.ErrnoException => {
  try { fn(); } catch (e) { return e as NodeJS.ErrnoException; }
  throw new Error('did not throw');
};

test('a failed call throws node:fs\'s error shape: code, negative errno, syscall, path, message', () => {
  const missing = path.join(dir, 'nope');
  const e = errorOf(() => io.readText(missing));
  let nodeErr: NodeJS.ErrnoException | undefined;
  try { fs.readFileSync(missing); } catch (x) { nodeErr = x as NodeJS.ErrnoException; }
  expect({ code: e.code, errno: e.errno, syscall: e.syscall, path: e.path, message: e.message })
    .toEqual({ code: nodeErr!.code, errno: nodeErr!.errno, syscall: nodeErr!.syscall, path: nodeErr!.path, message: nodeErr!.message });
  expect(Object.prototype.toString.call(e)).toBe('[object Error]'); // the addon's realm, not jest's
  expect(errnoOf(e)).toBe(2);
  expect(formatError(sysError('cannot read it', e))).toBe('cannot read it: ENOENT');
});

test('readText, writeNewFile (exclusive), appendText, rename, unlink', () => {
  const f = path.join(dir, 'f');
  io.writeNewFile(f, 'héllo', 0o600);
  expect(io.readText(f)).toBe('héllo');
  expect(fs.statSync(f).mode & 0o777).toBe(0o600);
  io.writeNewFile(f, 'again', 0o600);
  expect(io.readText(f)).toBe('again');
  expect(errorOf(() => io.writeNewFile(f, 'x', 0o600, true)).code).toBe('EEXIST');
  io.appendText(f, '+1');
  io.appendText(path.join(dir, 'new'), 'n');
  expect([io.readText(f), io.readText(path.join(dir, 'new'))]).toEqual(['again+1', 'n']);
  io.rename(f, path.join(dir, 'g'));
  expect([io.exists(f), io.exists(path.join(dir, 'g'))]).toEqual([false, true]);
  io.unlink(path.join(dir, 'g'));
  expect(errorOf(() => io.unlink(path.join(dir, 'g'))).code).toBe('ENOENT');
});

test('readText of a large file reads all of it', () => {
  const big = 'x'.repeat(100_000) + 'end';
  fs.writeFileSync(path.join(dir, 'big'), big);
  expect(io.readText(path.join(dir, 'big'))).toBe(big);
});

test('a cgroup-style write (writeFile, O_TRUNC, no O_CREAT) refuses a missing file with ENOENT', () => {
  expect(errorOf(() => io.writeFile(path.join(dir, 'cpu.max'), '1000', io.O_TRUNC)).code).toBe('ENOENT');
  fs.writeFileSync(path.join(dir, 'cpu.max'), 'max 100000');
  io.writeFile(path.join(dir, 'cpu.max'), '1000', io.O_TRUNC);
  expect(fs.readFileSync(path.join(dir, 'cpu.max'), 'utf8')).toBe('1000');
});

test('mkdir, rmdir, listDir (sorted; dirsOnly leaves out files and symlinks to directories)', () => {
  io.mkdir(path.join(dir, 'b'), 0o711);
  io.mkdir(path.join(dir, 'a'), 0o755);
  fs.writeFileSync(path.join(dir, 'c'), '');
  fs.symlinkSync('a', path.join(dir, 'd'));
  expect(errorOf(() => io.mkdir(path.join(dir, 'a'), 0o755)).code).toBe('EEXIST');
  expect(io.listDir(dir)).toEqual(['a', 'b', 'c', 'd']);
  expect(io.subdirectories(dir)).toEqual(['a', 'b']);
  fs.writeFileSync(path.join(dir, 'a', 'x'), '');
  expect(errorOf(() => io.rmdir(path.join(dir, 'a'))).code).toBe('ENOTEMPTY');
  io.rmdir(path.join(dir, 'b'));
  expect(io.subdirectories(dir)).toEqual(['a']);
  expect(errorOf(() => io.listDir(path.join(dir, 'gone'))).code).toBe('ENOENT');
});

test('openDirectory and linkCount: a directory removed while held open has no links', () => {
  const d = path.join(dir, 'held');
  io.mkdir(d, 0o700);
  const fd = io.openDirectory(d);
  try {
    expect(io.linkCount(fd)).toBe(2);
    io.rmdir(d);
    expect(io.linkCount(fd)).toBe(0);
  } finally {
    io.closeFd(fd);
  }
  expect(errorOf(() => io.openDirectory(path.join(dir, 'nope'))).code).toBe('ENOENT');
  fs.writeFileSync(path.join(dir, 'file'), '');
  expect(errorOf(() => io.openDirectory(path.join(dir, 'file'))).code).toBe('ENOTDIR');
});

test('pathnames: dirname matches node:path for the paths the runtime builds; join puts one slash', () => {
  for (const p of ['/sys/fs/cgroup/cpu/tsrunc/c1', '/a', '/', '/a/b/', 'a', 'a/b', '', '.', '..', '/a/b//']) {
    expect([p, dirname(p)]).toEqual([p, path.dirname(p)]);
  }
  expect(dirname('/a//b')).toBe('/a/'); // as node:path
  expect([join('/run/tsrunc', 'c1'), join('/run/tsrunc/', 'c1'), join('/', 'c1')]).toEqual(['/run/tsrunc/c1', '/run/tsrunc/c1', '/c1']);
});

// create, run and exec (issue 12): the stat family, open, readFd, readlink and realpath.
test('stat, lstat and fstat: node:fs\'s fields and kinds, through a symlink or not', () => {
  const f = path.join(dir, 'f');
  fs.writeFileSync(f, 'abc', { mode: 0o640 });
  fs.symlinkSync('f', path.join(dir, 'link'));
  fs.mkdirSync(path.join(dir, 'd'));
  const want = fs.statSync(f);
  const got = io.stat(path.join(dir, 'link'));
  expect({ mode: got.mode, size: got.size, dev: got.dev, ino: got.ino, nlink: got.nlink, uid: got.uid, gid: got.gid })
    .toEqual({ mode: want.mode, size: want.size, dev: want.dev, ino: want.ino, nlink: want.nlink, uid: want.uid, gid: want.gid });
  expect([got.isFile(), got.isDirectory(), got.isSymbolicLink()]).toEqual([true, false, false]);
  const l = io.lstat(path.join(dir, 'link'));
  expect([l.isFile(), l.isDirectory(), l.isSymbolicLink()]).toEqual([false, false, true]);
  expect(io.stat(path.join(dir, 'd')).isDirectory()).toBe(true);
  const fd = io.openFile(f, io.O_RDONLY | io.O_NONBLOCK);
  try {
    expect(io.fstat(fd).ino).toBe(want.ino);
    expect(io.readFd(fd)).toBe('abc');
    expect(io.readFd(fd)).toBe(''); // at its end
    expect(fs.readlinkSync(`/proc/self/fd/${fd}`)).toBe(f);
    expect(parseInt(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').match(/^flags:\s*(\d+)/m)![1], 8) & 0o2000000).toBe(0o2000000); // O_CLOEXEC (octal in fdinfo)
  } finally {
    io.closeFd(fd);
  }
  expect(errorOf(() => io.fstat(fd)).code).toBe('EBADF');
});

test('stat, lstat, open, readlink and realpath fail with node:fs\'s error for the same call', () => {
  const missing = path.join(dir, 'nope');
  fs.writeFileSync(path.join(dir, 'f'), '');
  const pairs: [() => unknown, () => unknown][] = [
    [() => io.stat(missing), () => fs.statSync(missing)],
    [() => io.lstat(missing), () => fs.lstatSync(missing)],
    [() => io.openFile(missing, io.O_RDONLY), () => fs.openSync(missing, 'r')],
    [() => io.readlink(path.join(dir, 'f')), () => fs.readlinkSync(path.join(dir, 'f'))],
    [() => io.realpath(missing), () => fs.realpathSync.native(missing)],
  ];
  for (const [ours, theirs] of pairs) {
    const a = errorOf(ours), b = errorOf(theirs);
    expect({ code: a.code, errno: a.errno, syscall: a.syscall, path: a.path }).toEqual({ code: b.code, errno: b.errno, syscall: b.syscall, path: b.path });
  }
});

test('readlink gives the link text; realpath resolves links, . and ..', () => {
  fs.mkdirSync(path.join(dir, 'real'));
  fs.symlinkSync('real/../real', path.join(dir, 'via'));
  expect(io.readlink(path.join(dir, 'via'))).toBe('real/../real');
  expect(io.realpath(path.join(dir, 'via', '.', '..', 'via'))).toBe(fs.realpathSync(path.join(dir, 'real')));
});
