// Config fields this runtime does not implement yet. Silently ignoring them would run a container
// less confined than asked (no seccomp filter, no hooks), so each is a clear error naming the field.
// Entries leave this list as they are implemented.
import { TsruncError } from '../errors';
import type { Spec } from '../spec/types';

export function checkUnsupported(spec: Spec): void {
  const no = (field: string, what: string) => { throw new TsruncError(`${what} is not supported yet`, { field }); };
  const l = spec.linux ?? {};
  if (l.intelRdt) no('linux.intelRdt', 'Intel RDT');
  if (l.mountLabel) throw new TsruncError('SELinux is not enabled on this host', { field: 'linux.mountLabel' });
  const p = spec.process;
  if (p?.apparmorProfile) throw new TsruncError('AppArmor is not enabled on this host', { field: 'process.apparmorProfile' });
  if (p?.selinuxLabel) throw new TsruncError('SELinux is not enabled on this host', { field: 'process.selinuxLabel' });
}
