// isFrozen (src/container/frozen.ts), what `state` and `list` call "paused": the container's own
// freezer, not one of its ancestors' (runc's freezer GetState).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { isFrozen } from '../../../src/container/frozen';
import type { ContainerState } from '../../../src/state/store';

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-frozen-')); });
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const v1 = (files: Record<string, string>) => {
  for (const [f, v] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), v);
  return { cgroup: { version: 1, path: 'tsrunc/x', paths: { freezer: dir }, created: [] } } as unknown as ContainerState;
};

test('v1: FROZEN by itself is paused; by an ancestor only, or THAWED/FREEZING, is not', () => {
  expect(isFrozen(v1({ 'freezer.state': 'FROZEN\n', 'freezer.self_freezing': '1\n' }))).toBe(true);
  expect(isFrozen(v1({ 'freezer.state': 'FROZEN\n', 'freezer.self_freezing': '0\n' }))).toBe(false);
  expect(isFrozen(v1({ 'freezer.state': 'THAWED\n', 'freezer.self_freezing': '0\n' }))).toBe(false);
  expect(isFrozen(v1({ 'freezer.state': 'FREEZING\n', 'freezer.self_freezing': '1\n' }))).toBe(false);
});

test('v1 without freezer.self_freezing (old kernels): FROZEN is paused', () => {
  expect(isFrozen(v1({ 'freezer.state': 'FROZEN\n' }))).toBe(true);
});

test('v2: cgroup.freeze is the cgroup\'s own knob', () => {
  fs.writeFileSync(path.join(dir, 'cgroup.freeze'), '1\n');
  const st = { cgroup: { version: 2, path: '/x', paths: { unified: dir }, created: [] } } as unknown as ContainerState;
  expect(isFrozen(st)).toBe(true);
  fs.writeFileSync(path.join(dir, 'cgroup.freeze'), '0\n');
  expect(isFrozen(st)).toBe(false);
});

test('no cgroup, or a cgroup that is gone: not paused', () => {
  expect(isFrozen({} as ContainerState)).toBe(false);
  fs.rmSync(dir, { recursive: true });
  expect(isFrozen({ cgroup: { version: 1, path: 'x', paths: { freezer: dir }, created: [] } } as unknown as ContainerState)).toBe(false);
});
