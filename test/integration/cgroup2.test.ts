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
import { REPO, Sandbox, cpuProfiles, describeRoot, noBunProfiler, profiledEnv, runtimeCommand } from '../helpers/runtime';

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

// The runtime's view of a pure cgroup v2 host (what most hosts run): a mount namespace of its own
// with cgroup2 over /sys/fs/cgroup, so create loads and attaches the eBPF device filter.
const PURE_V2 = 'umount /sys/fs/cgroup/unified 2>/dev/null; mount -t cgroup2 none /sys/fs/cgroup && exec "$@"';

describeRoot('run on a pure cgroup v2 view', () => {
  let sb: Sandbox;
  beforeEach(() => { sb = new Sandbox(); });
  afterEach(() => sb.cleanup());

  const why = unavailable ?? noBunProfiler;
  // The verifier gives up with EAGAIN when a signal is pending for the loading thread; Bun's
  // --cpu-prof sampler suspends the JS thread with SIGPWR every few microseconds. Every such run
  // failed "cannot load the device filter (bpf BPF_PROG_LOAD): Resource temporarily unavailable"
  // before the load blocked signals; a signal forwarded to `run` at that moment did the same.
  (why ? test.skip : test)(`the device filter loads while signals arrive (run profiled by Bun)${why ? ` (skipped: ${why})` : ''}`, () => {
    const bundle = sb.bundle((c) => { c.process.args = ['true']; });
    const id = sb.id();
    const prof = fs.mkdtempSync(path.join(sb.dir, 'prof-'));
    const inV2 = (args: string[], env?: NodeJS.ProcessEnv) => spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', PURE_V2, 'sh', ...runtimeCommand(), '--root', sb.root, ...args],
      { encoding: 'utf8', timeout: 30000, killSignal: 'SIGKILL', env: env ?? process.env });
    try {
      for (let i = 0; i < 3; i++) {
        const r = inV2(['run', '--bundle', bundle, id], profiledEnv(prof, 25));
        expect({ code: r.status, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      }
      expect(cpuProfiles(prof)).toHaveLength(3);
    } finally {
      inV2(['delete', '--force', id]);
    }
  });
});
