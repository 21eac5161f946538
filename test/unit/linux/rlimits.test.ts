import * as fs from 'fs';
import { TsruncError } from '../../../src/errors';
import { Plan } from '../../../src/linux/plan';
import { HEADER_SIZE } from '../../../src/linux/opcodes';
import { RLIMITS, compileRlimits } from '../../../src/linux/rlimits';
import type { Spec } from '../../../src/spec/types';

const spec = (rlimits: { type: string; soft: number; hard: number }[]): Spec =>
  ({ ociVersion: '1.3.0', process: { user: { uid: 0, gid: 0 }, cwd: '/', args: ['sh'], rlimits } } as Spec);

function compile(rlimits: { type: string; soft: number; hard: number }[]): Plan {
  const plan = new Plan();
  compileRlimits(spec(rlimits), plan);
  return plan;
}

describe('RLIMITS (asm-generic/resource.h)', () => {
  test('numbers', () => {
    expect(RLIMITS).toEqual({
      RLIMIT_CPU: 0, RLIMIT_FSIZE: 1, RLIMIT_DATA: 2, RLIMIT_STACK: 3, RLIMIT_CORE: 4, RLIMIT_RSS: 5,
      RLIMIT_NPROC: 6, RLIMIT_NOFILE: 7, RLIMIT_MEMLOCK: 8, RLIMIT_AS: 9, RLIMIT_LOCKS: 10,
      RLIMIT_SIGPENDING: 11, RLIMIT_MSGQUEUE: 12, RLIMIT_NICE: 13, RLIMIT_RTPRIO: 14, RLIMIT_RTTIME: 15,
    });
  });

  const header = '/usr/include/asm-generic/resource.h';
  (fs.existsSync(header) ? test : test.skip)('match the installed kernel header', () => {
    const text = fs.readFileSync(header, 'utf8');
    const defs = Object.fromEntries([...text.matchAll(/^#\s*define\s+(RLIMIT_[A-Z]+)\s+(\d+)/gm)].map((m) => [m[1], Number(m[2])]));
    expect(RLIMITS).toEqual(defs);
  });
});

describe('compileRlimits', () => {
  test('one SETRLIMIT per entry, in order: resource, soft, hard', () => {
    const plan = compile([{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 4096 }, { type: 'RLIMIT_CORE', soft: 0, hard: 0 }]);
    expect(plan.ops.map((o) => [o.op, o.source, o.a])).toEqual([
      ['SETRLIMIT', 'process.rlimits[0]', [7n, 1024n, 4096n]],
      ['SETRLIMIT', 'process.rlimits[1]', [4n, 0n, 0n]],
    ]);
  });

  test('no rlimits: no ops', () => {
    expect(compile([]).ops).toEqual([]);
    const plan = new Plan();
    compileRlimits({ ociVersion: '1.3.0' }, plan);
    expect(plan.ops).toEqual([]);
  });

  test('soft == hard is fine; soft > hard is an error naming .soft', () => {
    expect(() => compile([{ type: 'RLIMIT_NPROC', soft: 5, hard: 5 }])).not.toThrow();
    let err: unknown;
    try { compile([{ type: 'RLIMIT_NPROC', soft: 6, hard: 5 }]); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(TsruncError);
    expect((err as TsruncError).field).toBe('process.rlimits[0].soft');
  });

  test('unknown and duplicate types name .type', () => {
    let err: unknown;
    try { compile([{ type: 'RLIMIT_NOFILE', soft: 1, hard: 1 }, { type: 'RLIMIT_FOO', soft: 1, hard: 1 }]); } catch (e) { err = e; }
    expect((err as TsruncError).field).toBe('process.rlimits[1].type');
    expect((err as TsruncError).message).toContain('RLIMIT_FOO');
    err = undefined;
    try { compile([{ type: 'RLIMIT_NOFILE', soft: 1, hard: 1 }, { type: 'RLIMIT_NOFILE', soft: 2, hard: 2 }]); } catch (e) { err = e; }
    expect((err as TsruncError).field).toBe('process.rlimits[1].type');
    expect((err as TsruncError).message).toMatch(/duplicate/);
  });

  test('lower-case type names are not accepted (the spec spells them RLIMIT_*)', () => {
    expect(() => compile([{ type: 'rlimit_nofile', soft: 1, hard: 1 }])).toThrow(TsruncError);
  });

  // config.md: rlimits soft/hard are uint64; "unlimited" is RLIM_INFINITY = 2^64-1, which configs
  // write as 18446744073709551615. JSON.parse turns it into the double 2^64; BigInt(2^64) is
  // 18446744073709551616n and Plan.serialize's BigInt.asIntN(64, ...) wraps it to 0: the container
  // gets a limit of 0 (e.g. RLIMIT_NOFILE 0: it cannot even exec) instead of no limit.
  test('RLIM_INFINITY (18446744073709551615 read by JSON.parse) reaches the child as 2^64-1, not 0', () => {
    const unlimited = JSON.parse('18446744073709551615') as number;
    const plan = compile([{ type: 'RLIMIT_CORE', soft: unlimited, hard: unlimited }]);
    const b = plan.serialize();
    const op = HEADER_SIZE;
    expect(b.readBigUInt64LE(op + 16)).toBe(0xffffffffffffffffn); // soft = a[1]
    expect(b.readBigUInt64LE(op + 24)).toBe(0xffffffffffffffffn); // hard = a[2]
  });

  test('large finite limits below 2^53 pass unchanged', () => {
    const plan = compile([{ type: 'RLIMIT_AS', soft: 2 ** 40, hard: 2 ** 52 }]);
    const b = plan.serialize();
    expect(b.readBigUInt64LE(HEADER_SIZE + 16)).toBe(1n << 40n);
    expect(b.readBigUInt64LE(HEADER_SIZE + 24)).toBe(1n << 52n);
  });
});
