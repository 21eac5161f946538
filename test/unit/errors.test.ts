import * as fs from 'fs';
import { ContainerExists, ContainerNotFound, StateCorrupt, StateMissing, TsruncError, UsageError, WrongStatus, childErrorText, errnoMessage, fifoErrorText, hookErrorText, errnoName, errnoOf, fail, formatError, readdressed, sysError } from '../../src/errors';

describe('TsruncError', () => {
  test('carries field, syscall, errno and an exit code (default 1)', () => {
    const e = new TsruncError('m', { field: 'f', syscall: 'mount', errno: 22 });
    expect(e).toBeInstanceOf(Error);
    expect([e.message, e.field, e.syscall, e.errno, e.exitCode, e.name]).toEqual(['m', 'f', 'mount', 22, 1, 'TsruncError']);
    expect(new TsruncError('m', { exitCode: 3 }).exitCode).toBe(3);
  });

  test('UsageError is a TsruncError with the command', () => {
    const e = new UsageError('bad', 'create');
    expect(e).toBeInstanceOf(TsruncError);
    expect([e.name, e.command, e.field, e.exitCode]).toEqual(['UsageError', 'create', undefined, 1]);
  });

  test('fail throws a TsruncError with the field', () => {
    let err: unknown;
    try { fail('nope', '--pid-file'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(TsruncError);
    expect(formatError(err)).toBe('--pid-file: nope');
  });
});

describe('errnoName', () => {
  test('names from the errno table', () => {
    expect(errnoName(2)).toBe('ENOENT');
    expect(errnoName(22)).toBe('EINVAL');
    expect(errnoName(1)).toBe('EPERM');
    expect(errnoName(13)).toBe('EACCES');
  });
  test('unknown numbers', () => {
    expect(errnoName(99999)).toBe('errno 99999');
  });
});

describe('formatError', () => {
  test('message alone', () => {
    expect(formatError(new TsruncError('container c1 does not exist'))).toBe('container c1 does not exist');
  });

  test('field prefix', () => {
    expect(formatError(new TsruncError('destination must be an absolute path, got "x"', { field: 'mounts[3].destination' })))
      .toBe('mounts[3].destination: destination must be an absolute path, got "x"');
  });

  test('errno name appended, with the syscall', () => {
    expect(formatError(new TsruncError('mount tmpfs on /run', { field: 'mounts[3]', syscall: 'mount', errno: 22 })))
      .toBe('mounts[3]: mount tmpfs on /run: mount: EINVAL');
  });

  test('errno name appended without a syscall', () => {
    expect(formatError(new TsruncError('cannot open', { errno: 2 }))).toBe('cannot open: ENOENT');
  });

  test('not appended twice when the message already names it', () => {
    expect(formatError(new TsruncError('mount on /run: EINVAL', { field: 'mounts[3]', errno: 22 }))).toBe('mounts[3]: mount on /run: EINVAL');
  });

  test('an unknown errno number is shown as a number', () => {
    expect(formatError(new TsruncError('x', { errno: 99999 }))).toBe('x: errno 99999');
  });

  test('always one line', () => {
    const s = formatError(new TsruncError('first\n  second\r\nthird', { field: 'f', errno: 1 }));
    expect(s).not.toMatch(/[\r\n]/);
    expect(s).toBe('f: first second third: EPERM');
  });

  test('Node errno errors: "syscall path: CODE"', () => {
    // Built here rather than caught from fs: jest runs tests in a vm context, where errors thrown by
    // Node's fs come from another realm and fail `instanceof Error` (they do not in the runtime).
    let caught: NodeJS.ErrnoException | undefined;
    try { fs.openSync('/nonexistent/tsrunc-test', 'r'); } catch (e) { caught = e as NodeJS.ErrnoException; }
    const err = Object.assign(new Error(caught!.message), { code: caught!.code, syscall: caught!.syscall, path: caught!.path, errno: caught!.errno });
    expect(formatError(err)).toBe('open /nonexistent/tsrunc-test: ENOENT');
  });

  test('Node errno errors without a path', () => {
    const e = Object.assign(new Error('x'), { code: 'EBADF', syscall: 'close' });
    expect(formatError(e)).toBe('close: EBADF');
  });

  test('plain errors: their message on one line, no stack', () => {
    const s = formatError(new Error('a\nb'));
    expect(s).toBe('a b');
  });

  test('non-errors', () => {
    expect(formatError('text')).toBe('text');
    expect(formatError(42)).toBe('42');
    expect(formatError(undefined)).toBe('undefined');
  });
});

describe('childErrorText (errors the init reports for a plan op)', () => {
  test('most ops: the errno name', () => {
    expect(childErrorText('MOUNT', 'mount on /x', 19)).toBe('mount on /x: ENODEV');
    expect(childErrorText('MOUNT', 'no errno', 0)).toBe('no errno');
  });
  test('the executable lookup: runc\'s words, which podman and dockerd match for 127/126', () => {
    expect(childErrorText('RESOLVE_EXEC', 'exec: "/x": stat /x', 2)).toBe('exec: "/x": stat /x: no such file or directory');
    expect(childErrorText('RESOLVE_EXEC', 'exec: "/etc/passwd"', 13)).toBe('exec: "/etc/passwd": permission denied');
    expect(childErrorText('RESOLVE_EXEC', 'exec: "/bin"', 21)).toBe('exec: "/bin": is a directory');
    expect(childErrorText('RESOLVE_EXEC', 'exec: "x": executable file not found in $PATH', 2)).toBe('exec: "x": executable file not found in $PATH');
    // The execve itself (a script whose interpreter is missing, a binary for another machine).
    expect(childErrorText('EXEC', 'exec /run.sh', 2)).toBe('exec /run.sh: no such file or directory');
    expect(childErrorText('EXEC', 'exec /bin.arm', 8)).toBe('exec /bin.arm: exec format error');
  });
  test('a hook\'s failure says runc\'s "error running <kind> hook #<i>:" after its field', () => {
    expect(hookErrorText('hooks.prestart[1]', 'hook /bin/false exited with status 1')).toBe('error running prestart hook #1: hook /bin/false exited with status 1');
    expect(hookErrorText('process.args', 'x')).toBe('x');
  });
  test('the init\'s errors on the exec fifo (start): the same words as over the socket', () => {
    expect(fifoErrorText('exec /run.sh: errno 2')).toBe('exec /run.sh: no such file or directory');
    expect(fifoErrorText('seccomp: errno 22')).toBe('seccomp: EINVAL');
    expect(fifoErrorText('no errno here')).toBe('no errno here');
  });
  test('errnoMessage uses Go\'s wording where libuv\'s differs', () => {
    expect(errnoMessage(1)).toBe('operation not permitted');
    expect(errnoMessage(40)).toBe('too many levels of symbolic links');
    expect(errnoMessage(8)).toBe('exec format error');
  });
});

describe('typed errors (issue 10): a class per case, runc\'s wording, still TsruncErrors', () => {
  test('ContainerNotFound: "does not exist", the text containerd\'s shim matches', () => {
    const e = new ContainerNotFound('c1');
    expect(e).toBeInstanceOf(TsruncError);
    expect([e.name, e.id, e.message, e.exitCode]).toEqual(['ContainerNotFound', 'c1', 'container c1 does not exist', 1]);
    expect(formatError(e)).toMatch(/does not exist$/);
  });

  test('ContainerExists: runc\'s "container with id exists: ID"', () => {
    const e = new ContainerExists('c1');
    expect(e).toBeInstanceOf(TsruncError);
    expect([e.name, e.id, e.message]).toEqual(['ContainerExists', 'c1', 'container with id exists: c1']);
  });

  test('StateMissing says how to get rid of it', () => {
    const e = new StateMissing('c1');
    expect(e).toBeInstanceOf(TsruncError);
    expect(e.message).toBe('container c1 has no state (its create did not finish); use delete --force');
  });

  test('StateCorrupt names the file and what is wrong, and keeps the parsed value', () => {
    const e = new StateCorrupt('c1', '/r/c1/state.json', 'phase unknown value "x"', { phase: 'x' });
    expect(e).toBeInstanceOf(TsruncError);
    expect([e.name, e.id, e.file, e.parsed]).toEqual(['StateCorrupt', 'c1', '/r/c1/state.json', { phase: 'x' }]);
    expect(e.message).toBe('container c1: /r/c1/state.json is corrupt (phase unknown value "x"); use delete --force');
  });

  test('WrongStatus carries the operation and the status, the text as given', () => {
    const e = new WrongStatus('start', 'stopped', 'cannot start a container that has stopped');
    expect(e).toBeInstanceOf(TsruncError);
    expect([e.name, e.operation, e.status, e.message]).toEqual(['WrongStatus', 'start', 'stopped', 'cannot start a container that has stopped']);
  });

  test('the classes are told apart by instanceof', () => {
    const all = [new ContainerNotFound('a'), new ContainerExists('a'), new StateMissing('a'), new StateCorrupt('a', 'f', 'd'), new WrongStatus('kill', 'stopped', 'container not running')];
    const classes = [ContainerNotFound, ContainerExists, StateMissing, StateCorrupt, WrongStatus];
    for (const [i, e] of all.entries()) expect(classes.map((c) => e instanceof c)).toEqual(classes.map((_, j) => i === j));
  });
});

describe('errno stays errno: sysError and errnoOf', () => {
  const sys = (code: string) => Object.assign(new Error(`${code}: x`), { code, syscall: 'open' });

  test('errnoOf maps a system error\'s code to its number; anything else is undefined', () => {
    expect(errnoOf(sys('EACCES'))).toBe(13);
    expect(errnoOf(sys('ENOENT'))).toBe(2);
    expect(errnoOf(new Error('plain'))).toBeUndefined();
    expect(errnoOf(undefined)).toBeUndefined();
  });

  test('sysError keeps the errno out of the message; formatError prints it once', () => {
    const e = sysError('cannot read /x', sys('EACCES'), { field: '--process' });
    expect(e.message).toBe('cannot read /x');
    expect([e.errno, e.field, e.syscall]).toEqual([13, '--process', undefined]);
    expect(formatError(e)).toBe('--process: cannot read /x: EACCES');
    expect(formatError(sysError('cannot open /d', sys('ELOOP'), { syscall: 'open' }))).toBe('cannot open /d: open: ELOOP');
  });

  test('a non-system error keeps its own text', () => {
    const e = sysError('cannot run ps', new Error('spawn went wrong'));
    expect(e.errno).toBeUndefined();
    expect(formatError(e)).toBe('cannot run ps: spawn went wrong');
  });
});

describe('formatError: the errno is appended unless the text names that very errno', () => {
  test('a capitalised word in a path does not swallow the errno', () => {
    expect(formatError(sysError('cannot read /srv/EXPORT/p.json', Object.assign(new Error('x'), { code: 'EACCES' })))).toBe('cannot read /srv/EXPORT/p.json: EACCES');
  });
  test('a text that already names it is left as it is', () => {
    expect(formatError(new TsruncError('cannot freeze /c: EBUSY', { syscall: 'write', errno: 16 }))).toBe('cannot freeze /c: EBUSY');
  });
});

describe('readdressed: another field or exit code, the same error', () => {
  test('keeps the class, what it carries, the message; changes only what is asked', () => {
    const e = new ContainerNotFound('c1');
    const r = readdressed(e, { exitCode: 255 });
    expect(r).toBeInstanceOf(ContainerNotFound);
    expect([r.id, r.message, r.exitCode, r.name]).toEqual(['c1', 'container c1 does not exist', 255, 'ContainerNotFound']);
    expect(e.exitCode).toBe(1);
    const s = readdressed(sysError('cannot write x', Object.assign(new Error('x'), { code: 'EBUSY' }), { field: 'linux.resources.memory.limit', syscall: 'write' }), { field: '--memory' });
    expect(formatError(s)).toBe('--memory: cannot write x: write: EBUSY');
  });
});
