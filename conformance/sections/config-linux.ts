// config-linux.md: namespaces, mappings, devices, network devices, cgroups and their resources,
// Intel RDT, memory policy, sysctl, seccomp, propagation, masked and read-only paths, personality.
import * as fs from 'fs';
import * as path from 'path';
import {
  Ctx, DENY_ALL_DEVICES, Requirement, assert, cgroupChildFiles, cgroupDir, cgroupRead, cgroupRoot, cgroupsOf, eq, errorLine, fail, host, hostOk,
  killCgroup, mountAt, nsOf,
  parseMountinfo, propagation, read, section, settings, sh, skip, sleepSync, waitFor,
} from '../lib';
// The spec's type -> /proc/<pid>/ns/ name is a kernel fact, not tsrunc behaviour: shared, not copied.
import { NS_PROC_FILE } from '../../src/linux/namespaces';

const list: Requirement[] = [];
export default list;
const h = section('config-linux.md', list);
const HELPERS = path.join(__dirname, '..', 'helpers');

function expectCreateError(t: Ctx, edit: (c: any, b: string) => void, what: string): void {
  const id = t.id();
  const r = t.rt(['create', '--bundle', t.bundle(edit), id]);
  if (r.code === 0) fail(`create with ${what} exited 0 (no error)`);
  const st = t.tryState(id);
  assert(st === null || st.status === 'stopped', `create with ${what} failed but left a ${st?.status} container`);
}
function userns(c: any): void {
  c.linux.namespaces.push({ type: 'user' });
  c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
}

// ---------------------------------------------------------------------------------------------
const fsys = h('Default Filesystems');
for (const [p, type] of [['/proc', 'proc'], ['/sys', 'sysfs'], ['/dev/pts', 'devpts'], ['/dev/shm', 'tmpfs']]) {
  fsys(`default-filesystem-${p.slice(1).replace('/', '-')}`, 'SHOULD', `${p} is available in the container as ${type}`,
    (t) => {
      const m = mountAt(parseMountinfo(t.sh('cat /proc/self/mountinfo').stdout), p);
      assert(m, `${p} is not mounted`);
      eq(m.fstype, type, `filesystem type of ${p}`);
    });
}

// ---------------------------------------------------------------------------------------------
const ns = h('Namespaces');

ns('namespace-pid', 'SHOULD', 'pid namespaces are supported: the container process is PID 1 and sees only the container\'s processes',
  (t) => {
    const r = t.sh('echo $$; ls -d /proc/[0-9]* | wc -l');
    const [pid, n] = r.stdout.trim().split('\n');
    eq(pid, '1', 'the container process\'s pid');
    assert(Number(n) < 5, `the container sees ${n} processes`);
  });
ns('namespace-network', 'SHOULD', 'network namespaces are supported: the container has its own network stack (only lo)',
  (t) => {
    const r = t.sh('cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d " "; readlink /proc/self/ns/net');
    const lines = r.stdout.trim().split('\n');
    eq(lines.slice(0, -1), ['lo'], 'network interfaces');
    assert(lines[lines.length - 1] !== nsOf('self', 'net'), 'the container shares the host\'s network namespace');
  });
ns('namespace-mount', 'SHOULD', 'mount namespaces are supported: the container has an isolated mount table, also when its bundle is on a shared host mount',
  (t) => {
    const edit = (cfg: any, b: string) => { fs.mkdirSync(path.join(b, 'rootfs', 'conf')); cfg.mounts.push({ destination: '/conf', type: 'tmpfs', source: 'conformance-mnt' }); };
    const c = t.start(edit);
    assert(nsOf(c.pid, 'mnt') !== nsOf('self', 'mnt'), 'the container shares the host\'s mount namespace');
    assert(!(read('/proc/self/mountinfo') ?? '').includes('conformance-mnt'), 'the container\'s mount is visible on the host');
    // most hosts (systemd) have / shared: the container's mounts must not propagate back
    const shared = t.path('shared');
    t.mount('-t tmpfs -o size=16m tmpfs', shared);
    t.hostCommand(`mount --make-shared ${shared}`);
    // the rootfs a mount point of its own, as an image snapshot (overlay) is
    const b = t.bundle((cfg) => { cfg.mounts.push({ destination: '/conf', type: 'tmpfs', source: 'conformance-mnt' }); }, { parent: shared, rootfs: false });
    t.mount('-t tmpfs -o size=16m conformance-rootfs', path.join(b, 'rootfs'));
    t.hostCommand(`cp -a ${settings.rootfs}/. ${b}/rootfs/ && mkdir -p ${b}/rootfs/conf`);
    const id = t.id();
    const r = t.rt(['create', '--bundle', b, id]);
    const seen = parseMountinfo(read('/proc/self/mountinfo') ?? '').filter((m) => m.mountPoint.startsWith(b + '/rootfs/')).map((m) => m.mountPoint);
    const failed = r.code !== 0 ? ` (create exited ${r.code}: ${errorLine(r)})` : '';
    assert(seen.length === 0, `container mounts appeared on the host (rootfs a mount under a shared host mount)${failed}: ${seen.slice(0, 3).join(', ')}${seen.length > 3 ? ', ...' : ''}`);
    if (r.code !== 0) fail(`create with the rootfs a mount under a shared host mount exited ${r.code}: ${errorLine(r)}`);
  });
ns('namespace-ipc', 'SHOULD', 'ipc namespaces are supported: a host System V message queue is invisible in the container',
  (t) => {
    const q = sh('ipcmk -Q').stdout.match(/(\d+)/)?.[1];
    if (q) t.defer(() => { sh(`ipcrm -q ${q}`); });
    const r = t.sh('readlink /proc/self/ns/ipc; cat /proc/sysvipc/msg | tail -n +2 | wc -l');
    const [inode, n] = r.stdout.trim().split('\n');
    assert(inode !== nsOf('self', 'ipc'), 'the container shares the host\'s IPC namespace');
    if (q) eq(n.trim(), '0', 'System V message queues the container sees');
  });
ns('namespace-uts', 'SHOULD', 'uts namespaces are supported: the container has its own hostname and domain name',
  (t) => {
    const r = t.sh('readlink /proc/self/ns/uts; hostname', (c) => { c.hostname = 'uts-check'; });
    eq(r.stdout.trim().split('\n'), [r.stdout.trim().split('\n')[0], 'uts-check'], 'hostname');
    assert(r.stdout.split('\n')[0] !== nsOf('self', 'uts'), 'the container shares the host\'s UTS namespace');
  });
ns('namespace-user', 'SHOULD', 'user namespaces are supported: the container remaps user and group IDs',
  (t) => {
    const r = t.sh('id -u; cat /proc/self/uid_map', userns);
    eq(r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' ')), ['0', '0 100000 65536'], 'id -u and uid_map');
  });
ns('namespace-cgroup', 'SHOULD', 'cgroup namespaces are supported: the container sees its own cgroups as the root',
  (t) => {
    const r = t.sh('cat /proc/self/cgroup', (c) => { c.linux.namespaces.push({ type: 'cgroup' }); });
    for (const line of r.stdout.trim().split('\n')) assert(/:\/$/.test(line), `cgroup line ${line} is not the namespace root`);
  });
ns('namespace-time', 'SHOULD', 'time namespaces are supported: the container has its own clock offsets',
  (t) => {
    const r = t.sh('readlink /proc/self/ns/time; cat /proc/self/timens_offsets', (c) => { c.linux.namespaces.push({ type: 'time' }); c.linux.timeOffsets = { monotonic: { secs: 1234 } }; });
    const lines = r.stdout.trim().split('\n');
    assert(lines[0] !== nsOf('self', 'time'), 'the container shares the host\'s time namespace');
    assert(/^monotonic\s+1234\s+0$/m.test(r.stdout), `timens_offsets: ${lines.slice(1).join(' / ')}`);
  });

ns('namespace-path-absolute', 'MUST', 'a namespace path is absolute in the runtime mount namespace: a relative path is an error',
  (t) => expectCreateError(t, (c) => { c.linux.namespaces = c.linux.namespaces.map((n: any) => (n.type === 'network' ? { type: 'network', path: 'proc/1/ns/net' } : n)); }, 'namespace path "proc/1/ns/net"'));

const JOIN: [string, string[]][] = [
  ['network', ['--net']], ['uts', ['--uts']], ['ipc', ['--ipc']], ['pid', ['--pid']], ['mount', ['--mount']],
  ['user', ['--user']], ['cgroup', ['--cgroup']], ['time', ['--time', '--monotonic', '777']],
];
for (const [type, flags] of JOIN) {
  ns(`namespace-path-join-${type}`, 'MUST', `with a path, the container process is placed in that ${type} namespace`,
    async (t) => {
      const helper = await t.nsHelper(flags);
      const want = nsOf(helper, NS_PROC_FILE[type]);
      const c = t.start((cfg) => {
        cfg.linux.namespaces = cfg.linux.namespaces.filter((n: any) => n.type !== type);
        cfg.linux.namespaces.push({ type, path: `/proc/${helper}/ns/${NS_PROC_FILE[type]}` });
      });
      eq(nsOf(c.pid, NS_PROC_FILE[type]), want, `${type} namespace of the container process`);
    });
}
ns('namespace-path-wrong-type-error', 'MUST', 'a namespace path that is not a namespace of its type is an error',
  async (t) => {
    const helper = await t.nsHelper(['--uts']);
    expectCreateError(t, (c) => { c.linux.namespaces = c.linux.namespaces.map((n: any) => (n.type === 'network' ? { type: 'network', path: `/proc/${helper}/ns/uts` } : n)); }, 'a network namespace path to a UTS namespace');
  });
ns('namespace-new-without-path', 'MUST', 'a namespace without path is a new namespace of its type (pid, network, ipc, uts, mount, cgroup, time)',
  (t) => {
    const c = t.start((cfg) => { cfg.linux.namespaces.push({ type: 'cgroup' }, { type: 'time' }); });
    for (const n of ['pid', 'net', 'ipc', 'uts', 'mnt', 'cgroup', 'time']) assert(nsOf(c.pid, n) !== nsOf('self', n), `the container's ${n} namespace is the runtime's`);
  });
ns('namespace-inherit-unlisted', 'MUST', 'a namespace type not in the list is inherited from the runtime (only mount listed: pid, net, ipc, uts, cgroup, time, user are the runtime\'s)',
  (t) => {
    const c = t.start((cfg) => { cfg.linux.namespaces = [{ type: 'mount' }]; delete cfg.hostname; cfg.mounts = cfg.mounts.filter((m: any) => m.type !== 'sysfs' && m.type !== 'mqueue'); });
    for (const n of ['pid', 'net', 'ipc', 'uts', 'cgroup', 'time', 'user']) eq(nsOf(c.pid, n), nsOf('self', n), `${n} namespace of the container`);
  });
ns('namespace-duplicate-error', 'MUST', 'two namespaces of the same type are an error', (t) => expectCreateError(t, (c) => { c.linux.namespaces.push({ type: 'uts' }); }, 'two uts namespaces'));

// ---------------------------------------------------------------------------------------------
const um = h('User namespace mappings');
um('user-namespace-mappings', 'MUST', 'uidMappings and gidMappings (several ranges) are the user namespace\'s maps',
  (t) => {
    const r = t.sh('cat /proc/self/uid_map /proc/self/gid_map', (c) => {
      c.linux.namespaces.push({ type: 'user' });
      c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 1000 }, { containerID: 1000, hostID: 200000, size: 10 }];
      c.linux.gidMappings = [{ containerID: 0, hostID: 300000, size: 2000 }];
    });
    eq(r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' ')), ['0 100000 1000', '1000 200000 10', '0 300000 2000'], 'uid_map and gid_map');
  });
um('user-namespace-no-chown', 'SHOULD', 'the runtime does not change the ownership of the rootfs or mounted filesystems to realise the mapping',
  (t) => {
    const src = t.path('volume');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'f'), 'x');
    const r = t.sh('id -u', (c, b) => {
      userns(c);
      fs.mkdirSync(path.join(b, 'rootfs', 'conf'));
      c.mounts.push({ destination: '/conf', type: 'none', source: src, options: ['rbind', 'ro'] });
    });
    eq(r.stdout.trim(), '0', 'id -u in the container');
    const owners = sh(`stat -c '%u' ${r.bundle}/rootfs ${r.bundle}/rootfs/bin/busybox ${r.bundle}/rootfs/etc ${src} ${src}/f`).stdout.trim().split('\n');
    eq(owners, ['0', '0', '0', '0', '0'], 'owners of the rootfs and the bind source on the host');
  });

h('Offset for Time Namespace')('time-offsets', 'MUST', 'timeOffsets set the clock offsets of the time namespace (monotonic and boottime, secs and nanosecs)',
  (t) => {
    const r = t.sh('cat /proc/self/timens_offsets', (c) => {
      c.linux.namespaces.push({ type: 'time' });
      c.linux.timeOffsets = { monotonic: { secs: 3600, nanosecs: 500 }, boottime: { secs: 86400 } };
    });
    assert(/^monotonic\s+3600\s+500$/m.test(r.stdout) && /^boottime\s+86400\s+0$/m.test(r.stdout), `timens_offsets: ${r.stdout.trim().replace(/\n/g, ' / ')}`);
  });

// ---------------------------------------------------------------------------------------------
const dev = h('Devices');
/** [type, major:minor (hex, as stat prints them), mode, uid:gid] of each path */
function statDev(t: Ctx, devices: any[], paths: string[]): string[][] {
  const r = t.sh(`stat -c "%F|%t:%T|%a|%u:%g" ${paths.join(' ')}`, (c) => { c.linux.devices = devices; });
  return r.stdout.trim().split('\n').map((l) => l.split('|'));
}
dev('devices-char', 'MUST', 'a "c" device is available with its major and minor numbers',
  (t) => { eq(statDev(t, [{ path: '/dev/conf-null', type: 'c', major: 1, minor: 3 }], ['/dev/conf-null'])[0].slice(0, 2), ['character special file', '1:3'], 'type and numbers'); });
dev('devices-block', 'MUST', 'a "b" device is available with its major and minor numbers',
  (t) => { eq(statDev(t, [{ path: '/dev/conf-loop', type: 'b', major: 7, minor: 0 }], ['/dev/conf-loop'])[0].slice(0, 2), ['block special file', '7:0'], 'type and numbers'); });
dev('devices-unbuffered', 'MUST', 'a "u" (unbuffered character) device is available as a character device',
  (t) => { eq(statDev(t, [{ path: '/dev/conf-zero', type: 'u', major: 1, minor: 5 }], ['/dev/conf-zero'])[0].slice(0, 2), ['character special file', '1:5'], 'type and numbers'); });
dev('devices-fifo', 'MUST', 'a "p" device is available as a FIFO', (t) => { eq(statDev(t, [{ path: '/dev/conf-fifo', type: 'p' }], ['/dev/conf-fifo'])[0][0], 'fifo', 'type'); });
dev('devices-file-mode', 'MUST', 'fileMode is the device\'s mode',
  (t) => { eq(statDev(t, [{ path: '/dev/conf-null', type: 'c', major: 1, minor: 3, fileMode: 0o640 }], ['/dev/conf-null'])[0][2], '640', 'mode'); });
dev('devices-owner', 'MUST', 'uid and gid are the device\'s owner in the container namespace',
  (t) => { eq(statDev(t, [{ path: '/dev/conf-null', type: 'c', major: 1, minor: 3, uid: 12, gid: 34 }], ['/dev/conf-null'])[0][3], '12:34', 'owner'); });
dev('devices-existing-mismatch-error', 'MUST', 'a file already at a device path that does not match the device is an error',
  (t) => expectCreateError(t, (c, b) => {
    fs.writeFileSync(path.join(b, 'rootfs', 'etc', 'conf-device'), 'a regular file');
    c.linux.devices = [{ path: '/etc/conf-device', type: 'c', major: 1, minor: 3 }];
  }, 'a regular file at the device path'));

const dd = h('Default Devices');
for (const [p, mm, use] of [
  ['/dev/null', '1:3', 'echo x > /dev/null && head -c 3 /dev/null | wc -c'],
  ['/dev/zero', '1:5', 'head -c 3 /dev/zero | od -An -tx1 | tr -d " "'],
  ['/dev/full', '1:7', 'echo x > /dev/full 2>/dev/null; echo rc=$?'],
  ['/dev/random', '1:8', 'head -c 4 /dev/random | wc -c'],
  ['/dev/urandom', '1:9', 'head -c 4 /dev/urandom | wc -c'],
  ['/dev/tty', '5:0', 'true'],
] as const) {
  const expected: Record<string, string> = { '/dev/null': '0', '/dev/zero': '000000', '/dev/full': 'rc=1', '/dev/random': '4', '/dev/urandom': '4', '/dev/tty': '' };
  dd(`default-device-${p.slice(5)}`, 'MUST', `${p} is supplied (character device ${mm}, usable although the device cgroup denies everything else)`,
    (t) => {
      const r = t.sh(`stat -c "%F %t:%T" ${p}; ${use}`, (c) => { c.linux.resources = { devices: DENY_ALL_DEVICES }; });
      const [kind, out = ''] = r.stdout.trim().split('\n');
      const [maj, min] = mm.split(':').map((x) => Number(x).toString(16));
      eq(kind, `character special file ${maj}:${min}`, `${p}`);
      eq(out.trim(), expected[p], `using ${p}`);
    });
}
dd('default-device-ptmx', 'MUST', '/dev/ptmx is supplied as a bind mount or symlink of the container\'s /dev/pts/ptmx',
  (t) => {
    const r = t.sh('readlink /dev/ptmx || echo "(not a symlink)"; stat -L -c "%d:%i" /dev/ptmx /dev/pts/ptmx', (c) => { c.linux.resources = { devices: DENY_ALL_DEVICES }; });
    const [link, a, b] = r.stdout.trim().split('\n');
    assert(link === 'pts/ptmx' || link === '/dev/pts/ptmx' || a === b, `/dev/ptmx is neither a symlink to pts/ptmx nor the same file (readlink: ${link}; ${a} vs ${b})`);
  });
dd('default-device-console', 'MUST', '/dev/console is set up with terminal: true, by bind mounting the pseudoterminal to it',
  async (t) => {
    const py = host.python();
    if (!py) skip('python3 (needed for the console-socket helper) is not installed');
    const sock = t.path('console.sock'), out = t.path('console.out');
    const p = t.helper(py, [path.join(HELPERS, 'fd_receiver.py'), 'console', sock, out]);
    await waitFor(() => fs.existsSync(sock), 5000, 'the console socket');
    const b = t.bundle((c) => { c.process.terminal = true; c.process.args = ['sh', '-c', 'stat -c "%t:%T" /dev/console $(tty)']; c.linux.resources = { devices: DENY_ALL_DEVICES }; });
    const id = t.id();
    t.ok(['create', '--bundle', b, '--console-socket', sock, id]);
    t.ok(['start', id]);
    await t.waitStatus(id, 'stopped', 10000);
    await waitFor(() => p.exitCode !== null, 5000, 'the pty to close');
    const [consoleDev, ttyDev] = (read(out) ?? '').replace(/\r/g, '').trim().split('\n');
    assert(consoleDev && consoleDev === ttyDev && consoleDev.startsWith('88:'), `/dev/console is ${consoleDev}, the terminal ${ttyDev}`);
  });

// ---------------------------------------------------------------------------------------------
const nd = h('Network Devices');
const runtimeNetns = new WeakMap<Ctx, string>();
/** A veth pair to move: `name` (with an address) and its peer, in a network namespace of this
 * requirement's own, which is the runtime's for every call (never the machine's namespace). */
function veth(t: Ctx): string {
  const n = `${process.pid % 1000}${t.ids.length}${Math.floor(Math.random() * 100)}`;
  const name = `cfv${n}`.slice(0, 12), netns = `cf-nd-${n}`;
  const r = sh(`ip netns add ${netns}`);
  if (r.code !== 0) skip(`cannot make a network namespace on this machine: ${r.stderr.trim()}`);
  t.defer(() => { sh(`ip netns del ${netns} 2>/dev/null`); });
  hostOk(`ip -n ${netns} link add ${name} type veth peer name ${name}p`);
  hostOk(`ip -n ${netns} addr add 192.0.2.10/24 dev ${name}`);
  t.wrap = ['nsenter', `--net=/run/netns/${netns}`];
  runtimeNetns.set(t, netns);
  return name;
}
/** The runtime's namespace (the requirement's own once veth() made one). */
function inRuntimeNs(t: Ctx, cmd: string): string { const ns = runtimeNetns.get(t); return ns ? `ip netns exec ${ns} ${cmd}` : cmd; }
function ipInContainer(t: Ctx, name: string, netDevices: any, script: string) {
  return t.sh(script, (c) => { c.linux.netDevices = netDevices; void name; });
}
nd('netdevices-moved', 'MUST', 'a device in netDevices is made available in the container (moved from the host\'s namespace)',
  (t) => {
    const d = veth(t);
    const r = ipInContainer(t, d, { [d]: {} }, `ip -o link show ${d} >/dev/null && echo present`);
    eq(r.stdout.trim(), 'present', `${d} in the container`);
    assert(sh(inRuntimeNs(t, `ip link show ${d}`)).code !== 0, `${d} is still in the runtime's namespace while the container exists`);
  });
nd('netdevices-rename', 'MUST', 'netDevices[].name is the device\'s name in the container',
  (t) => { const d = veth(t); eq(ipInContainer(t, d, { [d]: { name: 'conf0' } }, 'ip -o link show conf0 >/dev/null && echo renamed').stdout.trim(), 'renamed', 'conf0 in the container'); });
nd('netdevices-name-exists-error', 'MUST', 'a netDevices name that already exists in the container namespace (lo) is an error',
  (t) => { const d = veth(t); expectCreateError(t, (c) => { c.linux.netDevices = { [d]: { name: 'lo' } }; }, `netDevices ${d} named "lo"`); });
nd('netdevices-name-template', 'MUST', 'a name ending in %d is a template: the move is allowed and the kernel picks a unique name',
  (t) => { const d = veth(t); eq(ipInContainer(t, d, { [d]: { name: 'conf%d' } }, 'ip -o link show | grep -c ": conf[0-9]"').stdout.trim(), '1', 'devices named conf<N>'); });
nd('netdevices-missing-error', 'MUST', 'the runtime checks that the move is possible: a host device that does not exist is an error',
  (t) => expectCreateError(t, (c) => { c.linux.netDevices = { 'cf-no-such-if': {} }; }, 'a missing network device'));
nd('netdevices-addresses', 'MUST', 'the device keeps its permanent global addresses when moved',
  (t) => { const d = veth(t); assert(/192\.0\.2\.10\/24/.test(ipInContainer(t, d, { [d]: {} }, `ip -o addr show ${d}`).stdout), 'the address 192.0.2.10/24 is not on the device in the container'); });
nd('netdevices-up', 'MUST', 'the runtime sets the device up after moving it',
  (t) => { const d = veth(t); assert(/[<,]UP[,>]/.test(ipInContainer(t, d, { [d]: {} }, `ip -o link show ${d}`).stdout), 'the device is not UP in the container'); });
nd('netdevices-not-moved-back', 'MUST', 'the runtime does not move the device out of the namespace before deletion (a veth goes away with the namespace)',
  async (t) => {
    const d = veth(t);
    const c = t.start((cfg) => { cfg.linux.netDevices = { [d]: {} }; });
    t.ok(['kill', c.id, 'KILL']);
    await t.waitStatus(c.id, 'stopped');
    t.ok(['delete', c.id]);
    sleepSync(200);
    assert(sh(inRuntimeNs(t, `ip link show ${d}`)).code !== 0, `${d} is in the runtime's namespace after delete (moved back, or never moved)`);
  });

// ---------------------------------------------------------------------------------------------
const cgp = h('Cgroups Path');
function allCgroupMounts(): string[] { const c = host.cgroups(); return [...new Set([...c.v1.values(), ...(c.unified ? [c.unified] : [])])]; }
function cleanupCgroupPath(t: Ctx, rel: string): void {
  t.defer(() => { for (const mp of allCgroupMounts()) { const d = path.join(mp, rel); if (fs.existsSync(d)) killCgroup(d); } });
}
cgp('cgroups-path-absolute', 'MUST', 'an absolute cgroupsPath is relative to the cgroups mount point (every hierarchy the container is in)',
  (t) => {
    const rel = `/conformance-${settings.run}-${t.ids.length + 1}/inner`;
    cleanupCgroupPath(t, path.dirname(rel));
    const c = t.create((cfg) => { cfg.linux.cgroupsPath = rel; });
    const cg = host.cgroups();
    const lines = cgroupsOf(c.pid).filter((l) => l.controllers.some((x) => cg.v1.has(x)) || (l.hierarchy === '0' && cg.unifiedControllers.length > 0));
    assert(lines.length > 0, 'the container is in no cgroup controller hierarchy');
    for (const l of lines) eq(l.path, rel, `cgroup of the ${l.controllers.join(',') || 'unified'} hierarchy`);
    const mp = cg.v1.get('pids') ?? cg.v1.get('memory') ?? cg.unified!;
    assert(fs.existsSync(path.join(mp, rel)), `${path.join(mp, rel)} does not exist`);
  });
cgp('cgroups-path-consistent', 'MUST', 'the same cgroupsPath attaches to the same place in the hierarchy (two containers one after the other)',
  async (t) => {
    const rel = `/conformance-${settings.run}-${t.ids.length + 1}`;
    cleanupCgroupPath(t, rel);
    const a = t.start((cfg) => { cfg.linux.cgroupsPath = rel; });
    const first = cgroupsOf(a.pid).map((l) => `${l.controllers.join(',')}:${l.path}`).join(' ');
    t.ok(['kill', a.id, 'KILL']);
    await t.waitStatus(a.id, 'stopped');
    t.ok(['delete', a.id]);
    const b = t.start((cfg) => { cfg.linux.cgroupsPath = rel; });
    eq(cgroupsOf(b.pid).map((l) => `${l.controllers.join(',')}:${l.path}`).join(' '), first, 'cgroups of the second container');
  });

// ---- ownership ------------------------------------------------------------------------------
const own = h('Cgroup ownership');
function ownedBy(t: Ctx, edit: (c: any) => void): string[] {
  const c = t.create((cfg) => { cfg.process.user = { uid: 1000, gid: 1000 }; edit(cfg); });
  const cg = host.cgroups();
  const dirs = cgroupsOf(c.pid).flatMap((l) => {
    if (l.hierarchy === '0') return cg.unified ? [path.join(cg.unified, l.path)] : [];
    const k = l.controllers.find((x) => cg.v1.has(x));
    return k ? [path.join(cg.v1.get(k)!, l.path)] : [];
  });
  return dirs.map((d) => `${d}:${fs.statSync(d).uid}`);
}
const v2only = () => { if (!host.cgroupV2Only()) skip('cgroup v2 delegation rule: this machine uses cgroup v1 controllers (where ownership must not change at all)'); };
const rwCgroupMount = { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime'] };
own('cgroup-ownership-v1', 'SHOULD', 'with cgroup v1 the runtime does not change the ownership of the container\'s cgroups (even for a non-root user with a cgroup namespace and a read-write cgroup mount)',
  (t) => {
    if (host.cgroupV2Only()) skip('this machine has no cgroup v1 controllers');
    const owners = ownedBy(t, (c) => { c.linux.namespaces.push({ type: 'cgroup' }); c.mounts.push(rwCgroupMount); }).filter((o) => !o.includes('/unified/'));
    for (const o of owners) assert(o.endsWith(':0'), `cgroup owner changed: ${o}`);
  });
own('cgroup-ownership-needs-cgroupns', 'SHOULD', 'without a new cgroup namespace the runtime does not change the ownership of the container cgroup',
  (t) => { v2only(); for (const o of ownedBy(t, (c) => { c.mounts.push(rwCgroupMount); })) assert(o.endsWith(':0'), `cgroup owner changed: ${o}`); });
own('cgroup-ownership-rw-mount', 'SHOULD', 'with a cgroup namespace and a read-write /sys/fs/cgroup mount the runtime changes the container cgroup\'s owner to the process user',
  (t) => { v2only(); const o = ownedBy(t, (c) => { c.linux.namespaces.push({ type: 'cgroup' }); c.mounts.push(rwCgroupMount); }); assert(o.every((x) => x.endsWith(':1000')), `owners ${o.join(', ')}`); });
own('cgroup-ownership-no-mount', 'SHOULD', 'without a read-write cgroup mount the runtime does not change the cgroup ownership',
  (t) => { v2only(); for (const o of ownedBy(t, (c) => { c.linux.namespaces.push({ type: 'cgroup' }); })) assert(o.endsWith(':0'), `cgroup owner changed: ${o}`); });
own('cgroup-ownership-delegate-files', 'SHOULD', 'a runtime that changes the cgroup ownership changes only the directory and the files listed in /sys/kernel/cgroup/delegate',
  (t) => {
    v2only();
    const c = t.create((cfg) => { cfg.process.user = { uid: 1000, gid: 1000 }; cfg.linux.namespaces.push({ type: 'cgroup' }); cfg.mounts.push(rwCgroupMount); });
    const dir = cgroupDir(c.pid, 'pids');
    const delegate = (read('/sys/kernel/cgroup/delegate') ?? 'cgroup.procs\ncgroup.subtree_control\ncgroup.threads\n').trim().split('\n');
    const wrong = fs.readdirSync(dir).filter((f) => fs.statSync(path.join(dir, f)).uid === 1000 && !delegate.includes(f));
    assert(wrong.length === 0, `files chowned beyond the delegate list: ${wrong.join(', ')}`);
  });
own('cgroup-ownership-missing-files', 'MUST', 'delegate files that do not exist in the cgroup do not make the runtime fail',
  (t) => { v2only(); t.sh('true', (c) => { c.process.user = { uid: 1000, gid: 1000 }; c.linux.namespaces.push({ type: 'cgroup' }); c.mounts.push(rwCgroupMount); }); });
own('cgroup-ownership-fallback-list', 'MUST', 'without /sys/kernel/cgroup/delegate the runtime uses cgroup.procs, cgroup.subtree_control and cgroup.threads',
  (t) => {
    v2only();
    if (fs.existsSync('/sys/kernel/cgroup/delegate')) skip('this kernel has /sys/kernel/cgroup/delegate: the fallback cannot be observed');
    const c = t.create((cfg) => { cfg.process.user = { uid: 1000, gid: 1000 }; cfg.linux.namespaces.push({ type: 'cgroup' }); cfg.mounts.push(rwCgroupMount); });
    const dir = cgroupDir(c.pid, 'pids');
    for (const f of ['cgroup.procs', 'cgroup.subtree_control', 'cgroup.threads']) eq(fs.statSync(path.join(dir, f)).uid, 1000, `owner of ${f}`);
  });

// ---- device allowlist ----------------------------------------------------------------------
const dal = h('Allowed Device list');
const FUSE = { path: '/dev/conf-fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666 };
function openFuse(t: Ctx, rules: any[], mode: '<>' | '<' | '>' = '<>'): string {
  if (!fs.existsSync('/dev/fuse')) skip('this machine has no /dev/fuse (10:229), the device these checks open');
  const r = t.sh(`(exec 3${mode}/dev/conf-fuse) 2>/dev/null && echo open || echo denied`, (c) => { c.linux.devices = [FUSE]; c.linux.resources = { devices: rules }; });
  return r.stdout.trim();
}
dal('devices-allowlist-order', 'MUST', 'device cgroup entries are applied in the listed order (deny all then allow c 10:229 opens it; allow then deny all does not)',
  (t) => {
    eq(openFuse(t, [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' }]), 'open', 'deny all, then allow 10:229');
    eq(openFuse(t, [{ allow: true, type: 'c', major: 10, minor: 229, access: 'rw' }, { allow: false, access: 'rwm' }]), 'denied', 'allow 10:229, then deny all');
  });
dal('devices-allowlist-access', 'MUST', 'access is a composition of r, w and m: "r" allows reading and not writing',
  (t) => {
    const rules = [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 229, access: 'r' }];
    eq(openFuse(t, rules, '<'), 'open', 'open for reading');
    eq(openFuse(t, rules, '>'), 'denied', 'open for writing');
  });
dal('devices-allowlist-wildcards', 'MUST', 'unset type means all ("a"), unset major/minor mean all: {allow, type c, major 10} allows 10:229; {deny} without type denies block devices',
  (t) => {
    eq(openFuse(t, [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, access: 'rw' }]), 'open', 'allow c 10:*');
    const r = t.sh('(exec 3</dev/conf-loop) 2>/dev/null && echo open || echo denied', (c) => {
      c.linux.devices = [{ path: '/dev/conf-loop', type: 'b', major: 7, minor: 0 }];
      c.linux.resources = { devices: [{ allow: false, access: 'rwm' }] };
    });
    eq(r.stdout.trim(), 'denied', 'block device 7:0 after a deny without type');
  });

// ---- resources -----------------------------------------------------------------------------
/** Create a container with `resources` and give `check` its cgroup directory for `controller`. */
function withResources(t: Ctx, controller: string, resources: any, check: (dir: string, v2: boolean) => void | string, edit?: (c: any) => void,
  files: { v1?: string[]; v2?: string[]; why?: string } = {}): void | string {
  // what this machine cannot do is decided before any container exists: a runtime that cannot
  // apply a setting must fail create, which is not what these checks look at
  const top = cgroupRoot(controller);
  for (const f of (top.v2 ? files.v2 : files.v1) ?? []) {
    if (!cgroupChildFiles(controller).has(f)) skip(`a ${controller} cgroup has no ${f} on this machine${files.why ? `: ${files.why}` : ''}`);
  }
  const c = t.create((cfg) => { cfg.linux.resources = resources; edit?.(cfg); });
  const dir = cgroupDir(c.pid, controller);
  const cg = host.cgroups();
  const v2 = !!cg.unified && dir.startsWith(cg.unified + '/');
  const mp = v2 ? cg.unified! : cg.v1.get(controller)!;
  assert(path.resolve(dir) !== path.resolve(mp), `the container is in the root ${controller} cgroup`);
  return check(dir, v2);
}

const mem = h('Memory');
const MiB = 1024 * 1024;
mem('memory-limit', 'MUST', 'memory.limit sets the memory limit', (t) => withResources(t, 'memory', { memory: { limit: 64 * MiB } },
  (d, v2) => eq(cgroupRead(d, v2 ? 'memory.max' : 'memory.limit_in_bytes'), String(64 * MiB), 'memory limit')));
mem('memory-reservation', 'MUST', 'memory.reservation sets the soft limit', (t) => withResources(t, 'memory', { memory: { limit: 64 * MiB, reservation: 32 * MiB } },
  (d, v2) => eq(cgroupRead(d, v2 ? 'memory.low' : 'memory.soft_limit_in_bytes'), String(32 * MiB), 'memory reservation')));
mem('memory-swap', 'MUST', 'memory.swap sets the memory+swap limit', (t) => withResources(t, 'memory', { memory: { limit: 64 * MiB, swap: 128 * MiB } },
  (d, v2) => (v2 ? eq(cgroupRead(d, 'memory.swap.max'), String(64 * MiB), 'memory.swap.max (swap - limit)') : eq(cgroupRead(d, 'memory.memsw.limit_in_bytes'), String(128 * MiB), 'memory+swap limit')),
  undefined, { v1: ['memory.memsw.limit_in_bytes'], why: 'the kernel does no swap accounting' }));
mem('memory-kernel', 'MUST', 'memory.kernel (not recommended) sets the kernel memory limit', (t) => {
  const cg = host.cgroups();
  if (!cg.v1.has('memory')) skip('cgroup v2 has no kernel memory limit');
  const probe = path.join(cg.v1.get('memory')!, `conformance-probe-${settings.run}`);
  fs.mkdirSync(probe, { recursive: true });
  const w = sh(`echo ${64 * MiB} > ${probe}/memory.kmem.limit_in_bytes`);
  fs.rmdirSync(probe);
  if (w.code !== 0) skip(`this kernel no longer sets kernel memory limits (${w.stderr.trim().replace(/^.*: /, '')})`);
  return withResources(t, 'memory', { memory: { limit: 128 * MiB, kernel: 64 * MiB } }, (d) => eq(cgroupRead(d, 'memory.kmem.limit_in_bytes'), String(64 * MiB), 'kernel memory limit'));
});
mem('memory-kernel-tcp', 'MUST', 'memory.kernelTCP (not recommended) sets the kernel TCP buffer limit', (t) => {
  if (!host.cgroups().v1.has('memory')) skip('cgroup v2 has no kernel TCP memory limit');
  return withResources(t, 'memory', { memory: { limit: 128 * MiB, kernelTCP: 16 * MiB } }, (d) => eq(cgroupRead(d, 'memory.kmem.tcp.limit_in_bytes'), String(16 * MiB), 'kernel TCP limit'),
    undefined, { v1: ['memory.kmem.tcp.limit_in_bytes'], why: 'no kernel TCP accounting' });
});
mem('memory-swappiness', 'MUST', 'memory.swappiness sets the cgroup\'s swappiness', (t) => {
  if (!host.cgroups().v1.has('memory')) skip('cgroup v2 has no per-cgroup swappiness');
  return withResources(t, 'memory', { memory: { swappiness: 37 } }, (d) => eq(cgroupRead(d, 'memory.swappiness'), '37', 'swappiness'));
});
mem('memory-disable-oom-killer', 'MUST', 'memory.disableOOMKiller true disables the OOM killer for the cgroup', (t) => {
  if (!host.cgroups().v1.has('memory')) skip('cgroup v2 has no OOM-killer switch');
  return withResources(t, 'memory', { memory: { limit: 64 * MiB, disableOOMKiller: true } }, (d) => assert(/oom_kill_disable 1/.test(cgroupRead(d, 'memory.oom_control')), 'memory.oom_control has no oom_kill_disable 1'));
});
mem('memory-use-hierarchy', 'MUST', 'memory.useHierarchy true enables hierarchical accounting', (t) => {
  if (!host.cgroups().v1.has('memory')) skip('cgroup v2 is always hierarchical');
  return withResources(t, 'memory', { memory: { useHierarchy: true } }, (d) => eq(cgroupRead(d, 'memory.use_hierarchy'), '1', 'use_hierarchy'));
});
mem('memory-check-before-update', 'MUST', 'with checkBeforeUpdate, an update to a memory limit below the current usage is rejected',
  (t) => {
    const help = t.rt(['update', '--help'], { noRoot: true });
    if (help.code !== 0) fail(`the runtime has no update command (\`update --help\` exited ${help.code})`);
    const c = t.start((cfg) => { cfg.linux.resources = { memory: { limit: 64 * MiB, checkBeforeUpdate: true } }; });
    const file = t.path('resources.json');
    fs.writeFileSync(file, JSON.stringify({ memory: { limit: 4096 * 4, checkBeforeUpdate: true } }));
    const r = t.rt(['update', '--resources', file, c.id]);
    assert(r.code !== 0, 'update to a limit below the usage exited 0');
    assert(t.state(c.id).status === 'running', 'the container is no longer running');
  });

const cpu = h('CPU');
cpu('cpu-shares', 'MUST', 'cpu.shares sets the relative CPU share', (t) => withResources(t, 'cpu', { cpu: { shares: 512 } },
  (d, v2) => { if (v2) assert(cgroupRead(d, 'cpu.weight') !== '100', 'cpu.weight is the default 100'); else eq(cgroupRead(d, 'cpu.shares'), '512', 'cpu.shares'); }));
cpu('cpu-quota-period', 'MUST', 'cpu.quota and cpu.period set the CFS bandwidth', (t) => withResources(t, 'cpu', { cpu: { quota: 50000, period: 200000 } },
  (d, v2) => { if (v2) eq(cgroupRead(d, 'cpu.max'), '50000 200000', 'cpu.max'); else eq([cgroupRead(d, 'cpu.cfs_quota_us'), cgroupRead(d, 'cpu.cfs_period_us')], ['50000', '200000'], '[quota, period]'); }));
cpu('cpu-burst', 'MUST', 'cpu.burst sets the CFS burst', (t) => withResources(t, 'cpu', { cpu: { quota: 50000, period: 100000, burst: 20000 } },
  (d, v2) => eq(cgroupRead(d, v2 ? 'cpu.max.burst' : 'cpu.cfs_burst_us'), '20000', 'burst'), undefined, { v1: ['cpu.cfs_burst_us'], why: 'the kernel has no CFS burst' }));
cpu('cpu-realtime', 'MUST', 'cpu.realtimeRuntime and cpu.realtimePeriod set the real-time bandwidth', (t) => {
  if (!host.cgroups().v1.has('cpu')) skip('cgroup v2 has no real-time bandwidth control');
  return withResources(t, 'cpu', { cpu: { realtimeRuntime: 10000, realtimePeriod: 500000 } },
    (d) => eq([cgroupRead(d, 'cpu.rt_runtime_us'), cgroupRead(d, 'cpu.rt_period_us')], ['10000', '500000'], '[rt_runtime_us, rt_period_us]'),
    (c) => { c.linux.cgroupsPath = `/cf-rt-${settings.run}-${t.ids.length + 1}`; }, { v1: ['cpu.rt_runtime_us'], why: 'the kernel has no CONFIG_RT_GROUP_SCHED' });
});
cpu('cpu-cpus-mems', 'MUST', 'cpu.cpus and cpu.mems set the cpuset', (t) => withResources(t, 'cpuset', { cpu: { cpus: '0', mems: '0' } },
  (d) => eq([cgroupRead(d, 'cpuset.cpus'), cgroupRead(d, 'cpuset.mems')], ['0', '0'], '[cpuset.cpus, cpuset.mems]')));
cpu('cpu-idle', 'MUST', 'cpu.idle 1 makes the cgroup SCHED_IDLE', (t) => withResources(t, 'cpu', { cpu: { idle: 1 } },
  (d) => eq(cgroupRead(d, 'cpu.idle'), '1', 'cpu.idle'), undefined, { v1: ['cpu.idle'], why: 'the kernel has no cgroup idle scheduling' }));

const bio = h('Block IO');
const blk = () => host.blockDevice() ?? skip('this machine has no block device');
/** The first of `files` the machine's blkio/io hierarchy has, or a skip. */
function weightFile(files: string[], v2files: string[]): string {
  const top = cgroupRoot(host.cgroups().v1.has('blkio') ? 'blkio' : 'io');
  if (top.v2) return v2files[v2files.length - 1]; // the root cgroup has no io.weight: the standard file
  const f = files.find((x) => cgroupChildFiles('blkio').has(x));
  if (!f) skip(`no ${files.join(' or ')} here: no proportional-weight I/O scheduler (CFQ/BFQ) on this machine's disks`);
  return f;
}
const blkioCtl = () => (host.cgroups().v1.has('blkio') ? 'blkio' : 'io');
bio('blkio-weight', 'MUST', 'blockIO.weight sets the cgroup\'s I/O weight', (t) => {
  const f = weightFile(['blkio.weight', 'blkio.bfq.weight'], ['io.bfq.weight', 'io.weight']);
  return withResources(t, blkioCtl(), { blockIO: { weight: 300 } }, (d) => assert(cgroupRead(d, f).includes('300'), `${f}: ${cgroupRead(d, f)}`));
});
bio('blkio-leaf-weight', 'MUST', 'blockIO.leafWeight sets the weight against child cgroups', (t) => {
  const top = cgroupRoot(blkioCtl());
  if (top.v2 || !cgroupChildFiles('blkio').has('blkio.leaf_weight')) skip('no blkio.leaf_weight: leaf weights existed only with the CFQ scheduler (removed in Linux 5.0)');
  return withResources(t, 'blkio', { blockIO: { leafWeight: 300 } }, (d) => eq(cgroupRead(d, 'blkio.leaf_weight'), '300', 'leaf weight'));
});
bio('blkio-weight-device', 'MUST', 'blockIO.weightDevice sets per-device weights', (t) => {
  const f = weightFile(['blkio.weight_device', 'blkio.bfq.weight_device'], ['io.bfq.weight', 'io.weight']);
  const dev = blk();
  const sched = read(`/sys/dev/block/${dev}/queue/scheduler`) ?? '';
  if (f.includes('bfq') && !/\[bfq\]/.test(sched)) skip(`per-device weights need the BFQ I/O scheduler; block device ${dev} uses ${/\[(\S+)\]/.exec(sched)?.[1] ?? 'another'}`);
  const [maj, min] = dev.split(':').map(Number);
  return withResources(t, blkioCtl(), { blockIO: { weightDevice: [{ major: maj, minor: min, weight: 300 }] } }, (d) => assert(cgroupRead(d, f).includes(`${maj}:${min} 300`), `${f}: ${cgroupRead(d, f)}`));
});
for (const [key, v1file, v2key] of [
  ['throttleReadBpsDevice', 'blkio.throttle.read_bps_device', 'rbps'], ['throttleWriteBpsDevice', 'blkio.throttle.write_bps_device', 'wbps'],
  ['throttleReadIOPSDevice', 'blkio.throttle.read_iops_device', 'riops'], ['throttleWriteIOPSDevice', 'blkio.throttle.write_iops_device', 'wiops'],
] as const) {
  bio(`blkio-${key}`, 'MUST', `blockIO.${key} sets a per-device rate limit`, (t) => {
    const [maj, min] = blk().split(':').map(Number);
    return withResources(t, blkioCtl(), { blockIO: { [key]: [{ major: maj, minor: min, rate: 1048576 }] } }, (d, v2) => {
      if (v2) assert(cgroupRead(d, 'io.max').includes(`${v2key}=1048576`), `io.max: ${cgroupRead(d, 'io.max')}`);
      else eq(cgroupRead(d, v1file), `${maj}:${min} 1048576`, v1file);
    });
  });
}

h('Huge page limits')('hugepage-limits', 'MUST', 'hugepageLimits limit HugeTLB reservations (if supported) or usage per page size', (t) => {
  if (!fs.existsSync('/sys/kernel/mm/hugepages/hugepages-2048kB')) skip('this kernel has no 2MB huge pages');
  return withResources(t, 'hugetlb', { hugepageLimits: [{ pageSize: '2MB', limit: 4 * 2 * MiB }] }, (d, v2) => {
    const rsvd = v2 ? 'hugetlb.2MB.rsvd.max' : 'hugetlb.2MB.rsvd.limit_in_bytes';
    const plain = v2 ? 'hugetlb.2MB.max' : 'hugetlb.2MB.limit_in_bytes';
    const f = fs.existsSync(path.join(d, rsvd)) ? rsvd : plain;
    eq(cgroupRead(d, f), String(8 * MiB), f);
  });
});

const net = h('Network');
net('network-class-id', 'MUST', 'network.classID tags the cgroup\'s packets (net_cls.classid)', (t) => withResources(t, 'net_cls', { network: { classID: 0x100001 } }, (d) => eq(cgroupRead(d, 'net_cls.classid'), String(0x100001), 'net_cls.classid')));
net('network-priorities', 'MUST', 'network.priorities set per-interface priorities (net_prio.ifpriomap)', (t) => withResources(t, 'net_prio', { network: { priorities: [{ name: 'lo', priority: 5 }] } }, (d) => assert(/^lo 5$/m.test(cgroupRead(d, 'net_prio.ifpriomap')), 'net_prio.ifpriomap has no "lo 5"')));

const pids = h('PIDs');
pids('pids-limit', 'MUST', 'pids.limit sets the maximum number of tasks', (t) => withResources(t, 'pids', { pids: { limit: 42 } }, (d) => eq(cgroupRead(d, 'pids.max'), '42', 'pids.max')));
pids('pids-limit-unlimited', 'MUST', 'pids.limit -1 means no limit (max)', (t) => withResources(t, 'pids', { pids: { limit: -1 } }, (d) => eq(cgroupRead(d, 'pids.max'), 'max', 'pids.max')));
pids('pids-limit-zero', 'SHOULD', 'pids.limit 0 is a valid limit and is treated as such (pids.max 0)', (t) => withResources(t, 'pids', { pids: { limit: 0 } }, (d) => eq(cgroupRead(d, 'pids.max'), '0', 'pids.max')));

h('RDMA')('rdma-limits', 'MUST', 'rdma limits hca_handles and hca_objects per device', (t) => {
  const devs = fs.existsSync('/sys/class/infiniband') ? fs.readdirSync('/sys/class/infiniband') : [];
  if (!devs.length) skip('this machine has no RDMA device (/sys/class/infiniband is empty or absent)');
  return withResources(t, 'rdma', { rdma: { [devs[0]]: { hcaHandles: 3, hcaObjects: 10 } } }, (d) => assert(cgroupRead(d, 'rdma.max').includes('hca_handle=3 hca_object=10'), `rdma.max: ${cgroupRead(d, 'rdma.max')}`));
});

const uni = h('Unified');
/** A controller of the unified hierarchy to write through `unified`, with a plain and a rarely known
 * file (pids and memory on cgroup v2; hugetlb on a hybrid host that has only it there). */
function unifiedCase(): { ctl: string; known: [string, string]; unknown: [string, string] } {
  const cg = host.cgroups();
  if (cg.unifiedControllers.includes('pids') && cg.unifiedControllers.includes('memory')) return { ctl: 'pids', known: ['pids.max', '17'], unknown: ['memory.oom.group', '1'] };
  if (cg.unifiedControllers.includes('hugetlb') && fs.existsSync('/sys/kernel/mm/hugepages/hugepages-2048kB')) {
    return { ctl: 'hugetlb', known: ['hugetlb.2MB.max', String(4 * MiB)], unknown: ['hugetlb.2MB.rsvd.max', String(4 * MiB)] };
  }
  skip(`the unified hierarchy here has no controller to write (${cg.unifiedControllers.join(', ') || 'none'})`);
}
uni('unified-controllers-enabled', 'MUST', 'the runtime enables the cgroup controllers the unified entries need', (t) => {
  const u = unifiedCase();
  return withResources(t, u.ctl, { unified: { [u.known[0]]: u.known[1] } }, (d) => eq(cgroupRead(d, u.known[0]), u.known[1], u.known[0]));
});
uni('unified-unknown-written', 'MUST', 'unified entries unknown to the runtime are still written to their file', (t) => {
  const u = unifiedCase();
  const ctl = u.unknown[0].split('.')[0];
  return withResources(t, ctl, { unified: { [u.unknown[0]]: u.unknown[1] } }, (d) => eq(cgroupRead(d, u.unknown[0]), u.unknown[1], u.unknown[0]));
});
const v2Unified = () => { if (!host.cgroupV2Only()) skip('needs a cgroup v2 controller whose v1 setting has no v2 equivalent; here only hugetlb is on cgroup v2, and its settings all convert'); };
uni('unified-missing-controller-error', 'MUST', 'a unified entry of a controller that is not present or cannot be enabled is an error',
  (t) => expectCreateError(t, (c) => { c.linux.resources = { unified: { 'conformancectl.max': '1' } }; }, 'unified "conformancectl.max"'));
uni('unified-v1-conversion-error', 'MUST', 'a cgroup v1 setting with no cgroup v2 equivalent, on a cgroup v2 host, is an error (blockIO.leafWeight)',
  (t) => { v2Unified(); expectCreateError(t, (c) => { c.linux.resources = { blockIO: { leafWeight: 500 } }; }, 'blockIO.leafWeight on cgroup v2'); });

// ---------------------------------------------------------------------------------------------
const rdt = h('IntelRdt');
const RESCTRL = '/sys/fs/resctrl';
function resctrl(): string {
  if (!host.filesystems().includes('resctrl')) skip('this kernel/CPU has no Intel RDT (resctrl is not in /proc/filesystems)');
  if (!parseMountinfo(read('/proc/self/mountinfo') ?? '').some((m) => m.fstype === 'resctrl')) skip('no resctrl filesystem is mounted in the runtime namespace');
  return RESCTRL;
}
function schemaLine(prefix: string): string {
  const line = (read(path.join(resctrl(), 'schemata')) ?? '').split('\n').map((l) => l.trim()).find((l) => l.startsWith(prefix));
  if (!line) skip(`this CPU has no ${prefix.replace(':', '')} allocation (no ${prefix} line in ${RESCTRL}/schemata)`);
  return line;
}
rdt('intelrdt-no-resctrl-error', 'MUST', 'intelRdt with no resctrl filesystem mounted in the runtime namespace is an error',
  (t) => {
    if (parseMountinfo(read('/proc/self/mountinfo') ?? '').some((m) => m.fstype === 'resctrl')) skip('resctrl is mounted here: its absence cannot be observed');
    expectCreateError(t, (c) => { c.linux.intelRdt = { closID: 'conformance' }; }, 'intelRdt and no resctrl mounted');
  });
rdt('intelrdt-tasks', 'MUST', 'the container process is written to the tasks file of the closID sub-directory', (t) => {
  const r = resctrl();
  const clos = `conformance-${settings.run}`;
  t.defer(() => { try { fs.rmdirSync(path.join(r, clos)); } catch { /* not ours */ } });
  const c = t.create((cfg) => { cfg.linux.intelRdt = { closID: clos, l3CacheSchema: schemaLine('L3:') }; });
  assert((read(path.join(r, clos, 'tasks')) ?? '').split('\n').includes(String(c.pid)), `pid ${c.pid} not in ${clos}/tasks`);
});
rdt('intelrdt-unset-untouched', 'MUST', 'without intelRdt the runtime does not touch resctrl', (t) => {
  const r = resctrl();
  const before = fs.readdirSync(r).sort().join(',');
  const c = t.create();
  eq(fs.readdirSync(r).sort().join(','), before, 'resctrl entries');
  assert((read(path.join(r, 'tasks')) ?? '').split('\n').includes(String(c.pid)), 'the container is not in the default CLOS');
});
rdt('intelrdt-closid-root', 'MUST', 'closID "/" assigns the container to the default CLOS (the resctrl root)', (t) => {
  const r = resctrl();
  const c = t.create((cfg) => { cfg.linux.intelRdt = { closID: '/' }; });
  assert((read(path.join(r, 'tasks')) ?? '').split('\n').includes(String(c.pid)), 'pid not in the root tasks file');
});
rdt('intelrdt-schemas-order', 'MUST', 'with l3CacheSchema and memBwSchema both set, both are written (L3 first, MB last) to the CLOS\'s schemata', (t) => {
  const r = resctrl();
  const l3 = schemaLine('L3:'), mb = schemaLine('MB:');
  const c = t.create((cfg) => { cfg.linux.intelRdt = { l3CacheSchema: l3, memBwSchema: mb }; });
  const s = read(path.join(r, c.id, 'schemata')) ?? '';
  assert(s.includes(l3.replace(/\s/g, '')) || s.includes(l3), `schemata lacks ${l3}`);
});
rdt('intelrdt-schema-written', 'MUST', 'l3CacheSchema (or memBwSchema) alone is written to the CLOS\'s schemata', (t) => {
  const r = resctrl();
  const l3 = schemaLine('L3:');
  const c = t.create((cfg) => { cfg.linux.intelRdt = { l3CacheSchema: l3 }; });
  assert(fs.existsSync(path.join(r, c.id, 'schemata')), `no ${c.id} CLOS directory`);
});
rdt('intelrdt-schemata-written', 'MUST', 'schemata lines are written to the CLOS\'s schemata file, after l3CacheSchema and memBwSchema', (t) => {
  const r = resctrl();
  const l3 = schemaLine('L3:');
  const c = t.create((cfg) => { cfg.linux.intelRdt = { schemata: [l3] }; });
  assert(fs.existsSync(path.join(r, c.id, 'schemata')), `no ${c.id} CLOS directory`);
});
rdt('intelrdt-no-schema-no-write', 'MUST', 'with none of l3CacheSchema, memBwSchema, schemata the runtime writes no schemata file', (t) => {
  const r = resctrl();
  const before = read(path.join(r, 'schemata'));
  t.create((cfg) => { cfg.linux.intelRdt = { closID: '/' }; });
  eq(read(path.join(r, 'schemata')), before, 'the root schemata');
});
rdt('intelrdt-default-closid', 'MUST', 'without closID the runtime uses the container ID and creates the <container-id> directory', (t) => {
  const r = resctrl();
  const c = t.create((cfg) => { cfg.linux.intelRdt = { l3CacheSchema: schemaLine('L3:') }; });
  assert(fs.existsSync(path.join(r, c.id)), `${path.join(r, c.id)} does not exist`);
});
rdt('intelrdt-closid-created', 'MUST', 'a closID directory that does not exist is created when a schema is set', (t) => {
  const r = resctrl();
  const clos = `conformance-new-${settings.run}`;
  t.defer(() => { try { fs.rmdirSync(path.join(r, clos)); } catch { /* gone */ } });
  t.create((cfg) => { cfg.linux.intelRdt = { closID: clos, l3CacheSchema: schemaLine('L3:') }; });
  assert(fs.existsSync(path.join(r, clos)), `${clos} was not created`);
});
rdt('intelrdt-closid-mismatch-error', 'MUST', 'an existing closID directory whose schemata differ from l3CacheSchema is an error', (t) => {
  const r = resctrl();
  const l3 = schemaLine('L3:');
  const clos = `conformance-pre-${settings.run}`;
  fs.mkdirSync(path.join(r, clos));
  t.defer(() => { try { fs.rmdirSync(path.join(r, clos)); } catch { /* gone */ } });
  const other = l3.replace(/=([0-9a-f]+)/i, (_, m) => `=${(parseInt(m, 16) >> 1 || 1).toString(16)}`);
  if (other === l3) skip('cannot derive a different valid L3 schema');
  expectCreateError(t, (c) => { c.linux.intelRdt = { closID: clos, l3CacheSchema: other }; }, 'a mismatching schema for an existing CLOS');
});
rdt('intelrdt-closid-preconfigured', 'MUST', 'closID without schemas: the container joins the pre-configured directory, and a missing one is an error', (t) => {
  const r = resctrl();
  expectCreateError(t, (c) => { c.linux.intelRdt = { closID: `conformance-missing-${settings.run}` }; }, 'a missing pre-configured CLOS');
  const clos = `conformance-cfg-${settings.run}`;
  fs.mkdirSync(path.join(r, clos));
  t.defer(() => { try { fs.rmdirSync(path.join(r, clos)); } catch { /* gone */ } });
  const c = t.create((cfg) => { cfg.linux.intelRdt = { closID: clos }; });
  assert((read(path.join(r, clos, 'tasks')) ?? '').split('\n').includes(String(c.pid)), 'pid not in the pre-configured CLOS');
});
rdt('intelrdt-remove-created', 'MUST', 'a sub-directory the runtime created (no closID) is removed when the container is deleted', (t) => {
  const r = resctrl();
  const c = t.create((cfg) => { cfg.linux.intelRdt = { l3CacheSchema: schemaLine('L3:') }; });
  t.ok(['delete', '--force', c.id]);
  assert(!fs.existsSync(path.join(r, c.id)), `${c.id} left in resctrl`);
});
rdt('intelrdt-keep-closid', 'MUST', 'a closID sub-directory is not removed when the container is deleted', (t) => {
  const r = resctrl();
  const clos = `conformance-keep-${settings.run}`;
  fs.mkdirSync(path.join(r, clos));
  t.defer(() => { try { fs.rmdirSync(path.join(r, clos)); } catch { /* gone */ } });
  const c = t.create((cfg) => { cfg.linux.intelRdt = { closID: clos }; });
  t.ok(['delete', '--force', c.id]);
  assert(fs.existsSync(path.join(r, clos)), `${clos} was removed`);
});
rdt('intelrdt-monitoring', 'MUST', 'enableMonitoring creates mon_groups/<container-id> in the CLOS group and deletes it with the container', (t) => {
  const r = resctrl();
  if (!fs.existsSync(path.join(r, 'mon_groups'))) skip('this CPU has no RDT monitoring (no mon_groups)');
  const c = t.create((cfg) => { cfg.linux.intelRdt = { closID: '/', enableMonitoring: true }; });
  assert(fs.existsSync(path.join(r, 'mon_groups', c.id)), 'no mon_groups/<id>');
  t.ok(['delete', '--force', c.id]);
  assert(!fs.existsSync(path.join(r, 'mon_groups', c.id)), 'mon_groups/<id> left after delete');
});

// ---------------------------------------------------------------------------------------------
h('Memory policy')('memory-policy', 'MUST', 'memoryPolicy sets the NUMA memory policy of the container process (MPOL_BIND to node 0)',
  (t) => {
    if (!fs.existsSync('/proc/self/numa_maps')) skip('this kernel has no NUMA support (no /proc/self/numa_maps)');
    const r = t.sh('grep -m1 -o "bind:0" /proc/self/numa_maps || head -1 /proc/self/numa_maps', (c) => { c.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0' }; });
    eq(r.stdout.trim(), 'bind:0', 'the policy in numa_maps');
  });

h('Sysctl')('sysctl', 'MUST', 'sysctl values are set for the container (net.ipv4.ip_forward, kernel.shmmax, fs.mqueue.msg_max in its namespaces)',
  (t) => {
    const r = t.sh('cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax /proc/sys/fs/mqueue/msg_max',
      (c) => { c.linux.sysctl = { 'net.ipv4.ip_forward': '1', 'kernel.shmmax': '123456789', 'fs.mqueue.msg_max': '17' }; });
    eq(r.stdout.trim().split('\n'), ['1', '123456789', '17'], 'the values');
  });

// ---------------------------------------------------------------------------------------------
const sc = h('Seccomp');
const DENY_MKDIR = (action: string, extra: any = {}) => ({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action, ...extra }] });
function seccompRun(t: Ctx, seccomp: any): string {
  return t.sh('(mkdir /dev/shm/conformance) 2>&1; echo rc=$?', (c) => { c.linux.seccomp = seccomp; }).stdout.trim();
}
/** What busybox sh, mkdir and cat need, and what a runtime calls between loading the filter and execve. */
const ALLOW = ['read', 'write', 'open', 'openat', 'close', 'stat', 'fstat', 'lstat', 'newfstatat', 'statx', 'poll', 'lseek', 'mmap', 'mprotect',
  'munmap', 'brk', 'rt_sigaction', 'rt_sigprocmask', 'rt_sigreturn', 'ioctl', 'pread64', 'pwrite64', 'readv', 'writev', 'access', 'faccessat',
  'faccessat2', 'pipe', 'pipe2', 'select', 'pselect6', 'sched_yield', 'mremap', 'madvise', 'dup', 'dup2', 'dup3', 'nanosleep', 'clock_nanosleep',
  'getpid', 'getppid', 'gettid', 'clone', 'clone3', 'fork', 'vfork', 'execve', 'execveat', 'exit', 'exit_group', 'wait4', 'waitid', 'kill', 'tgkill',
  'uname', 'fcntl', 'flock', 'fsync', 'getcwd', 'chdir', 'fchdir', 'rename', 'renameat', 'renameat2', 'rmdir', 'unlink', 'unlinkat', 'readlink',
  'readlinkat', 'umask', 'getrlimit', 'prlimit64', 'getrusage', 'sysinfo', 'getuid', 'getgid', 'geteuid', 'getegid', 'getgroups', 'setpgid',
  'getpgrp', 'getpgid', 'setsid', 'getsid', 'sigaltstack', 'arch_prctl', 'prctl', 'set_tid_address', 'set_robust_list', 'get_robust_list', 'rseq',
  'futex', 'getrandom', 'getdents', 'getdents64', 'clock_gettime', 'clock_getres', 'gettimeofday', 'time', 'sendfile', 'capget', 'capset',
  'setuid', 'setgid', 'setresuid', 'setresgid', 'setgroups', 'close_range', 'epoll_create1', 'epoll_ctl', 'epoll_wait', 'epoll_pwait', 'ppoll',
  'sched_getaffinity', 'socket', 'connect', 'sendto', 'recvfrom', 'sendmsg', 'recvmsg', 'membarrier', 'fchmod', 'fchown', 'chmod', 'chown',
  'statfs', 'fstatfs', 'openat2', 'fadvise64', 'getpriority', 'setpriority', 'sched_getparam', 'sched_getscheduler', 'personality', 'alarm',
  'pause', 'setitimer', 'getitimer', 'getxattr', 'lgetxattr', 'fgetxattr', 'fchmodat', 'fchownat', 'utimensat', 'mincore', 'tkill',
  'rt_sigtimedwait', 'rt_sigsuspend', 'rt_sigqueueinfo', 'restart_syscall', 'signalfd4', 'eventfd2', 'pidfd_open', 'pidfd_send_signal'];
sc('seccomp-errno', 'MUST', 'a rule with SCMP_ACT_ERRNO and errnoRet makes the syscall fail with that errno (13: EACCES)',
  (t) => { const out = seccompRun(t, DENY_MKDIR('SCMP_ACT_ERRNO', { errnoRet: 13 })); assert(/Permission denied/.test(out) && /rc=1/.test(out), `mkdir: ${out}`); });
sc('seccomp-errno-default-eperm', 'MUST', 'SCMP_ACT_ERRNO without errnoRet returns EPERM',
  (t) => { const out = seccompRun(t, DENY_MKDIR('SCMP_ACT_ERRNO')); assert(/Operation not permitted/.test(out), `mkdir: ${out}`); });
sc('seccomp-default-action', 'MUST', 'defaultAction applies to every syscall no rule matches, with defaultErrnoRet as its errno (SCMP_ACT_ERRNO, 13)',
  (t) => {
    const out = seccompRun(t, { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 13, syscalls: [{ names: ALLOW, action: 'SCMP_ACT_ALLOW' }] });
    assert(/Permission denied/.test(out) && /rc=1/.test(out), `mkdir (not in the allow list): ${out}`);
  });
sc('seccomp-action-allow', 'MUST', 'SCMP_ACT_ALLOW lets the listed syscalls through under a denying default action',
  (t) => { const out = seccompRun(t, { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: [...ALLOW, 'mkdir', 'mkdirat'], action: 'SCMP_ACT_ALLOW' }] }); eq(out, 'rc=0', 'mkdir (allowed)'); });
sc('seccomp-errnoret-unsupported-error', 'MUST', 'errnoRet on an action that has no errno (SCMP_ACT_KILL) makes the runtime print an error and fail',
  (t) => expectCreateError(t, (c) => { c.linux.seccomp = DENY_MKDIR('SCMP_ACT_KILL', { errnoRet: 5 }); }, 'errnoRet on SCMP_ACT_KILL'));
sc('seccomp-default-errnoret-unsupported-error', 'MUST', 'defaultErrnoRet with a default action that has no errno (SCMP_ACT_ALLOW) makes the runtime print an error and fail',
  (t) => expectCreateError(t, (c) => { c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', defaultErrnoRet: 5 }; }, 'defaultErrnoRet on SCMP_ACT_ALLOW'));
sc('seccomp-names-nonempty', 'MUST', 'syscalls[].names has at least one entry: an empty list is an invalid value (error)',
  (t) => expectCreateError(t, (c) => { c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [], action: 'SCMP_ACT_ERRNO' }] }; }, 'an empty names list'));
sc('seccomp-args', 'MUST', 'syscalls[].args restrict a rule to matching arguments (kill with signal == SIGUSR1 denied, kill -0 allowed)',
  (t) => {
    const r = t.sh('kill -0 $$ && echo zero-ok; kill -USR1 $$ 2>/dev/null || echo usr1-denied', (c) => {
      c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['kill'], action: 'SCMP_ACT_ERRNO', args: [{ index: 1, value: 10, op: 'SCMP_CMP_EQ' }] }] };
    });
    eq(r.stdout.trim().split('\n'), ['zero-ok', 'usr1-denied'], 'kill -0 and kill -USR1');
  });
for (const [action, expect, what] of [
  ['SCMP_ACT_KILL', /^rc=159$/, 'kills the thread (SIGSYS)'],
  ['SCMP_ACT_KILL_THREAD', /^rc=159$/, 'kills the thread (SIGSYS)'],
  ['SCMP_ACT_KILL_PROCESS', /^rc=159$/, 'kills the process (SIGSYS)'],
  ['SCMP_ACT_TRAP', /^rc=159$/, 'sends SIGSYS'],
  ['SCMP_ACT_TRACE', /Function not implemented[\s\S]*rc=1$/, 'fails with ENOSYS when no tracer is attached'],
  ['SCMP_ACT_LOG', /^rc=0$/, 'allows the syscall (and logs it)'],
] as const) {
  sc(`seccomp-action-${action.slice(9).toLowerCase().replace('_', '-')}`, 'MUST', `${action} ${what}`,
    (t) => { const out = seccompRun(t, DENY_MKDIR(action)); assert(expect.test(out), `mkdir under ${action}: ${out}`); });
}

// ---- SCMP_ACT_NOTIFY and the container process state --------------------------------------
interface AgentRecord { messages: { bytes: number; fds: number }[]; payload: string; closed: boolean }
async function notifyAgent(t: Ctx, metadata?: string): Promise<{ records: AgentRecord[]; id: string; pid: number }> {
  const py = host.python();
  if (!py) skip('python3 (needed for the seccomp agent helper) is not installed');
  const sock = t.path('agent.sock'), out = t.path('agent.json');
  t.helper(py, [path.join(HELPERS, 'seccomp_agent.py'), sock, out]);
  await waitFor(() => fs.existsSync(sock), 5000, 'the agent socket');
  const c = t.create((cfg) => {
    cfg.process.args = ['sh', '-c', 'mkdir /dev/shm/x 2>/dev/null; exec sleep 1000'];
    cfg.linux.seccomp = { ...DENY_MKDIR('SCMP_ACT_NOTIFY'), listenerPath: sock, ...(metadata ? { listenerMetadata: metadata } : {}) };
  });
  await waitFor(() => fs.existsSync(out), 8000, 'the runtime to send the container process state to listenerPath');
  t.ok(['start', c.id]);
  return { records: JSON.parse(read(out) ?? '[]'), id: c.id, pid: c.pid };
}
sc('seccomp-notify-stream-socket', 'MUST', 'the runtime sends the container process state over an AF_UNIX SOCK_STREAM socket at listenerPath',
  async (t) => { const a = await notifyAgent(t); assert(a.records.length >= 1 && a.records[0].payload.length > 0, 'no state received on the SOCK_STREAM listener'); });
sc('seccomp-notify-one-state-per-connection', 'MUST', 'exactly one container process state is sent per connection',
  async (t) => {
    const a = await notifyAgent(t);
    const p = a.records[0]?.payload.trim() ?? '';
    try { JSON.parse(p); } catch { fail(`the connection carried not exactly one JSON state: ${p.slice(0, 120)}`); }
  });
sc('seccomp-notify-closed', 'MUST', 'the connection is not reused and is closed after sending the state',
  async (t) => { const a = await notifyAgent(t); eq(a.records.length, 1, 'connections'); assert(a.records[0].closed, 'the runtime did not close the connection (no EOF within 5 s)'); });
sc('seccomp-notify-send-failure-error', 'MUST', 'failing to send to listenerPath (no listener) is an error',
  (t) => expectCreateError(t, (c) => { c.linux.seccomp = { ...DENY_MKDIR('SCMP_ACT_NOTIFY'), listenerPath: t.path('nobody-listens.sock') }; }, 'a listenerPath nobody listens on'));
sc('seccomp-listener-path-ignored', 'MUST', 'listenerPath is ignored when no rule uses SCMP_ACT_NOTIFY (nobody listening is no error)',
  (t) => { t.sh('true', (c) => { c.linux.seccomp = { ...DENY_MKDIR('SCMP_ACT_ERRNO'), listenerPath: t.path('nobody-listens.sock') }; }); });
sc('seccomp-listener-metadata-needs-path', 'MUST', 'listenerMetadata without listenerPath is an invalid value (error)',
  (t) => expectCreateError(t, (c) => { c.linux.seccomp = { ...DENY_MKDIR('SCMP_ACT_NOTIFY'), listenerMetadata: 'x' }; }, 'listenerMetadata without listenerPath'));

const cps = h('The Container Process State');
cps('process-state-json-scm-rights', 'MUST', 'the container process state is sent as JSON payload and its file descriptors with SCM_RIGHTS',
  async (t) => {
    const a = await notifyAgent(t);
    const fds = a.records[0].messages.reduce((n, m) => n + m.fds, 0);
    eq(fds, 1, 'file descriptors received with SCM_RIGHTS');
    JSON.parse(a.records[0].payload);
  });
cps('process-state-fds-first', 'MUST', 'with several sendmsg calls, the file descriptors go only with the first',
  async (t) => {
    const a = await notifyAgent(t);
    const m = a.records[0].messages;
    assert(m.length > 0 && m[0].fds > 0 && m.slice(1).every((x) => x.fds === 0), `fds per received message: ${m.map((x) => x.fds).join(',')}`);
  });
cps('process-state-contents', 'MUST', 'the state has ociVersion, fds ["seccompFd"] matching the SCM_RIGHTS array, pid (as the runtime sees it), metadata (listenerMetadata) and state (id, status)',
  async (t) => {
    const a = await notifyAgent(t, 'conformance-metadata');
    const s = JSON.parse(a.records[0].payload);
    assert(typeof s.ociVersion === 'string', 'no ociVersion');
    eq(s.fds, ['seccompFd'], 'fds');
    eq(s.pid, a.pid, 'pid');
    eq(s.metadata, 'conformance-metadata', 'metadata');
    assert(s.state && s.state.id === a.id && typeof s.state.status === 'string', `state: ${JSON.stringify(s.state).slice(0, 120)}`);
  });

// ---------------------------------------------------------------------------------------------
const rp = h('Rootfs Mount Propagation');
/** A container whose rootfs is a mount point (as an image snapshot is) under a shared host tmpfs,
 * with rootfsPropagation `p`. */
function onShared(t: Ctx, p: string): { id: string; pid: number; bundle: string; root: ReturnType<typeof mountAt> } {
  const shared = t.path('shared');
  t.mount('-t tmpfs -o size=8m tmpfs', shared);
  t.hostCommand(`mount --make-shared ${shared}`);
  const bundle = t.bundle((c) => { c.linux.rootfsPropagation = p; }, { parent: shared, rootfs: false });
  const rootfs = path.join(bundle, 'rootfs');
  t.mount('-t tmpfs -o size=16m conformance-rootfs', rootfs);
  t.hostCommand(`cp -a ${settings.rootfs}/. ${rootfs}/ && mkdir -p ${rootfs}/mnt`);
  const c = t.create(undefined, { bundle });
  return { ...c, root: mountAt(parseMountinfo(read(`/proc/${c.pid}/mountinfo`) ?? ''), '/') };
}
async function hostEventSeen(t: Ctx, c: { pid: number; bundle: string }): Promise<boolean> {
  const target = path.join(c.bundle, 'rootfs', 'mnt');
  t.hostCommand(`mount -t tmpfs -o size=1m conformance-late ${target}`);
  t.defer(() => { sh(`umount -l ${target}`); });
  sleepSync(100);
  return !!mountAt(parseMountinfo(read(`/proc/${c.pid}/mountinfo`) ?? ''), '/mnt');
}
rp('rootfs-propagation-shared', 'MUST', 'rootfsPropagation shared: the rootfs mount is in a (new) peer group', (t) => {
  const c = onShared(t, 'shared');
  assert(c.root && propagation(c.root).shared, `/ propagation: ${c.root?.optional.join(' ') || '(private)'}`);
});
rp('rootfs-propagation-slave', 'MUST', 'rootfsPropagation slave: the rootfs receives mount events from the host', async (t) => {
  const c = onShared(t, 'slave');
  assert(c.root && propagation(c.root).master, `/ propagation: ${c.root?.optional.join(' ') || '(private)'}`);
  assert(await hostEventSeen(t, c), 'a mount made on the host under the rootfs did not appear in the container');
});
rp('rootfs-propagation-private', 'MUST', 'rootfsPropagation private: the rootfs receives no mount events from the host', async (t) => {
  const c = onShared(t, 'private');
  assert(c.root && !propagation(c.root).shared && !propagation(c.root).master, `/ propagation: ${c.root?.optional.join(' ')}`);
  assert(!(await hostEventSeen(t, c)), 'a mount made on the host under the rootfs appeared in the container');
});
rp('rootfs-propagation-unbindable', 'MUST', 'rootfsPropagation unbindable: the rootfs is a private mount that cannot be bind-mounted', (t) => {
  const c = onShared(t, 'unbindable');
  assert(c.root && propagation(c.root).unbindable, `/ propagation: ${c.root?.optional.join(' ') || '(private)'}`);
});

// ---------------------------------------------------------------------------------------------
const mp = h('Masked Paths');
mp('masked-paths-file', 'MUST', 'a masked file cannot be read (reads give nothing)',
  (t) => {
    const r = t.sh('cat /etc/conformance-secret 2>/dev/null; echo "[end]"', (c, b) => { fs.writeFileSync(path.join(b, 'rootfs', 'etc', 'conformance-secret'), 'SECRET\n'); c.linux.maskedPaths.push('/etc/conformance-secret'); });
    eq(r.stdout.trim(), '[end]', 'what reading the masked file gave');
  });
mp('masked-paths-directory', 'MUST', 'a masked directory cannot be read (it shows no entries)',
  (t) => {
    const r = t.sh('ls -A /opt/conformance-secret 2>/dev/null; cat /opt/conformance-secret/file 2>/dev/null; echo "[end]"', (c, b) => {
      fs.mkdirSync(path.join(b, 'rootfs', 'opt', 'conformance-secret'), { recursive: true });
      fs.writeFileSync(path.join(b, 'rootfs', 'opt', 'conformance-secret', 'file'), 'SECRET\n');
      c.linux.maskedPaths.push('/opt/conformance-secret');
    });
    eq(r.stdout.trim(), '[end]', 'what listing and reading the masked directory gave');
  });
mp('masked-paths-absolute', 'MUST', 'masked paths are absolute: a relative one is an invalid value (error)',
  (t) => expectCreateError(t, (c) => { c.linux.maskedPaths.push('etc/passwd'); }, 'masked path "etc/passwd"'));
const ro = h('Readonly Paths');
ro('readonly-paths', 'MUST', 'a readonly path is read-only in the container (a writable rootfs otherwise)',
  (t) => {
    const r = t.sh('touch /data/x 2>&1; touch /other 2>&1 && echo other-ok', (c, b) => { fs.mkdirSync(path.join(b, 'rootfs', 'data')); c.root.readonly = false; c.linux.readonlyPaths.push('/data'); });
    assert(/Read-only/i.test(r.stdout) && /other-ok/.test(r.stdout), `touch results: ${r.stdout.trim()}`);
  });
ro('readonly-paths-absolute', 'MUST', 'readonly paths are absolute: a relative one is an invalid value (error)',
  (t) => expectCreateError(t, (c) => { c.linux.readonlyPaths.push('proc/sys'); }, 'readonly path "proc/sys"'));

h('Mount Label')('mount-label', 'MUST', 'mountLabel sets the SELinux context of the container\'s mounts (a tmpfs gets context=)',
  (t) => {
    if (!host.selinux()) skip('SELinux is not enabled on this machine (no /sys/fs/selinux)');
    const label = hostOk('stat -c %C /tmp').trim();
    const m = mountAt(parseMountinfo(t.sh('cat /proc/self/mountinfo', (c, b) => {
      c.linux.mountLabel = label;
      fs.mkdirSync(path.join(b, 'rootfs', 'conf'));
      c.mounts.push({ destination: '/conf', type: 'tmpfs', source: 'tmpfs' });
    }).stdout), '/conf');
    assert(m && m.superOptions.some((o) => o.startsWith('context=')), `/conf superblock options: ${m?.superOptions.join(',')}`);
  });

const pers = h('Personality');
pers('personality-linux32', 'MUST', 'personality domain LINUX32 makes uname report a 32-bit machine',
  (t) => {
    const m = hostOk('uname -m').trim();
    if (m !== 'x86_64') skip(`the 32-bit name of ${m} is not known to this check`);
    eq(t.sh('uname -m', (c) => { c.linux.personality = { domain: 'LINUX32' }; }).stdout.trim(), 'i686', 'uname -m');
  });
pers('personality-linux', 'MUST', 'personality domain LINUX keeps the native machine', (t) => {
  eq(t.sh('uname -m', (c) => { c.linux.personality = { domain: 'LINUX' }; }).stdout.trim(), hostOk('uname -m').trim(), 'uname -m');
});
