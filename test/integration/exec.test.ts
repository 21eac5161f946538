// exec: a new process in a running container, as containerd's shim and `docker exec` use it.
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Sandbox, assertNothingLeft, cpuProfiles, describeRoot, noBunProfiler, profiledEnv, runtimeCommand, waitFor } from '../helpers/runtime';

describeRoot('exec', () => {
  let sb: Sandbox;
  let id: string;
  let initPid: number;
  beforeAll(() => {
    sb = new Sandbox();
    const bundle = sb.bundle((c) => {
      c.process.args = ['sleep', '1000'];
      c.process.env.push('FROM_CONFIG=yes');
      c.root.readonly = false;
      // The container's seccomp profile applies to exec'd processes too: mkdir is refused.
      c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] };
    });
    id = sb.id();
    sb.ok(['run', '--detach', '--bundle', bundle, id]);
    initPid = sb.state(id).pid;
  });
  afterAll(() => sb.cleanup());

  test('the process joins every namespace and the cgroup of the init, and exec returns its status', () => {
    const r = sb.run(['exec', id, 'sh', '-c', 'for n in pid mnt net uts ipc cgroup; do readlink /proc/self/ns/$n; done; echo pid=$$; echo err >&2; exit 3']);
    const nsOfInit = ['pid', 'mnt', 'net', 'uts', 'ipc', 'cgroup'].map((n) => fs.readlinkSync(`/proc/${initPid}/ns/${n}`));
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(0, 6)).toEqual(nsOfInit);
    expect(Number(lines[6].slice(4))).toBeGreaterThan(1);
    expect(r.stderr).toBe('err\n');
    expect(r.code).toBe(3);
  });

  test('the command line builds the process from config.json: env, --env, --cwd, --user, -g', () => {
    const r = sb.run(['exec', '--env', 'EXTRA=1', '--cwd', '/tmp', '-u', '1000:1001', '-g', '7', id, 'sh', '-c', 'echo $FROM_CONFIG $EXTRA; pwd; id -u; id -g; id -G']);
    expect(r.stdout).toBe('yes 1\n/tmp\n1000\n1001\n1001 7\n');
    expect(r.code).toBe(0);
  });

  test('stdin is the process\'s stdin', () => {
    expect(sb.run(['exec', id, 'sh', '-c', 'read l; echo "got $l"'], { input: 'line\n' }).stdout).toBe('got line\n');
  });

  test('the container\'s seccomp filter and capabilities apply to exec\'d processes', () => {
    const r = sb.run(['exec', id, 'sh', '-c', 'mkdir /tmp/nope 2>&1; grep CapBnd /proc/self/status']);
    expect(r.stdout).toMatch(/Operation not permitted/);
    const initBnd = fs.readFileSync(`/proc/${initPid}/status`, 'utf8').match(/CapBnd:.*/)![0];
    expect(r.stdout).toContain(initBnd);
  });

  test('containerd\'s way: --process file, --detach, --pid-file (bare digits), in the container\'s cgroup', async () => {
    const proc = { args: ['sleep', '300'], cwd: '/', env: ['PATH=/bin'], user: { uid: 0, gid: 0 }, terminal: false };
    const file = path.join(sb.dir, 'process.json');
    fs.writeFileSync(file, JSON.stringify(proc));
    const pidFile = path.join(sb.dir, 'exec.pid');
    sb.ok(['exec', '--process', file, '--detach', '--pid-file', pidFile, id]);
    const text = fs.readFileSync(pidFile, 'utf8');
    expect(text).toMatch(/^\d+$/);
    const pid = Number(text);
    await waitFor(() => fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep', 5000, 'the exec\'d sleep');
    expect(fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8')).toBe(fs.readFileSync(`/proc/${initPid}/cgroup`, 'utf8'));
    expect(fs.readlinkSync(`/proc/${pid}/ns/pid`)).toBe(fs.readlinkSync(`/proc/${initPid}/ns/pid`));
    process.kill(pid, 'SIGKILL');
  });

  test('--process without user (or env, terminal, ...): runs as 0:0, as runc; no JavaScript error', () => {
    const file = path.join(sb.dir, 'bare.json');
    fs.writeFileSync(file, JSON.stringify({ args: ['id'], cwd: '/' }));
    const r = sb.run(['exec', '--process', file, id]);
    expect([r.stdout, r.stderr, r.code]).toEqual([expect.stringMatching(/^uid=0\(root\) gid=0\(root\)/), '', 0]);
    fs.writeFileSync(file, JSON.stringify({ args: ['id'], cwd: 'tmp' }));
    const bad = sb.run(['exec', '--process', file, id]);
    expect([bad.code, bad.stderr]).toEqual([255, 'tsrunc: process.cwd: cwd must be an absolute path, got "tmp"\n']);
  });

  test('execCPUAffinity: initial before the cgroup join, final after it', () => {
    const hostCpus = fs.readFileSync('/proc/self/status', 'utf8').match(/Cpus_allowed_list:\s*(\S+)/)![1];
    if (!/[-,]/.test(hostCpus)) {
      console.warn('skipped: a single CPU here, no affinity to narrow');
      return;
    }
    const cpusOf = (aff: object) => {
      const file = path.join(sb.dir, 'aff.json');
      fs.writeFileSync(file, JSON.stringify({ args: ['grep', 'Cpus_allowed_list', '/proc/self/status'], cwd: '/', env: ['PATH=/bin'], user: { uid: 0, gid: 0 }, execCPUAffinity: aff }));
      return sb.ok(['exec', '--process', file, id]).stdout.trim().split(/\s+/)[1];
    };
    const cpuset = fs.readFileSync(`/proc/${initPid}/status`, 'utf8').match(/Cpus_allowed_list:\s*(\S+)/)![1];
    // Without final the runtime leaves it to the kernel: since Linux 6.2 the kernel keeps the mask the
    // process asked for (user_cpus_ptr) within the new cpuset; before, the cpuset replaced it.
    expect(['0', cpuset]).toContain(cpusOf({ initial: '0' }));
    expect(cpusOf({ initial: '0', final: '1' })).toBe('1');
  });

  test('-t gives the process a pty of the container\'s devpts', () => {
    const r = sb.run(['exec', '-t', id, 'tty']);
    expect(r.stdout.trim()).toMatch(/^\/dev\/pts\/\d+$/);
    expect(r.code).toBe(0);
  });

  test('signals sent to exec are forwarded to the process', async () => {
    const [cmd, ...pre] = runtimeCommand();
    const child = spawn(cmd, [...pre, '--root', sb.root, 'exec', id, 'sh', '-c', 'trap "echo got-term; exit 9" TERM; echo ready; while true; do sleep 0.05; done'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d) => { out += d; });
    const exited = new Promise<number>((res) => child.on('exit', (c) => res(c ?? -1)));
    await waitFor(() => out.includes('ready'), 10000, 'ready');
    child.kill('SIGTERM');
    expect(await exited).toBe(9);
    expect(out).toContain('got-term');
  });

  test('--debug logs each phase of exec with its time since the process started, in order', () => {
    const r = sb.run(['--debug', 'exec', id, 'true']);
    expect(r.code).toBe(0);
    const phases = [...r.stderr.matchAll(/msg="phase: (.+) at (\d+\.\d\d) ms"/g)].map((m) => ({ name: m[1], ms: Number(m[2]) }));
    expect(phases.map((p) => p.name)).toEqual(['command loaded', 'state read', 'plan compiled', 'process spawned', 'process started', 'process exited']);
    for (let i = 1; i < phases.length; i++) expect(phases[i].ms).toBeGreaterThanOrEqual(phases[i - 1].ms);
  });

  // As for run (run.test.ts): exec forwards signals the same way while the process runs.
  (noBunProfiler ? test.skip : test)(`exec profiled by Bun (BUN_OPTIONS=--cpu-prof) completes: the engine's own SIGPWR is not forwarded${noBunProfiler ? ` (skipped: ${noBunProfiler})` : ''}`, () => {
    const prof = fs.mkdtempSync(path.join(sb.dir, 'prof-'));
    const r = sb.run(['exec', id, 'sh', '-c', 'trap "echo got-pwr" PWR; sleep 0.3; echo done'], { env: profiledEnv(prof, 50), timeout: 20000, killSignal: 'SIGKILL' });
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: 'done\n' });
    expect(cpuProfiles(prof)).toHaveLength(1);
  });

  test.each([
    ['a missing executable', (i: string) => ['exec', i, 'nonexistent-cmd'], /^tsrunc: process\.args\[0\]: .*executable file not found/],
    ['an unknown container', () => ['exec', 'no-such-container', 'true'], /does not exist/],
    ['no command', (i: string) => ['exec', i], /^tsrunc: command: exec needs a command to run/],
    ['a bad --user', (i: string) => ['exec', '-u', 'root', i, 'true'], /^tsrunc: --user: "root" is not uid\[:gid\]/],
    ['a --process file that is not a process', (i: string) => ['exec', '--process', '/nonexistent.json', i], /^tsrunc: --process: cannot read/],
    ['a tty when detached without a console socket', (i: string) => ['exec', '-t', '-d', i, 'true'], /^tsrunc: process\.terminal: cannot allocate tty/],
  ])('%s: exit 255 and a one-line error', (_what, args, msg) => {
    const r = sb.run(args(id));
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(msg);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('--cgroup: the process runs in an existing sub-cgroup, for all controllers or named ones; bad paths are refused', async () => {
    const rec = JSON.parse(fs.readFileSync(path.join(sb.root, id, 'state.json'), 'utf8')).cgroup;
    const dirs: Record<string, string> = rec.paths;
    // Sub-cgroups inside the container's own cgroups (delete removes them with it).
    for (const d of Object.values(dirs)) {
      for (const sub of ['sub', 'other']) {
        fs.mkdirSync(path.join(d, sub), { recursive: true });
        // A new v1 cpuset cgroup has no CPUs or nodes until given some (ENOSPC on join otherwise).
        for (const f of ['cpuset.cpus', 'cpuset.mems']) {
          if (fs.existsSync(path.join(d, f))) fs.writeFileSync(path.join(d, sub, f), fs.readFileSync(path.join(d, f), 'utf8'));
        }
      }
    }
    const cgroupOf = (args: string[]) => {
      const r = sb.run(['exec', ...args, id, 'cat', '/proc/self/cgroup']);
      if (r.code !== 0) throw new Error(r.stderr);
      // Paths as the host sees them (this config has no cgroup namespace): .../<id>/<sub>.
      return Object.fromEntries(r.stdout.trim().split('\n').map((l) => { const [, ctl, p] = l.split(':'); return [ctl, p]; }));
    };
    const all = cgroupOf(['--cgroup', 'sub']);
    expect(Object.keys(all).length).toBeGreaterThan(3);
    for (const [ctl, p] of Object.entries(all)) expect([ctl, p]).toEqual([ctl, expect.stringMatching(new RegExp(`/${id}/sub$`))]);
    const one = cgroupOf(['--cgroup', 'pids:other', '--cgroup', '/sub']);
    expect(one.pids).toMatch(new RegExp(`/${id}/other$`));
    expect(one.memory).toMatch(new RegExp(`/${id}/sub$`));
    const top = cgroupOf(['--cgroup', '/']);
    expect(top.pids).toMatch(new RegExp(`/${id}$`));

    const bad = (args: string[], msg: RegExp) => {
      const r = sb.run(['exec', ...args, id, 'true']);
      expect(r.code).toBe(255);
      expect(r.stderr).toMatch(msg);
    };
    bad(['--cgroup', 'nope'], /^tsrunc: --cgroup: cgroup .*\/nope does not exist: adding pid to it: no such file or directory\n$/);
    bad(['--cgroup', '../..'], /^tsrunc: --cgroup: bad sub cgroup path: "\.\.\/\.\." leaves the container's cgroup\n$/);
    bad(['--cgroup', 'bogus:sub'], /^tsrunc: --cgroup: unknown controller bogus: the container has no bogus cgroup/);
    bad(['--cgroup', 'sub', '--cgroup', 'other'], /given twice/);
    // A sub-cgroup the kernel will not take the process into: the error names the flag.
    const cpuset = Object.entries(dirs).find(([k]) => k.split(',').includes('cpuset'));
    if (cpuset) {
      fs.mkdirSync(path.join(cpuset[1], 'empty'));
      bad(['--cgroup', 'cpuset:empty'], /^tsrunc: --cgroup: cannot move process \d+ into cgroup .*\/empty: ENOSPC\n$/);
    }
  });

  test('exec into a stopped container is refused', () => {
    const bundle = sb.bundle((c) => { c.process.args = ['true']; }, 'stopped');
    const sid = sb.id();
    sb.ok(['create', '--bundle', bundle, sid]);
    sb.ok(['start', sid]);
    return waitFor(() => sb.state(sid).status === 'stopped', 5000, 'stopped').then(() => {
      const r = sb.run(['exec', sid, 'true']);
      expect(r.code).toBe(255);
      expect(r.stderr).toMatch(/cannot exec in a stopped container/);
    });
  });
});

// runc-exec(8)/runc-run(8) --preserve-fds N: the caller's fds 3..3+N-1 reach the process. Node and
// Bun mark inherited fds close-on-exec at start-up, so both entry points are tried.
describeRoot('--preserve-fds', () => {
  let sb: Sandbox;
  afterEach(() => sb.cleanup());

  test.each(['bun', 'node'])('exec, run and create+start pass fds 3 and 4 (%s)', (entry) => {
    sb = new Sandbox(entry);
    const files = ['three', 'four'].map((w) => { const f = path.join(sb.dir, w); fs.writeFileSync(f, `${w}\n`); return f; });
    const fds = () => files.map((f) => fs.openSync(f, 'r'));
    const readBoth = ['cat', '/proc/self/fd/3', '/proc/self/fd/4'];
    const withFds = (args: string[]) => {
      const extra = fds();
      try { return sb.run(args, { extraFds: extra }); } finally { extra.forEach((fd) => fs.closeSync(fd)); }
    };
    // run in the foreground
    const bundle = sb.bundle((c) => { c.process.args = readBoth; });
    let r = withFds(['run', '--preserve-fds', '2', '--bundle', bundle, sb.id()]);
    expect([r.stdout, r.stderr, r.code]).toEqual(['three\nfour\n', '', 0]);
    // exec into a running container
    const sleeper = sb.bundle((c) => { c.process.args = ['sleep', '1000']; }, 'sleeper');
    const id = sb.id();
    sb.ok(['run', '--detach', '--bundle', sleeper, id]);
    r = withFds(['exec', '--preserve-fds', '2', id, ...readBoth]);
    expect([r.stdout, r.stderr, r.code]).toEqual(['three\nfour\n', '', 0]);
    // without the flag they stay behind
    r = withFds(['exec', id, 'ls', '/proc/self/fd/4']);
    expect(r.code).not.toBe(0);
    // More than the caller passed: refused (as runc), never filled with the runtime's own fds.
    r = withFds(['exec', '--preserve-fds', '100', id, 'true']);
    expect([r.code, r.stderr]).toEqual([255, expect.stringMatching(/^tsrunc: --preserve-fds: unable to stat preserved-fd \d+ \(of 100\): EBADF\n$/)]);
    const gapId = sb.id();
    r = withFds(['run', '-d', '--preserve-fds', '100', '--bundle', sleeper, gapId]);
    expect([r.code, r.stderr]).toEqual([1, expect.stringMatching(/^tsrunc: --preserve-fds: unable to stat preserved-fd \d+ \(of 100\): EBADF\n$/)]);
    assertNothingLeft(gapId, sb.root);
    // create keeps them in the init until start execs the process
    const cid = sb.id();
    const out = path.join(sb.dir, 'created.out');
    const created = sb.bundle((c) => { c.root.readonly = false; c.process.args = ['sh', '-c', 'cat /proc/self/fd/3 /proc/self/fd/4 > /tmp/out']; }, 'created');
    r = withFds(['create', '--preserve-fds', '2', '--bundle', created, cid]);
    expect(r.code).toBe(0);
    sb.ok(['start', cid]);
    return waitFor(() => sb.state(cid).status === 'stopped', 10000, 'the created process').then(() => {
      fs.copyFileSync(path.join(created, 'rootfs', 'tmp', 'out'), out);
      expect(fs.readFileSync(out, 'utf8')).toBe('three\nfour\n');
    });
  });
});

// runc 1.2+ exec into a paused container: refused at once without --ignore-paused; with it the
// process is started frozen and runs on `resume`. Whatever exec waits for, it must not keep
// resume, kill or delete --force waiting behind it (issue 8 item 1), and it must heed SIGTERM.
describeRoot('exec into a paused container', () => {
  let sb: Sandbox;
  let id: string;
  let bundle: string;
  beforeEach(() => {
    sb = new Sandbox();
    bundle = sb.bundle((c) => { c.process.args = ['sleep', '1000']; c.root.readonly = false; });
    id = sb.id();
    sb.ok(['run', '--detach', '--bundle', bundle, id]);
    sb.ok(['pause', id]);
  });
  afterEach(() => sb.cleanup());

  const startExec = (args: string[]) => {
    const [cmd, ...pre] = runtimeCommand();
    const child = spawn(cmd, [...pre, '--root', sb.root, 'exec', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => { out += d; });
    child.stderr!.on('data', (d) => { out += d; });
    const exited = new Promise<number>((res) => child.on('exit', (c, sig) => res(c ?? (sig ? -1 : -2))));
    return { child, exited, output: () => out };
  };
  /** Give exec the time to get its process into the frozen cgroup, where it waits. */
  const settle = () => new Promise((r) => setTimeout(r, 1500));

  test('without --ignore-paused: refused at once, as runc 1.2+', () => {
    const r = sb.run(['exec', id, 'true'], { timeout: 10000 });
    expect([r.code, r.stderr]).toEqual([255, 'tsrunc: cannot exec in a paused container (use --ignore-paused to override)\n']);
  });

  test('--ignore-paused: the process waits frozen; resume is not blocked by exec, and then it runs', async () => {
    const e = startExec(['--ignore-paused', id, 'sh', '-c', 'echo ran-after-resume']);
    await settle();
    expect(e.output()).toBe('');
    const r = sb.run(['resume', id], { timeout: 10000 });
    expect([r.code, r.stderr, r.signal]).toEqual([0, '', null]);
    expect(await e.exited).toBe(0);
    expect(e.output()).toBe('ran-after-resume\n');
  });

  test('--ignore-paused --detach: returns once resumed, with the pid file', async () => {
    const pidFile = path.join(sb.dir, 'p.pid');
    const e = startExec(['--ignore-paused', '-d', '--pid-file', pidFile, id, 'sleep', '100']);
    await settle();
    expect(sb.run(['resume', id], { timeout: 10000 }).code).toBe(0);
    expect(await e.exited).toBe(0);
    expect(fs.readFileSync(pidFile, 'utf8')).toMatch(/^\d+$/);
  });

  test('--ignore-paused: SIGTERM ends the waiting exec; the command never runs', async () => {
    const e = startExec(['--ignore-paused', id, 'touch', '/tmp/must-not-run']);
    await settle();
    e.child.kill('SIGTERM');
    const code = await Promise.race([e.exited, new Promise<number>((r) => setTimeout(() => r(-99), 5000))]);
    if (code === -99) e.child.kill('SIGKILL');
    expect(code).toBe(255);
    expect(e.output()).toMatch(/^tsrunc: interrupted by signal 15 before the process started\n$/);
    expect(sb.run(['resume', id], { timeout: 10000 }).code).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    expect(fs.existsSync(path.join(bundle, 'rootfs', 'tmp', 'must-not-run'))).toBe(false);
    // Only the init is left in the container.
    expect(sb.ok(['ps', '--format', 'json', id]).stdout.trim()).toBe(`[${sb.state(id).pid}]`);
  });

  test('--ignore-paused: kill and delete --force are not blocked by a waiting exec', async () => {
    const e = startExec(['--ignore-paused', id, 'sleep', '100']);
    await settle();
    expect(sb.run(['kill', id, 'KILL'], { timeout: 10000 }).code).toBe(0);
    const r = sb.run(['delete', '--force', id], { timeout: 10000 });
    expect([r.code, r.signal]).toEqual([0, null]);
    const code = await Promise.race([e.exited, new Promise<number>((res) => setTimeout(() => res(-99), 10000))]);
    if (code === -99) e.child.kill('SIGKILL');
    expect(code).not.toBe(-99);
    expect(code).not.toBe(0);
  });
});

// runc's finalizeNamespace: the cwd is entered before the privileges are dropped (and once more
// after, if root was refused), so a cwd only root can reach works for a non-root process user.
describeRoot('process.cwd only root can reach', () => {
  let sb: Sandbox;
  afterEach(() => sb.cleanup());

  test('run and exec --cwd: the process starts in it as uid 1000', () => {
    sb = new Sandbox();
    const bundle = sb.bundle((c) => {
      c.process.user = { uid: 1000, gid: 1000 };
      c.process.cwd = '/secret';
      c.process.args = ['sh', '-c', 'pwd; id -u'];
    });
    fs.mkdirSync(path.join(bundle, 'rootfs', 'secret'), { mode: 0o700 });
    fs.chmodSync(path.join(bundle, 'rootfs', 'secret'), 0o700);
    const r = sb.run(['run', '--bundle', bundle, sb.id()]);
    expect([r.stdout, r.stderr, r.code]).toEqual(['/secret\n1000\n', '', 0]);
    const sleeper = sb.bundle((c) => { c.process.args = ['sleep', '1000']; }, 'sleeper');
    fs.mkdirSync(path.join(sleeper, 'rootfs', 'secret'), { mode: 0o700 });
    fs.chmodSync(path.join(sleeper, 'rootfs', 'secret'), 0o700);
    const id = sb.id();
    sb.ok(['run', '--detach', '--bundle', sleeper, id]);
    const e = sb.run(['exec', '--cwd', '/secret', '-u', '1000:1000', id, 'sh', '-c', 'pwd; id -u; ls . 2>&1 | head -1']);
    expect([e.stdout, e.stderr, e.code]).toEqual(['/secret\n1000\nls: .: Permission denied\n', '', 0]);
    // A cwd that does not exist is still an error naming process.cwd.
    const bad = sb.run(['exec', '--cwd', '/nonexistent', id, 'true']);
    expect(bad.code).toBe(255);
    expect(bad.stderr).toMatch(/^tsrunc: process\.cwd: chdir to cwd \/nonexistent: ENOENT\n$/);
  });
});

// runc's setupUser: a process.env without HOME (or with an empty one) gets the user's home directory
// from the container's /etc/passwd, "/" when the uid has none; Kubernetes (containerd's CRI) leaves
// HOME to the runtime. runc's exec.bats "exec --env", "exec --user" and "check default home".
describeRoot('HOME', () => {
  let sb: Sandbox;
  beforeEach(() => { sb = new Sandbox(); });
  afterEach(() => sb.cleanup());
  test('run and exec: the home of the process user in the container\'s /etc/passwd, "/" without an entry; a HOME given is kept', () => {
    const bundle = sb.bundle((c) => {
      c.process.args = ['sleep', '1000'];
    });
    fs.appendFileSync(path.join(bundle, 'rootfs/etc/passwd'), 'tempuser:x:2000:2000:Temp User:/home/tempuser:/bin/sh\n');
    const id = sb.id();
    sb.ok(['run', '--detach', '--bundle', bundle, id]);
    expect(sb.run(['exec', id, 'sh', '-c', 'echo "[$HOME]"']).stdout).toBe('[/root]\n');
    expect(sb.run(['exec', '-u', '2000', id, 'sh', '-c', 'echo "[$HOME]"']).stdout).toBe('[/home/tempuser]\n');
    expect(sb.run(['exec', '-u', '1000', id, 'sh', '-u', '-c', 'echo "[$HOME]"']).stdout).toBe('[/]\n');
    expect(sb.run(['exec', '--env', 'HOME=/custom', '-u', '2000', id, 'sh', '-c', 'echo "[$HOME]"']).stdout).toBe('[/custom]\n');
    // An empty HOME is no HOME (Go's Getenv in runc): replaced, and only one HOME is left in the env.
    expect(sb.run(['exec', '--env', 'HOME=', '-u', '2000', id, 'sh', '-c', 'env | grep -c ^HOME=; echo "[$HOME]"']).stdout).toBe('1\n[/home/tempuser]\n');
    sb.ok(['delete', '--force', id]);

    const init = sb.bundle((c) => {
      c.process.user = { uid: 65534, gid: 65534 };
      c.process.args = ['sh', '-c', 'echo "[$HOME]"'];
    }, 'init');
    expect(sb.run(['run', '--bundle', init, sb.id()]).stdout).toBe('[/nonexistent]\n');
  });

  test('the env reaches the process as runc\'s prepareEnv makes it: each key once (its last entry, at that entry\'s place), HOME last', () => {
    const bundle = sb.bundle((c) => {
      c.process.env = ['ONE=two', 'HOME=', 'ONE=', 'PATH=/usr/bin:/bin', 'TERM=xterm'];
      c.process.args = ['env'];
    });
    expect(sb.run(['run', '--bundle', bundle, sb.id()]).stdout).toBe('ONE=\nPATH=/usr/bin:/bin\nTERM=xterm\nHOME=/root\n');
  });

  // The file is the image's, read by the runtime as root before the user change: whatever is there
  // must neither block the container's start nor be misread.
  test('a hostile /etc/passwd: a FIFO (would block an open without O_NONBLOCK), a directory, a line longer than any buffer hiding a forged entry', () => {
    const run = (prepare: (etc: string) => void) => {
      const bundle = sb.bundle((c) => {
        c.process.user = { uid: 65534, gid: 65534 };
        c.process.args = ['sh', '-c', 'echo "[$HOME]"'];
      });
      const etc = path.join(bundle, 'rootfs/etc');
      fs.rmSync(path.join(etc, 'passwd'));
      prepare(etc);
      // A run blocked on the FIFO takes no SIGTERM (forwarded to the init, which blocks signals until
      // its execve): SIGKILL, so that a regression fails here instead of hanging the suite.
      return sb.run(['run', '--bundle', bundle, sb.id()], { timeout: 10000, killSignal: 'SIGKILL' });
    };
    const fifo = run((etc) => { expect(spawnSync('mkfifo', [path.join(etc, 'passwd')]).status).toBe(0); });
    expect([fifo.stdout, fifo.signal]).toEqual(['[/]\n', null]);
    expect(run((etc) => fs.mkdirSync(path.join(etc, 'passwd'))).stdout).toBe('[/]\n');
    // The forged entry starts exactly where a 4096-byte buffer holding the line's start is full: read
    // as a line of its own, it would give /forged.
    const long = 'x'.repeat(4096) + 'forged:x:65534:0::/forged:/bin/sh' + 'y'.repeat(3000);
    const r = run((etc) => fs.writeFileSync(path.join(etc, 'passwd'), `root:x:0:0:root:/root:/bin/sh\n${long}:/tail\n  nobody:x:65534:65534:nobody:/real\t\n`));
    expect(r.stdout).toBe('[/real]\n');
  });
});
