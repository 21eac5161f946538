// Which cgroup hierarchies this host has and where they are mounted, from /proc/self/mountinfo
// (proc(5)), and which cgroup the runtime itself is in, from /proc/self/cgroup (cgroups(7)).
// Three layouts exist in the wild (runc's IsCgroup2UnifiedMode / IsCgroup2HybridMode):
//   v2      one cgroup2 mount (normally at /sys/fs/cgroup) that holds every controller;
//   v1      one cgroup (v1) mount per hierarchy: /sys/fs/cgroup/memory, /sys/fs/cgroup/cpu,cpuacct, ...;
//   hybrid  v1 hierarchies for the controllers plus a cgroup2 mount (systemd puts it at
//           /sys/fs/cgroup/unified) that holds no or few controllers but offers cgroup.kill/freeze.

/** The v1 controllers the kernel has (Documentation/admin-guide/cgroup-v1/). Anything else in a v1
 * mount's super options (rw, clone_children, xattr, release_agent=...) is an option, not a controller. */
export const V1_CONTROLLERS = new Set([
  'cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'net_cls', 'net_prio', 'blkio',
  'perf_event', 'hugetlb', 'pids', 'rdma', 'misc',
]);

export interface Hierarchy {
  /** v1: controllers comma-joined in the kernel's order ("cpu,cpuacct", "name=systemd"); v2: "unified". */
  name: string;
  controllers: string[];
  /** Where it is mounted (as seen by this process). */
  mountpoint: string;
  /** The mount's root inside the hierarchy (4th mountinfo field): not "/" when a subtree is bind-mounted. */
  mountRoot: string;
}

export interface Layout {
  mode: 'v1' | 'v2' | 'hybrid';
  /** v1 and hybrid: the hierarchies to join (every one with a known controller, and name=systemd). */
  v1: Hierarchy[];
  /** v2: the only hierarchy; hybrid: the extra cgroup2 mount. */
  unified?: Hierarchy;
}

/** mountinfo escapes space, tab, newline and backslash as \ooo (proc(5), seq_file's mangle_path). */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
}

export function detectLayout(mountinfo: string): Layout {
  const v1: Hierarchy[] = [];
  const seen = new Set<string>();
  const unifiedMounts: Hierarchy[] = [];
  for (const line of mountinfo.split('\n')) {
    // id parent major:minor root mountpoint options [optional...] - fstype source superoptions
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const right = line.slice(sep + 3).split(' ');
    if (left.length < 6 || right.length < 3) continue;
    const fstype = right[0];
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const mountRoot = unescape(left[3]);
    const mountpoint = unescape(left[4]);
    if (fstype === 'cgroup2') {
      unifiedMounts.push({ name: 'unified', controllers: [], mountpoint, mountRoot });
      continue;
    }
    const opts = right[2].split(',');
    const controllers = opts.filter((o) => V1_CONTROLLERS.has(o));
    const named = opts.filter((o) => o.startsWith('name='));
    // Named hierarchies have no controller; runc joins only name=systemd (systemd's tracking hierarchy).
    if (!controllers.length && !named.includes('name=systemd')) continue;
    const all = [...controllers, ...named];
    const name = all.join(',');
    // The same hierarchy can be mounted more than once (bind mounts): the first mount wins, as in runc.
    if (seen.has(name)) continue;
    seen.add(name);
    v1.push({ name, controllers: all, mountpoint, mountRoot });
  }
  const realV1 = v1.some((h) => h.controllers.some((c) => V1_CONTROLLERS.has(c)));
  // A cgroup2 mount at /sys/fs/cgroup itself is the unified layout even if some v1 named hierarchy is
  // mounted as well (docker does that for old systemd containers); prefer that mount when there are several.
  const unified = unifiedMounts.find((m) => m.mountpoint === '/sys/fs/cgroup') ?? unifiedMounts[0];
  if (unified && (!realV1 || unified.mountpoint === '/sys/fs/cgroup')) return { mode: 'v2', v1: [], unified };
  if (!v1.length) throw new Error('no cgroup filesystem is mounted (see /proc/self/mountinfo)');
  return unified ? { mode: 'hybrid', v1, unified } : { mode: 'v1', v1 };
}

/** /proc/self/cgroup: "hierarchy-id:controller-list:path" per line; v2 is "0::path". Keyed by the
 * controller list as the kernel prints it ("" for v2), which is the Hierarchy name (or "unified"). */
export function parseSelfCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    out.set(m[2] === '' ? 'unified' : canonical(m[2]), m[3]);
  }
  return out;
}

/** Controller lists compare as sets: mountinfo and /proc/self/cgroup may order them differently. */
export function canonical(list: string): string {
  return list.split(',').sort().join(',');
}
