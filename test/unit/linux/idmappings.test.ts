// checkIdMappings / checkAllIdMappings (src/linux/idmappings.ts): the kernel's rules for uid_map
// and gid_map, checked before clone with the field named.
import { checkAllIdMappings, checkIdMappings } from '../../../src/linux/idmappings';
import { defaultSpec } from '../../../src/spec/default';
import { errorOf } from '../../helpers/errors';

const m = (containerID: number, hostID: number, size: number) => ({ containerID, hostID, size });

test('disjoint maps, adjacent ranges and the full 32-bit range pass', () => {
  expect(() => checkIdMappings([m(0, 1000, 1), m(1, 100000, 65536), m(65537, 1001, 1)], 'linux.uidMappings')).not.toThrow();
  expect(() => checkIdMappings([m(0, 0, 2 ** 32 - 1)], 'linux.uidMappings')).not.toThrow();
  expect(() => checkIdMappings([m(1, 1, 2 ** 32 - 2)], 'linux.uidMappings')).not.toThrow();
  expect(errorOf(() => checkIdMappings([m(1, 0, 2 ** 32 - 1)], 'linux.uidMappings')).field).toBe('linux.uidMappings[0].size');
  expect(() => checkIdMappings(undefined, 'linux.uidMappings')).not.toThrow();
});

test.each<[ReturnType<typeof m>[], string, RegExp]>([
  [[m(0, 1000, 10), m(5, 5000, 10)], 'linux.uidMappings[1].containerID', /container ids 5-14 overlap linux.uidMappings\[0\] \(0-9\)/],
  [[m(10, 5000, 10), m(0, 1000, 11)], 'linux.uidMappings[1].containerID', /overlap/],
  [[m(0, 1000, 10), m(10, 1009, 5)], 'linux.uidMappings[1].hostID', /host ids 1009-1013 overlap linux.uidMappings\[0\] \(1000-1009\)/],
  [[m(0, 1000, 0)], 'linux.uidMappings[0].size', /at least 1/],
  [[m(4294967295, 0, 2)], 'linux.uidMappings[0].size', /containerID 4294967295 \+ size 2 passes the 32-bit id range/],
  [[m(0, 4294967200, 100)], 'linux.uidMappings[0].size', /hostID/],
  [Array.from({ length: 341 }, (_, i) => m(i, 10000 + i, 1)), 'linux.uidMappings', /at most 340/],
])('%#: refused at %s', (maps, field, msg) => {
  const e = errorOf(() => checkIdMappings(maps, 'linux.uidMappings'));
  expect(e.field).toBe(field);
  expect(e.message).toMatch(msg);
});

test('a new user namespace needs both maps; a joined one or none needs neither', () => {
  const s = defaultSpec();
  expect(errorOf(() => checkAllIdMappings(s, true)).field).toBe('linux.uidMappings');
  s.linux!.uidMappings = [m(0, 1000, 1)];
  expect(errorOf(() => checkAllIdMappings(s, true)).field).toBe('linux.gidMappings');
  s.linux!.gidMappings = [m(0, 1000, 1)];
  expect(() => checkAllIdMappings(s, true)).not.toThrow();
  expect(() => checkAllIdMappings(defaultSpec(), false)).not.toThrow();
});

test('mount maps are checked under their mount', () => {
  const s = defaultSpec();
  s.mounts!.push({ destination: '/x', type: 'bind', source: '/tmp', options: ['rbind'], uidMappings: [m(0, 0, 5), m(4, 10, 1)], gidMappings: [m(0, 0, 1)] });
  expect(errorOf(() => checkAllIdMappings(s, false)).field).toBe(`mounts[${s.mounts!.length - 1}].uidMappings[1].containerID`);
});
