// The state directory, with a fake addon (src/native.ts setNative): flock only records its calls.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Native, setNative } from '../../../src/native';
import { ContainerDir, ContainerState, LOCK_EX, LOCK_SH, listIds, validateId } from '../../../src/state/store';
import { ContainerExists, ContainerNotFound, StateCorrupt, StateMissing, formatError } from '../../../src/errors';
import { errorOf } from '../../helpers/errors';

// store.ts does its file operations through src/fileio.ts (the addon), not node:fs (issue 12).
const fileio: typeof import('../../../src/fileio') = require('../../../src/fileio');

interface FlockCall { fd: number; op: number; isDir: boolean }
let calls: FlockCall[];
let onFlock: ((fd: number, op: number) => void) | undefined;
let root: string;
const open: ContainerDir[] = [];

beforeEach(() => {
  calls = [];
  onFlock = undefined;
  setNative({
    flock: (fd: number, op: number) => {
      calls.push({ fd, op, isDir: fs.fstatSync(fd).isDirectory() });
      onFlock?.(fd, op);
      return true;
    },
  } as unknown as Native);
  root = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-store-')), 'root');
});
afterEach(() => {
  for (const c of open.splice(0)) c.close();
  fs.rmSync(path.dirname(root), { recursive: true, force: true });
  jest.restoreAllMocks();
  setNative(undefined);
});

const track = (c: ContainerDir) => { open.push(c); return c; };

function sampleState(id: string, extra: Partial<ContainerState> = {}): ContainerState {
  return {
    ociVersion: '1.3.0', id, bundle: '/b', rootfs: '/b/rootfs', created: '2024-01-01T00:00:00Z', owner: 'root',
    phase: 'creating', creator: { pid: 1, startTime: '2' }, config: { ociVersion: '1.3.0', hostname: 'h' }, fifo: '/x/exec.fifo', ...extra,
  };
}

describe('lock constants', () => {
  test('are flock(2)\'s', () => {
    expect([LOCK_SH, LOCK_EX]).toEqual([1, 2]);
  });
});

describe('validateId', () => {
  test.each(['abc', 'a-b_c.d+e', 'A1', '0123', 'x'.repeat(1024), '..a', 'a..b'])('accepts %j', (id) => {
    expect(validateId(id)).toBe(id);
  });
  test.each(['', '../x', 'a/b', '.', '..', '/abs', 'a b', 'a\nb', 'x'.repeat(1025), 'ä'])('refuses %j', (id) => {
    const e = errorOf(() => validateId(id));
    expect(e.field).toBe('container id');
  });
  test('undefined is "cannot be empty"', () => {
    expect(errorOf(() => validateId(undefined)).message).toBe('container id cannot be empty');
    expect(errorOf(() => validateId('')).message).toBe('container id cannot be empty');
  });
});

describe('ContainerDir.create', () => {
  test('makes <root>/<id> (and the root) and locks it exclusively', () => {
    const c = track(ContainerDir.create(root, 'c1'));
    expect(c.dir).toBe(path.join(root, 'c1'));
    expect(fs.statSync(c.dir).isDirectory()).toBe(true);
    expect(c.statePath).toBe(path.join(root, 'c1', 'state.json'));
    expect(c.fifoPath).toBe(path.join(root, 'c1', 'exec.fifo'));
    expect(calls).toHaveLength(1);
    expect(calls[0].op).toBe(LOCK_EX);
    expect(calls[0].isDir).toBe(true);
  });

  test('a duplicate id: "container with id exists"', () => {
    track(ContainerDir.create(root, 'c1'));
    const e = errorOf(() => ContainerDir.create(root, 'c1'));
    expect(e).toBeInstanceOf(ContainerExists);
    expect(e.message).toBe('container with id exists: c1');
    expect(calls).toHaveLength(1); // the second create took no lock
  });

  test.each(['../x', '', 'a/b', '.'])('invalid id %j: nothing is created', (id) => {
    errorOf(() => ContainerDir.create(root, id));
    expect(fs.existsSync(root) ? fs.readdirSync(root) : []).toEqual([]);
    expect(fs.existsSync(path.join(path.dirname(root), 'x'))).toBe(false);
    expect(calls).toEqual([]);
  });
});

describe('ContainerDir.open', () => {
  test('unknown id: ContainerNotFound, "does not exist"', () => {
    const e = errorOf(() => ContainerDir.open(root, 'nope', 'shared'));
    expect(e).toBeInstanceOf(ContainerNotFound);
    expect(e.message).toBe('container nope does not exist');
    expect(calls).toEqual([]);
  });

  test('EACCES on the container directory is reported as itself, naming it: not "does not exist"', () => {
    track(ContainerDir.create(root, 'c1')).close();
    calls = [];
    jest.spyOn(fileio, 'openDirectory').mockImplementation(() => { throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES', syscall: 'open' }); });
    const e = errorOf(() => ContainerDir.open(root, 'c1', 'shared'));
    expect(e).not.toBeInstanceOf(ContainerNotFound);
    expect(e.message).not.toMatch(/does not exist/);
    expect([e.errno, e.syscall, e.field]).toEqual([13, 'open', '--root']);
    expect(formatError(e)).toBe(`--root: cannot open the state directory ${path.join(root, 'c1')}: open: EACCES`);
    expect(calls).toEqual([]);
  });

  test('any other open error (a symlink loop: ELOOP, for real) is not "does not exist" either', () => {
    fs.mkdirSync(root, { recursive: true });
    fs.symlinkSync('c1', path.join(root, 'c1'));
    const e = errorOf(() => ContainerDir.open(root, 'c1', 'shared'));
    expect(e).not.toBeInstanceOf(ContainerNotFound);
    expect(formatError(e)).toMatch(/cannot open the state directory .*c1: open: ELOOP$/);
  });

  test('invalid ids are refused before touching the filesystem', () => {
    fs.mkdirSync(root, { recursive: true });
    expect(errorOf(() => ContainerDir.open(root, '..', 'shared')).field).toBe('container id');
    expect(errorOf(() => ContainerDir.open(root, '../root', 'shared')).field).toBe('container id');
  });

  test('shared takes LOCK_SH, exclusive LOCK_EX, on the directory fd', () => {
    track(ContainerDir.create(root, 'c1')).close();
    calls = [];
    track(ContainerDir.open(root, 'c1', 'shared'));
    track(ContainerDir.open(root, 'c1', 'exclusive'));
    expect(calls.map((c) => [c.op, c.isDir])).toEqual([[LOCK_SH, true], [LOCK_EX, true]]);
  });

  test('a container deleted while we waited for the lock "does not exist"', () => {
    track(ContainerDir.create(root, 'c1')).close();
    onFlock = () => fs.rmSync(path.join(root, 'c1'), { recursive: true, force: true });
    const e = errorOf(() => ContainerDir.open(root, 'c1', 'exclusive'));
    expect(e).toBeInstanceOf(ContainerNotFound);
    expect(e.message).toBe('container c1 does not exist');
  });
});

describe('state.json', () => {
  test('write then read round-trips', () => {
    const c = track(ContainerDir.create(root, 'c1'));
    const s = sampleState('c1', { pid: 42, pidStartTime: '99', annotations: { k: 'v' } });
    c.write(s);
    expect(c.read()).toEqual(s);
    expect(c.mustRead()).toEqual(s);
    expect(JSON.parse(fs.readFileSync(c.statePath, 'utf8'))).toEqual(s);
  });

  test('read of a missing state.json is undefined; mustRead is StateMissing and explains', () => {
    const c = track(ContainerDir.create(root, 'c1'));
    expect(c.read()).toBeUndefined();
    const e = errorOf(() => c.mustRead());
    expect(e).toBeInstanceOf(StateMissing);
    expect(e.message).toMatch(/container c1 has no state.*delete --force/);
  });

  test('a torn (half-written) state.json is StateCorrupt naming the file, not "no state"', () => {
    const c = track(ContainerDir.create(root, 'c1'));
    fs.writeFileSync(c.statePath, '{"id": "c1", ');
    const e = errorOf(() => c.read());
    expect(e).toBeInstanceOf(StateCorrupt);
    expect((e as StateCorrupt).file).toBe(c.statePath);
    expect(e.message).toContain(c.statePath);
    expect(e.message).toMatch(/invalid JSON/);
    expect((e as StateCorrupt).parsed).toBeUndefined();
  });

  test('an empty state.json is StateCorrupt ("empty")', () => {
    const c = track(ContainerDir.create(root, 'c1'));
    fs.writeFileSync(c.statePath, '');
    const e = errorOf(() => c.mustRead());
    expect(e).toBeInstanceOf(StateCorrupt);
    expect(e.message).toMatch(/state\.json is corrupt \(empty\)/);
  });

  test.each<[string, (s: Record<string, unknown>) => void, RegExp]>([
    ['not an object', () => undefined, /state must be object/],
    ['no phase', (s) => { delete s.phase; }, /phase is required/],
    ['an unknown phase', (s) => { s.phase = 'exploded'; }, /phase unknown value "exploded"/],
    ['a pid that is a string', (s) => { s.pid = '42'; }, /pid must be integer/],
    ['no creator', (s) => { delete s.creator; }, /creator is required/],
    ['a cgroup record without paths', (s) => { s.cgroup = { version: 2, path: '/x', created: [] }; }, /cgroup\.paths is required/],
    ['a config that is not an object', (s) => { s.config = 'x'; }, /config must be object/],
  ])('a state.json of the wrong shape (%s) is StateCorrupt naming the field', (_name, mutate, detail) => {
    const c = track(ContainerDir.create(root, 'c1'));
    const s = JSON.parse(JSON.stringify(sampleState('c1'))) as Record<string, unknown>;
    mutate(s);
    fs.writeFileSync(c.statePath, _name === 'not an object' ? '[1, 2]' : JSON.stringify(s));
    const e = errorOf(() => c.read());
    expect(e).toBeInstanceOf(StateCorrupt);
    expect(e.message).toContain(c.statePath);
    expect(e.message).toMatch(detail);
    expect((e as StateCorrupt).parsed).toEqual(_name === 'not an object' ? [1, 2] : s);
  });

  test('unknown properties are accepted (a newer tsrunc may record more)', () => {
    const c = track(ContainerDir.create(root, 'c1'));
    const s = { ...sampleState('c1'), somethingNew: { x: 1 } };
    fs.writeFileSync(c.statePath, JSON.stringify(s));
    expect(c.read()).toEqual(s);
  });

  test('a state.json that cannot be read (EACCES) is that error, not "no state"', () => {
    const c = track(ContainerDir.create(root, 'c1'));
    c.write(sampleState('c1'));
    jest.spyOn(fileio, 'readText').mockImplementation(() => { throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES', syscall: 'open' }); });
    const e = errorOf(() => c.read());
    expect(e).not.toBeInstanceOf(StateMissing);
    expect(e).not.toBeInstanceOf(StateCorrupt);
    expect(e.errno).toBe(13);
    expect(formatError(e)).toBe(`cannot read ${c.statePath}: open: EACCES`);
  });

  test('written atomically: a complete temp file renamed over state.json in the same directory, without fsync (runc\'s saveState)', () => {
    const c = track(ContainerDir.create(root, 'c1'));
    const first = sampleState('c1');
    c.write(first);
    const second = sampleState('c1', { phase: 'created', pid: 7 });
    const order: string[] = [];
    const realRename = fileio.rename;
    // issue 12: an fsync per write cost 1-6 ms on an ext4 root and guards only against a crash of
    // the machine, after which nothing the state records exists any more (fileio has no fsync; the
    // strace crash test checks the syscalls).
    jest.spyOn(fileio, 'rename').mockImplementation((from, to) => {
      order.push('rename');
      // At rename time: the old state is intact, the temp file already holds all of the new state.
      expect(JSON.parse(fs.readFileSync(c.statePath, 'utf8'))).toEqual(first);
      expect(JSON.parse(fs.readFileSync(from as string, 'utf8'))).toEqual(second);
      expect(path.dirname(from as string)).toBe(c.dir);
      expect(to).toBe(c.statePath);
      realRename(from, to);
    });
    c.write(second);
    expect(order).toEqual(['rename']);
    expect(c.read()).toEqual(second);
  });

  test('no temp file is left behind; state.json is private (0600)', () => {
    const c = track(ContainerDir.create(root, 'c1'));
    c.write(sampleState('c1'));
    c.write(sampleState('c1', { phase: 'running' }));
    expect(fs.readdirSync(c.dir)).toEqual(['state.json']);
    expect(fs.statSync(c.statePath).mode & 0o777).toBe(0o600);
  });

  test('a smaller second write leaves no trailing bytes of the first', () => {
    const c = track(ContainerDir.create(root, 'c1'));
    c.write(sampleState('c1', { annotations: { big: 'x'.repeat(5000) } }));
    c.write(sampleState('c1'));
    expect(c.read()).toEqual(sampleState('c1'));
  });
});

describe('remove and close', () => {
  test('remove deletes the directory with everything in it', () => {
    const c = track(ContainerDir.create(root, 'c1'));
    c.write(sampleState('c1'));
    fs.writeFileSync(c.fifoPath, '');
    c.remove();
    expect(fs.existsSync(c.dir)).toBe(false);
    expect(errorOf(() => ContainerDir.open(root, 'c1', 'shared')).message).toBe('container c1 does not exist');
  });

  test('close is idempotent', () => {
    const c = ContainerDir.create(root, 'c1');
    c.close();
    expect(() => c.close()).not.toThrow();
  });

  test('close releases the directory fd', () => {
    const c = ContainerDir.create(root, 'c1');
    const fd = calls[0].fd;
    c.close();
    expect(() => fs.fstatSync(fd)).toThrow();
  });
});

describe('listIds', () => {
  test('directories only, sorted', () => {
    for (const id of ['zeta', 'alpha', 'm1']) track(ContainerDir.create(root, id));
    fs.writeFileSync(path.join(root, 'not-a-container'), '');
    expect(listIds(root)).toEqual(['alpha', 'm1', 'zeta']);
  });

  test('a missing root lists nothing', () => {
    expect(listIds(path.join(root, 'missing'))).toEqual([]);
  });

  test('a root that cannot be read is that error, not an empty list', () => {
    fs.mkdirSync(path.dirname(root), { recursive: true });
    fs.writeFileSync(root, 'not a directory');
    expect(formatError(errorOf(() => listIds(root)))).toBe(`--root: cannot read the state root ${root}: open: ENOTDIR`);
  });
});
