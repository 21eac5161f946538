// linux.resources.devices[].access as runc takes it: any non-empty mix of r, w and m, in any order and
// with repeats (runc's devicefilter and v1 emulator read it letter by letter; the kernel's
// devcgroup_update_access too), written out as the canonical set. Unknown letters and an empty or
// missing access stay errors (runc: "unknown device access", "device access ... cannot be empty").
import { deviceRules } from '../../../src/cgroups/devices';
import { TsruncError } from '../../../src/errors';

const rule = (access: unknown) => deviceRules({ devices: [{ allow: true, type: 'c', major: 1, minor: 3, access } as never] }, undefined)[0];

test.each([
  ['r', 'r'], ['w', 'w'], ['m', 'm'], ['rw', 'rw'], ['rwm', 'rwm'],
  ['mrw', 'rwm'], ['wr', 'rw'], ['mw', 'wm'], ['rr', 'r'], ['rwmrwm', 'rwm'], ['mmm', 'm'],
])('access %j is accepted as %j', (access, want) => {
  expect(rule(access).access).toBe(want);
});

test.each([[''], ['x'], ['rwx'], ['R'], ['r w'], [undefined], [7]])('access %j is refused, naming the field', (access) => {
  let err: unknown;
  try { rule(access); } catch (e) { err = e; }
  expect(err).toBeInstanceOf(TsruncError);
  expect((err as TsruncError).field).toBe('linux.resources.devices[0].access');
});
