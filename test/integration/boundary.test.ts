// The security boundary, attack by attack (runc's CVE history as the checklist). Each test is the
// attack itself, run from inside a container (or from a hostile image/config), and checks that it
// no longer reaches the host. The README's "Security" section maps each class to its test.
import { createHash } from 'crypto';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { REPO, Sandbox, assertNothingLeft, chownTree, describeRoot } from '../helpers/runtime';

const PROBE_SOURCE = path.join(REPO, 'test', 'helpers', 'probe.c');
const ALL_CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SYS_ADMIN', 'CAP_SYS_PTRACE', 'CAP_SYS_CHROOT', 'CAP_AUDIT_WRITE'];

/** Compile the probe (test/helpers/probe.c) statically into `rootfs` as /probe. */
function installProbe(rootfs: string): void {
  const r = spawnSync('gcc', ['-static', '-O2', '-o', path.join(rootfs, 'probe'), PROBE_SOURCE], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gcc failed: ${r.stderr}`);
}

/** A user namespace mapping container root to host uid/gid 100000, the rootfs owned by it. */
function userns(c: any): void {
  c.linux.namespaces.push({ type: 'user' });
  c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
}

function caps(c: any, list: string[]): void {
  for (const k of ['bounding', 'effective', 'permitted']) c.process.capabilities[k] = [...list];
  c.process.capabilities.ambient = [];
}

const sha256 = (f: string) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');

/** The CVE-2019-5736 set-up: a copy of the executable (the attack appends to what it opens) with the
 * given mode, a command to run it, its hash now, and a directory shared with the container. */
function binaryCopy(sb: Sandbox, mode: number) {
  const bin = path.join(sb.dir, 'bin'), shared = path.join(sb.dir, 'shared');
  fs.mkdirSync(bin);
  fs.mkdirSync(shared);
  fs.copyFileSync(path.join(REPO, 'tsrunc'), path.join(bin, 'tsrunc'));
  fs.copyFileSync(path.join(REPO, 'tsrunc.node'), path.join(bin, 'tsrunc.node'));
  fs.copyFileSync(path.join(REPO, 'tsrunc-init'), path.join(bin, 'tsrunc-init'));
  fs.chmodSync(path.join(bin, 'tsrunc'), mode);
  fs.chmodSync(path.join(bin, 'tsrunc-init'), mode);
  const exe = path.join(bin, 'tsrunc');
  // Both programs a container process could have been: the runtime and the init helper it runs.
  const hash = () => sha256(exe) + sha256(path.join(bin, 'tsrunc-init'));
  const tsrunc = (args: string[]) => spawnSync(exe, ['--root', sb.root, ...args], { encoding: 'utf8', timeout: 30000, stdio: ['ignore', 'ignore', 'pipe'] });
  const result = path.join(shared, 'result');
  const waitResult = (ms: number) => { const end = Date.now() + ms; while (!fs.existsSync(result) && Date.now() < end) spawnSync('sleep', ['0.05']); };
  return { exe, hash, tsrunc, shared, result, waitResult, before: hash() };
}

describeRoot('security boundary', () => {
  let sb: Sandbox;
  beforeEach(() => { sb = new Sandbox(); });
  afterEach(() => sb.cleanup());

  // CVE-2019-5736: a process tsrunc clones is the tsrunc executable until it calls execve. Once it is
  // in the container, a container process that may ptrace it can open /proc/<pid>/exe, keep it, and
  // write the host's binary when tsrunc has exited. Every clone is made non-dumpable first.
  test('CVE-2019-5736: a root container with CAP_SYS_PTRACE cannot reach the runtime binary through /proc/<pid>/exe of exec\'d processes', () => {
    // World-writable, so that nothing but the access to /proc/<pid>/exe stands between the container
    // (root in its user namespace is host uid 100000) and the file.
    const { hash, tsrunc, shared, result, waitResult, before } = binaryCopy(sb, 0o777);
    const bundle = sb.bundle((c) => {
      userns(c);
      caps(c, ALL_CAPS);
      c.process.noNewPrivileges = false;
      c.process.args = ['/probe', 'exewatch', '/shared'];
      c.mounts.push({ destination: '/shared', type: 'bind', source: shared, options: ['rbind'] });
    });
    installProbe(path.join(bundle, 'rootfs'));
    for (const d of [sb.dir, bundle]) fs.chmodSync(d, 0o755);
    chownTree(path.join(bundle, 'rootfs'), 100000);
    chownTree(shared, 100000);
    const id = sb.id();
    const run = tsrunc(['run', '--detach', '--bundle', bundle, id]);
    expect(run.stderr).toBe('');
    for (let k = 0; k < 25; k++) {
      const r = tsrunc(['exec', id, 'true']);
      expect(r.stderr).toBe('');
    }
    fs.writeFileSync(path.join(shared, 'stop'), '');
    waitResult(20000);
    const summary = fs.readFileSync(result, 'utf8');
    expect(summary).toMatch(/^seen \d+ opened 0 wrote 0\n$/);
    expect(Number(/^seen (\d+)/.exec(summary)![1])).toBeGreaterThan(0); // it did see the exec'd processes
    expect(hash()).toBe(before);
  }, 120000);

  // The same attack without any race and without CAP_SYS_PTRACE: a created container's init waits
  // on the exec fifo as a clone of tsrunc, with the container's capabilities already; a default root
  // process exec'd beside it used to be allowed to open /proc/1/exe (its capabilities are a subset).
  test('CVE-2019-5736: a default root process exec\'d into a created container cannot open the waiting init\'s exe', () => {
    const { hash, tsrunc, shared, result, waitResult, before } = binaryCopy(sb, 0o755);
    const bundle = sb.bundle((c) => {
      c.process.args = ['sleep', '100'];
      c.mounts.push({ destination: '/shared', type: 'bind', source: shared, options: ['rbind'] });
    });
    installProbe(path.join(bundle, 'rootfs'));
    const id = sb.id();
    expect(tsrunc(['create', '--bundle', bundle, id]).stderr).toBe('');
    expect(tsrunc(['exec', '--detach', id, '/probe', 'holdexe', '1', '/shared']).stderr).toBe('');
    waitResult(1000); // the probe has opened the exe (or failed to)
    expect(tsrunc(['start', id]).stderr).toBe(''); // the init execs sleep: the binary is no longer busy
    fs.writeFileSync(path.join(shared, 'stop'), '');
    waitResult(10000);
    expect(fs.readFileSync(result, 'utf8')).toBe('open failed: Permission denied\n');
    expect(hash()).toBe(before);
  });

  // The other side of non-dumpable: the clone's own /proc/<pid> files belong to host root, so what
  // it writes there (timens_offsets, oom_score_adj) is written while it is still host uid 0, and
  // sysctls go through the procfs handle; all of it still works in a user namespace.
  test('non-dumpable clones still write their procfs files in a user namespace: timeOffsets, oomScoreAdj, sysctl, exec', () => {
    const bundle = sb.bundle((c) => {
      userns(c);
      c.linux.namespaces.push({ type: 'time' });
      c.linux.timeOffsets = { boottime: { secs: 1000000 } };
      c.linux.sysctl = { 'net.ipv4.ip_forward': '1', 'kernel.shmmax': '1000000' };
      c.process.oomScoreAdj = 200;
      c.process.args = ['sleep', '100'];
    });
    for (const d of [sb.dir, bundle]) fs.chmodSync(d, 0o755);
    chownTree(path.join(bundle, 'rootfs'), 100000);
    const id = sb.id();
    expect(sb.run(['run', '--detach', '--bundle', bundle, id]).stderr).toBe('');
    const r = sb.run(['exec', id, 'sh', '-c', 'cat /proc/1/oom_score_adj /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax; cut -d. -f1 /proc/uptime']);
    expect(r.stderr).toBe('');
    const [oom, fwd, shm, uptime] = r.stdout.trim().split('\n');
    expect([oom, fwd, shm]).toEqual(['200', '1', '1000000']);
    expect(Number(uptime)).toBeGreaterThanOrEqual(1000000);
    const proc = path.join(sb.dir, 'process.json');
    fs.writeFileSync(proc, JSON.stringify({ args: ['cat', '/proc/self/oom_score_adj'], cwd: '/', oomScoreAdj: 300, user: { uid: 0, gid: 0 } }));
    const ex = sb.run(['exec', '--process', proc, id]);
    expect(ex.stderr).toBe('');
    expect(ex.stdout).toBe('300\n');
  });

  // runc's setupKeyring: a container must not share the caller's session keyring (host credentials
  // and keys); --no-new-keyring keeps it, on purpose.
  test('the init and exec\'d processes get a new session keyring; --no-new-keyring keeps the caller\'s', () => {
    const hostProbe = path.join(sb.dir, 'probe');
    installProbe(sb.dir);
    const host = spawnSync(hostProbe, ['keyring'], { encoding: 'utf8' }).stdout.split(' ')[0];
    expect(host).toMatch(/^\d+$/);
    const bundle = sb.bundle((c) => { c.process.args = ['/probe', 'keyring']; });
    installProbe(path.join(bundle, 'rootfs'));
    const own = sb.run(['run', '--bundle', bundle, sb.id()]);
    expect(own.stderr).toBe('');
    const [serial, desc] = own.stdout.trim().split(' ');
    expect(serial).toMatch(/^\d+$/);
    expect(serial).not.toBe(host);
    expect(desc).toMatch(/^keyring;0;0;[0-9a-f]+;_ses/);
    // runc: without a user namespace, the owner ('UID') may search it (0x080000).
    expect(parseInt(desc.split(';')[3], 16) & 0x080000).toBe(0x080000);
    const kept = sb.run(['run', '--no-new-keyring', '--bundle', bundle, sb.id()]);
    expect(kept.stdout.trim().split(' ')[0]).toBe(host);
    // exec (runc's setns init joins a new one too)
    const sleeper = sb.bundle((c) => { c.process.args = ['sleep', '100']; });
    installProbe(path.join(sleeper, 'rootfs'));
    const id = sb.id();
    sb.ok(['run', '--detach', '--bundle', sleeper, id]);
    const ex = sb.run(['exec', id, '/probe', 'keyring']);
    expect(ex.stderr).toBe('');
    expect(ex.stdout.split(' ')[0]).not.toBe(host);
    // created with --no-new-keyring: exec'd processes keep the caller's too (recorded in the state)
    const keeps = sb.id();
    sb.ok(['run', '--detach', '--no-new-keyring', '--bundle', sleeper, keeps]);
    expect(sb.run(['exec', keeps, '/probe', 'keyring']).stdout.split(' ')[0]).toBe(host);
  });

  // runc's mountToRootfs: proc and sysfs "must be mounted on ordinary directory": a symlink there
  // would redirect the mount, and every masked and read-only path under it.
  test.each([['/proc', 0], ['/sys', 5]])('an image whose %s is a symlink is refused at create, naming the mount', (dir, index) => {
    const bundle = sb.bundle();
    const p = path.join(bundle, 'rootfs', dir.slice(1));
    fs.rmSync(p, { recursive: true, force: true });
    fs.mkdirSync(path.join(bundle, 'rootfs', 'elsewhere'));
    fs.symlinkSync('/elsewhere', p);
    const id = sb.id();
    const r = sb.run(['run', '--bundle', bundle, id]);
    expect(r.stderr).toBe(`tsrunc: mounts[${index}].destination: ${dir} in the rootfs is a symlink: filesystem "${dir === '/proc' ? 'proc' : 'sysfs'}" must be mounted on ordinary directory\n`);
    expect(r.code).toBe(1);
    assertNothingLeft(id, sb.root);
  });

  // CVE-2025-31133: what masks a file must be the real null device, whatever the image or an
  // earlier mount put at /dev/null.
  test('CVE-2025-31133: a /dev/null that is not the null device is never used to mask a path', () => {
    const bundle = sb.bundle((c) => {
      c.process.args = ['cat', '/etc/secret'];
      // /dev comes from the bundle (no device setup): its "null" is an ordinary file
      c.mounts = c.mounts.filter((m: any) => m.destination !== '/dev');
      c.mounts.splice(1, 0, { destination: '/dev', type: 'bind', source: 'fakedev', options: ['rbind'] });
      c.linux.maskedPaths.push('/etc/secret');
    });
    fs.mkdirSync(path.join(bundle, 'fakedev'));
    fs.writeFileSync(path.join(bundle, 'fakedev', 'null'), 'decoy\n');
    fs.writeFileSync(path.join(bundle, 'rootfs', 'etc', 'secret'), 'secret\n');
    const id = sb.id();
    const r = sb.run(['run', '--bundle', bundle, id]);
    expect(r.stdout).not.toContain('decoy');
    expect(r.stderr).toBe('tsrunc: linux.maskedPaths[3]: /dev/null in the container is not the null device (1:3): cannot mask /proc/keys: ENODEV\n');
    expect(r.code).toBe(1);
  });

  test('masking with the real null device still works when /dev comes from the config', () => {
    const bundle = sb.bundle((c) => {
      c.process.args = ['sh', '-c', 'cat /etc/secret; stat -c "%F %t:%T" /etc/secret'];
      c.mounts = c.mounts.filter((m: any) => m.destination !== '/dev');
      c.mounts.splice(1, 0, { destination: '/dev', type: 'bind', source: '/dev', options: ['rbind'] });
      c.linux.maskedPaths.push('/etc/secret');
    });
    fs.writeFileSync(path.join(bundle, 'rootfs', 'etc', 'secret'), 'secret\n');
    const r = sb.run(['run', '--bundle', bundle, sb.id()]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('character special file 1:3\n');
  });

  // CVE-2025-52881: sysctl (and oom_score_adj) writes go through a procfs handle verified to be
  // procfs, never through a path that an earlier mount can redirect.
  test('CVE-2025-52881: a mount over /proc/sys cannot redirect the runtime\'s sysctl writes', async () => {
    const bundle = sb.bundle((c) => {
      c.process.args = ['sleep', '100'];
      c.linux.sysctl = { 'net.ipv4.ip_forward': '1' };
      c.mounts.push({ destination: '/proc/sys/net/ipv4', type: 'bind', source: 'fake', options: ['rbind'] });
    });
    fs.mkdirSync(path.join(bundle, 'fake'));
    fs.writeFileSync(path.join(bundle, 'fake', 'ip_forward'), '0\n');
    const id = sb.id();
    const r = sb.run(['run', '--detach', '--bundle', bundle, id]);
    expect(r.stderr).toBe('');
    expect(fs.readFileSync(path.join(bundle, 'fake', 'ip_forward'), 'utf8')).toBe('0\n');
    // The sysctl reached the container's network namespace.
    const pid = sb.state(id).pid;
    const real = spawnSync('nsenter', ['-n', '-t', String(pid), 'cat', '/proc/sys/net/ipv4/ip_forward'], { encoding: 'utf8' });
    expect(real.stdout).toBe('1\n');
  });

  // CVE-2025-52565: the console is the pty opened by fd, bound onto a /dev/console that is not a
  // symlink (a symlink would send the pty mount anywhere in the container, over a masked path).
  test('CVE-2025-52565: a /dev/console symlink is refused; /dev/console is the pty itself', () => {
    const withTerminal = (c: any) => {
      c.process.terminal = true;
      c.process.args = ['sh', '-c', 'stat -c "%F" /etc/hostname; [ "$(stat -c %t:%T /dev/console)" = "$(stat -L -c %t:%T /proc/self/fd/0)" ] && echo console-is-stdin'];
    };
    const good = sb.run(['run', '--bundle', sb.bundle(withTerminal), sb.id()]);
    expect(good.stdout.split(/\r?\n/)).toContain('console-is-stdin');
    const bundle = sb.bundle((c) => {
      withTerminal(c);
      c.mounts = c.mounts.filter((m: any) => m.destination !== '/dev');
      c.mounts.splice(1, 0, { destination: '/dev', type: 'bind', source: 'fakedev', options: ['rbind'] });
    });
    fs.mkdirSync(path.join(bundle, 'fakedev'));
    fs.mkdirSync(path.join(bundle, 'fakedev', 'pts'));
    fs.symlinkSync('pts/ptmx', path.join(bundle, 'fakedev', 'ptmx'));
    fs.symlinkSync('/etc/hostname', path.join(bundle, 'fakedev', 'console'));
    fs.writeFileSync(path.join(bundle, 'rootfs', 'etc', 'hostname'), 'h\n');
    const r = sb.run(['run', '--bundle', bundle, sb.id()]);
    expect(r.stdout).not.toContain('character special file');
    expect(r.stderr).toBe('tsrunc: process.terminal: refused: a symlink at or on the way to /dev/console: ELOOP\n');
    expect(r.code).toBe(1);
  });

  // A /dev that is a symlink in the image (no /dev mount over it) must not redirect device creation,
  // not even inside the rootfs.
  test('a /dev symlink in the image is refused for device creation, naming the device', () => {
    const bundle = sb.bundle((c) => { c.mounts = c.mounts.filter((m: any) => !m.destination.startsWith('/dev')); });
    const root = path.join(bundle, 'rootfs');
    fs.rmSync(path.join(root, 'dev'), { recursive: true, force: true });
    fs.mkdirSync(path.join(root, 'devices-here'));
    fs.symlinkSync('/devices-here', path.join(root, 'dev'));
    const id = sb.id();
    const r = sb.run(['run', '--bundle', bundle, id]);
    expect(fs.readdirSync(path.join(root, 'devices-here'))).toEqual([]);
    expect(r.stderr).toBe('tsrunc: default devices: refused: a symlink on the way to /dev/null: ELOOP\n');
    expect(r.code).toBe(1);
    assertNothingLeft(id, sb.root);
  });

  // --no-pivot (runc's msMoveRoot): the host's mounts stay in the container's mount namespace under
  // the moved root; while a full procfs is among them, the kernel's "mount too revealing" rule
  // (mnt_already_visible) lets a container root that makes its own user and mount namespaces mount a
  // fresh, unmasked /proc (runc's no_pivot.bats does the same attack).
  test.each([[false], [true]])('a container root cannot mount a fresh, unmasked procfs from its own user namespace (--no-pivot: %s)', (noPivot) => {
    const bundle = sb.bundle((c) => {
      c.process.args = ['unshare', '-mrpf', 'sh', '-c', 'mount -t proc none /proc && echo MOUNTED'];
      for (const k of ['bounding', 'permitted', 'effective']) c.process.capabilities[k].push('CAP_SETFCAP');
    });
    const r = sb.run(['run', ...(noPivot ? ['--no-pivot'] : []), '--bundle', bundle, sb.id()]);
    expect(r.stdout).not.toContain('MOUNTED');
    expect(r.stderr).toMatch(/mount: permission denied/);
    expect(r.code).toBe(1);
  });
});
