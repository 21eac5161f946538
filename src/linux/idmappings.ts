// uidMappings/gidMappings (config-linux.md "User namespace mappings", config.md mounts[]): checked
// before anything is made, with the rules the kernel applies when the map is written
// (user_namespaces(7) "Defining user and group ID mappings"), so a bad map is an error naming the
// field instead of an EINVAL from /proc/<pid>/uid_map after clone.
import { TsruncError } from '../errors';
import type { IDMapping, Spec } from '../spec/types';

/** The kernel accepts at most 340 lines per map (since Linux 4.15). */
const MAX_LINES = 340;
/** id + size must stay below 2^32: the kernel refuses a range that wraps its u32 (map_write). */
const ID_LIMIT = 2 ** 32;

export function checkIdMappings(maps: IDMapping[] | undefined, field: string): void {
  if (!maps) return;
  if (maps.length > MAX_LINES) throw new TsruncError(`at most ${MAX_LINES} mappings are allowed, got ${maps.length}`, { field });
  maps.forEach((m, i) => {
    const f = `${field}[${i}]`;
    if (m.size <= 0) throw new TsruncError('size must be at least 1', { field: `${f}.size` });
    if (m.containerID + m.size >= ID_LIMIT) throw new TsruncError(`containerID ${m.containerID} + size ${m.size} passes the 32-bit id range`, { field: `${f}.size` });
    if (m.hostID + m.size >= ID_LIMIT) throw new TsruncError(`hostID ${m.hostID} + size ${m.size} passes the 32-bit id range`, { field: `${f}.size` });
    for (let j = 0; j < i; j++) {
      const o = maps[j];
      if (m.containerID < o.containerID + o.size && o.containerID < m.containerID + m.size)
        throw new TsruncError(`container ids ${m.containerID}-${m.containerID + m.size - 1} overlap ${field}[${j}] (${o.containerID}-${o.containerID + o.size - 1})`, { field: `${f}.containerID` });
      if (m.hostID < o.hostID + o.size && o.hostID < m.hostID + m.size)
        throw new TsruncError(`host ids ${m.hostID}-${m.hostID + m.size - 1} overlap ${field}[${j}] (${o.hostID}-${o.hostID + o.size - 1})`, { field: `${f}.hostID` });
    }
  });
}

/** Every map of the config; a new user namespace needs both of its own. */
export function checkAllIdMappings(spec: Spec, newUserNs: boolean): void {
  const l = spec.linux;
  checkIdMappings(l?.uidMappings, 'linux.uidMappings');
  checkIdMappings(l?.gidMappings, 'linux.gidMappings');
  if (newUserNs) {
    if (!l?.uidMappings?.length) throw new TsruncError('a new user namespace needs mappings', { field: 'linux.uidMappings' });
    if (!l?.gidMappings?.length) throw new TsruncError('a new user namespace needs mappings', { field: 'linux.gidMappings' });
  }
  (spec.mounts ?? []).forEach((m, i) => {
    checkIdMappings(m.uidMappings, `mounts[${i}].uidMappings`);
    checkIdMappings(m.gidMappings, `mounts[${i}].gidMappings`);
  });
}

/** The text of /proc/<pid>/uid_map or gid_map for these maps (user_namespaces(7)): one
 * "container-id host-id size" line each. */
export function idMapText(maps: IDMapping[]): string {
  return maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');
}
