// runtime.md: state, lifecycle, errors, warnings and the operations (state, create, start, kill,
// delete), checked through runc's command line.
import * as fs from 'fs';
import * as path from 'path';
import {
  Ctx, Requirement, alive, assert, cgroupsOf, eq, errorLine, fail, host, nsOf, parseMountinfo, read, section, sh, sleep, sleepSync, waitFor,
} from '../lib';

const list: Requirement[] = [];
export default list;
const h = section('runtime.md', list);

/** What a failed operation must not have changed: the state dir's entries, the runtime's list,
 * the host mounts under the sandbox, the container's cgroups. */
function snapshot(t: Ctx, id?: string): string {
  // a state root made empty is an ancillary change (runc makes it on any command): only entries count
  const entries = fs.existsSync(t.root) ? fs.readdirSync(t.root).sort().join(',') : '';
  const listed = t.rt(['list', '--format', 'json']);
  let ids = '';
  try { ids = (JSON.parse(listed.stdout || 'null') ?? []).map((c: any) => `${c.id}:${c.status}:${c.pid}`).sort().join(','); } catch { ids = listed.stdout.trim(); }
  const mounts = parseMountinfo(read('/proc/self/mountinfo') ?? '').filter((m) => m.mountPoint.startsWith(t.dir)).map((m) => m.mountPoint).sort().join(',');
  const cg = id ? hostCgroupsNamed(id) : '';
  return `root=[${entries}] list=[${ids}] mounts=[${mounts}] cgroups=[${cg}]`;
}
/** Host directories of the cgroups `pid` is in that the runtime made (not the ones it inherited
 * from the caller, which are the caller's). */
function madeCgroups(pid: number): string[] {
  const cg = host.cgroups();
  const mine = new Map(cgroupsOf(process.pid).map((l) => [l.hierarchy === '0' ? '0' : l.controllers.join(','), l.path]));
  return cgroupsOf(pid).flatMap((l) => {
    const key = l.hierarchy === '0' ? '0' : l.controllers.join(',');
    if (l.path === '/' || mine.get(key) === l.path) return [];
    if (l.hierarchy === '0') return cg.unified ? [path.join(cg.unified, l.path)] : [];
    const ctrl = l.controllers.find((x) => cg.v1.has(x));
    return ctrl ? [path.join(cg.v1.get(ctrl)!, l.path)] : [];
  });
}
/** Processes (not this one) whose command line or working directory mentions `mark`. */
function processesMentioning(mark: string): string[] {
  const out: string[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    const cmd = read(`/proc/${d}/cmdline`) ?? '';
    let cwd = '';
    try { cwd = fs.readlinkSync(`/proc/${d}/cwd`); } catch { /* gone or kernel thread */ }
    if (cmd.includes(mark) || cwd.includes(mark)) out.push(`${d} (${cmd.replace(/\0/g, ' ').trim().slice(0, 60)})`);
  }
  return out;
}
function hostCgroupsNamed(id: string): string {
  const r = sh(`find /sys/fs/cgroup -maxdepth 6 -type d -name '*${id}*' 2>/dev/null`);
  return r.stdout.trim().split('\n').filter(Boolean).sort().join(',');
}
function expectError(t: Ctx, args: string[], what: string): void {
  const r = t.rt(args);
  if (r.code === 0) fail(`${what}: \`${args.join(' ')}\` exited 0 (no error)`);
}
/** A created container whose program appends to /marker: how many times it ran. */
function markerBundle(t: Ctx, extra?: (c: any) => void): string {
  return t.bundle((c) => {
    c.root.readonly = false;
    c.process.args = ['sh', '-c', 'echo ran >> /marker; exec sleep 1000'];
    extra?.(c);
  });
}
function markerCount(bundle: string): number {
  return (read(path.join(bundle, 'rootfs', 'marker')) ?? '').split('\n').filter(Boolean).length;
}

// ---------------------------------------------------------------------------------------------
h('Scope of a Container')('scope-same-entity', 'MUST',
  'the entity that created a container can use every operation on it (state, start, kill, delete), from another working directory and environment',
  async (t) => {
    const c = t.create();
    const other = { cwd: '/', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } };
    eq(JSON.parse(t.ok(['state', c.id], other).stdout).status, 'created', 'status after create');
    t.ok(['start', c.id], other);
    t.ok(['kill', c.id, 'KILL'], other);
    await t.waitStatus(c.id, 'stopped');
    t.ok(['delete', c.id], other);
    assert(t.tryState(c.id) === null, 'the container still exists after delete');
  });

// ---------------------------------------------------------------------------------------------
const state = h('State');

/** The fields of state-schema.json (draft-04) and the State section, checked by hand. */
function checkStateShape(st: any, what: string): void {
  assert(st && typeof st === 'object' && !Array.isArray(st), `${what}: state is not a JSON object`);
  for (const k of ['ociVersion', 'id', 'status', 'bundle']) assert(k in st, `${what}: state has no "${k}" (REQUIRED)`);
  assert(typeof st.ociVersion === 'string', `${what}: ociVersion is not a string`);
  assert(typeof st.id === 'string', `${what}: id is not a string`);
  assert(['creating', 'created', 'running', 'stopped'].includes(st.status) || typeof st.status === 'string', `${what}: status is not a string`);
  assert(typeof st.bundle === 'string', `${what}: bundle is not a string`);
  if ('pid' in st) assert(Number.isInteger(st.pid) && st.pid >= 0, `${what}: pid ${JSON.stringify(st.pid)} is not an integer >= 0`);
  if ('annotations' in st) {
    assert(st.annotations && typeof st.annotations === 'object' && !Array.isArray(st.annotations), `${what}: annotations is not a map`);
    for (const [k, v] of Object.entries(st.annotations)) assert(k.length > 0 && typeof v === 'string', `${what}: annotation ${JSON.stringify(k)} is not string -> string`);
  }
}

state('state-schema', 'MUST', 'the state JSON adheres to schema/state-schema.json (ociVersion, id, status, bundle required; pid integer >= 0; annotations string map) when created, running and stopped',
  async (t) => {
    const c = t.create((cfg) => { cfg.annotations = { 'org.example.k': 'v' }; });
    checkStateShape(t.state(c.id), 'created');
    t.ok(['start', c.id]);
    checkStateShape(t.state(c.id), 'running');
    t.ok(['kill', c.id, 'KILL']);
    await t.waitStatus(c.id, 'stopped');
    checkStateShape(t.state(c.id), 'stopped');
  });

state('state-id', 'MUST', 'state.id is the container\'s ID, and two containers on the host have distinct entries',
  (t) => {
    const a = t.create(), b = t.create();
    eq(t.state(a.id).id, a.id, 'state.id of the first');
    eq(t.state(b.id).id, b.id, 'state.id of the second');
    assert(a.pid !== b.pid, 'two containers report the same pid');
  });

state('state-status-created', 'MUST', 'status is "created" after create, while the user program has not run',
  (t) => { const c = t.create(); eq(t.state(c.id).status, 'created', 'status after create'); });

state('state-status-running', 'MUST', 'status is "running" once the user program executed and has not exited',
  (t) => {
    const c = t.start();
    eq(t.state(c.id).status, 'running', 'status after start');
    return waitFor(() => /sleep/.test(read(`/proc/${c.pid}/cmdline`) ?? ''), 3000, 'the user program').catch(() => fail('the container process is not running the user program'));
  });

state('state-status-stopped', 'MUST', 'status is "stopped" once the container process exited (by itself or killed)',
  async (t) => {
    const c = t.create((cfg) => { cfg.process.args = ['sh', '-c', 'exit 3']; });
    t.ok(['start', c.id]);
    await t.waitStatus(c.id, 'stopped');
    const k = t.start();
    t.ok(['kill', k.id, 'KILL']);
    await t.waitStatus(k.id, 'stopped');
  });

state('state-pid', 'MUST', 'state.pid is present when created or running and is the container process as the runtime sees it (on Linux)',
  (t) => {
    const c = t.create();
    const st = t.state(c.id);
    assert(Number.isInteger(st.pid) && st.pid > 0, `pid ${JSON.stringify(st.pid)} when created`);
    assert(alive(st.pid), `pid ${st.pid} is not a live process`);
    assert(nsOf(st.pid, 'pid') !== nsOf('self', 'pid'), `pid ${st.pid} is not in the container's new PID namespace`);
    t.ok(['start', c.id]);
    const st2 = t.state(c.id);
    eq(st2.pid, st.pid, 'pid after start');
    return waitFor(() => /^sleep\0/.test(read(`/proc/${st2.pid}/cmdline`) ?? ''), 3000, 'the user program').catch(() => fail(`pid ${st2.pid} is not the user program (sleep)`));
  });

state('state-pid-runtime-namespace-hooks', 'MUST', 'hooks run in the runtime namespace (prestart, createRuntime, poststart) get the pid as seen by the runtime',
  (t) => {
    const c = t.start((cfg) => {
      cfg.hooks = { prestart: [{ path: t.hook('prestart') }], createRuntime: [{ path: t.hook('createRuntime') }], poststart: [{ path: t.hook('poststart') }] };
    });
    for (const k of ['prestart', 'createRuntime', 'poststart']) {
      const s = t.hookOut(k, 'stdin');
      assert(s !== null, `the ${k} hook did not run`);
      eq(JSON.parse(s).pid, c.pid, `pid in the ${k} hook's state`);
    }
  });

state('state-pid-container-namespace-hooks', 'MUST', 'hooks run in the container namespace (createContainer, startContainer) get the pid as seen by the container (1 in a new PID namespace)',
  (t) => {
    const inOut = '/conformance-hooks';
    const c = t.start((cfg, b) => {
      cfg.root.readonly = false;
      cfg.hooks = {
        createContainer: [{ path: t.hook('createContainer') }],
        startContainer: [{ path: t.hook('startContainer', { outDir: inOut, inRootfs: path.join(b, 'rootfs') }) }],
      };
    });
    const cc = t.hookOut('createContainer', 'stdin');
    assert(cc !== null, 'the createContainer hook did not run (or could not write to the runtime namespace path)');
    const sc = read(path.join(c.bundle, 'rootfs', inOut.slice(1), 'startContainer.stdin'));
    assert(sc !== null, 'the startContainer hook did not run');
    eq(JSON.parse(cc).pid, 1, 'pid in the createContainer hook\'s state');
    eq(JSON.parse(sc).pid, 1, 'pid in the startContainer hook\'s state');
  });

state('state-bundle-absolute', 'MUST', 'state.bundle is the absolute path of the bundle, also when create was given a relative one',
  (t) => {
    const b = t.bundle((c) => { c.process.args = ['sleep', '1000']; });
    const id = t.id();
    t.ok(['create', '--bundle', path.basename(b), id], { cwd: path.dirname(b) });
    const st = t.state(id);
    eq(st.bundle, b, 'state.bundle');
  });

state('state-annotations', 'MUST', 'state.annotations is the annotations of the container\'s config',
  (t) => {
    const ann = { 'org.example.one': '1', 'com.example.empty': '', 'com.example.json': '{"a":[1]}' };
    const c = t.create((cfg) => { cfg.annotations = ann; });
    eq(t.state(c.id).annotations, ann, 'state.annotations');
  });

// ---------------------------------------------------------------------------------------------
const life = h('Lifecycle');

life('lifecycle-create-environment', 'MUST', 'create builds the runtime environment of config.json: namespaces, hostname, mounts, sysctls exist before start',
  (t) => {
    const c = t.create((cfg, b) => {
      cfg.hostname = 'envcheck';
      fs.mkdirSync(path.join(b, 'rootfs', 'conf'));
      cfg.mounts.push({ destination: '/conf', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] });
      cfg.linux.sysctl = { 'net.ipv4.ip_forward': '1' };
    });
    for (const ns of ['pid', 'net', 'ipc', 'uts', 'mnt']) assert(nsOf(c.pid, ns) !== nsOf('self', ns), `no new ${ns} namespace at create`);
    eq(sh(`nsenter -t ${c.pid} -u hostname`).stdout.trim(), 'envcheck', 'hostname in the container\'s UTS namespace at create');
    const mounts = parseMountinfo(read(`/proc/${c.pid}/mountinfo`) ?? '');
    assert(mounts.some((m) => m.mountPoint === '/conf' && m.fstype === 'tmpfs'), 'the /conf tmpfs is not mounted at create');
    eq(sh(`nsenter -t ${c.pid} -n cat /proc/sys/net/ipv4/ip_forward`).stdout.trim(), '1', 'net.ipv4.ip_forward in the container at create');
  });

life('lifecycle-create-error', 'MUST', 'when the environment of config.json cannot be created, create generates an error',
  (t) => {
    const b = t.bundle((c) => { c.mounts.push({ destination: '/conf', type: 'conformancefs', source: 'none' }); });
    const id = t.id();
    const r = t.rt(['create', '--bundle', b, id]);
    assert(r.code !== 0, 'create of a mount of a filesystem type the kernel does not have exited 0');
    assert(t.tryState(id) === null || t.tryState(id)?.status === 'stopped', 'the failed container is still there and not stopped');
  });

life('lifecycle-program-not-run-at-create', 'MUST', 'the user-specified program is not run by create',
  (t) => {
    const b = markerBundle(t);
    const c = t.create(undefined, { bundle: b });
    sleepSync(300);
    eq(markerCount(b), 0, 'times the program ran after create');
    t.ok(['start', c.id]);
    return waitFor(() => markerCount(b) === 1, 5000, 'the program to run after start');
  });

life('lifecycle-config-updates-ignored', 'MUST', 'updates to config.json after create do not affect the container',
  async (t) => {
    const b = t.bundle((c) => { c.root.readonly = false; c.process.args = ['sh', '-c', 'echo "$WHO" > /who; exec sleep 1000']; c.process.env.push('WHO=original'); });
    const c = t.create(undefined, { bundle: b });
    const cfg = t.config(b);
    cfg.process.args = ['sh', '-c', 'echo changed-args > /who; exec sleep 1000'];
    cfg.process.env = cfg.process.env.map((e: string) => (e.startsWith('WHO=') ? 'WHO=changed' : e));
    cfg.annotations = { 'org.example.changed': 'yes' };
    t.writeConfig(b, cfg);
    t.ok(['start', c.id]);
    await waitFor(() => read(path.join(b, 'rootfs', 'who')) !== null, 5000, 'the program to write /who');
    eq((read(path.join(b, 'rootfs', 'who')) ?? '').trim(), 'original', 'what the program saw');
    assert(!(t.state(c.id).annotations ?? {})['org.example.changed'], 'state shows an annotation added to config.json after create');
  });

/** A hook of `kind` that fails, plus a poststop hook recording that step 13 ran. */
function failingHook(t: Ctx, kind: string): { bundle: string; id: string; op: string } {
  const inRootfs = kind === 'startContainer';
  const bundle = t.bundle((c, b) => {
    c.process.args = ['sleep', '1000'];
    c.root.readonly = false;
    c.hooks = {
      [kind]: [{ path: t.hook(kind, { exit: 7, ...(inRootfs ? { inRootfs: path.join(b, 'rootfs'), outDir: '/conformance-hooks' } : {}) }) }],
      poststop: [{ path: t.hook('poststop') }],
    };
  });
  return { bundle, id: t.id(), op: ['startContainer', 'poststart'].includes(kind) ? 'start' : 'create' };
}
/** pids of the container as the failing hook saw them, or as state showed them before. */
async function expectFailedAndDestroyed(t: Ctx, kind: string, bundle: string, id: string, op: string, pidBefore: number): Promise<void> {
  const r = t.rt(op === 'start' ? ['start', id] : ['create', '--bundle', bundle, id]);
  assert(r.code !== 0, `${op} exited 0 although the ${kind} hook failed (exit 7)`);
  const stdin = kind === 'startContainer' ? read(path.join(bundle, 'rootfs', 'conformance-hooks', `${kind}.stdin`)) : t.hookOut(kind, 'stdin');
  assert(stdin !== null, `the ${kind} hook did not run`);
  // the host pid: from state before start, or from a runtime-namespace hook (which sees host pids)
  let pid = pidBefore;
  if (!pid && (kind === 'prestart' || kind === 'createRuntime')) { try { pid = JSON.parse(stdin).pid; } catch { /* none */ } }
  if (pid > 0) t.track(pid);
  if (pid > 1) await waitFor(() => !alive(pid), 3000, `the container process ${pid} to be stopped`).catch(() => fail(`the container process ${pid} is still alive after the failed ${kind} hook`));
  const st = t.tryState(id);
  assert(st === null || st.status === 'stopped', `after the failed ${kind} hook the container is ${st?.status}`);
  assert(t.hookOut('poststop', 'stdin') !== null, `the lifecycle did not continue at step 12-13: no poststop hook ran after the failed ${kind} hook`);
}

for (const [kind, step] of [['prestart', 3], ['createRuntime', 4], ['createContainer', 5]] as const) {
  life(`lifecycle-${kind}-invoked`, 'MUST', `the ${kind} hooks are invoked (step ${step}, during create)`,
    (t) => {
      const c = t.create((cfg) => { cfg.hooks = { [kind]: [{ path: t.hook(kind) }] }; });
      assert(t.hookOut(kind, 'stdin') !== null, `the ${kind} hook did not run during create`);
      eq(t.state(c.id).status, 'created', 'status after create');
    });
  life(`lifecycle-${kind}-fails`, 'MUST', `a failing ${kind} hook makes create generate an error, stops the container and continues at step 12 (destroy, poststop hooks)`,
    (t) => { const f = failingHook(t, kind); return expectFailedAndDestroyed(t, kind, f.bundle, f.id, f.op, 0); });
}
life('lifecycle-startContainer-invoked', 'MUST', 'the startContainer hooks are invoked (step 7, during start)',
  (t) => {
    const c = t.create((cfg, b) => {
      cfg.root.readonly = false;
      cfg.hooks = { startContainer: [{ path: t.hook('startContainer', { inRootfs: path.join(b, 'rootfs'), outDir: '/conformance-hooks' }) }] };
    });
    const out = path.join(c.bundle, 'rootfs', 'conformance-hooks', 'startContainer.stdin');
    assert(read(out) === null, 'the startContainer hook ran during create');
    t.startAndWait(c.id, c.pid);
    assert(read(out) !== null, 'the startContainer hook did not run during start');
  });
life('lifecycle-startContainer-fails', 'MUST', 'a failing startContainer hook makes start generate an error, stops the container and continues at step 12 (destroy, poststop hooks)',
  (t) => {
    const f = failingHook(t, 'startContainer');
    t.ok(['create', '--bundle', f.bundle, f.id]);
    return expectFailedAndDestroyed(t, 'startContainer', f.bundle, f.id, 'start', t.state(f.id).pid);
  });
life('lifecycle-run-program', 'MUST', 'start runs the user-specified program as specified by process (step 8)',
  async (t) => {
    const b = markerBundle(t);
    const c = t.create(undefined, { bundle: b });
    t.ok(['start', c.id]);
    await waitFor(() => markerCount(b) === 1, 5000, 'the program to run');
  });
life('lifecycle-poststart-invoked', 'MUST', 'the poststart hooks are invoked (step 9, during start)',
  (t) => {
    const c = t.create((cfg) => { cfg.hooks = { poststart: [{ path: t.hook('poststart') }] }; });
    assert(t.hookOut('poststart', 'stdin') === null, 'the poststart hook ran during create');
    t.ok(['start', c.id]);
    assert(t.hookOut('poststart', 'stdin') !== null, 'the poststart hook did not run during start');
  });
life('lifecycle-poststart-fails', 'MUST', 'a failing poststart hook makes start generate an error, stops the container and continues at step 12 (destroy, poststop hooks)',
  (t) => {
    const f = failingHook(t, 'poststart');
    t.ok(['create', '--bundle', f.bundle, f.id]);
    return expectFailedAndDestroyed(t, 'poststart', f.bundle, f.id, 'start', t.state(f.id).pid);
  });
life('lifecycle-destroy', 'MUST', 'delete destroys the container by undoing create: no process, state, cgroup or mount of it remains (step 12)',
  async (t) => {
    const c = t.start((cfg, b) => { fs.mkdirSync(path.join(b, 'rootfs', 'conf')); cfg.mounts.push({ destination: '/conf', type: 'tmpfs', source: 'tmpfs' }); });
    const dirs = madeCgroups(c.pid);
    const mntns = nsOf(c.pid, 'mnt');
    t.ok(['kill', c.id, 'KILL']);
    await t.waitStatus(c.id, 'stopped');
    t.ok(['delete', c.id]);
    assert(!alive(c.pid), `process ${c.pid} still alive`);
    assert(t.tryState(c.id) === null, 'state still answers');
    assert(!fs.existsSync(path.join(t.root, c.id)), `${path.join(t.root, c.id)} still exists`);
    const left = dirs.filter((d) => fs.existsSync(d));
    assert(left.length === 0, `cgroups left: ${left.join(', ')}`);
    const held = sh(`for p in /proc/[0-9]*; do [ "$(readlink $p/ns/mnt 2>/dev/null)" = "${mntns}" ] && echo $p; done`).stdout.trim();
    assert(!held, `processes still in the container's mount namespace: ${held}`);
  });
life('lifecycle-poststop-invoked', 'MUST', 'the poststop hooks are invoked by delete (step 13)',
  (t) => {
    const c = t.create((cfg) => { cfg.hooks = { poststop: [{ path: t.hook('poststop') }] }; });
    assert(t.hookOut('poststop', 'stdin') === null, 'the poststop hook ran before delete');
    t.ok(['delete', '--force', c.id]);
    assert(t.hookOut('poststop', 'stdin') !== null, 'the poststop hook did not run during delete');
  });
life('lifecycle-poststop-fails-warning', 'MUST', 'a failing poststop hook is logged as a warning; the remaining poststop hooks run and delete completes as if it had succeeded',
  (t) => {
    const c = t.create((cfg) => { cfg.hooks = { poststop: [{ path: t.hook('first', { exit: 5 }) }, { path: t.hook('second') }] }; });
    const r = t.rt(['delete', '--force', c.id], { log: true });
    eq(r.code, 0, 'exit code of delete');
    assert(t.hookOut('second', 'stdin') !== null, 'the poststop hook after the failing one did not run');
    assert(t.tryState(c.id) === null, 'the container still exists');
    assert(/warn/i.test(r.stderr + r.log), `no warning logged (stderr: ${JSON.stringify(r.stderr.trim())}, log: ${JSON.stringify(r.log.trim().slice(0, 200))})`);
  });

// ---------------------------------------------------------------------------------------------
h('Errors')('errors-leave-no-trace', 'MUST', 'an operation that generates an error leaves the environment as if it had never been attempted (a create that fails late: no state, list entry, mount, cgroup or process)',
  (t) => {
    const id = t.id();
    const before = snapshot(t, id);
    const b = t.bundle((c, bb) => {
      c.process.args = ['sleep', '1000'];
      c.linux.resources = { pids: { limit: 100 } };
      fs.mkdirSync(path.join(bb, 'rootfs', 'conf'));
      c.mounts.push({ destination: '/conf', type: 'tmpfs', source: 'tmpfs' });
      c.mounts.push({ destination: '/conf2', type: 'bind', source: path.join(bb, 'does-not-exist'), options: ['bind'] });
    });
    const mark = b;
    const r = t.rt(['create', '--bundle', b, id]);
    assert(r.code !== 0, 'create with a bind mount of a missing source exited 0');
    const after = snapshot(t, id);
    eq(after, before, 'environment after the failed create');
    const procs = processesMentioning(mark);
    assert(procs.length === 0, `processes of the failed create remain: ${procs.join(', ')}`);
    t.ok(['create', '--bundle', t.bundle(), id]); // the id is free again
  });

h('Warnings')('warnings-continue', 'MUST', 'logging a warning does not change the flow of the operation (a delete whose poststop hook fails still deletes)',
  (t) => {
    const c = t.create((cfg) => { cfg.hooks = { poststop: [{ path: t.hook('poststop', { exit: 1 }) }] }; });
    const r = t.rt(['delete', c.id]);
    eq(r.code, 0, 'exit code of delete');
    assert(t.tryState(c.id) === null, 'the container still exists after delete');
    assert(!alive(c.pid), 'the container process still runs');
  });

// ---------------------------------------------------------------------------------------------
h('Operations')('operations-supported', 'MUST', 'the runtime supports the state, create, start, kill and delete operations',
  async (t) => {
    const b = t.bundle((c) => { c.process.args = ['sleep', '1000']; });
    const id = t.id();
    for (const [args, what] of [[['create', '--bundle', b, id], 'create'], [['state', id], 'state'], [['start', id], 'start'], [['kill', id, 'KILL'], 'kill']] as const) {
      const r = t.rt([...args]);
      if (r.code !== 0) fail(`${what} exited ${r.code}: ${errorLine(r)}`);
    }
    await t.waitStatus(id, 'stopped');
    t.ok(['delete', id]);
  });

// ---------------------------------------------------------------------------------------------
const qs = h('Query State');
qs('state-no-id-error', 'MUST', 'state without a container ID generates an error', (t) => expectError(t, ['state'], 'state with no ID'));
qs('state-unknown-error', 'MUST', 'state of a container that does not exist generates an error', (t) => expectError(t, ['state', 'cf-no-such-container'], 'state of an unknown ID'));
qs('state-returns-state', 'MUST', 'state returns the state of the container as in the State section (its id, status, pid, bundle)',
  async (t) => {
    const c = t.create();
    const st = t.state(c.id);
    eq([st.id, st.status, st.pid, st.bundle], [c.id, 'created', c.pid, c.bundle], '[id, status, pid, bundle]');
    t.ok(['start', c.id]);
    eq(t.state(c.id).status, 'running', 'status after start');
  });

// ---------------------------------------------------------------------------------------------
const create = h('Create');
create('create-no-id-error', 'MUST', 'create without a container ID generates an error and creates nothing',
  (t) => {
    const b = t.bundle();
    const before = snapshot(t);
    expectError(t, ['create', '--bundle', b], 'create with no ID');
    eq(snapshot(t), before, 'environment after the failed create');
  });
create('create-no-bundle-error', 'MUST', 'create without a bundle (no --bundle and no config.json in the working directory, or a missing path) generates an error and creates nothing',
  (t) => {
    const id = t.id();
    const before = snapshot(t, id);
    const empty = t.path('empty');
    fs.mkdirSync(empty);
    const r1 = t.rt(['create', id], { cwd: empty });
    assert(r1.code !== 0, 'create with no bundle (cwd without config.json) exited 0');
    const r2 = t.rt(['create', '--bundle', t.path('no-such-bundle'), id]);
    assert(r2.code !== 0, 'create with a missing bundle path exited 0');
    eq(snapshot(t, id), before, 'environment after the failed creates');
  });
create('create-duplicate-id', 'MUST', 'create with an ID already in use generates an error, creates no container and leaves the existing one unchanged',
  (t) => {
    const c = t.create();
    const before = t.state(c.id);
    const other = t.bundle((cfg) => { cfg.process.args = ['sleep', '999']; });
    const r = t.rt(['create', '--bundle', other, c.id]);
    assert(r.code !== 0, 'a second create with the same ID exited 0');
    const after = t.state(c.id);
    eq([after.pid, after.status, after.bundle], [before.pid, before.status, before.bundle], 'the existing container [pid, status, bundle]');
    assert(alive(c.pid), 'the existing container process died');
  });
create('create-invalid-id', 'MUST', 'create with an invalid ID (path separators, "..", empty) generates an error and creates nothing, also not outside the state root',
  (t) => {
    const b = t.bundle();
    fs.mkdirSync(t.root, { recursive: true });
    const before = snapshot(t);
    const outside = fs.readdirSync(t.dir).sort().join(',');
    for (const bad of ['../escape', 'a/b', '..', '']) {
      const r = t.rt(['create', '--bundle', b, bad]);
      assert(r.code !== 0, `create with the ID ${JSON.stringify(bad)} exited 0`);
    }
    eq(snapshot(t), before, 'environment after the failed creates');
    eq(fs.readdirSync(t.dir).sort().join(','), outside, 'entries beside the state root');
  });
create('create-new-container', 'MUST', 'create makes a new container that state and list show as created',
  (t) => {
    const c = t.create();
    eq(t.state(c.id).status, 'created', 'status');
    const listed = t.ok(['list', '--format', 'json']).stdout;
    assert(listed.includes(c.id), 'list does not show the new container');
  });
create('create-applies-config', 'MUST', 'create applies every property of config.json except process (hostname, mounts, read-only root, sysctl) before start',
  (t) => {
    const c = t.create((cfg, b) => {
      cfg.hostname = 'applied';
      fs.mkdirSync(path.join(b, 'rootfs', 'conf'));
      cfg.mounts.push({ destination: '/conf', type: 'tmpfs', source: 'tmpfs', options: ['size=1m', 'noexec'] });
      cfg.linux.sysctl = { 'kernel.shmmni': '1234' };
    });
    eq(sh(`nsenter -t ${c.pid} -u hostname`).stdout.trim(), 'applied', 'hostname at create');
    const mounts = parseMountinfo(read(`/proc/${c.pid}/mountinfo`) ?? '');
    const conf = mounts.find((m) => m.mountPoint === '/conf');
    assert(conf && conf.options.includes('noexec'), 'the /conf mount is missing or not noexec at create');
    const root = mounts.find((m) => m.mountPoint === '/');
    assert(root && root.options.includes('ro'), 'the root filesystem is not read-only at create');
    eq(sh(`nsenter -t ${c.pid} -i cat /proc/sys/kernel/shmmni`).stdout.trim(), '1234', 'kernel.shmmni at create');
  });
create('create-args-not-applied', 'MUST', 'process.args is not applied until start: the created container\'s process is not the user program',
  (t) => {
    const c = t.create((cfg) => { cfg.process.args = ['sleep', '4242']; });
    const cmd = (read(`/proc/${c.pid}/cmdline`) ?? '').replace(/\0/g, ' ').trim();
    assert(cmd !== 'sleep 4242', 'the created container already runs its program');
    t.ok(['start', c.id]);
    // start may return before the exec is visible (runc does): give it a moment
    let cmd2 = '';
    return waitFor(() => { cmd2 = (read(`/proc/${c.pid}/cmdline`) ?? '').replace(/\0/g, ' ').trim(); return cmd2 === 'sleep 4242'; }, 3000, 'the program after start')
      .catch(() => fail(`the program after start: expected "sleep 4242", got ${JSON.stringify(cmd2)}`));
  });
create('create-cannot-apply-error', 'MUST', 'a property that cannot be applied (an unknown sysctl; a bind mount of a missing source) makes create generate an error and no container is created',
  (t) => {
    for (const [edit, what] of [
      [(c: any) => { c.linux.sysctl = { 'kernel.conformance_no_such_sysctl': '1' }; }, 'an unknown sysctl'],
      [(c: any) => { c.mounts.push({ destination: '/conf', type: 'none', source: '/no/such/source/dir', options: ['bind'] }); }, 'a bind mount of a missing source'],
    ] as const) {
      const id = t.id();
      const before = snapshot(t, id);
      const r = t.rt(['create', '--bundle', t.bundle(edit), id]);
      assert(r.code !== 0, `create with ${what} exited 0`);
      eq(snapshot(t, id), before, `environment after create with ${what}`);
    }
  });

// ---------------------------------------------------------------------------------------------
const start = h('Start');
start('start-no-id-error', 'MUST', 'start without a container ID generates an error', (t) => expectError(t, ['start'], 'start with no ID'));
start('start-not-created-error', 'MUST', 'start of a container that is not created (running, stopped) generates an error and has no effect on it',
  async (t) => {
    const b = markerBundle(t);
    const c = t.create(undefined, { bundle: b });
    t.ok(['start', c.id]);
    await waitFor(() => markerCount(b) === 1, 5000, 'the program to run');
    expectError(t, ['start', c.id], 'start of a running container');
    const st = t.state(c.id);
    eq([st.status, st.pid], ['running', c.pid], 'running container [status, pid] after the second start');
    sleepSync(200);
    eq(markerCount(b), 1, 'times the program ran');
    t.ok(['kill', c.id, 'KILL']);
    await t.waitStatus(c.id, 'stopped');
    expectError(t, ['start', c.id], 'start of a stopped container');
    sleepSync(200);
    eq(t.state(c.id).status, 'stopped', 'status after start of a stopped container');
    eq(markerCount(b), 1, 'times the program ran');
  });
start('start-runs-program', 'MUST', 'start runs the user-specified program with its args, env and cwd',
  async (t) => {
    const b = t.bundle((c) => {
      c.root.readonly = false;
      c.process.args = ['sh', '-c', 'echo "$0|$1|$X|$(pwd)" > /out; exec sleep 1000', 'zero', 'one two'];
      c.process.env.push('X=ex');
      c.process.cwd = '/tmp';
    });
    const c = t.create(undefined, { bundle: b });
    t.ok(['start', c.id]);
    await waitFor(() => read(path.join(b, 'rootfs', 'out')) !== null, 5000, 'the program');
    eq(read(path.join(b, 'rootfs', 'out')), 'zero|one two|ex|/tmp\n', 'what the program printed');
  });
start('start-no-process-error', 'MUST', 'start generates an error when process was not set (a create that refuses such a config also counts)',
  (t) => {
    const b = t.bundle((c) => { delete c.process; });
    const id = t.id();
    const r = t.rt(['create', '--bundle', b, id]);
    if (r.code !== 0) return 'create already refused the config without process';
    const s = t.rt(['start', id]);
    assert(s.code !== 0, 'start of a container without process exited 0');
  });

// ---------------------------------------------------------------------------------------------
const kill = h('Kill');
kill('kill-no-id-error', 'MUST', 'kill without a container ID generates an error', (t) => expectError(t, ['kill'], 'kill with no ID'));
kill('kill-not-running-error', 'MUST', 'kill of a container that is neither created nor running (stopped) generates an error and has no effect on it',
  async (t) => {
    const c = t.start((cfg) => { cfg.process.args = ['true']; });
    await t.waitStatus(c.id, 'stopped');
    expectError(t, ['kill', c.id, 'KILL'], 'kill of a stopped container');
    const st = t.tryState(c.id);
    assert(st !== null, 'the stopped container is gone after kill');
    eq(st.status, 'stopped', 'status');
  });
kill('kill-sends-signal', 'MUST', 'kill sends the given signal to the container process (running: a trapped SIGUSR1; created: SIGKILL)',
  async (t) => {
    const b = t.bundle((c) => {
      c.root.readonly = false;
      c.process.args = ['sh', '-c', 'trap "echo usr1 >> /sig" USR1; echo ready > /ready; while :; do sleep 0.05; done'];
    });
    const c = t.create(undefined, { bundle: b });
    t.ok(['start', c.id]);
    await waitFor(() => read(path.join(b, 'rootfs', 'ready')) !== null, 5000, 'the trap to be set');
    t.ok(['kill', c.id, 'USR1']);
    await waitFor(() => read(path.join(b, 'rootfs', 'sig')) !== null, 5000, 'the container process to get SIGUSR1');
    eq(t.state(c.id).status, 'running', 'status after SIGUSR1');
    const d = t.create();
    t.ok(['kill', d.id, 'KILL']);
    await t.waitStatus(d.id, 'stopped');
  });

// ---------------------------------------------------------------------------------------------
const del = h('Delete');
del('delete-no-id-error', 'MUST', 'delete without a container ID generates an error', (t) => expectError(t, ['delete'], 'delete with no ID'));
del('delete-running-error', 'MUST', 'delete of a running container generates an error and has no effect on it',
  (t) => {
    const c = t.start();
    expectError(t, ['delete', c.id], 'delete of a running container');
    const st = t.state(c.id);
    eq([st.status, st.pid], ['running', c.pid], '[status, pid] after delete');
    assert(alive(c.pid), 'the container process died');
  });
del('delete-created-error', 'MUST', 'delete of a created (not stopped) container generates an error and has no effect on it',
  (t) => {
    const c = t.create();
    const r = t.rt(['delete', c.id]);
    assert(r.code !== 0, 'delete of a created container exited 0 (the spec allows delete of stopped containers only; runc deletes created ones too)');
    const st = t.state(c.id);
    eq([st.status, st.pid], ['created', c.pid], '[status, pid] after delete');
  });
del('delete-removes-resources', 'MUST', 'delete removes the resources create made: state, exec fifo, processes, cgroups, mounts',
  async (t) => {
    const c = t.start();
    const dirs = madeCgroups(c.pid);
    t.ok(['kill', c.id, 'KILL']);
    await t.waitStatus(c.id, 'stopped');
    t.ok(['delete', c.id]);
    assert(!fs.existsSync(path.join(t.root, c.id)), `state directory ${path.join(t.root, c.id)} left`);
    assert(t.tryState(c.id) === null, 'state still answers');
    const left = dirs.filter((d) => fs.existsSync(d));
    assert(left.length === 0, `cgroups left: ${left.join(', ')}`);
  });
del('delete-keeps-foreign-resources', 'MUST', 'delete does not delete resources associated with the container but not created by it (bind-mount sources, a joined named network namespace)',
  async (t) => {
    const nsName = `cf-${t.ids.length}-${process.pid}-${Date.now() % 100000}`;
    const add = sh(`ip netns add ${nsName}`);
    if (add.code !== 0) fail(`check error: ip netns add: ${add.stderr.trim()}`);
    t.defer(() => { sh(`ip netns delete ${nsName}`); });
    const src = t.path('volume');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'keep'), 'data\n');
    const c = t.start((cfg, b) => {
      fs.mkdirSync(path.join(b, 'rootfs', 'vol'));
      cfg.mounts.push({ destination: '/vol', type: 'none', source: src, options: ['rbind', 'rw'] });
      cfg.linux.namespaces = cfg.linux.namespaces.map((n: any) => (n.type === 'network' ? { type: 'network', path: `/run/netns/${nsName}` } : n));
    });
    t.ok(['kill', c.id, 'KILL']);
    await t.waitStatus(c.id, 'stopped');
    t.ok(['delete', c.id]);
    eq(read(path.join(src, 'keep')), 'data\n', 'the bind source\'s file');
    assert(sh(`ip netns exec ${nsName} true`).code === 0, `the joined network namespace ${nsName} is gone`);
  });

void sleep;
