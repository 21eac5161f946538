// deriveStatus reads the live system: /proc for liveness (with the start time against pid reuse),
// the exec fifo for created, the freezer (a callback) for paused.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { startTimeOf } from '../../../src/state/proc';
import { deriveStatus, stateOutput } from '../../../src/state/status';
import type { ContainerState } from '../../../src/state/store';

const DEAD_PID = 2 ** 22 + 1; // above the kernel's PID_MAX_LIMIT: never a live process
let dir: string;
let fifo: string;
const myStart = startTimeOf(process.pid)!;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-status-'));
  fifo = path.join(dir, 'exec.fifo');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(() => fs.rmSync(fifo, { force: true }));

function state(over: Partial<ContainerState> = {}): ContainerState {
  return {
    ociVersion: '1.3.0', id: 'c1', bundle: '/b', rootfs: '/b/rootfs', created: '2024-01-02T03:04:05.000Z', owner: 'root',
    phase: 'created', creator: { pid: DEAD_PID, startTime: '1' }, pid: process.pid, pidStartTime: myStart,
    config: { ociVersion: '1.3.0' }, fifo, ...over,
  };
}

test('startTimeOf(process.pid) is a number of clock ticks', () => {
  expect(myStart).toMatch(/^\d+$/);
  expect(startTimeOf(DEAD_PID)).toBeUndefined();
});

describe('deriveStatus', () => {
  test('creating while the creator lives', () => {
    expect(deriveStatus(state({ phase: 'creating', creator: { pid: process.pid, startTime: myStart }, pid: undefined, pidStartTime: undefined }))).toBe('creating');
  });

  test('a create that died half way is stopped', () => {
    expect(deriveStatus(state({ phase: 'creating', creator: { pid: DEAD_PID, startTime: '123' }, pid: undefined }))).toBe('stopped');
  });

  test('a creator pid reused by another process (start time differs) is stopped', () => {
    expect(deriveStatus(state({ phase: 'creating', creator: { pid: process.pid, startTime: String(Number(myStart) + 1) } }))).toBe('stopped');
  });

  test('created while the exec fifo exists', () => {
    fs.writeFileSync(fifo, '');
    expect(deriveStatus(state())).toBe('created');
  });

  test('running when the fifo is gone', () => {
    expect(deriveStatus(state())).toBe('running');
    expect(deriveStatus(state({ phase: 'running' }))).toBe('running');
  });

  test('stopped when the init pid is dead, even if the fifo exists', () => {
    fs.writeFileSync(fifo, '');
    expect(deriveStatus(state({ pid: DEAD_PID }))).toBe('stopped');
  });

  test('stopped when the pid is alive but its start time differs (pid reuse)', () => {
    expect(deriveStatus(state({ pidStartTime: String(Number(myStart) + 100) }))).toBe('stopped');
  });

  test('stopped when no pid was recorded', () => {
    expect(deriveStatus(state({ pid: undefined }))).toBe('stopped');
    expect(deriveStatus(state({ pid: 0 }))).toBe('stopped');
  });

  test('paused when the isFrozen callback says so', () => {
    const seen: ContainerState[] = [];
    const s = state();
    expect(deriveStatus(s, (x) => { seen.push(x); return true; })).toBe('paused');
    expect(seen).toEqual([s]);
    expect(deriveStatus(s, () => false)).toBe('running');
  });

  test('a dead container is stopped even if its cgroup is frozen', () => {
    expect(deriveStatus(state({ pid: DEAD_PID }), () => true)).toBe('stopped');
  });

  // runc's refreshState asks the freezer first (pausedState), then the fifo. The lifecycle table
  // allows `pause` on a created container; with the fifo checked first, a frozen created container
  // stays "created" forever, so `resume` answers "container not paused" and `start` is allowed
  // although the frozen init can never open the fifo.
  test('a frozen container whose exec fifo still exists is paused', () => {
    fs.writeFileSync(fifo, '');
    expect(deriveStatus(state(), () => true)).toBe('paused');
  });
});

describe('stateOutput', () => {
  test('the OCI state fields, with the derived status', () => {
    const out = stateOutput(state({ annotations: { a: 'b' } }), 'running');
    expect(out).toEqual({
      ociVersion: '1.3.0', id: 'c1', pid: process.pid, status: 'running', bundle: '/b', rootfs: '/b/rootfs',
      created: '2024-01-02T03:04:05.000Z', owner: 'root', annotations: { a: 'b' },
    });
  });

  test('pid 0 when stopped', () => {
    expect(stateOutput(state({ pid: 4242 }), 'stopped').pid).toBe(0);
  });

  test('pid 0 when none was recorded yet (creating)', () => {
    expect(stateOutput(state({ pid: undefined }), 'creating').pid).toBe(0);
  });

  test('the recorded pid otherwise', () => {
    for (const s of ['created', 'running', 'paused'] as const) expect(stateOutput(state({ pid: 4242 }), s).pid).toBe(4242);
  });

  test('no annotations key when there are none; internal fields never leak', () => {
    const out = stateOutput(state({ annotations: {} }), 'created');
    expect('annotations' in out).toBe(false);
    for (const k of ['config', 'fifo', 'phase', 'creator', 'pidStartTime', 'cgroup']) expect(k in out).toBe(false);
  });
});
