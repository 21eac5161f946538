// Load a bundle's config.json: parse, validate against this project's schema (validators compiled
// at build time), then the semantic checks the schema cannot express.
import * as io from '../fileio';
import * as path from '../posixpath';
import { TsruncError, sysError } from '../errors';
import { logWarn } from '../log';
import type { Process, Spec } from './types';
import { validateConfig } from './validate';

export interface Bundle { dir: string; spec: Spec; rootfs: string }

export function loadBundle(bundleArg: string | undefined): Bundle {
  const dir = path.resolve(bundleArg || '.');
  const file = path.join(dir, 'config.json');
  const text = readConfigText(file, dir);
  let spec: unknown;
  try {
    spec = JSON.parse(text);
  } catch (e) {
    // RangeError too: 100,000 nested arrays overflow the parser's stack (test/fixtures/hostile).
    throw new TsruncError(`invalid JSON: ${(e as Error).message}`, { field: 'config.json' });
  }
  const checked = checkSpec(spec, dir);
  // A rootfs reached through a symlink is used where it really is (as crun; runc refuses it): the
  // kernel cannot bind a symlink over itself for pivot_root.
  return { dir, spec: checked, rootfs: io.realpath(path.resolve(dir, checked.root!.path)) };
}

/** config.json's text. Opened non-blocking and required to be a regular file: a FIFO (or a device)
 * in a hostile bundle would otherwise block or stream forever (test/fixtures/hostile/config-fifo). */
function readConfigText(file: string, dir: string): string {
  let fd: number;
  try {
    fd = io.openFile(file, io.O_RDONLY | io.O_NONBLOCK);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new TsruncError(`no config.json in bundle ${dir}`, { field: '--bundle' });
    throw sysError(`cannot open ${file}`, e, { field: '--bundle' });
  }
  try {
    if (!io.fstat(fd).isFile()) throw new TsruncError(`${file} is not a regular file`, { field: 'config.json' });
    return io.readFd(fd);
  } catch (e) {
    if (e instanceof TsruncError) throw e;
    throw sysError(`cannot read ${file}`, e, { field: '--bundle' });
  } finally {
    io.closeFd(fd);
  }
}

/** The first string of the config (outside annotations, which never reach the kernel) that holds a
 * NUL byte: C would silently cut it there (an argument, a path, an env entry). */
function findNul(v: unknown, at: string): string | undefined {
  if (typeof v === 'string') return v.includes('\0') ? at : undefined;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) { const f = findNul(v[i], `${at}[${i}]`); if (f) return f; }
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === 'annotations' && !at) continue;
      const f = findNul(x, at ? `${at}.${k}` : k);
      if (f) return f;
    }
  }
  return undefined;
}

// The most strings the runtime hands to one execve (the addon's limit, addon/child.c build_vector).
const MAX_EXEC_STRINGS = 65536;

/** Maps from names to strings: a null value there is not an absent field but a bad value. */
const STRING_MAPS = new Set(['annotations', 'sysctl', 'unified']);

/**
 * A field set to null is a field left out, as runc reads config.json (Go's encoding/json leaves a
 * field at its zero value for null): runc's timens.bats sets `"timeOffsets": null`, and configs
 * written by other tools do the same. Removed in place, in every object but the string maps; an
 * array's null elements stay, for the schema to name.
 */
export function dropNullFields(v: unknown): void {
  if (Array.isArray(v)) {
    for (const x of v) dropNullFields(x);
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (x === null) delete (v as Record<string, unknown>)[k];
      else if (!STRING_MAPS.has(k)) dropNullFields(x);
    }
  }
}

/** Schema, version and semantic checks; returns the config typed. */
export function checkSpec(raw: unknown, bundleDir: string): Spec {
  dropNullFields(raw);
  checkVersion(raw);
  validateConfig(raw);
  const nul = findNul(raw, '');
  if (nul) throw new TsruncError('contains a NUL byte', { field: nul });
  const spec = raw as Spec;
  if (!spec.root || !spec.root.path) throw new TsruncError('root.path is required on Linux', { field: 'root.path' });
  const rootfs = path.resolve(bundleDir, spec.root.path);
  let st: io.FileStat;
  try {
    st = io.stat(rootfs);
  } catch {
    throw new TsruncError(`rootfs (${rootfs}) does not exist`, { field: 'root.path' });
  }
  if (!st.isDirectory()) throw new TsruncError(`rootfs (${rootfs}) is not a directory`, { field: 'root.path' });
  relativeMountDestinations(spec);
  checkProcSysMounts(spec, rootfs);
  // runtime.md "start": without `process` the container can be created, and `start` fails.
  if (spec.process) checkProcess(spec.process);
  if (!spec.linux) throw new TsruncError('linux is required on Linux', { field: 'linux' });
  // config.md "Annotations": keys MUST be non-empty strings.
  if (spec.annotations && Object.prototype.hasOwnProperty.call(spec.annotations, '')) throw new TsruncError('annotation keys must not be empty', { field: 'annotations[""]' });
  return spec;
}

/** runc's mountToRootfs: proc and sysfs "must be mounted on ordinary directory" (runc's words, which
 * its mounts.bats and mask.bats look for). A symlink at the
 * destination in the image would redirect the mount, and every masked and read-only path under it
 * (runc refuses it since 1.1.5, CVE-2023-27561/CVE-2019-19921 class). */
function checkProcSysMounts(spec: Spec, rootfs: string): void {
  (spec.mounts ?? []).forEach((m, i) => {
    if ((m.type !== 'proc' && m.type !== 'sysfs') || !path.isAbsolute(m.destination)) return;
    const dest = path.normalize(m.destination);
    let st: io.FileStat;
    try {
      st = io.lstat(path.join(rootfs, dest));
    } catch {
      return; // missing: created as a directory
    }
    if (!st.isDirectory()) {
      const what = st.isSymbolicLink() ? 'is a symlink' : 'is not a directory';
      throw new TsruncError(`${dest} in the rootfs ${what}: filesystem "${m.type}" must be mounted on ordinary directory`, { field: `mounts[${i}].destination` });
    }
  });
}

/** config.md "Mounts": a relative destination is deprecated and taken relative to "/". runc 1.1-1.5
 * (specconv createLibcontainerMount) accepts it with this warning; tsrunc does too, and from here on
 * the container's config holds the absolute path (`..` past the root is still refused with the rest). */
function relativeMountDestinations(spec: Spec): void {
  for (const m of spec.mounts ?? []) {
    if (m.destination === '' || path.isAbsolute(m.destination)) continue;
    logWarn(`mount destination ${m.destination} is not absolute. Support for non-absolute mount destinations will be removed in a future release.`);
    m.destination = '/' + m.destination;
  }
}

/** The semantic checks of a process (config.json's, or `exec --process`'s, as runc's
 * validateProcessSpec): cwd absolute, args not empty. Every other field may be absent. */
export function checkProcess(p: Process): void {
  if (!p.cwd || !path.isAbsolute(p.cwd)) throw new TsruncError(`cwd must be an absolute path, got "${p.cwd ?? ''}"`, { field: 'process.cwd' });
  if (!p.args || p.args.length === 0) throw new TsruncError('args must not be empty', { field: 'process.args' });
  if (p.args.length > MAX_EXEC_STRINGS) throw new TsruncError(`${p.args.length} arguments: more than ${MAX_EXEC_STRINGS}`, { field: 'process.args' });
  if ((p.env?.length ?? 0) > MAX_EXEC_STRINGS) throw new TsruncError(`${p.env!.length} entries: more than ${MAX_EXEC_STRINGS}`, { field: 'process.env' });
}

/** `exec --process FILE`: the process object against the config schema's process (in a minimal
 * config), then the same semantic checks as config.json's process. */
export function checkProcessSpec(raw: unknown): Process {
  dropNullFields(raw);
  validateConfig({ ociVersion: '1.3.0', root: { path: 'rootfs' }, process: raw });
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new TsruncError('must be an object', { field: 'process' });
  checkProcess(raw as Process);
  return raw as Process;
}

/** Any 1.x version from 1.0.0 on is accepted (crun 1.8 refuses 1.2+); another major is an error. */
export function checkVersion(raw: unknown): void {
  const v = (raw as { ociVersion?: unknown } | null)?.ociVersion;
  if (typeof v !== 'string') throw new TsruncError('ociVersion is required', { field: 'ociVersion' });
  const m = /^(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/.exec(v);
  if (!m) throw new TsruncError(`"${v}" is not a valid version (expected MAJOR.MINOR.PATCH)`, { field: 'ociVersion' });
  if (m[1] !== '1') throw new TsruncError(`unsupported spec version ${v}: this runtime implements 1.x (up to 1.3.0)`, { field: 'ociVersion' });
}
