// The device cgroup (config-linux.md "Allowed Device list"; Documentation/admin-guide/cgroup-v1/
// devices.rst). As runc does (libcontainer/specconv: CreateCgroupConfig, AllowedDevices), the list
// is a whitelist: everything denied, then linux.resources.devices in order, then runc's built-in
// allowed devices (mknod of anything, /dev/null, zero, full, random, urandom, tty, pts, ptmx, tun),
// minus a built-in one whose path linux.devices redefines. A type "a" rule resets the whole list
// (the kernel ignores its numbers and access: devcgroup_update_access).
import type { LinuxDevice, LinuxResources } from '../spec/types';
import { bad, integer, R, UINT32 } from './validate';

export interface DeviceRule {
  allow: boolean;
  type: 'a' | 'b' | 'c';
  major: number | '*';
  minor: number | '*';
  access: string;
  field: string;
}

type Builtin = Omit<DeviceRule, 'field' | 'allow'> & { path?: string };

const BUILTIN: Builtin[] = [
  { type: 'c', major: '*', minor: '*', access: 'm' },
  { type: 'b', major: '*', minor: '*', access: 'm' },
  { path: '/dev/null', type: 'c', major: 1, minor: 3, access: 'rwm' },
  { path: '/dev/random', type: 'c', major: 1, minor: 8, access: 'rwm' },
  { path: '/dev/full', type: 'c', major: 1, minor: 7, access: 'rwm' },
  { path: '/dev/tty', type: 'c', major: 5, minor: 0, access: 'rwm' },
  { path: '/dev/zero', type: 'c', major: 1, minor: 5, access: 'rwm' },
  { path: '/dev/urandom', type: 'c', major: 1, minor: 9, access: 'rwm' },
  // /dev/pts/* and /dev/ptmx
  { type: 'c', major: 136, minor: '*', access: 'rwm' },
  { type: 'c', major: 5, minor: 2, access: 'rwm' },
  // tun/tap (/dev/net/tun): runc 1.2.0 dropped it and 1.2.1 put it back for the users it broke.
  { type: 'c', major: 10, minor: 200, access: 'rwm' },
];

function number(v: unknown, field: string): number | '*' {
  // Unset means all ("*"); runc's internal wildcard is -1, accepted for the same meaning.
  if (v === undefined || v === -1) return '*';
  return integer(v, field, 0, UINT32);
}

/** Validate linux.resources.devices and compose the full ordered rule list. */
export function deviceRules(resources: LinuxResources | undefined, devices: LinuxDevice[] | undefined): DeviceRule[] {
  return withBuiltinRules(userDeviceRules(resources), devices);
}

/** linux.resources.devices, validated, in order (resources.ts validateResources). */
export function userDeviceRules(resources: LinuxResources | undefined): DeviceRule[] {
  const out: DeviceRule[] = [];
  (resources?.devices ?? []).forEach((d, i) => {
    const field = `${R}.devices[${i}]`;
    if (typeof d !== 'object' || d === null) bad(field, 'must be an object');
    if (typeof d.allow !== 'boolean') bad(`${field}.allow`, 'must be true or false');
    const type = d.type ?? 'a';
    if (type !== 'a' && type !== 'b' && type !== 'c') bad(`${field}.type`, `must be "a", "b" or "c", got ${JSON.stringify(d.type)}`);
    // runc: "device access at %d field cannot be empty"; its devicefilter (and the kernel's
    // devcgroup_update_access) read the letters one by one, in any order and with repeats, and
    // refuse any other letter ("unknown device access"). Kept as the canonical set "rwm".
    if (typeof d.access !== 'string' || !/^[rwm]+$/.test(d.access)) {
      bad(`${field}.access`, `must be a combination of "r", "w" and "m", got ${JSON.stringify(d.access)}`);
    }
    const access = [...'rwm'].filter((c) => d.access!.includes(c)).join('');
    out.push({ allow: d.allow, type, major: number(d.major, `${field}.major`), minor: number(d.minor, `${field}.minor`), access, field });
  });
  return out;
}

/** The config's rules followed by runc's built-in allowed devices, less those linux.devices redefines. */
export function withBuiltinRules(rules: DeviceRule[], devices: LinuxDevice[] | undefined): DeviceRule[] {
  const out = [...rules];
  const redefined = new Set((devices ?? []).map((d) => d.path));
  for (const b of BUILTIN) {
    if (b.path && redefined.has(b.path)) continue;
    out.push({ allow: true, type: b.type, major: b.major, minor: b.minor, access: b.access, field: `${R}.devices (built-in allowed devices)` });
  }
  return out;
}

export function ruleText(r: DeviceRule): string {
  return r.type === 'a' ? 'a' : `${r.type} ${r.major}:${r.minor} ${r.access}`;
}

/** v1: devices.deny "a" first (an empty whitelist), then every rule into devices.allow/deny in order. */
export function v1DeviceWrites(rules: DeviceRule[]): { file: string; value: string; field: string }[] {
  const out = [{ file: 'devices.deny', value: 'a', field: `${R}.devices` }];
  let fresh = true; // nothing allowed since the last deny-all: another deny-all is a no-op
  for (const r of rules) {
    if (r.type === 'a' && !r.allow && fresh) continue;
    out.push({ file: r.allow ? 'devices.allow' : 'devices.deny', value: ruleText(r), field: r.field });
    fresh = r.type === 'a' && !r.allow;
  }
  return out;
}
