// What the cgroup code reads about the runtime's own process, read and parsed once per process
// (/proc/self/mountinfo, /proc/self/cgroup: cgroups(7)), and primeMigration, which exec loads
// without the managers (issue 12).
import * as io from '../fileio';
import * as path from '../posixpath';
import { logDebug } from '../log';
import { native } from '../native';
import { canonical, detectLayout, parseSelfCgroup, type Layout } from './layout';
import { hostDir } from './paths';

let layout: Layout | undefined;
let selfCgroup: Map<string, string> | undefined;

/** This host's cgroup layout from /proc/self/mountinfo, parsed once per process (primeMigration and
 * createManager both need it); throws as detectLayout does, and is read again on the next call. */
export function hostLayout(): Layout {
  return layout ??= detectLayout(io.readText('/proc/self/mountinfo'));
}

/** The runtime's own cgroups from /proc/self/cgroup, parsed once per process. */
export function hostSelfCgroup(): Map<string, string> {
  return selfCgroup ??= parseSelfCgroup(io.readText('/proc/self/cgroup'));
}

/**
 * Issue 12, v1 and hybrid hosts: every cgroup migration takes the kernel's cgroup_threadgroup_rwsem
 * for writing, and the first one after a quiet RCU grace period waits that grace period out (5-15 ms
 * on the bench machine, for runc and crun as well). create and exec call this first thing: a native
 * thread moves the runtime into the cgroup it is already in (nothing changes), paying that wait while
 * the config is loaded and the plan compiled (it holds cgroup_mutex meanwhile: the first cgroup mkdir
 * waits for what is left), so the container's own joins later find the lock fast. The own cgroup is in
 * the first v1 hierarchy; nothing is written where the runtime is not already. A pure v2 host needs
 * none of it (nothing done): processes are cloned into their cgroup (CLONE_INTO_CGROUP), which
 * migrates nothing. Best effort: any error here leaves it to createManager to report.
 */
export function primeMigration(): void {
  let target: string | undefined;
  try {
    target = primeTarget(hostLayout(), hostSelfCgroup());
  } catch {
    return; // createManager reads the same files and names the field when they are wrong.
  }
  if (!target) return;
  logDebug(`priming the cgroup migration lock: own pid into ${target}`);
  native().primeCgroupMigration(target);
}

/** The cgroup.procs of the runtime's own cgroup in the first v1 hierarchy; undefined on a pure v2
 * host, or when that cgroup is not visible under the hierarchy's mount (hostDir refuses it). */
export function primeTarget(layout: Layout, selfCgroup: Map<string, string>): string | undefined {
  const h = layout.v1[0];
  if (!h) return undefined;
  const own = selfCgroup.get(canonical(h.name));
  if (own === undefined) return undefined;
  try {
    return path.join(hostDir(h, own, ''), 'cgroup.procs');
  } catch {
    return undefined;
  }
}
