// Run by test/integration/cgroup2.test.ts as `unshare -m --propagation private bun <this> MOUNTPOINT NAME`:
// in a mount namespace of its own it mounts cgroup2 at MOUNTPOINT and drives the v2 manager through
// what this machine's cgroup2 offers (cgroup.procs, cgroup.freeze, cgroup.kill; hugetlb is in the
// hierarchy but not enabled below its root, which is not ours to change). Prints one JSON object.
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { V2Manager } from '../../src/cgroups/v2';

const [mp, name] = process.argv.slice(2);
const out: Record<string, unknown> = {};
const sleepMs = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const until = (cond: () => boolean, ms = 3000) => { const end = Date.now() + ms; while (!cond() && Date.now() < end) sleepMs(10); return cond(); };
const alive = (pid: number) => { try { return !/^State:\s+[ZX]/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8')); } catch { return false; } };

fs.mkdirSync(mp, { recursive: true });
const m = spawnSync('mount', ['-t', 'cgroup2', 'none', mp], { encoding: 'utf8' });
if (m.status !== 0) {
  process.stdout.write(JSON.stringify({ skip: `cannot mount cgroup2: ${m.stderr.trim()}` }));
  process.exit(0);
}
const dir = path.join(mp, name);
const mgr = new V2Manager({ version: 2, path: `/${name}`, paths: { unified: dir }, created: [] });
const child = spawn('sleep', ['100'], { stdio: 'ignore', detached: true });
try {
  mgr.create();
  out.created = fs.existsSync(dir) && mgr.record.created.includes(dir);
  mgr.addProcess(child.pid!);
  out.procs = fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').trim();
  out.selfCgroup = fs.readFileSync(`/proc/${child.pid}/cgroup`, 'utf8').split('\n').find((l) => l.startsWith('0::'));
  out.pids = mgr.pids();
  mgr.freeze();
  out.frozen = mgr.isFrozen();
  out.eventsFrozen = /^frozen 1$/m.test(fs.readFileSync(path.join(dir, 'cgroup.events'), 'utf8'));
  mgr.thaw();
  out.thawed = !mgr.isFrozen();
  try {
    mgr.apply({ hugepageLimits: [{ pageSize: '2MB', limit: 2 * 1024 * 1024 }] });
    out.hugetlb = 'applied';
  } catch (e) {
    out.hugetlb = { field: (e as { field?: string }).field, message: (e as Error).message };
  }
  out.cgroupKill = fs.existsSync(path.join(dir, 'cgroup.kill'));
  mgr.kill();
  out.killed = until(() => !alive(child.pid!));
  mgr.destroy();
  out.removed = !fs.existsSync(dir);
} catch (e) {
  out.error = (e as Error).stack;
} finally {
  try { process.kill(child.pid!, 'SIGKILL'); } catch { /* gone */ }
  try { fs.rmdirSync(dir); } catch { /* removed */ }
  spawnSync('umount', [mp]);
  try { fs.rmdirSync(mp); } catch { /* kept */ }
}
process.stdout.write(JSON.stringify(out));
process.exit(0);
