// What the runtime executable takes from where it runs, and what a container process starts as.
//  - A compiled Bun program reads .env and bunfig.toml from its working directory unless built with
//    --no-compile-autoload-dotenv/-bunfig; containerd runs the runtime in the bundle directory, so a
//    .env there could set TSRUNC_ADDON and make the runtime (root) load any library.
//  - Every container process starts as tsrunc-init executed from a sealed memfd copy (addon/init.c),
//    never as a clone of the 112 MB runtime: /proc/<pid>/exe of a process entering a container
//    leads to a private copy that cannot be written (CVE-2019-5736 class), and a created container's
//    init holds a few hundred kB instead of the runtime's heap.
import * as fs from 'fs';
import * as path from 'path';
import { describeRoot, Sandbox } from '../helpers/runtime';

describeRoot('the runtime ignores .env and bunfig.toml in its working directory', () => {
  let sb: Sandbox;
  beforeEach(() => { sb = new Sandbox(); });
  afterEach(() => sb.cleanup());

  test('a .env that points TSRUNC_ADDON at another file does not reach the runtime', () => {
    const bundle = sb.bundle();
    // /bin/true is no addon: dlopen of it fails, so the run fails if the .env was read.
    fs.writeFileSync(path.join(bundle, '.env'), 'TSRUNC_ADDON=/bin/true\nTSRUNC_TEST_STOP_AT=spawned\n');
    fs.writeFileSync(path.join(bundle, 'bunfig.toml'), 'preload = ["./evil.ts"]\n');
    fs.writeFileSync(path.join(bundle, 'evil.ts'), 'require("fs").writeFileSync(__dirname + "/pwned", "x");\n');
    const id = sb.id();
    const r = sb.run(['run', id], { cwd: bundle });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fs.existsSync(path.join(bundle, 'pwned'))).toBe(false);
  });
});

describeRoot('container processes start as a sealed copy of tsrunc-init', () => {
  let sb: Sandbox;
  beforeEach(() => { sb = new Sandbox(); });
  afterEach(() => sb.cleanup());

  test('a created container\'s init is tsrunc-init from a memfd, and that copy cannot be written', () => {
    const bundle = sb.bundle((c) => { c.process.args = ['sleep', '1000']; });
    const id = sb.id();
    sb.ok(['create', '--bundle', bundle, id]);
    const pid = sb.state(id).pid;
    expect(fs.readlinkSync(`/proc/${pid}/exe`)).toMatch(/^\/memfd:tsrunc-init/);
    expect(fs.readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(/^Threads:\s+1$/m);
    // The CVE-2019-5736 move: hold the exe while the init runs it, reopen it for writing once the
    // init has exec'd the container's program (no ETXTBSY any more). Even root on the host cannot
    // change the copy: it is sealed against writes.
    const O_PATH = 0o10000000;
    const held = fs.openSync(`/proc/${pid}/exe`, O_PATH);
    let err: NodeJS.ErrnoException | undefined;
    try {
      sb.ok(['start', id]);
      expect(fs.readlinkSync(`/proc/${pid}/exe`)).toBe('/bin/busybox'); // as the container sees it
      try {
        const fd = fs.openSync(`/proc/self/fd/${held}`, 'r+');
        try { fs.writeSync(fd, 'x', 0); } finally { fs.closeSync(fd); }
      } catch (e) { err = e as NodeJS.ErrnoException; }
    } finally {
      fs.closeSync(held);
    }
    expect(err?.code).toBe('EPERM');
    sb.ok(['delete', '--force', id]);
  });

  // issue 12: hosts keep hundreds of created containers, each init waiting for `start`. It holds the
  // memfd copy of tsrunc-init and its own few pages: ~120 kB with musl (scripts/build-init.sh);
  // a static glibc build held 724 kB, runc's init ~9 MB, crun's ~1.1 MB.
  test('a created container\'s waiting init holds under 300 kB (Pss)', () => {
    const bundle = sb.bundle();
    const id = sb.id();
    sb.ok(['create', '--bundle', bundle, id]);
    try {
      const rollup = fs.readFileSync(`/proc/${sb.state(id).pid}/smaps_rollup`, 'utf8');
      const pss = Number(/^Pss:\s+(\d+) kB$/m.exec(rollup)?.[1]);
      expect(pss).toBeGreaterThan(0);
      expect(pss).toBeLessThan(300);
    } finally {
      sb.ok(['delete', '--force', id]);
    }
  });
});

// issue 12: the init (create) and an exec'd process are cloned as posix_spawn does, sharing the
// runtime's memory until their execve of tsrunc-init (CLONE_VM | CLONE_VFORK) on a stack of their
// own, never as a fork: a fork copies the runtime's page tables and write-protects them, and the
// runtime then takes a copy-on-write page fault on every page it writes until it exits (about 500
// faults, 14 ms, per `run` here). Bun's own threads (CLONE_THREAD) are left out.
describeRoot('container processes are cloned without copying the runtime', () => {
  let sb: Sandbox;
  beforeEach(() => { sb = new Sandbox(); });
  afterEach(() => sb.cleanup());

  test('run and exec clone3 their child with CLONE_VM | CLONE_VFORK on a separate stack', () => {
    const bundle = sb.bundle((c) => { c.process.args = ['sleep', '1000']; });
    const id = sb.id();
    const log = path.join(sb.dir, 'strace.log');
    const trace = (args: string[]) => {
      sb.ok(args, { wrap: ['strace', '-qq', '-o', log, '-e', 'trace=clone3'] }); // not -f: the init outlives run -d
      return fs.readFileSync(log, 'utf8').split('\n').filter((l) => /clone3\(/.test(l) && !/CLONE_THREAD/.test(l));
    };
    for (const clones of [trace(['run', '-d', '--bundle', bundle, id]), trace(['exec', id, 'true'])]) {
      expect(clones).toHaveLength(1);
      expect(clones[0]).toMatch(/flags=CLONE_VM\|CLONE_PIDFD\|CLONE_VFORK\|/);
      expect(clones[0]).toMatch(/stack=0x[0-9a-f]+, stack_size=0x4000/);
    }
    sb.ok(['delete', '--force', id]);
  });
});
