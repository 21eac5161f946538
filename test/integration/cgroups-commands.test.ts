// The commands that work through a container's cgroups, on this machine's real v1 controllers:
// pause/resume, update, events (stats and OOM), ps, kill --all; limits enforced where cheap to show.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { canonical, detectLayout, parseSelfCgroup } from '../../src/cgroups/layout';
import { Sandbox, assertNothingLeft, describeRoot, pidAlive, procState, runtimeCommand, sleep, waitFor } from '../helpers/runtime';

/** The container's cgroup directory for a v1 controller, from what state.json recorded. */
function cgroupDir(sb: Sandbox, id: string, controller: string): string {
  const rec = JSON.parse(fs.readFileSync(path.join(sb.root, id, 'state.json'), 'utf8')).cgroup;
  const e = Object.entries(rec.paths as Record<string, string>).find(([k]) => k.split(',').includes(controller));
  if (!e) throw new Error(`no ${controller} cgroup recorded for ${id}`);
  return e[1];
}

function cg(sb: Sandbox, id: string, controller: string, file: string): string {
  return fs.readFileSync(path.join(cgroupDir(sb, id, controller), file), 'utf8').trim();
}

function recordedResources(sb: Sandbox, id: string): any {
  return JSON.parse(fs.readFileSync(path.join(sb.root, id, 'state.json'), 'utf8')).config.linux.resources;
}

function readInt(file: string): number {
  try { return Number(fs.readFileSync(file, 'utf8').trim()); } catch { return -1; }
}

/** `tsrunc events ...` running in the background, its stdout collected. */
class Events {
  readonly child: ChildProcess;
  out = '';
  err = '';
  code: number | null | undefined;
  constructor(sb: Sandbox, args: string[]) {
    const [cmd, ...pre] = runtimeCommand(sb.entry);
    this.child = spawn(cmd, [...pre, '--root', sb.root, 'events', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d) => { this.out += d; });
    this.child.stderr!.on('data', (d) => { this.err += d; });
    this.child.on('exit', (code) => { this.code = code; });
  }
  lines(): any[] {
    return this.out.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  }
  stop(): void {
    if (this.code === undefined) this.child.kill('SIGKILL');
  }
}

describeRoot('cgroup commands (v1 controllers)', () => {
  let sb: Sandbox;
  const background: Events[] = [];
  beforeEach(() => { sb = new Sandbox(); });
  afterEach(() => {
    for (const e of background.splice(0)) e.stop();
    sb.cleanup();
  });

  // issue 12: create and exec start a native thread that writes the runtime's own pid into the
  // cgroup.procs of the cgroup it is already in (src/cgroups/host.ts primeMigration), so that the
  // kernel's wait for a quiet grace period is over by the time the init joins its v1 cgroups. It must
  // move nothing: the runtime, stopped once the init is READY, is still in every cgroup it started in.
  test('create and exec prime the migration lock in the runtime\'s own cgroup, and move nothing', async () => {
    const own = fs.readFileSync('/proc/self/cgroup', 'utf8');
    // On a pure v2 host nothing is primed (processes are cloned into their cgroup).
    const first = detectLayout(fs.readFileSync('/proc/self/mountinfo', 'utf8')).v1[0];
    const expected = first ? `priming the cgroup migration lock: own pid into ${path.join(first.mountpoint, parseSelfCgroup(own).get(canonical(first.name))!, 'cgroup.procs')}` : undefined;
    const primed = (text: string) => expected ? expect(text).toContain(expected) : expect(text).not.toContain('priming');
    const bundle = sb.bundle((c) => { c.process.args = ['sleep', '1000']; });
    const id = sb.id();
    const log = path.join(sb.dir, `prime-${id}.log`);
    const [cmd, ...pre] = runtimeCommand(sb.entry, true);
    const child = spawn(cmd, [...pre, '--debug', '--log', log, '--root', sb.root, 'create', '--bundle', bundle, id], { stdio: 'ignore', env: { ...process.env, TSRUNC_TEST_STOP_AT: 'ready' } });
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    let during = '';
    try {
      await waitFor(() => procState(child.pid!) === 'T', 10000, 'create to stop at ready');
      during = fs.readFileSync(`/proc/${child.pid}/cgroup`, 'utf8');
    } finally {
      child.kill('SIGCONT');
    }
    expect(await exited).toBe(0);
    expect(during).toBe(own);
    primed(fs.readFileSync(log, 'utf8'));
    sb.ok(['start', id]);
    fs.rmSync(log);
    sb.ok(['--debug', '--log', log, 'exec', id, 'true']);
    primed(fs.readFileSync(log, 'utf8'));
    expect(fs.readFileSync('/proc/self/cgroup', 'utf8')).toBe(own);
    sb.ok(['delete', '--force', id]);
    assertNothingLeft(id, sb.root);
  });

  test('init and exec\'d processes are born in the container\'s cgroup v2 (CLONE_INTO_CGROUP) where there is one', () => {
    const bundle = sb.bundle((c) => { c.process.args = ['sleep', '1000']; });
    const id = sb.id();
    const log = path.join(sb.dir, `clone-into-${id}.log`);
    sb.ok(['--debug', '--log', log, 'run', '-d', '--bundle', bundle, id]);
    const rec = JSON.parse(fs.readFileSync(path.join(sb.root, id, 'state.json'), 'utf8')).cgroup;
    const unified: string | undefined = rec.paths.unified;
    if (!unified) {
      sb.ok(['delete', '--force', id]);
      console.warn('skipped: this host gives the container no cgroup v2 directory');
      return;
    }
    const pid = sb.state(id).pid;
    const v2Line = (p: number) => fs.readFileSync(`/proc/${p}/cgroup`, 'utf8').split('\n').find((l) => l.startsWith('0::'));
    expect(fs.readFileSync(path.join(unified, 'cgroup.procs'), 'utf8').split('\n')).toContain(String(pid));
    expect(v2Line(pid)).toMatch(new RegExp(`/tsrunc/${id}$`));
    sb.ok(['--debug', '--log', log, 'exec', id, 'true']);
    const lines = fs.readFileSync(log, 'utf8');
    expect(lines).toContain(`init cloned into cgroup ${unified}`);
    expect(lines).toContain(`exec: cloned into cgroup ${unified}`);
    sb.ok(['delete', '--force', id]);
  });

  test('device rule access as runc takes it: any order, repeats ("mwr", "rr"); an unknown letter names the field', () => {
    const bundle = sb.bundle((c) => {
      c.process.args = ['sh', '-c', 'echo x > /dev/null && head -c1 /dev/zero | wc -c'];
      c.linux.resources.devices = [{ allow: false, access: 'mwr' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'wrw' }, { allow: true, type: 'c', major: 1, minor: 5, access: 'rr' }];
    });
    expect(sb.ok(['run', '--bundle', bundle, sb.id()]).stdout).toBe('1\n');
    const bad = sb.bundle((c) => { c.linux.resources.devices.push({ allow: true, type: 'c', major: 1, minor: 3, access: 'rwx' }); });
    const id = sb.id();
    const r = sb.run(['run', '--bundle', bad, id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/linux\.resources\.devices\[1\]\.access: must be a combination of "r", "w" and "m", got "rwx"/);
    assertNothingLeft(id, sb.root);
  });

  test('pause freezes every process (a counter stops), state says paused; resume thaws', async () => {
    const bundle = sb.bundle((c) => { c.root.readonly = false; c.process.args = ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo $i > /count; sleep 0.01; done']; });
    const id = sb.id();
    sb.ok(['run', '--detach', '--bundle', bundle, id]);
    const count = path.join(bundle, 'rootfs', 'count');
    await waitFor(() => readInt(count) > 5, 5000, 'the counter to run');

    sb.ok(['pause', id]);
    expect(sb.state(id).status).toBe('paused');
    expect(cg(sb, id, 'freezer', 'freezer.state')).toBe('FROZEN');
    expect(JSON.parse(sb.ok(['list', '--format', 'json']).stdout)[0].status).toBe('paused');
    const frozenAt = readInt(count);
    await sleep(400);
    expect(readInt(count)).toBe(frozenAt);

    let r = sb.run(['pause', id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/paused/);

    sb.ok(['resume', id]);
    expect(sb.state(id).status).toBe('running');
    expect(cg(sb, id, 'freezer', 'freezer.state')).toBe('THAWED');
    await waitFor(() => readInt(count) > frozenAt + 5, 5000, 'the counter to advance again');
    r = sb.run(['resume', id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/container not paused/);
  });

  test('delete --force of a paused container is quick and leaves nothing (runc#3134)', async () => {
    const bundle = sb.bundle((c) => { c.process.args = ['sh', '-c', 'sleep 1000 & sleep 1000']; });
    const id = sb.id();
    sb.ok(['run', '--detach', '--bundle', bundle, id]);
    const pid = sb.state(id).pid;
    sb.ok(['pause', id]);
    expect(sb.run(['delete', id]).code).not.toBe(0); // not without --force
    const t0 = Date.now();
    sb.ok(['delete', '--force', id]);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(pidAlive(pid)).toBe(false);
    expect(sb.run(['state', id]).stderr).toMatch(/does not exist/);
  });

  test('pause and resume of a stopped container fail', async () => {
    const bundle = sb.bundle((c) => { c.process.args = ['true']; });
    const id = sb.id();
    sb.ok(['run', '--detach', '--bundle', bundle, id]);
    await waitFor(() => sb.state(id).status === 'stopped', 5000, 'stopped');
    expect(sb.run(['pause', id]).stderr).toMatch(/container not running/);
    expect(sb.run(['resume', id]).stderr).toMatch(/container not running/);
  });

  test('update changes live values and records them; a bad value names the flag and changes nothing', () => {
    const bundle = sb.bundle((c) => {
      c.process.args = ['sleep', '1000'];
      c.linux.resources = { ...c.linux.resources, memory: { limit: 256 * 1024 * 1024 }, pids: { limit: 200 } };
    });
    const id = sb.id();
    sb.ok(['run', '--detach', '--bundle', bundle, id]);
    sb.ok(['update', '--memory', '64M', '--memory-swap', '128m', '--memory-reservation', '32m', '--cpu-share', '512',
      '--cpu-period', '100000', '--cpu-quota', '50000', '--pids-limit', '50', '--cpuset-cpus', '0', id]);
    expect(cg(sb, id, 'memory', 'memory.limit_in_bytes')).toBe(String(64 * 1024 * 1024));
    expect(cg(sb, id, 'memory', 'memory.memsw.limit_in_bytes')).toBe(String(128 * 1024 * 1024));
    expect(cg(sb, id, 'memory', 'memory.soft_limit_in_bytes')).toBe(String(32 * 1024 * 1024));
    expect(cg(sb, id, 'cpu', 'cpu.shares')).toBe('512');
    expect(cg(sb, id, 'cpu', 'cpu.cfs_period_us')).toBe('100000');
    expect(cg(sb, id, 'cpu', 'cpu.cfs_quota_us')).toBe('50000');
    expect(cg(sb, id, 'pids', 'pids.max')).toBe('50');
    expect(cg(sb, id, 'cpuset', 'cpuset.cpus')).toBe('0');
    // Recorded in state.json, merged with what create had.
    expect(recordedResources(sb, id)).toMatchObject({
      memory: { limit: 64 * 1024 * 1024, swap: 128 * 1024 * 1024, reservation: 32 * 1024 * 1024 },
      cpu: { shares: 512, period: 100000, quota: 50000, cpus: '0' },
      pids: { limit: 50 },
    });
    expect(recordedResources(sb, id).devices.length).toBeGreaterThan(0);

    // One bad value among good ones: nothing is written.
    let r = sb.run(['update', '--memory', '32M', '--cpu-share', '1', id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--cpu-share/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(cg(sb, id, 'memory', 'memory.limit_in_bytes')).toBe(String(64 * 1024 * 1024));
    expect(recordedResources(sb, id).memory.limit).toBe(64 * 1024 * 1024);
    r = sb.run(['update', '--memory', '50X', id]);
    expect(r.stderr).toMatch(/--memory: invalid size: '50X'/);
    r = sb.run(['update', '--cpuset-cpus', '0-999', id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--cpuset-cpus/);
    expect(cg(sb, id, 'cpuset', 'cpuset.cpus')).toBe('0');

    // --resources - : LinuxResources JSON on stdin (docker update).
    sb.ok(['update', '--resources', '-', id], { input: JSON.stringify({ memory: { limit: 100 * 1024 * 1024, swap: 200 * 1024 * 1024 }, cpu: { shares: 256 }, pids: { limit: 42 } }) });
    expect(cg(sb, id, 'memory', 'memory.limit_in_bytes')).toBe(String(100 * 1024 * 1024));
    expect(cg(sb, id, 'cpu', 'cpu.shares')).toBe('256');
    expect(cg(sb, id, 'pids', 'pids.max')).toBe('42');
    r = sb.run(['update', '-r', '-', id], { input: '{"pids":{"limit":"many"},"cpu":{"shares":128}}' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/linux\.resources\.pids\.limit/);
    expect(cg(sb, id, 'cpu', 'cpu.shares')).toBe('256');
    // Unlimited again.
    sb.ok(['update', '--memory', '-1', '--pids-limit', '-1', id]);
    expect(cg(sb, id, 'pids', 'pids.max')).toBe('max');
    expect(Number(cg(sb, id, 'memory', 'memory.limit_in_bytes'))).toBeGreaterThan(2 ** 60);
    expect(Number(cg(sb, id, 'memory', 'memory.memsw.limit_in_bytes'))).toBeGreaterThan(2 ** 60);
  });

  test('update refuses each bad value in one line naming the flag typed (or the LinuxResources field), and writes nothing', () => {
    // The words are the cgroup planners' (src/cgroups/resources.ts validates for update as for create).
    const flags: [string[], string][] = [
      [['--cpu-share', '1'], '--cpu-share: must be between 2 and 262144, got 1'],
      [['--cpu-quota', '999'], '--cpu-quota: must be >= 1000, got 999'],
      [['--cpu-quota', '-5'], '--cpu-quota: must be >= 1000, got -5'],
      [['--cpu-period', '1000001'], '--cpu-period: must be between 1000 and 1000000, got 1000001'],
      [['--cpu-quota', '10000', '--cpu-burst', '20000'], '--cpu-burst: must not be larger than quota (10000)'],
      [['--cpu-rt-runtime', '20000', '--cpu-rt-period', '10000'], '--cpu-rt-runtime: must not exceed realtimePeriod (10000)'],
      [['--cpu-rt-runtime', '-5'], '--cpu-rt-runtime: must be >= -1, got -5'],
      [['--cpuset-cpus', 'x'], '--cpuset-cpus: cannot parse "x": "x" is not N or N-M (example: "0-1,3")'],
      [['--cpuset-mems', 'x'], '--cpuset-mems: cannot parse "x": "x" is not N or N-M (example: "0-1,3")'],
      [['--cpu-idle', '2'], '--cpu-idle: must be between 0 and 1, got 2'],
      [['--pids-limit', '5000000'], '--pids-limit: must be <= 4194304, got 5000000'],
      [['--blkio-weight', '5'], '--blkio-weight: must be between 10 and 1000, got 5'],
      [['--memory', '64M', '--memory-swap', '32M'], '--memory-swap: memory+swap limit 33554432 must be >= the memory limit 67108864'],
      [['--memory-reservation', '-3'], "--memory-reservation: invalid size: '-3'"],
    ];
    const json: [unknown, string][] = [
      [{ memory: { disableOOMKiller: 'yes' } }, 'linux.resources.memory.disableOOMKiller: must be true or false'],
      [{ memory: { swappiness: 101 } }, 'linux.resources.memory.swappiness: must be between 0 and 100, got 101'],
      [{ unified: { 'memory.high': '1' } }, "linux.resources.unified: invalid configuration: cannot use unified on cgroup v1 (this host's controllers are on cgroup v1)"],
      [{ blockIO: { weightDevice: [{ major: 8, minor: 0 }] } }, 'linux.resources.blockIO.weightDevice[0]: needs weight or leafWeight'],
      [{ hugepageLimits: [{ pageSize: '2M', limit: 1 }] }, 'linux.resources.hugepageLimits[0].pageSize: must be a size like "2MB" or "1GB", got "2M"'],
      [{ network: { classID: 2 ** 32 } }, 'linux.resources.network.classID: must be between 0 and 4294967295, got 4294967296'],
      [{ rdma: { mlx: {} } }, 'linux.resources.rdma.mlx: needs hcaHandles or hcaObjects'],
      [{ pids: { limit: 10 }, cpu: { cpus: '0-1,x' } }, 'linux.resources.cpu.cpus: cannot parse "0-1,x": "x" is not N or N-M (example: "0-1,3")'],
    ];
    const bundle = sb.bundle((c) => { c.process.args = ['sleep', '1000']; c.linux.resources = { ...c.linux.resources, pids: { limit: 77 } }; });
    const id = sb.id();
    sb.ok(['run', '--detach', '--bundle', bundle, id]);
    const before = { pids: cg(sb, id, 'pids', 'pids.max'), shares: cg(sb, id, 'cpu', 'cpu.shares'), memory: cg(sb, id, 'memory', 'memory.limit_in_bytes') };
    const cases = [
      // Each with a good value beside it (the last of a repeated flag wins: not the one under test).
      ...flags.map(([args, want]) => ({ args: ['update', ...args, ...(args.includes('--pids-limit') ? ['--cpu-share', '512'] : ['--pids-limit', '5']), id], input: undefined, want })),
      ...json.map(([r, want]) => ({ args: ['update', '--resources', '-', id], input: JSON.stringify(r), want })),
    ];
    for (const c of cases) {
      const r = sb.run(c.args, { input: c.input });
      expect({ args: c.args, input: c.input, code: r.code, stderr: r.stderr.trim() }).toEqual({ args: c.args, input: c.input, code: 1, stderr: `tsrunc: ${c.want}` });
    }
    expect({ pids: cg(sb, id, 'pids', 'pids.max'), shares: cg(sb, id, 'cpu', 'cpu.shares'), memory: cg(sb, id, 'memory', 'memory.limit_in_bytes') }).toEqual(before);
    expect(before.pids).toBe('77');
    expect(recordedResources(sb, id).pids.limit).toBe(77);
  });

  test('update of a paused container works; of a stopped one is an error', async () => {
    const bundle = sb.bundle((c) => { c.process.args = ['sleep', '1000']; });
    const id = sb.id();
    sb.ok(['run', '--detach', '--bundle', bundle, id]);
    sb.ok(['pause', id]);
    sb.ok(['update', '--pids-limit', '20', id]);
    expect(cg(sb, id, 'pids', 'pids.max')).toBe('20');
    sb.ok(['kill', id, 'KILL']);
    await waitFor(() => sb.state(id).status === 'stopped', 5000, 'stopped');
    const r = sb.run(['update', '--pids-limit', '30', id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/cannot update a stopped container/);
  });

  test('a pids limit stops a fork loop', async () => {
    const bundle = sb.bundle((c) => {
      // The inner shell forks until the kernel refuses (busybox sh then exits); the outer one then
      // records it with a builtin (no fork left) and execs.
      c.root.readonly = false;
      c.process.args = ['sh', '-c', 'sh -c "while true; do sleep 1000 & done" 2>/dev/null; echo refused > /forkfailed; exec sleep 1000'];
      c.linux.resources = { ...c.linux.resources, pids: { limit: 10 } };
    });
    const id = sb.id();
    sb.ok(['run', '--detach', '--bundle', bundle, id]);
    await waitFor(() => fs.existsSync(path.join(bundle, 'rootfs', 'forkfailed')), 10000, 'the fork loop to be refused');
    expect(Number(cg(sb, id, 'pids', 'pids.current'))).toBeLessThanOrEqual(10);
    expect(Number(/^max (\d+)$/m.exec(cg(sb, id, 'pids', 'pids.events'))![1])).toBeGreaterThan(0);
    const pids = JSON.parse(sb.ok(['ps', '--format', 'json', id]).stdout);
    expect(pids.length).toBeGreaterThan(1);
    expect(pids.length).toBeLessThanOrEqual(10);
  });

  test('a memory limit OOM-kills a hog and events reports the OOM; events ends when the container is deleted', async () => {
    const bundle = sb.bundle((c) => {
      c.root.readonly = false;
      c.process.args = ['sh', '-c', 'while [ ! -e /go ]; do sleep 0.05; done; dd if=/dev/zero of=/dev/null bs=64M count=1; echo $? > /dd-status.tmp; mv /dd-status.tmp /dd-status; exec sleep 1000'];
      // The status is renamed into place: a reader that sees /dd-status sees its whole content.
      c.linux.resources = { ...c.linux.resources, memory: { limit: 16 * 1024 * 1024, swap: 16 * 1024 * 1024 } };
    });
    const id = sb.id();
    sb.ok(['run', '--detach', '--bundle', bundle, id]);
    const ev = new Events(sb, ['--interval', '60s', id]);
    background.push(ev);
    // The notification is registered right after start-up; give it time before the hog runs.
    await sleep(500);
    expect(ev.code).toBeUndefined();
    fs.writeFileSync(path.join(bundle, 'rootfs', 'go'), '');
    await waitFor(() => ev.out.includes('"type":"oom"'), 10000, 'an oom event');
    expect(ev.lines()[0]).toEqual({ type: 'oom', id });
    await waitFor(() => fs.existsSync(path.join(bundle, 'rootfs', 'dd-status')), 5000, 'dd to be killed');
    expect(fs.readFileSync(path.join(bundle, 'rootfs', 'dd-status'), 'utf8').trim()).toBe('137'); // SIGKILL
    expect(cg(sb, id, 'memory', 'memory.oom_control')).toMatch(/^oom_kill [1-9]/m);
    expect(sb.state(id).status).toBe('running');

    sb.ok(['delete', '--force', id]);
    await waitFor(() => ev.code !== undefined, 5000, 'events to end once the cgroup is gone');
    expect(ev.code).toBe(0);
    expect(ev.err).toBe('');
  });

  test('events --stats prints one line in runc\'s JSON shape; streaming repeats it every interval', async () => {
    const bundle = sb.bundle((c) => {
      c.process.args = ['sleep', '1000'];
      c.linux.resources = { ...c.linux.resources, memory: { limit: 64 * 1024 * 1024 }, pids: { limit: 20 } };
    });
    const id = sb.id();
    sb.ok(['run', '--detach', '--bundle', bundle, id]);
    const r = sb.ok(['events', '--stats', id]);
    expect(r.stderr).toBe('');
    expect(r.stdout.endsWith('\n')).toBe(true);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const ev = JSON.parse(r.stdout);
    expect(Object.keys(ev)).toEqual(['type', 'id', 'data']);
    expect(ev.type).toBe('stats');
    expect(ev.id).toBe(id);
    const d = ev.data;
    // runc 1.1 types.Stats, in its field order.
    expect(Object.keys(d)).toEqual(['cpu', 'cpuset', 'memory', 'pids', 'blkio', 'hugetlb', 'intel_rdt', 'network_interfaces']);
    expect(Object.keys(d.cpu)).toEqual(['usage', 'throttling']);
    expect(d.cpu.usage.total).toBeGreaterThan(0);
    expect(d.cpu.usage.percpu.length).toBeGreaterThan(0);
    expect(typeof d.cpu.usage.kernel).toBe('number');
    expect(typeof d.cpu.usage.user).toBe('number');
    expect(d.cpuset.cpus.length).toBeGreaterThan(0);
    expect(d.cpuset).toHaveProperty('sched_load_balance');
    expect(Object.keys(d.memory)).toEqual(expect.arrayContaining(['usage', 'swap', 'kernel', 'kernelTCP', 'raw']));
    expect(d.memory.usage.limit).toBe(64 * 1024 * 1024);
    expect(d.memory.usage.usage).toBeGreaterThan(0);
    expect(d.memory.usage).toHaveProperty('failcnt', 0);
    expect(Object.keys(d.memory.raw)).toEqual([...Object.keys(d.memory.raw)].sort()); // Go sorts map keys
    // The unlimited v1 value is printed exactly (beyond 2^53), as the kernel and runc write it.
    const unlimited = cg(sb, id, 'memory', 'memory.kmem.limit_in_bytes');
    expect(r.stdout).toContain(`"kernelTCP":{"limit":${cg(sb, id, 'memory', 'memory.kmem.tcp.limit_in_bytes')}`);
    expect(r.stdout).toContain(`"kernel":{"limit":${unlimited},`);
    expect(d.pids).toEqual({ current: 1, limit: 20 });
    expect(d.intel_rdt).toEqual({});
    expect(d.network_interfaces).toBeNull();

    const stream = new Events(sb, ['--interval', '200ms', id]);
    background.push(stream);
    await waitFor(() => stream.lines().length >= 3, 5000, 'three stats lines');
    for (const l of stream.lines()) expect(l).toMatchObject({ type: 'stats', id, data: { pids: { current: 1, limit: 20 } } });

    expect(sb.run(['events', '--interval', '0', '--stats', id]).stderr).toMatch(/duration interval must be greater than 0/);
    expect(sb.run(['events', '--interval', '5', id]).stderr).toMatch(/invalid value "5" for flag -interval/);
  });

  test('ps --format json prints exactly the pids; ps runs ps(1) and keeps only the container\'s lines', async () => {
    const bundle = sb.bundle((c) => { c.process.args = ['sh', '-c', 'sleep 1000 & sleep 1001 & wait']; });
    const id = sb.id();
    sb.ok(['run', '--detach', '--bundle', bundle, id]);
    const procs = () => fs.readFileSync(path.join(cgroupDir(sb, id, 'pids'), 'cgroup.procs'), 'utf8').trim().split('\n').map(Number).sort((a, b) => a - b);
    // run --detach returns once the init runs: its sh may not have forked both sleeps yet.
    await waitFor(() => procs().length === 3, 5000, 'sh and its two sleeps');
    const pids = procs();
    expect(pids).toHaveLength(3);
    const r = sb.ok(['ps', '--format', 'json', id]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(JSON.stringify(pids) + '\n');
    expect(sb.ok(['ps', '-f', 'json', id]).stdout).toBe(JSON.stringify(pids) + '\n');

    const table = sb.ok(['ps', id]).stdout.trim().split('\n');
    expect(table[0]).toMatch(/^UID\s+PID\s+PPID/);
    expect(table.slice(1).map((l) => Number(l.trim().split(/\s+/)[1])).sort((a, b) => a - b)).toEqual(pids);
    const custom = sb.ok(['ps', id, '-o', 'pid,comm']).stdout.trim().split('\n');
    expect(custom[0].trim()).toBe('PID COMMAND');
    expect(custom.slice(1).map((l) => l.trim()).sort()).toEqual(pids.map((p) => `${p} ${fs.readFileSync(`/proc/${p}/comm`, 'utf8').trim()}`).sort());
    expect(sb.run(['ps', '--format', 'yaml', id]).stderr).toMatch(/invalid format option/);
  });

  test('kill --all signals every process in the container; --all KILL ends a paused one; works once stopped', async () => {
    const loop = (n: number) => `(trap "echo x > /got${n}" USR1; while true; do sleep 0.05; done)`;
    const bundle = sb.bundle((c) => { c.root.readonly = false; c.process.args = ['sh', '-c', `${loop(1)} & ${loop(2)} & trap "echo x > /got0" USR1; while true; do sleep 0.05; done`]; });
    const id = sb.id();
    sb.ok(['run', '--detach', '--bundle', bundle, id]);
    const rootfs = path.join(bundle, 'rootfs');
    await waitFor(() => JSON.parse(sb.ok(['ps', '--format', 'json', id]).stdout).length >= 5, 5000, 'the three loops');
    await sleep(200); // the traps are set

    sb.ok(['kill', id, 'USR1']); // without --all: the init only
    await waitFor(() => fs.existsSync(path.join(rootfs, 'got0')), 5000, 'the init to get USR1');
    await sleep(200);
    expect(fs.existsSync(path.join(rootfs, 'got1')) || fs.existsSync(path.join(rootfs, 'got2'))).toBe(false);

    sb.ok(['kill', '--all', id, 'USR1']);
    await waitFor(() => fs.existsSync(path.join(rootfs, 'got1')) && fs.existsSync(path.join(rootfs, 'got2')), 5000, 'every process to get USR1');
    expect(sb.state(id).status).toBe('running'); // freeze, signal, thaw: left as it was

    // On a paused container a non-fatal signal leaves it paused; KILL ends it.
    sb.ok(['pause', id]);
    sb.ok(['kill', '--all', id, 'USR1']);
    expect(sb.state(id).status).toBe('paused');
    const pids: number[] = JSON.parse(sb.ok(['ps', '--format', 'json', id]).stdout);
    sb.ok(['kill', '--all', id, 'KILL']);
    await waitFor(() => pids.every((p) => !pidAlive(p)), 5000, 'every process to die');
    expect(sb.state(id).status).toBe('stopped');
    sb.ok(['kill', '--all', id, 'KILL']); // nothing left: fine, as runc
    expect(sb.run(['kill', id, 'KILL']).stderr).toMatch(/container not running/);
  });

  test('the host\'s cgroups are unchanged: every control file of each hierarchy root and of the runtime\'s own cgroups reads the same after a full container life', async () => {
    // The directories above the container that are not ours: each mount's root and the cgroup this
    // runtime runs in (the default cgroupsPath is relative to it).
    const layout = detectLayout(fs.readFileSync('/proc/self/mountinfo', 'utf8'));
    const own = parseSelfCgroup(fs.readFileSync('/proc/self/cgroup', 'utf8'));
    const hierarchies = [...layout.v1, ...(layout.unified ? [layout.unified] : [])];
    const mounts = hierarchies.map((h) => h.mountpoint);
    const dirs = new Set<string>(mounts);
    for (const h of hierarchies) {
      const rel = own.get(h.name);
      if (rel !== undefined && fs.existsSync(path.join(h.mountpoint, rel))) dirs.add(path.join(h.mountpoint, rel));
    }
    // Files that change by themselves (counters, statistics, pressure, membership) are left out.
    const volatile = /(^|\.)(stat|stats|usage|usage_all|usage_percpu.*|usage_sys|usage_user|current|peak|events(\.local)?|pressure|failcnt|max_usage_in_bytes|numa_stat|procs|threads|tasks|self_freezing|parent_freezing|throttled.*|io_.*|sectors.*|time.*|dequeue|wait_time|merged.*|serviced.*|service_bytes.*|queued.*|avg_queue_size|empty_time|group_wait_time|idle_time|oom_control|kmem\..*usage.*|populated)$/;
    const snapshot = () => {
      const out: Record<string, string> = {};
      for (const d of dirs) {
        for (const f of fs.readdirSync(d, { withFileTypes: true })) {
          if (!f.isFile() || volatile.test(f.name)) continue;
          const st = fs.statSync(path.join(d, f.name));
          if (!(st.mode & 0o200)) continue; // only what a runtime could write
          try { out[path.join(d, f.name)] = fs.readFileSync(path.join(d, f.name), 'utf8'); } catch { /* write-only */ }
        }
      }
      return out;
    };
    const before = snapshot();
    expect(Object.keys(before).length).toBeGreaterThan(10);
    // The roots' knobs a container's limits mirror are among them (the runtime's own cgroup's too).
    expect(Object.keys(before).some((k) => /\/(cpu\.shares|pids\.max|memory\.limit_in_bytes|cgroup\.subtree_control)$/.test(k))).toBe(true);

    const bundle = sb.bundle((c) => {
      c.process.args = ['sh', '-c', 'while true; do sleep 0.1; done'];
      c.linux.resources = {
        ...c.linux.resources,
        memory: { limit: 64 * 1024 * 1024, reservation: 32 * 1024 * 1024, swappiness: 10 },
        cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0', mems: '0' },
        pids: { limit: 50 },
        devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rw' }],
      };
    });
    const id = sb.id();
    sb.ok(['run', '-d', '--bundle', bundle, id]);
    sb.ok(['update', '--memory', '96M', '--cpu-share', '256', '--pids-limit', '40', id]);
    sb.ok(['pause', id]);
    sb.ok(['resume', id]);
    sb.ok(['events', '--stats', id]);
    sb.ok(['exec', id, 'true']);
    sb.ok(['kill', '--all', id, 'KILL']);
    await waitFor(() => sb.state(id).status === 'stopped', 5000, 'the container to stop');
    sb.ok(['delete', id]);
    // An absolute cgroupsPath too: made under each root, and gone again.
    const abs = `/tsrunc-test-abs-${process.pid}`;
    const id2 = sb.id();
    sb.ok(['run', '--bundle', sb.bundle((c) => { c.process.args = ['true']; c.linux.cgroupsPath = abs; c.linux.resources = { ...c.linux.resources, pids: { limit: 10 } }; }), id2]);
    for (const m of mounts) expect(fs.existsSync(path.join(m, abs))).toBe(false);

    const after = snapshot();
    const changed = Object.keys(before).filter((k) => before[k] !== after[k]).map((k) => `${k}: ${JSON.stringify(before[k])} -> ${JSON.stringify(after[k])}`);
    expect(changed).toEqual([]);
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
  });
});
