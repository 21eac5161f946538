// cgroup v2 device rules: an eBPF program of type BPF_PROG_TYPE_CGROUP_DEVICE attached to the
// container's cgroup (cgroup-v2.rst "Device controller"; runc libcontainer/cgroups/devices/
// devicefilter.go). The same ordered rule list as v1 (devices.ts deviceRules) gets the same meaning:
// everything denied to start with, then each rule in order, a later rule overriding an earlier one,
// a type "a" rule resetting everything. The program reads that backwards: for each access the kernel
// asks about (mknod, read, write), the last rule that matches the device and names that access
// decides; if none does, the access is denied.
//
// One difference from the v1 kernel, on purpose: there, a deny rule only removes an allow rule with
// exactly the same numbers, so "allow c *:* rw" then "deny c 1:3 rw" still allows /dev/null; here the
// deny wins. That is the stricter reading of the config, and what a user writing it means.
import type { DeviceRule } from './devices';

// struct bpf_cgroup_dev_ctx { __u32 access_type; __u32 major; __u32 minor; } (uapi/linux/bpf.h);
// access_type = (access << 16) | type.
export const DEV_BLOCK = 1, DEV_CHAR = 2; // BPF_DEVCG_DEV_*
export const ACC_MKNOD = 1, ACC_READ = 2, ACC_WRITE = 4; // BPF_DEVCG_ACC_*
const ACCESS_LETTER: Record<number, string> = { [ACC_MKNOD]: 'm', [ACC_READ]: 'r', [ACC_WRITE]: 'w' };

// Opcodes used (uapi/linux/bpf_common.h, bpf.h).
const LDX_MEM_W = 0x61; // r_dst = *(u32 *)(r_src + off)
const MOV64_K = 0xb7, AND32_K = 0x54, RSH32_K = 0x74;
const JA = 0x05, EXIT = 0x95;
const JMP32_JEQ_K = 0x16, JMP32_JNE_K = 0x56; // 32-bit compares: an imm above 2^31 is not sign-extended against a u32

interface Insn { code: number; dst: number; src: number; off: number | string; imm: number }

/** Compile the rules to eBPF instructions (8 bytes each, host byte order). */
export function compileDeviceFilter(rules: DeviceRule[]): Buffer {
  const prog: Insn[] = [];
  const labels = new Map<string, number>();
  const emit = (code: number, dst = 0, src = 0, off: number | string = 0, imm = 0) => prog.push({ code, dst, src, off, imm });
  const label = (name: string) => labels.set(name, prog.length);

  // r1 = ctx, the only register live across a jump target: each check loads the field it compares
  // into r2 right before the compare. Loading the fields once into registers kept for the whole
  // program (as this compiler did first) lets every path carry what its compares learnt (r5 == 1,
  // r6 == 3, ...) to the labels where paths join, so the kernel's verifier cannot prune them: the
  // paths multiply through the three sections (runc's default list: 1175 instructions processed,
  // 139 states, ~1 ms of the verifier on every create on cgroup v2). With nothing but r1 live at a
  // label, the paths that meet there are pruned: 512 instructions in 51 states, ~0.45 ms.
  // Jump to `to` unless the ctx field at `off` (masked to its low 16 bits: the type) equals `value`.
  const unlessField = (off: number, value: number, to: string, low16 = false) => {
    emit(LDX_MEM_W, 2, 1, off);
    if (low16) emit(AND32_K, 2, 0, 0, 0xffff);
    emit(JMP32_JNE_K, 2, 0, to, value);
  };
  let n = 0;
  for (const bit of [ACC_MKNOD, ACC_READ, ACC_WRITE]) {
    const next = `bit${bit}`;
    // Not asked for: nothing to decide.
    emit(LDX_MEM_W, 2, 1, 0);
    emit(RSH32_K, 2, 0, 0, 16);
    emit(AND32_K, 2, 0, 0, bit);
    emit(JMP32_JEQ_K, 2, 0, next, 0);
    let decided = false;
    for (let i = rules.length - 1; i >= 0 && !decided; i--) {
      const r = rules[i];
      if (r.type !== 'a' && !r.access.includes(ACCESS_LETTER[bit])) continue;
      const skip = `rule${n++}`;
      if (r.type !== 'a') {
        unlessField(0, r.type === 'b' ? DEV_BLOCK : DEV_CHAR, skip, true);
        if (r.major !== '*') unlessField(4, r.major | 0, skip);
        if (r.minor !== '*') unlessField(8, r.minor | 0, skip);
      } else {
        // Matches everything: the rules before it cannot decide (and code after it would be
        // unreachable, which the verifier refuses).
        decided = true;
      }
      if (r.allow) {
        emit(JA, 0, 0, next);
      } else {
        emit(MOV64_K, 0, 0, 0, 0);
        emit(EXIT);
      }
      if (!decided) label(skip);
    }
    // No rule names this access for this device: denied, as in a fresh whitelist.
    if (!decided) {
      emit(MOV64_K, 0, 0, 0, 0);
      emit(EXIT);
    }
    label(next);
  }
  emit(MOV64_K, 0, 0, 0, 1);
  emit(EXIT);

  const buf = Buffer.alloc(prog.length * 8);
  prog.forEach((ins, pc) => {
    const off = typeof ins.off === 'string' ? labels.get(ins.off)! - (pc + 1) : ins.off;
    if (off < -32768 || off > 32767) throw new Error('device filter too large: a jump does not fit');
    buf.writeUInt8(ins.code, pc * 8);
    buf.writeUInt8((ins.src << 4) | ins.dst, pc * 8 + 1); // little-endian bitfields: dst_reg low nibble
    buf.writeInt16LE(off, pc * 8 + 2);
    buf.writeInt32LE(ins.imm | 0, pc * 8 + 4);
  });
  return buf;
}

/** What the kernel would decide: runs the program (only the opcodes above) on one access. */
export function runDeviceFilter(prog: Buffer, type: number, access: number, major: number, minor: number): number {
  const ctx = [((access << 16) | type) >>> 0, major >>> 0, minor >>> 0];
  const r = new Array<number>(11).fill(0);
  r[1] = -1; // the context pointer; only read through LDX with src 1
  for (let pc = 0, steps = 0; pc < prog.length / 8; pc++) {
    if (++steps > 1_000_000) throw new Error('device filter does not terminate');
    const code = prog.readUInt8(pc * 8), regs = prog.readUInt8(pc * 8 + 1), off = prog.readInt16LE(pc * 8 + 2), imm = prog.readInt32LE(pc * 8 + 4);
    const dst = regs & 0xf, src = regs >> 4;
    switch (code) {
      case LDX_MEM_W:
        if (src !== 1 || off % 4 || off < 0 || off > 8) throw new Error(`bad context load at ${pc}`);
        r[dst] = ctx[off / 4];
        break;
      case MOV64_K: r[dst] = imm; break;
      case AND32_K: r[dst] = (r[dst] & imm) >>> 0; break;
      case RSH32_K: r[dst] = (r[dst] >>> imm) >>> 0; break;
      case JA: pc += off; break;
      case JMP32_JEQ_K: if ((r[dst] >>> 0) === (imm >>> 0)) pc += off; break;
      case JMP32_JNE_K: if ((r[dst] >>> 0) !== (imm >>> 0)) pc += off; break;
      case EXIT: return r[0];
      default: throw new Error(`unknown opcode 0x${code.toString(16)} at ${pc}`);
    }
  }
  throw new Error('device filter ran off its end');
}
