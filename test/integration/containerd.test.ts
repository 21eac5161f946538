// tsrunc as the runtime binary of containerd's runc shim (../shared/reference/clients.md): a private
// containerd (its own config, socket, root and state under a temporary directory) started by the
// test, driven with ctr, with tsrunc's own --root (ctr --runc-root) under the same directory.
// Skipped with the reason when containerd and ctr are not installed (`make test` installs them).
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO, cgroupDirsOf, describeRoot, mountsMentioning, pidAlive, sleep } from '../helpers/runtime';

const have = (cmd: string, flag = '--version') => spawnSync(cmd, [flag], { encoding: 'utf8' }).status === 0;
const haveContainerd = have('containerd') && have('ctr') && have('containerd-shim-runc-v2', '-v');
const why = haveContainerd ? '' : ' (skipped: containerd, ctr or containerd-shim-runc-v2 not installed)';
const maybe = haveContainerd ? test : test.skip;
const TSRUNC = path.join(REPO, 'tsrunc');

describeRoot('under containerd (ctr, the runc v2 shim)', () => {
  let dir = '';
  let daemon: ChildProcess | undefined;
  let sock = '';
  let runcRoot = '';
  let rootfs = '';
  let n = 0;
  const id = () => `tsrunc-ctr-${process.pid}-${++n}`;

  const ctr = (args: string[], timeout = 30000) => spawnSync('ctr', ['-a', sock, ...args], { encoding: 'utf8', timeout });
  const run = (extra: string[], cid: string, cmd: string[]) =>
    ctr(['run', '--runc-binary', TSRUNC, '--runc-root', runcRoot, ...extra, '--rootfs', rootfs, cid, ...cmd]);

  beforeAll(async () => {
    if (!haveContainerd) return;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-ctr-'));
    sock = path.join(dir, 'containerd.sock');
    runcRoot = path.join(dir, 'runc');
    rootfs = path.join(dir, 'rootfs');
    spawnSync('cp', ['-a', path.join(REPO, 'rootfs-cache', 'busybox'), rootfs]);
    fs.writeFileSync(path.join(dir, 'config.toml'), [
      'version = 2',
      `root = "${dir}/root"`,
      `state = "${dir}/state"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      '[grpc]',
      `  address = "${sock}"`,
      '[ttrpc]',
      `  address = "${sock}.ttrpc"`,
      '',
    ].join('\n'));
    const log = fs.openSync(path.join(dir, 'containerd.log'), 'w');
    daemon = spawn('containerd', ['--config', path.join(dir, 'config.toml')], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    const end = Date.now() + 20000;
    while (Date.now() < end && ctr(['version'], 5000).status !== 0) await sleep(100);
    if (ctr(['version'], 5000).status !== 0) throw new Error(`containerd did not start: ${fs.readFileSync(path.join(dir, 'containerd.log'), 'utf8').slice(-2000)}`);
  }, 40000);

  afterAll(async () => {
    if (!daemon) return;
    // Anything a failed test left: killed and deleted through containerd first.
    const tasks = ctr(['task', 'ls', '-q']).stdout.split('\n').filter(Boolean);
    for (const t of tasks) { ctr(['task', 'kill', '-s', 'SIGKILL', t]); }
    await sleep(300);
    for (const t of tasks) ctr(['task', 'delete', '-f', t]);
    for (const c of ctr(['container', 'ls', '-q']).stdout.split('\n').filter(Boolean)) ctr(['container', 'rm', c]);
    daemon.kill('SIGTERM');
    const end = Date.now() + 10000;
    while (daemon.exitCode === null && daemon.signalCode === null && Date.now() < end) await sleep(50);
    if (daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGKILL');
    for (let i = 1; i <= n; i++) {
      const cid = `tsrunc-ctr-${process.pid}-${i}`;
      expect(cgroupDirsOf(cid)).toEqual([]);
      expect(mountsMentioning(cid)).toEqual([]);
    }
    expect(fs.existsSync(runcRoot) ? fs.readdirSync(runcRoot).flatMap((ns) => fs.readdirSync(path.join(runcRoot, ns))) : []).toEqual([]);
    // The shim's own bundle mounts (its rootfs bind) go with the task; none may stay.
    expect(mountsMentioning(dir)).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 30000);

  maybe(`run --rm: output, exit status, state gone${why}`, () => {
    const cid = id();
    const r = run(['--rm'], cid, ['sh', '-c', 'echo hello from $(hostname); exit 7']);
    expect(r.stdout).toBe(`hello from ${os.hostname()}\n`);
    expect(r.status).toBe(7);
    expect(ctr(['container', 'ls', '-q']).stdout).not.toContain(cid);
  });

  maybe(`detached: exec, ps, pause/resume, metrics, kill, delete${why}`, async () => {
    const cid = id();
    const r = run(['-d'], cid, ['sleep', '1000']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const tasks = ctr(['task', 'ls']).stdout;
    expect(tasks).toMatch(new RegExp(`${cid}\\s+\\d+\\s+RUNNING`));
    const pid = Number(/\s(\d+)\s/.exec(tasks.split('\n').find((l) => l.startsWith(cid))!)![1]);

    const ex = ctr(['task', 'exec', '--exec-id', 'e1', cid, 'sh', '-c', 'echo exec ok; cat /proc/1/cmdline | tr "\\0" " "']);
    expect(ex.stdout).toBe('exec ok\nsleep 1000 ');
    expect(ex.status).toBe(0);
    // ps: the shim parses `tsrunc ps --format json` output (a bare array of host pids).
    expect(ctr(['task', 'ps', cid]).stdout).toMatch(new RegExp(`^${pid}\\s`, 'm'));
    expect(ctr(['task', 'pause', cid]).status).toBe(0);
    expect(ctr(['task', 'ls']).stdout).toMatch(new RegExp(`${cid}\\s+\\d+\\s+PAUSED`));
    expect(ctr(['task', 'resume', cid]).status).toBe(0);
    expect(ctr(['task', 'ls']).stdout).toMatch(new RegExp(`${cid}\\s+\\d+\\s+RUNNING`));
    expect(ctr(['task', 'metrics', cid]).stdout).toMatch(/pids\.current\s+1/);

    expect(ctr(['task', 'kill', '-s', 'SIGKILL', cid]).status).toBe(0);
    const end = Date.now() + 10000;
    while (pidAlive(pid) && Date.now() < end) await sleep(50);
    expect(pidAlive(pid)).toBe(false);
    // The shim reaps the init and then marks the task stopped: delete needs the latter.
    while (!new RegExp(`${cid}\\s+\\d+\\s+STOPPED`).test(ctr(['task', 'ls']).stdout) && Date.now() < end) await sleep(50);
    expect(ctr(['task', 'delete', cid]).status).toBe(0);
    expect(ctr(['container', 'rm', cid]).status).toBe(0);
    expect(cgroupDirsOf(cid)).toEqual([]);
  });

  // The shim classifies runtime failures by their text (containerd's checkKillError): the runtime
  // must print its error on stderr even with --log (runc's fatal()), else the client sees only
  // "exit status 1: : unknown".
  maybe(`kill on a task whose process has exited: "process already finished"${why}`, async () => {
    const cid = id();
    const r = run(['-d'], cid, ['true']);
    expect(r.status).toBe(0);
    const end = Date.now() + 10000;
    while (!new RegExp(`${cid}\\s+\\d+\\s+STOPPED`).test(ctr(['task', 'ls']).stdout) && Date.now() < end) await sleep(50);
    const k = ctr(['task', 'kill', '-s', 'SIGTERM', cid]);
    expect(k.status).not.toBe(0);
    expect(k.stderr).toContain('process already finished');
    expect(k.stderr).toContain('not found');
    expect(ctr(['task', 'delete', cid]).status).toBe(0);
    expect(ctr(['container', 'rm', cid]).status).toBe(0);
  });

  // The shim's delete ignores a runtime error that says "does not exist" (the container went
  // already, e.g. after a checkpoint); that text must reach it through the command's output.
  maybe(`task delete of a container the runtime already removed succeeds ("does not exist")${why}`, async () => {
    const cid = id();
    expect(run(['-d'], cid, ['true']).status).toBe(0);
    const end = Date.now() + 10000;
    while (!new RegExp(`${cid}\\s+\\d+\\s+STOPPED`).test(ctr(['task', 'ls']).stdout) && Date.now() < end) await sleep(50);
    const gone = spawnSync(TSRUNC, ['--root', path.join(runcRoot, 'default'), 'delete', cid], { encoding: 'utf8' });
    expect(gone.status).toBe(0);
    const d = ctr(['task', 'delete', cid]);
    expect(d.stderr).toBe('');
    expect(d.status).toBe(0);
    expect(ctr(['container', 'rm', cid]).status).toBe(0);
  });

  maybe(`a command that cannot run: runc's error text reaches the client, nothing left${why}`, () => {
    const cid = id();
    const r = run(['--rm'], cid, ['/no/such/program']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('OCI runtime create failed');
    expect(r.stderr).toContain('exec: "/no/such/program": stat /no/such/program: no such file or directory');
    ctr(['container', 'rm', cid]);
    expect(cgroupDirsOf(cid)).toEqual([]);
  });
});
