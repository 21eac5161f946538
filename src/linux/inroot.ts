// Path resolution inside the rootfs, as the container will see it: absolute symlinks start again at
// the rootfs, `..` at the rootfs stays there. The child resolves every target this way itself
// (openat2 RESOLVE_IN_ROOT, addon/child.c), which is what keeps a mount inside the rootfs whatever
// the image holds. This walk only lets create refuse, up front and naming the field, a destination
// whose symlinks try to climb out of the rootfs, a sign of a hostile or broken image.
import * as io from '../fileio';
import * as path from '../posixpath';

const MAX_LINKS = 40; // the kernel's MAXSYMLINKS

/**
 * The symlink (as a path inside the rootfs) through which `dest` would leave `rootfs` with `..`,
 * or undefined. Missing components end the walk (they will be created as directories). `covered`
 * says whether a path is hidden by an earlier mount, whose contents the rootfs on disk cannot tell.
 */
export function escapingSymlink(rootfs: string, dest: string, covered: (p: string) => boolean = () => false): string | undefined {
  type Part = { name: string; link?: string };
  const split = (p: string, link?: string): Part[] => p.split('/').filter((c) => c !== '' && c !== '.').map((name) => ({ name, link }));
  const queue = split(dest);
  const done: string[] = [];
  let links = 0;
  while (queue.length) {
    const part = queue.shift()!;
    if (part.name === '..') {
      if (done.length === 0) {
        if (part.link) return part.link;
        continue;
      }
      done.pop();
      continue;
    }
    const inRoot = '/' + [...done, part.name].join('/');
    if (covered(inRoot)) return undefined;
    let st: io.FileStat;
    try {
      st = io.lstat(path.join(rootfs, inRoot));
    } catch {
      return undefined;
    }
    if (!st.isSymbolicLink()) {
      done.push(part.name);
      continue;
    }
    if (++links > MAX_LINKS) return undefined; // ELOOP: the child reports it
    let target: string;
    try {
      target = io.readlink(path.join(rootfs, inRoot));
    } catch {
      return undefined;
    }
    if (target.startsWith('/')) done.length = 0;
    queue.unshift(...split(target, inRoot));
  }
  return undefined;
}
