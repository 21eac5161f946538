// A `cgroup` entry in mounts[] (config-linux.md, runc's mountCgroupV1/V2). On a v1 (or hybrid) host:
// a tmpfs at the destination and, per hierarchy, the container's own cgroup directory: a fresh cgroup
// mount when the container has a cgroup namespace (the namespace makes its cgroup the root), a bind
// of the host directory otherwise. On a v2 host: cgroup2 itself, or a bind of the container's dir.
// Read-only (or nosuid/noexec/nodev) options apply to every hierarchy, and to the tmpfs last.
import * as path from '../posixpath';
import type { Mount } from '../spec/types';
import { Mnt } from './opcodes';
import { MOUNT_ATTR, MS, bindAttrs, parseMountOptions } from './mounts';
import type { Plan } from './plan';

export interface CgroupLayout {
  version: 1 | 2;
  /** v1: hierarchy name (cpu, memory, name=systemd, ...) -> the container's host directory;
   * v2 (and the hybrid unified mount): "unified" -> directory. */
  paths: Record<string, string>;
}

export function compileCgroupMount(m: Mount, field: string, plan: Plan, layout: CgroupLayout, cgroupNs: boolean): void {
  const dest = path.normalize(m.destination);
  const opts = parseMountOptions(m.options);
  const flags = opts.flags & (MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.RDONLY | MS.RELATIME | MS.NOATIME | MS.STRICTATIME);
  const attrs = bindAttrs(opts);
  if (layout.version === 2 && Object.keys(layout.paths).length === 1 && layout.paths.unified) {
    hierarchy(plan, field, 'unified', layout.paths.unified, dest, flags, attrs, cgroupNs, true);
    return;
  }
  plan.add('MOUNT', field, `mount -t tmpfs cgroup ${dest} (the v1 hierarchies go below)`,
    [BigInt((flags & ~MS.RDONLY) | MS.NOSUID | MS.NODEV | MS.NOEXEC), 0n, BigInt(Mnt.TARGET_IN_ROOT | Mnt.MKDIR), 0n],
    ['cgroup', dest, 'tmpfs', 'mode=755']);
  for (const [name, dir] of Object.entries(layout.paths).sort()) {
    const sub = name === 'unified' ? 'unified' : name.replace(/^name=/, '');
    hierarchy(plan, field, name, dir, `${dest}/${sub}`, flags, attrs, cgroupNs, name === 'unified');
  }
  if (opts.flags & MS.RDONLY) {
    plan.add('MOUNT_SETATTR', field, `make the ${dest} tmpfs read-only`, [0n, 0n, 0n, BigInt(MOUNT_ATTR.RDONLY)], [dest]);
  }
}

function hierarchy(plan: Plan, field: string, name: string, dir: string, target: string, flags: number, attrs: bigint, cgroupNs: boolean, v2: boolean): void {
  if (cgroupNs) {
    const data = v2 ? null : name.startsWith('name=') ? `none,${name}` : name;
    plan.add('MOUNT', field, `mount -t ${v2 ? 'cgroup2' : 'cgroup'}${data ? ` -o ${data}` : ''} cgroup ${target}`,
      [BigInt(flags), 0n, BigInt(Mnt.TARGET_IN_ROOT | Mnt.MKDIR), 0n], ['cgroup', target, v2 ? 'cgroup2' : 'cgroup', data]);
  } else {
    plan.add('MOUNT', field, `bind ${dir} -> ${target}`, [0n, 0n, BigInt(Mnt.BIND | Mnt.TARGET_IN_ROOT | Mnt.MKDIR), attrs], [dir, target, null, null]);
  }
}
