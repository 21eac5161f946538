// The plan interpreter (addon/child.c) on hand-built plans, through the addon's own `spawn`: no
// namespaces, no container, no root needed (issue 10, move 6). Each plan is the smallest that
// exercises one op, and ends in EXEC of a host program whose state is read from /proc (a sleeping
// /bin/sleep) or from the files it writes; the error paths check the ERROR message the child sends
// (op index, errno, text) and the runtime's wording of it (childError, as create and exec report it).
//
// Privileges: `make test-unprivileged` runs this file as nobody (setpriv); as root (`make test`) it
// runs too. Where an op behaves differently for root (raising a hard rlimit, chdir into a directory
// without search permission) the plan itself drops to nobody first (SETGID/SETUID 65534, a no-op
// for nobody), so both runs check the unprivileged behaviour.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { childError } from '../../../src/errors';
import { Sync } from '../../../src/linux/opcodes';
import { Plan, stringVector } from '../../../src/linux/plan';
import { native, type SyncMessage } from '../../../src/native';

const NOBODY = 65534n;
const RLIMIT_NOFILE = 7n;
const E = os.constants.errno;

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-interp-'));
  // The plans that drop to nobody still write here.
  if (process.getuid!() === 0) fs.chownSync(dir, Number(NOBODY), Number(NOBODY));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function exec(plan: Plan, argv: string[], env: string[] = []): Plan {
  return plan.add('EXEC', 'process.args', 'execve', [BigInt(argv.length), BigInt(env.length)], [stringVector(argv), env.length ? stringVector(env) : null]);
}

function dropToNobody(plan: Plan): Plan {
  return plan.add('SETGID', 'process.user.gid', 'setresgid(nobody)', [NOBODY]).add('SETUID', 'process.user.uid', 'setresuid(nobody)', [NOBODY]);
}

interface Outcome {
  /** The child's ERROR, if it sent one. */
  error?: SyncMessage;
  /** Exit status; for a program left running (runAsleep), the SIGKILL that ended it. */
  code: number;
  signal: number;
}

/** Spawn the plan; `whileAsleep` (the plan must exec a sleep) inspects the program, then it is killed. */
function run(plan: Plan, whileAsleep?: (pid: number) => void): Outcome {
  const n = native();
  const c = n.spawn(plan.serialize(), undefined, 'unit interpreter');
  let error: SyncMessage | undefined;
  try {
    // Not the socket's end-of-file: without CLOSE_FDS the exec'd program inherits the socket.
    if (whileAsleep && waitAsleep(c.pid)) {
      try { whileAsleep(c.pid); } finally { n.pidfdSendSignal(c.pidfd, 9); }
    }
    const m = n.syncRecv(c.sock); // an ERROR, or end-of-file once the child (or its program) is gone
    if (m) {
      expect(m.type).toBe(Sync.ERROR);
      error = m;
    }
  } finally {
    fs.closeSync(c.sock);
  }
  const status = n.waitPidfd(c.pidfd, 10000);
  fs.closeSync(c.pidfd);
  if (!status) throw new Error(`plan child ${c.pid} did not exit`);
  return { error, ...status };
}

/** Run a plan that ends in exec of a sleep, and inspect the sleeping program. */
function runAsleep(plan: Plan, inspect: (pid: number) => void): void {
  let inspected = false;
  const o = run(plan, (pid) => { inspect(pid); inspected = true; });
  expect(o.error).toBeUndefined();
  expect(inspected).toBe(true);
}

/** Until the exec'd /bin/sleep is past the dynamic loader (which opens and closes files) and
 * asleep: true; false if the child exited first (an ERROR). */
function waitAsleep(pid: number): boolean {
  const deadline = Date.now() + 10000;
  for (;;) {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (/^\d+ \(sleep\) S /.test(stat)) return true;
    if (/^\d+ \(.*\) Z /.test(stat)) return false;
    if (Date.now() > deadline) throw new Error(`pid ${pid} never slept: ${stat}`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
  }
}

const SLEEP = ['/bin/sleep', '30'];
/** For plans meant to fail before EXEC: if one does not, it ends at once. */
const TRUE = ['/bin/true'];

/** The fds of a process, by number. */
const fdsOf = (pid: number) => fs.readdirSync(`/proc/${pid}/fd`).map(Number).sort((a, b) => a - b);

/** "Max open files" soft and hard of /proc/<pid>/limits. */
function nofileOf(pid: number): [string, string] {
  const line = fs.readFileSync(`/proc/${pid}/limits`, 'utf8').split('\n').find((l) => l.startsWith('Max open files'))!;
  const [soft, hard] = line.slice('Max open files'.length).trim().split(/\s+/);
  return [soft, hard];
}

function expectError(o: Outcome, plan: Plan, op: number, errno: number, text: string): void {
  expect(o.error).toBeDefined();
  expect({ op: o.error!.op, errno: o.error!.errno, text: o.error!.text }).toEqual({ op, errno, text });
  expect(o.code).toBe(127);
  void plan;
}

describe('EXEC', () => {
  test('runs argv with exactly the plan\'s environment; the exit status is the program\'s', () => {
    const plan = exec(new Plan(), ['/bin/sh', '-c', 'test "$FOO" = bar && test -z "$HOME" && exit 7', 'sh'], ['FOO=bar']);
    const o = run(plan);
    expect(o.error).toBeUndefined();
    expect(o.code).toBe(7);
  });

  test('a plan without EXEC ends in an error, not in a program', () => {
    const plan = new Plan().add('UMASK', 'process.user.umask', 'umask(022)', [0o22n]);
    expectError(run(plan), plan, 1, E.EINVAL, 'plan ended without exec');
  });

  test('a missing program: runc\'s wording (exec.LookPath), from RESOLVE_EXEC before EXEC', () => {
    const plan = new Plan().add('RESOLVE_EXEC', 'process.args[0]', 'find', [], ['tsrunc-no-such-program', '/usr/bin:/bin']);
    exec(plan, ['tsrunc-no-such-program']);
    const o = run(plan);
    expectError(o, plan, 0, E.ENOENT, 'exec: "tsrunc-no-such-program": executable file not found in $PATH');
    expect(childError(plan, o.error!).message).toBe('exec: "tsrunc-no-such-program": executable file not found in $PATH');
    expect(childError(plan, o.error!).field).toBe('process.args[0]');
  });

  test('a missing path: runc\'s "stat" wording; a file without x: permission denied', () => {
    const missing = path.join(dir, 'nosuch');
    let plan = exec(new Plan().add('RESOLVE_EXEC', 'process.args[0]', 'find', [], [missing, '/bin']), [missing]);
    let o = run(plan);
    expectError(o, plan, 0, E.ENOENT, `exec: "${missing}": stat ${missing}`);
    expect(childError(plan, o.error!).message).toBe(`exec: "${missing}": stat ${missing}: no such file or directory`);

    const noexec = path.join(dir, 'noexec');
    fs.writeFileSync(noexec, '#!/bin/sh\n', { mode: 0o644 });
    plan = exec(new Plan().add('RESOLVE_EXEC', 'process.args[0]', 'find', [], [noexec, '/bin']), [noexec]);
    o = run(plan);
    expectError(o, plan, 0, E.EACCES, `exec: "${noexec}"`);
    expect(childError(plan, o.error!).message).toBe(`exec: "${noexec}": permission denied`);
  });

  test('EXEC itself fails with its errno when execve does (no RESOLVE_EXEC before it)', () => {
    const missing = path.join(dir, 'nosuch');
    const plan = exec(new Plan(), [missing]);
    const o = run(plan);
    expectError(o, plan, 0, E.ENOENT, `exec ${missing}`);
    expect(childError(plan, o.error!).message).toBe(`exec ${missing}: no such file or directory`);
  });
});

describe('CHDIR', () => {
  test('the exec\'d program runs in the directory', () => {
    const plan = exec(new Plan().add('CHDIR', 'process.cwd', 'chdir', [1n], [dir]), SLEEP);
    runAsleep(plan, (pid) => expect(fs.readlinkSync(`/proc/${pid}/cwd`)).toBe(fs.realpathSync(dir)));
  });

  test('a missing directory: ERROR naming the op, ENOENT, and the path; the runtime names process.cwd', () => {
    const missing = path.join(dir, 'missing');
    const plan = exec(new Plan().add('UMASK', 'process.user.umask', 'umask', [0o22n]).add('CHDIR', 'process.cwd', 'chdir', [1n], [missing]), TRUE);
    const o = run(plan);
    expectError(o, plan, 1, E.ENOENT, `chdir to cwd ${missing}`);
    const err = childError(plan, o.error!);
    expect(err.field).toBe('process.cwd');
    expect(err.message).toBe(`chdir to cwd ${missing}: ENOENT`);
  });

  test('first try (a0=1) defers EACCES to the retry as the process user (a0=2), which reports it (runc finalizeNamespace)', () => {
    const locked = path.join(dir, 'locked');
    fs.mkdirSync(locked, { mode: 0o000 });
    fs.chmodSync(locked, 0o000);
    const plan = dropToNobody(new Plan());
    plan.add('CHDIR', 'process.cwd', 'chdir as root', [1n], [locked]).add('CHDIR', 'process.cwd', 'chdir as the user', [2n], [locked]);
    exec(plan, TRUE);
    expectError(run(plan), plan, 3, E.EACCES, `chdir to cwd ${locked}`);
  });

  test('the retry (a0=2) is skipped when the first try succeeded', () => {
    const plan = new Plan().add('CHDIR', 'process.cwd', 'chdir as root', [1n], [dir]);
    plan.add('CHDIR', 'process.cwd', 'chdir as the user', [2n], [path.join(dir, 'missing')]);
    exec(plan, SLEEP);
    runAsleep(plan, (pid) => expect(fs.readlinkSync(`/proc/${pid}/cwd`)).toBe(fs.realpathSync(dir)));
  });
});

describe('UMASK', () => {
  test('the exec\'d program has the umask (the child itself runs with 0)', () => {
    const plan = exec(new Plan().add('UMASK', 'process.user.umask', 'umask(027)', [0o27n]), ['/bin/sh', '-c', 'umask > "$1/umask"; : > "$1/made"', 'sh', dir]);
    const o = run(plan);
    expect(o.error).toBeUndefined();
    expect(o.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'umask'), 'utf8').trim()).toBe('0027');
    expect(fs.statSync(path.join(dir, 'made')).mode & 0o777).toBe(0o640);
  });
});

describe('SETRLIMIT', () => {
  test('the limit (resource, soft, hard) is the exec\'d program\'s', () => {
    const plan = exec(new Plan().add('SETRLIMIT', 'process.rlimits[0]', 'setrlimit', [RLIMIT_NOFILE, 64n, 128n]), SLEEP);
    runAsleep(plan, (pid) => expect(nofileOf(pid)).toEqual(['64', '128']));
  });

  test('soft above hard: EINVAL, naming the rlimit entry', () => {
    const plan = exec(new Plan().add('SETRLIMIT', 'process.rlimits[2]', 'setrlimit', [RLIMIT_NOFILE, 128n, 64n]), TRUE);
    const o = run(plan);
    expectError(o, plan, 0, E.EINVAL, 'setrlimit');
    expect(childError(plan, o.error!).field).toBe('process.rlimits[2]');
  });

  test('unprivileged, a hard limit cannot be raised again: EPERM', () => {
    const plan = dropToNobody(new Plan());
    plan.add('SETRLIMIT', 'process.rlimits[0]', 'lower', [RLIMIT_NOFILE, 64n, 128n]).add('SETRLIMIT', 'process.rlimits[1]', 'raise', [RLIMIT_NOFILE, 64n, 256n]);
    exec(plan, TRUE);
    expectError(run(plan), plan, 3, E.EPERM, 'setrlimit');
  });
});

describe('CLOSE_FDS', () => {
  test('the exec\'d program keeps stdio and the preserved fds, nothing the plan opened above them', () => {
    // fd 3 is the preserved one (--preserve-fds 1): open it in this process if it is free.
    let opened: number | undefined;
    try { fs.fstatSync(3); } catch { opened = fs.openSync('/dev/null', 'r'); }
    try {
      const plan = new Plan();
      plan.preserveFds = 1;
      // Without close-on-exec, as a dup2 makes them: only CLOSE_FDS keeps them from the program.
      // High numbers: the child's sync socket has the number it had in this process.
      plan.add('DUP2', 'runtime', 'dup2(2, 600)', [2n, 600n]).add('DUP2', 'runtime', 'dup2(2, 601)', [2n, 601n]);
      plan.add('CLOSE_FDS', 'runtime', 'close-on-exec from 4', [4n]);
      exec(plan, SLEEP);
      const stdio = [0, 1, 2].filter((fd) => { try { fs.fstatSync(fd); return true; } catch { return false; } });
      runAsleep(plan, (pid) => expect(fdsOf(pid)).toEqual([...stdio, 3]));
    } finally {
      if (opened !== undefined) fs.closeSync(opened);
    }
  });

  test('fds below its bound stay, the ones from the bound up go', () => {
    const plan = new Plan();
    plan.add('DUP2', 'runtime', 'dup2(2, 700)', [2n, 700n]).add('DUP2', 'runtime', 'dup2(2, 701)', [2n, 701n]);
    plan.add('CLOSE_FDS', 'runtime', 'close-on-exec from 701', [701n]);
    exec(plan, SLEEP);
    runAsleep(plan, (pid) => {
      const fds = fdsOf(pid);
      expect(fds).toContain(700);
      expect(fds).not.toContain(701);
    });
  });
});
