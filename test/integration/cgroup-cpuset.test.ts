// cgroup v1 cpuset: a new cpuset has empty cpuset.cpus/cpuset.mems, and no task (nor child cpuset
// values) can be had from it until they are filled (cgroup-v1/cpusets.rst). runc's
// cpusetEnsureParent fills every empty level from its parent, top down, existing ones included.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { detectLayout } from '../../src/cgroups/layout';
import { Sandbox, assertNothingLeft, describeRoot } from '../helpers/runtime';

const cpusetRoot = detectLayout(fs.readFileSync('/proc/self/mountinfo', 'utf8')).v1.find((h) => h.controllers.includes('cpuset'))?.mountpoint;

describeRoot('cgroup v1 cpuset', () => {
  let sb: Sandbox;
  const top = `tsrunc-test-cpuset-${crypto.randomBytes(4).toString('hex')}`;
  beforeAll(() => { sb = new Sandbox(); });
  afterAll(() => {
    sb.cleanup();
    // Only the directories this test made, deepest first.
    if (cpusetRoot) for (const d of ['mid/leaf', 'mid', ''].map((s) => path.join(cpusetRoot, top, s))) try { fs.rmdirSync(d); } catch { /* gone */ }
  });

  (cpusetRoot ? test : test.skip)(`a container under an existing parent with empty cpus/mems, through a new intermediate level${cpusetRoot ? '' : ' (skipped: no v1 cpuset hierarchy)'}`, () => {
    // The test's own parent: made by hand, so its cpuset.cpus and cpuset.mems are empty.
    const parent = path.join(cpusetRoot!, top);
    fs.mkdirSync(parent);
    expect(fs.readFileSync(path.join(parent, 'cpuset.cpus'), 'utf8').trim()).toBe('');
    const bundle = sb.bundle((c) => {
      c.linux.cgroupsPath = `/${top}/mid/leaf`;
      c.process.args = ['cat', '/proc/self/cpuset'];
    });
    const id = sb.id();
    const r = sb.run(['run', '--bundle', bundle, id]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`/${top}/mid/leaf\n`);
    expect(r.code).toBe(0);
    // Filled from the hierarchy's root, as runc does.
    const rootCpus = fs.readFileSync(path.join(cpusetRoot!, 'cpuset.cpus'), 'utf8').trim();
    expect(fs.readFileSync(path.join(parent, 'cpuset.cpus'), 'utf8').trim()).toBe(rootCpus);
    assertNothingLeft(id, sb.root);
    expect(fs.existsSync(path.join(parent, 'mid'))).toBe(false);
  });
});
