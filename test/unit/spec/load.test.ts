// checkSpec (src/spec/load.ts): the semantic checks after the schema, each naming its field.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TsruncError } from '../../../src/errors';
import { defaultSpec } from '../../../src/spec/default';
import { checkSpec } from '../../../src/spec/load';

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
