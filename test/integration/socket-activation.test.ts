// Socket activation through the runtime (sd_listen_fds(3)): a caller such as systemd passes listening
// sockets as fds 3.. with LISTEN_FDS/LISTEN_PID naming the runtime; runc (utils_linux.go
// startContainer) hands them on to the container's process with LISTEN_FDS=N, LISTEN_PID=1.
import * as fs from 'fs';
import { Sandbox, describeRoot, waitFor } from '../helpers/runtime';

// Exec the runtime with a real listening TCP socket (127.0.0.1, any port) as fd 3, LISTEN_FDS=1 and
// LISTEN_PID set to the runtime's pid (exec keeps it) unless `pid` overrides it; argv[1:] is the runtime.
const activator = (pid?: string) => ['python3', '-c', `
import os, socket, sys
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(8)
os.dup2(s.fileno(), 3); os.set_inheritable(3, True)
os.environ['LISTEN_FDS'] = '1'; os.environ['LISTEN_PID'] = ${pid ? `'${pid}'` : 'str(os.getpid())'}
os.execvp(sys.argv[1], sys.argv[1:])
`];

/** Listening TCP sockets of this network namespace, by inode (state 0A in /proc/net/tcp). */
function listeningInodes(): Set<string> {
  return new Set(fs.readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1).map((l) => l.trim().split(/\s+/))
    .filter((f) => f[3] === '0A').map((f) => f[9]));
}

describeRoot('socket activation: LISTEN_FDS', () => {
  let sb: Sandbox;
  beforeEach(() => { sb = new Sandbox(); });
  afterEach(() => sb.cleanup());

  async function runActivated(extra: string[], wrap: string[]): Promise<{ fds: string[]; env: string[]; fd3?: string; listening: Set<string> }> {
    const bundle = sb.bundle((c) => { c.process.args = ['sleep', '1000']; });
    const id = sb.id();
    sb.ok(['run', '--detach', ...extra, '--bundle', bundle, id], { wrap, extraFds: extra.length ? [0, 0] : [] });
    const pid = sb.state(id).pid;
    await waitFor(() => { try { return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep'; } catch { return false; } }, 10000, 'exec of sleep');
    const fds = fs.readdirSync(`/proc/${pid}/fd`).sort((a, b) => Number(a) - Number(b));
    const env = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter((e) => e.startsWith('LISTEN_'));
    const fd3 = fds.includes('3') ? fs.readlinkSync(`/proc/${pid}/fd/3`) : undefined;
    const listening = listeningInodes();
    sb.ok(['delete', '--force', id]);
    return { fds, env, fd3, listening };
  }

  test('the listening socket is fd 3 of the container process, with LISTEN_FDS=1 and LISTEN_PID=1', async () => {
    const r = await runActivated([], activator());
    expect(r.fds).toEqual(['0', '1', '2', '3']);
    expect(r.env).toEqual(['LISTEN_FDS=1', 'LISTEN_PID=1']);
    const inode = /^socket:\[(\d+)\]$/.exec(r.fd3 ?? '')?.[1];
    expect(inode).toBeDefined();
    expect(r.listening.has(inode!)).toBe(true);
  });

  test('--preserve-fds counts after the LISTEN_FDS fds (3 is the socket, 4 the preserved fd)', async () => {
    // The runtime gets fds 3 and 4 from the harness (extraFds), 3 replaced by the socket: LISTEN_FDS=1 + --preserve-fds 1.
    const r = await runActivated(['--preserve-fds', '1'], activator());
    expect(r.fds).toEqual(['0', '1', '2', '3', '4']);
    expect(r.env).toEqual(['LISTEN_FDS=1', 'LISTEN_PID=1']);
  });

  // Both entries start with some inherited fds marked close-on-exec (Bun: 4 and up; Node: 3 and up):
  // the kept ones must reach the container all the same.
  for (const entry of ['bun', 'node']) {
    test(`--preserve-fds 2 keeps fds 3 and 4 (${entry})`, async () => {
      const other = new Sandbox(entry);
      try {
        expect(await other.initFds([0, 0])).toEqual(['0', '1', '2']);
        const bundle = other.bundle((c) => { c.process.args = ['sleep', '1000']; });
        const id = other.id();
        other.ok(['run', '--detach', '--preserve-fds', '2', '--bundle', bundle, id], { extraFds: [0, 0] });
        const pid = other.state(id).pid;
        await waitFor(() => { try { return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep'; } catch { return false; } }, 10000, 'exec of sleep');
        expect(fs.readdirSync(`/proc/${pid}/fd`).sort()).toEqual(['0', '1', '2', '3', '4']);
      } finally {
        other.cleanup();
      }
    });
  }

  test('LISTEN_FDS meant for another process passes nothing (go-systemd checks LISTEN_PID)', async () => {
    const r = await runActivated([], activator('1'));
    expect(r.fds).toEqual(['0', '1', '2']);
    expect(r.env).toEqual([]);
  });
});
