// Logging as runc: with --log, the file (the fatal error also on stderr); --log-format json is one
// {"level","msg","time"} object per line with an RFC3339 time (what containerd parses).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { configureLog, logDebug, logError, logFatal, logInfo, logOptions, logWarn } from '../../src/log';

// log.ts writes through src/fileio.ts (the addon), not node:fs (issue 12).
const fileio: typeof import('../../src/fileio') = require('../../src/fileio');
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

let dir: string;
let file: string;
let stderr: string[];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-log-'));
  file = path.join(dir, 'log.json');
  stderr = [];
  const realWrite = fileio.writeFd;
  jest.spyOn(fileio, 'writeFd').mockImplementation((fd: number, data: string) => {
    if (fd === 2) stderr.push(data);
    else realWrite(fd, data);
  });
});
afterEach(() => {
  jest.restoreAllMocks();
  configureLog({ format: 'text', debug: false });
  fs.rmSync(dir, { recursive: true, force: true });
});

const lines = () => fs.readFileSync(file, 'utf8').split('\n').filter((l, i, a) => l !== '' || i < a.length - 1);

describe('--log file, --log-format json', () => {
  beforeEach(() => configureLog({ file, format: 'json', debug: false }));

  test('each message is one line of valid JSON with level, msg and an RFC3339 time', () => {
    const before = Date.now();
    logError('mounts[3]: mount tmpfs on /run: EINVAL');
    logWarn('careful');
    logInfo('hello "world"\nsecond line');
    const after = Date.now();
    const text = fs.readFileSync(file, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const ls = text.slice(0, -1).split('\n');
    expect(ls).toHaveLength(3);
    const objs = ls.map((l) => JSON.parse(l));
    expect(objs.map((o) => [o.level, o.msg])).toEqual([
      ['error', 'mounts[3]: mount tmpfs on /run: EINVAL'],
      ['warning', 'careful'],
      ['info', 'hello "world"\nsecond line'],
    ]);
    for (const o of objs) {
      expect(Object.keys(o).sort()).toEqual(['level', 'msg', 'time']);
      expect(o.time).toMatch(RFC3339);
      const t = Date.parse(o.time);
      expect(t).toBeGreaterThanOrEqual(before - 1000);
      expect(t).toBeLessThanOrEqual(after + 1000);
    }
  });

  test('messages go to the file only; the error a command fails with goes to stderr too, bare (runc\'s fatal)', () => {
    logError('boom');
    logInfo('x');
    expect(stderr).toEqual([]);
    logFatal('container not running');
    expect(stderr).toEqual(['container not running\n']);
    expect(JSON.parse(lines()[2])).toMatchObject({ level: 'error', msg: 'container not running' });
  });

  test('appends to an existing file', () => {
    fs.writeFileSync(file, '{"level":"info","msg":"old","time":"2020-01-01T00:00:00Z"}\n');
    logInfo('new');
    expect(lines().map((l) => JSON.parse(l).msg)).toEqual(['old', 'new']);
  });

  test('debug is suppressed unless enabled', () => {
    logDebug('hidden');
    let called = false;
    logDebug(() => { called = true; return 'lazy'; });
    expect(called).toBe(false);
    expect(fs.existsSync(file)).toBe(false);
    configureLog({ file, format: 'json', debug: true });
    logDebug('shown');
    logDebug(() => 'lazy shown');
    expect(lines().map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ level: 'debug', msg: 'shown' }),
      expect.objectContaining({ level: 'debug', msg: 'lazy shown' }),
    ]);
  });

  test('an unwritable --log falls back to stderr rather than losing the message', () => {
    configureLog({ file: path.join(dir, 'missing-dir', 'log'), format: 'json', debug: false });
    logFatal('still seen');
    expect(stderr).toHaveLength(1);
    expect(JSON.parse(stderr[0])).toMatchObject({ level: 'error', msg: 'still seen' });
  });
});

describe('text format', () => {
  test('time="RFC3339" level=L msg="quoted"', () => {
    configureLog({ file, format: 'text', debug: false });
    logWarn('a "quoted"\nmessage');
    const ls = lines();
    expect(ls).toHaveLength(1);
    const m = /^time="([^"]+)" level=(\w+) msg=(.*)$/.exec(ls[0]);
    expect(m).not.toBeNull();
    expect(m![1]).toMatch(RFC3339);
    expect(m![2]).toBe('warning');
    expect(JSON.parse(m![3])).toBe('a "quoted"\nmessage');
  });

  test('without --log, errors go to stderr as "tsrunc: msg"', () => {
    configureLog({ format: 'text', debug: false });
    logError('container c1 does not exist');
    expect(stderr).toEqual(['tsrunc: container c1 does not exist\n']);
  });

  test('without --log, other levels go to stderr in the text shape', () => {
    configureLog({ format: 'text', debug: true });
    logInfo('x');
    logDebug('y');
    expect(stderr).toHaveLength(2);
    expect(stderr[0]).toMatch(/^time="[^"]+" level=info msg="x"\n$/);
    expect(stderr[1]).toMatch(/^time="[^"]+" level=debug msg="y"\n$/);
  });

  test('without --log, json format writes JSON lines to stderr', () => {
    configureLog({ format: 'json', debug: false });
    logError('e');
    expect(stderr).toHaveLength(1);
    expect(JSON.parse(stderr[0])).toMatchObject({ level: 'error', msg: 'e' });
  });
});

test('logOptions returns what configureLog set', () => {
  const o = { file: '/x', format: 'json' as const, debug: true };
  configureLog(o);
  expect(logOptions()).toEqual(o);
});
