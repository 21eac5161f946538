// src/hooks/index.ts validateHooks: refusals named by the hook's field, before anything is made.
import { validateHooks } from '../../../src/hooks';
import { TsruncError } from '../../../src/errors';
import type { Spec } from '../../../src/spec/types';

function refusal(hooks: Spec['hooks']): TsruncError {
  try {
    validateHooks({ ociVersion: '1.3.0', hooks } as Spec);
  } catch (e) {
    return e as TsruncError;
  }
  throw new Error('not refused');
}

test('a relative or empty hook path is refused, naming the hook', () => {
  for (const p of ['bin/hook', './hook', '']) {
    const e = refusal({ poststart: [{ path: '/bin/true' }, { path: p }] });
    expect([e.field, e.message]).toEqual(['hooks.poststart[1].path', `hook path must be absolute, got "${p}"`]);
  }
});

test('an absolute path that exists passes; one that does not is refused (startContainer runs in the container)', () => {
  expect(() => validateHooks({ ociVersion: '1.3.0', hooks: { prestart: [{ path: '/bin/true' }], startContainer: [{ path: '/not/on/the/host' }] } } as Spec)).not.toThrow();
  expect(refusal({ createRuntime: [{ path: '/no/such/hook' }] }).field).toBe('hooks.createRuntime[0].path');
});
