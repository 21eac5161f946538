// Seeds for the plan fuzzer (fuzz/plan_fuzz.c): real plans as TypeScript serializes them, so libFuzzer
// starts from buffers tsr_prepare accepts and mutates every op's arguments from there.
// Usage: bun fuzz/gen-seeds.ts <dir> <rootfs>
import * as fs from 'fs';
import * as path from 'path';
import { defaultSpec } from '../src/spec/default';
import { compileCreatePlan } from '../src/linux/create';
import type { Spec } from '../src/spec/types';

const [dir, rootfs] = process.argv.slice(2);
fs.mkdirSync(dir, { recursive: true });
const variants: Record<string, (s: Spec) => void> = {
  default: () => {},
  groups: (s) => { s.process!.user.additionalGids = [1, 2, 3, 4, 5]; s.process!.env = ['A=1', 'B=2']; },
  seccomp: (s) => { s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] } as any; },
  sched: (s) => { s.process!.scheduler = { policy: 'SCHED_OTHER', nice: 1 } as any; s.process!.execCPUAffinity = { initial: '0' } as any; },
  mempolicy: (s) => { s.linux!.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0' } as any; },
  noprocess: (s) => { delete s.process; },
};
for (const [name, edit] of Object.entries(variants)) {
  const spec = defaultSpec();
  spec.root = { path: rootfs };
  spec.process!.terminal = false;
  edit(spec);
  try {
    const plan = compileCreatePlan(spec, { bundle: path.dirname(rootfs), rootfs, fifoPath: '/run/x/exec.fifo', noPivot: false, preserveFds: 1 });
    fs.writeFileSync(path.join(dir, `${name}.plan`), plan.serialize());
  } catch (e) {
    console.error(`seed ${name}: ${(e as Error).message}`);
  }
}
