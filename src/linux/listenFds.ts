// Socket activation (sd_listen_fds(3)) through the runtime, as runc's startContainer does it
// (utils_linux.go: `listenFDs = activation.Files(false)` when LISTEN_FDS is set, then in runner.run
// the fds go first among the extra files and the process gets `LISTEN_FDS=N` and `LISTEN_PID=1`).
// go-systemd's activation.Files only takes the fds when LISTEN_PID is the runtime's own pid (they
// were meant for it), so a LISTEN_FDS inherited by accident passes nothing.
import type { Spec } from '../spec/types';

/** How many fds, from 3 on, the caller passed for socket activation (0 when none are for us). */
export function listenFdCount(env: NodeJS.ProcessEnv = process.env, pid = process.pid): number {
  if (!env.LISTEN_FDS || env.LISTEN_PID !== String(pid)) return 0;
  const n = Number(env.LISTEN_FDS);
  return Number.isInteger(n) && n > 0 ? n : 0;
}

/** The spec as the container's process sees it: LISTEN_FDS/LISTEN_PID appended to its env (runc
 * appends; the init is pid 1 of its PID namespace, the value runc sets). */
export function withListenEnv(spec: Spec, n: number): Spec {
  if (!n || !spec.process) return spec;
  return { ...spec, process: { ...spec.process, env: [...(spec.process.env ?? []), `LISTEN_FDS=${n}`, 'LISTEN_PID=1'] } };
}
