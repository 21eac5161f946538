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
});
