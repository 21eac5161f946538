// `tsrunc spec` writes runc's template (runc-spec(8); runc's libcontainer/specconv Example and
// ToRootless), and a container made from it works as runc's does: it sees its cgroups at /sys/fs/cgroup.
// The comparison with `runc spec` runs where runc is installed and is skipped with a message otherwise.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Sandbox, describeRoot, runtimeCommand } from '../helpers/runtime';

const runcVersion = /runc version (\d+)\.(\d+)/.exec(spawnSync('runc', ['--version'], { encoding: 'utf8' }).stdout ?? '');
const withRunc = runcVersion ? test : test.skip;
const why = runcVersion ? '' : ' (skipped: runc is not installed to compare with)';

describeRoot('spec', () => {
  let sb: Sandbox;
  beforeEach(() => { sb = new Sandbox(); });
  afterEach(() => sb.cleanup());

  const template = (cmd: string[], flags: string[]): any => {
    const dir = fs.mkdtempSync(path.join(sb.dir, 'spec-'));
    const r = spawnSync(cmd[0], [...cmd.slice(1), 'spec', '--bundle', dir, ...flags], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd.join(' ')} spec failed: ${r.stderr}`);
    return JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  };

  for (const flags of [[], ['--rootless']]) {
    withRunc(`spec ${flags.join(' ')}: runc's template, field by field${why}`, () => {
      const ours = template(runtimeCommand(), flags);
      const theirs = template(['runc'], flags);
      // The two fields that name the runtime: the spec version it implements and the hostname.
      expect(ours.ociVersion).toBe('1.3.0');
      expect(ours.hostname).toBe('tsrunc');
      theirs.ociVersion = ours.ociVersion;
      theirs.hostname = ours.hostname;
      // runc 1.2 stopped adding ambient capabilities (runc 0de195333); we follow the newer runc.
      if (Number(runcVersion![1]) === 1 && Number(runcVersion![2]) < 2) delete theirs.process.capabilities.ambient;
      expect(ours).toEqual(theirs);
    });
  }

  test('a container made from the template sees its cgroups at /sys/fs/cgroup, read-only', () => {
    const bundle = sb.bundle((c) => {
      c.process.args = ['sh', '-c', 'grep " /sys/fs/cgroup" /proc/self/mountinfo; ls /sys/fs/cgroup; touch /sys/fs/cgroup/x 2>&1 || true'];
    });
    const id = sb.id();
    const r = sb.ok(['run', '--bundle', bundle, id]);
    expect(r.stdout).toMatch(/ \/sys\/fs\/cgroup\S* ro,/);
    // One directory per hierarchy the host has (v1), or the cgroup2 files (v2).
    expect(r.stdout).toMatch(/^(memory|pids|cgroup\.procs)$/m);
    expect(r.stdout).toMatch(/Read-only file system/);
  });
});
