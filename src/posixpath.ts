// node:path's POSIX functions, with the same results, for the modules create, run and exec load
// (issue 12): in the compiled Bun executable node:path costs ~1.5 ms at each start and node:fs,
// which the same modules used to load, another ~3 ms. test/unit/posixpath.test.ts holds every
// function to node:path's own on generated paths ('.', '..', empty and repeated slashes). These are
// the lexical operations the config checks and plan compilation use on config-given paths
// (normalize a mount destination, refuse `..` above the root): keeping node:path's exact results
// keeps every check and error text as it was.

/** The path's segments with `.` and empty ones dropped and `..` applied; a `..` that would climb
 * above the start is kept when allowAboveRoot (a relative path) and dropped otherwise. */
function normalizeSegments(p: string, allowAboveRoot: boolean): string {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (allowAboveRoot) out.push('..');
      continue;
    }
    out.push(seg);
  }
  return out.join('/');
}

export function isAbsolute(p: string): boolean {
  return p.length > 0 && p[0] === '/';
}

/** path.posix.normalize: `.`, `..` and repeated slashes resolved lexically; a trailing slash kept. */
export function normalize(p: string): string {
  if (p === '') return '.';
  const abs = isAbsolute(p);
  const trailing = p[p.length - 1] === '/';
  let s = normalizeSegments(p, !abs);
  if (s === '' && !abs) s = '.';
  if (s !== '' && trailing) s += '/';
  return abs ? `/${s}` : s;
}

/** path.posix.join: the non-empty parts joined with `/`, normalized ('.' for none). */
export function join(...parts: string[]): string {
  let joined = '';
  for (const part of parts) {
    if (part === '') continue;
    joined = joined === '' ? part : `${joined}/${part}`;
  }
  return joined === '' ? '.' : normalize(joined);
}

/** path.posix.resolve: the parts from the right up to the first absolute one, on the working
 * directory when none is absolute; normalized, without a trailing slash. */
export function resolve(...parts: string[]): string {
  let resolved = '';
  let abs = false;
  for (let i = parts.length - 1; i >= -1 && !abs; i--) {
    const part = i >= 0 ? parts[i] : process.cwd();
    if (part === '') continue;
    resolved = resolved === '' ? part : `${part}/${resolved}`;
    abs = isAbsolute(part);
  }
  const s = normalizeSegments(resolved, !abs);
  if (abs) return `/${s}`;
  return s === '' ? '.' : s;
}

/** path.posix.relative: the path from `from` to `to`, both resolved first ('' when they are one). */
export function relative(from: string, to: string): string {
  const a = resolve(from), b = resolve(to);
  if (a === b) return '';
  const fromParts = a === '/' ? [] : a.slice(1).split('/');
  const toParts = b === '/' ? [] : b.slice(1).split('/');
  let common = 0;
  while (common < fromParts.length && common < toParts.length && fromParts[common] === toParts[common]) common++;
  const up: string[] = [];
  for (let i = common; i < fromParts.length; i++) up.push('..');
  return up.concat(toParts.slice(common)).join('/');
}

/** path.posix.dirname: the path without its last segment ('/' for a top-level one, '.' for a bare
 * name); slashes before the cut are kept but the one at it ("/a//b" -> "/a/", "//b" -> "//"). */
export function dirname(p: string): string {
  if (p === '') return '.';
  let end = p.length;
  while (end > 1 && p[end - 1] === '/') end--;
  const slash = p.lastIndexOf('/', end - 1);
  if (slash < 0) return '.';
  if (slash === 0) return '/';
  if (slash === 1 && p[0] === '/') return '//';
  return p.slice(0, slash);
}

/** path.posix.basename without a suffix: the last segment, trailing slashes ignored ('' for '/'). */
export function basename(p: string): string {
  let end = p.length;
  while (end > 0 && p[end - 1] === '/') end--;
  if (end === 0) return '';
  return p.slice(p.lastIndexOf('/', end - 1) + 1, end);
}
