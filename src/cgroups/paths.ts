// linux.cgroupsPath -> one directory per hierarchy, with the semantics of runc's cgroupfs driver
// (config-linux.md "Cgroups Path"; runc: cgroups/fs/paths.go subsysPath, fs2/defaultpath.go):
//   absolute "/a/b"  the same path below every hierarchy's mount point;
//   relative "a/b"   below the cgroup this runtime runs in, per hierarchy (/proc/self/cgroup). On a pure
//                    v2 host runc uses the *parent* of its own cgroup: its own cgroup (a session scope, a
//                    service) has processes, and v2's "no internal processes" rule would then keep the
//                    new cgroup from getting any controller;
//   absent           "tsrunc/<id>" relative: runc's default is "<id>"; we group ours under a shared
//                    `tsrunc` parent (docs/ARCHITECTURE.md "cgroups") that destroy() removes when it is left empty.
// Unlike runc (which clamps ".." at the root), a path that climbs out of its base is refused: it
// would name a cgroup that belongs to someone else.
import * as path from '../posixpath';
import { TsruncError } from '../errors';
import type { CgroupRecord } from './manager';
import { canonical, type Hierarchy, type Layout } from './layout';

export const DEFAULT_PARENT = 'tsrunc';
const FIELD = 'linux.cgroupsPath';

export interface CgroupsPath {
  absolute: boolean;
  /** Clean components, never empty. */
  parts: string[];
  /** The default path: parts[0] is the shared `tsrunc` parent. */
  isDefault: boolean;
}

/** Clean cgroupsPath (or the default for `id`); throws on a path that escapes or names its own base. */
export function parseCgroupsPath(cgroupsPath: string | undefined, id: string): CgroupsPath {
  if (cgroupsPath === undefined || cgroupsPath === '') return { absolute: false, parts: [DEFAULT_PARENT, id], isDefault: true };
  if (typeof cgroupsPath !== 'string') throw new TsruncError('must be a string', { field: FIELD });
  if (cgroupsPath.includes('\0')) throw new TsruncError('must not contain a NUL byte', { field: FIELD });
  const absolute = cgroupsPath.startsWith('/');
  const parts: string[] = [];
  for (const c of cgroupsPath.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (!parts.length) {
        throw new TsruncError(`"${cgroupsPath}" escapes ${absolute ? 'the cgroup hierarchy\'s root' : 'the runtime\'s own cgroup'} with ".."`, { field: FIELD });
      }
      parts.pop();
      continue;
    }
    if (c.length > 255) throw new TsruncError(`path component "${c.slice(0, 20)}..." is longer than 255 bytes`, { field: FIELD });
    parts.push(c);
  }
  if (!parts.length) {
    // The root cgroup or the runtime's own: destroy() would kill everything in it.
    throw new TsruncError(`"${cgroupsPath}" names ${absolute ? 'the root cgroup' : 'the runtime\'s own cgroup'}, not a cgroup of the container`, { field: FIELD });
  }
  return { absolute, parts, isDefault: false };
}

export function formatCgroupsPath(p: CgroupsPath): string {
  return (p.absolute ? '/' : '') + p.parts.join('/');
}

/** The host directory of cgroup path `cg` (a path inside the hierarchy) given where the hierarchy is mounted. */
export function hostDir(h: Hierarchy, cg: string, root: string): string {
  const rel = path.relative(h.mountRoot, cg);
  if (rel === '..' || rel.startsWith('../')) {
    throw new TsruncError(`the runtime's cgroup ${cg} in the ${h.name} hierarchy is outside its mount at ${h.mountpoint} (root ${h.mountRoot})`, { field: FIELD });
  }
  return path.join(root || '/', h.mountpoint, rel);
}

/** The directory of the container's cgroup in hierarchy `h`, and of the shared parent if any. */
function resolveIn(h: Hierarchy, p: CgroupsPath, self: Map<string, string>, root: string, base: 'own' | 'ownParent'): { dir: string; parent?: string } {
  if (p.absolute) {
    // runc: filepath.Join(root, mountpoint, inner) -- relative to the mount point itself.
    const dir = path.join(root || '/', h.mountpoint, ...p.parts);
    return { dir };
  }
  const key = h.name === 'unified' ? 'unified' : canonical(h.name);
  const own = self.get(key);
  if (own === undefined) throw new TsruncError(`cannot find the runtime's own cgroup in the ${h.name} hierarchy (/proc/self/cgroup)`, { field: FIELD });
  const cg = base === 'ownParent' ? path.dirname(own) : own;
  const baseDir = hostDir(h, cg, root);
  const dir = path.join(baseDir, ...p.parts);
  return { dir, parent: p.isDefault ? path.join(baseDir, p.parts[0]) : undefined };
}

/** The record createManager starts from: every directory known, nothing created yet. */
export function resolveRecord(layout: Layout, p: CgroupsPath, self: Map<string, string>, root = ''): CgroupRecord {
  const paths: Record<string, string> = {};
  const parents: string[] = [];
  const add = (h: Hierarchy, base: 'own' | 'ownParent') => {
    const r = resolveIn(h, p, self, root, base);
    paths[h.name] = r.dir;
    if (r.parent) parents.push(r.parent);
  };
  if (layout.mode === 'v2') {
    add(layout.unified!, 'ownParent');
  } else {
    for (const h of layout.v1) add(h, 'own');
    // Hybrid: the unified mount is joined with the same path rules as the v1 hierarchies (runc's
    // NameGroup "" in cgroups/fs/fs.go); nothing there has processes that would block controllers.
    if (layout.unified) add(layout.unified, 'own');
  }
  const rec: CgroupRecord = { version: layout.mode === 'v2' ? 2 : 1, path: formatCgroupsPath(p), paths, created: [] };
  if (layout.mode === 'v2') rec.enableFrom = path.join(root || '/', layout.unified!.mountpoint);
  if (parents.length) rec.parents = parents;
  return rec;
}
