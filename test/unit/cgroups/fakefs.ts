// A fake cgroup filesystem in a tmp dir, for unit tests that must not touch /sys: plain directories
// and files laid out like this machine's mounts, plus the two kernel behaviours the managers rely on
// (installed into src/cgroups/fsio.ts's cgroupDirs seam): mkdir fills a new cgroup with its interface
// files, rmdir ignores them (and refuses a populated cgroup or one with children, EBUSY).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cgroupDirs } from '../../../src/cgroups/fsio';

export type Kind = 'v1' | 'v2' | 'hybrid';

const MEM_UNLIMITED = '9223372036854771712';

/** The files a new v1 cgroup gets, per controller, with the kernel's defaults. */
const V1_FILES: Record<string, Record<string, string>> = {
  cpu: {
    'cpu.shares': '1024', 'cpu.cfs_period_us': '100000', 'cpu.cfs_quota_us': '-1', 'cpu.cfs_burst_us': '0',
    'cpu.rt_period_us': '1000000', 'cpu.rt_runtime_us': '0', 'cpu.idle': '0', 'cpu.stat': 'nr_periods 0\nnr_throttled 0\nthrottled_time 0\n',
  },
  cpuacct: { 'cpuacct.usage': '0', 'cpuacct.usage_percpu': '0 0 ', 'cpuacct.stat': 'user 0\nsystem 0\n' },
  cpuset: { 'cpuset.cpus': '', 'cpuset.mems': '' },
  memory: {
    'memory.limit_in_bytes': MEM_UNLIMITED, 'memory.memsw.limit_in_bytes': MEM_UNLIMITED, 'memory.soft_limit_in_bytes': MEM_UNLIMITED,
    'memory.kmem.limit_in_bytes': MEM_UNLIMITED, 'memory.kmem.tcp.limit_in_bytes': MEM_UNLIMITED, 'memory.swappiness': '60',
    'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n', 'memory.use_hierarchy': '1',
    'memory.usage_in_bytes': '0', 'memory.max_usage_in_bytes': '0', 'memory.failcnt': '0', 'memory.stat': 'cache 0\nrss 0\n',
  },
  devices: { 'devices.allow': '', 'devices.deny': '', 'devices.list': 'a *:* rwm\n' },
  freezer: { 'freezer.state': 'THAWED', 'freezer.self_freezing': '0', 'freezer.parent_freezing': '0' },
  blkio: {
    'blkio.weight': '500', 'blkio.leaf_weight': '500', 'blkio.weight_device': '', 'blkio.leaf_weight_device': '',
    'blkio.throttle.read_bps_device': '', 'blkio.throttle.write_bps_device': '', 'blkio.throttle.read_iops_device': '', 'blkio.throttle.write_iops_device': '',
  },
  pids: { 'pids.max': 'max', 'pids.current': '0' },
  hugetlb: { 'hugetlb.2MB.limit_in_bytes': MEM_UNLIMITED, 'hugetlb.2MB.rsvd.limit_in_bytes': MEM_UNLIMITED, 'hugetlb.1GB.limit_in_bytes': MEM_UNLIMITED },
  net_cls: { 'net_cls.classid': '0' },
  net_prio: { 'net_prio.ifpriomap': '' },
  rdma: { 'rdma.max': '' },
};

/** The files a v2 cgroup gets for each controller its parent enabled. */
const V2_FILES: Record<string, Record<string, string>> = {
  memory: { 'memory.max': 'max', 'memory.low': '0', 'memory.swap.max': 'max', 'memory.current': '0', 'memory.stat': 'file 0\nanon 0\n', 'memory.events': 'low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n' },
  pids: { 'pids.max': 'max', 'pids.current': '0' },
  cpu: { 'cpu.weight': '100', 'cpu.max': 'max 100000', 'cpu.max.burst': '0', 'cpu.idle': '0' },
  io: { 'io.weight': 'default 100', 'io.max': '', 'io.stat': '' },
  cpuset: { 'cpuset.cpus': '', 'cpuset.mems': '', 'cpuset.cpus.effective': '0-3', 'cpuset.mems.effective': '0' },
  hugetlb: { 'hugetlb.2MB.max': 'max', 'hugetlb.2MB.rsvd.max': 'max' },
  rdma: { 'rdma.max': '' },
};

const V2_CORE = {
  'cgroup.procs': '', 'cgroup.subtree_control': '', 'cgroup.freeze': '0', 'cgroup.events': 'populated 0\nfrozen 0\n',
  'cgroup.kill': '', 'cgroup.type': 'domain', 'cpu.stat': 'usage_usec 0\nuser_usec 0\nsystem_usec 0\n',
};

export interface FakeHost {
  root: string;
  cg: string; // root + /sys/fs/cgroup
  mountinfo: string;
  selfCgroup: string;
  /** Every mkdir the managers made, in order, and what the record held at that moment. */
  mkdirs: string[];
  uninstall(): void;
}

function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [f, v] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), v);
}

/** v1 hierarchies of this machine, plus net_cls,net_prio and hugetlb and rdma so that every
 * translation can be tested; cpu and cpuacct apart as here. */
const V1_HIERARCHIES = ['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids', 'hugetlb', 'net_cls,net_prio', 'rdma', 'name=systemd'];

function dirName(h: string): string {
  return h === 'name=systemd' ? 'systemd' : h;
}

export function fakeHost(kind: Kind, opts: { v2Controllers?: string[]; ownMemory?: string; ownUnified?: string } = {}): FakeHost {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-fakecg-'));
  const cg = path.join(root, 'sys/fs/cgroup');
  fs.mkdirSync(cg, { recursive: true });
  const lines: string[] = ['22 1 0:21 / /sys rw,nosuid - sysfs sysfs rw', '31 22 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755'];
  const self: string[] = [];
  const ownMemory = opts.ownMemory ?? '/process_api/abc';
  const v2Controllers = opts.v2Controllers ?? ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma'];
  let id = 32;
  if (kind !== 'v2') {
    V1_HIERARCHIES.forEach((h, i) => {
      const dir = path.join(cg, dirName(h));
      fs.mkdirSync(dir);
      writeFiles(dir, { 'cgroup.procs': '', tasks: '' });
      for (const c of h.split(',')) if (V1_FILES[c]) writeFiles(dir, V1_FILES[c]);
      if (h === 'cpuset') writeFiles(dir, { 'cpuset.cpus': '0-3', 'cpuset.mems': '0' });
      lines.push(`${id++} 31 0:${40 + i} / /sys/fs/cgroup/${dirName(h)} rw,nosuid,nodev,noexec,relatime - cgroup cgroup rw,${h}`);
      const own = h === 'memory' ? ownMemory : '/';
      self.push(`${V1_HIERARCHIES.length - i}:${h}:${own}`);
      if (own !== '/') fs.mkdirSync(path.join(dir, own), { recursive: true });
    });
  }
  if (kind !== 'v1') {
    const dir = kind === 'v2' ? cg : path.join(cg, 'unified');
    if (kind === 'hybrid') fs.mkdirSync(dir);
    // The root cgroup: what it offers and what it hands down.
    writeFiles(dir, { 'cgroup.procs': '', 'cgroup.controllers': kind === 'v2' ? v2Controllers.join(' ') : 'hugetlb', 'cgroup.subtree_control': kind === 'v2' ? v2Controllers.join(' ') : '', 'cpuset.cpus.effective': '0-3', 'cpuset.mems.effective': '0' });
    const mp = kind === 'v2' ? '/sys/fs/cgroup' : '/sys/fs/cgroup/unified';
    if (kind === 'v2') lines.splice(1, 1); // no tmpfs: cgroup2 is mounted at /sys/fs/cgroup itself
    lines.push(`${id++} ${kind === 'v2' ? 22 : 31} 0:60 / ${mp} rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate`);
    const own = opts.ownUnified ?? (kind === 'v2' ? '/user.slice/session-1.scope' : '/');
    self.push(`0::${own}`);
    // The runtime's own cgroup and its parent exist (made by "systemd"), with controllers handed down.
    let d = dir;
    for (const part of own.split('/').filter(Boolean)) {
      d = path.join(d, part);
      fs.mkdirSync(d);
      populateV2(d);
      fs.writeFileSync(path.join(d, 'cgroup.subtree_control'), fs.readFileSync(path.join(d, 'cgroup.controllers'), 'utf8'));
    }
  }

  const mkdirs: string[] = [];
  const orig = { ...cgroupDirs };
  cgroupDirs.mkdir = (dir: string) => {
    fs.mkdirSync(dir); // throws EEXIST/ENOENT like the kernel
    mkdirs.push(dir);
    const rel = path.relative(cg, dir).split('/');
    if (kind === 'v2') populateV2(dir);
    else if (rel[0] === 'unified') populateV2(dir);
    else {
      const h = V1_HIERARCHIES.find((x) => dirName(x) === rel[0])!;
      writeFiles(dir, { 'cgroup.procs': '', tasks: '' });
      for (const c of h.split(',')) if (V1_FILES[c]) writeFiles(dir, V1_FILES[c]);
    }
  };
  cgroupDirs.rmdir = (dir: string) => {
    const err = (code: string) => Object.assign(new Error(`${code}: rmdir ${dir}`), { code });
    if (!fs.existsSync(dir)) throw err('ENOENT');
    const procs = path.join(dir, 'cgroup.procs');
    if (fs.existsSync(procs) && fs.readFileSync(procs, 'utf8').trim()) throw err('EBUSY');
    const entries = fs.readdirSync(dir, { withFileTypes: true });
    if (entries.some((e) => e.isDirectory())) throw err('EBUSY');
    for (const e of entries) fs.unlinkSync(path.join(dir, e.name));
    fs.rmdirSync(dir);
  };
  return {
    root, cg, mountinfo: lines.join('\n') + '\n', selfCgroup: self.join('\n') + '\n', mkdirs,
    uninstall() {
      Object.assign(cgroupDirs, orig);
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A new v2 cgroup: the core files, cgroup.controllers = the parent's subtree_control, and the files
 * of each of those controllers. */
function populateV2(dir: string): void {
  const parent = path.dirname(dir);
  const sub = fs.readFileSync(path.join(parent, 'cgroup.subtree_control'), 'utf8');
  const ctls = sub.split(/\s+/).map((c) => c.replace(/^\+/, '')).filter(Boolean);
  writeFiles(dir, { ...V2_CORE, 'cgroup.controllers': ctls.join(' ') });
  for (const c of ctls) if (V2_FILES[c]) writeFiles(dir, V2_FILES[c]);
}

export function read(file: string): string {
  return fs.readFileSync(file, 'utf8');
}
