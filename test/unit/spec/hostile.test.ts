// Hostile config values caught by the loader before anything is made (the integration corpus,
// test/fixtures/hostile, runs them through the executable).
import * as os from 'os';
import { checkSpec } from '../../../src/spec/load';
import { defaultSpec } from '../../../src/spec/default';
import { TsruncError } from '../../../src/errors';

function fieldOf(edit: (s: any) => void): string | undefined {
  const spec: any = defaultSpec();
  spec.root = { path: os.tmpdir() };
  edit(spec);
  try {
    checkSpec(spec, '/');
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(TsruncError);
    return (e as TsruncError).field;
  }
}

describe('checkSpec refuses hostile values, naming the field', () => {
  test('a NUL byte in any string the kernel gets, with its path', () => {
    expect(fieldOf((s) => { s.process.args = ['sh', '-c', 'a\0b']; })).toBe('process.args[2]');
    expect(fieldOf((s) => { s.process.env = ['A=1', 'PATH=/bin\0:/x']; })).toBe('process.env[1]');
    expect(fieldOf((s) => { s.mounts[1].destination = '/de\0v'; })).toBe('mounts[1].destination');
  });

  test('a NUL in an annotation is only metadata: accepted', () => {
    expect(fieldOf((s) => { s.annotations = { a: 'x\0y' }; })).toBeUndefined();
  });

  test('more arguments or environment entries than one execve is given', () => {
    expect(fieldOf((s) => { s.process.args = Array(65537).fill('x'); })).toBe('process.args');
    expect(fieldOf((s) => { s.process.env = Array(65537).fill('A=1'); })).toBe('process.env');
    expect(fieldOf((s) => { s.process.args = Array(65536).fill('x'); })).toBeUndefined();
  });
});
