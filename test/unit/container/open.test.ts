// withContainer / eachContainer (src/container/open.ts): the one open + lock + read + status + check,
// and the typed errors it throws (issue 10). A fake addon records the flocks (src/native.ts setNative).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { eachContainer, withContainer } from '../../../src/container/open';
import { ContainerNotFound, StateCorrupt, StateMissing, WrongStatus } from '../../../src/errors';
import * as log from '../../../src/log';
import { Native, setNative } from '../../../src/native';
import { ContainerDir, LOCK_EX, LOCK_SH, type ContainerState } from '../../../src/state/store';
import { errorOf } from '../../helpers/errors';

const DEAD_PID = 2 ** 22 + 1; // above PID_MAX_LIMIT: never alive
let root: string;
let locks: number[];

beforeEach(() => {
  locks = [];
  setNative({ flock: (_fd: number, op: number) => { locks.push(op); return true; } } as unknown as Native);
  root = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-open-')), 'root');
});
afterEach(() => {
  fs.rmSync(path.dirname(root), { recursive: true, force: true });
  jest.restoreAllMocks();
  setNative(undefined);
});

/** A container directory holding `text` as state.json (or none). */
function make(id: string, text?: string): string {
  const c = ContainerDir.create(root, id);
  c.close();
  if (text !== undefined) fs.writeFileSync(c.statePath, text);
  return c.statePath;
}

function stopped(id: string): string {
  const s: ContainerState = {
    ociVersion: '1.3.0', id, bundle: '/b', rootfs: '/b/rootfs', created: '2024-01-01T00:00:00Z', owner: 'root',
    phase: 'created', creator: { pid: DEAD_PID, startTime: '1' }, pid: DEAD_PID, pidStartTime: '1',
    config: { ociVersion: '1.3.0' }, fifo: path.join(root, id, 'exec.fifo'),
  };
  return JSON.stringify(s);
}

describe('withContainer', () => {
  test('hands fn the state and its derived status under the lock asked for', () => {
    make('c1', stopped('c1'));
    locks = [];
    const got = withContainer(root, 'c1', 'shared', undefined, ({ state, status }) => [state.id, status]);
    expect(got).toEqual(['c1', 'stopped']);
    expect(locks).toEqual([LOCK_SH]);
    withContainer(root, 'c1', 'exclusive', undefined, () => undefined);
    expect(locks).toEqual([LOCK_SH, LOCK_EX]);
  });

  test('a missing container is ContainerNotFound; fn never runs', () => {
    const fn = jest.fn();
    expect(errorOf(() => withContainer(root, 'nope', 'shared', undefined, fn))).toBeInstanceOf(ContainerNotFound);
    expect(fn).not.toHaveBeenCalled();
  });

  test('the lifecycle check refuses with WrongStatus carrying the operation and status', () => {
    make('c1', stopped('c1'));
    const fn = jest.fn();
    const e = errorOf(() => withContainer(root, 'c1', 'exclusive', 'start', fn));
    expect(e).toBeInstanceOf(WrongStatus);
    expect([(e as WrongStatus).operation, (e as WrongStatus).status, e.message]).toEqual(['start', 'stopped', 'cannot start a container that has stopped']);
    expect(fn).not.toHaveBeenCalled();
  });

  test('no state.json: StateMissing, or the `unreadable` handler under the lock', () => {
    make('c1');
    expect(errorOf(() => withContainer(root, 'c1', 'shared', undefined, () => 0))).toBeInstanceOf(StateMissing);
    const seen = withContainer(root, 'c1', 'exclusive', undefined, () => 'fn', (dir, err) => `${dir.id} ${err.name}`);
    expect(seen).toBe('c1 StateMissing');
  });

  test('a corrupt state.json: StateCorrupt naming the file, or the handler with it', () => {
    const file = make('c1', '{"phase": ');
    const e = errorOf(() => withContainer(root, 'c1', 'shared', 'delete', () => 0));
    expect(e).toBeInstanceOf(StateCorrupt);
    expect((e as StateCorrupt).file).toBe(file);
    expect(withContainer(root, 'c1', 'exclusive', undefined, () => 'fn', (_d, err) => err.name)).toBe('StateCorrupt');
  });
});

describe('eachContainer', () => {
  test('every loadable container; a create in progress silently left out; a corrupt one with runc\'s warning', () => {
    make('a', stopped('a'));
    make('b'); // no state.json yet
    make('c', 'garbage');
    make('d', stopped('d'));
    const warn = jest.spyOn(log, 'logWarn').mockImplementation(() => undefined);
    const ids: string[] = [];
    eachContainer(root, ({ state }) => ids.push(state.id));
    expect(ids).toEqual(['a', 'd']);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatch(/^load container c: container c: .*state\.json is corrupt/);
  });

  test('a missing root lists nothing', () => {
    const fn = jest.fn();
    eachContainer(path.join(root, 'missing'), fn);
    expect(fn).not.toHaveBeenCalled();
  });
});
