// execCgroupTargets (src/cgroups/subcgroup.ts): `exec --cgroup` resolved against the recorded cgroups.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { CgroupRecord } from '../../../src/cgroups/manager';
import { execCgroupTargets } from '../../../src/cgroups/subcgroup';
import { errorOf } from '../../helpers/errors';

let root: string;
let v1: CgroupRecord;
let v2: CgroupRecord;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-sub-'));
  const paths: Record<string, string> = {};
  for (const key of ['cpu,cpuacct', 'memory', 'pids', 'name=systemd', 'unified']) {
    paths[key] = path.join(root, key, 'c1');
    for (const sub of ['', 'a', 'b', 'a/deep']) fs.mkdirSync(path.join(paths[key], sub), { recursive: true });
  }
  v1 = { version: 1, path: 'tsrunc/c1', paths, created: [] };
  v2 = { version: 2, path: '/c1', paths: { unified: paths.unified }, created: [] };
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

test('one path for every hierarchy, leading slash or not; deeper paths', () => {
  const t = execCgroupTargets(v1, ['a']);
  for (const [k, d] of Object.entries(t)) expect(d).toBe(path.join(v1.paths[k], 'a'));
  expect(execCgroupTargets(v1, ['/a/deep']).memory).toBe(path.join(v1.paths.memory, 'a/deep'));
  expect(execCgroupTargets(v2, ['a']).unified).toBe(path.join(v2.paths.unified, 'a'));
});

test('controller-specific paths (v1): by any controller of a hierarchy, named ones by their short name; the rest default', () => {
  const t = execCgroupTargets(v1, ['cpuacct:b', 'systemd,pids:a/deep', '/a']);
  expect(t['cpu,cpuacct']).toBe(path.join(v1.paths['cpu,cpuacct'], 'b'));
  expect(t['name=systemd']).toBe(path.join(v1.paths['name=systemd'], 'a/deep'));
  expect(t.pids).toBe(path.join(v1.paths.pids, 'a/deep'));
  expect(t.memory).toBe(path.join(v1.paths.memory, 'a'));
  expect(t.unified).toBe(path.join(v1.paths.unified, 'a'));
  const only = execCgroupTargets(v1, ['memory:b']);
  expect(only.memory).toBe(path.join(v1.paths.memory, 'b'));
  expect(only.pids).toBe(v1.paths.pids);
});

test.each<[CgroupRecord | 'v1' | 'v2', string[], RegExp]>([
  ['v1', ['nope'], /cgroup .*\/nope does not exist/],
  ['v1', ['../../etc'], /^bad sub cgroup path: "\.\.\/\.\.\/etc" leaves the container's cgroup$/],
  ['v1', ['a/../../x'], /leaves the container's cgroup/],
  ['v1', ['rdma:a'], /^unknown controller rdma: the container has no rdma cgroup/],
  ['v1', [':a'], /empty controller name/],
  ['v1', ['pids:a', 'pids:b'], /controller pids is given twice/],
  ['v1', ['a', 'b'], /given twice/],
  ['v2', ['memory:a'], /for cgroup v1 only/],
])('%s %j is refused', (which, specs, msg) => {
  const e = errorOf(() => execCgroupTargets(which === 'v1' ? v1 : which === 'v2' ? v2 : which, specs));
  expect(e.field).toBe('--cgroup');
  expect(e.message).toMatch(msg);
});
