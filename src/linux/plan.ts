// The plan: a flat, ordered list of primitive operations with every value resolved
// (docs/ARCHITECTURE.md "The plan and its interpreter").
// TypeScript builds it here; addon/child.c executes it. `serialize` produces the exact byte layout of
// addon/plan.h; `describe` renders it for humans (`tsrunc create --dry-run`).
import type { IDMapping } from '../spec/types';
import { HEADER_SIZE, NO_STR, OP_SIZE, Op, OpName, PLAN_MAGIC, PLAN_VERSION } from './opcodes';

export interface PlanOp {
  op: OpName;
  /** Config path this op comes from, for error messages (`mounts[3]`), or a runtime step name. */
  source: string;
  a?: [bigint?, bigint?, bigint?, bigint?];
  /** Strings (or binary blobs) the op refers to. */
  s?: [(string | Buffer | null)?, (string | Buffer | null)?, (string | Buffer | null)?, (string | Buffer | null)?];
  /** One human line for --dry-run. */
  text: string;
}

/** An idmapped bind mount the runtime makes itself and sends to the child (TSR_MNT_FROM_PARENT). */
export interface IdmapRequest {
  source: string;
  recursive: boolean;
  attrs: bigint;
  recAttrs: bigint;
  /** No id mapping: the runtime only opens the source for a container root that cannot reach it
   * (a bind in a user namespace, src/linux/mounts.ts). */
  plain?: boolean;
  /** The mount's own mappings; absent: the container's user namespace mapping. */
  uidMappings?: IDMapping[];
  gidMappings?: IDMapping[];
}

export class Plan {
  readonly ops: PlanOp[] = [];
  /** op index -> what the parent must prepare when the child asks (SYNC_MOUNTFD). */
  readonly idmapped = new Map<number, IdmapRequest>();
  /** Namespaces created by clone3 itself (CLONE_NEW* flags). */
  cloneFlags = 0n;
  /** fds 3 .. 3+preserveFds-1 survive into the container (--preserve-fds); the child closes the rest. */
  preserveFds = 0;

  add(op: OpName, source: string, text: string, a: PlanOp['a'] = [], s: PlanOp['s'] = []): this {
    this.ops.push({ op, source, text, a, s });
    return this;
  }

  indexOf(op: OpName): number {
    return this.ops.findIndex((o) => o.op === op);
  }

  serialize(): Buffer {
    const strings: Buffer[] = [];
    let strLen = 0;
    const offsets = new Map<string, number>();
    const intern = (v: string | Buffer | null | undefined): number => {
      if (v === null || v === undefined) return NO_STR;
      if (typeof v === 'string') {
        const known = offsets.get(v);
        if (known !== undefined) return known;
        const b = Buffer.from(v + '\0', 'utf8');
        const off = strLen;
        strings.push(b);
        strLen += b.length;
        offsets.set(v, off);
        return off;
      }
      // Blobs are 8-byte aligned (gid arrays, BPF programs).
      const pad = (8 - (strLen % 8)) % 8;
      if (pad) { strings.push(Buffer.alloc(pad)); strLen += pad; }
      const off = strLen;
      strings.push(v);
      strLen += v.length;
      return off;
    };
    const opBuf = Buffer.alloc(this.ops.length * OP_SIZE);
    this.ops.forEach((o, i) => {
      const base = i * OP_SIZE;
      opBuf.writeUInt32LE(Op[o.op], base);
      opBuf.writeUInt32LE(i, base + 4);
      for (let k = 0; k < 4; k++) opBuf.writeBigInt64LE(BigInt.asIntN(64, o.a?.[k] ?? 0n), base + 8 + k * 8);
      for (let k = 0; k < 4; k++) opBuf.writeUInt32LE(intern(o.s?.[k]), base + 40 + k * 4);
    });
    const strtab = Buffer.concat(strings, strLen);
    const header = Buffer.alloc(HEADER_SIZE);
    header.writeUInt32LE(PLAN_MAGIC, 0);
    header.writeUInt32LE(PLAN_VERSION, 4);
    header.writeUInt32LE(this.ops.length, 8);
    header.writeUInt32LE(strtab.length, 12);
    header.writeBigUInt64LE(this.cloneFlags, 16);
    header.writeBigUInt64LE(BigInt(this.preserveFds), 24);
    return Buffer.concat([header, opBuf, strtab]);
  }

  describe(): string {
    return this.ops.map((o, i) => `${String(i).padStart(3)}  ${o.op.padEnd(16)} ${o.text}${o.source ? `   [${o.source}]` : ''}`).join('\n');
  }
}

/** argv/env blobs: consecutive NUL-terminated strings. */
export function stringVector(items: string[]): Buffer {
  return Buffer.from(items.map((s) => s + '\0').join(''), 'utf8');
}
