// `tsrunc features` reports what the probes find (addon/features.cc), not fixed lists: what this
// libseccomp resolves, what this kernel's seccomp and mount_setattr take. A fake addon stands for the
// host here; test/integration/cli.test.ts runs the real one through the upstream schema.
import * as os from 'os';
import { features } from '../../../src/features';
import type { Native } from '../../../src/native';
import { SKIP_REASON, haveUpstream, loadUpstream } from '../../helpers/upstreamSchema';

const { EBADF, EINVAL, ENOSYS } = os.constants.errno;
type Probe = Native['probeFeatures'];

function fake(answer: (q: Parameters<Probe>[0]) => ReturnType<Probe>): { n: Native; queries: Parameters<Probe>[0][] } {
  const queries: Parameters<Probe>[0][] = [];
  const n = { probeFeatures: (q: Parameters<Probe>[0]) => { queries.push(q); return answer(q); } } as unknown as Native;
  return { n, queries };
}

const everything = fake((q) => ({ seccompApi: 6, archs: q.archs.map(() => true), actions: q.actions.map(() => true), flags: q.flags.map(() => true),
  mountAttrs: q.mountAttrs.map(() => EBADF) }));

const seccomp = (f: any) => f.linux.seccomp;

test('everything probed present: every name the code knows', () => {
  const f: any = features(everything.n, '6.1.0');
  expect(seccomp(f).actions).toContain('SCMP_ACT_NOTIFY');
  expect(seccomp(f).supportedFlags).toEqual(seccomp(f).knownFlags);
  expect(f.mountOptions).toEqual(expect.arrayContaining(['rro', 'rnosymfollow', 'idmap', 'ridmap', 'nosymfollow', 'ro']));
  expect(f.linux.mountExtensions.idmap.enabled).toBe(true);
  expect(f.annotations['io.github.seccomp.libseccomp.api']).toBe('6');
});

test('the probe is asked for bare action values (no errno data) and libseccomp\'s arch names', () => {
  const { queries } = everything;
  expect(queries[0].actions.every((a) => (a & 0xffff) === 0)).toBe(true);
  expect(queries[0].archs).toContain('x86_64');
  expect(queries[0].archs).toContain('mipsel64n32');
});

test('an old kernel and library: only what the probes accept is reported', () => {
  const { n } = fake((q) => ({
    seccompApi: 2,
    archs: q.archs.map((a) => a === 'x86_64' || a === 'x86'),
    actions: q.actions.map((a) => a !== 0x7fc00000 && a !== 0x7ffc0000), // no NOTIFY, no LOG
    flags: q.flags.map((fl) => fl === 1), // TSYNC only
    mountAttrs: q.mountAttrs.map(() => ENOSYS), // no mount_setattr (Linux < 5.12)
  }));
  const f: any = features(n, '5.4.0');
  expect(seccomp(f).archs).toEqual(['SCMP_ARCH_X86', 'SCMP_ARCH_X86_64']);
  expect(seccomp(f).actions).not.toContain('SCMP_ACT_NOTIFY');
  expect(seccomp(f).actions).not.toContain('SCMP_ACT_LOG');
  expect(seccomp(f).actions).toContain('SCMP_ACT_ERRNO');
  expect(seccomp(f).supportedFlags).toEqual(['SECCOMP_FILTER_FLAG_TSYNC']);
  expect(seccomp(f).knownFlags).toContain('SECCOMP_FILTER_FLAG_LOG');
  for (const o of ['rro', 'rnosuid', 'ratime', 'idmap', 'ridmap', 'nosymfollow', 'symfollow']) expect(f.mountOptions).not.toContain(o);
  expect(f.mountOptions).toEqual(expect.arrayContaining(['ro', 'nosuid', 'bind', 'rbind', 'rprivate']));
  expect(f.linux.mountExtensions.idmap.enabled).toBe(false);
});

test('mount_setattr without idmap (EINVAL for the bit): recursive options yes, idmap no', () => {
  const { n } = fake((q) => ({ seccompApi: 6, archs: q.archs.map(() => true), actions: q.actions.map(() => true), flags: q.flags.map(() => true),
    mountAttrs: q.mountAttrs.map((b) => (b === 0x00100000 ? EINVAL : EBADF)) }));
  const f: any = features(n, '5.12.0');
  expect(f.mountOptions).toContain('rro');
  expect(f.mountOptions).not.toContain('idmap');
  expect(f.linux.mountExtensions.idmap.enabled).toBe(false);
});

(haveUpstream ? test : test.skip)(`what features computes passes the upstream features schema${haveUpstream ? '' : ` (skipped: ${SKIP_REASON})`}`, () => {
  const v = loadUpstream().features;
  expect([v(features(everything.n, '6.1.0')), v.errors()]).toEqual([true, null]);
});
