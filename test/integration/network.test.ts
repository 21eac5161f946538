// The example createRuntime hook (examples/hooks/veth-network.sh) wires a container like Docker's
// bridge driver. Both ends stay in network namespaces this test creates: the "host side" is a named
// namespace of its own, never the machine's network namespace; traffic only flows between the two.
import { spawnSync } from 'child_process';
import * as path from 'path';
import { REPO, Sandbox, describeRoot } from '../helpers/runtime';

const HOOK = path.join(REPO, 'examples', 'hooks', 'veth-network.sh');
const haveIp = spawnSync('ip', ['-V']).status === 0;

describeRoot('networking with the example createRuntime hook', () => {
  let sb: Sandbox;
  const ns = `tsrunc-net-${process.pid}`;
  beforeAll(() => {
    sb = new Sandbox();
    if (haveIp) expect(spawnSync('ip', ['netns', 'add', ns]).status).toBe(0);
  });
  afterAll(() => {
    if (haveIp) spawnSync('ip', ['netns', 'del', ns]);
    sb.cleanup();
  });

  (haveIp ? test : test.skip)(`veth pair into the container, address and default route inside${haveIp ? '' : ' (skipped: iproute2 missing)'}`, () => {
    const bundle = sb.bundle((c) => {
      c.process.args = ['sleep', '1000'];
      c.process.capabilities.bounding.push('CAP_NET_RAW');
      c.process.capabilities.effective.push('CAP_NET_RAW');
      c.process.capabilities.permitted.push('CAP_NET_RAW');
      c.hooks = { createRuntime: [{ path: HOOK, env: [`HOST_NETNS=${ns}`, 'CONTAINER_ADDR=10.253.7.2/24', 'HOST_ADDR=10.253.7.1/24'] }] };
    });
    const id = sb.id();
    sb.ok(['create', '--bundle', bundle, id]);
    // From the host side (the test's namespace), the container answers on its address.
    const busybox = path.join(REPO, 'rootfs-cache', 'busybox', 'bin', 'busybox');
    const ping = spawnSync('ip', ['netns', 'exec', ns, busybox, 'ping', '-c', '1', '-W', '2', '10.253.7.2'], { encoding: 'utf8' });
    expect(ping.status).toBe(0);
    sb.ok(['start', id]);
    sb.ok(['delete', '--force', id]);
    // The machine's own namespace never saw the interfaces.
    expect(spawnSync('ip', ['-o', 'link'], { encoding: 'utf8' }).stdout).not.toMatch(/veth\d+|vethc\d+/);
  });

  (haveIp ? test : test.skip)('the container\'s own output shows eth0, its route and a reply from the host side', () => {
    const bundle = sb.bundle((c) => {
      c.process.args = ['sh', '-c', 'ip -o -4 addr show eth0 | tr -s " " | cut -d" " -f2,4; ip route | grep default; ping -c 1 -W 2 10.253.8.1 >/dev/null && echo ping-ok'];
      c.process.capabilities.bounding.push('CAP_NET_RAW');
      c.process.capabilities.effective.push('CAP_NET_RAW');
      c.process.capabilities.permitted.push('CAP_NET_RAW');
      c.hooks = { createRuntime: [{ path: HOOK, env: [`HOST_NETNS=${ns}`, 'CONTAINER_ADDR=10.253.8.2/24', 'HOST_ADDR=10.253.8.1/24'] }] };
    });
    const r = sb.run(['run', '--bundle', bundle, sb.id()]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('eth0 10.253.8.2/24\ndefault via 10.253.8.1 dev eth0 \nping-ok\n');
  });
});
