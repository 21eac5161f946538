// process.capabilities (config.md "Linux process") -> bit masks. Numbers from linux/capability.h.
import type { LinuxCapabilities } from '../spec/types';
import { readText } from '../fileio';

export const CAPABILITIES: string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ',
  'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

export interface CapabilityMasks { bounding: bigint; effective: bigint; inheritable: bigint; permitted: bigint; ambient: bigint }

const SETS = ['bounding', 'effective', 'inheritable', 'permitted', 'ambient'] as const;

/** Names this runtime cannot map to a capability number are left out and pushed to `unknown`
 * (config.md "Linux process": such a value MUST be logged as a warning, and the runtime SHOULD NOT
 * fail; runc 1.2+'s capabilities.New does the same: "ignoring unknown or unavailable capabilities").
 */
export function capabilityMasks(caps: LinuxCapabilities | undefined, unknown: string[] = []): CapabilityMasks {
  const out: CapabilityMasks = { bounding: 0n, effective: 0n, inheritable: 0n, permitted: 0n, ambient: 0n };
  for (const set of SETS) {
    for (const name of caps?.[set] ?? []) {
      const n = CAPABILITIES.indexOf(name.toUpperCase());
      if (n >= 0) out[set] |= 1n << BigInt(n);
      else if (!unknown.includes(name)) unknown.push(name);
    }
  }
  return out;
}

export function maskNames(mask: bigint): string {
  return CAPABILITIES.filter((_, i) => mask & (1n << BigInt(i))).join(',') || '(none)';
}

/** The runtime's own bounding set (CapBnd in /proc/self/status): no process it starts can hold more. */
export function runtimeBoundingSet(): bigint {
  try {
    const m = readText('/proc/self/status').match(/^CapBnd:\s*([0-9a-f]+)$/m);
    return m ? BigInt('0x' + m[1]) : ~0n;
  } catch {
    return ~0n;
  }
}

/**
 * config.md "Linux process": a capability the runtime cannot grant (here: one outside its own
 * bounding set, e.g. CAP_SYS_RESOURCE in a restricted environment) SHOULD NOT make it fail and
 * MUST be logged as a warning. Such capabilities are removed from every set; returns their names.
 */
export function dropUngrantable(m: CapabilityMasks, available: bigint): string | undefined {
  const missing = (m.bounding | m.effective | m.inheritable | m.permitted | m.ambient) & ~available;
  if (!missing) return undefined;
  for (const set of SETS) m[set] &= ~missing;
  return maskNames(missing);
}
