// Mounts of the root filesystem that depend on each other (runc's prepareRootfs/finalizeRootfs).
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Sandbox, assertNothingLeft, describeRoot } from '../helpers/runtime';

describeRoot('rootfs mounts', () => {
  let sb: Sandbox;
  beforeAll(() => { sb = new Sandbox(); });
  afterAll(() => sb.cleanup());

  // runc 1.2+ mountPropagate/finalizeRootfs: tmpfs mounts and /dev are mounted read-write and made
  // read-only only once everything beneath them (devices, /dev/pts, /dev/shm, /dev/mqueue) exists.
  test('a read-only /dev tmpfs keeps its submounts and devices, and is read-only in the container', () => {
    const bundle = sb.bundle((c) => {
      const dev = c.mounts.find((m: any) => m.destination === '/dev');
      dev.options.push('ro');
      // a read-only tmpfs elsewhere with a mount beneath it: the same class
      c.mounts.push({ destination: '/data', type: 'tmpfs', source: 'tmpfs', options: ['ro', 'mode=755'] });
      c.mounts.push({ destination: '/data/inner', type: 'tmpfs', source: 'tmpfs', options: ['mode=1777'] });
      c.process.args = ['sh', '-c', [
        'grep -E " /dev | /data " /proc/self/mounts | cut -d" " -f2,4 | cut -d, -f1',
        'test -d /dev/pts -a -d /dev/shm -a -d /dev/mqueue && echo submount-dirs-ok',
        'echo x > /dev/null && echo devnull-ok',
        'touch /dev/newfile 2>/dev/null || echo dev-readonly',
        'touch /dev/shm/f && echo shm-writable',
        'touch /data/f 2>/dev/null || echo data-readonly',
        'touch /data/inner/f && echo inner-writable',
      ].join('; ')];
    });
    const id = sb.id();
    const r = sb.run(['run', '--bundle', bundle, id]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('/dev ro\n/data ro\nsubmount-dirs-ok\ndevnull-ok\ndev-readonly\nshm-writable\ndata-readonly\ninner-writable\n');
    assertNothingLeft(id, sb.root);
  });

  // runc 1.2+ opens mount sources in the runtime (mountViaFds / mount source fds), before the user
  // namespace has any say: the container's root (host uid 100000 here) cannot walk through a 0700
  // host directory, host root can. The container then sees only what the bind itself shows.
  // runc (rootfs_linux.go "tmpfs", runc#3911 and #3952; its run.bats "run with tmpfs" and "tmpfs
  // perms"): a tmpfs on a directory that exists keeps the directory's mode, setuid, setgid and sticky
  // bits included, unless its options give a mode; a new directory gets the tmpfs default.
  test('a tmpfs on an existing directory takes its mode unless the options give one', () => {
    const bundle = sb.bundle((c) => {
      c.process.args = ['stat', '-c', '%a', '/tmp', '/srv', '/given', '/new'];
      c.mounts.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev'] });
      c.mounts.push({ destination: '/srv', type: 'tmpfs', source: 'tmpfs' });
      c.mounts.push({ destination: '/given', type: 'tmpfs', source: 'tmpfs', options: ['mode=0444'] });
      c.mounts.push({ destination: '/new', type: 'tmpfs', source: 'tmpfs' });
    });
    const rootfs = path.join(bundle, 'rootfs');
    fs.chmodSync(path.join(rootfs, 'tmp'), 0o7777);
    fs.mkdirSync(path.join(rootfs, 'srv'));
    fs.chmodSync(path.join(rootfs, 'srv'), 0o710);
    fs.mkdirSync(path.join(rootfs, 'given'), { mode: 0o700 });
    const id = sb.id();
    const r = sb.run(['run', '--bundle', bundle, id]);
    expect([r.stdout, r.stderr, r.code]).toEqual(['7777\n710\n444\n1777\n', '', 0]);
    assertNothingLeft(id, sb.root);
  });

  // runc's tmpcopyup, which podman puts on every --tmpfs (containers/common ProcessOptions): what the
  // directory held is copied into the new tmpfs, modes and owners kept. The image is untrusted: its
  // symlinks are copied as symlinks, never followed (an absolute one would otherwise be resolved on
  // the host, before pivot_root), and the directory in the image is left as it was.
  test('tmpcopyup: the directory\'s files, directories, symlinks and fifos are copied into the tmpfs; symlinks are not followed', () => {
    const bundle = sb.bundle((c) => {
      c.process.args = ['sh', '-c', 'cd /dir1 && ls -ln . sub | grep -v total; cat sub/x; readlink abs; readlink rel; stat -c %a . file; touch new && echo writable'];
      c.mounts.push({ destination: '/dir1', type: 'tmpfs', source: 'tmpfs', options: ['tmpcopyup', 'nosuid', 'nodev'] });
    });
    const dir = path.join(bundle, 'rootfs', 'dir1');
    fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'file'), 'hello\n');
    fs.chownSync(path.join(dir, 'file'), 1000, 1001);
    fs.chmodSync(path.join(dir, 'file'), 0o4750);
    fs.writeFileSync(path.join(dir, 'sub', 'x'), 'deep\n');
    // Absolute and climbing symlinks that, followed on the host, would copy the host's files in.
    fs.symlinkSync('/etc/hostname', path.join(dir, 'abs'));
    fs.symlinkSync('../../../../../../etc/hostname', path.join(dir, 'rel'));
    execFileSync('mkfifo', [path.join(dir, 'fifo')]);
    fs.chmodSync(dir, 0o710);
    const id = sb.id();
    const r = sb.run(['run', '--bundle', bundle, id]);
    expect([r.stderr, r.code]).toEqual(['', 0]);
    const lines = r.stdout.split('\n');
    expect(lines).toContainEqual(expect.stringMatching(/^lrwxrwxrwx +1 0 +0 +\d+ .* abs -> \/etc\/hostname$/));
    expect(lines).toContainEqual(expect.stringMatching(/^prw-r--r-- +1 0 +0 +0 .* fifo$/));
    expect(lines).toContainEqual(expect.stringMatching(/^-rwsr-x--- +1 1000 +1001 +6 .* file$/));
    expect(lines).toContainEqual(expect.stringMatching(/^drwxr-xr-x +2 0 +0 .* sub$/));
    expect(r.stdout).toContain('deep\n/etc/hostname\n../../../../../../etc/hostname\n710\n4750\nwritable\n');
    // The image's directory is untouched: the new file went to the tmpfs.
    expect(fs.readdirSync(dir).sort()).toEqual(['abs', 'fifo', 'file', 'rel', 'sub']);
    assertNothingLeft(id, sb.root);
  });

  test('user namespace: a bind source below a directory its root cannot enter is opened by the runtime', () => {
    const priv = path.join(sb.dir, 'private');
    fs.mkdirSync(path.join(priv, 'shared'), { recursive: true });
    fs.chmodSync(priv, 0o700);
    fs.chmodSync(path.join(priv, 'shared'), 0o755);
    fs.writeFileSync(path.join(priv, 'shared', 'file'), 'from-the-host\n', { mode: 0o644 });
    const bundle = sb.bundle((c) => {
      c.linux.namespaces.push({ type: 'user' });
      c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.mounts.push({ destination: '/mnt/shared', type: 'bind', source: path.join(priv, 'shared'), options: ['rbind', 'ro'] });
      c.mounts.push({ destination: '/mnt/file', type: 'bind', source: path.join(priv, 'shared', 'file'), options: ['bind'] });
      c.process.args = ['sh', '-c', 'cat /mnt/shared/file /mnt/file; touch /mnt/shared/x 2>/dev/null || echo ro-kept'];
    });
    // The rootfs itself must be the container root's (as in linux-fields' user namespace test).
    for (const d of [sb.dir, bundle]) fs.chmodSync(d, 0o755);
    execFileSync('chown', ['-R', '100000:100000', path.join(bundle, 'rootfs')]);
    const id = sb.id();
    const r = sb.run(['run', '--bundle', bundle, id]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('from-the-host\nfrom-the-host\nro-kept\n');
    expect(r.code).toBe(0);
    assertNothingLeft(id, sb.root);
  });
});
