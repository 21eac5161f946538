// The conformance suite's harness: requirements, a per-requirement sandbox (its own --root, ids,
// bundles, host mounts, helper processes), and the host facts checks decide their skips from.
// Every check runs real containers with the runtime under test; nothing here knows tsrunc's internals,
// so `--runtime /usr/sbin/runc` runs the same checks against another runtime.
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const REPO = path.resolve(__dirname, '..');
export const ROOTFS = path.join(REPO, 'rootfs-cache', 'busybox');
export const SPEC_DIR = '/work/shared/reference/runtime-spec';

export type Level = 'MUST' | 'SHOULD';
export interface Requirement {
  id: string;
  level: Level;
  text: string;
  /** Throws Skip (machine cannot observe it) or any other error (requirement not met). A returned
   * string is a note printed beside PASS (e.g. what exactly could be observed). */
  check: (t: Ctx) => void | string | Promise<void | string>;
}

/** `section('config.md', 'Root')` gives a constructor of requirements of that heading. */
export function section(file: string, list: Requirement[]) {
  return (heading: string) => (slug: string, level: Level, text: string, check: Requirement['check']) => {
    list.push({ id: `${file}#${slug}`, level, text: `${text} (${file} § ${heading})`, check });
  };
}

export class Skip extends Error {}
export function skip(reason: string): never { throw new Skip(reason); }
export class Fail extends Error {}
export function fail(msg: string): never { throw new Fail(msg); }
export function assert(cond: unknown, msg: string): asserts cond { if (!cond) fail(msg); }
/** JSON with object keys sorted, so maps compare by content, not by order. */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x));
}
export function eq(actual: unknown, expected: unknown, what: string): void {
  const a = canonical(actual), e = canonical(expected);
  if (a !== e) fail(`${what}: expected ${e}, got ${a}`);
}
export function short(s: string, n = 300): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? one.slice(0, n) + '…' : one;
}

export const settings = {
  runtime: path.join(REPO, 'tsrunc'),
  /** the busybox rootfs bundles copy: a private snapshot of ROOTFS taken at start (run.ts), so a
   * rebuild of rootfs-cache during the run cannot break bundles half way */
  rootfs: ROOTFS,
  /** where sandboxes go (run.ts picks a directory on a filesystem that allows exec and suid) */
  tmp: os.tmpdir(),
  /** ociVersion of the configs the suite writes (--oci-version, for runtimes that refuse 1.3.0) */
  ociVersion: '1.3.0',
  run: `${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`,
};

export interface Result { code: number; stdout: string; stderr: string; signal: string | null; log: string }

/** The runtime's error, in one line: the line that says "error" if there is one, else the first. */
export function errorLine(r: Result): string {
  const lines = (r.stderr + '\n' + r.log).split('\n').map((l) => l.trim()).filter(Boolean);
  const l = lines.find((x) => /error|fatal|failed|not supported|invalid/i.test(x)) ?? lines[0] ?? '(no message)';
  return short(l, 240);
}

export function sleep(ms: number): Promise<void> { return new Promise((r) => setTimeout(r, ms)); }
export function sleepSync(ms: number): void { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms); }

export async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) fail(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

export function read(file: string): string | null {
  try { return fs.readFileSync(file, 'utf8'); } catch { return null; }
}

export function sh(cmd: string, opts: { timeout?: number; input?: string } = {}): Result {
  const r = spawnSync('/bin/sh', ['-c', cmd], { encoding: 'utf8', timeout: opts.timeout ?? 15000, input: opts.input ?? '' });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '', signal: r.signal, log: '' };
}
/** A host command that must succeed (setup, not the runtime under test). */
export function hostOk(cmd: string): string {
  const r = sh(cmd);
  if (r.code !== 0) throw new Error(`host setup failed: ${cmd}: ${short(r.stderr || r.stdout)}`);
  return r.stdout;
}

/** Start time (field 22 of /proc/PID/stat): a pid plus its start time names one process. */
export function startTime(pid: number): string | null {
  const st = read(`/proc/${pid}/stat`);
  if (!st) return null;
  return st.slice(st.lastIndexOf(')') + 2).split(' ')[19] ?? null;
}
export function alive(pid: number): boolean {
  const st = read(`/proc/${pid}/stat`);
  return !!st && !/\) [ZX] /.test(st);
}
export function nsOf(pid: number | 'self', type: string): string | null {
  try { return fs.readlinkSync(`/proc/${pid}/ns/${type}`); } catch { return null; }
}

// ---------------------------------------------------------------------------------------------
// mountinfo

export interface Mount {
  id: number; parent: number; majmin: string; root: string; mountPoint: string;
  options: string[]; optional: string[]; fstype: string; source: string; superOptions: string[];
}
export function parseMountinfo(text: string): Mount[] {
  const out: Mount[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const [left, right] = line.split(' - ');
    if (!right) continue;
    const f = left.split(' ');
    const r = right.split(' ');
    const unescape = (s: string) => s.replace(/\\(\d{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
    out.push({
      id: Number(f[0]), parent: Number(f[1]), majmin: f[2], root: unescape(f[3]), mountPoint: unescape(f[4]),
      options: f[5].split(','), optional: f.slice(6), fstype: r[0], source: r[1], superOptions: (r[2] ?? '').split(','),
    });
  }
  return out;
}
/** The topmost mount at a mount point (the one a path lookup sees). */
export function mountAt(list: Mount[], mountPoint: string): Mount | undefined {
  const all = list.filter((m) => m.mountPoint === mountPoint);
  if (all.length <= 1) return all[0];
  // the topmost is the one no other mount at the same point has as parent
  const ids = new Set(all.map((m) => m.parent));
  return all.find((m) => !ids.has(m.id)) ?? all[all.length - 1];
}
export function propagation(m: Mount): { shared: boolean; master: boolean; unbindable: boolean } {
  return {
    shared: m.optional.some((o) => o.startsWith('shared:')),
    master: m.optional.some((o) => o.startsWith('master:')),
    unbindable: m.optional.includes('unbindable'),
  };
}

// ---------------------------------------------------------------------------------------------
// host facts (each decided at run time, so a skip says what this machine lacks)

export const host = {
  caps(): bigint { return BigInt('0x' + (/CapBnd:\s*([0-9a-f]+)/.exec(read('/proc/self/status') ?? '')?.[1] ?? '0')); },
  effCaps(): bigint { return BigInt('0x' + (/CapEff:\s*([0-9a-f]+)/.exec(read('/proc/self/status') ?? '')?.[1] ?? '0')); },
  apparmor(): boolean { return (read('/sys/module/apparmor/parameters/enabled') ?? '').trim() === 'Y'; },
  selinux(): boolean { return fs.existsSync('/sys/fs/selinux/enforce'); },
  filesystems(): string[] { return (read('/proc/filesystems') ?? '').split('\n').map((l) => l.split('\t').pop()!.trim()).filter(Boolean); },
  /** cgroup mounts: v1 controllers -> mount point; the unified mount point, if any */
  cgroups(): { v1: Map<string, string>; unified: string | null; unifiedControllers: string[] } {
    const v1 = new Map<string, string>();
    let unified: string | null = null;
    for (const m of parseMountinfo(read('/proc/self/mountinfo') ?? '')) {
      if (m.fstype === 'cgroup') for (const o of m.superOptions) if (o !== 'rw' && o !== 'ro' && !o.startsWith('release_agent') && !o.startsWith('name=')) v1.set(o, m.mountPoint);
      if (m.fstype === 'cgroup2') unified = m.mountPoint;
    }
    const unifiedControllers = unified ? (read(path.join(unified, 'cgroup.controllers')) ?? '').trim().split(/\s+/).filter(Boolean) : [];
    return { v1, unified, unifiedControllers };
  },
  /** pure cgroup v2 (unified at /sys/fs/cgroup, no v1 controllers) */
  cgroupV2Only(): boolean { return host.cgroups().v1.size === 0; },
  /** the major:minor of a real block device (the root filesystem's) */
  blockDevice(): string | null {
    const root = mountAt(parseMountinfo(read('/proc/self/mountinfo') ?? ''), '/');
    if (root && !root.majmin.startsWith('0:')) return root.majmin;
    for (const d of fs.readdirSync('/sys/block')) { const dev = read(`/sys/block/${d}/dev`); if (dev && !d.startsWith('loop')) return dev.trim(); }
    return null;
  },
  python(): string | null { for (const p of ['/usr/bin/python3', '/usr/local/bin/python3']) if (fs.existsSync(p)) return p; return null; },
};

export const CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ',
  'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];
export function capMask(names: string[]): bigint { return names.reduce((m, n) => m | (1n << BigInt(CAPS.indexOf(n))), 0n); }
export function capNames(mask: bigint): string[] { return CAPS.filter((_, i) => mask & (1n << BigInt(i))); }

// ---------------------------------------------------------------------------------------------
// cgroups of a container process, from the host

export interface CgroupLine { hierarchy: string; controllers: string[]; path: string }
export function cgroupsOf(pid: number): CgroupLine[] {
  return (read(`/proc/${pid}/cgroup`) ?? '').trim().split('\n').filter(Boolean).map((l) => {
    const [hierarchy, ctrl, ...p] = l.split(':');
    return { hierarchy, controllers: ctrl ? ctrl.split(',') : [], path: p.join(':') };
  });
}
/** The host directory of `pid`'s cgroup for `controller` (v1 hierarchy, else unified when the
 * controller is there), or a skip when this machine has no such controller. */
export function cgroupAvailable(controller: string): void {
  const c = host.cgroups();
  if (c.v1.has(controller) || (c.unified && c.unifiedControllers.includes(controller))) return;
  skip(`this machine has no ${controller} cgroup controller (neither a v1 hierarchy nor in the unified hierarchy)`);
}
/** The host directory that holds `controller`'s files at the top of its hierarchy. */
export function cgroupRoot(controller: string): { dir: string; v2: boolean } {
  cgroupAvailable(controller);
  const c = host.cgroups();
  return c.v1.has(controller) ? { dir: c.v1.get(controller)!, v2: false } : { dir: c.unified!, v2: true };
}
const probed = new Map<string, Set<string>>();
/** The files a new (child) cgroup of `controller`'s v1 hierarchy has on this machine: some (e.g.
 * blkio.bfq.weight) exist only below the root. Probed once, in a scratch cgroup made and removed here. */
export function cgroupChildFiles(controller: string): Set<string> {
  const mp = host.cgroups().v1.get(controller);
  if (!mp) return new Set();
  if (!probed.has(controller)) {
    const d = path.join(mp, `conformance-probe-${settings.run}`);
    let files: string[] = [];
    try { fs.mkdirSync(d); files = fs.readdirSync(d); } finally { try { fs.rmdirSync(d); } catch { /* not made */ } }
    probed.set(controller, new Set(files));
  }
  return probed.get(controller)!;
}
export function cgroupDir(pid: number, controller: string): string {
  const c = host.cgroups();
  const lines = cgroupsOf(pid);
  const v1mount = c.v1.get(controller);
  const mine = cgroupsOf(process.pid);
  const own = (l: CgroupLine, m: CgroupLine | undefined) => {
    if (l.path === '/' || (m && m.path === l.path)) fail(`the container has no ${controller} cgroup of its own (it is in ${l.path === '/' ? 'the root cgroup' : 'the cgroup of the runtime\'s caller'}, ${l.path})`);
  };
  if (v1mount) {
    const l = lines.find((x) => x.controllers.includes(controller));
    if (!l) fail(`process ${pid} is in no ${controller} cgroup`);
    own(l, mine.find((x) => x.controllers.includes(controller)));
    return path.join(v1mount, l.path);
  }
  if (c.unified && c.unifiedControllers.includes(controller)) {
    const l = lines.find((x) => x.hierarchy === '0');
    if (!l) fail(`process ${pid} is in no cgroup v2 cgroup`);
    own(l, mine.find((x) => x.hierarchy === '0'));
    return path.join(c.unified, l.path);
  }
  skip(`this machine has no ${controller} cgroup controller (neither a v1 hierarchy nor in the unified hierarchy)`);
}
export function cgroupRead(dir: string, file: string): string {
  const v = read(path.join(dir, file));
  if (v === null) fail(`${path.join(dir, file)} does not exist`);
  return v.trim();
}
/** Whether `text` contains the container id `id` as a whole word (so id …-1 is not …-10). */
export function names(text: string, id: string): boolean {
  const i = text.indexOf(id);
  return i >= 0 && !/[0-9A-Za-z]/.test(text[i + id.length] ?? '') && !/[0-9A-Za-z]/.test(text[i - 1] ?? '');
}
/** Host cgroup directories whose name contains `name` as a word (depth-limited walk of /sys/fs/cgroup). */
export function cgroupDirsNamed(name: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const p = path.join(dir, e.name);
      if (names(e.name, name)) out.push(p);
      else if (depth < 6) walk(p, depth + 1);
    }
  };
  walk('/sys/fs/cgroup', 0);
  return out;
}

// ---------------------------------------------------------------------------------------------
// the base config: what `runc spec` writes, minus the terminal, with `true` as the program

export function baseConfig(): any {
  return {
    ociVersion: settings.ociVersion,
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: ['true'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      capabilities: {
        bounding: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
        effective: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
        permitted: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
      },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'conformance',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    ],
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
      maskedPaths: ['/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
        '/proc/timer_stats', '/proc/sched_debug', '/sys/firmware', '/proc/scsi'],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}

/** The device cgroup rule every real caller sends (runc spec, containerd, podman): deny everything. */
export const DENY_ALL_DEVICES = [{ allow: false, access: 'rwm' }];

// ---------------------------------------------------------------------------------------------
// the per-requirement sandbox

let counter = 0;

export interface RunOpts {
  input?: string; env?: NodeJS.ProcessEnv; timeout?: number; cwd?: string;
  /** extra fds the runtime inherits as 3, 4, ... */
  extraFds?: number[];
  /** a command prefix for the runtime (e.g. ['nice', '-n', '5']) */
  wrap?: string[];
  /** add --log FILE (the log is returned in Result.log) */
  log?: boolean;
  /** do not add --root */
  noRoot?: boolean;
}

export class Ctx {
  readonly dir: string;
  readonly root: string;
  readonly ids: string[] = [];
  private readonly pids = new Map<number, string | null>();
  private readonly cleanups: (() => void)[] = [];
  private readonly helpers: ChildProcess[] = [];
  /** mount ids of the host mounts this sandbox made itself (anything else under dir is a leak) */
  private readonly ownMounts = new Set<number>();
  private n = 0;
  /** a command prefix for every runtime call of this requirement (e.g. nsenter into a test netns) */
  wrap?: string[];

  constructor(readonly req: Requirement) {
    this.dir = fs.mkdtempSync(path.join(settings.tmp, 'conformance-'));
    fs.chmodSync(this.dir, 0o755); // user-namespace containers must reach their bundles
    this.root = path.join(this.dir, 'state');
  }

  /** A fresh container id, unique on this host (the run id plus a counter). */
  id(): string {
    const id = `cf-${settings.run}-${++counter}`;
    this.ids.push(id);
    return id;
  }

  path(name: string): string { return path.join(this.dir, name); }

  /** A bundle: a copy of the busybox rootfs and baseConfig() edited by `edit`. */
  bundle(edit?: (c: any, bundle: string) => void, opts: { parent?: string; rootfs?: boolean } = {}): string {
    const b = path.join(opts.parent ?? this.dir, `bundle-${++this.n}`);
    fs.mkdirSync(b, { recursive: true, mode: 0o755 });
    if (opts.rootfs !== false) {
      const cp = spawnSync('cp', ['-a', settings.rootfs, path.join(b, 'rootfs')]);
      if (cp.status !== 0) throw new Error('cannot copy the busybox rootfs: ' + cp.stderr);
    }
    const c = baseConfig();
    edit?.(c, b);
    fs.writeFileSync(path.join(b, 'config.json'), JSON.stringify(c, null, 2));
    return b;
  }
  config(bundle: string): any { return JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8')); }
  writeConfig(bundle: string, c: any): void { fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(c, null, 2)); }

  /** Run the runtime with this sandbox's --root. stdout/stderr go to files, not pipes: a created
   * container keeps the runtime's stdio, and a pipe would keep us waiting for its last writer. */
  rt(args: string[], opts: RunOpts = {}): Result {
    const k = ++this.n;
    const out = this.path(`.out-${k}`), err = this.path(`.err-${k}`), logFile = this.path(`.log-${k}`);
    const outFd = fs.openSync(out, 'w'), errFd = fs.openSync(err, 'w');
    const full = [...(opts.noRoot ? [] : ['--root', this.root]), ...(opts.log ? ['--log', logFile] : []), ...args];
    const [cmd, ...pre] = [...(opts.wrap ?? this.wrap ?? []), settings.runtime];
    let r;
    try {
      r = spawnSync(cmd, [...pre, ...full], {
        encoding: 'utf8', input: opts.input ?? '', env: opts.env ?? process.env, timeout: opts.timeout ?? 20000,
        stdio: ['pipe', outFd, errFd, ...(opts.extraFds ?? [])], cwd: opts.cwd,
      });
    } finally {
      fs.closeSync(outFd);
      fs.closeSync(errFd);
    }
    const res: Result = {
      code: r.status ?? -1, signal: r.signal ?? null,
      stdout: read(out) ?? '', stderr: read(err) ?? '', log: opts.log ? read(logFile) ?? '' : '',
    };
    for (const f of [out, err, logFile]) fs.rmSync(f, { force: true });
    if (r.error && (r.error as any).code === 'ETIMEDOUT') res.stderr += `\n(timed out after ${opts.timeout ?? 20000} ms)`;
    return res;
  }

  /** rt() that must succeed; the failure message is the runtime's own error. */
  ok(args: string[], opts: RunOpts = {}): Result {
    const r = this.rt(args, opts);
    if (r.code !== 0) fail(`${args[0]} exited ${r.code}: ${errorLine(r)}`);
    return r;
  }

  /** The state JSON, or null when the runtime says there is no such container. */
  tryState(id: string): any | null {
    const r = this.rt(['state', id]);
    if (r.code !== 0) return null;
    const st = JSON.parse(r.stdout);
    if (st.pid > 0) this.track(st.pid);
    return st;
  }
  state(id: string): any {
    const r = this.ok(['state', id]);
    let st: any;
    try { st = JSON.parse(r.stdout); } catch { fail(`state printed no JSON: ${short(r.stdout)}`); }
    if (st.pid > 0) this.track(st.pid);
    return st;
  }
  /** Remember a container process (host pid) so cleanup can tell whether it outlived delete. */
  track(pid: number): void {
    if (pid <= 1 || pid === process.pid || pid === process.ppid) return;
    if (!this.pids.has(pid)) this.pids.set(pid, startTime(pid));
  }

  /** create a container (args default: sleep) and return its id, bundle and pid. */
  create(edit?: (c: any, bundle: string) => void, opts: RunOpts & { bundle?: string } = {}): { id: string; bundle: string; pid: number } {
    const bundle = opts.bundle ?? this.bundle((c, b) => { c.process.args = ['sleep', '1000']; edit?.(c, b); });
    const id = this.id();
    this.ok(['create', '--bundle', bundle, id], opts);
    const st = this.state(id);
    return { id, bundle, pid: st.pid };
  }
  /** create + start; returns once the container process has exec'd the program (a runtime may
   * return from start before that is visible: runc does). */
  start(edit?: (c: any, bundle: string) => void, opts: RunOpts & { bundle?: string } = {}): { id: string; bundle: string; pid: number } {
    const c = this.create(edit, opts);
    this.startAndWait(c.id, c.pid);
    return c;
  }
  startAndWait(id: string, pid: number): void {
    const exe = () => { try { return fs.readlinkSync(`/proc/${pid}/exe`); } catch { return ''; } };
    const before = exe();
    this.ok(['start', id]);
    const end = Date.now() + 3000;
    while (Date.now() < end && alive(pid) && exe() === before) sleepSync(5);
  }

  /** `run` a container in the foreground with `sh -c script`; fails the check if it exits non-zero
   * (unless allowFail). */
  sh(script: string, edit?: (c: any, bundle: string) => void,
    opts: RunOpts & { allowFail?: boolean; bundle?: string } = {}): Result & { id: string; bundle: string } {
    const bundle = opts.bundle ?? this.bundle((c, b) => { c.process.args = ['sh', '-c', script]; edit?.(c, b); });
    const id = this.id();
    const r = this.rt(['run', '--bundle', bundle, id], opts);
    if (r.code !== 0 && !opts.allowFail) {
      const out = r.stdout.trim() ? `; stdout: ${short(r.stdout, 160)}` : '';
      fail(`run exited ${r.code}: ${errorLine(r)}${out}`);
    }
    return { ...r, id, bundle };
  }

  /** Wait until the container's status is `status`. */
  async waitStatus(id: string, status: string, ms = 5000): Promise<void> {
    let last = '';
    await waitFor(() => { last = this.tryState(id)?.status ?? '(gone)'; return last === status; }, ms, `status ${status} (last: ${last})`);
  }

  /** Run `fn` when the requirement is done (reverse order), before the leak checks. */
  defer(fn: () => void): void { this.cleanups.push(fn); }

  /** A host mount under this sandbox, unmounted at cleanup. */
  mount(args: string, target: string): void {
    fs.mkdirSync(target, { recursive: true });
    this.hostCommand(`mount ${args} ${target}`);
    this.defer(() => { sh(`umount -l ${target}`); });
  }
  /** A host command that makes or changes mounts under this sandbox: the mounts it adds are ours
   * (the leak check at cleanup counts only mounts nobody here made). */
  hostCommand(cmd: string): string {
    const before = new Set(parseMountinfo(read('/proc/self/mountinfo') ?? '').map((m) => m.id));
    const out = hostOk(cmd);
    for (const m of parseMountinfo(read('/proc/self/mountinfo') ?? '')) if (!before.has(m.id)) this.ownMounts.add(m.id);
    return out;
  }

  /** A host directory tree: `dir` is a tmpfs (shared if asked) with `file`, and `dir/sub` is a
   * tmpfs mounted with `subOptions`, holding `subfile`. For bind and recursive-option checks. */
  tree(opts: { shared?: boolean; subOptions?: string } = {}): string {
    const dir = this.path(`tree-${++this.n}`);
    this.mount('-t tmpfs -o size=1m tmpfs', dir);
    fs.writeFileSync(path.join(dir, 'file'), 'top\n');
    fs.writeFileSync(path.join(dir, 'exe.sh'), '#!/bin/sh\necho ran\n', { mode: 0o755 });
    const sub = path.join(dir, 'sub');
    fs.mkdirSync(sub);
    this.mount(`-t tmpfs -o size=1m${opts.subOptions ? ',' + opts.subOptions : ''} tmpfs`, sub);
    // a read-only submount cannot be written after mounting: fill it first and remount
    const ro = /(^|,)ro(,|$)/.test(opts.subOptions ?? '');
    if (ro) this.hostCommand(`mount -o remount,rw ${sub}`);
    fs.writeFileSync(path.join(sub, 'subfile'), 'sub\n');
    fs.writeFileSync(path.join(sub, 'exe.sh'), '#!/bin/sh\necho ran\n', { mode: 0o755 });
    if (ro) this.hostCommand(`mount -o remount,ro ${sub}`);
    if (opts.shared) this.hostCommand(`mount --make-rshared ${dir}`);
    return dir;
  }

  /** A host helper process (e.g. `unshare ... sleep`), killed at cleanup. */
  helper(cmd: string, args: string[], opts: { stdout?: string } = {}): ChildProcess {
    const out = opts.stdout ? fs.openSync(opts.stdout, 'w') : 'ignore';
    const p = spawn(cmd, args, { stdio: ['ignore', out, out], detached: true });
    if (typeof out === 'number') fs.closeSync(out);
    this.helpers.push(p);
    p.on('error', () => {});
    return p;
  }

  /** `unshare --fork <flags> sleep` on the host; returns the pid of the process inside the new
   * namespaces (unshare's child). */
  async nsHelper(flags: string[]): Promise<number> {
    const p = this.helper('unshare', ['--fork', ...flags, 'sleep', '1000']);
    let child = 0;
    await waitFor(() => {
      const kids = (read(`/proc/${p.pid}/task/${p.pid}/children`) ?? '').trim();
      if (kids) child = Number(kids.split(' ')[0]);
      return child > 0 && (read(`/proc/${child}/cmdline`) ?? '').startsWith('sleep');
    }, 5000, 'the unshare helper');
    if (flags.includes('--user') && (read(`/proc/${child}/uid_map`) ?? '').trim() === '') {
      // written from outside, so setgroups stays allowed (unshare --map-root-user denies it)
      fs.writeFileSync(`/proc/${child}/uid_map`, '0 0 65536\n');
      fs.writeFileSync(`/proc/${child}/gid_map`, '0 0 65536\n');
    }
    return child;
  }

  /** A hook script on the host that records what it saw under `<dir>/hooks/<name>.*`. */
  hook(name: string, opts: { exit?: number; sleep?: number; outDir?: string; shell?: string; inRootfs?: string } = {}): string {
    const out = opts.outDir ?? this.path('hooks');
    const script = `#!${opts.shell ?? '/bin/sh'}
out=${out}
mkdir -p $out 2>/dev/null
input=$(cat)
printf '%s' "$input" > $out/${name}.stdin
echo ${name} >> $out/order
for n in mnt uts pid net ipc user cgroup; do echo "$n $(readlink /proc/self/ns/$n)"; done > $out/${name}.ns
stat -L -c '%d:%i' / > $out/${name}.root
env > $out/${name}.env
echo "$0 $*" > $out/${name}.argv
pid=$(printf '%s' "$input" | sed -n 's/.*"pid": *\\([0-9][0-9]*\\).*/\\1/p')
if [ -n "$pid" ] && [ "$pid" != 0 ]; then
  if [ -d /proc/$pid ]; then echo alive; else echo gone; fi > $out/${name}.pidalive
  stat -L -c '%d:%i' /proc/$pid/root/ > $out/${name}.pidroot 2>/dev/null
  readlink /proc/$pid/exe > $out/${name}.pidexe 2>/dev/null
  tr '\\0' ' ' < /proc/$pid/cmdline > $out/${name}.pidcmdline 2>/dev/null
fi
${opts.sleep ? `sleep ${opts.sleep}` : ''}
exit ${opts.exit ?? 0}
`;
    const file = opts.inRootfs ? path.join(opts.inRootfs, `conformance-hook-${name}.sh`) : this.path(`hook-${name}.sh`);
    fs.writeFileSync(file, script, { mode: 0o755 });
    return opts.inRootfs ? `/conformance-hook-${name}.sh` : file;
  }
  hookOut(name: string, what: string, outDir?: string): string | null { return read(path.join(outDir ?? this.path('hooks'), `${name}.${what}`)); }
  hookOrder(outDir?: string): string[] { return (read(path.join(outDir ?? this.path('hooks'), 'order')) ?? '').trim().split('\n').filter(Boolean); }

  /** Everything this requirement made goes; what the runtime left behind is returned (and removed). */
  cleanup(): string[] {
    const left: string[] = [];
    for (const id of this.ids) this.rt(['delete', '--force', id], { timeout: 15000 });
    for (const p of this.helpers) { try { process.kill(-p.pid!, 'SIGKILL'); } catch { /* gone */ } try { p.kill('SIGKILL'); } catch { /* gone */ } }
    // host mounts under the sandbox or naming a container that nobody here made: the runtime's
    // (e.g. container mounts that propagated back to the host). Looked at before our own host
    // mounts are undone, which would take them along unseen.
    const leaked = parseMountinfo(read('/proc/self/mountinfo') ?? '')
      .filter((m) => !this.ownMounts.has(m.id))
      .filter((m) => m.mountPoint.startsWith(this.dir + '/') || this.ids.some((id) => names(m.mountPoint, id) || names(m.source, id)));
    for (const m of leaked) left.push(`host mount ${m.mountPoint} (${m.fstype})`);
    for (const m of leaked.reverse()) sh(`umount -l '${m.mountPoint}'`);
    for (const fn of this.cleanups.reverse()) { try { fn(); } catch { /* best effort */ } }
    // processes of the containers
    sleepSync(20);
    for (const [pid, start] of this.pids) {
      if (alive(pid) && startTime(pid) === start) {
        left.push(`process ${pid}`);
        try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      }
    }
    // state directories
    for (const id of this.ids) {
      const d = path.join(this.root, id);
      if (fs.existsSync(d)) left.push(`state dir ${d}`);
    }
    // anything still mounted under the sandbox now (ours included) goes
    for (const m of parseMountinfo(read('/proc/self/mountinfo') ?? '').filter((x) => x.mountPoint.startsWith(this.dir + '/')).reverse()) sh(`umount -l '${m.mountPoint}'`);
    // cgroups named after a container
    for (const id of this.ids) {
      for (const d of cgroupDirsNamed(id).sort((a, b) => b.length - a.length)) {
        left.push(`cgroup ${d}`);
        killCgroup(d);
      }
    }
    // never rm -rf across a mount point
    const still = parseMountinfo(read('/proc/self/mountinfo') ?? '').filter((m) => m.mountPoint.startsWith(this.dir + '/'));
    if (still.length === 0) fs.rmSync(this.dir, { recursive: true, force: true });
    else left.push(`could not unmount ${still.map((m) => m.mountPoint).join(', ')}; left ${this.dir}`);
    return left;
  }
}

/** Kill every process in a cgroup directory tree and remove it (deepest first). */
export function killCgroup(dir: string): void {
  const walk = (d: string): string[] => {
    let subs: string[] = [];
    try { subs = fs.readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(d, e.name)); } catch { return []; }
    return [...subs.flatMap(walk), d];
  };
  for (const d of walk(dir)) {
    for (let i = 0; i < 50; i++) {
      const procs = (read(path.join(d, 'cgroup.procs')) ?? '').trim().split('\n').filter(Boolean).map(Number);
      for (const p of procs) { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }
      try { fs.rmdirSync(d); break; } catch (e: any) { if (e.code === 'ENOENT') break; sleepSync(20); }
    }
  }
}
