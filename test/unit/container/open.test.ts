// withContainer / eachContainer (src/container/open.ts): the one open + lock + read + status + check,
// and the typed errors it throws (issue 10). A fake addon records the flocks (src/native.ts setNative).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { eachContainer, pinInit, withContainer } from '../../../src/container/open';
import { ContainerNotFound, StateCorrupt, StateMissing, WrongStatus } from '../../../src/errors';
import * as log from '../../../src/log';
import { startTimeOf } from '../../../src/state/proc';
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

describe('pinInit', () => {
  const state = (pid: number, pidStartTime: string | undefined) => ({ pid, pidStartTime }) as ContainerState;
  const stoppedError = () => new WrongStatus('kill', 'stopped', 'container not running');
  const isOpen = (fd: number) => { try { fs.fstatSync(fd); return true; } catch { return false; } };
  /** The fake pidfd_open hands out a real descriptor (of /dev/null), so closing it can be checked. */
  function fakePidfdOpen(): number[] {
    const opened: number[] = [];
    setNative({ pidfdOpen: () => { const fd = fs.openSync('/dev/null', 'r'); opened.push(fd); return fd; } } as unknown as Native);
    return opened;
  }

  test('an init that exited since the status was derived (pidfd_open ESRCH) is the command\'s "stopped", not the system error', () => {
    setNative({ pidfdOpen: () => { throw Object.assign(new Error('pidfd_open: No such process'), { code: 'ESRCH' }); } } as unknown as Native);
    const e = errorOf(() => pinInit(state(DEAD_PID, '1'), stoppedError));
    expect(e).toBeInstanceOf(WrongStatus);
    expect(e.message).toBe('container not running');
  });

  test('any other pidfd_open failure is itself', () => {
    setNative({ pidfdOpen: () => { throw Object.assign(new Error('pidfd_open: Too many open files'), { code: 'EMFILE' }); } } as unknown as Native);
    expect(() => pinInit(state(process.pid, undefined), stoppedError)).toThrow('pidfd_open: Too many open files');
  });

  test('a pid now held by another process (start time differs) is "stopped", and the pidfd is closed', () => {
    const opened = fakePidfdOpen();
    expect(errorOf(() => pinInit(state(process.pid, 'not-its-start-time'), stoppedError)).message).toBe('container not running');
    expect(opened).toHaveLength(1);
    expect(isOpen(opened[0])).toBe(false);
  });

  test('the live init with its recorded start time: its pidfd, left open', () => {
    const opened = fakePidfdOpen();
    const fd = pinInit(state(process.pid, startTimeOf(process.pid)), stoppedError);
    try {
      expect(fd).toBe(opened[0]);
      expect(isOpen(fd)).toBe(true);
    } finally {
      fs.closeSync(fd);
    }
  });
});
