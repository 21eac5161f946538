// Hostile input (issue 9): every case in test/fixtures/hostile/*.json is a bundle or an id built to
// break the runtime: bad JSON, wrong types, huge strings and arrays, ids that are paths, NULs and
// newlines, mount destinations that climb out, duplicate namespaces, 10,000 mounts, a config.json that
// is a FIFO or a symlink loop, a read-only or full state root. Each must give exactly one line on
// stderr naming the problem, a non-zero exit within a second (of CPU time), and leave nothing behind.
//
// A case: { why, stderr (regex the line must match), and any of: id; configText (raw config.json);
// config (merged into the `tsrunc spec` config: objects merge, anything else replaces);
// configFile: fifo | symlink-loop | directory; rootfsSymlinks {name: target}; stateRoot: readonly | full }.
// Values may be generated: {"$string": s, "times": n} is s repeated, {"$repeat": v, "times": n,
// "then": [...]} an array of n copies of v followed by `then`.
import * as fs from 'fs';
import * as path from 'path';
import { REPO, Sandbox, cgroupDirsOf, describeRoot, mountsMentioning } from '../helpers/runtime';

const DIR = path.join(REPO, 'test', 'fixtures', 'hostile');
const CASES = fs.readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

function expand(v: any): any {
  if (Array.isArray(v)) return v.map(expand);
  if (v && typeof v === 'object') {
    if ('$string' in v) return String(v.$string).repeat(v.times);
    if ('$repeat' in v) return [...Array.from({ length: v.times }, () => expand(v.$repeat)), ...expand(v.then ?? [])];
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, expand(x)]));
  }
  return v;
}

function merge(into: any, patch: any): any {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch) || !into || typeof into !== 'object' || Array.isArray(into)) return patch;
  const out = { ...into };
  for (const [k, v] of Object.entries(patch)) out[k] = merge(into[k], v);
  return out;
}

// A state root on its own small tmpfs, in a mount namespace of the runtime's own (unshare -m): the
// test changes no host mount, and the runtime sees the filesystem read-only or full.
function stateRootWrap(kind: string, root: string): string[] {
  const setup = kind === 'readonly'
    ? 'mount -t tmpfs -o ro,size=1m tmpfs "$R"'
    : 'mount -t tmpfs -o size=64k tmpfs "$R" && (dd if=/dev/zero of="$R/fill" bs=4k 2>/dev/null; true)';
  return ['unshare', '-m', '--propagation', 'private', 'sh', '-c', `R=${JSON.stringify(root)}; mkdir -p "$R" && ${setup} && exec "$@"`, 'sh'];
}

describeRoot('hostile input: one line naming the problem, non-zero exit, < 1 s, nothing left', () => {
  let sb: Sandbox;
  beforeAll(() => { sb = new Sandbox(); });
  afterAll(() => sb.cleanup());

  // One bundle for the cases that only change config.json (copying the rootfs 26 times is slow).
  let base: string;
  let spec: any;
  beforeAll(() => {
    base = sb.bundle(undefined, 'base');
    spec = JSON.parse(fs.readFileSync(path.join(base, 'config.json'), 'utf8'));
  });

  for (const file of CASES) {
    const c = expand(JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')));
    test(`${file.replace(/\.json$/, '')}: ${c.why}`, () => {
      const bundle = fs.mkdtempSync(path.join(sb.dir, 'case-'));
      let rootfs = path.join(base, 'rootfs');
      if (c.rootfsSymlinks) {
        // Symlinks inside the image: its own small rootfs (a directory with the links).
        rootfs = path.join(bundle, 'rootfs');
        fs.mkdirSync(rootfs);
        for (const [name, target] of Object.entries(c.rootfsSymlinks)) fs.symlinkSync(target as string, path.join(rootfs, name));
      }
      const config = path.join(bundle, 'config.json');
      if (c.configText !== undefined) fs.writeFileSync(config, c.configText);
      else if (c.configFile === 'fifo') require('child_process').execFileSync('mkfifo', [config]);
      else if (c.configFile === 'symlink-loop') fs.symlinkSync('config.json', config);
      else if (c.configFile === 'directory') fs.mkdirSync(config);
      else fs.writeFileSync(config, JSON.stringify(merge({ ...spec, root: { path: rootfs } }, c.config ?? {})));

      const id = c.id ?? sb.id('hostile');
      const root = path.join(sb.dir, `root-${file}`);
      // The second is CPU time (user + system, GNU time): the machine running the tests may be busy
      // with other work, which stretches wall time; 5 s of wall time catches any hang.
      const times = path.join(sb.dir, `times-${file}`);
      const started = Date.now();
      const r = sb.run(['--root', root, 'create', '--bundle', bundle, id], {
        root: false, timeout: 10000, wrap: [...(c.stateRoot ? stateRootWrap(c.stateRoot, root) : []), '/usr/bin/time', '-f', '%U %S', '-o', times],
      });
      // A create that wrongly succeeded lives under a root the sandbox does not know: remove it now,
      // so a failing case never leaves a container behind (before the NUL checks, two did).
      if (r.code === 0) sb.run(['--root', root, 'delete', '--force', String(id)], { root: false });
      const wall = Date.now() - started;
      const cpu = fs.readFileSync(times, 'utf8').trim().split('\n').pop()!.split(' ').reduce((a, x) => a + Number(x) * 1000, 0);

      expect(r.signal).toBeNull();
      expect(r.code).not.toBe(0);
      const lines = r.stderr.split('\n').filter((l) => l !== '');
      expect(lines).toHaveLength(1);
      expect(r.stderr.endsWith('\n')).toBe(true);
      expect(lines[0]).toMatch(new RegExp(c.stderr));
      expect(lines[0].length).toBeLessThan(2048);
      expect(r.stdout).toBe('');
      expect(cpu).toBeLessThan(1000);
      expect(wall).toBeLessThan(5000);
      // Nothing left: no state directory, no cgroup, no mount of the bundle.
      expect(fs.existsSync(root) ? fs.readdirSync(root) : []).toEqual([]);
      if (typeof id === 'string' && /^[\w.-]+$/.test(id) && id !== '..') expect(cgroupDirsOf(id)).toEqual([]);
      expect(mountsMentioning(bundle)).toEqual([]);
      fs.rmSync(bundle, { recursive: true, force: true });
    });
  }
});
