// linux.sysctl (config-linux.md "Sysctl"). Only namespaced sysctls may be set, and only when the
// container has the namespace they belong to (runc's validator: ipc sysctls need an IPC namespace,
// net.* a network namespace, kernel.hostname/domainname a UTS namespace).
import { TsruncError } from '../errors';
import type { Spec } from '../spec/types';
import { namespaceSet } from './namespaces';
import type { Plan } from './plan';

const IPC_SYSCTLS = new Set(['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced']);

export function sysctlNamespace(key: string): string | undefined {
  if (IPC_SYSCTLS.has(key) || key.startsWith('fs.mqueue.')) return 'ipc';
  if (key.startsWith('net.')) return 'network';
  if (key === 'kernel.hostname' || key === 'kernel.domainname') return 'uts';
  return undefined;
}

export function compileSysctl(spec: Spec, plan: Plan): void {
  const ns = namespaceSet(spec);
  for (const [key, value] of Object.entries(spec.linux?.sysctl ?? {})) {
    const field = `linux.sysctl.${key}`;
    if (!/^[a-z0-9_]+(\.[a-zA-Z0-9_-]+)+$/.test(key) || key.includes('..')) throw new TsruncError(`invalid sysctl name "${key}"`, { field });
    const need = sysctlNamespace(key);
    if (!need) throw new TsruncError(`sysctl "${key}" is not namespaced and cannot be set in a container`, { field });
    if (!ns.has(need)) throw new TsruncError(`sysctl "${key}" requires a ${need} namespace`, { field });
    const file = '/proc/sys/' + key.replace(/\./g, '/');
    plan.add('WRITE_FILE', field, `write "${value}" to ${file}`, [], [file, value]);
  }
}
