// The cgroup v2 manager on a private cgroup2 mount the test makes in a mount namespace of its own
// (test/helpers/cgroup2-scenario.ts): join (cgroup.procs), freeze/thaw (cgroup.freeze), kill
// (cgroup.kill), destroy, and a clear error for hugetlb limits, whose controller this host does not
// enable below the cgroup2 root. The eBPF device filter is tested in cgroups-manager.test.ts,
// CLONE_INTO_CGROUP in cgroups-commands.test.ts.
import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO, describeRoot } from '../helpers/runtime';

const haveCgroup2 = fs.readFileSync('/proc/filesystems', 'utf8').includes('cgroup2');
/** Why the scenario cannot run here (decided before the test, so a missing precondition is reported
 * as a skip with its reason, never as a pass), or undefined. */
function cgroup2Unavailable(): string | undefined {
  if (!haveCgroup2) return 'no cgroup2 in this kernel';
  if (process.getuid?.() !== 0) return 'needs root';
  const mp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-cg2-probe-'));
  try {
    const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'mount', '-t', 'cgroup2', 'none', mp], { encoding: 'utf8' });
    return r.status === 0 ? undefined : `cannot mount cgroup2: ${(r.stderr || r.error?.message || '').trim()}`;
  } finally {
    fs.rmdirSync(mp);
  }
}
const unavailable = cgroup2Unavailable();

describeRoot('cgroup v2 manager on a private cgroup2 mount', () => {
  const name = `tsrunc-test-v2-${crypto.randomBytes(4).toString('hex')}`;
  const mp = path.join(os.tmpdir(), `${name}-mnt`);

  afterAll(() => {
    // The mount was private to the scenario; the hierarchy is the host's: our directory must be gone.
    for (const root of ['/sys/fs/cgroup/unified', '/sys/fs/cgroup']) {
      expect(fs.existsSync(path.join(root, name))).toBe(false);
    }
    expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(mp);
  });

  (unavailable ? test.skip : test)(`join, freeze, thaw, kill, destroy; hugetlb named when unavailable${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
    const bun = path.join(REPO, 'node_modules', '.bin', 'bun');
    const r = spawnSync('unshare', ['-m', '--propagation', 'private', bun, path.join(REPO, 'test', 'helpers', 'cgroup2-scenario.ts'), mp, name], { encoding: 'utf8', cwd: REPO, timeout: 30000 });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.skip).toBeUndefined();
    expect(out.error).toBeUndefined();
    expect(out.created).toBe(true);
    expect(out.procs).toMatch(/^\d+$/);
    expect(out.selfCgroup).toMatch(new RegExp(`^0::.*/${name}$`));
    expect(out.pids).toEqual([Number(out.procs)]);
    expect(out.frozen).toBe(true);
    expect(out.eventsFrozen).toBe(true);
    expect(out.thawed).toBe(true);
    const controllers = fs.readFileSync(fs.existsSync('/sys/fs/cgroup/unified/cgroup.controllers') ? '/sys/fs/cgroup/unified/cgroup.controllers' : '/sys/fs/cgroup/cgroup.controllers', 'utf8');
    if (out.hugetlb === 'applied') {
      expect(controllers).toContain('hugetlb');
    } else {
      expect(out.hugetlb.field).toMatch(/^linux\.resources\.hugepageLimits/);
      expect(out.hugetlb.message).toMatch(/hugetlb/);
    }
    expect(out.cgroupKill).toBe(true);
    expect(out.killed).toBe(true);
    expect(out.removed).toBe(true);
  });
});
