// Path text for the modules that must not load node:path (src/fileio.ts: the start-up path, issue
// 12). Only for paths the runtime built itself (the state root, recorded cgroup directories, the
// executable's); config-given paths are normalized and resolved with src/posixpath.ts (node:path's
// results) where they are checked.

/** The parent of a path, as node:path's dirname (src/posixpath.ts). */
export { dirname } from './posixpath';

/** dir/name, with one slash between them whether or not dir ends in one. */
export const join = (dir: string, name: string): string => (dir.endsWith('/') ? dir + name : `${dir}/${name}`);
