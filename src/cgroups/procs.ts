// Moving a process into a cgroup, and the create-time check that a cgroup we are about to use is not
// already someone else's (config-linux.md: a runtime MUST error on a non-empty or frozen cgroup it
// checks; runc 1.2 refuses both on create).
import { exists } from '../fileio';
import { TsruncError } from '../errors';
import { allProcs, errnoCode, errnoNumber, sleepMs, writeCgroupFile } from './fsio';

/** Write pid to dir/cgroup.procs. EINVAL can mean the task is still TASK_NEW (just forked): runc
 * retries 5 times, 30ms apart (cgroups.WriteCgroupProc). */
export function joinCgroup(dir: string, pid: number): void {
  // 0 in cgroup.procs means "the writer": it would move the runtime itself.
  if (!Number.isInteger(pid) || pid <= 0) throw new TsruncError(`invalid pid ${pid}`);
  for (let i = 0; ; i++) {
    try {
      writeCgroupFile(dir, 'cgroup.procs', String(pid));
      return;
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'EINVAL' && i < 4) {
        sleepMs(30);
        continue;
      }
      throw new TsruncError(`cannot move process ${pid} into cgroup ${dir}: ${code}`, { syscall: 'write', errno: errnoNumber(code) });
    }
  }
}

/** Refuse to create a container in an existing cgroup that has processes or is frozen. */
export function checkUnused(dir: string, frozen: (dir: string) => boolean): void {
  if (!exists(dir)) return;
  const pids = allProcs(dir);
  // runc's words first (libcontainer's checks in create; cgroups.bats looks for them), then the path.
  if (pids.size) throw new TsruncError(`container's cgroup is not empty: ${dir} holds ${pids.size} process(es)`, { field: 'linux.cgroupsPath' });
  if (frozen(dir)) throw new TsruncError(`container's cgroup unexpectedly frozen: ${dir}`, { field: 'linux.cgroupsPath' });
}
