// Mounts of the root filesystem that depend on each other (runc's prepareRootfs/finalizeRootfs).
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
});
