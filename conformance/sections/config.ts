// config.md: the platform-independent fields and the POSIX/Linux process, mounts and hooks.
import * as fs from 'fs';
import * as path from 'path';
import {
  CAPS, Ctx, Mount, Requirement, assert, capMask, capNames, eq, errorLine, fail, hostOk, host, mountAt, nsOf, parseMountinfo,
  propagation, read, section, sh, skip, waitFor,
} from '../lib';

const list: Requirement[] = [];
export default list;
const h = section('config.md', list);
const HELPERS = path.join(__dirname, '..', 'helpers');

function notOn(platform: string): never { skip(`${platform}-only requirement; this machine runs Linux`); }
/** create must fail for this bundle, and leave no container. */
function expectCreateError(t: Ctx, edit: (c: any, b: string) => void, what: string): void {
  const id = t.id();
  const r = t.rt(['create', '--bundle', t.bundle(edit), id]);
  if (r.code === 0) fail(`create with ${what} exited 0 (no error)`);
  const st = t.tryState(id);
  assert(st === null || st.status === 'stopped', `create with ${what} failed but left a ${st?.status} container`);
}

// ---------------------------------------------------------------------------------------------
const ver = h('Specification version');
ver('ociversion-invalid-error', 'MUST', 'an ociVersion that is not SemVer 2.0.0 is an invalid value: create generates an error',
  (t) => expectCreateError(t, (c) => { c.ociVersion = 'not-a-version'; }, 'ociVersion "not-a-version"'));
ver('ociversion-compatible', 'MUST', 'a runtime of spec 1.x accepts configs of every earlier 1.x release (compatibility within a major version)',
  (t) => {
    for (const v of ['1.0.0', '1.0.2', '1.1.0', '1.2.0']) {
      const r = t.sh('true', (c) => { c.ociVersion = v; }, { allowFail: true });
      if (r.code !== 0) fail(`ociVersion ${v}: run exited ${r.code}: ${errorLine(r)}`);
    }
  });

// ---------------------------------------------------------------------------------------------
const root = h('Root');
root('root-path-relative', 'MUST', 'a relative root.path is relative to the bundle (not to the working directory)',
  (t) => {
    const b = t.bundle((c) => { c.root.path = 'myroot'; c.process.args = ['cat', '/marker']; });
    fs.renameSync(path.join(b, 'rootfs'), path.join(b, 'myroot'));
    fs.writeFileSync(path.join(b, 'myroot', 'marker'), 'relative-root\n');
    const r = t.ok(['run', '--bundle', b, t.id()], { cwd: '/' });
    eq(r.stdout, 'relative-root\n', 'the container\'s /marker');
  });
root('root-path-absolute', 'MUST', 'an absolute root.path is used as the root filesystem, also outside the bundle',
  (t) => {
    const elsewhere = t.bundle();
    fs.writeFileSync(path.join(elsewhere, 'rootfs', 'marker'), 'absolute-root\n');
    const b = t.bundle((c) => { c.root.path = path.join(elsewhere, 'rootfs'); c.process.args = ['cat', '/marker']; }, { rootfs: false });
    const r = t.ok(['run', '--bundle', b, t.id()]);
    eq(r.stdout, 'absolute-root\n', 'the container\'s /marker');
  });
root('root-path-must-exist', 'MUST', 'a root.path with no directory is an error at create',
  (t) => expectCreateError(t, (c) => { c.root.path = 'no-such-rootfs'; }, 'a missing root.path'));
root('root-readonly', 'MUST', 'root.readonly true makes the root filesystem read-only inside the container',
  (t) => {
    const r = t.sh('touch /x 2>&1 || true; cat /proc/self/mountinfo');
    const [err, ...rest] = r.stdout.split('\n');
    const root = mountAt(parseMountinfo(rest.join('\n')), '/');
    assert(root && has(root, 'ro'), `/ is mounted ${root?.options.join(',')}`);
    assert(/read-only/i.test(err ?? ''), `touch /x did not fail with EROFS: ${err}`);
  });
root('root-readonly-default', 'MUST', 'root.readonly defaults to false: without it the root filesystem is writable',
  (t) => { t.sh('touch /x && echo ok', (c) => { delete c.root.readonly; }); });
root('root-windows-volume-guid', 'MUST', 'on Windows root.path is a volume GUID path', () => notOn('Windows'));
root('root-hyperv-unset', 'MUST', 'for Hyper-V containers root is not set', () => notOn('Windows (Hyper-V)'));
root('root-windows-readonly', 'MUST', 'on Windows root.readonly is omitted or false', () => notOn('Windows'));

// ---------------------------------------------------------------------------------------------
const mounts = h('Mounts');

/** The container's mount table for a config with `m` at /conf (the mount point is made in the rootfs). */
function mountTable(t: Ctx, m: any | any[], opts: { create?: boolean } = {}): Mount[] {
  const ms = Array.isArray(m) ? m : [m];
  const edit = (c: any, b: string) => {
    for (const x of ms) fs.mkdirSync(path.join(b, 'rootfs', x.destination ?? 'conf'), { recursive: true });
    c.mounts.push(...ms.map((x) => ({ destination: '/conf', ...x })));
  };
  if (opts.create) {
    const c = t.create(edit);
    return parseMountinfo(read(`/proc/${c.pid}/mountinfo`) ?? '');
  }
  return parseMountinfo(t.sh('cat /proc/self/mountinfo', edit).stdout);
}
function confMount(list: Mount[], at = '/conf'): Mount {
  const m = mountAt(list, at);
  if (!m) fail(`${at} is not a mount point in the container`);
  return m;
}
const tmpfs = (options: string[]) => ({ type: 'tmpfs', source: 'tmpfs', options: ['size=1m', ...options] });
const has = (m: Mount, flag: string) => m.options.includes(flag);
const sb = (m: Mount, flag: string) => m.superOptions.includes(flag);

mounts('mounts-order', 'MUST', 'mounts are mounted in the listed order (a later mount on the same path and a nested one are on top)',
  (t) => {
    const r = t.sh('cat /conf/which; cat /conf/inner/which', (c, b) => {
      fs.mkdirSync(path.join(b, 'rootfs', 'conf'));
      for (const n of ['a', 'b', 'c']) {
        fs.mkdirSync(path.join(b, n, 'inner'), { recursive: true });
        fs.writeFileSync(path.join(b, n, 'which'), `${n}\n`);
        fs.writeFileSync(path.join(b, n, 'inner', 'which'), `${n}-inner\n`);
      }
      c.mounts.push({ destination: '/conf', type: 'none', source: 'a', options: ['bind'] });
      c.mounts.push({ destination: '/conf', type: 'none', source: 'b', options: ['bind'] });
      c.mounts.push({ destination: '/conf/inner', type: 'none', source: 'c', options: ['bind'] });
    });
    eq(r.stdout, 'b\nc\n', 'what /conf and /conf/inner show');
  });
mounts('mounts-destination-relative', 'MUST', 'a relative mount destination (deprecated) is interpreted as relative to "/"',
  (t) => {
    const list = parseMountinfo(t.sh('cat /proc/self/mountinfo', (c, b) => {
      fs.mkdirSync(path.join(b, 'rootfs', 'rel', 'dir'), { recursive: true });
      c.mounts.push({ destination: 'rel/dir', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] });
    }, { cwd: '/tmp' }).stdout);
    assert(mountAt(list, '/rel/dir')?.fstype === 'tmpfs', 'no tmpfs at /rel/dir');
  });
mounts('mounts-bind-source-relative', 'MUST', 'a relative bind-mount source is relative to the bundle',
  (t) => {
    const r = t.sh('cat /conf/file', (c, b) => {
      fs.mkdirSync(path.join(b, 'rootfs', 'conf'));
      fs.mkdirSync(path.join(b, 'volume'));
      fs.writeFileSync(path.join(b, 'volume', 'file'), 'from-bundle\n');
      c.mounts.push({ destination: '/conf', type: 'none', source: 'volume', options: ['bind'] });
    }, { cwd: '/' });
    eq(r.stdout, 'from-bundle\n', '/conf/file');
  });
mounts('mounts-bind-type-dummy', 'MUST', 'for bind mounts the type is a dummy: "none", "bind" or no type at all all make the bind mount',
  (t) => {
    const r = t.sh('cat /c1/file /c2/file /c3/file', (c, b) => {
      fs.mkdirSync(path.join(b, 'volume'));
      fs.writeFileSync(path.join(b, 'volume', 'file'), 'x\n');
      for (const d of ['c1', 'c2', 'c3']) fs.mkdirSync(path.join(b, 'rootfs', d));
      c.mounts.push({ destination: '/c1', type: 'none', source: 'volume', options: ['bind'] });
      c.mounts.push({ destination: '/c2', type: 'bind', source: 'volume', options: ['bind'] });
      c.mounts.push({ destination: '/c3', source: 'volume', options: ['rbind'] });
    });
    eq(r.stdout, 'x\nx\nx\n', 'the three bind mounts');
  });
mounts('mounts-unknown-options-as-data', 'SHOULD', 'unknown options are filesystem-specific: passed as the data argument of mount(2) (tmpfs size, mode, nr_inodes)',
  (t) => {
    const m = confMount(mountTable(t, tmpfs(['mode=700', 'nr_inodes=100'])));
    for (const o of ['size=1024k', 'nr_inodes=100', 'mode=700']) assert(sb(m, o), `superblock options ${m.superOptions.join(',')} lack ${o}`);
  });
mounts('mounts-mount8-options', 'SHOULD', 'an option mount(8) recognises is handled as mount(8) does: "nofail" and "x-*" user-space options are not passed to the filesystem',
  (t) => { confMount(mountTable(t, tmpfs(['nofail', 'x-conformance.note=1']))); });
mounts('mounts-windows-destination-absolute', 'MUST', 'on Windows a mount destination is an absolute path', () => notOn('Windows'));
mounts('mounts-windows-not-nested', 'MUST', 'on Windows one mount destination is not nested within another', () => notOn('Windows'));
mounts('mounts-windows-ro', 'MUST', 'on Windows runtimes support the "ro" mount option', () => notOn('Windows'));
mounts('mounts-solaris-destination-absolute', 'MUST', 'on Solaris a mount destination is an absolute path', () => notOn('Solaris'));
mounts('mounts-other-destination-absolute', 'MUST', 'on platforms other than Linux, Windows and Solaris a mount destination is an absolute path', () => notOn('non-Linux'));

// ---- Linux mount options: one requirement per row of the table --------------------------------
const opt = h('Linux mount options');

/** Flags of the bind mount of a host tree whose submount has `sub` flags, with `options`. */
function treeBind(t: Ctx, sub: string | undefined, options: string[],
  opts: { shared?: boolean; create?: boolean } = {}): { top: Mount; sub: Mount | undefined; list: Mount[] } {
  const tree = t.tree({ subOptions: sub, shared: opts.shared });
  const list = mountTable(t, { type: 'none', source: tree, options }, { create: opts.create });
  return { top: confMount(list), sub: mountAt(list, '/conf/sub'), list };
}
function subMount(x: { sub: Mount | undefined }): Mount {
  if (!x.sub) fail('the submount /conf/sub is not mounted in the container (rbind not recursive?)');
  return x.sub;
}

type OptCheck = (t: Ctx) => void | string | Promise<void | string>;
const ACCEPT_ONLY = (what: string) => `mount made; ${what}, so only acceptance is observable`;
const OPTIONS: [string, 'MUST' | 'SHOULD', string, OptCheck][] = [
  ['async', 'MUST', 'async clears synchronous I/O: after sync, the superblock is not sync', (t) => { const m = confMount(mountTable(t, tmpfs(['sync', 'async']))); assert(!sb(m, 'sync'), `superblock options ${m.superOptions}`); }],
  ['atime', 'MUST', 'atime clears noatime', (t) => { const m = confMount(mountTable(t, tmpfs(['noatime', 'atime']))); assert(!has(m, 'noatime'), `mount options ${m.options}`); }],
  ['bind', 'MUST', 'bind makes a (non-recursive) bind mount of the source: its files, not its submounts', (t) => {
    const tree = t.tree();
    const r = t.sh('cat /conf/file; cat /conf/sub/subfile 2>/dev/null || echo no-subfile; cat /proc/self/mountinfo', (c, b) => {
      fs.mkdirSync(path.join(b, 'rootfs', 'conf'));
      c.mounts.push({ destination: '/conf', type: 'none', source: tree, options: ['bind'] });
    });
    const [file, subfile] = r.stdout.split('\n');
    eq([file, subfile], ['top', 'no-subfile'], '/conf/file and /conf/sub/subfile');
    assert(!mountAt(parseMountinfo(r.stdout), '/conf/sub'), '/conf/sub is mounted: bind was recursive');
  }],
  ['defaults', 'MUST', 'defaults gives rw, suid, dev, exec', (t) => { const m = confMount(mountTable(t, tmpfs(['defaults']))); for (const f of ['ro', 'nosuid', 'nodev', 'noexec']) assert(!has(m, f), `mount options ${m.options}`); }],
  ['dev', 'MUST', 'dev clears nodev', (t) => { const m = confMount(mountTable(t, tmpfs(['nodev', 'dev']))); assert(!has(m, 'nodev'), `mount options ${m.options}`); }],
  ['diratime', 'MUST', 'diratime clears nodiratime', (t) => { const m = confMount(mountTable(t, tmpfs(['nodiratime', 'diratime']))); assert(!has(m, 'nodiratime'), `mount options ${m.options}`); }],
  ['dirsync', 'MUST', 'dirsync makes directory updates synchronous (superblock dirsync)', (t) => { const m = confMount(mountTable(t, tmpfs(['dirsync']))); assert(sb(m, 'dirsync'), `superblock options ${m.superOptions}`); }],
  ['exec', 'MUST', 'exec clears noexec', (t) => { const m = confMount(mountTable(t, tmpfs(['noexec', 'exec']))); assert(!has(m, 'noexec'), `mount options ${m.options}`); }],
  ['iversion', 'MUST', 'iversion is accepted (inode version counting)', (t) => { confMount(mountTable(t, tmpfs(['iversion']))); return ACCEPT_ONLY('the kernel does not report SB_I_VERSION in mountinfo'); }],
  ['lazytime', 'MUST', 'lazytime sets the superblock lazytime flag', (t) => { const m = confMount(mountTable(t, tmpfs(['lazytime']))); assert(sb(m, 'lazytime'), `superblock options ${m.superOptions}`); }],
  ['loud', 'MUST', 'loud is accepted (clears silent)', (t) => { confMount(mountTable(t, tmpfs(['silent', 'loud']))); return ACCEPT_ONLY('MS_SILENT is not reported in mountinfo'); }],
  ['noatime', 'MUST', 'noatime sets noatime', (t) => { const m = confMount(mountTable(t, tmpfs(['noatime']))); assert(has(m, 'noatime'), `mount options ${m.options}`); }],
  ['nodev', 'MUST', 'nodev sets nodev', (t) => { const m = confMount(mountTable(t, tmpfs(['nodev']))); assert(has(m, 'nodev'), `mount options ${m.options}`); }],
  ['nodiratime', 'MUST', 'nodiratime sets nodiratime', (t) => { const m = confMount(mountTable(t, tmpfs(['nodiratime']))); assert(has(m, 'nodiratime'), `mount options ${m.options}`); }],
  ['noexec', 'MUST', 'noexec sets noexec', (t) => { const m = confMount(mountTable(t, tmpfs(['noexec']))); assert(has(m, 'noexec'), `mount options ${m.options}`); }],
  ['noiversion', 'MUST', 'noiversion is accepted', (t) => { confMount(mountTable(t, tmpfs(['iversion', 'noiversion']))); return ACCEPT_ONLY('the kernel does not report SB_I_VERSION in mountinfo'); }],
  ['nolazytime', 'MUST', 'nolazytime clears lazytime', (t) => { const m = confMount(mountTable(t, tmpfs(['lazytime', 'nolazytime']))); assert(!sb(m, 'lazytime'), `superblock options ${m.superOptions}`); }],
  ['norelatime', 'MUST', 'norelatime is accepted', (t) => { confMount(mountTable(t, tmpfs(['norelatime']))); return ACCEPT_ONLY('the kernel makes relatime the default whatever MS_RELATIME says'); }],
  ['nostrictatime', 'MUST', 'nostrictatime clears strictatime (back to the relatime default)', (t) => { const m = confMount(mountTable(t, tmpfs(['strictatime', 'nostrictatime']))); assert(has(m, 'relatime'), `mount options ${m.options}`); }],
  ['nosuid', 'MUST', 'nosuid sets nosuid', (t) => { const m = confMount(mountTable(t, tmpfs(['nosuid']))); assert(has(m, 'nosuid'), `mount options ${m.options}`); }],
  ['nosymfollow', 'SHOULD', 'nosymfollow sets nosymfollow', (t) => { const m = confMount(mountTable(t, tmpfs(['nosymfollow']))); assert(has(m, 'nosymfollow'), `mount options ${m.options}`); }],
  ['private', 'MUST', 'private makes the bind mount private (no shared or master peer group)', (t) => {
    const x = treeBind(t, undefined, ['rbind', 'private'], { shared: true });
    const p = propagation(x.top);
    assert(!p.shared && !p.master, `/conf propagation ${x.top.optional.join(' ') || '(private)'}`);
  }],
  ['ratime', 'SHOULD', 'ratime clears noatime recursively', (t) => { const s = subMount(treeBind(t, 'noatime', ['rbind', 'ratime'])); assert(!has(s, 'noatime'), `submount options ${s.options}`); }],
  ['rbind', 'MUST', 'rbind makes a recursive bind mount (submounts come along)', (t) => {
    const tree = t.tree();
    const r = t.sh('cat /conf/file /conf/sub/subfile', (c, b) => {
      fs.mkdirSync(path.join(b, 'rootfs', 'conf'));
      c.mounts.push({ destination: '/conf', type: 'none', source: tree, options: ['rbind'] });
    });
    eq(r.stdout, 'top\nsub\n', '/conf/file and /conf/sub/subfile');
  }],
  ['rdev', 'SHOULD', 'rdev clears nodev recursively', (t) => { const s = subMount(treeBind(t, 'nodev', ['rbind', 'rdev'])); assert(!has(s, 'nodev'), `submount options ${s.options}`); }],
  ['rdiratime', 'SHOULD', 'rdiratime clears nodiratime recursively', (t) => { const s = subMount(treeBind(t, 'nodiratime', ['rbind', 'rdiratime'])); assert(!has(s, 'nodiratime'), `submount options ${s.options}`); }],
  ['relatime', 'MUST', 'relatime sets relatime (on a bind of a noatime mount)', (t) => {
    const tree = t.tree({ subOptions: 'noatime' });
    const m = confMount(mountTable(t, { type: 'none', source: path.join(tree, 'sub'), options: ['bind', 'relatime'] }));
    assert(has(m, 'relatime') && !has(m, 'noatime'), `mount options ${m.options}`);
  }],
  ['remount', 'MUST', 'remount changes an existing mount (a second entry with remount,ro makes /conf read-only, no new mount)', (t) => {
    const list = mountTable(t, [tmpfs([]), { type: 'tmpfs', source: 'tmpfs', options: ['remount', 'ro'] }]);
    const at = list.filter((m) => m.mountPoint === '/conf');
    eq(at.length, 1, 'mounts at /conf');
    assert(has(at[0], 'ro'), `/conf options ${at[0].options}`);
  }],
  ['rexec', 'SHOULD', 'rexec clears noexec recursively', (t) => { const s = subMount(treeBind(t, 'noexec', ['rbind', 'rexec'])); assert(!has(s, 'noexec'), `submount options ${s.options}`); }],
  ['rnoatime', 'SHOULD', 'rnoatime sets noatime recursively', (t) => { const s = subMount(treeBind(t, undefined, ['rbind', 'rnoatime'])); assert(has(s, 'noatime'), `submount options ${s.options}`); }],
  ['rnodiratime', 'SHOULD', 'rnodiratime sets nodiratime recursively', (t) => { const s = subMount(treeBind(t, undefined, ['rbind', 'rnodiratime'])); assert(has(s, 'nodiratime'), `submount options ${s.options}`); }],
  ['rnoexec', 'SHOULD', 'rnoexec sets noexec recursively', (t) => { const s = subMount(treeBind(t, undefined, ['rbind', 'rnoexec'])); assert(has(s, 'noexec'), `submount options ${s.options}`); }],
  ['rnorelatime', 'SHOULD', 'rnorelatime is accepted on a recursive bind', (t) => { subMount(treeBind(t, undefined, ['rbind', 'rnorelatime'])); return ACCEPT_ONLY('relatime is the kernel\'s default atime mode (MOUNT_ATTR_RELATIME is 0)'); }],
  ['rnostrictatime', 'SHOULD', 'rnostrictatime clears strictatime recursively (back to relatime)', (t) => { const s = subMount(treeBind(t, 'strictatime', ['rbind', 'rnostrictatime'])); assert(has(s, 'relatime'), `submount options ${s.options}`); }],
  ['rnosuid', 'SHOULD', 'rnosuid sets nosuid recursively', (t) => { const s = subMount(treeBind(t, undefined, ['rbind', 'rnosuid'])); assert(has(s, 'nosuid'), `submount options ${s.options}`); }],
  ['rnosymfollow', 'SHOULD', 'rnosymfollow sets nosymfollow recursively', (t) => { const s = subMount(treeBind(t, undefined, ['rbind', 'rnosymfollow'])); assert(has(s, 'nosymfollow'), `submount options ${s.options}`); }],
  ['ro', 'MUST', 'ro makes the mount read-only', (t) => { const m = confMount(mountTable(t, tmpfs(['ro']))); assert(has(m, 'ro'), `mount options ${m.options}`); }],
  ['rprivate', 'MUST', 'rprivate makes the bind mount and its submounts private', (t) => {
    const x = treeBind(t, undefined, ['rbind', 'rprivate'], { shared: true });
    const s = subMount(x);
    for (const [m, n] of [[x.top, '/conf'], [s, '/conf/sub']] as const) { const p = propagation(m); assert(!p.shared && !p.master, `${n} propagation ${m.optional.join(' ')}`); }
  }],
  ['rrelatime', 'SHOULD', 'rrelatime sets relatime recursively', (t) => { const s = subMount(treeBind(t, 'noatime', ['rbind', 'rrelatime'])); assert(has(s, 'relatime') && !has(s, 'noatime'), `submount options ${s.options}`); }],
  ['rro', 'SHOULD', 'rro makes the mount and its submounts read-only', (t) => { const s = subMount(treeBind(t, undefined, ['rbind', 'rro'])); assert(has(s, 'ro'), `submount options ${s.options}`); }],
  ['rrw', 'SHOULD', 'rrw makes the mount and its submounts read-write', (t) => { const s = subMount(treeBind(t, 'ro', ['rbind', 'rrw'])); assert(has(s, 'rw'), `submount options ${s.options}`); }],
  ['rshared', 'MUST', 'rshared makes the bind mount and its submounts shared', (t) => {
    const x = treeBind(t, undefined, ['rbind', 'rshared']);
    const s = subMount(x);
    assert(propagation(x.top).shared && propagation(s).shared, `propagation /conf: ${x.top.optional.join(' ') || '-'}, /conf/sub: ${s.optional.join(' ') || '-'}`);
  }],
  ['rslave', 'MUST', 'rslave makes the bind mount and its submounts slaves of the source\'s peer group', (t) => {
    const x = treeBind(t, undefined, ['rbind', 'rslave'], { shared: true });
    const s = subMount(x);
    assert(propagation(x.top).master && propagation(s).master, `propagation /conf: ${x.top.optional.join(' ') || '-'}, /conf/sub: ${s.optional.join(' ') || '-'}`);
  }],
  ['rstrictatime', 'SHOULD', 'rstrictatime sets strictatime recursively', (t) => { const s = subMount(treeBind(t, 'noatime', ['rbind', 'rstrictatime'])); assert(!has(s, 'relatime') && !has(s, 'noatime'), `submount options ${s.options}`); }],
  ['rsuid', 'SHOULD', 'rsuid clears nosuid recursively', (t) => { const s = subMount(treeBind(t, 'nosuid', ['rbind', 'rsuid'])); assert(!has(s, 'nosuid'), `submount options ${s.options}`); }],
  ['rsymfollow', 'SHOULD', 'rsymfollow clears nosymfollow recursively', (t) => { const s = subMount(treeBind(t, 'nosymfollow', ['rbind', 'rsymfollow'])); assert(!has(s, 'nosymfollow'), `submount options ${s.options}`); }],
  ['runbindable', 'MUST', 'runbindable makes the bind mount and its submounts unbindable', (t) => {
    const x = treeBind(t, undefined, ['rbind', 'runbindable']);
    const s = subMount(x);
    assert(propagation(x.top).unbindable && propagation(s).unbindable, `propagation /conf: ${x.top.optional.join(' ') || '-'}, /conf/sub: ${s.optional.join(' ') || '-'}`);
  }],
  ['rw', 'MUST', 'rw clears ro', (t) => { const m = confMount(mountTable(t, tmpfs(['ro', 'rw']))); assert(has(m, 'rw'), `mount options ${m.options}`); }],
  ['shared', 'MUST', 'shared makes the mount shared', (t) => { const m = confMount(mountTable(t, tmpfs(['shared']))); assert(propagation(m).shared, `propagation ${m.optional.join(' ') || '(private)'}`); }],
  ['silent', 'MUST', 'silent is accepted', (t) => { confMount(mountTable(t, tmpfs(['silent']))); return ACCEPT_ONLY('MS_SILENT is not reported in mountinfo'); }],
  ['slave', 'MUST', 'slave makes the bind mount a slave: mounts made on the host side later appear in the container', async (t) => {
    const tree = t.tree({ shared: true });
    const c = t.create((cfg, b) => { fs.mkdirSync(path.join(b, 'rootfs', 'conf')); cfg.mounts.push({ destination: '/conf', type: 'none', source: tree, options: ['rbind', 'slave'] }); });
    const top = confMount(parseMountinfo(read(`/proc/${c.pid}/mountinfo`) ?? ''));
    assert(propagation(top).master, `/conf propagation ${top.optional.join(' ') || '(private)'}`);
    fs.mkdirSync(path.join(tree, 'late'));
    t.hostCommand(`mount -t tmpfs -o size=1m late ${path.join(tree, 'late')}`);
    t.defer(() => { sh(`umount -l ${path.join(tree, 'late')}`); });
    await waitFor(() => !!mountAt(parseMountinfo(read(`/proc/${c.pid}/mountinfo`) ?? ''), '/conf/late'), 2000, 'the host mount to propagate into the container');
  }],
  ['strictatime', 'MUST', 'strictatime sets strict atime (neither relatime nor noatime)', (t) => { const m = confMount(mountTable(t, tmpfs(['strictatime']))); assert(!has(m, 'relatime') && !has(m, 'noatime'), `mount options ${m.options}`); }],
  ['suid', 'MUST', 'suid clears nosuid', (t) => { const m = confMount(mountTable(t, tmpfs(['nosuid', 'suid']))); assert(!has(m, 'nosuid'), `mount options ${m.options}`); }],
  ['symfollow', 'SHOULD', 'symfollow clears nosymfollow', (t) => { const m = confMount(mountTable(t, tmpfs(['nosymfollow', 'symfollow']))); assert(!has(m, 'nosymfollow'), `mount options ${m.options}`); }],
  ['sync', 'MUST', 'sync makes I/O synchronous (superblock sync)', (t) => { const m = confMount(mountTable(t, tmpfs(['sync']))); assert(sb(m, 'sync'), `superblock options ${m.superOptions}`); }],
  ['unbindable', 'MUST', 'unbindable makes the mount unbindable', (t) => { const m = confMount(mountTable(t, tmpfs(['unbindable']))); assert(propagation(m).unbindable, `propagation ${m.optional.join(' ') || '(private)'}`); }],
  ['idmap', 'SHOULD', 'idmap applies an idmapping to a bind mount (uidMappings/gidMappings of the mount)', (t) => {
    const r = t.sh('stat -c "%u:%g" /conf/file', (c, b) => {
      fs.mkdirSync(path.join(b, 'rootfs', 'conf')); fs.mkdirSync(path.join(b, 'data')); fs.writeFileSync(path.join(b, 'data', 'file'), 'x');
      c.mounts.push({ destination: '/conf', type: 'none', source: 'data', options: ['bind', 'idmap'], uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }], gidMappings: [{ containerID: 0, hostID: 2000, size: 1 }] });
    });
    eq(r.stdout.trim(), '1000:2000', 'owner of a host-root file through the idmapped mount');
  }],
  ['ridmap', 'SHOULD', 'ridmap applies the idmapping recursively to the submounts of an rbind', (t) => {
    const tree = t.tree();
    const r = t.sh('stat -c "%u:%g" /conf/file /conf/sub/subfile', (c, b) => {
      fs.mkdirSync(path.join(b, 'rootfs', 'conf'));
      c.mounts.push({ destination: '/conf', type: 'none', source: tree, options: ['rbind', 'ridmap'], uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }], gidMappings: [{ containerID: 0, hostID: 2000, size: 1 }] });
    });
    eq(r.stdout.trim().split('\n'), ['1000:2000', '1000:2000'], 'owners through the mount and its submount');
  }],
];
for (const [name, level, text, check] of OPTIONS) opt(`mount-option-${name}`, level, `mount option "${name}": ${text}`, check);

opt('idmap-mount-mappings', 'MUST', 'with idmap and uidMappings/gidMappings on the mount, the runtime uses the mount\'s mappings (not the container\'s user namespace ones)',
  (t) => {
    const r = t.sh('stat -c "%u:%g" /conf/file', (c, b) => {
      fs.mkdirSync(path.join(b, 'rootfs', 'conf')); fs.mkdirSync(path.join(b, 'data')); fs.writeFileSync(path.join(b, 'data', 'file'), 'x');
      c.linux.namespaces.push({ type: 'user' });
      c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.mounts.push({ destination: '/conf', type: 'none', source: 'data', options: ['bind', 'idmap'], uidMappings: [{ containerID: 0, hostID: 100005, size: 1 }], gidMappings: [{ containerID: 0, hostID: 100007, size: 1 }] });
    });
    eq(r.stdout.trim(), '5:7', 'owner in the container of a host-root file through the idmapped mount');
  });
opt('idmap-no-mappings-no-userns-error', 'MUST', 'idmap with no uidMappings/gidMappings in a container without a user namespace is an error',
  (t) => expectCreateError(t, (c, b) => {
    fs.mkdirSync(path.join(b, 'rootfs', 'conf')); fs.mkdirSync(path.join(b, 'data'));
    c.mounts.push({ destination: '/conf', type: 'none', source: 'data', options: ['bind', 'idmap'] });
  }, 'idmap without mappings or user namespace'));

// ---- POSIX-platform mounts ---------------------------------------------------------------
const pm = h('POSIX-platform Mounts');
pm('mounts-idmap-both-mappings', 'MUST', 'uidMappings of a mount come with gidMappings (one without the other is an invalid value: error)',
  (t) => expectCreateError(t, (c, b) => {
    fs.mkdirSync(path.join(b, 'rootfs', 'conf')); fs.mkdirSync(path.join(b, 'data'));
    c.mounts.push({ destination: '/conf', type: 'none', source: 'data', options: ['bind', 'idmap'], uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }] });
  }, 'uidMappings without gidMappings'));

// ---------------------------------------------------------------------------------------------
const proc = h('Process');

/** Run `script` with a terminal through a --console-socket helper; returns what the pty carried. */
async function withTerminal(t: Ctx, script: string, edit?: (c: any) => void): Promise<string> {
  const py = host.python();
  if (!py) skip('python3 (needed for the console-socket helper) is not installed');
  const sock = t.path('console.sock'), out = t.path('console.out');
  const p = t.helper(py, [path.join(HELPERS, 'fd_receiver.py'), 'console', sock, out]);
  await waitFor(() => fs.existsSync(sock), 5000, 'the console socket');
  const b = t.bundle((c) => { c.process.terminal = true; c.process.args = ['sh', '-c', script]; edit?.(c); });
  const id = t.id();
  t.ok(['create', '--bundle', b, '--console-socket', sock, id]);
  t.ok(['start', id]);
  await t.waitStatus(id, 'stopped', 10000);
  await waitFor(() => p.exitCode !== null, 5000, 'the pty to close');
  return (read(out) ?? '').replace(/\r/g, '');
}

proc('process-terminal', 'MUST', 'terminal true allocates a pseudoterminal and puts it on the process\'s stdin, stdout and stderr',
  async (t) => {
    const out = await withTerminal(t, '[ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo TTY; tty');
    const lines = out.trim().split('\n');
    eq(lines[0], 'TTY', 'whether 0, 1 and 2 are terminals');
    assert(/^\/dev\/(pts\/\d+|console)$/.test(lines[1] ?? ''), `tty printed ${lines[1]}`);
  });
proc('process-console-size', 'MUST', 'consoleSize sets the terminal\'s size in characters',
  async (t) => {
    const out = await withTerminal(t, 'stty size', (c) => { c.process.consoleSize = { height: 25, width: 91 }; });
    eq(out.trim(), '25 91', 'stty size');
  });
proc('process-console-size-ignored', 'MUST', 'consoleSize is ignored when terminal is false',
  (t) => {
    const r = t.sh('[ -t 0 ] && echo tty || echo notty', (c) => { c.process.terminal = false; c.process.consoleSize = { height: 25, width: 80 }; });
    eq(r.stdout.trim(), 'notty', 'stdin');
  });
proc('process-cwd', 'MUST', 'cwd is the working directory of the process', (t) => { eq(t.sh('pwd', (c) => { c.process.cwd = '/usr/bin'; }).stdout, '/usr/bin\n', 'pwd'); });
proc('process-cwd-absolute', 'MUST', 'cwd is an absolute path: a relative cwd is an invalid value (error)', (t) => expectCreateError(t, (c) => { c.process.cwd = 'tmp'; }, 'cwd "tmp"'));
proc('process-env', 'MUST', 'env is the environment of the process (environ semantics)',
  (t) => {
    const r = t.sh('env', (c) => { c.process.env = ['PATH=/bin:/usr/bin', 'A=1', 'B=with space', 'C=', 'D=x=y']; });
    const env = r.stdout.trim().split('\n');
    for (const e of ['PATH=/bin:/usr/bin', 'A=1', 'B=with space', 'C=', 'D=x=y']) assert(env.includes(e), `${JSON.stringify(e)} missing from ${JSON.stringify(env)}`);
  });
proc('process-args-execvp', 'MUST', 'args[0] is looked up as execvp\'s file: in the PATH of process.env',
  (t) => {
    const r = t.sh('', (c, b) => {
      fs.mkdirSync(path.join(b, 'rootfs', 'opt', 'tools'), { recursive: true });
      fs.writeFileSync(path.join(b, 'rootfs', 'opt', 'tools', 'conformance-tool'), '#!/bin/sh\necho found-in-path\n', { mode: 0o755 });
      c.process.env = ['PATH=/opt/tools:/bin:/usr/bin'];
      c.process.args = ['conformance-tool'];
    });
    eq(r.stdout, 'found-in-path\n', 'output');
  });
proc('process-args-argv', 'MUST', 'args is the argv of the program, unchanged (spaces, empty strings, quotes)',
  (t) => {
    const r = t.sh('', (c) => { c.process.args = ['sh', '-c', 'for a in "$0" "$@"; do printf "[%s]" "$a"; done', 'zero', 'a b', '', '"q"', '$HOME']; });
    eq(r.stdout, '[zero][a b][]["q"][$HOME]', 'argv as printed');
  });
proc('process-args-required', 'MUST', 'args has at least one entry: an empty args is an invalid value (error)', (t) => expectCreateError(t, (c) => { c.process.args = []; }, 'args []'));

// ---- rlimits ----------------------------------------------------------------------------------
const rl = h('POSIX process');
function limitsOf(text: string): Map<string, [string, string]> {
  const m = new Map<string, [string, string]>();
  for (const line of text.split('\n').slice(1)) {
    const x = /^(.+?)\s{2,}(\S+)\s+(\S+)/.exec(line);
    if (x) m.set(x[1].trim(), [x[2], x[3]]);
  }
  return m;
}
/** [type, /proc/PID/limits name, soft, hard]: values below the runtime's own hard limits (raising a
 * hard limit needs CAP_SYS_RESOURCE, which the runtime may not hold) */
function rlimitCases(): [string, string, number, number][] {
  const own = limitsOf(read('/proc/self/limits') ?? '');
  const cap = (name: string, want: number) => { const h = own.get(name)?.[1]; return h === undefined || h === 'unlimited' ? want : Math.min(want, Number(h)); };
  return ([
    ['RLIMIT_NOFILE', 'Max open files', 512, 1024], ['RLIMIT_CORE', 'Max core file size', 1024, 2048],
    ['RLIMIT_MSGQUEUE', 'Max msgqueue size', 4096, 8192], ['RLIMIT_SIGPENDING', 'Max pending signals', 500, 1000],
    ['RLIMIT_STACK', 'Max stack size', 4194304, 8388608],
  ] as [string, string, number, number][]).map(([type, name, soft, hard]) => { const h = cap(name, hard); return [type, name, Math.min(soft, h), h]; });
}
const RLIMITS = rlimitCases();
function runLimits(t: Ctx): Map<string, [string, string]> {
  const r = t.sh('cat /proc/self/limits', (c) => { c.process.rlimits = RLIMITS.map(([type, , soft, hard]) => ({ type, soft, hard })); });
  return limitsOf(r.stdout);
}
rl('rlimits-unknown-type-error', 'MUST', 'an rlimit type that cannot be mapped to a kernel resource is an error', (t) => expectCreateError(t, (c) => { c.process.rlimits.push({ type: 'RLIMIT_CONFORMANCE', soft: 1, hard: 1 }); }, 'rlimit type RLIMIT_CONFORMANCE'));
rl('rlimits-getrlimit', 'MUST', 'for each rlimits entry, getrlimit on its type succeeds in the container (NOFILE, CORE, MSGQUEUE, SIGPENDING, STACK)',
  (t) => { const l = runLimits(t); for (const [type, name] of RLIMITS) assert(l.has(name), `${type} (${name}) not in /proc/self/limits`); });
rl('rlimits-soft', 'MUST', 'rlim_cur of each rlimit is the configured soft value',
  (t) => { const l = runLimits(t); for (const [type, name, soft] of RLIMITS) eq(l.get(name)?.[0], String(soft), `${type} soft`); });
rl('rlimits-hard', 'MUST', 'rlim_max of each rlimit is the configured hard value',
  (t) => { const l = runLimits(t); for (const [type, name, , hard] of RLIMITS) eq(l.get(name)?.[1], String(hard), `${type} hard`); });
rl('rlimits-duplicate-error', 'MUST', 'rlimits with two entries of the same type is an error', (t) => expectCreateError(t, (c) => { c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 10, hard: 10 }, { type: 'RLIMIT_NOFILE', soft: 20, hard: 20 }]; }, 'two RLIMIT_NOFILE entries'));
rl('rlimits-hard-unraisable', 'MUST', 'a hard limit above the runtime\'s own that it cannot raise (no CAP_SYS_RESOURCE) is an error, not silently lowered',
  (t) => {
    const own = limitsOf(read('/proc/self/limits') ?? '').get('Max open files');
    if (!own || own[1] === 'unlimited') skip('the runtime\'s RLIMIT_NOFILE hard limit is unlimited: nothing is above it');
    const want = Number(own[1]) + 4096;
    if (host.effCaps() & capMask(['CAP_SYS_RESOURCE'])) {
      const l = limitsOf(t.sh('cat /proc/self/limits', (c) => { c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: want, hard: want }]; }).stdout);
      eq(l.get('Max open files'), [String(want), String(want)], 'RLIMIT_NOFILE raised with CAP_SYS_RESOURCE');
      return 'the runtime holds CAP_SYS_RESOURCE: the raised limit was applied';
    }
    expectCreateError(t, (c) => { c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: want, hard: want }]; }, `RLIMIT_NOFILE hard ${want} above the runtime's ${own[1]} without CAP_SYS_RESOURCE`);
  });

// ---- Linux process ------------------------------------------------------------------------
const lp = h('Linux Process');
lp('apparmor-profile', 'MUST', 'apparmorProfile is the AppArmor profile of the process',
  (t) => {
    if (!host.apparmor()) skip('AppArmor is not enabled on this machine (/sys/module/apparmor/parameters/enabled is not Y)');
    const r = t.sh('cat /proc/self/attr/apparmor/current 2>/dev/null || cat /proc/self/attr/current', (c) => { c.process.apparmorProfile = 'unconfined'; });
    assert(/unconfined/.test(r.stdout), `AppArmor label ${r.stdout.trim()}`);
  });
lp('selinux-label', 'MUST', 'selinuxLabel is the SELinux label of the process',
  (t) => {
    if (!host.selinux()) skip('SELinux is not enabled on this machine (no /sys/fs/selinux)');
    const label = (read('/proc/self/attr/current') ?? '').replace(/\0/g, '').trim(); // a label this policy surely has: ours
    const r = t.sh('cat /proc/self/attr/current', (c) => { c.process.selinuxLabel = label; });
    eq(r.stdout.replace(/\0/g, '').trim(), label, 'the process\'s SELinux label');
  });

const CAPCFG = {
  bounding: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_SETUID', 'CAP_SETGID', 'CAP_SYS_CHROOT'],
  permitted: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_SETUID'],
  effective: ['CAP_CHOWN', 'CAP_KILL'],
  inheritable: ['CAP_KILL', 'CAP_NET_BIND_SERVICE'],
  ambient: ['CAP_NET_BIND_SERVICE'],
};
function capsOf(pid: number): Record<string, bigint> {
  const s = read(`/proc/${pid}/status`) ?? '';
  const g = (k: string) => BigInt('0x' + (new RegExp(`${k}:\\s*([0-9a-f]+)`).exec(s)?.[1] ?? '0'));
  return { inheritable: g('CapInh'), permitted: g('CapPrm'), effective: g('CapEff'), bounding: g('CapBnd'), ambient: g('CapAmb') };
}
/** Each set as the process holds it before exec (created state) when the runtime applies the
 * capabilities at create; and after exec (uid 1000, no file capabilities: permitted = effective = ambient). */
function capCheck(set: keyof typeof CAPCFG) {
  return (t: Ctx) => {
    const c = t.create((cfg) => { cfg.process.capabilities = CAPCFG; cfg.process.user = { uid: 1000, gid: 1000 }; });
    const before = capsOf(c.pid);
    const want = capMask(CAPCFG[set]);
    let note = '';
    if (before.bounding !== host.caps()) eq(capNames(before[set]), capNames(want), `${set} set before exec`);
    else note = 'the runtime applies capabilities at start: only the after-exec sets are observable';
    t.startAndWait(c.id, c.pid);
    const after = capsOf(c.pid);
    const amb = capMask(CAPCFG.ambient);
    const expectAfter = { bounding: want, inheritable: want, ambient: amb, permitted: amb, effective: amb }[set];
    eq(capNames(after[set]), capNames(expectAfter), `${set} set after exec as uid 1000 (kernel rules: ${set === 'permitted' || set === 'effective' ? 'equals the ambient set' : 'kept'})`);
    return note || undefined;
  };
}
for (const set of ['bounding', 'effective', 'inheritable', 'permitted', 'ambient'] as const) {
  lp(`capabilities-${set}`, 'MUST', `capabilities.${set} is the ${set} capability set kept for the process`, capCheck(set));
}
function capWarning(t: Ctx, cap: string): { code: number; warned: boolean; out: string; err: string } {
  const b = t.bundle((c) => {
    c.process.args = ['grep', 'CapBnd', '/proc/self/status'];
    for (const s of ['bounding', 'effective', 'permitted']) c.process.capabilities[s].push(cap);
  });
  const r = t.rt(['run', '--bundle', b, t.id()], { log: true });
  const text = r.stderr + '\n' + r.log;
  return { code: r.code, warned: /warn/i.test(text) && text.includes(cap), out: r.stdout, err: errorLine(r) };
}
function ungrantable(): string {
  const missing = CAPS.filter((n) => !(host.caps() & capMask([n])));
  if (!missing.length) skip('the runtime holds every capability in its bounding set: none is ungrantable here');
  return missing.includes('CAP_SYS_RESOURCE') ? 'CAP_SYS_RESOURCE' : missing[0];
}
lp('capabilities-unknown-warning', 'MUST', 'a capability that cannot be mapped to a kernel value (CAP_CONFORMANCE_BOGUS) is logged as a warning',
  (t) => { const w = capWarning(t, 'CAP_CONFORMANCE_BOGUS'); assert(w.code === 0, `run failed instead of warning: ${w.err}`); assert(w.warned, 'no warning naming CAP_CONFORMANCE_BOGUS on stderr or in --log'); });
lp('capabilities-unknown-no-fail', 'SHOULD', 'the runtime does not fail when the config requests a capability it does not know',
  (t) => { const w = capWarning(t, 'CAP_CONFORMANCE_BOGUS'); eq(w.code, 0, `exit code of run (${w.err})`); });
lp('capabilities-ungrantable-warning', 'MUST', 'a capability that cannot be granted (outside the runtime\'s bounding set, decided at run time) is logged as a warning',
  (t) => { const cap = ungrantable(); const w = capWarning(t, cap); assert(w.code === 0, `run with ${cap} failed instead of warning: ${w.err}`); assert(w.warned, `no warning naming ${cap} on stderr or in --log`); });
lp('capabilities-ungrantable-no-fail', 'SHOULD', 'the runtime does not fail when the config requests a capability it cannot grant (restricted environment)',
  (t) => { const cap = ungrantable(); const w = capWarning(t, cap); eq(w.code, 0, `exit code of run with ${cap} (${w.err})`); });

lp('no-new-privileges', 'MUST', 'noNewPrivileges true sets no_new_privs; false leaves it clear',
  (t) => {
    eq(t.sh('grep NoNewPrivs /proc/self/status', (c) => { c.process.noNewPrivileges = true; }).stdout.trim(), 'NoNewPrivs:\t1', 'with true');
    eq(t.sh('grep NoNewPrivs /proc/self/status', (c) => { c.process.noNewPrivileges = false; }).stdout.trim(), 'NoNewPrivs:\t0', 'with false');
  });
lp('oom-score-adj', 'MUST', 'oomScoreAdj set: the runtime sets oom_score_adj to it',
  (t) => { eq(t.sh('cat /proc/self/oom_score_adj', (c) => { c.process.oomScoreAdj = 123; }).stdout.trim(), '123', 'oom_score_adj'); });
lp('oom-score-adj-unset', 'MUST', 'oomScoreAdj not set: the runtime does not change oom_score_adj (the caller\'s 7 stays)',
  (t) => {
    const r = t.sh('cat /proc/self/oom_score_adj', undefined, { wrap: ['sh', '-c', 'echo 7 > /proc/self/oom_score_adj && exec "$0" "$@"'] });
    eq(r.stdout.trim(), '7', 'oom_score_adj');
  });

function statOf(text: string): string[] { return text.slice(text.lastIndexOf(')') + 2).trim().split(' '); }
// /proc/PID/stat after the comm: [0]=state ... field n (1-based in proc(5)) is index n-3
const STAT = { priority: 18 - 3, nice: 19 - 3, rtPriority: 40 - 3, policy: 41 - 3 };
lp('scheduler-policy-nice', 'MUST', 'scheduler.policy and scheduler.nice are applied (SCHED_BATCH, nice 7)',
  (t) => {
    const s = statOf(t.sh('cat /proc/$$/stat', (c) => { c.process.scheduler = { policy: 'SCHED_BATCH', nice: 7 }; }).stdout);
    eq([s[STAT.policy], s[STAT.nice]], ['3', '7'], '[policy, nice]');
  });
lp('scheduler-priority', 'MUST', 'scheduler.priority is the static priority of a real-time policy (SCHED_RR, 12)',
  (t) => {
    const s = statOf(t.sh('cat /proc/$$/stat', (c) => { c.process.scheduler = { policy: 'SCHED_RR', priority: 12 }; }).stdout);
    eq([s[STAT.policy], s[STAT.rtPriority]], ['2', '12'], '[policy, rt_priority]');
  });
lp('scheduler-nice-default', 'MUST', 'scheduler without nice: the runtime uses nice 0 (not the caller\'s nice 5)',
  (t) => {
    const s = statOf(t.sh('cat /proc/$$/stat', (c) => { c.process.scheduler = { policy: 'SCHED_OTHER' }; }, { wrap: ['nice', '-n', '5'] }).stdout);
    eq(s[STAT.nice], '0', 'nice');
  });
lp('scheduler-flags', 'MUST', 'scheduler.flags are applied (SCHED_FLAG_RESET_ON_FORK: the process has nice -5, its children are reset to nice 0)',
  (t) => {
    // sched(7): with SCHED_RESET_ON_FORK a child gets SCHED_OTHER only if the parent's policy was
    // real-time, and nice 0 if the parent's nice was negative; a non-RT policy is inherited.
    // `; true`: busybox sh execs the last command of -c in place, which would not be a child.
    const r = t.sh('cat /proc/$$/stat; cat /proc/self/stat; true', (c) => { c.process.scheduler = { policy: 'SCHED_OTHER', nice: -5, flags: ['SCHED_FLAG_RESET_ON_FORK'] }; });
    const [self, child] = r.stdout.trim().split('\n').map(statOf);
    eq([self[STAT.nice], child[STAT.nice]], ['-5', '0'], '[nice of the process, of its child]');
  });
lp('scheduler-deadline', 'MUST', 'SCHED_DEADLINE with runtime, deadline and period is applied (as chrt -p on the host reads them)',
  (t) => {
    const c = t.start((cfg) => { cfg.process.scheduler = { policy: 'SCHED_DEADLINE', runtime: 10_000_000, deadline: 50_000_000, period: 100_000_000 }; });
    const out = hostOk(`chrt -p ${c.pid}`);
    assert(/SCHED_DEADLINE/.test(out), `policy: ${out.split('\n')[0]}`);
    assert(/parameters: 10000000\/50000000\/100000000/.test(out), `parameters: ${out.trim().split('\n').pop()}`);
  });
lp('io-priority', 'MUST', 'ioPriority sets the I/O scheduling class and priority',
  (t) => {
    eq(t.sh('ionice -p $$', (c) => { c.process.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 6 }; }).stdout.trim(), 'best-effort: prio 6', 'ionice');
    eq(t.sh('ionice -p $$', (c) => { c.process.ioPriority = { class: 'IOPRIO_CLASS_IDLE', priority: 0 }; }).stdout.trim(), 'idle', 'ionice');
  });
lp('exec-cpu-affinity-not-init', 'SHOULD', 'execCPUAffinity is not applied to the container\'s init process (it is for processes run by exec)',
  (t) => {
    const cpus = (read('/proc/self/status') ?? '').match(/Cpus_allowed_list:\s*(\S+)/)?.[1] ?? '';
    if (!/[-,]/.test(cpus)) skip('the runtime may only use one CPU here: no affinity to narrow');
    const r = t.sh('grep Cpus_allowed_list /proc/self/status', (c) => { c.process.execCPUAffinity = { initial: '0', final: '0' }; });
    eq(r.stdout.trim().split(/\s+/)[1], cpus, 'the init\'s CPU list');
  });
lp('exec-cpu-affinity-final-unset', 'SHOULD', 'execCPUAffinity.final omitted: the affinity of an exec\'d process is not changed after it joins the cgroup',
  (t) => {
    const help = t.rt(['exec', '--help'], { noRoot: true });
    if (help.code !== 0) fail(`the runtime has no exec command (\`exec --help\` exited ${help.code})`);
    const c = t.start();
    const cpus = (read(`/proc/${c.pid}/status`) ?? '').match(/Cpus_allowed_list:\s*(\S+)/)?.[1];
    const pj = t.path('process.json');
    fs.writeFileSync(pj, JSON.stringify({ args: ['grep', 'Cpus_allowed_list', '/proc/self/status'], cwd: '/', env: ['PATH=/bin:/usr/bin'], user: { uid: 0, gid: 0 }, execCPUAffinity: { initial: '0' } }));
    const r = t.ok(['exec', '--process', pj, c.id]);
    // "the final affinity is determined by the Linux kernel": since Linux 6.2 the kernel keeps the
    // mask the process set for itself (user_cpus_ptr) when it changes cpuset; before, the cpuset's.
    const got = r.stdout.trim().split(/\s+/)[1];
    assert(got === cpus || got === '0', `CPU list of the exec'd process: expected "${cpus}" (the cpuset's) or "0" (kept by Linux >= 6.2), got "${got}"`);
  });

// ---- User -----------------------------------------------------------------------------------
const user = h('POSIX-platform User');
user('user-uid-gid', 'MUST', 'user.uid and user.gid are the process\'s user and group IDs in the container',
  (t) => { eq(t.sh('id -u; id -g', (c) => { c.process.user = { uid: 1234, gid: 5678 }; }).stdout, '1234\n5678\n', 'id -u; id -g'); });
user('user-additional-gids', 'MUST', 'user.additionalGids are added to the process as supplementary groups',
  (t) => {
    const r = t.sh('cat /proc/self/status | grep ^Groups', (c) => { c.process.user = { uid: 1000, gid: 1000, additionalGids: [5, 6, 4321] }; });
    const groups = r.stdout.replace('Groups:', '').trim().split(/\s+/).map(Number).sort((a, b) => a - b);
    for (const g of [5, 6, 4321]) assert(groups.includes(g), `supplementary groups ${groups.join(' ')} lack ${g}`);
  });
user('user-umask', 'MUST', 'user.umask is the umask of the process', (t) => { eq(t.sh('umask', (c) => { c.process.user = { uid: 0, gid: 0, umask: 63 }; }).stdout.trim(), '0077', 'umask'); });
user('user-umask-unset', 'SHOULD', 'without user.umask the umask is not changed from the calling process\'s (0027 stays)',
  (t) => { eq(t.sh('umask', undefined, { wrap: ['sh', '-c', 'umask 0027 && exec "$0" "$@"'] }).stdout.trim(), '0027', 'umask'); });

// ---------------------------------------------------------------------------------------------
h('Hostname')('hostname', 'MUST', 'hostname is the container\'s hostname (in its UTS namespace), the host\'s is unchanged',
  (t) => {
    const before = hostOk('hostname').trim();
    eq(t.sh('hostname', (c) => { c.hostname = 'conformance-host'; }).stdout.trim(), 'conformance-host', 'hostname');
    eq(hostOk('hostname').trim(), before, 'the host\'s hostname');
  });
h('Domainname')('domainname', 'MUST', 'domainname is the container\'s domain name (in its UTS namespace)',
  (t) => { eq(t.sh('cat /proc/sys/kernel/domainname', (c) => { c.domainname = 'conformance.test'; }).stdout.trim(), 'conformance.test', 'domainname'); });

const plat = h('Platform-specific configuration');
plat('platform-windows-set', 'MUST', 'windows is set when the target platform is windows', () => notOn('Windows'));
h('z/OS Process')('zos-no-new-privileges', 'MUST', 'on z/OS noNewPrivileges prevents the process from gaining privileges', () => notOn('z/OS'));

// ---------------------------------------------------------------------------------------------
const hooks = h('POSIX-platform Hooks');
hooks('hooks-path-absolute', 'MUST', 'a hook path is absolute: a relative one is an invalid value (error)',
  (t) => expectCreateError(t, (c) => { c.hooks = { createRuntime: [{ path: 'bin/true' }] }; }, 'hook path "bin/true"'));
hooks('hooks-timeout-positive', 'MUST', 'a hook timeout is greater than zero: 0 is an invalid value (error)',
  (t) => expectCreateError(t, (c) => { c.hooks = { createRuntime: [{ path: '/bin/true', timeout: 0 }] }; }, 'hook timeout 0'));
hooks('hooks-timeout-aborts', 'MUST', 'a hook still running after timeout seconds is aborted (and, for createRuntime, fails create)',
  (t) => {
    const b = t.bundle((c) => { c.hooks = { createRuntime: [{ path: t.hook('slow', { sleep: 30 }), timeout: 1 }] }; });
    const t0 = Date.now();
    const r = t.rt(['create', '--bundle', b, t.id()], { timeout: 25000 });
    const took = Date.now() - t0;
    assert(took < 15000, `create returned after ${took} ms (timeout 1 s)`);
    assert(r.code !== 0, 'create exited 0 although its createRuntime hook timed out');
  });
hooks('hooks-args', 'MUST', 'hook args is the argv of the hook (execv semantics, args[0] included)',
  (t) => {
    const out = t.path('args.out');
    t.create((c) => { c.hooks = { createRuntime: [{ path: '/bin/sh', args: ['conformance-argv0', '-c', `tr '\\0' '\\n' < /proc/$$/cmdline > ${out}`, 'one', 'two words'] }] }; });
    const argv = (read(out) ?? '').split('\n');
    eq([argv[0], argv[1], ...argv.slice(3)], ['conformance-argv0', '-c', 'one', 'two words', ''], 'argv of the hook (/proc/self/cmdline)');
  });
hooks('hooks-env', 'MUST', 'hook env is the hook\'s environment (environ semantics: the runtime\'s own environment is not added)',
  (t) => {
    const out = t.path('env.out');
    t.create((c) => { c.hooks = { createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', `/usr/bin/env > ${out}`], env: ['CF_HOOK=1', 'CF_TWO=a b'] }] }; },
      { env: { ...process.env, CF_RUNTIME_ONLY: 'leak' } });
    const env = (read(out) ?? '').trim().split('\n');
    for (const e of ['CF_HOOK=1', 'CF_TWO=a b']) assert(env.includes(e), `${e} missing from the hook's environment ${JSON.stringify(env)}`);
    assert(!env.some((e) => e.startsWith('CF_RUNTIME_ONLY=')), 'the runtime\'s own environment variable reached the hook');
  });
hooks('hooks-order', 'MUST', 'hooks of each kind are called in the listed order',
  (t) => {
    const c = t.create((cfg) => {
      cfg.hooks = {
        prestart: [{ path: t.hook('prestart1') }, { path: t.hook('prestart2') }],
        createRuntime: [{ path: t.hook('createRuntime1') }, { path: t.hook('createRuntime2') }, { path: t.hook('createRuntime3') }],
        poststart: [{ path: t.hook('poststart1') }, { path: t.hook('poststart2') }],
        poststop: [{ path: t.hook('poststop1') }, { path: t.hook('poststop2') }],
      };
    });
    t.ok(['start', c.id]);
    t.ok(['delete', '--force', c.id]);
    eq(t.hookOrder(), ['prestart1', 'prestart2', 'createRuntime1', 'createRuntime2', 'createRuntime3', 'poststart1', 'poststart2', 'poststop1', 'poststop2'], 'order the hooks ran in');
  });
hooks('hooks-state-stdin', 'MUST', 'every hook (all six kinds) gets the container state on stdin',
  (t) => {
    const c = t.create((cfg, b) => {
      cfg.root.readonly = false;
      cfg.hooks = {
        prestart: [{ path: t.hook('prestart') }], createRuntime: [{ path: t.hook('createRuntime') }], createContainer: [{ path: t.hook('createContainer') }],
        startContainer: [{ path: t.hook('startContainer', { inRootfs: path.join(b, 'rootfs'), outDir: '/conformance-hooks' }) }],
        poststart: [{ path: t.hook('poststart') }], poststop: [{ path: t.hook('poststop') }],
      };
    });
    t.ok(['start', c.id]);
    t.ok(['delete', '--force', c.id]);
    for (const k of ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop']) {
      const s = k === 'startContainer' ? read(path.join(c.bundle, 'rootfs', 'conformance-hooks', `${k}.stdin`)) : t.hookOut(k, 'stdin');
      assert(s !== null, `the ${k} hook did not run`);
      let st: any;
      try { st = JSON.parse(s); } catch { fail(`the ${k} hook's stdin is not JSON: ${s.slice(0, 80)}`); }
      assert(st.id === c.id && typeof st.status === 'string' && typeof st.ociVersion === 'string' && st.bundle === c.bundle, `the ${k} hook's state: ${s.slice(0, 160)}`);
    }
  });

const NS = ['mnt', 'uts', 'pid', 'net', 'ipc'];
function hookNs(text: string | null): Record<string, string> {
  return Object.fromEntries((text ?? '').trim().split('\n').filter(Boolean).map((l) => l.split(' ') as [string, string]));
}
function expectRuntimeNs(t: Ctx, kind: string, outDir?: string): void {
  const ns = hookNs(t.hookOut(kind, 'ns', outDir));
  for (const n of NS) eq(ns[n], nsOf('self', n), `${n} namespace of the ${kind} hook (the runtime's is ${nsOf('self', n)})`);
}
function expectContainerNs(t: Ctx, kind: string, pid: number, text: string | null): void {
  const ns = hookNs(text);
  for (const n of NS) {
    if (!ns[n]) fail(`the ${kind} hook could not read /proc/self/ns/${n}: it is not in the PID namespace the container's /proc belongs to`);
    eq(ns[n], nsOf(pid, n), `${n} namespace of the ${kind} hook (the container's)`);
  }
}
/** A container with one hook of `kind` at a path that exists only where it must resolve. */
function withHook(t: Ctx, kind: string) {
  const inContainer = kind === 'startContainer';
  const c = t.create((cfg, b) => {
    cfg.root.readonly = false;
    const p = inContainer ? t.hook(kind, { inRootfs: path.join(b, 'rootfs'), outDir: '/conformance-hooks' }) : t.hook(kind);
    cfg.hooks = { [kind]: [{ path: p }] };
    if (inContainer) assert(!fs.existsSync(p), 'setup: the in-container hook path exists on the host');
    else assert(!fs.existsSync(path.join(b, 'rootfs', p)), 'setup: the host hook path exists in the rootfs');
  });
  if (['startContainer', 'poststart', 'poststop'].includes(kind)) t.startAndWait(c.id, c.pid);
  const ns = inContainer ? read(path.join(c.bundle, 'rootfs', 'conformance-hooks', `${kind}.ns`)) : t.hookOut(kind, 'ns');
  if (kind === 'poststop') t.ok(['delete', '--force', c.id]);
  return { ...c, ns: kind === 'poststop' ? t.hookOut(kind, 'ns') : ns };
}
for (const [kind, where] of [['prestart', 'runtime'], ['createRuntime', 'runtime'], ['createContainer', 'runtime'], ['startContainer', 'container'], ['poststart', 'runtime'], ['poststop', 'runtime']] as const) {
  hooks(`hooks-${kind}-path-resolves`, 'MUST', `the ${kind} hook's path resolves in the ${where} namespace (it exists only there)`,
    (t) => { const c = withHook(t, kind); assert(c.ns !== null, `the ${kind} hook, whose path exists only in the ${where} mount namespace, did not run`); });
}
for (const [kind, where] of [['prestart', 'runtime'], ['createRuntime', 'runtime'], ['createContainer', 'container'], ['startContainer', 'container'], ['poststart', 'runtime'], ['poststop', 'runtime']] as const) {
  hooks(`hooks-${kind}-namespace`, 'MUST', `the ${kind} hook is executed in the ${where} namespace (${NS.join(', ')})`,
    (t) => {
      const c = withHook(t, kind);
      assert(c.ns !== null, `the ${kind} hook did not run`);
      if (where === 'runtime') expectRuntimeNs(t, kind);
      else expectContainerNs(t, kind, c.pid, c.ns);
    });
}

const rootId = () => hostOk("stat -L -c '%d:%i' /").trim();
hooks('hooks-prestart-timing', 'MUST', 'prestart hooks run during create, after the container namespaces exist and before pivot_root',
  (t) => {
    const c = t.create((cfg) => { cfg.hooks = { prestart: [{ path: t.hook('prestart') }] }; });
    assert(t.hookOut('prestart', 'stdin') !== null, 'the prestart hook did not run during create');
    eq(t.hookOut('prestart', 'pidroot')?.trim(), rootId(), 'root of the container process as the hook saw it (still the host\'s: not pivoted)');
    void c;
  });
hooks('hooks-prestart-before-createRuntime', 'MUST', 'prestart hooks are called before the createRuntime hooks',
  (t) => { t.create((c) => { c.hooks = { createRuntime: [{ path: t.hook('createRuntime') }], prestart: [{ path: t.hook('prestart') }] }; }); eq(t.hookOrder(), ['prestart', 'createRuntime'], 'order'); });
hooks('hooks-createRuntime-timing', 'MUST', 'createRuntime hooks run during create, after the runtime environment exists and before pivot_root',
  (t) => {
    t.create((cfg) => { cfg.hooks = { createRuntime: [{ path: t.hook('createRuntime') }] }; });
    assert(t.hookOut('createRuntime', 'stdin') !== null, 'the createRuntime hook did not run during create');
    eq(t.hookOut('createRuntime', 'pidroot')?.trim(), rootId(), 'root of the container process as the hook saw it (still the host\'s: not pivoted)');
  });
hooks('hooks-createContainer-timing', 'MUST', 'createContainer hooks run during create, after the createRuntime hooks and before pivot_root (the hook still sees the host\'s root)',
  (t) => {
    t.create((c) => { c.hooks = { createContainer: [{ path: t.hook('createContainer') }], createRuntime: [{ path: t.hook('createRuntime') }] }; });
    eq(t.hookOrder(), ['createRuntime', 'createContainer'], 'order');
    eq(t.hookOut('createContainer', 'root')?.trim(), rootId(), 'the hook\'s own root (not yet the container\'s rootfs)');
  });
hooks('hooks-startContainer-timing', 'MUST', 'startContainer hooks run during start, before the user program is executed',
  async (t) => {
    const c = t.create((cfg, b) => {
      cfg.root.readonly = false;
      cfg.process.args = ['sh', '-c', '[ -e /conformance-hooks/startContainer.stdin ] && echo seen > /seen || echo unseen > /seen; exec sleep 1000'];
      cfg.hooks = { startContainer: [{ path: t.hook('startContainer', { inRootfs: path.join(b, 'rootfs'), outDir: '/conformance-hooks' }) }] };
    });
    assert(read(path.join(c.bundle, 'rootfs', 'conformance-hooks', 'startContainer.stdin')) === null, 'the startContainer hook ran during create');
    t.ok(['start', c.id]);
    await waitFor(() => read(path.join(c.bundle, 'rootfs', 'seen')) !== null, 5000, 'the program');
    eq(read(path.join(c.bundle, 'rootfs', 'seen')), 'seen\n', 'whether the hook had run when the program started');
  });
hooks('hooks-poststart-timing', 'MUST', 'poststart hooks run after the user program is executed and before start returns',
  (t) => {
    const c = t.create((cfg) => { cfg.process.args = ['sleep', '4321']; cfg.hooks = { poststart: [{ path: t.hook('poststart') }] }; });
    t.ok(['start', c.id]);
    assert(t.hookOut('poststart', 'stdin') !== null, 'the poststart hook had not run when start returned');
    eq(t.hookOut('poststart', 'pidcmdline')?.trim(), 'sleep 4321', 'the container process as the hook saw it');
  });
hooks('hooks-poststop-timing', 'MUST', 'poststop hooks run after the container is deleted (its process is gone) and before delete returns',
  async (t) => {
    // the hook's path is fixed at create, its content is not: once the pid is known, the script
    // is rewritten to look at that process when it runs
    const script = t.path('poststop.sh');
    fs.writeFileSync(script, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const c = t.start((cfg) => { cfg.hooks = { poststop: [{ path: script }] }; });
    fs.writeFileSync(script, `#!/bin/sh
cat > ${t.path('poststop.stdin')}
s=$(cat /proc/${c.pid}/stat 2>/dev/null)
case "$s" in "") echo gone;; *") Z "*|*") X "*) echo gone;; *) echo alive;; esac > ${t.path('poststop.pid')}
`);
    t.ok(['kill', c.id, 'KILL']);
    await t.waitStatus(c.id, 'stopped');
    t.ok(['delete', c.id]);
    assert(read(t.path('poststop.stdin')) !== null, 'the poststop hook had not run when delete returned');
    eq(read(t.path('poststop.pid'))?.trim(), 'gone', 'the container process when the poststop hook ran');
  });

// ---------------------------------------------------------------------------------------------
const ann = h('Annotations');
ann('annotations-unknown-keys', 'MUST', 'unknown annotation keys are handled like any unknown property: no error, and state shows them',
  (t) => {
    const a = { 'com.example.conformance.unknown': 'x', 'org.opencontainers.image.os': 'linux', 'x': '' };
    const c = t.create((cfg) => { cfg.annotations = a; });
    eq(t.state(c.id).annotations, a, 'state.annotations');
  });
ann('annotations-key-nonempty', 'MUST', 'annotation keys are not empty: an empty key is an invalid value (error)',
  (t) => expectCreateError(t, (c) => { c.annotations = { '': 'x' }; }, 'an empty annotation key'));
ann('annotations-values-strings', 'MUST', 'annotation values are strings: a number is an invalid value (error)',
  (t) => expectCreateError(t, (c) => { c.annotations = { 'com.example.n': 42 }; }, 'an annotation value 42'));
ann('annotations-stop-signal', 'SHOULD', 'org.opencontainers.image.stopSignal is the signal the runtime sends to kill the container (kill without a signal sends it)',
  async (t) => {
    const b = t.bundle((c) => {
      c.root.readonly = false;
      c.annotations = { 'org.opencontainers.image.stopSignal': 'SIGUSR1' };
      c.process.args = ['sh', '-c', 'trap "echo usr1 > /sig; exit 0" USR1; trap "echo term > /sig; exit 0" TERM; echo ready > /ready; while :; do sleep 0.05; done'];
    });
    const c = t.create(undefined, { bundle: b });
    t.ok(['start', c.id]);
    await waitFor(() => read(path.join(b, 'rootfs', 'ready')) !== null, 5000, 'the traps');
    t.ok(['kill', c.id]);
    await waitFor(() => read(path.join(b, 'rootfs', 'sig')) !== null, 5000, 'a signal');
    eq(read(path.join(b, 'rootfs', 'sig'))?.trim(), 'usr1', 'signal the container got from kill without a signal');
  });

h('Extensibility')('extensibility-unknown-properties', 'MUST', 'unknown properties (top level, in process, linux, a mount, root) are ignored: no error',
  (t) => {
    t.sh('true', (c) => {
      c['com.example.conformance'] = { nested: [1, 2] };
      c.process.conformanceUnknown = true;
      c.linux.conformanceUnknown = 'x';
      c.root.conformanceUnknown = 1;
      c.mounts[0].conformanceUnknown = null;
    });
  });
h('Valid values')('valid-values-error', 'MUST', 'invalid values are an error at create: unknown namespace type, uid as a string, non-string mount destination, unknown seccomp action',
  (t) => {
    const cases: [string, (c: any) => void][] = [
      ['namespace type "conformance"', (c) => { c.linux.namespaces.push({ type: 'conformance' }); }],
      ['process.user.uid "root"', (c) => { c.process.user.uid = 'root'; }],
      ['mounts[0].destination 42', (c) => { c.mounts.push({ destination: 42, type: 'tmpfs', source: 'tmpfs' }); }],
      ['seccomp action SCMP_ACT_CONFORMANCE', (c) => { c.linux.seccomp = { defaultAction: 'SCMP_ACT_CONFORMANCE' }; }],
    ];
    for (const [what, edit] of cases) expectCreateError(t, edit, what);
  });
