// What the container sees: namespaces really separate, root read-only, process attributes applied,
// no runtime fds leaked.
import * as fs from 'fs';
import { Sandbox, describeRoot } from '../helpers/runtime';

describeRoot('isolation and process attributes', () => {
  let sb: Sandbox;
  beforeAll(() => { sb = new Sandbox(); });
  afterAll(() => sb.cleanup());

  function runIn(script: string, edit?: (c: any) => void): { code: number; stdout: string; stderr: string } {
    const bundle = sb.bundle((c) => { c.process.args = ['sh', '-c', script]; edit?.(c); });
    return sb.run(['run', '--bundle', bundle, sb.id()]);
  }

  test('own hostname, own PID namespace (pid 1), own mount table, own network', () => {
    const r = runIn('hostname; echo $$; cat /proc/self/mountinfo | wc -l; ls /sys/class/net', (c) => {
      c.hostname = 'box-42';
      // The template's /sys/fs/cgroup is one mount per v1 hierarchy: without it the container's table
      // is smaller than the host's.
      c.mounts = c.mounts.filter((m: { type: string }) => m.type !== 'cgroup');
    });
    expect(r.code).toBe(0);
    const [host, pid, mounts, ...net] = r.stdout.trim().split('\n');
    expect(host).toBe('box-42');
    expect(pid).toBe('1');
    expect(Number(mounts)).toBeLessThan(fs.readFileSync('/proc/self/mountinfo', 'utf8').trim().split('\n').length);
    expect(net).toEqual(['lo']);
    expect(fs.readFileSync('/proc/sys/kernel/hostname', 'utf8').trim()).not.toBe('box-42');
  });

  test('only pid 1 and its children are visible', () => {
    const r = runIn('ls /proc | grep -E "^[0-9]+$" | wc -l');
    expect(Number(r.stdout.trim())).toBeLessThanOrEqual(4);
  });

  test('root.readonly makes / read-only; /tmp-like mounts stay writable', () => {
    const ro = runIn('touch /newfile 2>&1; echo rc=$?; touch /dev/shm/x && echo shm-ok');
    expect(ro.stdout).toMatch(/Read-only file system/);
    expect(ro.stdout).toMatch(/rc=1/);
    expect(ro.stdout).toMatch(/shm-ok/);
    const rw = runIn('touch /newfile && echo ok', (c) => { c.root.readonly = false; });
    expect(rw.stdout).toBe('ok\n');
  });

  test('no runtime fd leaks into the container: pid 1 has only 0, 1, 2', async () => {
    expect(await sb.initFds()).toEqual(['0', '1', '2']);
  });

  test('default devices and /dev symlinks exist with the right modes', () => {
    const r = runIn('for d in null zero full random urandom tty; do stat -c "%n %F %a %t:%T" /dev/$d; done; for l in fd stdin ptmx; do readlink /dev/$l; done; echo x > /dev/null && echo null-ok');
    expect(r.stdout).toContain('/dev/null character special file 666 1:3');
    expect(r.stdout).toContain('/dev/urandom character special file 666 1:9');
    expect(r.stdout).toContain('/dev/tty character special file 666 5:0');
    expect(r.stdout).toContain('/proc/self/fd\n/proc/self/fd/0\npts/ptmx');
    expect(r.stdout).toContain('null-ok');
  });

  test('maskedPaths and readonlyPaths', () => {
    // /proc/keys is a file (masked by /dev/null), /sys/firmware a directory (masked by an empty tmpfs)
    expect(fs.existsSync('/proc/keys')).toBe(true);
    const r = runIn('cat /proc/keys | wc -c; ls /sys/firmware | wc -l; echo 1 > /proc/sys/kernel/domainname 2>&1 || echo ro-ok');
    const [keys, fw] = r.stdout.trim().split('\n');
    expect(keys).toBe('0');
    expect(fw).toBe('0');
    expect(r.stdout).toContain('ro-ok');
  });

  test('user, groups, cwd, env, umask, rlimits and capabilities are applied', () => {
    const r = runIn('id -u; id -g; id -G; pwd; echo $FOO; umask; ulimit -n; grep -E "^Cap(Eff|Bnd|Amb)" /proc/self/status', (c) => {
      c.process.user = { uid: 1000, gid: 1001, additionalGids: [5, 7], umask: 0o027 };
      c.process.cwd = '/tmp';
      c.process.env.push('FOO=bar baz');
      c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 123, hard: 456 }];
      // A non-root user keeps capabilities across execve only through the ambient set, which
      // needs them inheritable too (capabilities(7)); runc's default spec has no inheritable set.
      c.process.capabilities.inheritable = [...c.process.capabilities.bounding];
      // The template has no ambient set since runc 1.2 (runc 0de195333).
      c.process.capabilities.ambient = [...c.process.capabilities.bounding];
    });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(0, 7)).toEqual(['1000', '1001', '1001 5 7', '/tmp', 'bar baz', '0027', '123']);
    // spec default caps: CAP_AUDIT_WRITE(29), CAP_KILL(5), CAP_NET_BIND_SERVICE(10)
    const mask = ((1n << 29n) | (1n << 5n) | (1n << 10n)).toString(16).padStart(16, '0');
    expect(lines).toContain(`CapEff:\t${mask}`);
    expect(lines).toContain(`CapBnd:\t${mask}`);
    expect(lines).toContain(`CapAmb:\t${mask}`);
  });

  test('root keeps exactly the bounding set; without inheritable, a non-root user ends with none (as runc)', () => {
    const mask = ((1n << 29n) | (1n << 5n) | (1n << 10n)).toString(16).padStart(16, '0');
    expect(runIn('grep CapEff /proc/self/status').stdout).toBe(`CapEff:\t${mask}\n`);
    const r = runIn('grep -E "^Cap(Eff|Bnd)" /proc/self/status', (c) => { c.process.user = { uid: 1000, gid: 1000 }; });
    expect(r.stdout).toBe(`CapEff:\t0000000000000000\nCapBnd:\t${mask}\n`);
  });

  test('noNewPrivileges is set when asked', () => {
    expect(runIn('grep NoNewPrivs /proc/self/status').stdout).toMatch(/NoNewPrivs:\s+1/);
    expect(runIn('grep NoNewPrivs /proc/self/status', (c) => { c.process.noNewPrivileges = false; }).stdout).toMatch(/NoNewPrivs:\s+0/);
  });

  test('bind mounts: file and directory, read-only, relative source resolved against the bundle', () => {
    const bundle = sb.bundle((c) => {
      c.process.args = ['sh', '-c', 'cat /data/hello.txt; cat /etc/extra.conf; touch /data/x 2>&1 || true'];
      c.mounts.push({ destination: '/data', type: 'bind', source: 'shared', options: ['rbind', 'ro'] });
      c.mounts.push({ destination: '/etc/extra.conf', type: 'bind', source: 'extra.conf', options: ['bind'] });
    });
    fs.mkdirSync(`${bundle}/shared`);
    fs.writeFileSync(`${bundle}/shared/hello.txt`, 'hello\n');
    fs.writeFileSync(`${bundle}/extra.conf`, 'extra\n');
    const r = sb.run(['run', '--bundle', bundle, sb.id()]);
    expect(r.stdout).toMatch(/^hello\nextra\n.*Read-only file system/s);
  });

  test('sysctl in the container\'s own namespaces', () => {
    const r = runIn('cat /proc/sys/kernel/shmmni; cat /proc/sys/net/ipv4/ip_forward', (c) => {
      c.linux.sysctl = { 'kernel.shmmni': '1234', 'net.ipv4.ip_forward': '1' };
    });
    expect(r.stdout).toBe('1234\n1\n');
  });
});
