// linux.netDevices: the runtime moves devices of its own network namespace into the container's.
// The runtime runs inside a network namespace this test creates (nsenter --net), so the devices it
// moves are veth pairs made there: the machine's own namespace is never touched.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Sandbox, assertNothingLeft, describeRoot } from '../helpers/runtime';

const haveIp = spawnSync('ip', ['-V']).status === 0 && spawnSync('nsenter', ['--version']).status === 0;
const maybe = haveIp ? test : test.skip;
const why = haveIp ? '' : ' (skipped: iproute2 or nsenter missing)';

describeRoot('linux.netDevices', () => {
  let sb: Sandbox;
  let n = 0;
  const made: string[] = [];
  beforeAll(() => { sb = new Sandbox(); });
  afterAll(() => {
    for (const ns of made) spawnSync('ip', ['netns', 'del', ns]);
    sb.cleanup();
  });

  /** A fresh namespace for the runtime with veth pairs (name -> peer), `name` holding addresses. */
  function runtimeNetns(devices: Record<string, string[]>): { ns: string; wrap: string[]; ip: (...a: string[]) => string } {
    const ns = `tsrunc-nd-${process.pid}-${++n}`;
    expect(spawnSync('ip', ['netns', 'add', ns]).status).toBe(0);
    made.push(ns);
    const ip = (...a: string[]) => {
      const r = spawnSync('ip', ['-n', ns, ...a], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`ip ${a.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    for (const [dev, addrs] of Object.entries(devices)) {
      ip('link', 'add', dev, 'type', 'veth', 'peer', 'name', `${dev}p`);
      for (const a of addrs) ip('addr', 'add', ...a.split(' '), 'dev', dev);
    }
    return { ns, wrap: ['nsenter', `--net=/run/netns/${ns}`], ip };
  }

  const show = 'ip -o link | cut -d" " -f2,3 | sed "s/@[^:]*//"; ip -o addr | grep -v " lo " | tr -s " " | cut -d" " -f2-4';

  maybe(`moved, renamed, templated, permanent global addresses kept, set up${why}`, () => {
    const { wrap, ip } = runtimeNetns({
      va: ['10.254.1.2/24', 'fd00:254::2/64 nodad', '10.254.9.9/24 valid_lft 100 preferred_lft 100'],
      vb: ['10.254.2.2/24'],
    });
    const bundle = sb.bundle((c) => {
      c.process.args = ['sh', '-c', show];
      c.linux.netDevices = { va: { name: 'ceth0' }, vb: { name: 'net%d' } };
    });
    const r = sb.run(['run', '--bundle', bundle, sb.id()], { wrap });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    // Both up (NO-CARRIER: the peers stay down in the runtime's namespace), under their new names.
    expect(lines).toEqual(expect.arrayContaining([
      expect.stringMatching(/^ceth0: <[^>]*\bUP\b/), expect.stringMatching(/^net0: <[^>]*\bUP\b/),
      'ceth0 inet 10.254.1.2/24', 'ceth0 inet6 fd00:254::2/64', 'net0 inet 10.254.2.2/24',
    ]));
    // An address with a lifetime is not permanent: the spec keeps only permanent ones.
    expect(r.stdout).not.toContain('10.254.9.9');
    // Nothing is moved back: the veths went with the container's namespace.
    expect(ip('-o', 'link')).not.toMatch(/\bva@|\bvb@/);
  });

  maybe(`traffic flows between the runtime's namespace and the moved device${why}`, () => {
    const { wrap, ip } = runtimeNetns({ vc: ['10.254.3.2/24'] });
    ip('addr', 'add', '10.254.3.1/24', 'dev', 'vcp');
    ip('link', 'set', 'vcp', 'up');
    const bundle = sb.bundle((c) => {
      c.process.args = ['sleep', '1000'];
      c.linux.netDevices = { vc: {} };
    });
    const id = sb.id();
    sb.ok(['create', '--bundle', bundle, id], { wrap });
    const busybox = path.join(bundle, 'rootfs', 'bin', 'busybox');
    const ping = spawnSync('ip', ['netns', 'exec', wrap[1].split('/').pop()!, busybox, 'ping', '-c', '1', '-W', '3', '10.254.3.2'], { encoding: 'utf8' });
    expect(ping.stdout + ping.stderr).toMatch(/1 packets received/);
    sb.ok(['delete', '--force', id]);
  });

  maybe(`errors name the entry and move nothing${why}`, () => {
    const { wrap, ip } = runtimeNetns({ vd: ['10.254.4.2/24'], ve: [] });
    const cases: Array<[Record<string, { name?: string }>, RegExp]> = [
      [{ vd: { name: 'lo' } }, /^tsrunc: linux\.netDevices\.vd: a network device named lo already exists in the container's network namespace/],
      [{ nosuch0: {} }, /^tsrunc: linux\.netDevices\.nosuch0: network device "nosuch0" not found in the runtime's network namespace/],
      [{ vd: { name: 'a/b' } }, /^tsrunc: linux\.netDevices\.vd\.name: invalid network device name "a\/b"/],
      [{ vd: { name: 'waytoolongname16' } }, /^tsrunc: linux\.netDevices\.vd\.name: invalid network device name/],
      [{ vd: { name: 'x%s' } }, /^tsrunc: linux\.netDevices\.vd\.name: a name template takes one %d/],
      [{ vd: { name: 'e0' }, ve: { name: 'e0' } }, /^tsrunc: linux\.netDevices\.ve\.name: "e0" is also the name given to vd/],
      // The first move succeeds, the second fails: the container goes, taking the first with it.
      [{ ve: {}, vd: { name: 'lo' } }, /^tsrunc: linux\.netDevices\.vd: a network device named lo already exists/],
    ];
    for (const [devices, want] of cases) {
      const bundle = sb.bundle((c) => { c.process.args = ['true']; c.linux.netDevices = devices; });
      const id = sb.id();
      const r = sb.run(['create', '--bundle', bundle, id], { wrap });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(want);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(fs.existsSync(path.join(sb.root, id))).toBe(false);
      assertNothingLeft(id, sb.root);
    }
    // vd never left (each failure came before its move); ve was moved by the last case and is gone.
    expect(ip('-o', 'addr', 'show', 'vd')).toContain('10.254.4.2/24');

    const noNetns = sb.bundle((c) => {
      c.linux.namespaces = c.linux.namespaces.filter((x: { type: string }) => x.type !== 'network');
      c.linux.netDevices = { vd: {} };
    });
    const r = sb.run(['create', '--bundle', noNetns, sb.id()], { wrap });
    expect(r.stderr).toMatch(/^tsrunc: linux\.netDevices: moving network devices needs a network namespace/);
  });
});
