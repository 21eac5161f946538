import { TsruncError } from '../../../src/errors';
import { parseSignal } from '../../../src/state/signals';

describe('parseSignal', () => {
  test.each([
    ['9', 9], ['KILL', 9], ['SIGKILL', 9], ['kill', 9], ['sigkill', 9], ['SigKill', 9],
    ['15', 15], ['TERM', 15], ['SIGTERM', 15], ['HUP', 1], ['1', 1], ['INT', 2], ['QUIT', 3],
    ['USR1', 10], ['SIGUSR2', 12], ['STOP', 19], ['CONT', 18], ['WINCH', 28], ['64', 64],
  ])('%s -> %d', (text, n) => {
    expect(parseSignal(text)).toBe(n);
  });

  test.each([
    ['SIGRTMIN', 34], ['RTMIN', 34], ['SIGRTMIN+1', 35], ['rtmin+1', 35], ['RTMIN+30', 64],
    ['SIGRTMAX', 64], ['RTMAX', 64], ['RTMAX-2', 62], ['SIGRTMAX-1', 63], ['rtmax-30', 34],
  ])('real-time %s -> %d (glibc: SIGRTMIN is 34, SIGRTMAX 64)', (text, n) => {
    expect(parseSignal(text)).toBe(n);
  });

  test.each(['0', '65', '100', '-9', '9x', '', 'SIGFOO', 'FOO', 'SIG', 'RTMIN+31', 'RTMAX-31', 'RTMIN-1', 'RTMAX+1', 'SIGRTMIN+', '+9', ' 9', 'KILL '])('bad signal %j', (text) => {
    let err: unknown;
    try { parseSignal(text); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(TsruncError);
    expect((err as TsruncError).field).toBe('signal');
    expect((err as TsruncError).message).toBe(`unknown signal "${text}"`);
  });

  test('0 (the liveness probe of kill(2)) only where allowed: kill\'s argument', () => {
    expect(parseSignal('0', 'signal', true)).toBe(0);
    expect(parseSignal('00', 'signal', true)).toBe(0);
    expect(() => parseSignal('SIG0', 'signal', true)).toThrow('unknown signal "SIG0"');
    expect(() => parseSignal('0')).toThrow('unknown signal "0"');
  });

  test('the field can be named', () => {
    expect(() => parseSignal('0', 'process.signal')).toThrow(TsruncError);
    try { parseSignal('0', 'stopSignal'); } catch (e) { expect((e as TsruncError).field).toBe('stopSignal'); }
  });
});
