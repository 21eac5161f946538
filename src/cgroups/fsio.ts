// The cgroup filesystem primitives every manager uses. cgroupfs files are commands, not data: each
// write(2) is one command (Documentation/admin-guide/cgroup-v2.rst "Interface Files"), so a value is
// written with exactly one write on a file opened without O_CREAT (the kernel refuses to create
// files there, and a missing knob must show up as ENOENT, not as an odd EACCES).
// Through src/fileio.ts (the addon), not node:fs: `state` and `list` read the freezer through here.
import * as io from '../fileio';
import { join } from '../pathnames';

/** mkdir and rmdir of cgroups, behind a seam: on cgroupfs the kernel fills a new directory with its
 * interface files and rmdir ignores them; unit tests replace these two with a fake that does the same
 * on a plain tmp directory (test/unit/cgroups/fakefs.ts). */
export const cgroupDirs = {
  mkdir(dir: string): void {
    io.mkdir(dir, 0o755);
  },
  rmdir(dir: string): void {
    io.rmdir(dir);
  },
};

export function errnoCode(e: unknown): string {
  return (e as NodeJS.ErrnoException)?.code ?? '';
}

/** errors.ts's, re-exported for the cgroup modules that import their fs helpers from here. */
export { errnoNumber } from '../errors';

/** Block the (single-threaded) runtime for `ms`: the managers are synchronous, like the rest of create. */
export function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function writeCgroupFile(dir: string, file: string, value: string): void {
  // O_TRUNC: harmless on cgroupfs (what the shell's `>` does), and keeps a plain file (unit tests'
  // fake tree) holding exactly the last value written.
  io.writeFile(join(dir, file), value, io.O_TRUNC);
}

/** The file's text, or undefined when it (or its cgroup) does not exist. */
export function readCgroupFile(dir: string, file: string): string | undefined {
  try {
    return io.readText(join(dir, file));
  } catch (e) {
    // ENODEV: the cgroup was removed while the file was open.
    if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENODEV') return undefined;
    throw e;
  }
}

export function fileExists(dir: string, file: string): boolean {
  return io.exists(join(dir, file));
}

/** "key value" lines (memory.stat, cpu.stat, cgroup.events) as numbers. */
export function readKeyValues(dir: string, file: string): Record<string, number> | undefined {
  const text = readCgroupFile(dir, file);
  if (text === undefined) return undefined;
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^-?\d+$/.test(v)) out[k] = Number(v);
  }
  return out;
}

/** A single-number file; "max" (v2) reads as undefined. */
export function readNumber(dir: string, file: string): number | undefined {
  const t = readCgroupFile(dir, file)?.trim();
  return t !== undefined && /^-?\d+$/.test(t) ? Number(t) : undefined;
}

/** The pids in one cgroup (not its children). A threaded v2 cgroup refuses to list cgroup.procs
 * (ENOTSUP) and lists cgroup.threads instead (runc's readProcsFile). */
export function cgroupProcs(dir: string): number[] {
  let text: string | undefined;
  try {
    text = readCgroupFile(dir, 'cgroup.procs');
  } catch (e) {
    if (errnoCode(e) !== 'ENOTSUP' && errnoCode(e) !== 'EOPNOTSUPP') throw e;
    text = readCgroupFile(dir, 'cgroup.threads');
  }
  return (text ?? '').split('\n').filter((l) => /^\d+$/.test(l.trim())).map(Number);
}

/** Sub-cgroups of dir (directories), or [] if dir is gone. */
export function subCgroups(dir: string): string[] {
  try {
    return io.subdirectories(dir).map((name) => join(dir, name));
  } catch (e) {
    if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return [];
    throw e;
  }
}

/** Every pid in dir and its sub-cgroups (a container may make its own sub-cgroups, e.g. systemd inside). */
export function allProcs(dir: string, into = new Set<number>(), depth = 0): Set<number> {
  for (const pid of cgroupProcs(dir)) into.add(pid);
  if (depth < 32) for (const sub of subCgroups(dir)) allProcs(sub, into, depth + 1);
  return into;
}

/** rmdir, retrying EBUSY (processes that were just killed may still be leaving, runc's rmdir()).
 * Returns the errno code left, '' when removed or already gone. */
export function rmdirCgroup(dir: string, retries = 0): string {
  let delay = 1;
  for (let i = 0; ; i++) {
    try {
      cgroupDirs.rmdir(dir);
      return '';
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'ENOENT') return '';
      if (code === 'EINTR') continue;
      if (code !== 'EBUSY' || i >= retries) return code;
      sleepMs(delay);
      delay = Math.min(delay * 2, 200);
    }
  }
}

/** Remove dir's sub-cgroups, deepest first (cgroupfs refuses rmdir of a cgroup with children).
 * They were made by the container inside its own cgroup; errors are left for the caller's rmdir. */
export function removeSubCgroups(dir: string, depth = 0): void {
  if (depth > 32) return;
  for (const sub of subCgroups(dir)) {
    removeSubCgroups(sub, depth + 1);
    rmdirCgroup(sub, 5);
  }
}

/** The huge page sizes ("2MB", "1GB") a hugetlb directory has hugetlb.<size>.<suffix> files for, in
 * listing order; a reservation file (hugetlb.2MB.rsvd.*) names no size. [] when it cannot be read. */
export function hugePageSizes(dir: string, suffix: string): string[] {
  const re = new RegExp(`^hugetlb\\.([0-9]+[KMGTP]B)\\.${suffix.replace(/\./g, '\\.')}$`);
  const out: string[] = [];
  try {
    for (const name of io.listDir(dir)) {
      const m = re.exec(name);
      if (m) out.push(m[1]);
    }
  } catch {
    return [];
  }
  return out;
}
