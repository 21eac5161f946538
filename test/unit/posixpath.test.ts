// src/posixpath.ts against node:path's POSIX functions: the same result for every generated path
// (the create path's config checks depend on these being exactly node:path's, issue 12).
import * as path from 'path';
import * as P from '../../src/posixpath';

// Segments that exercise the rules: empty and repeated slashes, '.', '..', names with dots.
const SEGMENTS = ['a', 'b', '.', '..', '', '...', '/', '//', 'a.b', '.a'];

/** A seeded generator (the same paths every run, so a failure reproduces). */
function paths(count: number, seed: number): string[] {
  let s = seed;
  const r = () => { s = (s * 1103515245 + 12345) & 0x7fffffff; return s / 0x80000000; };
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let p = r() < 0.5 ? '/' : '';
    const n = Math.floor(r() * 6);
    for (let k = 0; k < n; k++) p += SEGMENTS[Math.floor(r() * SEGMENTS.length)] + (r() < 0.8 ? '/' : '');
    out.push(p);
  }
  return out;
}

const one = paths(30000, 1);
const two = paths(30000, 7);
const three = paths(30000, 13);

function mismatches(f: (i: number) => [unknown, unknown, string]): string[] {
  const bad: string[] = [];
  for (let i = 0; i < one.length && bad.length < 10; i++) {
    const [got, want, what] = f(i);
    if (got !== want) bad.push(`${what}: ${JSON.stringify(got)}, node:path ${JSON.stringify(want)}`);
  }
  return bad;
}

test.each([
  ['normalize', (i: number) => [P.normalize(one[i]), path.posix.normalize(one[i]), one[i]]],
  ['dirname', (i: number) => [P.dirname(one[i]), path.posix.dirname(one[i]), one[i]]],
  ['basename', (i: number) => [P.basename(one[i]), path.posix.basename(one[i]), one[i]]],
  ['isAbsolute', (i: number) => [P.isAbsolute(one[i]), path.posix.isAbsolute(one[i]), one[i]]],
  ['join', (i: number) => [P.join(one[i], two[i], three[i]), path.posix.join(one[i], two[i], three[i]), `${one[i]} ${two[i]} ${three[i]}`]],
  ['resolve', (i: number) => [P.resolve(one[i], two[i]), path.posix.resolve(one[i], two[i]), `${one[i]} ${two[i]}`]],
  ['relative', (i: number) => [P.relative(one[i], two[i]), path.posix.relative(one[i], two[i]), `${one[i]} ${two[i]}`]],
] as [string, (i: number) => [unknown, unknown, string]][])('%s gives node:path\'s result on 30000 generated paths', (_name, f) => {
  expect(mismatches(f)).toEqual([]);
});

test('the edge cases by name', () => {
  expect(P.normalize('')).toBe('.');
  expect(P.normalize('/../a/./b/')).toBe('/a/b/');
  expect(P.normalize('../a/..')).toBe('..');
  expect(P.join()).toBe('.');
  expect(P.join('/rootfs', '../../etc')).toBe('/etc');
  expect(P.resolve()).toBe(process.cwd());
  expect(P.resolve('a', '/b', 'c')).toBe('/b/c');
  expect(P.relative('/a/b', '/a/bc')).toBe('../bc');
  expect(P.dirname('//b')).toBe('//');
  expect(P.basename('/')).toBe('');
});
