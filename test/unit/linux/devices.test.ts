// Device numbers (glibc's makedev), the default devices and when the runtime sets up /dev itself.
import * as fs from 'fs';
import { TsruncError } from '../../../src/errors';
import { compileDevices, defaultDevices, makedev, needsDevSetup } from '../../../src/linux/devices';
import { Plan } from '../../../src/linux/plan';
import type { LinuxDevice, Mount, Spec } from '../../../src/spec/types';

const S_IFCHR = 0o020000, S_IFBLK = 0o060000, S_IFIFO = 0o010000;

/** glibc's gnu_dev_makedev (sysdeps/unix/sysv/linux/sys/sysmacros.h), on 64-bit dev_t. */
function glibcMakedev(major: number, minor: number): bigint {
  const ma = BigInt(major >>> 0), mi = BigInt(minor >>> 0);
  let dev = (ma & 0x00000fffn) << 8n;
  dev |= (ma & 0xfffff000n) << 32n;
  dev |= (mi & 0x000000ffn) << 0n;
  dev |= (mi & 0xffffff00n) << 12n;
  return dev;
}
/** glibc's gnu_dev_major / gnu_dev_minor. */
const major = (dev: bigint) => Number(((dev >> 8n) & 0x00000fffn) | ((dev >> 32n) & 0xfffff000n));
const minor = (dev: bigint) => Number((dev & 0x000000ffn) | ((dev >> 12n) & 0xffffff00n));

describe('makedev', () => {
  test('known values', () => {
    expect(makedev(1, 3)).toBe(0x103n);
    expect(makedev(5, 0)).toBe(0x500n);
    expect(makedev(8, 17)).toBe(0x811n);
    expect(makedev(259, 1)).toBe(0x10301n); // NVMe partitions: major above 255
    expect(makedev(4095, 1048575)).toBe(0xffffffffn); // the largest 32-bit-dev_t pair
    expect(makedev(4096, 0)).toBe(1n << 44n); // major bits above 12 go to bits 44..
    expect(makedev(0, 256)).toBe(1n << 20n); // minor bits above 8 go to bits 20..
  });

  test.each([[0, 0], [1, 3], [259, 1], [4095, 1048575], [4096, 256], [254, 65536], [0xfffff, 0xffffffff], [0xffffffff, 0xfffff], [0x12345, 0xabcdef01]])(
    'makedev(%d, %d) equals glibc and round-trips', (ma, mi) => {
      const dev = makedev(ma, mi);
      expect(dev).toBe(glibcMakedev(ma, mi));
      expect([major(dev), minor(dev)]).toEqual([ma >>> 0, mi >>> 0]);
      expect(dev < 1n << 64n).toBe(true);
    });

  (fs.existsSync('/dev/null') ? test : test.skip)('agrees with the kernel: rdev of /dev/null is makedev(1, 3)', () => {
    const st = fs.statSync('/dev/null', { bigint: true });
    expect(st.isCharacterDevice()).toBe(true);
    expect(st.rdev).toBe(makedev(1, 3));
  });
});

describe('default devices (config-linux.md "Default Devices")', () => {
  test('null, zero, full, random, urandom, tty with their numbers, 0666, root-owned', () => {
    expect(defaultDevices.map((d) => [d.path, d.type, d.major, d.minor])).toEqual([
      ['/dev/null', 'c', 1, 3], ['/dev/zero', 'c', 1, 5], ['/dev/full', 'c', 1, 7],
      ['/dev/random', 'c', 1, 8], ['/dev/urandom', 'c', 1, 9], ['/dev/tty', 'c', 5, 0],
    ]);
    for (const d of defaultDevices) expect([d.path, d.fileMode, d.uid, d.gid]).toEqual([d.path, 0o666, 0, 0]);
  });
});

const spec = (mounts: Mount[] = [], devices?: LinuxDevice[]): Spec =>
  ({ ociVersion: '1.3.0', mounts, linux: devices ? { devices } : {} });

describe('needsDevSetup', () => {
  test('true without a /dev bind', () => {
    expect(needsDevSetup(spec())).toBe(true);
    expect(needsDevSetup(spec([{ destination: '/dev', type: 'tmpfs', source: 'tmpfs' }]))).toBe(true);
    expect(needsDevSetup(spec([{ destination: '/dev/shm', type: 'bind', source: '/dev/shm' }]))).toBe(true);
  });

  test.each([
    [{ destination: '/dev', type: 'bind', source: '/dev' }],
    [{ destination: '/dev', source: '/dev', options: ['rbind'] }],
    [{ destination: '/dev', type: 'none', source: '/dev', options: ['bind', 'ro'] }],
    [{ destination: '//dev', type: 'bind', source: '/dev' }],
    [{ destination: '/dev/../dev', type: 'bind', source: '/dev' }],
  ])('false when /dev is a bind mount: %j', (m) => {
    expect(needsDevSetup(spec([m as Mount]))).toBe(false);
  });

  // runc's needsSetupDev compares utils.CleanPath(m.Destination) == "/dev", and filepath.Clean drops
  // a trailing slash. path.posix.normalize('/dev/') keeps it, so a bind of the host's /dev written as
  // "/dev/" still gets the default devices: mknod on EEXIST unlinks and recreates nodes in the host's
  // /dev (addon/child.c op_mknod), and the /dev/fd... symlinks are made there too.
  test('false when /dev is a bind mount written with a trailing slash ("/dev/")', () => {
    expect(needsDevSetup(spec([{ destination: '/dev/', type: 'bind', source: '/dev', options: ['rbind'] }]))).toBe(false);
  });
});

describe('compileDevices', () => {
  const compile = (s: Spec) => {
    const plan = new Plan();
    compileDevices(s, plan);
    return plan.ops;
  };

  test('default devices and /dev symlinks when /dev is not bound', () => {
    const ops = compile(spec([{ destination: '/dev', type: 'tmpfs', source: 'tmpfs' }]));
    const nodes = ops.filter((o) => o.op === 'MKNOD');
    expect(nodes.map((o) => o.s?.[0])).toEqual(defaultDevices.map((d) => d.path));
    for (const n of nodes) {
      expect(n.a?.[0]).toBe(BigInt(S_IFCHR | 0o666));
      expect(n.source).toBe('default devices');
      expect(n.s?.[1]).toBe(n.s?.[0]); // the host node to bind if mknod is refused
    }
    expect(nodes[5].a?.[1]).toBe(makedev(5, 0));
    const links = ops.filter((o) => o.op === 'SYMLINK').map((o) => o.s);
    expect(links).toEqual([
      ['/proc/self/fd', '/dev/fd'], ['/proc/self/fd/0', '/dev/stdin'], ['/proc/self/fd/1', '/dev/stdout'], ['/proc/self/fd/2', '/dev/stderr'],
    ]);
  });

  test('/dev/ptmx -> pts/ptmx when /dev/pts is mounted', () => {
    const ops = compile(spec([{ destination: '/dev/pts', type: 'devpts', source: 'devpts' }]));
    expect(ops.filter((o) => o.op === 'SYMLINK').map((o) => o.s)).toContainEqual(['pts/ptmx', '/dev/ptmx']);
  });

  test('nothing for /dev when it is bound from the host, but configured devices still are', () => {
    const ops = compile(spec([{ destination: '/dev', type: 'bind', source: '/dev' }], [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229 }]));
    expect(ops.map((o) => [o.op, o.s?.[0]])).toEqual([['MKNOD', '/dev/fuse']]);
  });

  test('configured devices: type bits, mode, dev, owner; fifo without a device number', () => {
    const ops = compile(spec([], [
      { path: '/dev/sda', type: 'b', major: 8, minor: 0, fileMode: 0o660, uid: 0, gid: 6 },
      { path: '/dev/ttyX', type: 'u', major: 4, minor: 64 },
      { path: '/dev/myfifo', type: 'p', fileMode: 0o4755 },
    ]));
    const [sda, tty, fifo] = ops;
    expect(sda.a).toEqual([BigInt(S_IFBLK | 0o660), makedev(8, 0), 0n, 6n]);
    expect(sda.source).toBe('linux.devices[0]');
    expect(tty.a?.[0]).toBe(BigInt(S_IFCHR | 0o666)); // default mode 0666, 'u' is a char device
    expect(tty.a?.[1]).toBe(makedev(4, 64));
    expect(fifo.a).toEqual([BigInt(S_IFIFO | 0o4755), 0n, 0n, 0n]);
    expect(fifo.s?.[1]).toBeNull(); // never bind a host fifo
  });

  test('a configured /dev/null replaces the default one (not created twice)', () => {
    const ops = compile(spec([], [{ path: '/dev/null', type: 'c', major: 1, minor: 3, fileMode: 0o600 }]));
    const nulls = ops.filter((o) => o.op === 'MKNOD' && o.s?.[0] === '/dev/null');
    expect(nulls.length).toBe(1);
    expect(nulls[0].a?.[0]).toBe(BigInt(S_IFCHR | 0o600));
  });

  test('file type bits in fileMode are ignored: the type decides', () => {
    const [op] = compile(spec([], [{ path: '/dev/x', type: 'c', major: 1, minor: 1, fileMode: 0o060644 }]));
    expect(op.a?.[0]).toBe(BigInt(S_IFCHR | 0o644));
  });

  test.each([
    ['/etc/passwd', 'path'], ['dev/null', 'path'], ['/dev', 'path'], ['/dev/../etc/x', 'path'], ['/devices/x', 'path'],
  ])('device path %s is refused', (p, f) => {
    let err: unknown;
    try { compile(spec([], [{ path: p as string, type: 'c', major: 1, minor: 3 }])); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(TsruncError);
    expect((err as TsruncError).field).toBe(`linux.devices[0].${f}`);
  });
});
