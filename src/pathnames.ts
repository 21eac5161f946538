// Path text for the modules that must not load node:path (src/fileio.ts: the start-up path, issue
// 12). Only for paths the runtime built itself (the state root, recorded cgroup directories, the
// executable's); config-given paths are normalized and resolved with node:path where they are checked.

/** The parent of a path, as node:path's dirname ("/a/b/" -> "/a", "/a" -> "/", "a" -> "."), but
 * without the slashes before the cut ("/a//b" -> "/a", where node:path gives "/a/"). */
export function dirname(p: string): string {
  let end = p.length;
  while (end > 1 && p[end - 1] === '/') end--;
  const slash = p.lastIndexOf('/', end - 1);
  if (slash < 0) return '.';
  let top = slash;
  while (top > 0 && p[top - 1] === '/') top--;
  return top === 0 ? '/' : p.slice(0, top);
}

/** dir/name, with one slash between them whether or not dir ends in one. */
export const join = (dir: string, name: string): string => (dir.endsWith('/') ? dir + name : `${dir}/${name}`);
