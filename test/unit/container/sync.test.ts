// The sync driver (src/container/sync.ts): the order of messages it accepts is the plan's, and a
// message out of that order is refused naming both. Fed with fake message sequences through a fake
// addon: no root, no kernel.
import * as fs from 'fs';
import { TsruncError } from '../../../src/errors';
import { Mnt, Sync } from '../../../src/linux/opcodes';
import { Plan } from '../../../src/linux/plan';
import { compileExecPlan } from '../../../src/linux/exec';
import { Native, setNative, SyncMessage } from '../../../src/native';
import { EXECVE, SyncDriver, SyncHandlers, syncSteps } from '../../../src/container/sync';
import { unitSpec } from '../../helpers/unitSpec';

const SOCK = 1000;
const msg = (type: number, extra: Partial<SyncMessage> = {}): SyncMessage => ({ type, op: 0, errno: 0, arg: 0, text: '', ...extra });

/** A fake addon: syncRecv hands out `inbox` in order (null: end of file); what the runtime sends is logged. */
function fakeAddon(inbox: (SyncMessage | null)[]): { sent: string[] } {
  const sent: string[] = [];
  setNative({
    syncRecv: (sock: number) => {
      expect(sock).toBe(SOCK);
      if (!inbox.length) throw new Error('the test fed too few messages');
      return inbox.shift()!;
    },
    syncSend: (_sock: number, type: number) => { sent.push(`${type}`); return true; },
    syncSendFd: (_sock: number, type: number, fd: number) => { sent.push(`${type}+fd:${fd}`); },
  } as unknown as Native);
  return { sent };
}
afterEach(() => setNative(undefined));

const sync = (type: number) => [BigInt(type)] as Plan['ops'][number]['a'];

/** create's shape: GO, an idmapped mount, hooks, a PID namespace fork, a pty, READY, COMMIT, ACK. */
function createPlan(): Plan {
  const p = new Plan();
  p.add('PDEATHSIG', 'runtime', 'x', [9n]);
  p.add('SYNC_WAIT', 'runtime', 'x', sync(Sync.GO));
  p.add('MOUNT', 'mounts[2]', 'x', [0n, 0n, BigInt(Mnt.FROM_PARENT | Mnt.TARGET_IN_ROOT), 0n]); // op 2
  p.add('MOUNT', 'mounts[3]', 'x', [0n, 0n, BigInt(Mnt.TARGET_IN_ROOT), 0n]); // a plain mount: says nothing
  p.add('SYNC_SEND', 'hooks', 'x', sync(Sync.HOOKS));
  p.add('SYNC_WAIT', 'runtime', 'x', sync(Sync.GO));
  p.add('FORK', 'linux.namespaces[0]', 'x');
  p.add('SYNC_WAIT', 'runtime', 'x', sync(Sync.GO));
  p.add('OPEN_PTY', 'process.terminal', 'x');
  p.add('SYNC_SEND', 'runtime', 'x', sync(Sync.READY));
  p.add('SYNC_WAIT', 'runtime', 'x', sync(Sync.COMMIT));
  p.add('SYNC_SEND', 'runtime', 'x', sync(Sync.ACK));
  p.add('WAIT_FIFO', 'runtime', 'x');
  p.add('SYNC_SEND', 'runtime', 'never read', sync(Sync.READY));
  p.add('EXEC', 'process.args', 'x');
  return p;
}

function recorder(): { calls: string[]; on: SyncHandlers } {
  const calls: string[] = [];
  return {
    calls,
    on: {
      hooks: (point) => { calls.push(`hooks ${point}`); },
      forked: (pid) => { calls.push(`forked ${pid}`); },
      mountFd: (op) => { calls.push(`mountFd ${op}`); return fs.openSync('/dev/null', 'r'); },
      pidfd: () => { calls.push('pidfd'); return 77; },
      pty: (fd) => { calls.push(`pty ${fd}`); },
      seccompFd: (fd) => { calls.push(`seccompFd ${fd}`); },
    },
  };
}

/** The TsruncError f throws (it must throw one). */
function thrown(f: () => void): TsruncError {
  let err: unknown;
  try { f(); } catch (e) { err = e; }
  expect(err).toBeInstanceOf(TsruncError);
  return err as TsruncError;
}

describe('syncSteps: the order read from the plan', () => {
  test('create\'s shape: requests with their answers, stopping at WAIT_FIFO', () => {
    const steps = syncSteps(createPlan()).map((s) => `${s.from}:${s.type}@${s.op}${s.fd ? '+fd' : ''}`);
    expect(steps).toEqual([
      `runtime:${Sync.GO}@1`,
      `child:${Sync.MOUNTFD}@2`, `runtime:${Sync.MOUNTFD}@2+fd`,
      `child:${Sync.HOOKS}@4`, `runtime:${Sync.GO}@5`,
      `child:${Sync.FORKED}@6`, `runtime:${Sync.GO}@7`,
      `child:${Sync.PTY}@8+fd`,
      `child:${Sync.READY}@9`, `runtime:${Sync.COMMIT}@10`, `child:${Sync.ACK}@11`,
    ]);
  });

  test('a compiled exec plan: GO, the pidfd, FORKED + GO, the pty, then the execve', () => {
    const spec = unitSpec();
    spec.process!.terminal = true;
    const plan = compileExecPlan(spec, { joinTypes: ['pid', 'mount'], preserveFds: 0 });
    expect(syncSteps(plan).map((s) => `${s.from}:${s.type}${s.fd ? '+fd' : ''}`)).toEqual([
      `runtime:${Sync.GO}`, `child:${Sync.PIDFD}`, `runtime:${Sync.PIDFD}+fd`,
      `child:${Sync.FORKED}`, `runtime:${Sync.GO}`, `child:${Sync.PTY}+fd`, `child:${EXECVE}`,
    ]);
  });
});

describe('SyncDriver', () => {
  test('the legal sequence: every request answered, in order, and the caller\'s sends where the plan waits', () => {
    const { sent } = fakeAddon([msg(Sync.MOUNTFD, { arg: 2 }), msg(Sync.HOOKS, { arg: 3 }), msg(Sync.FORKED, { arg: 4242 }),
      msg(Sync.PTY, { fd: 55 }), msg(Sync.READY), msg(Sync.ACK)]);
    const r = recorder();
    const d = new SyncDriver(createPlan(), SOCK, 'container init', r.on);
    d.send(Sync.GO);
    d.until(Sync.READY);
    expect(r.calls).toEqual(['mountFd 2', 'hooks 3', 'forked 4242', 'pty 55']);
    expect(sent).toEqual([`${Sync.GO}`, expect.stringMatching(new RegExp(`^${Sync.MOUNTFD}\\+fd:\\d+$`)), `${Sync.GO}`, `${Sync.GO}`]);
    d.send(Sync.COMMIT);
    d.until(Sync.ACK);
    expect(sent.slice(4)).toEqual([`${Sync.COMMIT}`]);
  });

  // Each: what the child sends after GO, the refusal, and the handlers that ran before it.
  test.each([
    ['FORKED where the plan has the child ask for its mount first', [msg(Sync.FORKED, { arg: 4242 })],
      'sync: expected MOUNTFD from the child, got FORKED', []],
    ['READY before the hooks were asked for', [msg(Sync.MOUNTFD, { arg: 2 }), msg(Sync.READY)],
      'sync: expected HOOKS from the child, got READY', ['mountFd 2']],
    ['MOUNTFD for another op than the plan\'s next one', [msg(Sync.MOUNTFD, { arg: 3 })],
      'sync: expected MOUNTFD for op 2 from the child, got MOUNTFD for op 3', []],
    ['a PTY without its fd', [msg(Sync.MOUNTFD, { arg: 2 }), msg(Sync.HOOKS), msg(Sync.FORKED, { arg: 9 }), msg(Sync.PTY)],
      'sync: expected PTY with an fd from the child, got none', ['mountFd 2', 'hooks 0', 'forked 9']],
  ])('out of order: %s is refused naming both, and its handler never runs', (_what, inbox, error, calls) => {
    fakeAddon(inbox);
    const r = recorder();
    const d = new SyncDriver(createPlan(), SOCK, 'container init', r.on);
    d.send(Sync.GO);
    expect(thrown(() => d.until(Sync.READY)).message).toBe(error);
    expect(r.calls).toEqual(calls);
  });

  test('an fd riding on a message out of order is closed', () => {
    const fd = fs.openSync('/dev/null', 'r');
    fakeAddon([msg(Sync.PTY, { fd })]);
    const d = new SyncDriver(createPlan(), SOCK, 'container init', recorder().on);
    d.send(Sync.GO);
    expect(thrown(() => d.until(Sync.READY)).message).toBe('sync: expected MOUNTFD from the child, got PTY');
    expect(() => fs.fstatSync(fd)).toThrow(/EBADF/);
  });

  test('the runtime cannot send out of order either', () => {
    fakeAddon([]);
    const d = new SyncDriver(createPlan(), SOCK, 'container init', recorder().on);
    expect(thrown(() => d.send(Sync.COMMIT)).message).toBe('sync: the runtime cannot send COMMIT now: the plan\'s next step is GO from the runtime');
    expect(thrown(() => d.until(Sync.READY)).message).toBe('sync: the runtime must send GO before it waits for READY');
  });

  test('ERROR names the config entry of the failed op; end of file before the end is an early exit', () => {
    fakeAddon([msg(Sync.ERROR, { op: 2, errno: 2, text: 'attach the runtime\'s mount on /x' })]);
    const d = new SyncDriver(createPlan(), SOCK, 'container init', recorder().on);
    d.send(Sync.GO);
    const e = thrown(() => d.until(Sync.READY));
    expect([e.field, e.message]).toEqual(['mounts[2]', 'attach the runtime\'s mount on /x: ENOENT']);

    fakeAddon([null]);
    const d2 = new SyncDriver(createPlan(), SOCK, 'container init', recorder().on);
    d2.send(Sync.GO);
    expect(thrown(() => d2.until(Sync.READY)).message).toBe('container init exited before it was set up');
  });

  test('a failing mount handler sends ERROR to the child, and its error is the one thrown', () => {
    const { sent } = fakeAddon([msg(Sync.MOUNTFD, { arg: 2 })]);
    const d = new SyncDriver(createPlan(), SOCK, 'container init', { mountFd: () => { throw new TsruncError('idmapped mount of /src: EPERM', { field: 'mounts[2]' }); } });
    d.send(Sync.GO);
    expect(thrown(() => d.until(Sync.READY)).message).toBe('idmapped mount of /src: EPERM');
    expect(sent).toEqual([`${Sync.GO}`, `${Sync.ERROR}`]);
  });

  test('exec: the pidfd goes in its own message (PIDFD, not MOUNTFD); the end of file is the execve; a message where it is due is refused', () => {
    const spec = unitSpec();
    spec.process!.terminal = false;
    const plan = compileExecPlan(spec, { joinTypes: ['mount'], preserveFds: 0 });
    const { sent } = fakeAddon([msg(Sync.PIDFD, { arg: plan.indexOf('SETNS_PIDFD') }), null]);
    const r = recorder();
    const d = new SyncDriver(plan, SOCK, "the exec'd process", r.on);
    d.send(Sync.GO);
    d.until(EXECVE);
    expect(r.calls).toEqual(['pidfd']);
    expect(sent).toEqual([`${Sync.GO}`, `${Sync.PIDFD}+fd:77`]);

    fakeAddon([msg(Sync.PIDFD, { arg: plan.indexOf('SETNS_PIDFD') }), msg(Sync.FORKED, { arg: 5 })]);
    const d2 = new SyncDriver(plan, SOCK, "the exec'd process", recorder().on);
    d2.send(Sync.GO);
    expect(thrown(() => d2.until(EXECVE)).message).toBe('sync: expected end of file (execve) from the child, got FORKED');

    // The old way, the pidfd asked for as a MOUNTFD, is refused.
    fakeAddon([msg(Sync.MOUNTFD, { arg: plan.indexOf('SETNS_PIDFD') })]);
    const d3 = new SyncDriver(plan, SOCK, "the exec'd process", recorder().on);
    d3.send(Sync.GO);
    expect(thrown(() => d3.until(EXECVE)).message).toBe('sync: expected PIDFD from the child, got MOUNTFD');
  });

  test('a terminating signal while waiting goes to onSignal', () => {
    const plan = compileExecPlan(unitSpec(), { joinTypes: [], preserveFds: 0 });
    fakeAddon([{ ...msg(0), signal: 15 }]);
    const d = new SyncDriver(plan, SOCK, "the exec'd process", {});
    d.send(Sync.GO);
    expect(thrown(() => d.until(EXECVE, { watchSignals: true, onSignal: (s) => { throw new TsruncError(`signal ${s}`); } })).message).toBe('signal 15');
  });
});
