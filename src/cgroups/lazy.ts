// The cgroup managers, loaded on first use. Commands that often need none (kill of the init alone,
// ps of a container without a cgroup) must not pay for importing them at start-up (docs/
// ARCHITECTURE.md "Start-up"; issue 12): importing ./index pulls in every manager, the resource
// planners and the device filter compiler; ./fromRecord only the manager classes (no node:fs, no
// node:path). This module itself imports nothing at run time.
import type { CgroupManager, CgroupRecord } from './manager';

/** managerFromRecord, with the managers loaded only now. */
export function loadManager(rec: CgroupRecord): CgroupManager {
  return (require('./fromRecord') as typeof import('./fromRecord')).managerFromRecord(rec);
}
