// checkSpec (src/spec/load.ts): the semantic checks after the schema, each naming its field.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TsruncError } from '../../../src/errors';
import { defaultSpec } from '../../../src/spec/default';
import { checkProcessSpec, checkSpec } from '../../../src/spec/load';

let bundle: string;
beforeAll(() => {
  bundle = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-load-'));
  fs.mkdirSync(path.join(bundle, 'rootfs'));
});
afterAll(() => fs.rmSync(bundle, { recursive: true, force: true }));

function fieldOf(edit: (s: any) => void): string | undefined {
  const s: any = defaultSpec();
  edit(s);
  try {
    checkSpec(s, bundle);
  } catch (e) {
    expect(e).toBeInstanceOf(TsruncError);
    return (e as TsruncError).field;
  }
  return undefined;
}

test('the default spec passes', () => {
  expect(fieldOf(() => {})).toBeUndefined();
});

test.each([
  ['missing rootfs', (s: any) => { s.root.path = 'nope'; }, 'root.path'],
  ['relative cwd', (s: any) => { s.process.cwd = 'tmp'; }, 'process.cwd'],
  ['empty args', (s: any) => { s.process.args = []; }, 'process.args'],
  ['an empty annotation key (config.md "Annotations")', (s: any) => { s.annotations = { '': 'x' }; }, 'annotations[""]'],
])('%s names %s', (_what, edit, field) => {
  expect(fieldOf(edit)).toBe(field);
});

test('proc and sysfs must be mounted on an ordinary directory (runc): a symlink there is refused, naming the mount', () => {
  const b = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-load-sym-'));
  try {
    fs.mkdirSync(path.join(b, 'rootfs'));
    fs.symlinkSync('/elsewhere', path.join(b, 'rootfs', 'sys'));
    fs.writeFileSync(path.join(b, 'rootfs', 'proc'), '');
    const err = (edit: (s: any) => void) => {
      const s: any = defaultSpec();
      edit(s);
      try { checkSpec(s, b); } catch (e) { return `${(e as TsruncError).field}: ${(e as Error).message}`; }
      return undefined;
    };
    expect(err(() => {})).toBe('mounts[0].destination: /proc in the rootfs is not a directory: filesystem "proc" must be mounted on ordinary directory');
    fs.rmSync(path.join(b, 'rootfs', 'proc'));
    expect(err(() => {})).toBe('mounts[5].destination: /sys in the rootfs is a symlink: filesystem "sysfs" must be mounted on ordinary directory');
    // only proc and sysfs mounts are concerned
    expect(err((s) => { s.mounts = s.mounts.filter((m: any) => m.type !== 'sysfs'); })).toBeUndefined();
  } finally {
    fs.rmSync(b, { recursive: true, force: true });
  }
});

// runc reads config.json with Go's encoding/json, where null leaves a field unset (timens.bats:
// `"timeOffsets": null`): tsrunc takes a null field as an absent one, except as a value of a string
// map (annotations, sysctl, unified), which stays an error naming it.
test('a field set to null is a field left out; a null in a string map or an array is still refused', () => {
  expect(fieldOf((s) => {
    s.linux.timeOffsets = null;
    s.linux.resources = null;
    s.process.user.additionalGids = null;
    s.mounts[0].options = null;
    s.hooks = null;
  })).toBeUndefined();
  expect(fieldOf((s) => { s.process.cwd = null; })).toBe('process.cwd');
  expect(fieldOf((s) => { s.annotations = { a: null }; })).toMatch(/^annotations/);
  expect(fieldOf((s) => { s.process.args = ['sh', null]; })).toMatch(/^process\.args/);
  expect(checkProcessSpec({ args: ['true'], cwd: '/', env: null, user: null })).toEqual({ args: ['true'], cwd: '/' });
});
