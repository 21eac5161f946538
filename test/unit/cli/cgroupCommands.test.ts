// The cgroup commands' input handling, without a kernel: update's flags (runc update.go: go-units
// RAMInBytes, strconv, urfave IntFlag) and their translation to LinuxResources, the --resources JSON,
// the merge into the recorded config; events' Go durations; ps's filtering of ps(1) output.
import { parseArgv } from '../../../src/cli/parse';
import { parseDuration } from '../../../src/cli/commands/events';
import { filterPs, pidIndex } from '../../../src/cli/commands/ps';
import { FLAG_OF_FIELD, parseRamInBytes, parseResourcesJson, resourcesFromFlags } from '../../../src/cli/updateFlags';
import { mergeResources } from '../../../src/container/update';
import { UsageError } from '../../../src/errors';
import { errorOf } from '../../helpers/errors';

function flags(argv: string[]): Record<string, unknown> {
  return parseArgv(['update', ...argv, 'c1']).flags;
}

describe('parseRamInBytes (go-units RAMInBytes)', () => {
  test.each([
    ['100', 100], ['0', 0], ['64b', 64], ['64B', 64],
    ['1k', 1024], ['1K', 1024], ['1kb', 1024], ['1KiB', 1024],
    ['100M', 100 * 1024 ** 2], ['100m', 100 * 1024 ** 2], ['100MB', 100 * 1024 ** 2], ['1 GiB', 1024 ** 3],
    ['1.5m', 1572864], ['1.5k', 1536], ['2g', 2 * 1024 ** 3], ['1t', 1024 ** 4], ['1p', 1024 ** 5],
  ])('%s -> %d', (text, want) => {
    expect(parseRamInBytes(text)).toBe(want);
  });

  test.each(['', '50X', '-5', '-1', 'm', '1.2.3', ' 1', '1mbb', '1ki', '0x10', '1e3'])('%j is refused', (text) => {
    expect(() => parseRamInBytes(text)).toThrow(/invalid size/);
  });
});

describe('update flags -> LinuxResources', () => {
  test('nothing given: nothing to change', () => {
    expect(resourcesFromFlags(flags([]))).toEqual({});
  });

  test('every flag lands in its field', () => {
    const r = resourcesFromFlags(flags([
      '--memory', '100M', '--memory-swap', '200m', '--memory-reservation', '50m', '--kernel-memory', '1g', '--kernel-memory-tcp', '1m',
      '--cpu-share', '512', '--cpu-quota', '50000', '--cpu-period', '100000', '--cpu-burst', '1000',
      '--cpu-rt-period', '1000000', '--cpu-rt-runtime', '950000', '--cpuset-cpus', '0-1', '--cpuset-mems', '0', '--cpu-idle', '1',
      '--pids-limit', '100', '--blkio-weight', '500',
    ]));
    expect(r).toEqual({
      memory: { limit: 100 * 1024 ** 2, swap: 200 * 1024 ** 2, reservation: 50 * 1024 ** 2, kernel: 1024 ** 3, kernelTCP: 1024 ** 2 },
      cpu: { shares: 512, quota: 50000, period: 100000, burst: 1000, realtimePeriod: 1000000, realtimeRuntime: 950000, cpus: '0-1', mems: '0', idle: 1 },
      pids: { limit: 100 },
      blockIO: { weight: 500 },
    });
  });

  test('-1 is unlimited for memory flags and the pids limit', () => {
    expect(resourcesFromFlags(flags(['--memory', '-1', '--memory-swap', '-1', '--pids-limit', '-1']))).toEqual({ memory: { limit: -1, swap: -1 }, pids: { limit: -1 } });
  });

  test('--cpu-shares is accepted for --cpu-share', () => {
    expect(resourcesFromFlags(flags(['--cpu-shares', '256']))).toEqual({ cpu: { shares: 256 } });
  });

  test('IntFlags: 0 means "not given" (runc), other bases as strconv base 0', () => {
    expect(resourcesFromFlags(flags(['--pids-limit', '0', '--blkio-weight', '0']))).toEqual({});
    expect(resourcesFromFlags(flags(['--pids-limit', '0x10']))).toEqual({ pids: { limit: 16 } });
  });

  test('a value that does not parse names the flag', () => {
    let e = errorOf(() => resourcesFromFlags(flags(['--memory', '50X'])));
    expect(e.field).toBe('--memory');
    expect(e.message).toBe("invalid size: '50X'");
    e = errorOf(() => resourcesFromFlags(flags(['--cpu-share', '-5'])));
    expect(e.field).toBe('--cpu-share');
    expect(e.message).toBe('strconv.ParseUint: parsing "-5": invalid syntax');
    e = errorOf(() => resourcesFromFlags(flags(['--cpu-quota', '1.5'])));
    expect(e.field).toBe('--cpu-quota');
    e = errorOf(() => resourcesFromFlags(flags(['--cpu-period', '99999999999999999999'])));
    expect(e.message).toMatch(/out of range/);
    e = errorOf(() => resourcesFromFlags(flags(['--pids-limit', 'abc'])));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toBe('invalid value "abc" for flag -pids-limit: parse error');
  });

  test('every planner field of a flag maps back to that flag', () => {
    for (const [field, flag] of Object.entries(FLAG_OF_FIELD)) {
      expect(field.startsWith('linux.resources.')).toBe(true);
      expect(parseArgv(['update', flag, '1', 'c1']).flags[flag.slice(2)]).toBe('1');
    }
  });
});

describe('--resources JSON', () => {
  test('`--resources -` (go-runc, docker update) and `-r -` mean stdin', () => {
    for (const argv of [['--resources', '-'], ['-r', '-'], ['-resources', '-'], ['--resources=-']]) {
      const p = parseArgv(['update', ...argv, 'c1']);
      expect(p.flags.resources).toBe('-');
      expect(p.args).toEqual(['c1']);
    }
  });

  test('a LinuxResources object', () => {
    expect(parseResourcesJson('{"memory":{"limit":1048576},"cpu":{"shares":2},"pids":null}', 'stdin')).toEqual({ memory: { limit: 1048576 }, cpu: { shares: 2 } });
  });

  test('not JSON, not an object, or a section of the wrong type', () => {
    expect(errorOf(() => parseResourcesJson('{', 'stdin')).field).toBe('--resources');
    expect(errorOf(() => parseResourcesJson('[1]', 'stdin')).message).toMatch(/JSON object/);
    const e = errorOf(() => parseResourcesJson('{"memory":5}', 'f.json'));
    expect(e.field).toBe('linux.resources.memory');
  });
});

describe('mergeResources (what state.json records after update)', () => {
  test('given fields replace, the rest stay; devices never change', () => {
    const old = { devices: [{ allow: false, access: 'rwm' }], memory: { limit: 100, reservation: 50 }, cpu: { shares: 1024, cpus: '0' }, pids: { limit: 10 } };
    const merged = mergeResources(old, { memory: { limit: 200 }, cpu: { quota: 5000 }, devices: [{ allow: true, access: 'rwm' }], blockIO: { weight: 100 } });
    expect(merged).toEqual({
      devices: [{ allow: false, access: 'rwm' }],
      memory: { limit: 200, reservation: 50 },
      cpu: { shares: 1024, cpus: '0', quota: 5000 },
      pids: { limit: 10 },
      blockIO: { weight: 100 },
    });
    expect(old.memory.limit).toBe(100); // not modified in place
  });

  test('unlimited memory without a swap value makes swap unlimited too (runc update.go)', () => {
    expect(mergeResources({ memory: { limit: 100, swap: 200 } }, { memory: { limit: -1 } }).memory).toEqual({ limit: -1, swap: -1 });
  });

  test('nothing recorded before', () => {
    expect(mergeResources(undefined, { pids: { limit: 5 } })).toEqual({ pids: { limit: 5 } });
  });
});

describe('events --interval (Go durations)', () => {
  test.each([['5s', 5000], ['100ms', 100], ['1m30s', 90000], ['1.5h', 5400000], ['0', 0], ['500us', 0.5], ['-1s', -1000]])('%s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test.each(['5', '', 's', '1x', '1.5.5s'])('%j is refused', (text) => {
    expect(() => parseDuration(text)).toThrow(/time: /);
  });
});

describe('ps table filtering (runc ps)', () => {
  const out = [
    'UID          PID    PPID  C STIME TTY          TIME CMD',
    'root           1       0  0 10:00 ?        00:00:01 /sbin/init',
    'root         100       1  0 10:00 ?        00:00:00 sleep 1000',
    'root         101     100  0 10:00 ?        00:00:00 sh -c echo 100 200',
    'root        1000       1  0 10:00 ?        00:00:00 other',
    '',
  ].join('\n');

  test('header, then only the container\'s pids', () => {
    expect(filterPs(out, [100, 101]).split('\n')).toEqual([
      'UID          PID    PPID  C STIME TTY          TIME CMD',
      'root         100       1  0 10:00 ?        00:00:00 sleep 1000',
      'root         101     100  0 10:00 ?        00:00:00 sh -c echo 100 200',
      '',
    ]);
  });

  test('the PID column is found wherever it is', () => {
    expect(pidIndex('  PID COMMAND')).toBe(0);
    expect(filterPs('  PID COMMAND\n  100 sleep\n  7 init\n', [100])).toBe('  PID COMMAND\n  100 sleep\n');
  });

  test('no PID column: runc\'s error', () => {
    expect(() => filterPs('USER COMMAND\nroot x\n', [1])).toThrow("couldn't find PID field in ps output");
  });

  test('ps options after the id (and after --) go to ps', () => {
    expect(parseArgv(['ps', 'c1', '-o', 'pid,comm']).rest).toEqual(['-o', 'pid,comm']);
    expect(parseArgv(['ps', '--format', 'json', 'c1']).flags.format).toBe('json');
    expect(parseArgv(['ps', 'c1', '--', '-ef']).rest).toEqual(['-ef']);
  });
});
