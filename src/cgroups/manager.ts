// The one cgroup manager interface (DESIGN.md "cgroups"). v1 and v2 implement it; `createManager`
// in ./index.ts picks the implementation for the host. Everything a manager writes lies under the
// container's own cgroup path: the runtime never writes anywhere else on the host.
import type { LinuxResources } from '../spec/types';

/** What state.json records about a container's cgroups, so that any later command (and delete --force
 * after a crash) can find and remove them without re-reading config.json. */
export interface CgroupRecord {
  version: 1 | 2;
  /** cgroupsPath as resolved (absolute, relative to each hierarchy's root). */
  path: string;
  /** v1: controller name -> absolute directory; v2: { unified: dir }. Recorded before the dirs are made. */
  paths: Record<string, string>;
  /** Directories this runtime created (deepest last), removed in reverse order by destroy(). */
  created: string[];
}

export interface CgroupStats { [key: string]: unknown }

export interface CgroupManager {
  readonly record: CgroupRecord;
  /** mkdir the container's cgroup(s); records each directory in record.created before creating it. */
  create(onRecord?: (rec: CgroupRecord) => void): void;
  /** Put pid into the container's cgroup(s). */
  addProcess(pid: number): void;
  /** Apply linux.resources (all or nothing where the kernel allows it). */
  apply(resources: LinuxResources | undefined): void;
  /** Host pids of every process in the container's cgroup. */
  pids(): number[];
  freeze(): void;
  thaw(): void;
  isFrozen(): boolean;
  stats(): CgroupStats;
  /** Kill every process left, then rmdir what create() made (deepest first). Never throws on ENOENT. */
  destroy(): void;
}
