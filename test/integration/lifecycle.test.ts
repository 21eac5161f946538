// create / start / state / kill / delete / list, as a user and containerd run them.
import * as fs from 'fs';
import * as path from 'path';
import { Sandbox, assertNothingLeft, cgroupDirsOf, describeRoot, pidAlive, waitFor } from '../helpers/runtime';

describeRoot('container lifecycle', () => {
  let sb: Sandbox;
  beforeEach(() => { sb = new Sandbox(); });
  afterEach(() => sb.cleanup());

  test('create, start, state, kill, delete', async () => {
    const bundle = sb.bundle((c) => { c.process.args = ['sleep', '1000']; c.annotations = { 'org.example.key': 'value' }; });
    const id = sb.id();
    const pidFile = path.join(sb.dir, 'init.pid');
    sb.ok(['create', '--bundle', bundle, '--pid-file', pidFile, id]);

    // pid file: bare digits, no newline (containerd parses it with strconv.Atoi)
    const pidText = fs.readFileSync(pidFile, 'utf8');
    expect(pidText).toMatch(/^\d+$/);
    const pid = Number(pidText);
    expect(pidAlive(pid)).toBe(true);

    let st = sb.state(id);
    expect(Object.keys(st).sort()).toEqual(['annotations', 'bundle', 'created', 'id', 'ociVersion', 'owner', 'pid', 'rootfs', 'status'].sort());
    expect(st).toMatchObject({ id, pid, status: 'created', bundle, rootfs: path.join(bundle, 'rootfs'), ociVersion: '1.3.0', annotations: { 'org.example.key': 'value' } });
    expect(new Date(st.created).toISOString()).toBe(st.created);
    expect(fs.existsSync(path.join(sb.root, id, 'exec.fifo'))).toBe(true);
    // The init sits in the container's own cgroup.
    expect(cgroupDirsOf(id).length).toBeGreaterThan(0);
    const cg = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    expect(cg).toContain(id);

    sb.ok(['start', id]);
    st = sb.state(id);
    expect(st.status).toBe('running');
    expect(fs.existsSync(path.join(sb.root, id, 'exec.fifo'))).toBe(false);
    // /proc/PID/exe is now the container's program, not the runtime
    expect(fs.readlinkSync(`/proc/${pid}/exe`)).not.toMatch(/tsrunc/);

    sb.ok(['kill', id, 'KILL']);
    await waitFor(() => sb.state(id).status === 'stopped', 5000, 'stopped');
    expect(sb.state(id).pid).toBe(0);

    sb.ok(['delete', id]);
    assertNothingLeft(id, sb.root);
    expect(pidAlive(pid)).toBe(false);
    const gone = sb.run(['state', id]);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toMatch(/does not exist/);
  });

  test('kill accepts signal names and numbers; default is SIGTERM', async () => {
    const bundle = sb.bundle((c) => { c.process.args = ['sh', '-c', 'trap "exit 0" TERM; trap "" HUP; while true; do sleep 0.05; done']; });
    const id = sb.id();
    sb.ok(['run', '--detach', '--bundle', bundle, id]);
    sb.ok(['kill', id, 'SIGHUP']);
    sb.ok(['kill', id, '1']);
    sb.ok(['kill', id, 'hup']);
    expect(sb.state(id).status).toBe('running');
    sb.ok(['kill', id]);
    await waitFor(() => sb.state(id).status === 'stopped', 5000, 'SIGTERM to stop it');
    const again = sb.run(['kill', id, '9']);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/container not running/);
    const bad = sb.run(['kill', id, 'SIGNOPE']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/unknown signal "SIGNOPE"/);
  });

  test('kill <id> 0 is a liveness probe: 0 while the init lives, "container not running" after (runc)', async () => {
    const bundle = sb.bundle((c) => { c.process.args = ['sleep', '1000']; });
    const id = sb.id();
    sb.ok(['run', '--detach', '--bundle', bundle, id]);
    sb.ok(['kill', id, '0']);
    sb.ok(['kill', '--all', id, '0']);
    expect(sb.state(id).status).toBe('running');
    sb.ok(['kill', id, 'KILL']);
    await waitFor(() => sb.state(id).status === 'stopped', 5000, 'SIGKILL to stop it');
    const dead = sb.run(['kill', id, '0']);
    expect(dead.code).toBe(1);
    expect(dead.stderr).toMatch(/container not running/);
  });

  // runc 1.2+ (runc#4047, its kill.bats "kill KILL [host pidns]" and "[host pidns + init gone]"):
  // without a PID namespace of its own, the init's death takes nobody with it, so SIGKILL goes to
  // every process in the container's cgroup, and succeeds even once the init is gone.
  for (const initGone of [false, true]) {
    test(`kill KILL of a container in the host PID namespace kills every process in it${initGone ? ', after its init died' : ''}`, async () => {
      const bundle = sb.bundle((c) => {
        c.process.args = ['sleep', '1000'];
        c.linux.namespaces = c.linux.namespaces.filter((n: { type: string }) => n.type !== 'pid');
      });
      const id = sb.id();
      sb.ok(['run', '--detach', '--bundle', bundle, id]);
      const init = sb.state(id).pid;
      for (let i = 0; i < 3; i++) sb.ok(['exec', '--detach', id, 'sleep', '1000']);
      // Every process of the container, from its cgroup (a container without its own PID namespace
      // has no process list of its own).
      const procs = cgroupDirsOf(id).find((d) => d.includes('/pids/')) ?? cgroupDirsOf(id)[0];
      const all = fs.readFileSync(path.join(procs!, 'cgroup.procs'), 'utf8').trim().split('\n').map(Number);
      expect(all).toHaveLength(4);
      if (initGone) {
        process.kill(init, 'SIGKILL');
        await waitFor(() => !pidAlive(init), 5000, 'the init to be gone');
        expect(sb.state(id).status).toBe('stopped');
      }
      sb.ok(['kill', id, 'KILL']);
      await waitFor(() => all.every((p) => !pidAlive(p)), 5000, 'every process of the container to be gone');
      expect(sb.state(id).status).toBe('stopped');
      // Other signals still go to the init alone, and to a stopped container they are an error.
      expect(sb.run(['kill', id, 'TERM']).stderr).toBe('tsrunc: container not running\n');
      sb.ok(['delete', id]);
      assertNothingLeft(id, sb.root);
    });
  }

  test('kill without a signal sends the org.opencontainers.image.stopSignal annotation\'s signal', async () => {
    const bundle = sb.bundle((c) => {
      c.process.args = ['sh', '-c', 'trap "" TERM; trap "exit 0" USR1; while true; do sleep 0.05; done'];
      c.annotations = { 'org.opencontainers.image.stopSignal': 'SIGUSR1' };
    });
    const id = sb.id();
    sb.ok(['run', '--detach', '--bundle', bundle, id]);
    sb.ok(['kill', id]);
    await waitFor(() => sb.state(id).status === 'stopped', 5000, 'SIGUSR1 (the stop signal) to stop it');
  });

  test('a config without process can be created; start then fails naming it and stops the container', () => {
    const bundle = sb.bundle((c) => { delete c.process; });
    const id = sb.id();
    sb.ok(['create', '--bundle', bundle, id]);
    expect(sb.state(id).status).toBe('created');
    const r = sb.run(['start', id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^tsrunc: process: process was not set/);
    expect(sb.state(id).status).toBe('stopped');
    sb.ok(['delete', id]);
    assertNothingLeft(id, sb.root);
  });

  test('delete refuses a running container without --force, removes it with --force', () => {
    const bundle = sb.bundle((c) => { c.process.args = ['sleep', '1000']; });
    const id = sb.id();
    sb.ok(['run', '-d', '--bundle', bundle, id]);
    const pid = sb.state(id).pid;
    const r = sb.run(['delete', id]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(`cannot delete container ${id} that is not stopped: running`);
    expect(pidAlive(pid)).toBe(true);
    sb.ok(['delete', '--force', id]);
    expect(pidAlive(pid)).toBe(false);
    assertNothingLeft(id, sb.root);
  });

  test('delete of a created (never started) container kills its init, as runc does', () => {
    const bundle = sb.bundle();
    const id = sb.id();
    sb.ok(['create', '--bundle', bundle, id]);
    const pid = sb.state(id).pid;
    sb.ok(['delete', id]);
    expect(pidAlive(pid)).toBe(false);
    assertNothingLeft(id, sb.root);
  });

  test('delete --force of an unknown container succeeds; without --force it fails', () => {
    expect(sb.run(['delete', '--force', 'no-such-container']).code).toBe(0);
    const r = sb.run(['delete', 'no-such-container']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/container no-such-container does not exist/);
  });

  test('start twice: the second fails with runc\'s text', () => {
    const bundle = sb.bundle((c) => { c.process.args = ['sleep', '1000']; });
    const id = sb.id();
    sb.ok(['create', '--bundle', bundle, id]);
    sb.ok(['start', id]);
    const r = sb.run(['start', id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot start an already running container/);
  });

  test('start reports a program that cannot be exec\'d, and the container is stopped', () => {
    // Found at create time in PATH, but not executable by the kernel (ENOEXEC).
    const bundle = sb.bundle((c) => { c.process.args = ['/bin/notreally']; });
    fs.writeFileSync(path.join(bundle, 'rootfs', 'bin', 'notreally'), 'garbage', { mode: 0o755 });
    const id = sb.id();
    sb.ok(['create', '--bundle', bundle, id]);
    const r = sb.run(['start', id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/exec/);
    expect(sb.state(id).status).toBe('stopped');
  });

  test('list: table, json and quiet', () => {
    const bundle = sb.bundle((c) => { c.process.args = ['sleep', '1000']; });
    const a = sb.id('a'), b = sb.id('b');
    sb.ok(['create', '--bundle', bundle, a]);
    sb.ok(['run', '-d', '--bundle', bundle, b]);
    const table = sb.ok(['list']).stdout.trim().split('\n');
    expect(table[0]).toMatch(/^ID\s+PID\s+STATUS\s+BUNDLE\s+CREATED\s+OWNER$/);
    expect(table.slice(1).map((l) => l.split(/\s+/).slice(0, 3)[2])).toEqual(['created', 'running']);
    const json = JSON.parse(sb.ok(['list', '--format', 'json']).stdout);
    expect(json.map((c: any) => [c.id, c.status])).toEqual([[a, 'created'], [b, 'running']]);
    expect(sb.ok(['list', '-q']).stdout).toBe(`${a}\n${b}\n`);
    expect(sb.run(['list', '--format', 'yaml']).stderr).toMatch(/--format/);
  });

  test('state.json snapshot: editing config.json after create changes nothing', () => {
    const bundle = sb.bundle((c) => { c.process.args = ['sh', '-c', 'echo $MARK > /tmp/mark; sleep 1000']; c.process.env.push('MARK=original'); c.root.readonly = false; });
    const id = sb.id();
    sb.ok(['create', '--bundle', bundle, id]);
    const file = path.join(bundle, 'config.json');
    const c = JSON.parse(fs.readFileSync(file, 'utf8'));
    c.annotations = { changed: 'yes' };
    fs.writeFileSync(file, JSON.stringify(c));
    sb.ok(['start', id]);
    expect(sb.state(id).annotations).toBeUndefined();
  });

  test('global flags: --log with --log-format json gets one JSON object per line', () => {
    const log = path.join(sb.dir, 'log.json');
    const r = sb.run(['--log', log, '--log-format', 'json', 'state', 'nope']);
    expect(r.code).toBe(1);
    // The error is logged and also printed on stderr, bare, as runc's fatal() does (clients parse it).
    expect(r.stderr).toBe('container nope does not exist\n');
    const lines = fs.readFileSync(log, 'utf8').trim().split('\n');
    const last = JSON.parse(lines[lines.length - 1]);
    expect(last.level).toBe('error');
    expect(last.msg).toMatch(/container nope does not exist/);
    expect(last.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
  });

  test('--systemd-cgroup on a host without systemd: a clear error, nothing left behind (the driver itself is tested in the VM, test/vm/)', () => {
    if (fs.existsSync('/run/systemd/system')) return; // a systemd host: the VM tests cover it
    const id = sb.id();
    const sys = sb.run(['--systemd-cgroup', 'run', '--bundle', sb.bundle(), id]);
    expect(sys.code).toBe(1);
    expect(sys.stderr).toMatch(/--systemd-cgroup: the systemd cgroup driver needs systemd, and systemd is not running on this host \(no \/run\/systemd\/system\)/);
    expect(fs.existsSync(path.join(sb.root, id))).toBe(false);
    expect(sb.run(['--systemd-cgroup', 'state', id]).stderr).toMatch(/does not exist/);
  });

  test('--version has runc\'s shape', () => {
    const out = sb.ok(['--version'], { root: false }).stdout.split('\n');
    expect(out[0]).toMatch(/^tsrunc version \d+\.\d+\.\d+/);
    expect(out).toContain('spec: 1.3.0');
    expect(out.some((l) => l.startsWith('commit: '))).toBe(true);
  });

  test('a second command on the same container waits for the lock instead of racing', async () => {
    const bundle = sb.bundle((c) => { c.process.args = ['sleep', '1000']; });
    const id = sb.id();
    sb.ok(['run', '-d', '--bundle', bundle, id]);
    // Concurrent deletes: exactly one does the work, the others see it gone or succeed (--force).
    const rs = await Promise.all([0, 1, 2, 3].map(() => sb.runAsync(['delete', '--force', id])));
    expect(rs.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    assertNothingLeft(id, sb.root);
  });
});
