// The cgroup manager for a container (docs/ARCHITECTURE.md "cgroups"): createManager() reads the host's layout
// and resolves linux.cgroupsPath, without touching any cgroup; managerFromRecord() rebuilds the same
// manager later (delete, kill --all, pause) from what state.json recorded.
import * as path from '../posixpath';
import { TsruncError } from '../errors';
import { managerFromRecord } from './fromRecord';
import { detectLayout, parseSelfCgroup } from './layout';
import { hostLayout, hostSelfCgroup } from './host';
import type { CgroupManager } from './manager';
import { parseCgroupsPath, resolveRecord } from './paths';

export type { CgroupManager, CgroupRecord } from './manager';
export { managerFromRecord } from './fromRecord';

export interface CreateManagerOptions {
  id: string;
  cgroupsPath?: string;
  /** --systemd-cgroup. */
  systemd?: boolean;
  /** The config's annotations: with --systemd-cgroup, "org.systemd.property.*" are unit properties. */
  annotations?: Record<string, string>;
  /** /proc/self/mountinfo text (tests). */
  mountinfo?: string;
  /** /proc/self/cgroup text (tests). */
  selfCgroup?: string;
  /** Prefix for every host path read or made (tests point it at a fake cgroupfs tree). */
  root?: string;
}

export function createManager(opts: CreateManagerOptions): CgroupManager {
  const root = opts.root ?? '';
  if (opts.systemd) return systemdManager(opts);
  let layout;
  try {
    layout = opts.mountinfo === undefined ? hostLayout() : detectLayout(opts.mountinfo);
  } catch (e) {
    throw new TsruncError((e as Error).message, { field: 'linux.cgroupsPath' });
  }
  if (layout.mode !== 'v2' && !layout.v1.some((h) => h.controllers.includes('devices'))) {
    // runc initPaths: a missing devices hierarchy is fatal, the container would get every device.
    throw new TsruncError('the devices cgroup controller is not mounted: refusing to run a container without device restrictions', { field: 'linux.resources.devices' });
  }
  if (opts.cgroupsPath === undefined || opts.cgroupsPath === '') {
    if (!opts.id || opts.id.includes('/') || opts.id === '.' || opts.id === '..') throw new TsruncError(`"${opts.id}" cannot name a cgroup`, { field: 'id' });
  }
  const p = parseCgroupsPath(opts.cgroupsPath, opts.id);
  const self = opts.selfCgroup === undefined ? hostSelfCgroup() : parseSelfCgroup(opts.selfCgroup);
  return managerFromRecord(resolveRecord(layout, p, self, root));
}

/** --systemd-cgroup: a transient unit per container (./systemd.ts, loaded only here). runc's systemd
 * driver also runs on v1 hosts; ours needs the unified hierarchy (every systemd host since 2021). */
function systemdManager(opts: CreateManagerOptions): CgroupManager {
  const { busAddress, SystemdManager } = require('./systemd') as typeof import('./systemd');
  const { parseSystemdPath } = require('./systemdUnit') as typeof import('./systemdUnit');
  const p = parseSystemdPath(opts.cgroupsPath, opts.id);
  busAddress(opts.root || '/');
  const layout = opts.mountinfo === undefined ? hostLayout() : detectLayout(opts.mountinfo);
  if (layout.mode !== 'v2') {
    throw new TsruncError(`the systemd cgroup driver is supported on cgroup v2 (unified) hosts only; this host is ${layout.mode}`, { field: '--systemd-cgroup' });
  }
  // Refused before anything exists, naming the annotation (runc: specconv initSystemdProps).
  const { annotationProperties } = require('./gvariant') as typeof import('./gvariant');
  const extra = annotationProperties(opts.annotations);
  const dir = path.join(opts.root || '/', layout.unified!.mountpoint, p.cgroup);
  const enableFrom = path.join(opts.root || '/', layout.unified!.mountpoint);
  return new SystemdManager({ version: 2, path: opts.cgroupsPath ?? '', paths: { unified: dir }, created: [], enableFrom, systemd: { slice: p.slice, unit: p.unit } }, extra);
}
