// The cgroup manager against this host's real cgroups (v1 controllers + the unified mount here):
// create, join, limits read back, freeze/thaw seen by the process, destroy (also of a paused
// container, runc#3134). Only cgroups named after this test's unique ids are ever made or written,
// and afterAll removes them even when a test failed.
import { ChildProcess, spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { createManager } from '../../src/cgroups';
import { detectLayout } from '../../src/cgroups/layout';
import { V2Manager } from '../../src/cgroups/v2';
import { native } from '../../src/native';
import { errorOf } from '../helpers/errors';
import { procState, waitFor } from '../helpers/runtime';
import type { CgroupManager } from '../../src/cgroups/manager';

const isRoot = process.getuid?.() === 0;
const describeRoot = isRoot ? describe : describe.skip;
const title = 'cgroup manager on this host' + (isRoot ? '' : ' (skipped: needs root to make cgroups)');

const suffix = crypto.randomBytes(4).toString('hex');
const ids = [`tsrunc-test-${suffix}`, `tsrunc-test-${suffix}-paused`, `tsrunc-test-${suffix}-dev1`, `tsrunc-test-${suffix}-dev2`];

/** Directories named after our ids anywhere under /sys/fs/cgroup (the leftover check). */
function dirsNamed(names: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const p = path.join(dir, e.name);
      if (names.includes(e.name)) out.push(p);
      else if (depth < 6) walk(p, depth + 1);
    }
  };
  walk('/sys/fs/cgroup', 0);
  return out;
}

function spawnSleep(): ChildProcess {
  const child = spawn('sleep', ['100'], { stdio: 'ignore' });
  if (!child.pid) throw new Error('cannot spawn sleep');
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((res) => {
    if (child.exitCode !== null || child.signalCode !== null) res();
    else child.once('exit', () => res());
  });
}

describeRoot(title, () => {
  const managers: CgroupManager[] = [];
  const children: ChildProcess[] = [];

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const m of managers) {
      try { m.destroy(); } catch (e) { console.error(`cleanup: ${(e as Error).message}`); }
    }
    // Whatever is still there (a destroy that threw half way): thaw and remove our own dirs only.
    for (const d of dirsNamed(ids).sort((a, b) => b.length - a.length)) {
      try { fs.writeFileSync(path.join(d, 'freezer.state'), 'THAWED'); } catch { /* not a freezer dir */ }
      try { fs.rmdirSync(d); } catch (e) { console.error(`cleanup: rmdir ${d}: ${(e as Error).message}`); }
    }
    expect(dirsNamed(ids)).toEqual([]);
  });

  test('create, join, apply limits, freeze/thaw and destroy', async () => {
    const id = ids[0];
    const mgr = createManager({ id });
    managers.push(mgr);
    const rec = mgr.record;
    expect(rec.path).toBe(`tsrunc/${id}`);
    const dirs = Object.values(rec.paths);
    expect(dirs.every((d) => d.endsWith(`/tsrunc/${id}`))).toBe(true);
    expect(dirs.some((d) => !fs.existsSync(d))).toBe(true);

    // Each directory is in the record (state.json) before it exists.
    const existedWhenRecorded = new Map<string, boolean>();
    mgr.create((r) => {
      for (const d of r.created) if (!existedWhenRecorded.has(d)) existedWhenRecorded.set(d, fs.existsSync(d));
    });
    for (const d of dirs) {
      expect(fs.existsSync(d)).toBe(true);
      expect(existedWhenRecorded.get(d)).toBe(false);
    }

    const child = spawnSleep();
    children.push(child);
    const pid = child.pid!;
    mgr.addProcess(pid);
    const cg = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    for (const line of cg.trim().split('\n')) {
      // Every hierarchy we manage shows the container's cgroup.
      const [, ctl, p] = /^\d+:([^:]*):(.*)$/.exec(line)!;
      if ((ctl === '' && rec.paths.unified) || rec.paths[ctl]) expect(p.endsWith(`/tsrunc/${id}`)).toBe(true);
    }
    expect(mgr.pids()).toEqual([pid]);

    mgr.apply({ pids: { limit: 10 }, memory: { limit: 64 * 1024 * 1024 }, devices: [{ allow: false, access: 'rwm' }] });
    const pidsDir = rec.paths.pids ?? rec.paths.unified;
    expect(fs.readFileSync(path.join(pidsDir, 'pids.max'), 'utf8').trim()).toBe('10');
    if (rec.version === 1) {
      expect(fs.readFileSync(path.join(rec.paths.memory, 'memory.limit_in_bytes'), 'utf8').trim()).toBe(String(64 * 1024 * 1024));
      const list = fs.readFileSync(path.join(rec.paths.devices, 'devices.list'), 'utf8');
      expect(list).toContain('c 1:3 rwm');
      expect(list).not.toContain('a *:* rwm');
    } else {
      expect(fs.readFileSync(path.join(rec.paths.unified, 'memory.max'), 'utf8').trim()).toBe(String(64 * 1024 * 1024));
    }
    const stats = mgr.stats() as any;
    expect(stats.pids).toEqual({ current: 1, limit: 10 });
    expect(stats.memory.usage.limit).toBe(64 * 1024 * 1024);

    await waitFor(() => procState(pid) === 'S', 5000, 'sleep to be sleeping');
    mgr.freeze();
    expect(mgr.isFrozen()).toBe(true);
    if (rec.version === 1) expect(fs.readFileSync(path.join(rec.paths.freezer, 'freezer.state'), 'utf8').trim()).toBe('FROZEN');
    // A frozen task is in the refrigerator, not in its ordinary interruptible sleep.
    expect(procState(pid)).not.toBe('S');
    mgr.thaw();
    expect(mgr.isFrozen()).toBe(false);
    await waitFor(() => procState(pid) === 'S', 5000, 'sleep to sleep again after thaw');

    mgr.destroy();
    await exited(child);
    expect(child.signalCode).toBe('SIGKILL');
    for (const d of dirs) expect(fs.existsSync(d)).toBe(false);
    expect(dirsNamed([id])).toEqual([]);
  });

  test('destroy kills and removes a paused (frozen) container', async () => {
    const id = ids[1];
    const mgr = createManager({ id });
    managers.push(mgr);
    mgr.create();
    const child = spawnSleep();
    children.push(child);
    mgr.addProcess(child.pid!);
    mgr.freeze();
    expect(mgr.isFrozen()).toBe(true);
    mgr.destroy();
    await exited(child);
    expect(child.signalCode).toBe('SIGKILL');
    expect(dirsNamed([id])).toEqual([]);
  });

  test('updates in both directions: memory+swap and CFS period/quota ordering (runc\'s rules)', () => {
    const id = `${ids[0]}-update`;
    ids.push(id);
    const mgr = createManager({ id });
    managers.push(mgr);
    mgr.create();
    const MiB = 1024 * 1024;
    const read = (h: string, f: string) => fs.readFileSync(path.join(mgr.record.paths[h] ?? mgr.record.paths.unified, f), 'utf8').trim();
    const steps: { mem: number; swap: number; quota: number; period: number }[] = [
      { mem: 64 * MiB, swap: 128 * MiB, quota: 50000, period: 100000 },
      { mem: 256 * MiB, swap: 512 * MiB, quota: 5000, period: 10000 }, // raise memory (swap first), shorten period
      { mem: 32 * MiB, swap: 48 * MiB, quota: 400000, period: 1000000 }, // lower memory (limit first), lengthen period
    ];
    for (const s of steps) {
      mgr.apply({ memory: { limit: s.mem, swap: s.swap }, cpu: { quota: s.quota, period: s.period, shares: 256 } }, { skipDevices: true });
      if (mgr.record.version === 1) {
        expect(read('memory', 'memory.limit_in_bytes')).toBe(String(s.mem));
        expect(read('memory', 'memory.memsw.limit_in_bytes')).toBe(String(s.swap));
        expect(read('cpu', 'cpu.cfs_quota_us')).toBe(String(s.quota));
        expect(read('cpu', 'cpu.cfs_period_us')).toBe(String(s.period));
      } else {
        expect(read('unified', 'memory.max')).toBe(String(s.mem));
        expect(read('unified', 'cpu.max')).toBe(`${s.quota} ${s.period}`);
      }
    }
    mgr.destroy();
    expect(dirsNamed([id])).toEqual([]);
  });

  test('invalid resources are refused before anything is written', () => {
    const id = `${ids[0]}-invalid`;
    ids.push(id);
    const mgr = createManager({ id });
    managers.push(mgr);
    mgr.create();
    const pidsDir = mgr.record.paths.pids ?? mgr.record.paths.unified;
    const before = fs.readFileSync(path.join(pidsDir, 'pids.max'), 'utf8');
    expect(() => mgr.apply({ pids: { limit: 5 }, cpu: { cpus: '0-1,x' } })).toThrow(/cannot parse "0-1,x"/);
    expect(fs.readFileSync(path.join(pidsDir, 'pids.max'), 'utf8')).toBe(before);
    mgr.destroy();
    expect(dirsNamed([id])).toEqual([]);
  });

  // cgroup v2 device rules are an eBPF program (src/cgroups/devicefilter.ts). This host's cgroup2
  // mount has no controllers enabled below its root, but device programs need none: the kernel
  // checks them for every process in the cgroup, so the filter is proven here on real opens.
  const unified = detectLayout(fs.readFileSync('/proc/self/mountinfo', 'utf8')).unified?.mountpoint;
  (unified ? test : test.skip)(`v2 device rules: the eBPF filter decides opens in the cgroup${unified ? '' : ' (skipped: no cgroup2 mount)'}`, async () => {
    const probe = (mgr: V2Manager) => new Promise<string>((res, rej) => {
      // The shell waits for a line on stdin until it is in the cgroup; each open in a subshell.
      const sh = spawn('sh', ['-c', 'read x; for d in null kmsg; do (: < /dev/$d) && echo "$d ok" || echo "$d denied"; done'], { stdio: ['pipe', 'pipe', 'ignore'] });
      children.push(sh);
      let out = '';
      sh.stdout!.on('data', (d) => { out += d; });
      sh.on('exit', () => res(out));
      sh.on('error', rej);
      mgr.addProcess(sh.pid!);
      sh.stdin!.end('go\n');
    });
    const make = (name: string) => {
      const dir = path.join(unified!, name);
      const mgr = new V2Manager({ version: 2, path: `/${name}`, paths: { unified: dir }, created: [] });
      managers.push(mgr);
      mgr.create();
      return mgr;
    };
    // Only runc's defaults (deny all, then the built-in devices): /dev/null yes, /dev/kmsg (c 1:11) no.
    const dflt = make(ids[2]);
    dflt.apply(undefined);
    expect(native().bpfDeviceFilterCount(dflt.dir)).toBe(1);
    expect(await probe(dflt)).toBe('null ok\nkmsg denied\n');
    // A rule of the config allows /dev/kmsg for reading; a later one takes /dev/null away.
    const custom = make(ids[3]);
    custom.apply({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 11, access: 'r' }] }, { devices: [{ path: '/dev/null', type: 'c', major: 1, minor: 3 }] });
    expect(await probe(custom)).toBe('null denied\nkmsg ok\n');
    // A rule that cannot be compiled is refused before anything is attached.
    expect(errorOf(() => custom.apply({ devices: [{ allow: true, type: 'x' as 'c', access: 'r' }] })).field).toBe('linux.resources.devices[0].type');
    expect(native().bpfDeviceFilterCount(custom.dir)).toBe(1);
    dflt.destroy();
    custom.destroy();
    expect(dirsNamed([ids[2], ids[3]])).toEqual([]);
  });
});
