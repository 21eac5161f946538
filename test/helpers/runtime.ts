// Integration test harness: every test gets its own --root, its own container ids and its own bundle,
// and everything it made is removed afterwards, even when it fails (DESIGN/quality bar).
import { ChildProcess, spawn, spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const REPO = path.resolve(__dirname, '..', '..');
export const ROOTFS_CACHE = path.join(REPO, 'rootfs-cache', 'busybox');

/** Which build is under test: the standalone (Bun) executable by default, TSRUNC_ENTRY=node for dist/tsrunc.js. */
function runtimeEntry(): 'bun' | 'node' {
  return process.env.TSRUNC_ENTRY === 'node' ? 'node' : 'bun';
}

/** Why a test cannot have the runtime profile itself with Bun's sampler, or undefined: only the Bun
 * executable reads BUN_OPTIONS. */
export const noBunProfiler = runtimeEntry() === 'bun' ? undefined : 'BUN_OPTIONS is read by the Bun executable only';

/** The environment under which the Bun executable profiles itself into `dir` (--cpu-prof), sampling
 * every `intervalUs` µs: the engine then suspends its JS thread with SIGPWR that often. */
export function profiledEnv(dir: string, intervalUs: number): NodeJS.ProcessEnv {
  return { ...process.env, BUN_OPTIONS: `--cpu-prof --cpu-prof-dir=${dir} --cpu-prof-interval=${intervalUs}` };
}

/** The CPU profiles written into `dir`. */
export function cpuProfiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
}

/** The runtime under test: the standalone executable by default; TSRUNC_ENTRY=node for dist/tsrunc.js.
 * `testBuild`: the build with fault points compiled in (src/faults.ts), for the crash tests only. */
export function runtimeCommand(entry: string = runtimeEntry(), testBuild = false): string[] {
  const suffix = testBuild ? '-test' : '';
  return entry === 'node' ? [process.execPath, path.join(REPO, 'dist', `tsrunc${suffix}.js`)] : [path.join(REPO, `tsrunc${suffix}`)];
}

export const isRoot = process.getuid?.() === 0;

/** describe() that skips, with the reason in its title, when the machine cannot run containers. */
export function describeRoot(title: string, fn: () => void): void {
  // CI runs as root: there, a missing precondition is a failure, not a silent skip.
  if (process.env.CI && (!isRoot || !fs.existsSync(path.join(REPO, 'tsrunc')) || !fs.existsSync(ROOTFS_CACHE))) {
    describe(title, () => test('can run containers (CI: root, ./tsrunc and the busybox rootfs are required)', () => {
      expect({ root: isRoot, tsrunc: fs.existsSync(path.join(REPO, 'tsrunc')), rootfs: fs.existsSync(ROOTFS_CACHE) }).toEqual({ root: true, tsrunc: true, rootfs: true });
    }));
    return;
  }
  if (!isRoot) describe.skip(`${title} (skipped: needs root to run containers)`, fn);
  else if (!fs.existsSync(path.join(REPO, 'tsrunc')) || !fs.existsSync(ROOTFS_CACHE))
    describe.skip(`${title} (skipped: run \`make build rootfs-cache/busybox\` first)`, fn);
  else describe(title, fn);
}

export interface Result { code: number; stdout: string; stderr: string; signal: NodeJS.Signals | null }

/** killSignal: what ends a run past its timeout (SIGTERM by default, which `run` forwards to the
 * container: SIGKILL where the container could ignore it). */
export interface RunOptions {
  input?: string; env?: NodeJS.ProcessEnv; timeout?: number; killSignal?: NodeJS.Signals; root?: boolean; extraFds?: number[]; wrap?: string[]; cwd?: string;
}

let counter = 0;

export class Sandbox {
  readonly root: string;
  readonly dir: string;
  readonly ids = new Set<string>();
  readonly prefix: string;

  constructor(readonly entry?: string) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-test-'));
    this.root = path.join(this.dir, 'state');
    this.prefix = `tsrunc-t${process.pid}-${Date.now().toString(36)}`;
  }

  id(name = 'c'): string {
    const id = `${this.prefix}-${name}-${++counter}`;
    this.ids.add(id);
    return id;
  }

  /** A bundle with its own copy of the busybox rootfs and the `tsrunc spec` config, edited by `edit`. */
  bundle(edit?: (c: any) => void, name = 'bundle'): string {
    const b = fs.mkdtempSync(path.join(this.dir, name + '-'));
    const cp = spawnSync('cp', ['-a', ROOTFS_CACHE, path.join(b, 'rootfs')]);
    if (cp.status !== 0) throw new Error('cannot copy rootfs: ' + cp.stderr);
    const spec = this.run(['spec', '--bundle', b]);
    if (spec.code !== 0) throw new Error('tsrunc spec failed: ' + spec.stderr);
    const file = path.join(b, 'config.json');
    const c = JSON.parse(fs.readFileSync(file, 'utf8'));
    c.process.terminal = false;
    c.process.args = ['true'];
    edit?.(c);
    fs.writeFileSync(file, JSON.stringify(c, null, 2));
    return b;
  }

  /** Run tsrunc with this sandbox's --root (unless args start with a global flag of their own). */
  run(args: string[], opts: RunOptions = {}): Result {
    const io = this.launch(args, opts);
    let r: SpawnSyncReturns<string>;
    try {
      r = spawnSync(io.cmd, io.args, {
        encoding: 'utf8', input: opts.input ?? '', env: opts.env ?? process.env, timeout: opts.timeout ?? 30000, killSignal: opts.killSignal, stdio: ['pipe', ...io.stdio], cwd: opts.cwd,
      });
    } finally {
      io.close();
    }
    return io.result(r.status ?? -1, r.signal);
  }

  /** Like run, without waiting for it: for commands that must race each other (stdin is /dev/null). */
  runAsync(args: string[], opts: Omit<RunOptions, 'input' | 'timeout'> = {}): Promise<Result> {
    const io = this.launch(args, opts);
    let child: ChildProcess;
    try {
      child = spawn(io.cmd, io.args, { env: opts.env ?? process.env, stdio: ['ignore', ...io.stdio] });
    } finally {
      io.close();
    }
    return new Promise((res) => child.on('exit', (code, signal) => res(io.result(code ?? -1, signal))));
  }

  /** The command line, and stdout/stderr as files, not pipes: a created or detached container keeps
   * the runtime's stdio (as with runc), and a pipe would wait for its last writer to go. */
  private launch(args: string[], opts: RunOptions) {
    const [cmd, ...pre] = [...(opts.wrap ?? []), ...runtimeCommand(this.entry)];
    const full = [...pre, ...(opts.root === false ? [] : ['--root', this.root]), ...args];
    const base = path.join(this.dir, `.run-${process.pid}-${++counter}`);
    const out = `${base}.out`, err = `${base}.err`;
    const outFd = fs.openSync(out, 'w'), errFd = fs.openSync(err, 'w');
    return {
      cmd, args: full, stdio: [outFd, errFd, ...(opts.extraFds ?? [])],
      close: () => { fs.closeSync(outFd); fs.closeSync(errFd); },
      result: (code: number, signal: NodeJS.Signals | null): Result => {
        const res = { code, stdout: fs.readFileSync(out, 'utf8'), stderr: fs.readFileSync(err, 'utf8'), signal };
        fs.rmSync(out, { force: true });
        fs.rmSync(err, { force: true });
        return res;
      },
    };
  }

  /** Like run, and fail the test with the runtime's own message when it exits non-zero. */
  ok(args: string[], opts: RunOptions = {}): Result {
    const r = this.run(args, opts);
    if (r.code !== 0) throw new Error(`tsrunc ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
    return r;
  }

  state(id: string): any {
    return JSON.parse(this.ok(['state', id]).stdout);
  }

  /**
   * The fds the container's process really holds, read from the host once it has exec'd `sleep`
   * (asking a shell inside races with the shell's own pipeline fds).
   */
  async initFds(extraFds: number[] = []): Promise<string[]> {
    const bundle = this.bundle((c) => { c.process.args = ['sleep', '1000']; });
    const id = this.id();
    this.ok(['run', '--detach', '--bundle', bundle, id], { extraFds });
    const pid = this.state(id).pid;
    await waitFor(() => { try { return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep'; } catch { return false; } }, 10000, 'exec of sleep');
    const fds = fs.readdirSync(`/proc/${pid}/fd`).sort((a, b) => Number(a) - Number(b));
    this.ok(['delete', '--force', id]);
    return fds;
  }

  /** Remove every container this sandbox made and everything else it left. */
  cleanup(): void {
    for (const id of this.ids) this.run(['delete', '--force', id]);
    for (const id of this.ids) assertNothingLeft(id, this.root);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Host cgroup directories named after the id (v1 controllers and the unified hierarchy). */
export function cgroupDirsOf(id: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 6) return;
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const p = path.join(dir, e.name);
      if (e.name === id) out.push(p);
      else if (depth < 6) walk(p, depth + 1);
    }
  };
  walk('/sys/fs/cgroup', 0);
  return out;
}

export function processesWithArg(marker: string): number[] {
  const pids: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (cmd.includes(marker)) pids.push(Number(d));
    } catch { /* gone */ }
  }
  return pids;
}

/**
 * Live processes of container `id` made from `bundle`: its init while it waits as tsrunc-init
 * (labelled `create <id>` on its command line), and every process whose root is the bundle's rootfs
 * (after pivot_root, whatever it runs).
 */
export function containerProcesses(id: string, bundle: string): number[] {
  let rootfs: string;
  try { rootfs = fs.realpathSync(path.join(bundle, 'rootfs')); } catch { rootfs = path.join(bundle, 'rootfs'); }
  const out = new Set(processesWithArg(`create ${id}`));
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try { if (fs.readlinkSync(`/proc/${d}/root`) === rootfs) out.add(Number(d)); } catch { /* gone */ }
  }
  return [...out].filter((pid) => pid !== process.pid && pidAlive(pid)).sort((a, b) => a - b);
}

export function mountsMentioning(text: string): string[] {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(text));
}

/** Nothing of container `id` may remain: state dir, cgroups, mounts. */
export function assertNothingLeft(id: string, root: string): void {
  const left: string[] = [];
  if (fs.existsSync(path.join(root, id))) left.push(`state dir ${path.join(root, id)}`);
  left.push(...cgroupDirsOf(id).map((d) => `cgroup ${d}`));
  left.push(...mountsMentioning(id).map((m) => `mount ${m}`));
  if (left.length) throw new Error(`container ${id} left behind: ${left.join('; ')}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function waitFor(cond: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** The state letter of /proc/<pid>/stat (R, S, D, T, Z, ...); undefined when there is no such pid. */
export function procState(pid: number): string | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2, s.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

export function pidAlive(pid: number): boolean {
  const s = procState(pid);
  return s !== undefined && s !== 'Z' && s !== 'X';
}

/** Give a tree (a rootfs for a user namespace) to a host uid/gid, symlinks included. */
export function chownTree(dir: string, id: number): void {
  fs.lchownSync(dir, id, id);
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) chownTree(p, id);
    else fs.lchownSync(p, id, id);
  }
}
