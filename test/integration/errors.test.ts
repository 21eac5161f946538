// Bad input: a one-line error naming the field or argument, exit 1, and nothing left behind
// (no state dir, cgroup, process, fifo or mount).
import * as fs from 'fs';
import * as path from 'path';
import { Sandbox, assertNothingLeft, containerProcesses, describeRoot, processesWithArg } from '../helpers/runtime';
import { defaultSpec } from '../../src/spec/default';

/** The index of a mount a test pushes after the template's own (`tsrunc spec`) mounts. */
const PUSHED = defaultSpec().mounts!.length;

describeRoot('bad input leaves nothing behind', () => {
  let sb: Sandbox;
  beforeEach(() => { sb = new Sandbox(); });
  afterEach(() => sb.cleanup());

  function expectCreateFails(bundle: string, pattern: RegExp, id = sb.id()): void {
    const marker = path.basename(bundle);
    const r = sb.run(['create', '--bundle', bundle, id]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(pattern);
    assertNothingLeft(id, sb.root);
    expect(processesWithArg(marker)).toEqual([]);
    expect(containerProcesses(id, bundle)).toEqual([]);
  }

  test('invalid JSON', () => {
    const b = sb.bundle();
    fs.writeFileSync(path.join(b, 'config.json'), '{"ociVersion": "1.0.0",');
    expectCreateFails(b, /config\.json: invalid JSON/);
  });

  test('a relative mount destination is taken relative to "/", with runc\'s warning (config.md "Mounts", deprecated)', () => {
    const b = sb.bundle((c) => {
      c.mounts.push({ destination: 'rel/dir', type: 'tmpfs', source: 'tmpfs' });
      c.process.args = ['sh', '-c', 'grep -c " /rel/dir tmpfs " /proc/self/mounts'];
    });
    const r = sb.run(['run', '--bundle', b, sb.id()]);
    expect([r.code, r.stdout.trim()]).toEqual([0, '1']);
    expect(r.stderr).toMatch(/mount destination rel\/dir is not absolute/);
  });

  test('an unknown capability is ignored with a warning, not an error (config.md "Linux process", runc 1.2+)', () => {
    const b = sb.bundle((c) => {
      c.process.capabilities.bounding.push('CAP_NOPE');
      c.process.args = ['sh', '-c', 'grep CapBnd /proc/self/status'];
    });
    const r = sb.run(['run', '--bundle', b, sb.id()]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/process\.capabilities: ignoring unknown capabilities: \[CAP_NOPE\]/);
    expect(r.stdout).toMatch(/CapBnd:\s+[0-9a-f]+/);
  });

  // runc 1.2+ (capabilities.bats "ambient caps not set in inheritable result in a warning"): the
  // kernel raises an ambient capability only if it is permitted and inheritable; each other one is a
  // warning in runc's words, and the process runs without it.
  test('an ambient capability that is not also inheritable is a warning, and not raised', () => {
    const b = sb.bundle((c) => {
      c.process.capabilities.inheritable = ['CAP_KILL'];
      c.process.capabilities.ambient = ['CAP_KILL', 'CAP_CHOWN'];
      c.process.args = ['sh', '-c', 'grep CapAmb /proc/self/status'];
    });
    const r = sb.run(['run', '--bundle', b, sb.id()]);
    expect(r.code).toBe(0);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringContaining("process.capabilities.ambient: can't raise ambient capability CAP_CHOWN: operation not permitted")]);
    expect(r.stdout).toBe('CapAmb:\t0000000000000020\n');
  });

  test('schema violation names the field', () => {
    expectCreateFails(sb.bundle((c) => { c.mounts[1].destination = 42; }), /mounts\[1\]\.destination/);
    expectCreateFails(sb.bundle((c) => { delete c.process.cwd; }), /process\.cwd/);
    expectCreateFails(sb.bundle((c) => { c.linux.namespaces.push({ type: 'bogus' }); }), /linux\.namespaces\[5\]\.type/);
  });

  test('semantic errors name the field', () => {
    expectCreateFails(sb.bundle((c) => { c.process.cwd = 'relative'; }), /process\.cwd: .*absolute/);
    expectCreateFails(sb.bundle((c) => { c.mounts.push({ destination: '/rel/../../x', type: 'tmpfs', source: 'tmpfs' }); }), new RegExp(`mounts\\[${PUSHED}\\]\\.destination`));
    expectCreateFails(sb.bundle((c) => { c.linux.devices = [{ path: '/etc/evil', type: 'c', major: 1, minor: 3 }]; }), /linux\.devices\[0\]\.path/);
    expectCreateFails(sb.bundle((c) => { c.linux.sysctl = { 'kernel.panic': '1' }; }), /linux\.sysctl\.kernel\.panic/);
    const userns = (c: any, uid: unknown[], gid: unknown[]) => {
      c.linux.namespaces.push({ type: 'user' });
      c.linux.uidMappings = uid;
      c.linux.gidMappings = gid;
    };
    const ok = [{ containerID: 0, hostID: 100000, size: 65536 }];
    expectCreateFails(sb.bundle((c) => userns(c, [{ containerID: 0, hostID: 100000, size: 1000 }, { containerID: 500, hostID: 300000, size: 10 }], ok)),
      /^tsrunc: linux\.uidMappings\[1\]\.containerID: container ids 500-509 overlap linux\.uidMappings\[0\] \(0-999\)/);
    expectCreateFails(sb.bundle((c) => userns(c, ok, [{ containerID: 0, hostID: 100000, size: 10 }, { containerID: 10, hostID: 100005, size: 10 }])),
      /^tsrunc: linux\.gidMappings\[1\]\.hostID: host ids 100005-100014 overlap/);
    expectCreateFails(sb.bundle((c) => userns(c, ok, [])), /^tsrunc: linux\.gidMappings: a new user namespace needs mappings/);
    expectCreateFails(sb.bundle((c) => userns(c, [{ containerID: 0, hostID: 100000, size: 0 }], ok)), /^tsrunc: linux\.uidMappings\[0\]\.size: size must be at least 1/);
    expectCreateFails(sb.bundle((c) => { c.mounts.push({ destination: '/m', type: 'bind', source: '/tmp', options: ['rbind'], uidMappings: [{ containerID: 0, hostID: 1, size: 4294967295 }], gidMappings: ok }); }),
      new RegExp(`^tsrunc: mounts\\[${PUSHED}\\]\\.uidMappings\\[0\\]\\.size: hostID 1 \\+ size 4294967295 passes the 32-bit id range`));
  });

  test('unsupported ociVersion major; any 1.x accepted', () => {
    expectCreateFails(sb.bundle((c) => { c.ociVersion = '2.0.0'; }), /ociVersion: unsupported spec version 2\.0\.0/);
    for (const v of ['1.0.0', '1.0.2-dev', '1.1.0', '1.2.1', '1.3.0']) {
      const id = sb.id();
      sb.ok(['create', '--bundle', sb.bundle((c) => { c.ociVersion = v; }), id]);
      sb.ok(['delete', '--force', id]);
    }
  });

  test('missing rootfs', () => {
    const b = sb.bundle();
    fs.rmSync(path.join(b, 'rootfs'), { recursive: true });
    expectCreateFails(b, /root\.path: rootfs \(.*\) does not exist/);
  });

  test('missing executable is reported by create, like runc', () => {
    expectCreateFails(sb.bundle((c) => { c.process.args = ['no-such-binary']; }), /executable file not found in \$PATH/);
    // runc's wording, which podman and dockerd match to exit with 127 (not found) or 126 (denied).
    expectCreateFails(sb.bundle((c) => { c.process.args = ['/bin/nope']; }), /^tsrunc: process\.args\[0\]: exec: "\/bin\/nope": stat \/bin\/nope: no such file or directory\n$/);
    expectCreateFails(sb.bundle((c) => { c.process.args = ['nope']; }), /^tsrunc: process\.args\[0\]: exec: "nope": executable file not found in \$PATH\n$/);
    expectCreateFails(sb.bundle((c) => { c.process.args = ['/etc/passwd']; }), /^tsrunc: process\.args\[0\]: exec: "\/etc\/passwd": permission denied\n$/);
    expectCreateFails(sb.bundle((c) => { c.process.args = ['/bin']; }), /^tsrunc: process\.args\[0\]: exec: "\/bin": is a directory\n$/);
  });

  // The execve itself fails after `start` (run) or in exec: a script whose interpreter is missing.
  // runc's words ("exec /run.sh: no such file or directory", its run.bats and exec.bats "[execve
  // error]"), which dockerd and podman match to exit with 127; not "errno 2" or "ENOENT".
  test('an execve that fails (a script without its interpreter): runc\'s words, from run and from exec', () => {
    const withScript = (args: string[]) => (c: any) => { c.process.args = args; };
    const bundle = sb.bundle(withScript(['/run.sh']));
    fs.writeFileSync(path.join(bundle, 'rootfs/run.sh'), '#!/no/such/interpreter\n', { mode: 0o755 });
    const id = sb.id();
    const r = sb.run(['run', '--bundle', bundle, id]);
    expect([r.code, r.stderr]).toEqual([1, 'tsrunc: process.args: exec /run.sh: no such file or directory\n']);
    sb.ok(['delete', '--force', id]);
    const sleeper = sb.bundle(withScript(['sleep', '1000']), 'sleeper');
    fs.writeFileSync(path.join(sleeper, 'rootfs/run.sh'), '#!/no/such/interpreter\n', { mode: 0o755 });
    const running = sb.id();
    sb.ok(['run', '--detach', '--bundle', sleeper, running]);
    const e = sb.run(['exec', running, '/run.sh']);
    expect([e.code, e.stderr]).toEqual([255, 'tsrunc: process.args: exec /run.sh: no such file or directory\n']);
    sb.ok(['delete', '--force', running]);
    assertNothingLeft(id, sb.root);
  });

  test('a mount that fails in the child names the mount and the errno', () => {
    expectCreateFails(sb.bundle((c) => { c.mounts.push({ destination: '/x', type: 'nosuchfs', source: 'none' }); }), new RegExp(`mounts\\[${PUSHED}\\]: mount on /x: ENODEV`));
  });

  test('invalid and duplicate ids', () => {
    const b = sb.bundle();
    for (const bad of ['../x', 'a/b', '..']) {
      const r = sb.run(['create', '--bundle', b, bad]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/invalid container id/);
    }
    const empty = sb.run(['create', '--bundle', b, '']);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/container id cannot be empty/);
    const id = sb.id();
    sb.ok(['create', '--bundle', b, id]);
    const dup = sb.run(['create', '--bundle', b, id]);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(`container with id exists: ${id}`);
    expect(sb.state(id).status).toBe('created'); // the failed duplicate did not touch the original
    expect(fs.readdirSync(sb.root)).toEqual([id]);
  });

  test('unknown container id for every command', () => {
    for (const args of [['start', 'nope'], ['state', 'nope'], ['kill', 'nope', 'KILL'], ['delete', 'nope']]) {
      const r = sb.run(args);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/container nope does not exist/);
    }
  });

  test('a container directory that cannot be opened is that error, naming it: not "does not exist"', () => {
    // issue 10: only ENOENT means "does not exist" (containerd treats that as "already gone"). As
    // root EACCES cannot be provoked; a symlink loop (ELOOP) takes the same path.
    fs.mkdirSync(sb.root, { recursive: true });
    fs.symlinkSync('loop', path.join(sb.root, 'loop'));
    for (const args of [['state', 'loop'], ['delete', 'loop'], ['delete', '--force', 'loop']]) {
      const r = sb.run(args);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`tsrunc: --root: cannot open the state directory ${path.join(sb.root, 'loop')}: open: ELOOP\n`);
    }
    fs.unlinkSync(path.join(sb.root, 'loop'));
  });

  test('usage errors: unknown flag, missing argument, unknown command', () => {
    const a = sb.run(['create', '--bogus', 'x']);
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/flag provided but not defined: -bogus/);
    const b = sb.run(['start']);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/"start" requires exactly 1 argument/);
    const c = sb.run(['frobnicate']);
    expect(c.code).toBe(1);
  });

  test('terminal: true is a clear error for now', () => {
    expectCreateFails(sb.bundle((c) => { c.process.terminal = true; }), /process\.terminal/);
  });
});
