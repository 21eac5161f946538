// linux.netDevices (config-linux.md "Network Devices"): devices of the runtime's network namespace
// moved into the container's. Checked when the plan is compiled ("the runtime MUST check if moving
// the network interface to the container namespace is possible"), moved by the runtime once the
// container's namespaces exist, before the prestart/createRuntime hooks (native netdevMove: one
// rtnetlink request moves and renames, then the permanent global addresses come back and the link
// goes up). As the spec says, nothing moves them back: when the namespace goes, the kernel returns
// physical devices to the initial namespace and destroys virtual ones.
import { TsruncError } from '../errors';
import { native } from '../native';
import type { Spec } from '../spec/types';

const IFNAMSIZ = 16;

/** An interface name the kernel accepts (dev_valid_name), as runc's devValidName checks it. */
export function validIfName(name: string): boolean {
  return name.length > 0 && Buffer.byteLength(name) < IFNAMSIZ && name !== '.' && name !== '..' && !/[/:\s]/.test(name);
}

/** The moves, host name -> name in the container, after checking what can be checked up front. */
export function checkNetDevices(spec: Spec, hostHas: (name: string) => boolean = hostDevice): Array<{ host: string; name: string; field: string }> {
  const devices = spec.linux?.netDevices;
  if (!devices || !Object.keys(devices).length) return [];
  const netns = spec.linux?.namespaces?.find((n) => n.type === 'network');
  if (!netns) throw new TsruncError('moving network devices needs a network namespace (linux.namespaces has none)', { field: 'linux.netDevices' });
  const out: Array<{ host: string; name: string; field: string }> = [];
  const names = new Map<string, string>();
  for (const [host, dev] of Object.entries(devices)) {
    const field = `linux.netDevices.${host}`;
    if (!validIfName(host)) throw new TsruncError(`invalid network device name "${host}"`, { field });
    const name = dev?.name || host;
    if (!validIfName(name)) throw new TsruncError(`invalid network device name "${name}"`, { field: `${field}.name` });
    if (/%/.test(name) && !/^[^%]*%d[^%]*$/.test(name)) throw new TsruncError(`a name template takes one %d and no other %, got "${name}"`, { field: `${field}.name` });
    if (!name.includes('%')) {
      const other = names.get(name);
      if (other) throw new TsruncError(`"${name}" is also the name given to ${other}`, { field: `${field}.name` });
      names.set(name, host);
    }
    if (!hostHas(host)) throw new TsruncError(`network device "${host}" not found in the runtime's network namespace`, { field });
    out.push({ host, name, field });
  }
  return out;
}

function hostDevice(name: string): boolean {
  return native().ifIndex(name) > 0;
}

/** Move every device into the network namespace of `pid`; errors name the entry. */
export function moveNetDevices(spec: Spec, pid: number): void {
  for (const d of checkNetDevices(spec, () => true)) {
    try {
      native().netdevMove(d.host, d.name, `/proc/${pid}/ns/net`);
    } catch (e) {
      throw new TsruncError((e as Error).message, { field: d.field });
    }
  }
}
