// The cgroup v2 manager: one directory in the unified hierarchy, record.paths.unified (runc
// cgroups/fs2). See v2Resources.ts for linux.resources. Also used, in "companion" mode, for the extra
// cgroup2 mount of a hybrid host (hybrid.ts).
import { exists } from '../fileio';
import { dirname } from '../pathnames';
import type { LinuxResources } from '../spec/types';
import { freezeV2, isFrozenV2, thawV2 } from './freezer';
import { allProcs, readCgroupFile, writeCgroupFile } from './fsio';
import { cgroupKill, killAll } from './kill';
import type { ApplyOptions, CgroupManager, CgroupRecord, CgroupStats } from './manager';
import { checkUnused, joinCgroup } from './procs';
import { isAncestorOrSelf, makeCgroupDirs, removeCgroupDirs, removeEmptyCgroups } from './tree';
import type { Resources } from './resources';
import { TsruncError } from '../errors';
import { native } from '../native';

/** The controllers linux.resources can use; the ones we enable for the levels below us. */
const MANAGED = ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma', 'misc'];

export class V2Manager implements CgroupManager {
  constructor(readonly record: CgroupRecord) {}

  get dir(): string {
    return this.record.paths.unified;
  }

  create(onRecord?: (rec: CgroupRecord) => void): void {
    checkUnused(this.dir, isFrozenV2);
    // A controller reaches a cgroup only through its parent's cgroup.subtree_control ("top-down
    // constraint", cgroup-v2.rst). We enable what is available, but only in the levels we make (and
    // our shared parent), each as it is made, before its child, and once more when the leaf exists
    // (makeCgroupDirs: a concurrent delete and create may have made the shared parent again): a
    // pre-existing cgroup is not ours to change. No level above the leaf has processes, so the "no
    // internal processes" rule cannot refuse.
    const above = (d: string) => d !== this.dir && isAncestorOrSelf(d, this.dir);
    // On a pure v2 host, every level from the mount down (runc's CreateCgroupPath), before the
    // mkdirs and again after them, when nothing above the leaf can be removed any more.
    const fromMount = () => {
      if (!this.record.enableFrom || !isAncestorOrSelf(this.record.enableFrom, this.dir)) return;
      for (const d of existingLevels(this.record.enableFrom, dirname(this.dir))) enableControllers(d);
    };
    fromMount();
    for (const d of this.record.parents ?? []) if (above(d) && exists(d)) enableControllers(d);
    makeCgroupDirs(this.record, [this.dir], onRecord, (d) => { if (above(d)) enableControllers(d); });
    fromMount();
  }

  cloneTarget(): string | undefined {
    return this.dir;
  }

  addProcess(pid: number, opts?: { cloned?: boolean }): void {
    if (opts?.cloned) return;
    joinCgroup(this.dir, pid);
  }

  apply(resources: LinuxResources | undefined, opts?: ApplyOptions): void {
    // The planners, the device filter compiler and stats are loaded when used: delete, kill --all
    // and pause need none of them (issue 12).
    const { validateV2 } = require('./v2Resources') as typeof import('./v2Resources');
    this.applyValidated(validateV2(resources, opts), opts);
  }

  /** apply() of resources validateV2 has passed (the systemd driver validates once, for its unit's
   * properties and these files). */
  applyValidated(v: Resources, opts?: ApplyOptions): void {
    // Device rules are validated and compiled with the rest, before anything is written; the
    // program is attached last (runc fs2 applies devices after the limits too).
    const { writesV2 } = require('./v2Resources') as typeof import('./v2Resources');
    const { executeWrites } = require('./writes') as typeof import('./writes');
    const { withBuiltinRules } = require('./devices') as typeof import('./devices');
    const { compileDeviceFilter } = require('./devicefilter') as typeof import('./devicefilter');
    const filter = v.devices && compileDeviceFilter(withBuiltinRules(v.devices, opts?.devices));
    executeWrites(writesV2(v, this.dir));
    if (filter) attachDeviceFilter(this.dir, filter);
  }

  pids(): number[] {
    return [...allProcs(this.dir)].sort((a, b) => a - b);
  }

  freeze(): void {
    freezeV2(this.dir);
  }

  thaw(): void {
    thawV2(this.dir);
  }

  isFrozen(): boolean {
    return isFrozenV2(this.dir);
  }

  stats(): CgroupStats {
    return (require('./stats') as typeof import('./stats')).statsV2(this.dir);
  }

  /** cgroup.kill where the kernel has it (5.14+), else freeze/SIGKILL/thaw rounds; then rmdir. */
  destroy(): void {
    if (removeEmptyCgroups(this.record, [this.dir])) return;
    this.kill();
    removeCgroupDirs(this.record, [this.dir]);
  }

  kill(): void {
    const killed = cgroupKill(this.dir);
    killAll({
      pids: () => this.pids(),
      freeze: killed ? undefined : () => freezeV2(this.dir),
      thaw: killed ? undefined : () => thawV2(this.dir),
    });
  }
}

/** top, then each existing directory below it down to `bottom` (stopping at the first missing one). */
export function existingLevels(top: string, bottom: string): string[] {
  const out: string[] = [];
  for (let d = bottom; isAncestorOrSelf(top, d); d = dirname(d)) {
    out.unshift(d);
    if (d === top) break;
  }
  const missing = out.findIndex((d) => !exists(d));
  return missing < 0 ? out : out.slice(0, missing);
}

export function enableControllers(level: string): void {
  const available = (readCgroupFile(level, 'cgroup.controllers') ?? '').trim().split(/\s+/).filter((c) => MANAGED.includes(c));
  if (!available.length) return;
  const all = available.map((c) => `+${c}`).join(' ');
  try {
    writeCgroupFile(level, 'cgroup.subtree_control', all);
  } catch {
    // One refused controller fails the whole write: enable them one by one (runc CreateCgroupPath).
    // One that stays off shows up later as a clear "controller not available" from apply().
    for (const c of available) {
      try { writeCgroupFile(level, 'cgroup.subtree_control', `+${c}`); } catch { /* see apply() */ }
    }
  }
}

/** cgroup-v2.rst "Device controller": the rules are an eBPF program on the cgroup. */
function attachDeviceFilter(dir: string, filter: Buffer): void {
  try {
    native().bpfAttachDeviceFilter(dir, filter);
  } catch (e) {
    throw new TsruncError((e as Error).message, { field: 'linux.resources.devices' });
  }
}
