// addon/plan.h is the contract between TypeScript and C; src/linux/opcodes.ts mirrors
// it. This test parses the header itself, so a change on one side only fails here, not in a container.
import * as fs from 'fs';
import * as path from 'path';
import * as opcodes from '../../../src/linux/opcodes';
import { Plan } from '../../../src/linux/plan';

const headerText = fs.readFileSync(path.join(__dirname, '../../../addon/plan.h'), 'utf8');

/** Every `#define TSR_NAME value` with an integer value (hex/decimal, optional u suffix). */
function parseDefines(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const re = /^#define\s+TSR_(\w+)\s+(0x[0-9a-fA-F]+|\d+)[uUlL]*\b/gm;
  for (const m of text.matchAll(re)) {
    if (out.has(m[1])) throw new Error(`TSR_${m[1]} defined twice in plan.h`);
    out.set(m[1], Number(m[2]));
  }
  return out;
}

const defines = parseDefines(headerText);

function group(prefix: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of defines) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}

describe('plan.h defines mirror src/linux/opcodes.ts', () => {
  test('the header parses to a plausible number of defines', () => {
    // Guards against the regex silently matching nothing.
    expect(defines.size).toBeGreaterThan(50);
    expect(defines.get('OP_EXEC')).toBeDefined();
  });

  test('every TSR_* define belongs to a mirrored group (nothing unclassified)', () => {
    const singles = new Set(['PLAN_MAGIC', 'PLAN_VERSION', 'NO_STR', 'ERR_TEXT', 'OP_MAX']);
    const unclassified = [...defines.keys()].filter((k) => !singles.has(k) && !/^(OP|MNT|SYNC)_/.test(k));
    expect(unclassified).toEqual([]);
    // A define whose value the regex cannot read (an expression) must not vanish silently.
    const all = [...headerText.matchAll(/^#define\s+TSR_(\w+)\b/gm)].map((m) => m[1]);
    expect(all.filter((n) => !defines.has(n))).toEqual([]);
  });

  test('scalar constants', () => {
    expect(defines.get('PLAN_MAGIC')).toBe(opcodes.PLAN_MAGIC);
    expect(defines.get('PLAN_VERSION')).toBe(opcodes.PLAN_VERSION);
    expect(defines.get('NO_STR')).toBe(opcodes.NO_STR);
    expect(defines.get('ERR_TEXT')).toBe(opcodes.ERR_TEXT);
    expect(defines.get('OP_MAX')).toBe(opcodes.OP_MAX);
  });

  test('the magic is "TSRP" read little endian', () => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(defines.get('PLAN_MAGIC')!, 0);
    expect(b.toString('latin1')).toBe('TSRP');
  });

  test('op codes: same names, same values', () => {
    const header = group('OP_');
    delete header.MAX;
    expect(Object.keys(opcodes.Op).sort()).toEqual(Object.keys(header).sort());
    expect({ ...opcodes.Op }).toEqual(header);
  });

  test('op codes are unique and OP_MAX is the largest', () => {
    const values = Object.values(opcodes.Op);
    expect(new Set(values).size).toBe(values.length);
    expect(Math.max(...values)).toBe(opcodes.OP_MAX);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(1);
  });

  test('TSR_MNT_* bits: same names, same values, one bit each', () => {
    const header = group('MNT_');
    expect(Object.keys(opcodes.Mnt).sort()).toEqual(Object.keys(header).sort());
    expect({ ...opcodes.Mnt }).toEqual(header);
    const values = Object.values(opcodes.Mnt) as number[];
    for (const v of values) expect(v & (v - 1)).toBe(0);
    expect(values.reduce((a, v) => a | v, 0)).toBe(values.reduce((a, v) => a + v, 0)); // no overlap
  });

  test('TSR_SYNC_* messages: same names, same values, unique', () => {
    const header = group('SYNC_');
    expect(Object.keys(opcodes.Sync).sort()).toEqual(Object.keys(header).sort());
    expect({ ...opcodes.Sync }).toEqual(header);
    const values = Object.values(opcodes.Sync);
    expect(new Set(values).size).toBe(values.length);
  });
});

// ---- struct layout, computed from the field lists in plan.h with the C ABI's natural alignment ----

interface Field { name: string; offset: number; size: number; count: number }
interface Layout { size: number; align: number; fields: Map<string, Field> }

const typeSizes: Record<string, number> = { uint8_t: 1, int8_t: 1, char: 1, uint16_t: 2, int16_t: 2, uint32_t: 4, int32_t: 4, uint64_t: 8, int64_t: 8 };

function parseStruct(text: string, name: string): Layout {
  const m = new RegExp(`struct\\s+${name}\\s*\\{([^}]*)\\}\\s*;`).exec(text);
  if (!m) throw new Error(`struct ${name} not found in plan.h`);
  const body = m[1].replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  const fields = new Map<string, Field>();
  let offset = 0, align = 1;
  for (const decl of body.split(';').map((d) => d.trim()).filter(Boolean)) {
    const f = /^(\w+)\s+(\w+)\s*(?:\[\s*(\w+)\s*\])?$/.exec(decl);
    if (!f) throw new Error(`cannot parse field "${decl}" of struct ${name}`);
    const size = typeSizes[f[1]];
    if (!size) throw new Error(`unknown field type ${f[1]} in struct ${name}`);
    let count = 1;
    if (f[3] !== undefined) {
      count = /^\d+$/.test(f[3]) ? Number(f[3]) : defines.get(f[3].replace(/^TSR_/, ''))!;
      if (!count) throw new Error(`unknown array size ${f[3]}`);
    }
    offset = Math.ceil(offset / size) * size;
    align = Math.max(align, size);
    fields.set(f[2], { name: f[2], offset, size, count });
    offset += size * count;
  }
  return { size: Math.ceil(offset / align) * align, align, fields };
}

describe('struct layouts in plan.h', () => {
  const header = parseStruct(headerText, 'tsr_plan_header');
  const op = parseStruct(headerText, 'tsr_op');

  test('header size equals HEADER_SIZE (32)', () => {
    expect(header.size).toBe(32);
    expect(opcodes.HEADER_SIZE).toBe(header.size);
  });

  test('op size equals OP_SIZE (56)', () => {
    expect(op.size).toBe(56);
    expect(opcodes.OP_SIZE).toBe(op.size);
  });

  test('header fields sit where Plan.serialize writes them', () => {
    expect([...header.fields.keys()]).toEqual(['magic', 'version', 'nops', 'strtab_len', 'clone_flags', 'keep_fds']);
    const plan = new Plan();
    plan.cloneFlags = 0x0123456789abcdefn;
    plan.preserveFds = 7;
    plan.add('EXEC', 'x', 'x', [], ['abc']);
    const b = plan.serialize();
    const f = (n: string) => header.fields.get(n)!;
    expect(b.readUInt32LE(f('magic').offset)).toBe(opcodes.PLAN_MAGIC);
    expect(b.readUInt32LE(f('version').offset)).toBe(opcodes.PLAN_VERSION);
    expect(b.readUInt32LE(f('nops').offset)).toBe(1);
    expect(b.readUInt32LE(f('strtab_len').offset)).toBe(4);
    expect(b.readBigUInt64LE(f('clone_flags').offset)).toBe(0x0123456789abcdefn);
    expect(b.readBigUInt64LE(f('keep_fds').offset)).toBe(7n);
  });

  test('op fields sit where Plan.serialize writes them', () => {
    const code = op.fields.get('code')!, a = op.fields.get('a')!, s = op.fields.get('s')!, src = op.fields.get('src')!;
    expect([code.size, a.size, a.count, s.size, s.count]).toEqual([4, 8, 4, 4, 4]);
    const plan = new Plan();
    plan.add('SYNC_SEND', 'x', 'x');
    plan.add('MOUNT', 'mounts[0]', 'x', [1n, 2n, 3n, -4n], ['s0', null, 's2', 's3']);
    const b = plan.serialize();
    const base = opcodes.HEADER_SIZE + opcodes.OP_SIZE; // the second op
    expect(b.readUInt32LE(base + code.offset)).toBe(opcodes.Op.MOUNT);
    expect(b.readUInt32LE(base + src.offset)).toBe(1);
    expect([0, 1, 2, 3].map((k) => b.readBigInt64LE(base + a.offset + k * 8))).toEqual([1n, 2n, 3n, -4n]);
    const strtab = opcodes.HEADER_SIZE + 2 * opcodes.OP_SIZE;
    const str = (k: number) => {
      const off = b.readUInt32LE(base + s.offset + k * 4);
      if (off === opcodes.NO_STR) return null;
      return b.toString('utf8', strtab + off, b.indexOf(0, strtab + off));
    };
    expect([0, 1, 2, 3].map(str)).toEqual(['s0', null, 's2', 's3']);
  });

  test('tsr_sync holds the error text of TSR_ERR_TEXT bytes', () => {
    const sync = parseStruct(headerText, 'tsr_sync');
    expect(sync.fields.get('text')!.count).toBe(opcodes.ERR_TEXT);
    expect(sync.size).toBe(16 + opcodes.ERR_TEXT);
  });
});
