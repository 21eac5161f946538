// Host layout detection from /proc/self/mountinfo and /proc/self/cgroup texts.
import { canonical, detectLayout, parseSelfCgroup } from '../../../src/cgroups/layout';

// This machine: v1 controllers one per hierarchy, name=systemd, and a cgroup2 mount at .../unified.
const HYBRID = `
25 1 0:23 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;

// A typical systemd v1 host (Debian 10, CentOS 7): co-mounted controllers, xattr/release_agent options.
const PURE_V1 = `
24 18 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:4 - tmpfs tmpfs ro,mode=755
26 24 0:24 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:6 - cgroup cgroup rw,xattr,release_agent=/lib/systemd/systemd-cgroups-agent,name=systemd
29 24 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct
30 24 0:28 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,net_cls,net_prio
31 24 0:29 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,memory
32 24 0:30 / /sys/fs/cgroup/devices rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,devices
33 24 0:31 / /sys/fs/cgroup/freezer rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,freezer
34 24 0:32 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,pids
35 24 0:33 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,cpuset,clone_children
`;

const PURE_V2 = `
22 1 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
26 22 0:24 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;

describe('detectLayout', () => {
  test('hybrid (this machine): every v1 hierarchy plus the unified mount', () => {
    const l = detectLayout(HYBRID);
    expect(l.mode).toBe('hybrid');
    expect(l.v1.map((h) => h.name)).toEqual(['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids', 'name=systemd']);
    expect(l.v1.find((h) => h.name === 'memory')).toEqual({ name: 'memory', controllers: ['memory'], mountpoint: '/sys/fs/cgroup/memory', mountRoot: '/' });
    expect(l.unified).toEqual({ name: 'unified', controllers: [], mountpoint: '/sys/fs/cgroup/unified', mountRoot: '/' });
  });

  test('pure v1: co-mounted controllers form one hierarchy named as the kernel lists them; options are not controllers', () => {
    const l = detectLayout(PURE_V1);
    expect(l.mode).toBe('v1');
    expect(l.unified).toBeUndefined();
    expect(l.v1.map((h) => h.name)).toEqual(['name=systemd', 'cpu,cpuacct', 'net_cls,net_prio', 'memory', 'devices', 'freezer', 'pids', 'cpuset']);
    expect(l.v1[1]).toMatchObject({ controllers: ['cpu', 'cpuacct'], mountpoint: '/sys/fs/cgroup/cpu,cpuacct' });
  });

  test('pure v2: one cgroup2 mount at /sys/fs/cgroup', () => {
    expect(detectLayout(PURE_V2)).toEqual({ mode: 'v2', v1: [], unified: { name: 'unified', controllers: [], mountpoint: '/sys/fs/cgroup', mountRoot: '/' } });
  });

  test('v2 with a leftover name=systemd v1 mount is still v2', () => {
    const text = PURE_V2 + '40 26 0:40 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd\n';
    expect(detectLayout(text).mode).toBe('v2');
  });

  test('bind mounts of the same hierarchy count once; the mount root and escaped mount points are kept', () => {
    const text = HYBRID + '90 31 0:32 /docker/abc /mnt/mem\\040x rw - cgroup cgroup rw,memory\n';
    const l = detectLayout(text);
    expect(l.v1.filter((h) => h.name === 'memory')).toHaveLength(1);
    const only = detectLayout('90 31 0:32 /docker/abc /mnt/mem\\040x rw - cgroup cgroup rw,memory\n91 31 0:33 / /d rw - cgroup cgroup rw,devices\n');
    expect(only.v1[0]).toMatchObject({ mountpoint: '/mnt/mem x', mountRoot: '/docker/abc' });
  });

  test('named hierarchies other than name=systemd are not joined', () => {
    const l = detectLayout(PURE_V1 + '50 24 0:50 / /sys/fs/cgroup/foo rw - cgroup cgroup rw,name=foo\n');
    expect(l.v1.some((h) => h.name.includes('foo'))).toBe(false);
  });

  test('no cgroup mount at all is an error', () => {
    expect(() => detectLayout('25 1 0:23 / /proc rw - proc proc rw\n')).toThrow(/no cgroup filesystem/);
  });
});

describe('parseSelfCgroup', () => {
  test('keys are the controller lists as sets, v2 is "unified"', () => {
    const m = parseSelfCgroup('12:cpuacct,cpu:/a\n4:memory:/process_api/x\n1:name=systemd:/\n0::/user.slice\n');
    expect(m.get('cpu,cpuacct')).toBe('/a');
    expect(m.get(canonical('cpuacct,cpu'))).toBe('/a');
    expect(m.get('memory')).toBe('/process_api/x');
    expect(m.get('name=systemd')).toBe('/');
    expect(m.get('unified')).toBe('/user.slice');
  });
});
