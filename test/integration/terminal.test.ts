// process.terminal: a pty from the container's own devpts, as the container's stdio, controlling
// terminal and /dev/console; `run` in the foreground proxies it; create sends the master to
// --console-socket (what containerd's shim does for `ctr run -t`, `docker run -t`).
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { REPO, Sandbox, assertNothingLeft, describeRoot, waitFor } from '../helpers/runtime';

const FD_RECEIVER = path.join(REPO, 'conformance', 'helpers', 'fd_receiver.py');

describeRoot('terminal', () => {
  let sb: Sandbox;
  beforeEach(() => { sb = new Sandbox(); });
  afterEach(() => sb.cleanup());

  const withTerminal = (script: string) => (c: any) => {
    c.process.terminal = true;
    c.process.consoleSize = { height: 30, width: 100 };
    c.process.args = ['sh', '-c', script];
  };

  test('run in the foreground: the pty is stdio, the controlling terminal and /dev/console; run proxies it', () => {
    const bundle = sb.bundle(withTerminal('tty; stty size; stat -c "%F %t" /dev/console; [ -t 0 ] && echo stdin-is-tty; cat /proc/self/stat | cut -d" " -f7; read l; echo "got $l"; exit 5'));
    const id = sb.id();
    const r = sb.run(['run', '--bundle', bundle, id], { input: 'hello\n' });
    // The pty echoes the input as soon as it is written, so lines are looked for, not counted.
    const lines = r.stdout.split(/\r?\n/);
    expect(lines).toContainEqual(expect.stringMatching(/^\/dev\/pts\/\d+$/));
    expect(lines).toContain('30 100');
    expect(lines).toContain('character special file 88'); // major 136 = 0x88: a pty slave
    expect(lines).toContain('stdin-is-tty');
    const ttyNr = lines.find((l) => /^\d+$/.test(l));
    expect(Number(ttyNr)).toBeGreaterThan(0); // tty_nr of the process: it has a controlling terminal
    expect(r.stdout).toContain('got hello');
    expect(r.code).toBe(5);
    assertNothingLeft(id, sb.root);
  });

  // runc's recvtty clears ONLCR on the pty it proxies: `runc run > file` with a terminal gets the
  // container's "\n", not the tty's "\r\n" (runc's env.bats compares such output line by line).
  test('run and exec -t in the foreground pass the container\'s newlines through as they are (ONLCR off)', () => {
    expect(sb.run(['run', '--bundle', sb.bundle(withTerminal('printf "one\\ntwo\\n"')), sb.id()]).stdout).toBe('one\ntwo\n');
    const id = sb.id();
    const sleeper = sb.bundle((c) => { c.process.args = ['sleep', '1000']; });
    sb.ok(['run', '--detach', '--bundle', sleeper, id]);
    expect(sb.run(['exec', '-t', id, 'printf', 'a\\nb\\n']).stdout).toBe('a\nb\n');
    sb.ok(['delete', '--force', id]);
  });

  test('exec -t: the process\'s very first output already has ONLCR off (40 execs)', () => {
    // The runtime used to clear ONLCR when the master reached it, while the exec'd process went on:
    // printf could run first (3 in 40 here, and a CI failure). The child now clears it before it
    // sends the master (OPEN_PTY a3), so no output can see it on.
    const id = sb.id();
    sb.ok(['run', '--detach', '--bundle', sb.bundle((c) => { c.process.args = ['sleep', '1000']; }), id]);
    const outs = Array.from({ length: 40 }, () => sb.run(['exec', '-t', id, 'printf', 'a\\nb\\n']).stdout);
    expect(outs.filter((o) => o !== 'a\nb\n')).toEqual([]);
    sb.ok(['delete', '--force', id]);
  });

  test('the pty belongs to the process user (uid; the devpts tty group stays), as runc: run and exec -t --user', () => {
    const bundle = sb.bundle((c) => {
      withTerminal('stat -c %u:%g $(tty); echo hi > $(tty) && echo writable')(c);
      c.process.user = { uid: 1000, gid: 1001 };
    });
    const r = sb.run(['run', '--bundle', bundle, sb.id()]);
    expect(r.stdout.split(/\r?\n/)).toEqual(expect.arrayContaining(['1000:5', 'writable']));
    expect(r.code).toBe(0);
    const sleeper = sb.bundle((c) => { c.process.args = ['sleep', '1000']; }, 'sleeper');
    const id = sb.id();
    sb.ok(['run', '--detach', '--bundle', sleeper, id]);
    const e = sb.run(['exec', '-t', '--user', '1000:1001', id, 'sh', '-c', 'stat -c %u:%g $(tty)']);
    expect(e.stdout.trim()).toBe('1000:5');
    // Without a terminal the caller's stdio is the process user's too: /dev/stdout can be reopened.
    const p = sb.run(['exec', '--user', '1000:1001', id, 'sh', '-c', 'echo reopened > /dev/stdout']);
    expect([p.stdout, p.stderr, p.code]).toEqual(['reopened\n', '', 0]);
  });

  test('create --console-socket: the pty master goes to the socket; the container writes to it', async () => {
    const bundle = sb.bundle(withTerminal('echo via-console-socket; tty'));
    const sock = path.join(sb.dir, 'console.sock'), out = path.join(sb.dir, 'console.out');
    const receiver = spawn('python3', [FD_RECEIVER, 'console', sock, out], { stdio: 'ignore' });
    try {
      await waitFor(() => fs.existsSync(sock), 10000, 'the console socket');
      const id = sb.id();
      sb.ok(['create', '--bundle', bundle, '--console-socket', sock, id]);
      expect(fs.readFileSync(`${out}.meta`, 'utf8')).toBe('fds=1\n');
      sb.ok(['start', id]);
      await waitFor(() => fs.existsSync(out) && /\/dev\/pts\/\d+/.test(fs.readFileSync(out, 'utf8')), 10000, 'the container\'s output on the pty');
      expect(fs.readFileSync(out, 'utf8')).toMatch(/^via-console-socket\r\n\/dev\/pts\/\d+\r\n/);
      sb.ok(['delete', '--force', id]);
    } finally {
      receiver.kill('SIGKILL');
    }
  });

  test.each([
    ['create with terminal and no console socket', (b: string, id: string) => ['create', '--bundle', b, id], true, /^tsrunc: process\.terminal: cannot allocate tty if tsrunc will detach without setting console socket/],
    ['run --detach with terminal and no console socket', (b: string, id: string) => ['run', '--detach', '--bundle', b, id], true, /^tsrunc: process\.terminal: cannot allocate tty/],
    ['a console socket without terminal', (b: string, id: string) => ['create', '--console-socket', '/nonexistent.sock', '--bundle', b, id], false, /^tsrunc: --console-socket: cannot use console socket if tsrunc will not detach or allocate tty/],
    ['a console socket with run in the foreground', (b: string, id: string) => ['run', '--console-socket', '/nonexistent.sock', '--bundle', b, id], true, /^tsrunc: --console-socket: cannot use console socket/],
    ['a console socket nobody listens on', (b: string, id: string) => ['create', '--console-socket', '/nonexistent.sock', '--bundle', b, id], true, /^tsrunc: --console-socket: cannot send the pty to the console socket/],
  ])('%s is refused and leaves nothing', (_what, args, terminal, msg) => {
    const bundle = sb.bundle((c) => { c.process.terminal = terminal; c.process.args = ['true']; });
    const id = sb.id();
    const r = sb.run(args(bundle, id));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(msg);
    assertNothingLeft(id, sb.root);
  });
});
