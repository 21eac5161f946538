// `exec --cgroup path | controller[,controller...]:path` (runc-exec(8)): run the new process in an
// existing sub-cgroup of the container's cgroup. Resolved here against what state.json recorded:
// one target directory per recorded hierarchy (v1 keys such as "cpu,cpuacct", "name=systemd", and
// "unified"). Paths stay inside the container's cgroup and must exist.
import * as fs from 'fs';
import * as path from 'path';
import { TsruncError } from '../errors';
import type { CgroupRecord } from './manager';

const field = '--cgroup';

/** Hierarchy key -> the directory the process joins. */
export function execCgroupTargets(rec: CgroupRecord, specs: string[]): Record<string, string> {
  let all: string | undefined;
  const byController = new Map<string, string>();
  for (const spec of specs) {
    const colon = spec.indexOf(':');
    const sub = clean(colon >= 0 ? spec.slice(colon + 1) : spec);
    if (colon < 0) {
      if (all !== undefined) throw new TsruncError('a path for all controllers is given twice', { field });
      all = sub;
      continue;
    }
    if (rec.version === 2) throw new TsruncError('controller:path is for cgroup v1 only; give a path', { field });
    for (const c of spec.slice(0, colon).split(',')) {
      if (!c) throw new TsruncError(`"${spec}": empty controller name`, { field });
      if (byController.has(c)) throw new TsruncError(`controller ${c} is given twice`, { field });
      byController.set(c, sub);
    }
  }
  const known = new Set(Object.keys(rec.paths).flatMap((k) => k.split(',')));
  for (const c of byController.keys()) {
    if (!known.has(c) && !known.has(`name=${c}`)) throw new TsruncError(`unknown controller ${c}: the container has no ${c} cgroup (it has: ${[...known].sort().join(', ')})`, { field });
  }
  const out: Record<string, string> = {};
  for (const [key, dir] of Object.entries(rec.paths)) {
    const names = key.split(',');
    const specific = names.map((n) => byController.get(n) ?? byController.get(n.replace(/^name=/, ''))).find((x) => x !== undefined);
    const sub = specific ?? all ?? '';
    const target = sub ? path.join(dir, sub) : dir;
    if (sub && !isDir(target)) throw new TsruncError(`cgroup ${target} does not exist: adding pid to it: no such file or directory`, { field });
    out[key] = target;
  }
  return out;
}

/** A path relative to the container's cgroup ("/" and "" are the cgroup itself); no way out. The
 * errors of this file start with runc's words where runc has some (exec.bats looks for them). */
function clean(p: string): string {
  const rel = path.posix.normalize('/' + p).slice(1);
  if (p.split('/').includes('..')) throw new TsruncError(`bad sub cgroup path: "${p}" leaves the container's cgroup`, { field });
  return rel;
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
