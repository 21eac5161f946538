// Making and removing the container's cgroup directories, with the bookkeeping that lets a later
// `delete --force` undo a create that was killed half way (docs/ARCHITECTURE.md "Crash safety":
// state.json is written before each resource is made; runc#4534): every directory goes into
// record.created before it is made.
import { exists } from '../fileio';
import { dirname } from '../pathnames';
import { TsruncError } from '../errors';
import type { CgroupRecord } from './manager';
import { cgroupDirs, errnoCode, errnoNumber, removeSubCgroups, rmdirCgroup, sleepMs } from './fsio';

/** The directories from the first missing ancestor of dir down to dir (top first). */
export function missingLevels(dir: string): string[] {
  const out: string[] = [];
  for (let d = dir; !exists(d);) {
    out.unshift(d);
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  return out;
}

/** Whether dir is leaf or one of its ancestors. */
export function isAncestorOrSelf(dir: string, leaf: string): boolean {
  return leaf === dir || leaf.startsWith(dir.endsWith('/') ? dir : dir + '/');
}

class ParentVanished extends Error {}
/** A system error or a TsruncError (the cpuset copy's) whose errno is ENOENT. */
function isEnoent(e: unknown): boolean {
  return errnoCode(e) === 'ENOENT' || (e instanceof TsruncError && e.errno !== undefined && e.errno === errnoNumber('ENOENT'));
}
/** How often create starts over when a shared parent vanishes under it. */
const MAX_RESTARTS = 8;

/**
 * mkdir -p every leaf, calling afterMkdir for each level made (or found made by a concurrent create)
 * before making the next one (a level may need setting up before it can have children: v1 cpuset,
 * v2 subtree_control; afterMkdir must be idempotent).
 * Returns the directories made by this call (top first per leaf). The shared
 * parents (record.parents) are made when missing but never listed in record.created: they outlive
 * the container. A concurrent destroy of another container may remove an empty shared parent between
 * our mkdirs (ENOENT), or between its mkdir and its set-up (the v1 cpuset copy then fails with
 * ENOENT, CI saw it with eight containers run side by side): start over, a few times.
 */
export function makeCgroupDirs(rec: CgroupRecord, leaves: string[], onRecord?: (rec: CgroupRecord) => void, afterMkdir?: (dir: string) => void): string[] {
  const shared = new Set(rec.parents ?? []);
  for (let attempt = 0; ; attempt++) {
    const retry = attempt < MAX_RESTARTS;
    const mkdirOrExisted = (d: string): boolean => {
      try {
        cgroupDirs.mkdir(d);
        return true;
      } catch (e) {
        const code = errnoCode(e);
        if (code === 'EEXIST') return false;
        if (code === 'ENOENT' && retry) throw new ParentVanished();
        throw new TsruncError(`cannot create cgroup ${d}: ${code}${code === 'EAGAIN' ? ' (cgroup.max.descendants reached)' : ''}`, {
          field: 'linux.cgroupsPath', syscall: 'mkdir', errno: errnoNumber(code),
        });
      }
    };
    // A set-up that failed because its directory was gone, removed by a concurrent destroy: ENOENT
    // (checking that d exists afterwards is not enough: a third create may have made it again).
    const setUp = (d: string) => {
      try {
        afterMkdir?.(d);
      } catch (e) {
        if (retry && (isEnoent(e) || !exists(d))) throw new ParentVanished();
        throw e;
      }
    };
    const plan = [...new Set(leaves.flatMap(missingLevels))];
    const fresh = plan.filter((d) => !shared.has(d) && !rec.created.includes(d));
    if (fresh.length) {
      rec.created.push(...fresh);
      onRecord?.(rec);
    }
    const made: string[] = [];
    let changed = false;
    try {
      for (const d of plan) {
        if (mkdirOrExisted(d)) made.push(d);
        else {
          // Made by someone else meanwhile (another create sharing the parent): not ours to remove.
          const i = rec.created.indexOf(d);
          if (i >= 0 && fresh.includes(d)) {
            rec.created.splice(i, 1);
            changed = true;
          }
        }
        // Set up what we made, and also what someone else made: its maker may not have set it up yet
        // (v1 cpuset copy, v2 subtree_control); the set-up is idempotent, and must be done before
        // making the level below it (eight containers started at once got ENOSPC joining a cpuset
        // copied from the still-empty shared parent).
        setUp(d);
      }
      // Now that the leaves exist, nothing above them can be removed; but a shared parent may have
      // been removed and made again by a third create after we set it up and before our mkdir below
      // it, and not be set up yet (a v1 cpuset with no cpus: joining the leaf failed with ENOSPC).
      // Set up the shared parents and our levels once more, top first (idempotent, cheap when done).
      for (const d of [...shared].filter((p) => leaves.some((l) => isAncestorOrSelf(p, l) && p !== l)).concat(plan)) setUp(d);
    } catch (e) {
      if (!(e instanceof ParentVanished)) throw e;
      sleepMs(1 + attempt);
      continue;
    }
    if (changed) onRecord?.(rec);
    return made;
  }
}

/**
 * rmdir what create made for these leaves, deepest first: first any sub-cgroups the container made
 * inside its own cgroup, then record.created in reverse, then the shared parents if they are empty.
 * Only the leaf must go: an intermediate or shared directory still used by another container stays
 * (EBUSY/ENOTEMPTY). Never throws for ENOENT; throws if a leaf cannot be removed.
 */
export function removeCgroupDirs(rec: CgroupRecord, leaves: string[]): void {
  for (const leaf of leaves) removeSubCgroups(leaf);
  const failed: string[] = [];
  for (const d of [...rec.created].reverse()) {
    if (!leaves.includes(d)) continue;
    // Killed processes may take a moment to leave (runc retries EBUSY with a growing delay, ~1s).
    const code = rmdirCgroup(d, 10);
    if (code) failed.push(`${d}: ${code}`);
  }
  removeAboveLeaves(rec, leaves);
  if (failed.length) throw new TsruncError(`cannot remove the container's cgroup (${failed.join('; ')})`, { field: 'linux.cgroupsPath', syscall: 'rmdir' });
}

/**
 * A manager's destroy tries this first (issue 12): where every leaf was made by create and is
 * already empty (what `run` finds once its container has exited, and `delete` of a stopped one), one
 * rmdir each removes it, and what create made above it follows. cgroupfs refuses the rmdir of a
 * cgroup that still holds a process or a sub-cgroup (EBUSY), so a success proves there was nothing
 * to kill, thaw or walk. Returns false at the first leaf that stays (any already removed are ENOENT
 * to the kill-and-walk path, which ignores it).
 */
export function removeEmptyCgroups(rec: CgroupRecord, leaves: string[]): boolean {
  if (!leaves.every((l) => rec.created.includes(l))) return false; // not ours: killed, never removed
  for (const leaf of leaves) if (rmdirCgroup(leaf) !== '') return false;
  removeAboveLeaves(rec, leaves);
  return true;
}

/** Once the leaves are gone: the intermediate levels create made for them, deepest first, and the
 * shared parents, each only if empty (another container may still be using it). */
function removeAboveLeaves(rec: CgroupRecord, leaves: string[]): void {
  const ours = (d: string) => leaves.some((l) => isAncestorOrSelf(d, l));
  for (const d of [...rec.created].reverse()) if (ours(d) && !leaves.includes(d)) rmdirCgroup(d);
  for (const d of (rec.parents ?? []).filter(ours)) rmdirCgroup(d);
}
