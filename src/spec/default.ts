// The starter config.json of `tsrunc spec`, the same as `runc spec` writes (runc-spec(8); runc 1.2-1.5's
// libcontainer/specconv Example and ToRootless), at the spec version this runtime implements. runc 1.1
// also set ambient capabilities; 1.2 dropped them (runc 0de195333) and so do we.
import * as fs from 'fs';
import type { Spec } from './types';

export const SPEC_VERSION = '1.3.0';

const CGROUP2_SUPER_MAGIC = 0x63677270; // statfs(2)

/** runc's cgroups.IsCgroup2UnifiedMode: /sys/fs/cgroup is a cgroup2 filesystem. */
export function isCgroup2UnifiedMode(): boolean {
  try {
    return fs.statfsSync('/sys/fs/cgroup').type === CGROUP2_SUPER_MAGIC;
  } catch {
    return false;
  }
}

/** runc's template; `cgroupNs` (runc: on a cgroup v2 only host) adds a cgroup namespace. */
export function defaultSpec(opts: { cgroupNs?: boolean } = {}): Spec {
  const caps = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];
  return {
    ociVersion: SPEC_VERSION,
    process: {
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: ['sh'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      capabilities: { bounding: [...caps], effective: [...caps], permitted: [...caps] },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'tsrunc',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
    ],
    linux: {
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, ...(opts.cgroupNs ? [{ type: 'cgroup' as const }] : [])],
      maskedPaths: [
        '/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
        '/proc/timer_stats', '/proc/sched_debug', '/sys/firmware', '/proc/scsi',
      ],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}

/** `spec --rootless` (runc's ToRootless): a user namespace mapping the caller instead of the network
 * namespace, /sys bound from the host in place of sysfs, no uid=/gid= mount options, no resources. */
export function rootlessSpec(uid: number, gid: number, opts: { cgroupNs?: boolean } = {}): Spec {
  const s = defaultSpec(opts);
  const linux = s.linux!;
  linux.namespaces = [...linux.namespaces!.filter((n) => n.type !== 'network' && n.type !== 'user'), { type: 'user' }];
  linux.uidMappings = [{ containerID: 0, hostID: uid, size: 1 }];
  linux.gidMappings = [{ containerID: 0, hostID: gid, size: 1 }];
  delete linux.resources;
  s.mounts = s.mounts!.map((m) => m.destination === '/sys'
    ? { destination: '/sys', type: 'none', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] }
    : { ...m, ...(m.options ? { options: m.options.filter((o) => !o.startsWith('uid=') && !o.startsWith('gid=')) } : {}) });
  return s;
}
