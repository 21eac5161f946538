import { listenFdCount, withListenEnv } from '../../../src/linux/listenFds';

describe('socket activation (runc startContainer / go-systemd activation.Files)', () => {
  test('LISTEN_FDS counts only when LISTEN_PID is the runtime itself', () => {
    expect(listenFdCount({ LISTEN_FDS: '2', LISTEN_PID: '42' }, 42)).toBe(2);
    expect(listenFdCount({ LISTEN_FDS: '2', LISTEN_PID: '43' }, 42)).toBe(0);
    expect(listenFdCount({ LISTEN_FDS: '2' }, 42)).toBe(0);
    expect(listenFdCount({ LISTEN_FDS: 'x', LISTEN_PID: '42' }, 42)).toBe(0);
    expect(listenFdCount({ LISTEN_FDS: '-1', LISTEN_PID: '42' }, 42)).toBe(0);
    expect(listenFdCount({}, 42)).toBe(0);
  });

  test('the process gets LISTEN_FDS=N and LISTEN_PID=1 after its own env', () => {
    const spec: any = { process: { env: ['PATH=/bin'], args: ['sh'] } };
    expect(withListenEnv(spec, 2).process!.env).toEqual(['PATH=/bin', 'LISTEN_FDS=2', 'LISTEN_PID=1']);
    expect(spec.process.env).toEqual(['PATH=/bin']);
    expect(withListenEnv(spec, 0)).toBe(spec);
  });
});
