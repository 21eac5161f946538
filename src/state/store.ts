// The state directory: <root>/<id>/ holding state.json and exec.fifo (docs/ARCHITECTURE.md §4).
// Every command that changes a container holds an exclusive flock on the directory itself; readers
// hold a shared one. state.json is replaced atomically (temp file, rename) and is written before
// any cgroup or process exists, so `delete --force` can always undo a half-finished create.
// The file operations go through src/fileio.ts (the addon), not node:fs: `state`, `kill` and `list`
// load this module on every call (issue 12).
import * as io from '../fileio';
import { dirname, join } from '../pathnames';
import { ContainerExists, ContainerNotFound, StateCorrupt, StateMissing, TsruncError, sysError } from '../errors';
import { native } from '../native';
import type { HostMountsRecord } from '../container/hostMounts';
import type { CgroupRecord } from '../cgroups/manager';
import type { Spec } from '../spec/types';

export const LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4;

export interface ContainerState {
  ociVersion: string;
  id: string;
  bundle: string;
  rootfs: string;
  created: string;
  owner: string;
  annotations?: Record<string, string>;
  /** The lifecycle step reached: what the runtime has recorded, not the live status. */
  phase: 'creating' | 'created' | 'running' | 'stopped';
  /** The create (or run) process, so a crashed create can be told from one in progress. */
  creator: { pid: number; startTime: string };
  pid?: number;
  pidStartTime?: string;
  cgroup?: CgroupRecord;
  /** Set when the container has no mount namespace: its mounts are on the host (removed on delete). */
  hostMounts?: HostMountsRecord;
  /** config.json as used at create; later edits of the bundle do not affect the container. */
  config: Spec;
  fifo: string;
  /** Created with --no-new-keyring: exec'd processes keep the caller's session keyring too (runc). */
  noNewKeyring?: boolean;
}

const ID_RE = /^[\w+\-.]+$/;

/** mkdir -p of the state root, 0711; only levels that are missing are made, and a level another
 * create makes at the same moment is fine. */
function makeRoot(root: string, depth = 0): void {
  try {
    io.mkdir(root, 0o711);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    const parent = dirname(root);
    if (code !== 'ENOENT' || parent === root || depth > 64) throw e;
    makeRoot(parent, depth + 1);
    makeRoot(root, 65);
  }
}

export function validateId(id: string | undefined, field = 'container id'): string {
  if (id === undefined || id === '') throw new TsruncError('container id cannot be empty', { field });
  if (!ID_RE.test(id) || id === '.' || id === '..') throw new TsruncError(`invalid container id format: "${id}"`, { field });
  if (id.length > 1024) throw new TsruncError('container id is too long', { field });
  return id;
}

export class ContainerDir {
  private constructor(readonly root: string, readonly id: string, readonly dir: string, private fd: number) {}

  get statePath(): string { return `${this.dir}/state.json`; }
  get fifoPath(): string { return `${this.dir}/exec.fifo`; }

  /** Make the directory of a new container, locked exclusively. Fails if the id is taken. */
  static create(root: string, id: string): ContainerDir {
    validateId(id);
    makeRoot(root);
    const dir = join(root, id);
    try {
      io.mkdir(dir, 0o711);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new ContainerExists(id);
      throw sysError(`cannot create state directory ${dir}`, e, { field: '--root' });
    }
    const fd = io.openDirectory(dir);
    native().flock(fd, LOCK_EX);
    return new ContainerDir(root, id, dir, fd);
  }

  /**
   * Open and lock an existing container. Only ENOENT of its directory is ContainerNotFound ("does
   * not exist", the text clients match on: runc's Load stats the directory the same way); any other
   * error (EACCES, ENOTDIR, ELOOP) is reported as itself, naming the directory.
   */
  static open(root: string, id: string, mode: 'shared' | 'exclusive'): ContainerDir {
    validateId(id);
    const dir = join(root, id);
    let fd: number;
    try {
      fd = io.openDirectory(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new ContainerNotFound(id);
      throw sysError(`cannot open the state directory ${dir}`, e, { field: '--root', syscall: 'open' });
    }
    native().flock(fd, mode === 'shared' ? LOCK_SH : LOCK_EX);
    const c = new ContainerDir(root, id, dir, fd);
    // A delete may have removed the directory while we waited for the lock.
    if (!io.exists(dir) || io.linkCount(fd) === 0) {
      c.close();
      throw new ContainerNotFound(id);
    }
    return c;
  }

  /**
   * The recorded state, or undefined when a create died before writing any (no state.json). A
   * state.json that does not parse or does not have the state file's shape is StateCorrupt naming
   * the file; an unreadable one (EACCES, EIO) is reported as itself.
   */
  read(): ContainerState | undefined {
    let text: string;
    try {
      text = io.readText(this.statePath);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw sysError(`cannot read ${this.statePath}`, e, { syscall: 'open' });
    }
    return parseState(text, this.id, this.statePath);
  }

  mustRead(): ContainerState {
    const s = this.read();
    if (!s) throw new StateMissing(this.id);
    return s;
  }

  /**
   * Replace state.json atomically: a temp file renamed over it, so a reader (or a crash of this
   * process) sees the old state or the new, never half of one. No fsync, as runc's saveState
   * (1.1-1.5: temp file + rename): what the state guards against is this process dying, and the
   * page cache outlives a process; after a crash of the machine every cgroup, process and mount it
   * records is gone too (and the root is normally /run, a tmpfs). An fsync cost 1-6 ms each here
   * with the root on ext4 (issue 12).
   */
  write(state: ContainerState): void {
    const tmp = `${this.dir}/.state.json.${process.pid}`;
    try {
      io.writeNewFile(tmp, JSON.stringify(state), 0o600);
      io.rename(tmp, this.statePath);
    } catch (e) {
      // A full or read-only state root (test/fixtures/hostile): name the file, keep no partial copy.
      try { io.unlink(tmp); } catch { /* never made */ }
      throw new TsruncError(`cannot write ${this.statePath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { field: '--root' });
    }
  }

  /** Remove the directory (state.json, fifo, anything else). The lock stays held until close(). It
   * holds files only; anything else someone put there goes with node:fs's recursive remove. */
  remove(): void {
    try {
      for (const name of io.listDir(this.dir)) io.unlink(`${this.dir}/${name}`);
      io.rmdir(this.dir);
    } catch {
      (require('fs') as typeof import('fs')).rmSync(this.dir, { recursive: true, force: true });
    }
  }

  close(): void {
    if (this.fd >= 0) {
      io.closeFd(this.fd);
      this.fd = -1;
    }
  }
}

/**
 * state.json's text as a ContainerState, checked against schemas/state-file.json with the validator
 * generated at build time (src/generated/stateFile.js: the state file's schema only, ~17 KB, so a
 * command pays nothing for the config validators).
 */
export function parseState(text: string, id: string, file: string): ContainerState {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new StateCorrupt(id, file, text.trim() === '' ? 'empty' : `invalid JSON: ${(e as Error).message}`);
  }
  const { validateStateFile } = require('../generated/stateFile') as typeof import('../generated/stateFile');
  if (validateStateFile(data)) return data as ContainerState;
  const { describeError } = require('../spec/validate') as typeof import('../spec/validate');
  const err = validateStateFile.errors?.[0];
  const d = err ? describeError(err, data, 'state') : { field: 'state', message: 'is not valid' };
  throw new StateCorrupt(id, file, `${d.field ?? 'state'} ${d.message}`, data);
}

/** Ids of every container under root (for `list`). A missing root holds none; any other error
 * reading it is reported (runc's list.go: only IsNotExist is an empty list). */
export function listIds(root: string): string[] {
  try {
    return io.subdirectories(root);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw sysError(`cannot read the state root ${root}`, e, { field: '--root', syscall: 'open' });
  }
}
