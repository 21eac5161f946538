// Plan.serialize must produce exactly addon/plan.h's layout; describe() is what --dry-run prints.
import { HEADER_SIZE, NO_STR, OP_SIZE, Op, PLAN_MAGIC, PLAN_VERSION } from '../../../src/linux/opcodes';
import { Plan, stringVector } from '../../../src/linux/plan';

function strtabOf(b: Buffer): Buffer {
  const nops = b.readUInt32LE(8);
  return b.subarray(HEADER_SIZE + nops * OP_SIZE);
}
function sOff(b: Buffer, op: number, k: number): number {
  return b.readUInt32LE(HEADER_SIZE + op * OP_SIZE + 40 + k * 4);
}
function cString(tab: Buffer, off: number): string {
  const end = tab.indexOf(0, off);
  expect(end).toBeGreaterThanOrEqual(off);
  return tab.toString('utf8', off, end);
}

describe('Plan.serialize header', () => {
  test('empty plan: header only, magic "TSRP", version, zero counts', () => {
    const b = new Plan().serialize();
    expect(b.length).toBe(32);
    expect(b.subarray(0, 4).toString('latin1')).toBe('TSRP');
    expect(b.readUInt32LE(0)).toBe(0x50525354);
    expect(b.readUInt32LE(4)).toBe(1);
    expect(b.readUInt32LE(8)).toBe(0);
    expect(b.readUInt32LE(12)).toBe(0);
    expect(b.readBigUInt64LE(16)).toBe(0n);
    expect(b.readBigUInt64LE(24)).toBe(0n);
  });

  test('nops, strtab_len, clone flags at 16 and preserveFds at 24', () => {
    const p = new Plan();
    p.cloneFlags = 0x20000000n | 0x00020000n;
    p.preserveFds = 3;
    p.add('SETHOSTNAME', 'hostname', 'x', [], ['box']);
    p.add('NO_NEW_PRIVS', 'process.noNewPrivileges', 'x');
    const b = p.serialize();
    expect(b.readUInt32LE(0)).toBe(PLAN_MAGIC);
    expect(b.readUInt32LE(4)).toBe(PLAN_VERSION);
    expect(b.readUInt32LE(8)).toBe(2);
    expect(b.readUInt32LE(12)).toBe(4); // "box\0"
    expect(b.readBigUInt64LE(16)).toBe(0x20020000n);
    expect(b.readBigUInt64LE(24)).toBe(3n);
    expect(b.length).toBe(32 + 2 * 56 + 4);
  });
});

describe('Plan.serialize ops', () => {
  test('code at 0, op index at 4, a[] at 8.., s[] offsets at 40..', () => {
    const p = new Plan();
    p.add('SYNC_WAIT', 'runtime', 'x', [2n]);
    p.add('SETRLIMIT', 'process.rlimits[0]', 'x', [7n, 1024n, 4096n]);
    const b = p.serialize();
    const op1 = HEADER_SIZE + OP_SIZE;
    expect(b.readUInt32LE(HEADER_SIZE)).toBe(Op.SYNC_WAIT);
    expect(b.readUInt32LE(HEADER_SIZE)).toBe(2);
    expect(b.readUInt32LE(HEADER_SIZE + 4)).toBe(0);
    expect(b.readBigInt64LE(HEADER_SIZE + 8)).toBe(2n);
    expect(b.readUInt32LE(op1)).toBe(18);
    expect(b.readUInt32LE(op1 + 4)).toBe(1);
    expect(b.readBigInt64LE(op1 + 8)).toBe(7n);
    expect(b.readBigInt64LE(op1 + 16)).toBe(1024n);
    expect(b.readBigInt64LE(op1 + 24)).toBe(4096n);
    expect(b.readBigInt64LE(op1 + 32)).toBe(0n); // a[3] omitted -> 0
  });

  test('missing and null strings are NO_STR', () => {
    const p = new Plan();
    p.add('MOUNT', 'x', 'x', [], [null, '/', undefined, null]);
    p.add('NO_NEW_PRIVS', 'x', 'x');
    const b = p.serialize();
    expect(sOff(b, 0, 0)).toBe(NO_STR);
    expect(sOff(b, 0, 1)).toBe(0);
    expect(sOff(b, 0, 2)).toBe(0xffffffff);
    expect(sOff(b, 0, 3)).toBe(NO_STR);
    for (let k = 0; k < 4; k++) expect(sOff(b, 1, k)).toBe(NO_STR);
  });

  test('a[] values above 2^63 keep their 64 bits (two\'s complement in int64)', () => {
    const p = new Plan();
    p.add('MOUNT', 'x', 'x', [0xffffffff00000001n, (1n << 64n) - 1n, -1n, 1n << 63n]);
    const b = p.serialize();
    expect(b.readBigUInt64LE(HEADER_SIZE + 8)).toBe(0xffffffff00000001n);
    expect(b.readBigUInt64LE(HEADER_SIZE + 16)).toBe(0xffffffffffffffffn);
    expect(b.readBigUInt64LE(HEADER_SIZE + 24)).toBe(0xffffffffffffffffn);
    expect(b.readBigUInt64LE(HEADER_SIZE + 32)).toBe(0x8000000000000000n);
  });

  test('strings are NUL-terminated UTF-8 and de-duplicated', () => {
    const p = new Plan();
    p.add('MOUNT', 'mounts[0]', 'x', [], ['proc', '/proc', 'proc', null]);
    p.add('MOUNT', 'mounts[1]', 'x', [], ['tmpfs', '/dev', 'tmpfs', 'mode=755']);
    p.add('SETHOSTNAME', 'hostname', 'x', [], ['höst']);
    p.add('MASK_PATH', 'x', 'x', [], ['/proc']);
    const b = p.serialize();
    const tab = strtabOf(b);
    expect(tab.length).toBe(b.readUInt32LE(12));
    // "proc" stored once for s0 and s2, and again re-used by nobody else
    expect(sOff(b, 0, 0)).toBe(sOff(b, 0, 2));
    expect(sOff(b, 3, 0)).toBe(sOff(b, 0, 1)); // "/proc" shared across ops
    expect(sOff(b, 1, 0)).toBe(sOff(b, 1, 2));
    expect(cString(tab, sOff(b, 0, 0))).toBe('proc');
    expect(cString(tab, sOff(b, 0, 1))).toBe('/proc');
    expect(cString(tab, sOff(b, 1, 3))).toBe('mode=755');
    expect(cString(tab, sOff(b, 2, 0))).toBe('höst');
    // exactly the distinct strings, each with its NUL
    const distinct = ['proc', '/proc', 'tmpfs', '/dev', 'mode=755', 'höst'];
    expect(tab.length).toBe(distinct.reduce((n, s) => n + Buffer.byteLength(s) + 1, 0));
    expect(tab.toString('utf8').split('\0').filter(Boolean)).toEqual(distinct);
  });

  test('the empty string is a real string, not NO_STR', () => {
    const p = new Plan();
    p.add('WRITE_FILE', 'x', 'x', [], ['/f', '']);
    const b = p.serialize();
    const tab = strtabOf(b);
    expect(sOff(b, 0, 1)).not.toBe(NO_STR);
    expect(tab[sOff(b, 0, 1)]).toBe(0);
  });

  test('blobs are 8-byte aligned, stored verbatim and not de-duplicated with strings', () => {
    const p = new Plan();
    const gids = Buffer.alloc(8);
    gids.writeUInt32LE(10, 0);
    gids.writeUInt32LE(20, 4);
    p.add('SETHOSTNAME', 'x', 'x', [], ['abc']); // 4 bytes: the blob must be padded to 8
    p.add('SETGROUPS', 'x', 'x', [2n], [gids]);
    p.add('SETDOMAINNAME', 'x', 'x', [], ['q']); // 2 bytes after the blob
    const bpf = Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    p.add('SECCOMP', 'x', 'x', [2n, 0n], [bpf]);
    const b = p.serialize();
    const tab = strtabOf(b);
    const g = sOff(b, 1, 0), q = sOff(b, 2, 0), s = sOff(b, 3, 0);
    expect(g % 8).toBe(0);
    expect(g).toBe(8);
    expect(tab.subarray(g, g + 8)).toEqual(gids);
    expect(q).toBe(16);
    expect(cString(tab, q)).toBe('q');
    expect(s % 8).toBe(0);
    expect(s).toBe(24);
    expect(tab.subarray(s, s + 16)).toEqual(bpf);
    expect(tab.length).toBe(40);
    // and the header's absolute alignment: header and ops are multiples of 8
    expect((HEADER_SIZE + 4 * OP_SIZE + s) % 8).toBe(0);
  });

  test('the same blob content twice is stored twice (blobs are not interned as strings)', () => {
    const p = new Plan();
    p.add('SETHOSTNAME', 'x', 'x', [], ['ab']);
    p.add('SETGROUPS', 'x', 'x', [0n], [Buffer.from('ab\0')]);
    const b = p.serialize();
    expect(sOff(b, 1, 0)).not.toBe(sOff(b, 0, 0));
  });

  test('stringVector: consecutive NUL-terminated strings', () => {
    expect(stringVector(['sh', '-c', 'echo hi'])).toEqual(Buffer.from('sh\0-c\0echo hi\0'));
    expect(stringVector([])).toEqual(Buffer.alloc(0));
  });
});

describe('Plan helpers and describe()', () => {
  test('add returns the plan and records source, text, a and s', () => {
    const p = new Plan();
    expect(p.add('CHDIR', 'process.cwd', 'chdir("/")', [], ['/'])).toBe(p);
    expect(p.ops[0]).toEqual({ op: 'CHDIR', source: 'process.cwd', text: 'chdir("/")', a: [], s: ['/'] });
  });

  test('indexOf finds the first op of a kind, -1 when absent', () => {
    const p = new Plan().add('KEEPCAPS', 'a', 'x', [1n]).add('SETUID', 'b', 'x').add('KEEPCAPS', 'c', 'x', [0n]);
    expect(p.indexOf('KEEPCAPS')).toBe(0);
    expect(p.indexOf('SETUID')).toBe(1);
    expect(p.indexOf('EXEC')).toBe(-1);
  });

  test('describe: one line per op, index padded to 3, name padded to 16, source in brackets', () => {
    const p = new Plan();
    p.add('SETHOSTNAME', 'hostname', 'sethostname("box")', [], ['box']);
    p.add('NO_NEW_PRIVS', '', 'prctl(PR_SET_NO_NEW_PRIVS, 1)');
    const lines = p.describe().split('\n');
    expect(lines).toEqual([
      '  0  SETHOSTNAME      sethostname("box")   [hostname]',
      '  1  NO_NEW_PRIVS     prctl(PR_SET_NO_NEW_PRIVS, 1)',
    ]);
  });

  test('describe of an empty plan is empty', () => {
    expect(new Plan().describe()).toBe('');
  });
});
