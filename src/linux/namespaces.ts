// linux.namespaces (config-linux.md "Namespaces") -> clone3 flags and SETNS/UNSHARE ops.
import { TsruncError } from '../errors';
import type { Spec } from '../spec/types';
import type { Plan } from './plan';
import { Sync } from './opcodes';

export const CLONE_NEW: Record<string, bigint> = {
  mount: 0x00020000n,
  uts: 0x04000000n,
  ipc: 0x08000000n,
  user: 0x10000000n,
  pid: 0x20000000n,
  network: 0x40000000n,
  cgroup: 0x02000000n,
  time: 0x00000080n,
};

/** linux.namespaces[].type -> its file under /proc/<pid>/ns/ (namespaces(7) "The /proc/[pid]/ns/
 * directory"): the spec's names are not the kernel's for mount and network. */
export const NS_PROC_FILE: Record<string, string> = {
  mount: 'mnt', uts: 'uts', ipc: 'ipc', user: 'user', pid: 'pid', network: 'net', cgroup: 'cgroup', time: 'time',
};

export interface NamespaceSet {
  /** type -> path ('' when the namespace is new) */
  byType: Map<string, string>;
  has(type: string): boolean;
  isNew(type: string): boolean;
}

export function namespaceSet(spec: Spec): NamespaceSet {
  const byType = new Map<string, string>();
  (spec.linux?.namespaces ?? []).forEach((ns, i) => {
    const field = `linux.namespaces[${i}]`;
    if (!(ns.type in CLONE_NEW)) throw new TsruncError(`unknown namespace type "${ns.type}"`, { field: `${field}.type` });
    if (byType.has(ns.type)) throw new TsruncError(`duplicate namespace type "${ns.type}"`, { field: `${field}.type` });
    if (ns.path !== undefined && ns.path !== '' && !ns.path.startsWith('/'))
      throw new TsruncError(`namespace path must be absolute, got "${ns.path}"`, { field: `${field}.path` });
    byType.set(ns.type, ns.path ?? '');
  });
  return {
    byType,
    has: (t) => byType.has(t),
    isNew: (t) => byType.has(t) && byType.get(t) === '',
  };
}

/**
 * New namespaces come from clone3 itself where possible, so the child is born in them (one syscall,
 * and a new PID namespace makes the child its PID 1 without a second fork). Exceptions:
 * - cgroup: unshared after the parent has put the child in its cgroup, so the namespace's root is the
 *   container's cgroup (runc does the same);
 * - time: offsets can only be written before any process enters the namespace, so the child unshares
 *   it (which affects its children and, since Linux 5.x, its next execve) and writes timens_offsets;
 * - joined namespaces are entered with setns in the child, user namespace first.
 */
export function compileNamespaces(spec: Spec, plan: Plan, phase: 'clone' | 'afterGo'): void {
  const ns = namespaceSet(spec);
  const field = (t: string) => `linux.namespaces[${(spec.linux?.namespaces ?? []).findIndex((n) => n.type === t)}]`;
  const joinsUser = ns.has('user') && !ns.isNew('user');
  if (phase === 'clone') {
    for (const [type, path] of ns.byType) {
      if (path || type === 'cgroup' || type === 'time') continue;
      if (joinsUser && type !== 'user') continue; // unshared after setns(user), so the joined user namespace owns it
      plan.cloneFlags |= CLONE_NEW[type];
    }
    return;
  }
  // user first (it owns the others); mount last, so the other paths are still looked up in the
  // runtime's mount namespace.
  const order = ['user', 'network', 'ipc', 'uts', 'cgroup', 'time', 'pid', 'mount'];
  for (const type of order) {
    const path = ns.byType.get(type);
    if (path) plan.add('SETNS', field(type), `setns(open("${path}"), CLONE_NEW${type.toUpperCase()})`, [CLONE_NEW[type]], [path]);
  }
  // The time namespace first, while the child is still host uid 0: the child is non-dumpable
  // (CVE-2019-5736, addon/child.c), so its /proc/<pid>/timens_offsets belongs to host root, and
  // once it is root of a user namespace (uid 0 there, not on the host) it could not open it.
  if (ns.isNew('time')) {
    plan.add('UNSHARE', field('time'), 'unshare(CLONE_NEWTIME)', [CLONE_NEW.time]);
    const offsets = spec.linux?.timeOffsets ?? {};
    const lines = Object.entries(offsets).map(([clock, o]) => `${clock} ${o.secs ?? 0} ${o.nanosecs ?? 0}`);
    if (lines.length) plan.add('WRITE_FILE', 'linux.timeOffsets', 'write /proc/self/timens_offsets', [], ['/proc/self/timens_offsets', lines.join('\n') + '\n']);
  } else if (spec.linux?.timeOffsets && Object.keys(spec.linux.timeOffsets).length) {
    throw new TsruncError('timeOffsets requires a new time namespace', { field: 'linux.timeOffsets' });
  }
  if (ns.has('user')) {
    // Become root of the user namespace (runc's nsexec does the same): until then the child's host
    // uid 0 is unmapped there, and files it creates would fail with EOVERFLOW.
    plan.add('SETGROUPS', 'linux.namespaces', 'setgroups([]) in the user namespace', [0n], [Buffer.alloc(0)]);
    plan.add('SETGID', 'linux.gidMappings', 'setresgid(0) in the user namespace', [0n]);
    plan.add('SETUID', 'linux.uidMappings', 'setresuid(0) in the user namespace', [0n]);
  }
  let late = 0n;
  for (const type of ['mount', 'network', 'ipc', 'uts', 'pid']) if (joinsUser && ns.isNew(type)) late |= CLONE_NEW[type];
  if (ns.isNew('cgroup')) late |= CLONE_NEW.cgroup;
  if (late) plan.add('UNSHARE', 'linux.namespaces', `unshare(${flagNames(late)})`, [late]);
  // A joined PID namespace (setns) or one unshared after joining a user namespace only applies to
  // the caller's children: fork once more (runc's nsexec stages, crun's must_fork). The child
  // reports the grandchild's pid and exits; the grandchild waits until the runtime has recorded it.
  if (ns.byType.get('pid') || (joinsUser && ns.isNew('pid'))) {
    plan.add('FORK', field('pid'), 'fork into the PID namespace; report the new pid; the intermediate exits');
    plan.add('SYNC_WAIT', 'runtime', 'wait for the runtime to record the new pid', [BigInt(Sync.GO)]);
    // The new process is the runtime's child (CLONE_PARENT): it dies with create, like the first.
    plan.add('PDEATHSIG', 'runtime', 'prctl(PR_SET_PDEATHSIG, SIGKILL): die with create', [9n]);
  }
}

export function flagNames(flags: bigint): string {
  const names = Object.entries(CLONE_NEW).filter(([, v]) => flags & v).map(([k]) => `CLONE_NEW${k === 'mount' ? 'NS' : k === 'network' ? 'NET' : k.toUpperCase()}`);
  return names.join('|') || '0';
}
