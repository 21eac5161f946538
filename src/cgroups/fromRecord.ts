// A container's cgroup manager rebuilt from what state.json recorded (delete, kill --all, pause,
// ps, events): only the manager classes, without index.ts's layout detection and cgroupsPath
// resolution, so these commands load neither node:fs nor node:path (issue 12).
import { HybridManager } from './hybrid';
import type { CgroupManager, CgroupRecord } from './manager';
import { V1Manager } from './v1';
import { V2Manager } from './v2';

export function managerFromRecord(rec: CgroupRecord): CgroupManager {
  if (rec.systemd) return new (require('./systemd') as typeof import('./systemd')).SystemdManager(rec);
  if (rec.version === 2) return new V2Manager(rec);
  if (rec.paths.unified) return new HybridManager(rec);
  return new V1Manager(rec);
}
