// The one cgroup manager interface (docs/ARCHITECTURE.md "cgroups"). v1 and v2 implement it; `createManager`
// in ./index.ts picks the implementation for the host. Everything a manager writes lies under the
// container's own cgroup path, except, on a pure v2 host, the cgroup.subtree_control of the levels
// above it (CgroupRecord.enableFrom), where runc too enables the controllers a container needs.
import type { LinuxDevice, LinuxResources } from '../spec/types';

/** What state.json records about a container's cgroups, so that any later command (and delete --force
 * after a crash) can find and remove them without re-reading config.json. */
export interface CgroupRecord {
  version: 1 | 2;
  /** cgroupsPath as resolved and cleaned: absolute ("/a/b", relative to each hierarchy's root) or
   * relative ("tsrunc/<id>", relative to the runtime's own cgroup in each hierarchy; see ./paths.ts). */
  path: string;
  /** v1: hierarchy name (the mount's controllers, comma-joined as in /proc/self/cgroup: "memory",
   * "cpu,cpuacct", "name=systemd") -> absolute directory; v2: { unified: dir }. A hybrid host records
   * its v1 hierarchies and `unified`. Recorded before the dirs are made. */
  paths: Record<string, string>;
  /** Directories this runtime created (deepest last), removed in reverse order by destroy(). */
  created: string[];
  /** Shared parent directories (the default `tsrunc` group, docs/ARCHITECTURE.md "cgroups") that destroy() removes
   * when they are left empty; another container may still be using them, so EBUSY is not an error. */
  parents?: string[];
  /** Pure v2 hosts: the hierarchy's root. create() enables the controllers in every existing level from
   * there down to the container's parent, as runc does (fs2 CreateCgroupPath): systemd enables only
   * memory and pids at the root of a stock host, so without this no container gets cpu or io.
   * Unset (hybrid hosts, private mounts in tests): only the levels the manager makes are touched. */
  enableFrom?: string;
  /** --systemd-cgroup: the container's unit and its parent slice (./systemd.ts); paths.unified is the
   * unit's cgroup, made and removed by systemd. */
  systemd?: { slice: string; unit: string };
}

export interface ApplyOptions {
  /** linux.devices. As in runc (specconv createDevices), a node listed there does not get an allow rule
   * of its own (linux.resources.devices must allow it), but it replaces the built-in allow rule of a
   * default device with the same path. */
  devices?: LinuxDevice[];
  /** Leave the device cgroup as it is (an update that does not change device rules). */
  skipDevices?: boolean;
}

export interface CgroupStats { [key: string]: unknown }

export interface CgroupManager {
  readonly record: CgroupRecord;
  /** mkdir the container's cgroup(s); records each directory in record.created before creating it. */
  create(onRecord?: (rec: CgroupRecord) => void): void;
  /** The cgroup v2 directory a new process can be cloned into (CLONE_INTO_CGROUP), if any. */
  cloneTarget(): string | undefined;
  /** Put pid into the container's cgroup(s); `cloned`: it was born in cloneTarget() already. */
  addProcess(pid: number, opts?: { cloned?: boolean }): void;
  /** Apply linux.resources (all or nothing where the kernel allows it): every value is validated before
   * the first write; if the kernel refuses a write, the error names the field and lists what was written. */
  apply(resources: LinuxResources | undefined, opts?: ApplyOptions): void;
  /** Host pids of every process in the container's cgroup. */
  pids(): number[];
  freeze(): void;
  thaw(): void;
  isFrozen(): boolean;
  stats(): CgroupStats;
  /** Kill every process left, then rmdir what create() made (deepest first). Never throws on ENOENT. */
  destroy(): void;
}
