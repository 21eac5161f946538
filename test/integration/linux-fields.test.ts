// The Linux fields of config.json beyond the basics, each checked from inside a real container.
import * as fs from 'fs';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { Sandbox, assertNothingLeft, chownTree, describeRoot, mountsMentioning } from '../helpers/runtime';

describeRoot('linux fields', () => {
  let sb: Sandbox;
  beforeAll(() => { sb = new Sandbox(); });
  afterAll(() => sb.cleanup());

  function runIn(script: string, edit?: (c: any) => void, bundleEdit?: (b: string) => void) {
    const bundle = sb.bundle((c) => { c.process.args = ['sh', '-c', script]; edit?.(c); });
    bundleEdit?.(bundle);
    const id = sb.id();
    const r = sb.run(['run', '--bundle', bundle, id]);
    assertNothingLeft(id, sb.root);
    return r;
  }

  test('scheduler, ioPriority, execCPUAffinity, oomScoreAdj, personality, domainname', () => {
    const r = runIn('grep -E "^policy" /proc/self/sched | tr -s " "; ionice -p $$; grep Cpus_allowed_list /proc/self/status; cat /proc/self/oom_score_adj; uname -m; cat /proc/sys/kernel/domainname', (c) => {
      c.process.scheduler = { policy: 'SCHED_BATCH', nice: 5 };
      c.process.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 6 };
      c.process.execCPUAffinity = { initial: '0-1', final: '0' };
      c.process.oomScoreAdj = 123;
      c.linux.personality = { domain: 'LINUX32' };
      c.domainname = 'example.org';
    });
    expect(r).toMatchObject({ code: 0 });
    // execCPUAffinity is for exec'd processes, not the init (config.md): the init keeps the runtime's.
    const hostCpus = fs.readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('Cpus_allowed_list'))!;
    expect(r.stdout.split('\n')).toEqual(['policy : 3', 'best-effort: prio 6', hostCpus, '123', 'i686', 'example.org', '']);
  });

  // runc 1.2+ (setns_init_linux.go; personality.bats "personality with exec"): exec'd processes run
  // with the container's personality too.
  test('linux.personality applies to exec\'d processes as well', () => {
    const bundle = sb.bundle((c) => { c.process.args = ['sleep', '1000']; c.linux.personality = { domain: 'LINUX32' }; });
    const id = sb.id();
    sb.ok(['run', '--detach', '--bundle', bundle, id]);
    expect(sb.run(['exec', id, 'uname', '-m']).stdout).toBe('i686\n');
    sb.ok(['delete', '--force', id]);
  });

  test('linux.memoryPolicy: the init and its children run under the NUMA policy', () => {
    // numa_maps names each mapping's policy; a process's own anonymous memory follows its policy.
    const hasNuma = fs.existsSync('/proc/self/numa_maps') && fs.existsSync('/sys/devices/system/node/node0');
    if (!hasNuma) {
      console.warn('skipped: this kernel has no NUMA support (no /proc/self/numa_maps)');
      return;
    }
    const r = runIn('grep -m1 -o "bind:0\\|interleave:0\\|local\\|default" /proc/self/numa_maps', (c) => { c.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0' }; });
    expect(r).toMatchObject({ code: 0, stdout: 'bind:0\n' });
    const d = runIn('grep -m1 -o "bind:0\\|interleave:0\\|local\\|default" /proc/self/numa_maps');
    expect(d).toMatchObject({ code: 0, stdout: 'default\n' });
  });

  test('no mount namespace: the host\'s mount table, chroot into the rootfs, and delete removes what setup mounted', () => {
    const hostMnt = fs.readlinkSync('/proc/self/ns/mnt');
    const noMountNs = (c: any) => {
      c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== 'mount');
      delete c.linux.maskedPaths;
      delete c.linux.readonlyPaths;
      c.root.readonly = false;
    };
    const bundle = sb.bundle((c) => { c.process.args = ['sh', '-c', 'readlink /proc/self/ns/mnt; cat /marker; ls /dev/null']; noMountNs(c); });
    fs.writeFileSync(path.join(bundle, 'rootfs', 'marker'), 'inside\n');
    // A mount that was under the rootfs before create is not the container's: it stays.
    const pre = path.join(bundle, 'rootfs', 'premounted');
    fs.mkdirSync(pre);
    execFileSync('mount', ['-t', 'tmpfs', 'tsrunc-test-pre', pre]);
    try {
      const id = sb.id();
      const r = sb.run(['run', '--bundle', bundle, id]);
      expect(r).toMatchObject({ code: 0, stdout: `${hostMnt}\ninside\n/dev/null\n` });
      assertNothingLeft(id, sb.root);
      expect(mountsMentioning(bundle).map((l) => l.split(' ')[4])).toEqual([pre]);
    } finally {
      execFileSync('umount', [pre]);
    }
    // What needs a mount namespace is refused, naming the field, before anything is made.
    for (const [field, edit] of [
      ['linux.maskedPaths', (c: any) => { c.linux.maskedPaths = ['/proc/kcore']; }],
      ['root.readonly', (c: any) => { c.root.readonly = true; }],
    ] as [string, (c: any) => void][]) {
      const b = sb.bundle((c) => { noMountNs(c); edit(c); }, `bundle-${field}`);
      const id = sb.id();
      const r = sb.run(['create', '--bundle', b, id]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`${field}: needs a mount namespace`);
      assertNothingLeft(id, sb.root);
    }
  });

  test('invalid values name the field', () => {
    expect(runIn('true', (c) => { c.process.scheduler = { policy: 'SCHED_FIFO' }; }).stderr).toMatch(/process\.scheduler\.priority/);
    expect(runIn('true', (c) => { c.process.ioPriority = { class: 'IOPRIO_CLASS_RT', priority: 9 }; }).stderr).toMatch(/process\.ioPriority\.priority/);
    expect(runIn('true', (c) => { c.process.execCPUAffinity = { final: '3-1' }; }).stderr).toMatch(/process\.execCPUAffinity\.final/);
    expect(runIn('true', (c) => { c.linux.personality = { domain: 'PER_BSD' }; }).stderr).toMatch(/linux\.personality\.domain/);
  });

  test('user namespace with uid/gid mappings', () => {
    const r = runIn('cat /proc/self/uid_map /proc/self/gid_map | tr -s " "; id -u', (c) => {
      c.linux.namespaces.push({ type: 'user' });
      c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      // sysfs needs a network namespace owned by the user namespace; the spec's default has one.
    }, (b) => {
      // The container's root is host uid 100000: it must be able to reach and own its rootfs.
      for (const d of [sb.dir, b]) fs.chmodSync(d, 0o755);
      chownTree(path.join(b, 'rootfs'), 100000);
    });
    expect(r.stderr).toBe('');
    expect(r).toMatchObject({ code: 0 });
    expect(r.stdout).toBe(' 0 100000 65536\n 0 100000 65536\n0\n');
  });

  test('time namespace with offsets', () => {
    const r = runIn('cat /proc/uptime | cut -d. -f1', (c) => {
      c.linux.namespaces.push({ type: 'time' });
      c.linux.timeOffsets = { boottime: { secs: 86400 * 365 } };
    });
    expect(r).toMatchObject({ code: 0 });
    expect(Number(r.stdout.trim())).toBeGreaterThanOrEqual(86400 * 365);
  });

  test('cgroup namespace: the container sees its own cgroup as /', () => {
    const r = runIn('cat /proc/self/cgroup', (c) => { c.linux.namespaces.push({ type: 'cgroup' }); });
    expect(r).toMatchObject({ code: 0 });
    for (const line of r.stdout.trim().split('\n')) expect(line).toMatch(/:\/$/);
  });

  test('joining namespaces by path (network and UTS of another container)', () => {
    const bundle = sb.bundle((c) => { c.process.args = ['sleep', '1000']; c.hostname = 'first'; });
    const first = sb.id();
    sb.ok(['run', '-d', '--bundle', bundle, first]);
    const pid = sb.state(first).pid;
    const r = runIn('hostname; readlink /proc/self/ns/net', (c) => {
      c.hostname = undefined;
      c.linux.namespaces = c.linux.namespaces.map((n: any) => (n.type === 'network' || n.type === 'uts' ? { type: n.type, path: `/proc/${pid}/ns/${n.type === 'network' ? 'net' : 'uts'}` } : n));
    });
    expect(r).toMatchObject({ code: 0 });
    expect(r.stdout.split('\n')[0]).toBe('first');
    expect(r.stdout.split('\n')[1]).toBe(fs.readlinkSync(`/proc/${pid}/ns/net`));
    sb.ok(['delete', '--force', first]);
  });

  test('mount options: rro, propagation, tmpfs data, nosuid/noexec', () => {
    const r = runIn('grep -E " /(data|scratch) " /proc/self/mountinfo | cut -d" " -f5,6,7; touch /data/sub/x 2>&1 | grep -c Read-only', (c) => {
      c.mounts.push({ destination: '/data', type: 'bind', source: 'outer', options: ['rbind', 'rro', 'rprivate'] });
      c.mounts.push({ destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'noexec', 'size=1m', 'mode=700', 'shared'] });
    }, (b) => {
      fs.mkdirSync(path.join(b, 'outer', 'sub'), { recursive: true });
    });
    expect(r).toMatchObject({ code: 0 });
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^\/data ro,/);
    expect(lines[1]).toMatch(/^\/scratch rw,nosuid,(nodev,)?noexec,relatime shared:\d+$/);
    expect(lines[2]).toBe('1');
  });

  test('rootfsPropagation: the container root is shared, slave, private or unbindable as asked; nothing reaches the host', () => {
    // The upstream validation suite's check: bind / somewhere, then mount under / and look for the
    // new mount through the bind (seen only if / is shared); with unbindable, binding / fails.
    const script = 'mkdir -p /t /m /src && touch /src/f && mount -o rbind / /t 2>/dev/null; echo bind=$?; mount -o bind /src /m 2>/dev/null && test -e /t/m/f && echo propagated; grep -c " / / " /proc/self/mountinfo >/dev/null; exit 0';
    const hostMounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').length;
    const results: Record<string, string> = {};
    for (const prop of ['shared', 'slave', 'private', 'unbindable']) {
      const r = runIn(script, (c) => {
        c.linux.rootfsPropagation = prop;
        c.root.readonly = false;
        c.process.capabilities.bounding.push('CAP_SYS_ADMIN');
        c.process.capabilities.effective.push('CAP_SYS_ADMIN');
        c.process.capabilities.permitted.push('CAP_SYS_ADMIN');
      });
      expect({ prop, code: r.code, stderr: r.stderr }).toEqual({ prop, code: 0, stderr: '' });
      results[prop] = r.stdout.trim().split('\n').join(' ');
    }
    expect(results).toEqual({ shared: 'bind=0 propagated', slave: 'bind=0', private: 'bind=0', unbindable: 'bind=255' });
    expect(fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').length).toBe(hostMounts);
  });

  test('overlay: a rootfs made of image layers, and an overlay mount entry', () => {
    const r = runIn('cat /layer-file; cat /ov/lower.txt; echo new > /ov/upper.txt && echo ov-rw', (c) => {
      c.root.readonly = false;
      c.mounts.push({ destination: '/ov', type: 'overlay', source: 'overlay', options: ['lowerdir=LOWER', 'upperdir=UPPER', 'workdir=WORK'] });
    }, (b) => {
      const cfgFile = path.join(b, 'config.json');
      const c = JSON.parse(fs.readFileSync(cfgFile, 'utf8'));
      for (const d of ['lower', 'upper', 'work']) fs.mkdirSync(path.join(b, d));
      fs.writeFileSync(path.join(b, 'lower', 'lower.txt'), 'from-lower\n');
      c.mounts[c.mounts.length - 1].options = [`lowerdir=${b}/lower`, `upperdir=${b}/upper`, `workdir=${b}/work`];
      fs.writeFileSync(cfgFile, JSON.stringify(c));
      fs.writeFileSync(path.join(b, 'rootfs', 'layer-file'), 'rootfs-layer\n');
    });
    expect(r.stdout).toBe('rootfs-layer\nfrom-lower\nov-rw\n');
  });

  test('--no-pivot uses MS_MOVE + chroot', () => {
    const bundle = sb.bundle((c) => { c.process.args = ['sh', '-c', 'ls / | grep -cx bin; cat /proc/self/mountinfo | wc -l']; });
    const r = sb.run(['run', '--no-pivot', '--bundle', bundle, sb.id()]);
    expect(r).toMatchObject({ code: 0 });
    expect(r.stdout.split('\n')[0]).toBe('1');
  });

  test('linux.devices: mknod with type, numbers, mode and owner', () => {
    const r = runIn('stat -c "%n %F %t:%T %a %u:%g" /dev/mynull /dev/fifo0', (c) => {
      c.linux.devices = [
        { path: '/dev/mynull', type: 'c', major: 1, minor: 3, fileMode: 0o640, uid: 12, gid: 34 },
        { path: '/dev/fifo0', type: 'p', fileMode: 0o600 },
      ];
    });
    expect(r.stdout).toBe('/dev/mynull character special file 1:3 640 12:34\n/dev/fifo0 fifo 0:0 600 0:0\n');
  });
});

describeRoot('joining a PID namespace (the staged fork)', () => {
  let sb: Sandbox;
  beforeAll(() => { sb = new Sandbox(); });
  afterAll(() => sb.cleanup());

  test('a second container joins the PID namespace of the first: they see each other', () => {
    const first = sb.id();
    sb.ok(['run', '-d', '--bundle', sb.bundle((c) => { c.process.args = ['sleep', '1000']; }), first]);
    const pid = sb.state(first).pid;
    const pidFile = path.join(sb.dir, 'second.pid');
    const second = sb.id();
    const bundle = sb.bundle((c) => {
      c.process.args = ['sh', '-c', 'ps -o pid,args | grep -v ps; echo me=$$'];
      c.linux.namespaces = c.linux.namespaces.map((n: any) => (n.type === 'pid' ? { type: 'pid', path: `/proc/${pid}/ns/pid` } : n));
    });
    sb.ok(['create', '--bundle', bundle, '--pid-file', pidFile, second]);
    const st = sb.state(second);
    expect(Number(fs.readFileSync(pidFile, 'utf8'))).toBe(st.pid);
    expect(fs.readlinkSync(`/proc/${st.pid}/ns/pid`)).toBe(fs.readlinkSync(`/proc/${pid}/ns/pid`));
    sb.ok(['delete', '--force', second]);
    // run in the foreground: waits for the grandchild and exits with its status
    const r = sb.run(['run', '--bundle', bundle, sb.id()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\s*1 sleep 1000$/m);
    expect(r.stdout).not.toMatch(/me=1\n/);
    sb.ok(['delete', '--force', first]);
  });
});

describeRoot('idmapped mounts', () => {
  let sb: Sandbox;
  beforeAll(() => { sb = new Sandbox(); fs.chmodSync(sb.dir, 0o755); });
  afterAll(() => sb.cleanup());

  function hostData(b: string): void {
    fs.mkdirSync(path.join(b, 'data'));
    fs.writeFileSync(path.join(b, 'data', 'file'), 'x'); // owned by host root
  }

  test('uidMappings/gidMappings on a bind mount (no user namespace)', () => {
    const bundle = sb.bundle((c) => {
      c.process.args = ['sh', '-c', 'stat -c "%u:%g" /data/file /etc/passwd'];
      c.mounts.push({ destination: '/data', type: 'bind', source: 'data', options: ['rbind', 'idmap'],
        uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }], gidMappings: [{ containerID: 0, hostID: 2000, size: 1 }] });
    });
    hostData(bundle);
    const id = sb.id();
    const r = sb.run(['run', '--bundle', bundle, id]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('1000:2000\n0:0\n');
    assertNothingLeft(id, sb.root);
  });

  test('idmap without mappings takes the container\'s user namespace mapping', () => {
    const bundle = sb.bundle((c) => {
      c.process.args = ['sh', '-c', 'stat -c "%u:%g" /data/file /plain/file'];
      c.linux.namespaces.push({ type: 'user' });
      c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.mounts.push({ destination: '/data', type: 'bind', source: 'data', options: ['bind', 'idmap'] });
      c.mounts.push({ destination: '/plain', type: 'bind', source: 'data', options: ['bind'] });
    });
    fs.chmodSync(bundle, 0o755);
    hostData(bundle);
    chownTree(path.join(bundle, 'rootfs'), 100000);
    const id = sb.id();
    const r = sb.run(['run', '--bundle', bundle, id]);
    expect(r.stderr).toBe('');
    // through the idmapped mount host root is the container's root; through the plain bind it is
    // unmapped (the overflow id)
    expect(r.stdout).toBe('0:0\n65534:65534\n');
    assertNothingLeft(id, sb.root);
  });

  test('idmap errors: not a bind mount, no user namespace to take the mapping from, one-sided mappings', () => {
    const fail = (m: any, pattern: RegExp) => {
      let n = -1; // the pushed entry's index, after the template's own mounts
      const bundle = sb.bundle((c) => { n = c.mounts.push(m) - 1; });
      pattern = new RegExp(pattern.source.replace('mounts\\[6\\]', `mounts\\[${n}\\]`));
      hostData(bundle);
      const id = sb.id();
      const r = sb.run(['create', '--bundle', bundle, id]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(pattern);
      assertNothingLeft(id, sb.root);
    };
    fail({ destination: '/x', type: 'tmpfs', source: 'tmpfs', options: ['idmap'] }, /mounts\[6\]\.options: idmapped mounts must be bind mounts/);
    fail({ destination: '/x', type: 'bind', source: 'data', options: ['bind', 'idmap'] }, /mounts\[6\]\.options: idmap without uidMappings/);
    fail({ destination: '/x', type: 'bind', source: 'data', options: ['bind'], uidMappings: [{ containerID: 0, hostID: 1, size: 1 }] }, /mounts\[6\]\.gidMappings/);
  });
});
