// Device nodes in /dev (config-linux.md "Devices" and "Default Devices") and the /dev symlinks
// (runtime-linux.md "Dev symbolic links").
import * as path from '../posixpath';
import { TsruncError } from '../errors';
import type { LinuxDevice, Spec } from '../spec/types';
import type { Plan } from './plan';

const S_IFCHR = 0o020000, S_IFBLK = 0o060000, S_IFIFO = 0o010000;

export function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major), mi = BigInt(minor);
  return ((ma & 0xfffn) << 8n) | ((ma & ~0xfffn) << 32n) | (mi & 0xffn) | ((mi & ~0xffn) << 12n);
}

export const defaultDevices: LinuxDevice[] = [
  { path: '/dev/null', type: 'c', major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/zero', type: 'c', major: 1, minor: 5, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/full', type: 'c', major: 1, minor: 7, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/random', type: 'c', major: 1, minor: 8, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/urandom', type: 'c', major: 1, minor: 9, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/tty', type: 'c', major: 5, minor: 0, fileMode: 0o666, uid: 0, gid: 0 },
];

/** Whether the runtime sets up /dev itself: not when the config bind-mounts a /dev (runc's needsSetupDev). */
export function needsDevSetup(spec: Spec): boolean {
  return !(spec.mounts ?? []).some((m) => path.resolve('/', m.destination) === '/dev' && (m.type === 'bind' || (m.options ?? []).some((o) => o === 'bind' || o === 'rbind')));
}

export function compileDevices(spec: Spec, plan: Plan): void {
  const configured = spec.linux?.devices ?? [];
  const seen = new Set<string>();
  configured.forEach((d, i) => {
    const field = `linux.devices[${i}]`;
    const p = path.normalize(d.path);
    if (!path.isAbsolute(d.path) || !p.startsWith('/dev/')) throw new TsruncError(`device path must be under /dev, got "${d.path}"`, { field: `${field}.path` });
    if (seen.has(p)) throw new TsruncError(`duplicate device path "${p}"`, { field: `${field}.path` });
    seen.add(p);
    let type: number;
    switch (d.type) {
      case 'c': case 'u': type = S_IFCHR; break;
      case 'b': type = S_IFBLK; break;
      case 'p': type = S_IFIFO; break;
      default: throw new TsruncError(`unknown device type "${d.type}" (allowed: c, b, u, p)`, { field: `${field}.type` });
    }
    if (type !== S_IFIFO && (d.major === undefined || d.minor === undefined)) throw new TsruncError('major and minor are required for c, b and u devices', { field: `${field}.major` });
    addNode(plan, field, p, type, d);
  });
  if (!needsDevSetup(spec)) return;
  for (const d of defaultDevices) if (!seen.has(d.path)) addNode(plan, 'default devices', d.path, S_IFCHR, d);
  const links: [string, string][] = [
    ['/proc/self/fd', '/dev/fd'], ['/proc/self/fd/0', '/dev/stdin'], ['/proc/self/fd/1', '/dev/stdout'],
    ['/proc/self/fd/2', '/dev/stderr'],
  ];
  if ((spec.mounts ?? []).some((m) => path.resolve('/', m.destination) === '/dev/pts')) links.push(['pts/ptmx', '/dev/ptmx']);
  for (const [target, link] of links) plan.add('SYMLINK', 'dev symlinks', `ln -s ${target} ${link}`, [], [target, link]);
}

function addNode(plan: Plan, field: string, p: string, type: number, d: LinuxDevice): void {
  const mode = type | ((d.fileMode ?? 0o666) & 0o7777);
  const dev = type === S_IFIFO ? 0n : makedev(d.major ?? 0, d.minor ?? 0);
  plan.add('MKNOD', field, `mknod ${p} ${d.type} ${d.major ?? 0}:${d.minor ?? 0} mode ${(mode & 0o7777).toString(8)} owner ${d.uid ?? 0}:${d.gid ?? 0}`,
    [BigInt(mode), dev, BigInt(d.uid ?? 0), BigInt(d.gid ?? 0)], [p, type === S_IFIFO ? null : p]);
}
