// The cgroup v1 manager: one directory per mounted hierarchy (record.paths), the same cgroup path
// in each (runc cgroups/fs). See v1Resources.ts for linux.resources.
import { exists } from '../fileio';
import { dirname } from '../pathnames';
import { TsruncError } from '../errors';
import type { LinuxResources } from '../spec/types';
import { freezeV1, isFrozenV1, thawV1 } from './freezer';
import { allProcs, errnoCode, errnoNumber, readCgroupFile, writeCgroupFile } from './fsio';
import { killAll } from './kill';
import type { ApplyOptions, CgroupManager, CgroupRecord, CgroupStats } from './manager';
import { checkUnused, joinCgroup } from './procs';
import { isAncestorOrSelf, makeCgroupDirs, removeCgroupDirs, removeEmptyCgroups } from './tree';

export class V1Manager implements CgroupManager {
  constructor(readonly record: CgroupRecord) {}

  /** The v1 hierarchies' directories (a hybrid record also has `unified`, handled by hybrid.ts). */
  dirs(): string[] {
    return [...new Set(Object.entries(this.record.paths).filter(([k]) => k !== 'unified').map(([, d]) => d))];
  }

  /** The directory of the hierarchy that holds `controller` ("cpu" is in "cpu,cpuacct"). */
  dirOf(controller: string): string | undefined {
    for (const [name, dir] of Object.entries(this.record.paths)) {
      if (name !== 'unified' && name.split(',').includes(controller)) return dir;
    }
    return undefined;
  }

  create(onRecord?: (rec: CgroupRecord) => void): void {
    const freezer = this.dirOf('freezer');
    for (const d of this.dirs()) checkUnused(d, (dir) => dir === freezer && isFrozenV1(dir));
    const cpuset = this.dirOf('cpuset');
    // A new v1 cpuset starts with empty cpus and mems, and no task can join it (nor can a child get
    // any) until both are set (cgroup-v1/cpusets.rst): copy the parent's into every level we make,
    // top down, as each is made (runc cpusetEnsureParent/cpusetCopyIfNeeded). Once the leaf exists
    // (and so pins every level above it), every level from the top down to the leaf is filled the
    // same way where empty: one made by hand, by a create that died right after making it, or made
    // again by a concurrent create that has not filled it yet (runc's cpusetEnsureParent walks every
    // ancestor too). A filled one is left alone.
    const inCpuset = (d: string) => !!cpuset && isAncestorOrSelf(d, cpuset);
    makeCgroupDirs(this.record, this.dirs(), onRecord, (d) => { if (inCpuset(d)) copyCpuset(d); });
    if (cpuset) for (const d of [...existingCpusetAncestors(cpuset), cpuset]) copyCpuset(d);
  }

  cloneTarget(): string | undefined {
    return undefined;
  }

  addProcess(pid: number): void {
    for (const d of this.dirs()) joinCgroup(d, pid);
  }

  apply(resources: LinuxResources | undefined, opts?: ApplyOptions): void {
    // The planners and stats are loaded when used: delete, kill --all and pause need none (issue 12).
    const { planV1 } = require('./v1Resources') as typeof import('./v1Resources');
    const { executeWrites } = require('./writes') as typeof import('./writes');
    executeWrites(planV1(resources, { dirOf: (c) => this.dirOf(c) }, opts));
  }

  pids(): number[] {
    const all = new Set<number>();
    for (const d of this.dirs()) allProcs(d, all);
    return [...all].sort((a, b) => a - b);
  }

  private freezer(): string {
    const d = this.dirOf('freezer');
    if (!d) throw new TsruncError('the freezer cgroup controller is not mounted on this host');
    return d;
  }

  freeze(): void {
    freezeV1(this.freezer());
  }

  thaw(): void {
    thawV1(this.freezer());
  }

  isFrozen(): boolean {
    const d = this.dirOf('freezer');
    return !!d && isFrozenV1(d);
  }

  stats(): CgroupStats {
    return (require('./stats') as typeof import('./stats')).statsV1((c) => this.dirOf(c));
  }

  /** Kill what is left (freeze, SIGKILL, thaw: also right for a paused container), then rmdir. */
  destroy(): void {
    if (removeEmptyCgroups(this.record, this.dirs())) return;
    const freezer = this.dirOf('freezer');
    killAll({
      pids: () => this.pids(),
      freeze: freezer ? () => freezeV1(freezer) : undefined,
      thaw: freezer ? () => thawV1(freezer) : undefined,
    });
    removeCgroupDirs(this.record, this.dirs());
  }
}

/** The existing directories above `dir` in its cpuset hierarchy, below the hierarchy's root, top
 * first (the root itself always has every cpu and memory node). */
function existingCpusetAncestors(dir: string): string[] {
  const out: string[] = [];
  for (let d = dirname(dir); d !== dirname(d); d = dirname(d)) {
    if (!exists(d)) continue; // to be made: filled as it is made
    if (readCgroupFile(d, 'cpuset.cpus') === undefined) break; // above the hierarchy's mount
    out.unshift(d);
  }
  out.shift(); // the root
  return out;
}

function copyCpuset(dir: string): void {
  const parent = dirname(dir);
  for (const key of ['cpuset.cpus', 'cpuset.mems']) {
    if ((readCgroupFile(dir, key) ?? '').trim() !== '') continue;
    const value = (readCgroupFile(parent, key) ?? '').trim();
    // A parent made again by a concurrent create and not set up yet: makeCgroupDirs sets both up
    // once more, top first, when the leaves exist.
    if (value === '') continue;
    try {
      writeCgroupFile(dir, key, value);
    } catch (e) {
      const code = errnoCode(e);
      throw new TsruncError(`cannot copy ${key} "${value}" from ${parent} into ${dir}: ${code}`, { field: 'linux.cgroupsPath', syscall: 'write', errno: errnoNumber(code) });
    }
  }
}
