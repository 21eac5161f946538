// primeTarget (src/cgroups/host.ts): where create and exec prime the cgroup migration lock (issue 12):
// the runtime's own cgroup in the first v1 hierarchy, never anywhere else, and nothing on pure v2.
import { primeTarget as primeTargetOf } from '../../../src/cgroups/host';
import { detectLayout, parseSelfCgroup } from '../../../src/cgroups/layout';

/** primeTarget on the texts of /proc/self/mountinfo and /proc/self/cgroup. */
const primeTarget = (mountinfo: string, selfCgroup: string) => primeTargetOf(detectLayout(mountinfo), parseSelfCgroup(selfCgroup));

const HYBRID = `
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;
const HYBRID_SELF = '12:memory:/process_api/b59\n11:devices:/\n10:cpu:/user.slice\n0::/\n';

// A co-mounted first hierarchy, listed by mountinfo and /proc/self/cgroup in different orders.
const PURE_V1 = `
29 24 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct
32 24 0:30 / /sys/fs/cgroup/devices rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,devices
`;

const PURE_V2 = '26 22 0:24 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate\n';

test('hybrid: the runtime\'s own cgroup in the first v1 hierarchy', () => {
  expect(primeTarget(HYBRID, HYBRID_SELF)).toBe('/sys/fs/cgroup/cpu/user.slice/cgroup.procs');
});

test('the root cgroup when the runtime is in it', () => {
  expect(primeTarget(HYBRID, '10:cpu:/\n')).toBe('/sys/fs/cgroup/cpu/cgroup.procs');
});

test('pure v1 with co-mounted controllers listed in another order', () => {
  expect(primeTarget(PURE_V1, '4:cpuacct,cpu:/system.slice/x.service\n3:devices:/\n')).toBe('/sys/fs/cgroup/cpu,cpuacct/system.slice/x.service/cgroup.procs');
});

test('a bind-mounted subtree (a runtime inside a container): the path below the mount\'s root', () => {
  const mi = '50 40 0:29 /docker/abc /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n51 40 0:33 /docker/abc /sys/fs/cgroup/devices rw - cgroup cgroup rw,devices\n';
  expect(primeTarget(mi, '10:cpu:/docker/abc/inner\n11:devices:/docker/abc\n')).toBe('/sys/fs/cgroup/cpu/inner/cgroup.procs');
});

test('nothing where the own cgroup is outside the mount, unknown, or on pure v2', () => {
  const mi = '50 40 0:29 /docker/abc /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n51 40 0:33 / /sys/fs/cgroup/devices rw - cgroup cgroup rw,devices\n';
  expect(primeTarget(mi, '10:cpu:/docker/other\n11:devices:/\n')).toBeUndefined();
  expect(primeTarget(mi, '10:cpu:/docker/abcd\n11:devices:/\n')).toBeUndefined();
  expect(primeTarget(HYBRID, '11:devices:/\n')).toBeUndefined();
  expect(primeTarget(PURE_V2, '0::/user.slice\n')).toBeUndefined();
});
