// A container without a mount namespace shares the runtime's mount table: what its setup mounts
// (proc, /dev, ... under the rootfs) lands on the host. runc leaves those mounts behind after delete;
// tsrunc records which mounts already existed under the rootfs before create and, on delete or a
// failed create, unmounts every other one (deepest first, never following a symlink).
import * as fs from 'fs';
import * as path from 'path';
import { logWarn } from '../log';
import { native } from '../native';

export interface HostMountsRecord {
  /** The rootfs as the kernel names it (realpath). */
  under: string;
  /** Mount ids under it (or at it) before create: not ours, never unmounted. */
  before: number[];
}

interface MountEntry { id: number; point: string }

/** mountinfo field 5 escapes space, tab, newline and backslash as \ooo. */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o) => String.fromCharCode(parseInt(o, 8)));
}

export function mountsAtOrUnder(dir: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const f = line.split(' ');
    if (f.length < 5) continue;
    const point = unescape(f[4]);
    if (point === dir || point.startsWith(dir.endsWith('/') ? dir : dir + '/')) out.push({ id: Number(f[0]), point });
  }
  return out;
}

export function recordHostMounts(rootfs: string): HostMountsRecord {
  const under = fs.realpathSync(rootfs);
  return { under, before: mountsAtOrUnder(under).map((m) => m.id) };
}

/** Unmount what appeared under the rootfs since the record was made. Returns what was unmounted. */
export function removeHostMounts(rec: HostMountsRecord): string[] {
  const done: string[] = [];
  const before = new Set(rec.before);
  // Several passes: a detached parent takes its children with it; deepest first otherwise.
  for (let pass = 0; pass < 8; pass++) {
    const ours = mountsAtOrUnder(rec.under).filter((m) => !before.has(m.id))
      .sort((a, b) => b.point.split('/').length - a.point.split('/').length);
    if (!ours.length) break;
    for (const m of ours) {
      try {
        native().umountDetach(m.point);
        done.push(m.point);
      } catch (e) {
        if (pass === 7) logWarn(`cannot unmount ${m.point} (made by the container on the host): ${(e as Error).message}`);
      }
    }
  }
  return done.map((p) => path.normalize(p));
}
