// --pidfd-socket (runc 1.2+ on create, run and exec): the process's pidfd is sent over the AF_UNIX
// socket with the init type as the message ("standard" for the init, "setns" for an exec'd process),
// as runc's setupPidfd/cmsg.SendRawFd. A small receiver (conformance/helpers/fd_receiver.py) reports
// what the pidfd refers to and can kill the process through it.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { REPO, Sandbox, assertNothingLeft, describeRoot, waitFor } from '../helpers/runtime';

const RECEIVER = path.join(REPO, 'conformance', 'helpers', 'fd_receiver.py');

describeRoot('--pidfd-socket', () => {
  let sb: Sandbox;
  let receivers: ChildProcess[];
  beforeEach(() => { sb = new Sandbox(); receivers = []; });
  afterEach(() => {
    for (const r of receivers) r.kill('SIGKILL');
    sb.cleanup();
  });

  /** A receiver listening on a new socket; `received()` waits for and returns what it got. */
  async function receiver(kill = false) {
    const sock = path.join(sb.dir, `pidfd-${receivers.length}.sock`), out = `${sock}.out`;
    receivers.push(spawn('python3', [RECEIVER, 'pidfd', sock, out, ...(kill ? ['kill'] : [])], { stdio: 'ignore' }));
    await waitFor(() => fs.existsSync(sock), 10000, 'the pidfd socket');
    return {
      sock,
      received: async () => {
        await waitFor(() => fs.existsSync(out), 10000, 'the pidfd');
        return fs.readFileSync(out, 'utf8');
      },
    };
  }

  test('create and run -d send the init\'s pidfd ("standard"); the receiver can kill the init with it', async () => {
    const bundle = sb.bundle((c) => { c.process.args = ['sleep', '1000']; });
    const r1 = await receiver(true);
    const id = sb.id();
    const pidFile = path.join(sb.dir, 'init.pid');
    sb.ok(['create', '--pidfd-socket', r1.sock, '--pid-file', pidFile, '--bundle', bundle, id]);
    expect(await r1.received()).toBe(`standard ${fs.readFileSync(pidFile, 'utf8')} fds=1\n`);
    await waitFor(() => sb.state(id).status === 'stopped', 10000, 'the init killed through its pidfd');

    const r2 = await receiver();
    const rid = sb.id();
    sb.ok(['run', '--detach', '--pidfd-socket', r2.sock, '--bundle', bundle, rid]);
    expect(await r2.received()).toBe(`standard ${sb.state(rid).pid} fds=1\n`);
  });

  test('exec sends the exec\'d process\'s pidfd ("setns")', async () => {
    const bundle = sb.bundle((c) => { c.process.args = ['sleep', '1000']; });
    const id = sb.id();
    sb.ok(['run', '--detach', '--bundle', bundle, id]);
    const r = await receiver(true);
    const pidFile = path.join(sb.dir, 'exec.pid');
    sb.ok(['exec', '--detach', '--pidfd-socket', r.sock, '--pid-file', pidFile, id, 'sleep', '999']);
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    expect(pid).not.toBe(sb.state(id).pid);
    expect(await r.received()).toBe(`setns ${pid} fds=1\n`);
    await waitFor(() => !fs.existsSync(`/proc/${pid}`) || /\) [ZX] /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')), 10000, 'the exec\'d process killed through its pidfd');
    // In the foreground too.
    const f = await receiver();
    expect(sb.run(['exec', '--pidfd-socket', f.sock, id, 'true']).code).toBe(0);
    expect(await f.received()).toMatch(/^setns -?\d+ fds=1\n$/);
  });

  test('a socket nobody listens on: create fails naming --pidfd-socket and leaves nothing; exec fails', () => {
    const bundle = sb.bundle((c) => { c.process.args = ['sleep', '1000']; });
    const id = sb.id();
    const r = sb.run(['create', '--pidfd-socket', '/nonexistent.sock', '--bundle', bundle, id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^tsrunc: --pidfd-socket: cannot send the pidfd: connect \/nonexistent\.sock: No such file or directory\n$/);
    assertNothingLeft(id, sb.root);
    const rid = sb.id();
    sb.ok(['run', '--detach', '--bundle', bundle, rid]);
    const e = sb.run(['exec', '--pidfd-socket', '/nonexistent.sock', rid, 'sleep', '777']);
    expect(e.code).toBe(255);
    expect(e.stderr).toMatch(/^tsrunc: --pidfd-socket: cannot send the pidfd/);
    expect(sb.ok(['ps', '--format', 'json', rid]).stdout.trim()).toBe(`[${sb.state(rid).pid}]`);
  });
});
