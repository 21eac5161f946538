// config-linux.md "Seccomp" listenerPath: the notify fd of a filter with SCMP_ACT_NOTIFY goes to the
// seccomp agent with the container process state (runtime-spec "Container Process State"), over one
// connection (runc's sendContainerProcessState). Used by create (the init's filter) and exec (the
// exec'd process's own filter, runc's setnsProcess procSeccomp).
import * as io from '../fileio';
import { TsruncError } from '../errors';
import { native } from '../native';
import type { Spec, StateOutput } from '../spec/types';

/** Send `fd` (then closed) for the process `pid`; `state` is the container's state. */
export function sendSeccompFd(spec: Spec, fd: number, pid: number, state: StateOutput): void {
  const sc = spec.linux!.seccomp!;
  const payload = { ociVersion: spec.ociVersion, fds: ['seccompFd'], pid, metadata: sc.listenerMetadata ?? '', state };
  try {
    native().sendToListener(sc.listenerPath!, JSON.stringify(payload), fd);
  } catch (e) {
    throw new TsruncError(`cannot send the seccomp notify fd to ${sc.listenerPath}: ${(e as Error).message}`, { field: 'linux.seccomp.listenerPath' });
  } finally {
    io.closeFd(fd);
  }
}
