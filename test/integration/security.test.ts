// Regression tests per attack class (docs/ARCHITECTURE.md §2):
// - mount targets through symlinks out of the rootfs (CVE-2019-16884, CVE-2021-30465 class): targets
//   are resolved with openat2(RESOLVE_IN_ROOT), so a symlink is followed as if the rootfs were "/";
// - the runtime's own fds reaching the container (CVE-2024-21626 "leaky vessels" class);
// - device nodes or masked paths redirected to the host through symlinks.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Sandbox, assertNothingLeft, describeRoot, mountsMentioning } from '../helpers/runtime';

describeRoot('attack classes', () => {
  let sb: Sandbox;
  let hostDir: string;
  beforeEach(() => {
    sb = new Sandbox();
    hostDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-host-target-'));
    fs.writeFileSync(path.join(hostDir, 'precious'), 'host data\n');
  });
  afterEach(() => {
    sb.cleanup();
    expect(mountsMentioning(hostDir)).toEqual([]);
    expect(fs.readdirSync(hostDir)).toEqual(['precious']);
    fs.rmSync(hostDir, { recursive: true, force: true });
  });

  test('absolute symlink as mount destination stays inside the rootfs', () => {
    const bundle = sb.bundle((c) => {
      c.process.args = ['sh', '-c', 'ls -a /evil; mount | grep -c " /evil\\| ' + hostDir + '"; true'];
      c.mounts.push({ destination: '/evil', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] });
    });
    fs.symlinkSync(hostDir, path.join(bundle, 'rootfs', 'evil'));
    const r = sb.run(['run', '--bundle', bundle, sb.id()]);
    expect(r.code).toBe(0);
    // The tmpfs went to <rootfs><hostDir>, created inside the rootfs, not onto the host's directory.
    expect(fs.existsSync(path.join(bundle, 'rootfs', hostDir))).toBe(true);
  });

  test('a ../../ symlink chain out of the rootfs as mount destination is refused, naming the mount', () => {
    const bundle = sb.bundle((c) => {
      c.process.args = ['true'];
      c.mounts.push({ destination: '/a/b/evil/x', type: 'bind', source: 'src', options: ['rbind'] });
    });
    fs.mkdirSync(path.join(bundle, 'src'));
    fs.writeFileSync(path.join(bundle, 'src', 'payload'), 'x');
    fs.mkdirSync(path.join(bundle, 'rootfs', 'a', 'b'), { recursive: true });
    fs.symlinkSync('../'.repeat(20) + hostDir.slice(1), path.join(bundle, 'rootfs', 'a', 'b', 'evil'));
    const id = sb.id();
    const r = sb.run(['run', '--bundle', bundle, id]);
    expect(r.code).toBe(1);
    const n = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8')).mounts.length - 1;
    expect(r.stderr).toBe(`tsrunc: mounts[${n}].destination: /a/b/evil in the rootfs is a symlink that leads out of the rootfs (refused; a mount is never made outside it)\n`);
    expect(fs.existsSync(path.join(hostDir, 'x'))).toBe(false);
    assertNothingLeft(id, sb.root);
  });

  test('a ../../ symlink out of the rootfs that create cannot see (under an earlier mount) still stays inside', () => {
    // The up-front check cannot judge what an earlier mount brings in; the child's own in-root
    // resolution (openat2 RESOLVE_IN_ROOT) is what keeps the mount inside.
    const bundle = sb.bundle((c) => {
      c.process.args = ['true'];
      c.mounts.push({ destination: '/m', type: 'bind', source: 'layer', options: ['rbind'] });
      c.mounts.push({ destination: '/m/evil/x', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] });
    });
    fs.mkdirSync(path.join(bundle, 'layer'));
    fs.symlinkSync('../'.repeat(20) + hostDir.slice(1), path.join(bundle, 'layer', 'evil'));
    const r = sb.run(['run', '--bundle', bundle, sb.id()]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(fs.existsSync(path.join(hostDir, 'x'))).toBe(false);
    expect(fs.existsSync(path.join(bundle, 'rootfs', hostDir, 'x'))).toBe(true);
  });

  test('a relative symlink that stays inside the rootfs is followed', () => {
    const bundle = sb.bundle((c) => {
      c.process.args = ['sh', '-c', 'cat /a/b/inside/payload'];
      c.mounts.push({ destination: '/a/b/inside', type: 'bind', source: 'src', options: ['rbind'] });
    });
    fs.mkdirSync(path.join(bundle, 'src'));
    fs.writeFileSync(path.join(bundle, 'src', 'payload'), 'through the link\n');
    fs.mkdirSync(path.join(bundle, 'rootfs', 'a', 'b'), { recursive: true });
    fs.mkdirSync(path.join(bundle, 'rootfs', 'real'));
    fs.symlinkSync('../../real', path.join(bundle, 'rootfs', 'a', 'b', 'inside'));
    const r = sb.run(['run', '--bundle', bundle, sb.id()]);
    expect(r.stdout).toBe('through the link\n');
    expect(r.code).toBe(0);
  });

  test('a bind-mount file target that is a symlink to a host file does not overwrite it', () => {
    const bundle = sb.bundle((c) => {
      c.process.args = ['sh', '-c', 'cat /etc/target'];
      c.root.readonly = false;
      c.mounts.push({ destination: '/etc/target', type: 'bind', source: 'file.txt', options: ['bind'] });
    });
    fs.writeFileSync(path.join(bundle, 'file.txt'), 'bound\n');
    fs.rmSync(path.join(bundle, 'rootfs', 'etc', 'target'), { force: true });
    fs.symlinkSync(path.join(hostDir, 'precious'), path.join(bundle, 'rootfs', 'etc', 'target'));
    const r = sb.run(['run', '--bundle', bundle, sb.id()]);
    expect(r.stdout).toBe('bound\n');
    expect(fs.readFileSync(path.join(hostDir, 'precious'), 'utf8')).toBe('host data\n');
  });

  test('a /dev symlink in the image cannot redirect device creation to the host', () => {
    const bundle = sb.bundle((c) => {
      c.process.args = ['true'];
      // no /dev tmpfs: devices are created in the image's own /dev, which we make a symlink
      c.mounts = c.mounts.filter((m: any) => !m.destination.startsWith('/dev'));
    });
    fs.rmSync(path.join(bundle, 'rootfs', 'dev'), { recursive: true, force: true });
    fs.symlinkSync(hostDir, path.join(bundle, 'rootfs', 'dev'));
    sb.run(['run', '--bundle', bundle, sb.id()]);
    // whatever the outcome, nothing was created in the host directory (checked in afterEach)
  });

  test('masked path symlinked to a host path masks inside the container only', () => {
    const bundle = sb.bundle((c) => {
      c.process.args = ['true'];
      c.linux.maskedPaths.push('/masklink');
    });
    fs.symlinkSync(hostDir, path.join(bundle, 'rootfs', 'masklink'));
    const r = sb.run(['run', '--bundle', bundle, sb.id()]);
    expect(r.code).toBe(0);
  });

  test('the runtime\'s fds never reach the container, even with the runtime holding extra ones', async () => {
    // The runtime is started holding two inherited, non-CLOEXEC fds (3 and 4), one of them a
    // directory on the host: the container must see neither.
    const dirFd = fs.openSync(hostDir, 'r');
    const fileFd = fs.openSync(path.join(hostDir, 'precious'), 'r');
    try {
      expect(await sb.initFds([dirFd, fileFd])).toEqual(['0', '1', '2']);
    } finally {
      fs.closeSync(dirFd);
      fs.closeSync(fileFd);
    }
  });
});
