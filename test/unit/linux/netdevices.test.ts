// linux.netDevices checks (src/linux/netdevices.ts) and where the plan hands the moves to the
// runtime. The host's devices come from a fake addon: no root, no kernel.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { compileCreatePlan } from '../../../src/linux/create';
import { checkNetDevices, moveNetDevices, validIfName } from '../../../src/linux/netdevices';
import { Sync } from '../../../src/linux/opcodes';
import { Native, setNative } from '../../../src/native';
import { unitSpec } from '../../helpers/unitSpec';
import type { Spec } from '../../../src/spec/types';
import { errorOf } from '../../helpers/errors';

const hostDevices = new Set(['eth1', 'veth9', 'ens3']);
const moves: Array<[string, string, string]> = [];
let failOn: string | undefined;

beforeAll(() => {
  setNative({
    ifIndex: (name: string) => (hostDevices.has(name) ? 7 : 0),
    netdevMove: (host: string, name: string, ns: string) => {
      if (host === failOn) throw Object.assign(new Error(`a network device named ${name} already exists in the container's network namespace: File exists`), { errno: 17 });
      moves.push([host, name, ns]);
      return { name, index: 7, addresses: 0 };
    },
  } as unknown as Native);
});
afterAll(() => setNative(undefined));
beforeEach(() => { moves.length = 0; failOn = undefined; });

function spec(devices: Spec['linux'] extends infer L ? L extends { netDevices?: infer D } ? D : never : never, edit?: (s: Spec) => void): Spec {
  const s = unitSpec();
  if (!s.linux!.namespaces!.some((n) => n.type === 'network')) s.linux!.namespaces!.push({ type: 'network' });
  s.linux!.netDevices = devices;
  edit?.(s);
  return s;
}

describe('validIfName (the kernel\'s dev_valid_name)', () => {
  test.each(['eth0', 'a', 'x'.repeat(15), 'eth%d', 'veth-1.2', 'ünï'])('%s is valid', (n) => expect(validIfName(n)).toBe(true));
  test.each(['', '.', '..', 'x'.repeat(16), 'a/b', 'a:b', 'a b', 'a\tb', 'ü'.repeat(8)])('%j is not', (n) => expect(validIfName(n)).toBe(false));
});

describe('checkNetDevices', () => {
  test('nothing to move without the field or with an empty map', () => {
    expect(checkNetDevices(unitSpec())).toEqual([]);
    expect(checkNetDevices(spec({}))).toEqual([]);
  });

  test('moves keep the host name unless one is given', () => {
    expect(checkNetDevices(spec({ eth1: {}, veth9: { name: 'ceth0' }, ens3: { name: '' } }))).toEqual([
      { host: 'eth1', name: 'eth1', field: 'linux.netDevices.eth1' },
      { host: 'veth9', name: 'ceth0', field: 'linux.netDevices.veth9' },
      { host: 'ens3', name: 'ens3', field: 'linux.netDevices.ens3' },
    ]);
  });

  test('a network namespace is required (new or joined)', () => {
    const e = errorOf(() => checkNetDevices(spec({ eth1: {} }, (s) => { s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'network'); })));
    expect(e.field).toBe('linux.netDevices');
    expect(e.message).toMatch(/needs a network namespace/);
    expect(checkNetDevices(spec({ eth1: {} }, (s) => { s.linux!.namespaces!.find((n) => n.type === 'network')!.path = '/run/netns/x'; }))).toHaveLength(1);
  });

  test.each<[Record<string, { name?: string }>, string, RegExp]>([
    [{ 'a/b': {} }, 'linux.netDevices.a/b', /invalid network device name "a\/b"/],
    [{ eth1: { name: 'x'.repeat(16) } }, 'linux.netDevices.eth1.name', /invalid network device name/],
    [{ eth1: { name: 'e%d%d' } }, 'linux.netDevices.eth1.name', /one %d/],
    [{ eth1: { name: 'e%s' } }, 'linux.netDevices.eth1.name', /one %d/],
    [{ eth1: { name: 'c0' }, veth9: { name: 'c0' } }, 'linux.netDevices.veth9.name', /"c0" is also the name given to eth1/],
    [{ eth1: {}, veth9: { name: 'eth1' } }, 'linux.netDevices.veth9.name', /also the name given to eth1/],
    [{ nosuch: {} }, 'linux.netDevices.nosuch', /network device "nosuch" not found in the runtime's network namespace/],
  ])('%j is refused at %s', (devices, field, msg) => {
    const e = errorOf(() => checkNetDevices(spec(devices)));
    expect(e.field).toBe(field);
    expect(e.message).toMatch(msg);
  });

  test('two templates may share a pattern (the kernel numbers them)', () => {
    expect(checkNetDevices(spec({ eth1: { name: 'c%d' }, veth9: { name: 'c%d' } }))).toHaveLength(2);
  });
});

describe('moveNetDevices', () => {
  test('each device goes to the init\'s network namespace, in config order', () => {
    moveNetDevices(spec({ veth9: { name: 'ceth0' }, eth1: {} }), 4242);
    expect(moves).toEqual([['veth9', 'ceth0', '/proc/4242/ns/net'], ['eth1', 'eth1', '/proc/4242/ns/net']]);
  });

  test('a failed move names its entry and stops there', () => {
    failOn = 'eth1';
    const e = errorOf(() => moveNetDevices(spec({ veth9: {}, eth1: { name: 'lo' }, ens3: {} }), 1));
    expect(e.field).toBe('linux.netDevices.eth1');
    expect(e.message).toMatch(/already exists/);
    expect(moves.map((m) => m[0])).toEqual(['veth9']);
  });
});

describe('the plan', () => {
  let bundle: string;
  beforeAll(() => {
    bundle = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-nd-'));
    fs.mkdirSync(path.join(bundle, 'rootfs'));
  });
  afterAll(() => fs.rmSync(bundle, { recursive: true, force: true }));
  const compile = (s: Spec) => compileCreatePlan(s, { bundle, rootfs: path.join(bundle, 'rootfs'), fifoPath: '/run/x/exec.fifo', noPivot: false, preserveFds: 0 });

  test('the child stops for the runtime after its namespaces and mounts, before pivot_root', () => {
    const plan = compile(spec({ veth9: { name: 'ceth0' } }));
    const send = plan.ops.findIndex((o) => o.op === 'SYNC_SEND' && o.a?.[0] === BigInt(Sync.HOOKS));
    expect(send).toBeGreaterThan(0);
    expect(plan.ops[send].source).toBe('linux.netDevices');
    expect(plan.ops[send].text).toMatch(/move network devices veth9 as ceth0/);
    expect(plan.ops[send + 1].op).toBe('SYNC_WAIT');
    const pivot = plan.ops.findIndex((o) => o.op === 'PIVOT_ROOT');
    const lastMount = plan.ops.map((o) => o.op).lastIndexOf('MOUNT', pivot);
    expect(send).toBeGreaterThan(lastMount);
    expect(send).toBeLessThan(pivot);
  });

  test('without devices or hooks the child does not stop', () => {
    const plan = compile(spec({}));
    expect(plan.ops.some((o) => o.op === 'SYNC_SEND' && o.a?.[0] === BigInt(Sync.HOOKS))).toBe(false);
  });

  test('bad entries fail the compile (create and --dry-run alike)', () => {
    expect(() => compile(spec({ nosuch: {} }))).toThrow(/not found/);
  });
});
