// Pause/resume: the v1 freezer controller (cgroup-v1/freezer-subsystem.rst) and v2's cgroup.freeze
// (cgroup-v2.rst "Core Interface Files"). Both are asynchronous: the kernel reports FREEZING (v1) or
// keeps "frozen 0" in cgroup.events (v2) until every task has stopped, so we wait for the end state.
import { TsruncError } from '../errors';
import { errnoCode, errnoNumber, readCgroupFile, sleepMs, writeCgroupFile } from './fsio';

function write(dir: string, file: string, value: string): void {
  try {
    writeCgroupFile(dir, file, value);
  } catch (e) {
    const code = errnoCode(e);
    throw new TsruncError(`cannot write ${value} to ${dir}/${file}: ${code}`, { syscall: 'write', errno: errnoNumber(code) });
  }
}

/**
 * v1: write FROZEN until freezer.state reads FROZEN. Tasks forked while freezing can leave it in
 * FREEZING; runc retries up to 1000 times, thawing and sleeping now and then, because even recent
 * kernels cannot always freeze a v1 cgroup whose tasks keep forking (runc cgroups/fs/freezer.go).
 * On failure the cgroup is thawed again: a cgroup left FREEZING is worse than one not frozen.
 */
export function freezeV1(dir: string): void {
  try {
    for (let i = 0; i < 1000; i++) {
      if (i % 50 === 49) {
        writeCgroupFile(dir, 'freezer.state', 'THAWED');
        sleepMs(10);
      }
      writeCgroupFile(dir, 'freezer.state', 'FROZEN');
      if (i % 25 === 24) sleepMs(1);
      const state = (readCgroupFile(dir, 'freezer.state') ?? '').trim();
      if (state === 'FROZEN') return;
      if (state !== 'FREEZING') throw new TsruncError(`unexpected freezer state "${state}" while freezing ${dir}`);
    }
    throw new TsruncError(`cannot freeze ${dir}: still FREEZING after 1000 attempts (processes keep forking)`);
  } catch (e) {
    try { writeCgroupFile(dir, 'freezer.state', 'THAWED'); } catch { /* gone */ }
    if (e instanceof TsruncError) throw e;
    const code = errnoCode(e);
    throw new TsruncError(`cannot freeze ${dir}: ${code}`, { syscall: 'write', errno: errnoNumber(code) });
  }
}

export function thawV1(dir: string): void {
  write(dir, 'freezer.state', 'THAWED');
}

/** FROZEN, and frozen by itself rather than by a frozen ancestor (freezer.self_freezing, as runc). */
export function isFrozenV1(dir: string): boolean {
  if ((readCgroupFile(dir, 'freezer.state') ?? '').trim() !== 'FROZEN') return false;
  const self = readCgroupFile(dir, 'freezer.self_freezing');
  return self === undefined || self.trim() === '1';
}

/** Wait until cgroup.events says "frozen <want>" (runc waitFrozen: 10ms steps, 10s). */
function waitEventsFrozen(dir: string, want: '0' | '1', timeoutMs = 10000): boolean {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; ; i++) {
    const events = readCgroupFile(dir, 'cgroup.events');
    // No cgroup.events (cgroup gone) or no frozen line (kernel < 5.2): nothing to wait for.
    const m = events && /^frozen (\d)$/m.exec(events);
    if (!m || m[1] === want) return true;
    if (Date.now() > deadline) return false;
    sleepMs(i < 10 ? 1 : 10);
  }
}

export function freezeV2(dir: string): void {
  if (readCgroupFile(dir, 'cgroup.freeze') === undefined) throw new TsruncError(`freezer not supported: no ${dir}/cgroup.freeze (Linux 5.2 or later)`);
  write(dir, 'cgroup.freeze', '1');
  if (!waitEventsFrozen(dir, '1')) {
    try { writeCgroupFile(dir, 'cgroup.freeze', '0'); } catch { /* gone */ }
    throw new TsruncError(`timeout waiting for ${dir} to freeze (cgroup.events never said "frozen 1")`);
  }
}

export function thawV2(dir: string): void {
  // Without cgroup.freeze there is nothing frozen (runc ignores a thaw request then).
  if (readCgroupFile(dir, 'cgroup.freeze') === undefined) return;
  write(dir, 'cgroup.freeze', '0');
  waitEventsFrozen(dir, '0', 2000);
}

export function isFrozenV2(dir: string): boolean {
  return (readCgroupFile(dir, 'cgroup.freeze') ?? '').trim() === '1';
}
