// escapingSymlink (src/linux/inroot.ts): destinations whose symlinks climb out of the rootfs are
// found; absolute symlinks and `..` that stay inside are not (the container sees them in its root).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { escapingSymlink } from '../../../src/linux/inroot';
import { compileMounts } from '../../../src/linux/mounts';
import { Plan } from '../../../src/linux/plan';
import { unitSpec } from '../../helpers/unitSpec';
import { TsruncError } from '../../../src/errors';

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-inroot-'));
  fs.mkdirSync(path.join(root, 'a', 'b'), { recursive: true });
  fs.mkdirSync(path.join(root, 'real'));
  fs.mkdirSync(path.join(root, 'dev'));
  const link = (target: string, at: string) => fs.symlinkSync(target, path.join(root, at));
  link('../../../../etc', 'a/b/up');        // climbs out
  link('../../real', 'a/b/inside');         // stays: /real
  link('/etc', 'a/abs');                    // absolute: /etc inside the rootfs
  link('up', 'a/b/via');                    // a chain through an escaping link
  link('/a/b/up', 'abs2up');                // absolute, then escaping
  link('..', 'a/dotdot');                   // /a/.. = /
  link('loop2', 'loop1');
  link('loop1', 'loop2');
  link('../../../host', 'dev/escape');      // hidden by an earlier /dev mount in the config below
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

test.each([
  ['/a/b/up', '/a/b/up'],
  ['/a/b/up/x/y', '/a/b/up'],
  ['/a/b/via/x', '/a/b/up'],
  ['/abs2up/x', '/a/b/up'],
])('%s escapes through %s', (dest, link) => {
  expect(escapingSymlink(root, dest)).toBe(link);
});

test.each(['/a/b/inside/x', '/a/abs/x', '/a/dotdot/../../x', '/missing/../../../x', '/a/b/../../..', '/loop1/x', '/real'])('%s stays inside', (dest) => {
  expect(escapingSymlink(root, dest)).toBeUndefined();
});

test('a path under an earlier mount is not judged by the disk', () => {
  expect(escapingSymlink(root, '/dev/escape/x')).toBe('/dev/escape');
  expect(escapingSymlink(root, '/dev/escape/x', (p) => p === '/dev')).toBeUndefined();
});

test('compileMounts refuses the mount and names its destination', () => {
  const spec = unitSpec();
  spec.mounts = [...(spec.mounts ?? []), { destination: '/a/b/up/x', type: 'tmpfs', source: 'tmpfs' }];
  const n = spec.mounts.length - 1;
  let err: unknown;
  try {
    compileMounts(spec, new Plan(), { bundle: root, rootfs: root });
  } catch (e) { err = e; }
  expect(err).toBeInstanceOf(TsruncError);
  expect((err as TsruncError).field).toBe(`mounts[${n}].destination`);
  expect((err as TsruncError).message).toMatch(/^\/a\/b\/up in the rootfs is a symlink that leads out of the rootfs/);
  // The default /dev tmpfs comes first: /dev/escape is not on disk as far as the container goes.
  spec.mounts[n] = { destination: '/dev/escape/x', type: 'tmpfs', source: 'tmpfs' };
  expect(() => compileMounts(spec, new Plan(), { bundle: root, rootfs: root })).not.toThrow();
});
