// The cgroup v2 device filter (src/cgroups/devicefilter.ts): the compiled eBPF program, run by a small
// interpreter of the opcodes it uses, must decide every access as the reference reading of the rule
// list does (deny to start, the last rule naming the access and matching the device decides, a type
// "a" rule matching everything), for runc's default list and for random lists.
import { ACC_MKNOD, ACC_READ, ACC_WRITE, DEV_BLOCK, DEV_CHAR, compileDeviceFilter, runDeviceFilter } from '../../../src/cgroups/devicefilter';
import { DeviceRule, deviceRules } from '../../../src/cgroups/devices';

const rule = (allow: boolean, type: DeviceRule['type'], major: number | '*', minor: number | '*', access: string): DeviceRule => ({ allow, type, major, minor, access, field: 'x' });

/** The reference: for each access bit asked for, the last matching rule naming it decides. */
function reference(rules: DeviceRule[], type: number, access: number, major: number, minor: number): number {
  for (const [bit, letter] of [[ACC_MKNOD, 'm'], [ACC_READ, 'r'], [ACC_WRITE, 'w']] as const) {
    if (!(access & bit)) continue;
    let allowed = false;
    for (let i = rules.length - 1; i >= 0; i--) {
      const r = rules[i];
      if (r.type === 'a' || (r.access.includes(letter) && (r.type === 'b' ? DEV_BLOCK : DEV_CHAR) === type && (r.major === '*' || r.major === major) && (r.minor === '*' || r.minor === minor))) {
        allowed = r.allow;
        break;
      }
    }
    if (!allowed) return 0;
  }
  return 1;
}

const decide = (rules: DeviceRule[], type: number, access: number, major: number, minor: number) => runDeviceFilter(compileDeviceFilter(rules),
  type, access, major, minor);

describe('runc\'s default list (deny all, then the built-in devices)', () => {
  const rules = deviceRules(undefined, undefined);
  test.each([
    ['read /dev/null', DEV_CHAR, ACC_READ, 1, 3, 1],
    ['read+write /dev/null', DEV_CHAR, ACC_READ | ACC_WRITE, 1, 3, 1],
    ['write /dev/urandom', DEV_CHAR, ACC_WRITE, 1, 9, 1],
    ['a pty /dev/pts/7', DEV_CHAR, ACC_READ | ACC_WRITE, 136, 7, 1],
    ['mknod of any char device', DEV_CHAR, ACC_MKNOD, 8, 0, 1],
    ['mknod of any block device', DEV_BLOCK, ACC_MKNOD, 8, 0, 1],
    ['read a disk (b 8:0)', DEV_BLOCK, ACC_READ, 8, 0, 0],
    ['read /dev/kmsg (c 1:11)', DEV_CHAR, ACC_READ, 1, 11, 0],
    ['read /dev/mem (c 1:1)', DEV_CHAR, ACC_READ, 1, 1, 0],
    ['/dev/null numbers as a block device', DEV_BLOCK, ACC_READ, 1, 3, 0],
    ['write /dev/kvm (c 10:232)', DEV_CHAR, ACC_WRITE, 10, 232, 0],
    ['/dev/net/tun (c 10:200)', DEV_CHAR, ACC_READ | ACC_WRITE, 10, 200, 1],
  ])('%s -> %i', (_what, type, access, major, minor, want) => {
    expect(decide(rules, type, access, major, minor)).toBe(want);
  });
});

test('a later rule overrides an earlier one; type "a" resets; access is per bit', () => {
  const rules = [rule(true, 'a', '*', '*', 'rwm'), rule(false, 'c', 1, 3, 'w'), rule(false, 'b', '*', '*', 'rwm'), rule(true, 'b', 8, 1, 'r')];
  expect(decide(rules, DEV_CHAR, ACC_READ, 1, 3)).toBe(1);
  expect(decide(rules, DEV_CHAR, ACC_WRITE, 1, 3)).toBe(0);
  expect(decide(rules, DEV_CHAR, ACC_READ | ACC_WRITE, 1, 3)).toBe(0);
  expect(decide(rules, DEV_BLOCK, ACC_READ, 8, 1)).toBe(1);
  expect(decide(rules, DEV_BLOCK, ACC_READ | ACC_WRITE, 8, 1)).toBe(0);
  expect(decide(rules, DEV_BLOCK, ACC_READ, 8, 2)).toBe(0);
  expect(decide(rules, DEV_CHAR, ACC_MKNOD, 99, 99)).toBe(1);
  // access split over two rules still adds up
  const split = [rule(true, 'c', '*', '*', 'r'), rule(true, 'c', 1, 3, 'w')];
  expect(decide(split, DEV_CHAR, ACC_READ | ACC_WRITE, 1, 3)).toBe(1);
  expect(decide(split, DEV_CHAR, ACC_READ | ACC_WRITE, 1, 5)).toBe(0);
  // a deny wins over an earlier wildcard allow (stricter than the v1 kernel, on purpose)
  expect(decide([rule(true, 'c', '*', '*', 'rw'), rule(false, 'c', 1, 3, 'rw')], DEV_CHAR, ACC_READ, 1, 3)).toBe(0);
  // an empty list denies everything
  expect(decide([], DEV_CHAR, ACC_READ, 1, 3)).toBe(0);
});

test('numbers above 2^31 compare as unsigned 32-bit values', () => {
  const big = 4294967290;
  const rules = [rule(true, 'c', big, big, 'r')];
  expect(decide(rules, DEV_CHAR, ACC_READ, big, big)).toBe(1);
  expect(decide(rules, DEV_CHAR, ACC_READ, big - 1, big)).toBe(0);
});

test('random rule lists decide every access like the reference', () => {
  let seed = 12345;
  const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  const types: DeviceRule['type'][] = ['a', 'b', 'c', 'c'];
  const acc = ['r', 'w', 'm', 'rw', 'rm', 'wm', 'rwm'];
  for (let round = 0; round < 200; round++) {
    const rules = Array.from({ length: rnd(8) }, () => rule(rnd(2) === 0, types[rnd(4)], rnd(3) ? rnd(4) : '*', rnd(3) ? rnd(4) : '*', acc[rnd(7)]));
    const prog = compileDeviceFilter(rules);
    for (const type of [DEV_BLOCK, DEV_CHAR]) {
      for (let access = 1; access < 8; access++) {
        for (let major = 0; major < 5; major++) {
          for (let minor = 0; minor < 5; minor++) {
            expect([round, type, access, major, minor, runDeviceFilter(prog, type, access, major, minor)])
              .toEqual([round, type, access, major, minor, reference(rules, type, access, major, minor)]);
          }
        }
      }
    }
  }
});

test('the encoding: 8-byte instructions, registers in the low/high nibbles, ending in exit', () => {
  const prog = compileDeviceFilter([rule(true, 'c', 1, 3, 'rwm')]);
  expect(prog.length % 8).toBe(0);
  // first: r2 = *(u32 *)(r1 + 0)
  expect([...prog.subarray(0, 8)]).toEqual([0x61, 0x12, 0, 0, 0, 0, 0, 0]);
  expect(prog[prog.length - 8]).toBe(0x95);
});

test('no unreachable instruction after a rule that matches everything (the verifier refuses them)', () => {
  const prog = compileDeviceFilter([rule(false, 'a', '*', '*', 'rwm'), rule(true, 'c', 1, 3, 'r'), rule(true, 'a', '*', '*', 'rwm'), rule(false, 'c', 1, 5, 'w')]);
  // Walk every path from the start; every instruction must be reached.
  const count = prog.length / 8;
  const seen = new Set<number>();
  const todo = [0];
  while (todo.length) {
    const pc = todo.pop()!;
    if (pc >= count || seen.has(pc)) continue;
    seen.add(pc);
    todo.push(...successors(prog, pc));
  }
  expect(seen.size).toBe(count);
});

/** Where control can go after the instruction at pc: none after exit, the target after ja, both
 * after a conditional jump, else the next one. */
function successors(prog: Buffer, pc: number): number[] {
  const code = prog.readUInt8(pc * 8), target = pc + 1 + prog.readInt16LE(pc * 8 + 2);
  return code === 0x95 ? [] : code === 0x05 ? [target] : code === 0x16 || code === 0x56 ? [pc + 1, target] : [pc + 1];
}

/** For each instruction, the registers read before being written on some path from it (the
 * verifier's liveness), by a backward fixpoint over the opcodes the compiler emits. */
function liveIn(prog: Buffer): Set<number>[] {
  const count = prog.length / 8;
  const live = Array.from({ length: count }, () => new Set<number>());
  for (let changed = true; changed;) {
    changed = false;
    for (let pc = count - 1; pc >= 0; pc--) {
      const code = prog.readUInt8(pc * 8), regs = prog.readUInt8(pc * 8 + 1);
      const dst = regs & 0xf, src = regs >> 4;
      const out = new Set<number>(successors(prog, pc).flatMap((s) => [...live[s]]));
      const uses = { 0x61: [src], 0xb7: [], 0x54: [dst], 0x74: [dst], 0x05: [], 0x16: [dst], 0x56: [dst], 0x95: [0] }[code];
      if (!uses) throw new Error(`unknown opcode 0x${code.toString(16)} at ${pc}`);
      if ([0x61, 0xb7, 0x54, 0x74].includes(code)) out.delete(dst);
      for (const u of uses) out.add(u);
      if (out.size !== live[pc].size) { live[pc] = out; changed = true; }
    }
  }
  return live;
}

test('at every jump target only the context pointer (r1) is live, so the kernel verifier keeps one state per label', () => {
  // Registers that carry what earlier compares learnt (r5 == 1, ...) into a label where paths join
  // stop the verifier from pruning them: with runc's default list the first compiler of this file
  // made the kernel process 1175 instructions in 139 states (~1 ms per create on cgroup v2).
  for (const rules of [deviceRules(undefined, undefined), [rule(true, 'a', '*', '*', 'rwm'), rule(false, 'c', 1, 3, 'w'), rule(true, 'b', 8, '*', 'rm')]]) {
    const prog = compileDeviceFilter(rules);
    const live = liveIn(prog);
    const targets = new Set<number>();
    for (let pc = 0; pc < prog.length / 8; pc++) {
      const code = prog.readUInt8(pc * 8);
      if (code === 0x05 || code === 0x16 || code === 0x56) targets.add(pc + 1 + prog.readInt16LE(pc * 8 + 2));
    }
    expect(targets.size).toBeGreaterThan(3);
    for (const t of targets) expect([t, [...live[t]].filter((r) => r !== 1)]).toEqual([t, []]);
  }
});
