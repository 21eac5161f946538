// Hooks: every kind, at its lifecycle point, in its namespace, with the state on stdin, args, env,
// timeout and the failure semantics of runtime.md.
import * as fs from 'fs';
import * as path from 'path';
import { Sandbox, assertNothingLeft, describeRoot, pidAlive } from '../helpers/runtime';

describeRoot('hooks', () => {
  let sb: Sandbox;
  let out: string;
  beforeEach(() => { sb = new Sandbox(); out = fs.mkdtempSync(path.join(sb.dir, 'hookout-')); });
  afterEach(() => sb.cleanup());

  /** A host script that saves its stdin, argv, env and namespaces under out/<name>. */
  function recorder(name: string, exitCode = 0): string {
    const file = path.join(sb.dir, `hook-${name}.sh`);
    fs.writeFileSync(file, `#!/bin/sh
cat > ${out}/${name}.state
echo "$1 $X" > ${out}/${name}.args
readlink /proc/self/ns/uts > ${out}/${name}.uts
readlink /proc/self/ns/pid > ${out}/${name}.pidns
exit ${exitCode}
`, { mode: 0o755 });
    return file;
  }

  test('each hook runs at its point with the state the lifecycle implies', () => {
    const startScript = '/bin/starthook.sh';
    const bundle = sb.bundle((c) => {
      c.process.args = ['sh', '-c', 'cat /tmp/started; sleep 1000'];
      c.root.readonly = false;
      c.hooks = {
        prestart: [{ path: recorder('prestart'), args: ['prestart-hook', 'a1'], env: ['X=1'] }],
        createRuntime: [{ path: recorder('createRuntime') }],
        createContainer: [{ path: recorder('createContainer') }],
        startContainer: [{ path: startScript }],
        poststart: [{ path: recorder('poststart') }],
        poststop: [{ path: recorder('poststop') }],
      };
    });
    // startContainer's path resolves in the container: a script inside the rootfs.
    fs.writeFileSync(path.join(bundle, 'rootfs', startScript.slice(1)), '#!/bin/sh\ncat > /tmp/started; echo >> /tmp/started; hostname >> /tmp/started\n', { mode: 0o755 });
    const id = sb.id();
    const hostUts = fs.readlinkSync('/proc/self/ns/uts');
    sb.ok(['create', '--bundle', bundle, id]);
    const pid = sb.state(id).pid;
    for (const h of ['prestart', 'createRuntime', 'createContainer']) {
      const st = JSON.parse(fs.readFileSync(path.join(out, `${h}.state`), 'utf8'));
      // runtime.md "State": a hook in the container namespace sees the pid as the container does.
      expect(st).toMatchObject({ id, pid: h === 'createContainer' ? 1 : pid, status: 'created', bundle });
    }
    expect(fs.readFileSync(path.join(out, 'createContainer.pidns'), 'utf8').trim()).toBe(fs.readlinkSync(`/proc/${pid}/ns/pid`));
    expect(fs.readFileSync(path.join(out, 'createRuntime.pidns'), 'utf8').trim()).toBe(fs.readlinkSync('/proc/self/ns/pid'));
    expect(fs.readFileSync(path.join(out, 'prestart.args'), 'utf8')).toBe('a1 1\n');
    expect(fs.readFileSync(path.join(out, 'prestart.uts'), 'utf8').trim()).toBe(hostUts);
    expect(fs.readFileSync(path.join(out, 'createRuntime.uts'), 'utf8').trim()).toBe(hostUts);
    // createContainer runs in the container's namespaces
    expect(fs.readFileSync(path.join(out, 'createContainer.uts'), 'utf8').trim()).toBe(fs.readlinkSync(`/proc/${pid}/ns/uts`));
    expect(fs.existsSync(path.join(out, 'poststart.state'))).toBe(false);

    sb.ok(['start', id]);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'poststart.state'), 'utf8'))).toMatchObject({ id, status: 'running' });
    const started = fs.readFileSync(path.join(bundle, 'rootfs', 'tmp', 'started'), 'utf8').split('\n');
    expect(JSON.parse(started[0])).toMatchObject({ id, pid: 1, status: 'created' });
    expect(started[1]).toBe('tsrunc'); // ran in the container's UTS namespace, after sethostname

    expect(fs.existsSync(path.join(out, 'poststop.state'))).toBe(false);
    sb.ok(['delete', '--force', id]);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'poststop.state'), 'utf8'))).toMatchObject({ id, status: 'stopped' });
    expect(pidAlive(pid)).toBe(false);
  });

  test('a failing createRuntime hook fails create, leaves nothing, and poststop still runs', () => {
    const bundle = sb.bundle((c) => {
      c.process.args = ['sleep', '1000'];
      c.hooks = { createRuntime: [{ path: recorder('bad', 3) }], poststop: [{ path: recorder('poststop') }] };
    });
    const id = sb.id();
    const r = sb.run(['create', '--bundle', bundle, id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/hooks\.createRuntime\[0\]: error running createRuntime hook #0: hook .* exited with status 3/);
    assertNothingLeft(id, sb.root);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'poststop.state'), 'utf8')).status).toBe('stopped');
  });

  test.each(['startContainer', 'poststart'])('a failing %s hook fails start, destroys the container and runs poststop', (point) => {
    const bundle = sb.bundle((c) => {
      c.process.args = ['sleep', '1000'];
      // startContainer's path resolves in the container: busybox's false is there.
      c.hooks = { [point]: [{ path: point === 'startContainer' ? '/bin/false' : recorder('bad', 3) }], poststop: [{ path: recorder('poststop') }] };
    });
    const id = sb.id();
    sb.ok(['create', '--bundle', bundle, id]);
    const pid = sb.state(id).pid;
    const r = sb.run(['start', id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`hooks\\.${point}\\[0\\]`));
    expect(JSON.parse(fs.readFileSync(path.join(out, 'poststop.state'), 'utf8'))).toMatchObject({ id, status: 'stopped' });
    expect(pidAlive(pid)).toBe(false);
    expect(sb.run(['state', id]).code).not.toBe(0);
    assertNothingLeft(id, sb.root);
  });

  test('a hook that exceeds its timeout is killed and fails create', () => {
    const slow = path.join(sb.dir, 'slow.sh');
    fs.writeFileSync(slow, '#!/bin/sh\nsleep 30\n', { mode: 0o755 });
    const bundle = sb.bundle((c) => { c.hooks = { prestart: [{ path: slow, timeout: 1 }] }; });
    const id = sb.id();
    const t0 = Date.now();
    const r = sb.run(['create', '--bundle', bundle, id]);
    expect(Date.now() - t0).toBeLessThan(15000);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/hooks\.prestart\[0\]: error running prestart hook #0: hook .* timed out after 1s/);
    assertNothingLeft(id, sb.root);
  });

  // Issue 9.6: the state of the in-container hooks once went through /tmp/.tsrunc-hook-<pid>-<ms>,
  // written by the runtime following symlinks: a name someone else could pre-create or redirect.
  test('in-container hooks read the state from a memfd: nothing is made under TMPDIR, even a redirected one', () => {
    const victim = fs.mkdtempSync(path.join(sb.dir, 'victim-'));
    const tmpdir = path.join(sb.dir, 'tmplink');
    fs.symlinkSync(victim, tmpdir); // the attacker's redirection of the runtime's TMPDIR
    const mtime = fs.statSync(victim).mtimeMs;
    const record = (name: string, dir: string) => ({ path: '/bin/sh', args: ['sh', '-c', `readlink /proc/self/fd/0 > ${dir}/${name}.stdin; cat > ${dir}/${name}.state`] });
    const bundle = sb.bundle((c) => {
      c.process.args = ['sh', '-c', 'cat /tmp/startContainer.stdin /tmp/startContainer.state'];
      c.root.readonly = false;
      // createContainer resolves before pivot_root (the host's files); startContainer in the container.
      c.hooks = { createContainer: [record('createContainer', out)], startContainer: [record('startContainer', '/tmp')] };
    });
    const id = sb.id();
    const r = sb.run(['run', '--bundle', bundle, id], { env: { ...process.env, TMPDIR: tmpdir } });
    expect(r.stderr).toBe('');
    const [stdin, state] = r.stdout.split('\n');
    expect(stdin).toMatch(/^\/memfd:tsrunc-hook-state/);
    expect(JSON.parse(state)).toMatchObject({ id, pid: 1, status: 'created' });
    expect(fs.readFileSync(path.join(out, 'createContainer.stdin'), 'utf8')).toMatch(/^\/memfd:tsrunc-hook-state/);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'createContainer.state'), 'utf8'))).toMatchObject({ id, pid: 1, status: 'created' });
    expect(fs.readdirSync(victim)).toEqual([]);
    expect(fs.statSync(victim).mtimeMs).toBe(mtime); // not even made and removed again
    assertNothingLeft(id, sb.root);
  });

  // runc's standard_init_linux.go: the init runs the startContainer hooks after the exec fifo, as the
  // container's user, with its capabilities, under its seccomp filter (loaded before, with or without
  // noNewPrivileges), with the process's env when the hook has none (runc 1.3+).
  test.each([[true], [false]])('startContainer hooks run as the container process, under its seccomp filter (noNewPrivileges %s)', (nnp) => {
    const bundle = sb.bundle((c) => {
      c.process.args = ['cat', '/tmp/hook-result'];
      c.process.user = { uid: 1000, gid: 1000 };
      c.process.noNewPrivileges = nnp;
      c.process.env = [...c.process.env, 'FROM_PROCESS=no', 'FROM_PROCESS=yes'];
      c.root.readonly = false;
      c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] };
      c.hooks = { startContainer: [{ path: '/bin/sh', args: ['sh', '-c', '{ mkdir /tmp/byhook 2>/dev/null && echo mkdir-allowed || echo mkdir-denied; id -u; grep CapEff /proc/self/status; echo "env=$FROM_PROCESS home=$HOME"; env | grep -c ^FROM_PROCESS=; } > /tmp/hook-result'] }] };
    });
    fs.chmodSync(path.join(bundle, 'rootfs', 'tmp'), 0o1777);
    const id = sb.id();
    const r = sb.run(['run', '--bundle', bundle, id]);
    expect(r.stderr).toBe('');
    // The process's env as execve gets it (runc's prepareEnv, then SetDefaultEnv): each key once, and
    // HOME from /etc/passwd ("/" for uid 1000, which has no entry).
    expect(r.stdout).toBe('mkdir-denied\n1000\nCapEff:\t0000000000000000\nenv=yes home=/\n1\n');
    assertNothingLeft(id, sb.root);
  });

  test('a startContainer hook past its timeout is killed and fails start; a failing createContainer hook fails create with its output', () => {
    const bundle = sb.bundle((c) => {
      c.process.args = ['sleep', '1000'];
      c.hooks = { startContainer: [{ path: '/bin/sleep', args: ['sleep', '30'], timeout: 1 }], poststop: [{ path: recorder('poststop') }] };
    });
    const id = sb.id();
    sb.ok(['create', '--bundle', bundle, id]);
    const t0 = Date.now();
    const r = sb.run(['start', id]);
    expect(Date.now() - t0).toBeLessThan(15000);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/hooks\.startContainer\[0\]: error running startContainer hook #0: hook \/bin\/sleep timed out after 1s/);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'poststop.state'), 'utf8'))).toMatchObject({ id, status: 'stopped' });
    assertNothingLeft(id, sb.root);

    const bad = sb.bundle((c) => { c.hooks = { createContainer: [{ path: '/bin/sh', args: ['sh', '-c', 'echo oops; exit 3'] }] }; }, 'bad');
    const id2 = sb.id();
    const r2 = sb.run(['create', '--bundle', bad, id2]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/hooks\.createContainer\[0\]: error running createContainer hook #0: hook \/bin\/sh exited with status 3: oops/);
    assertNothingLeft(id2, sb.root);
  });

  test('a failing poststop hook is only a warning', () => {
    const bundle = sb.bundle((c) => { c.hooks = { poststop: [{ path: recorder('pstop', 1) }] }; });
    const id = sb.id();
    sb.ok(['create', '--bundle', bundle, id]);
    const r = sb.run(['delete', '--force', id]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning/);
    assertNothingLeft(id, sb.root);
  });

  test('a hook path that does not exist is an error naming the hook, before anything is made', () => {
    const bundle = sb.bundle((c) => { c.hooks = { prestart: [{ path: '/no/such/hook' }] }; });
    const id = sb.id();
    const r = sb.run(['create', '--bundle', bundle, id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/hooks\.prestart\[0\]\.path: hook executable \/no\/such\/hook does not exist/);
    assertNothingLeft(id, sb.root);
  });
});
