// The error a unit under test throws: a TsruncError (anything else is rethrown as it is, so the test
// fails with the real error), or a failure when nothing was thrown.
import { TsruncError } from '../../src/errors';

export function errorOf(fn: () => unknown): TsruncError {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof TsruncError)) throw e;
    return e;
  }
  throw new Error('expected a TsruncError, but nothing was thrown');
}
