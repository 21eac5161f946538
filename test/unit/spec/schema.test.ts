// The project's schemas (schemas/*.json, compiled by scripts/gen-validators.js) against the
// upstream runtime-spec schemas, which are the test oracle (the compatibility contract):
// same verdicts on the upstream test corpus, on our own corpus in test/fixtures/schema, and on
// thousands of systematic mutations of every good document. The upstream files live outside the
// repository (/work/shared); where they are absent (a user's clone) the comparisons are skipped.
import * as fs from 'fs';
import * as path from 'path';
import { SKIP_REASON, UPSTREAM_SCHEMAS, haveUpstream, loadUpstream } from '../../helpers/upstreamSchema';

type Kind = 'config' | 'state' | 'features';
type Verdict = (doc: unknown) => boolean;
interface Generator {
  generate(): string;
  writeValidators(): string[];
  HEADER: string;
}

const KINDS: Kind[] = ['config', 'state', 'features'];
const REPO = path.resolve(__dirname, '../../..');
const FIXTURES = path.join(REPO, 'test/fixtures/schema');
const UPSTREAM_CORPUS = path.join(UPSTREAM_SCHEMAS, 'test');
if (!haveUpstream) console.warn(`schema.test.ts: upstream comparisons skipped: ${SKIP_REASON}`);

// Test what ships: (re)generate src/generated/validators.js from schemas/ (idempotent, atomic).
const generator = require('../../../scripts/gen-validators.js') as Generator;
generator.writeValidators();
const generated = require('../../../src/generated/validators') as typeof import('../../../src/generated/validators');
const ours: Record<Kind, Verdict> = {
  config: (d) => generated.validateConfig(d),
  state: (d) => generated.validateState(d),
  features: (d) => generated.validateFeatures(d),
};

const upstream = haveUpstream ? loadUpstream() : undefined;

/** A file's verdict: a file that is not JSON is invalid, as runtimes must refuse it. */
function verdict(validate: Verdict, file: string): boolean {
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return false;
  }
  return validate(doc);
}

function listJson(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : [];
}

interface Case {
  kind: Kind;
  good: boolean;
  file: string;
  name: string;
}
function corpus(root: string): Case[] {
  const cases: Case[] = [];
  for (const kind of KINDS)
    for (const good of [true, false]) {
      const dir = path.join(root, kind, good ? 'good' : 'bad');
      for (const f of listJson(dir)) cases.push({ kind, good, file: path.join(dir, f), name: `${kind}/${good ? 'good' : 'bad'}/${f}` });
    }
  return cases;
}
const ownCases = corpus(FIXTURES);
const upstreamCases = haveUpstream ? corpus(UPSTREAM_CORPUS) : [];

describe('generated validators', () => {
  test('generation is deterministic and the written file is current', () => {
    const once = generator.generate();
    expect(generator.generate()).toBe(once);
    expect(fs.readFileSync(path.join(REPO, 'src/generated/validators.js'), 'utf8')).toBe(`${generator.HEADER}${once}\n`);
    expect(generator.writeValidators()).toEqual([]);
  });

  test('the generated code requires nothing but Ajv runtime helpers', () => {
    const code = generator.generate();
    const required = [...code.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
    expect(required.filter((r) => !r.startsWith('ajv/dist/runtime/'))).toEqual([]);
  });

  test('every schema file is draft-07 and its $id is its file name', () => {
    for (const f of listJson(path.join(REPO, 'schemas'))) {
      const s = JSON.parse(fs.readFileSync(path.join(REPO, 'schemas', f), 'utf8'));
      expect([f, s.$schema]).toEqual([f, 'http://json-schema.org/draft-07/schema#']);
      expect(s.$id).toBe(f);
    }
  });
});

describe('own corpus (test/fixtures/schema): our verdicts', () => {
  test('the corpus is as large as promised', () => {
    const n = (kind: Kind, good: boolean) => ownCases.filter((c) => c.kind === kind && c.good === good).length;
    expect(n('config', true)).toBeGreaterThanOrEqual(10);
    expect(n('config', false)).toBeGreaterThanOrEqual(25);
  });
  test.each(ownCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(verdict(ours[c.kind], c.file)).toBe(c.good);
  });
});

if (!haveUpstream) {
  describe('comparison with the upstream runtime-spec schemas', () => {
    test.skip(`skipped: ${SKIP_REASON}`, () => {});
  });
} else {
  const up = upstream!;

  describe('upstream corpus (runtime-spec schema/test): same verdicts as upstream', () => {
    test('the corpus is there', () => {
      expect(upstreamCases.length).toBeGreaterThan(10);
    });
    test.each(upstreamCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      const theirs = verdict(up[c.kind], c.file);
      expect({ upstream: theirs, ours: verdict(ours[c.kind], c.file) }).toEqual({ upstream: c.good, ours: c.good });
    });
  });

  describe('own corpus: same verdicts as upstream', () => {
    test.each(ownCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      expect(verdict(up[c.kind], c.file)).toBe(c.good);
    });
  });

  describe('mutations of every good document: same verdicts as upstream', () => {
    test('replace, delete, add and append at every path', () => {
      const docs: { kind: Kind; name: string; doc: unknown }[] = [];
      for (const c of [...upstreamCases, ...ownCases].filter((c) => c.good))
        docs.push({ kind: c.kind, name: c.name, doc: JSON.parse(fs.readFileSync(c.file, 'utf8')) });
      const { runs, mismatches } = compareMutations(docs, ours, up, enumStrings(UPSTREAM_SCHEMAS));
      expect(mismatches.slice(0, 25)).toEqual([]);
      expect(runs).toBeGreaterThan(20000);
    });
  });
}

// ---- mutation engine -------------------------------------------------------------------------

/** Values that probe types, integer bounds (int32, uint32, int64, uint64, uint16, uint8, file modes) and patterns. */
const PROBES: unknown[] = [
  null, true, false, 0, 1, -1, 2, 7, 8, 100, 101, 255, 256, 511, 512, 65535, 65536,
  2147483647, 2147483648, -2147483648, -2147483649, 4294967295, 4294967296,
  2 ** 63, -(2 ** 63), -(2 ** 63) * 1.5, 2 ** 64, 2 ** 64 * 2, 1e30, -1e30, 1.5, -0.5,
  '', 'x', '1', '/', 'rootfs', 'none', 'RLIMIT_NOFILE', 'RLIMIT_nofile', 'RLIMIT_', 'RLIMIT_A1',
  '64KB', '2MB', '1GB', '64kB', '0KB', '2TB', '10MB', '0-3,7', '0-3, 7', '0-3;7', ' ', '-',
  'MB:0=20', 'MB:', 'MB:0\n1', 'mb:0', 'L3:0=7', 'CAP_SYS_ADMIN', 'CAP_', 'CAP_sys', 'CAP_A1', 'paused',
  [], [''], ['x', 'y'], [1], [null], [{}], [[]], {}, { x: 1 }, { path: '/p' }, { type: 'pid' }, { name: 5 },
];
/** Values for new keys of objects (maps such as annotations, sysctl, netDevices, rdma, timeOffsets). */
const ADDED: unknown[] = [null, 1, 'v', true, [], {}, { name: 5 }, { name: 'n' }, { hcaHandles: -1 }, { secs: 1.5 }, { nanosecs: -1 }];
const ADDED_KEYS = ['x-tsrunc', '', '\n', 'boottime', 'monotonic', 'realtime'];

function enumStrings(dir: string): string[] {
  const found = new Set<string>();
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n && typeof n === 'object')
      for (const [k, v] of Object.entries(n)) {
        if (k === 'enum' && Array.isArray(v)) v.forEach((e) => typeof e === 'string' && found.add(e));
        walk(v);
      }
  };
  for (const f of listJson(dir)) walk(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
  return [...found].sort();
}

type Segment = string | number;

function collectPaths(doc: unknown): Segment[][] {
  const out: Segment[][] = [];
  const walk = (n: unknown, p: Segment[]): void => {
    out.push(p);
    if (Array.isArray(n)) n.forEach((v, i) => walk(v, [...p, i]));
    else if (n && typeof n === 'object') for (const [k, v] of Object.entries(n)) walk(v, [...p, k]);
  };
  walk(doc, []);
  return out;
}

function compareMutations(
  docs: { kind: Kind; name: string; doc: unknown }[],
  a: Record<Kind, Verdict>,
  b: Record<Kind, Verdict>,
  enumValues: string[],
): { runs: number; mismatches: string[] } {
  const mismatches: string[] = [];
  let runs = 0;
  const seen = new Set<string>();
  for (const { kind, name, doc } of docs) {
    let root = structuredClone(doc);
    const compare = (what: string): void => {
      runs++;
      const x = a[kind](root);
      const y = b[kind](root);
      if (x !== y) mismatches.push(`${name} ${what}: ours=${x} upstream=${y}`);
    };
    for (const p of collectPaths(doc)) {
      // Array positions 0 and 1 are distinct (upstream's tuple-form items check only the first);
      // later positions repeat them.
      const shape = `${kind}:${p.map((s) => (typeof s === 'number' ? (s < 2 ? `[${s}]` : '[n]') : s)).join('/')}`;
      const original = p.reduce<any>((n, s) => n[s], root);
      const key = `${shape}:${Array.isArray(original) ? 'array' : typeof original}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const where = `/${p.join('/')}`;
      const parent = p.length ? p.slice(0, -1).reduce<any>((n, s) => n[s], root) : undefined;
      const last = p[p.length - 1];
      const set = (v: unknown) => (p.length ? (parent[last] = v) : (root = v));
      const candidates = typeof original === 'string' ? [...PROBES, ...enumValues] : PROBES;
      for (const v of candidates) {
        set(v);
        compare(`${where} := ${JSON.stringify(v)}`);
      }
      set(original);
      if (p.length && !Array.isArray(parent)) {
        delete parent[last];
        compare(`delete ${where}`);
        parent[last] = original;
      }
      if (Array.isArray(original)) {
        for (const v of PROBES) {
          original.push(v);
          compare(`${where} push ${JSON.stringify(v)}`);
          original.pop();
        }
      } else if (original && typeof original === 'object') {
        for (const k of ADDED_KEYS)
          if (!(k in original))
            for (const v of ADDED) {
              original[k] = v;
              compare(`${where}[${JSON.stringify(k)}] := ${JSON.stringify(v)}`);
              delete original[k];
            }
      }
    }
  }
  return { runs, mismatches };
}
