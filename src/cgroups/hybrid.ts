// A hybrid host (v1 controllers plus a cgroup2 mount, like systemd's /sys/fs/cgroup/unified): the
// v1 manager does the work, and the container also gets a cgroup in the unified hierarchy (runc
// joins it too: the "" subsystem of cgroups/fs), so that cgroup.kill and cgroup.freeze exist for it.
// The v2 part is a bonus: nothing about it may make create or delete fail.
import { logDebug, logWarn } from '../log';
import type { LinuxResources } from '../spec/types';
import { fileExists } from './fsio';
import { cgroupKill } from './kill';
import type { ApplyOptions, CgroupManager, CgroupRecord, CgroupStats } from './manager';
import { V1Manager } from './v1';
import { V2Manager } from './v2';

export class HybridManager implements CgroupManager {
  private readonly v1: V1Manager;
  private readonly unified: V2Manager;

  constructor(readonly record: CgroupRecord) {
    this.v1 = new V1Manager(record);
    this.unified = new V2Manager(record);
  }

  private hasUnified(): boolean {
    return !!this.record.paths.unified;
  }

  create(onRecord?: (rec: CgroupRecord) => void): void {
    this.v1.create(onRecord);
    if (!this.hasUnified()) return;
    try {
      this.unified.create(onRecord);
    } catch (e) {
      // Read-only mount, no permission, max depth...: carry on without it, and say so in the record.
      logDebug(`not using the unified cgroup ${this.record.paths.unified}: ${(e as Error).message}`);
      delete this.record.paths.unified;
      onRecord?.(this.record);
    }
  }

  cloneTarget(): string | undefined {
    return this.hasUnified() ? this.record.paths.unified : undefined;
  }

  addProcess(pid: number, opts?: { cloned?: boolean }): void {
    this.v1.addProcess(pid);
    if (!this.hasUnified()) return;
    try {
      this.unified.addProcess(pid, opts);
    } catch (e) {
      logDebug(`cannot join the unified cgroup: ${(e as Error).message}`);
    }
  }

  apply(resources: LinuxResources | undefined, opts?: ApplyOptions): void {
    this.v1.apply(resources, opts);
  }

  pids(): number[] {
    const all = new Set(this.v1.pids());
    if (this.hasUnified()) {
      try { for (const p of this.unified.pids()) all.add(p); } catch { /* v1 is authoritative */ }
    }
    return [...all].sort((a, b) => a - b);
  }

  /** The v1 freezer when it is mounted (what `state` reads, container/frozen.ts), else cgroup.freeze. */
  private freezerIsV1(): boolean {
    return !!this.v1.dirOf('freezer') || !this.hasUnified() || !fileExists(this.record.paths.unified, 'cgroup.freeze');
  }

  freeze(): void {
    if (this.freezerIsV1()) this.v1.freeze();
    else this.unified.freeze();
  }

  thaw(): void {
    if (this.freezerIsV1()) this.v1.thaw();
    else this.unified.thaw();
  }

  isFrozen(): boolean {
    return this.freezerIsV1() ? this.v1.isFrozen() : this.unified.isFrozen();
  }

  stats(): CgroupStats {
    return this.v1.stats();
  }

  destroy(): void {
    // cgroup.kill first: one atomic write that no fork escapes. No waiting here: a task frozen by the
    // v1 freezer (a paused container) cannot die until thawed, which the v1 rounds do next; they also
    // catch anything that never joined the unified cgroup.
    if (this.hasUnified()) {
      try { cgroupKill(this.record.paths.unified); } catch (e) { logDebug(`unified cgroup.kill: ${(e as Error).message}`); }
    }
    this.v1.destroy();
    if (!this.hasUnified()) return;
    try {
      this.unified.destroy();
    } catch (e) {
      logWarn(`cannot remove the unified cgroup ${this.record.paths.unified}: ${(e as Error).message}`);
    }
  }
}
