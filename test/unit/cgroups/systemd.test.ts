// The systemd cgroup driver's pure parts (src/cgroups/systemdUnit.ts: runc's slice:prefix:name,
// ExpandSlice, genV2ResourcesProperties) and its refusal on a host without systemd. The driver's
// D-Bus half runs against a real systemd in the test VM (test/vm/, `make test-vm`); its wire format is
// tested in dbus.test.ts.
import * as fs from 'fs';
import * as path from 'path';
import { createManager, managerFromRecord } from '../../../src/cgroups';
import { deviceRules } from '../../../src/cgroups/devices';
import { marshal, unmarshal } from '../../../src/cgroups/dbus';
import { busAddress, propertyValues, SystemdManager, systemBusSockets, unitObjectPath } from '../../../src/cgroups/systemd';
import { deviceProperties, expandSlice, forVersion, INFINITY, needsVersion, parseSystemdPath, rangeToBytes, systemdVersionNumber, unitProperties } from '../../../src/cgroups/systemdUnit';
import { validateV2 } from '../../../src/cgroups/v2Resources';
import { errorOf } from '../../helpers/errors';
import { FakeHost, fakeHost } from './fakefs';

describe('cgroupsPath slice:prefix:name', () => {
  test('runc\'s example: system.slice:docker:1234', () => {
    expect(parseSystemdPath('system.slice:docker:1234', 'c1')).toEqual({ slice: 'system.slice', unit: 'docker-1234.scope', cgroup: '/system.slice/docker-1234.scope' });
  });
  test('empty: system.slice and tsrunc-<id>.scope', () => {
    expect(parseSystemdPath(undefined, 'c1')).toEqual({ slice: 'system.slice', unit: 'tsrunc-c1.scope', cgroup: '/system.slice/tsrunc-c1.scope' });
    expect(parseSystemdPath('', 'c1').unit).toBe('tsrunc-c1.scope');
  });
  test('partial: an empty slice is system.slice, an empty prefix leaves "<name>.scope"', () => {
    expect(parseSystemdPath(':p:n', 'c1').cgroup).toBe('/system.slice/p-n.scope');
    expect(parseSystemdPath('user.slice::n', 'c1').unit).toBe('n.scope');
  });
  test('nested slices are expanded like systemd (a-b.slice is inside a.slice)', () => {
    expect(parseSystemdPath('machine-pod1.slice:cri:c9', 'x').cgroup).toBe('/machine.slice/machine-pod1.slice/cri-c9.scope');
    expect(expandSlice('a-b-c.slice')).toBe('/a.slice/a-b.slice/a-b-c.slice');
    expect(expandSlice('-.slice')).toBe('/');
    expect(parseSystemdPath('-.slice:p:n', 'x').cgroup).toBe('/p-n.scope');
  });
  test('a name ending in .slice is refused: systemd delegates no slice (runc fails at start on it)', () => {
    const e = errorOf(() => parseSystemdPath('a.slice::a-c1.slice', 'x'));
    expect(e.field).toBe('linux.cgroupsPath');
    expect(e.message).toMatch(/a container's unit must be a scope/);
  });
  test.each([
    ['/a/b', /slice:prefix:name/],
    ['a:b', /slice:prefix:name/],
    ['a:b:c:d', /slice:prefix:name/],
    ['system:p:n', /must end in ".slice"/],
    ['a--b.slice:p:n', /empty component/],
    ['-a.slice:p:n', /empty component/],
    ['system.slice:p:', /name .* is empty/],
    ['system.slice:p:a/b', /not a valid systemd unit name/],
    ['system.slice:p:a b', /not a valid systemd unit name/],
  ])('%s is refused naming linux.cgroupsPath', (p, msg) => {
    const e = errorOf(() => parseSystemdPath(p, 'c1'));
    expect(e.field).toBe('linux.cgroupsPath');
    expect(e.message).toMatch(msg);
  });
});

describe('linux.resources -> unit properties (runc genV2ResourcesProperties)', () => {
  const props = (r: any) => Object.fromEntries(unitProperties(validateV2(r)).map(([n, s, v]) => [n, [s, v]]));
  test('memory: MemoryMax, MemoryLow, and MemorySwapMax as swap alone', () => {
    expect(props({ memory: { limit: 33554432, reservation: 16777216, swap: 50331648 } })).toEqual({
      MemoryMax: ['t', 33554432n], MemoryLow: ['t', 16777216n], MemorySwapMax: ['t', 16777216n],
    });
    expect(props({ memory: { limit: -1 } })).toEqual({ MemoryMax: ['t', INFINITY], MemorySwapMax: ['t', INFINITY] });
    expect(props({ memory: { limit: 100, swap: 100 } }).MemorySwapMax).toEqual(['t', 0n]);
  });
  test('cpu: CPUWeight from shares, quota per second rounded up to 10 ms, the period, cpusets as byte masks', () => {
    expect(props({ cpu: { shares: 2048, quota: 50000, period: 100000 } })).toEqual({
      CPUWeight: ['t', 79n], CPUQuotaPeriodUSec: ['t', 100000n], CPUQuotaPerSecUSec: ['t', 500000n],
    });
    // 12345 us per 100 ms = 123450 us/s -> 130000 (runc addCpuQuota rounds up)
    expect(props({ cpu: { quota: 12345, period: 100000 } }).CPUQuotaPerSecUSec).toEqual(['t', 130000n]);
    expect(props({ cpu: { quota: -1, period: 50000 } }).CPUQuotaPerSecUSec).toEqual(['t', INFINITY]);
    expect(props({ cpu: { cpus: '0-2,9', mems: '0' } })).toEqual({ AllowedCPUs: ['ay', [7, 2]], AllowedMemoryNodes: ['ay', [1]] });
    expect(rangeToBytes('1', 'f')).toEqual([2]);
  });
  test('pids and io: TasksMax (infinity for -1), IOWeight converted like io.weight', () => {
    expect(props({ pids: { limit: 8 } })).toEqual({ TasksMax: ['t', 8n] });
    expect(props({ pids: { limit: -1 } })).toEqual({ TasksMax: ['t', INFINITY] });
    expect(props({ pids: { limit: 0 } })).toEqual({});
    expect(props({ blockIO: { weight: 500 } })).toEqual({ IOWeight: ['t', 4950n] });
  });
  test('unified: the files systemd has properties for, after the others (runc unifiedResToSystemdProps)', () => {
    const unified = { 'memory.high': '50000000', 'memory.min': 'max', 'memory.swap.max': '0', 'pids.max': 'max', 'cpu.max': 'max 50000', 'cpu.weight': '200', 'cpuset.cpus': '0-1', 'io.weight': 'default 10' };
    expect(unitProperties(validateV2({ memory: { limit: 1 << 24 }, unified }))).toEqual([
      ['MemoryMax', 't', 16777216n],
      ['CPUQuotaPeriodUSec', 't', 50000n], ['CPUQuotaPerSecUSec', 't', INFINITY],
      ['CPUWeight', 't', 200n], ['AllowedCPUs', 'ay', [3]],
      ['MemoryHigh', 't', 50000000n], ['MemoryMin', 't', INFINITY], ['MemorySwapMax', 't', 0n], ['TasksMax', 't', INFINITY],
    ]);
    expect(unitProperties(validateV2({ unified: { 'cpu.max': '25000' } }))).toEqual([['CPUQuotaPeriodUSec', 't', 100000n], ['CPUQuotaPerSecUSec', 't', 250000n]]);
    expect(errorOf(() => unitProperties(validateV2({ unified: { 'pids.max': 'lots' } }))).field).toBe('linux.resources.unified.pids.max');
    expect(errorOf(() => unitProperties(validateV2({ unified: { 'cpu.max': '1 2 3' } }))).message).toMatch(/is not "quota \[period\]"/);
  });
  test('cpu.idle 1 is CPUWeight=0, last so it wins, and only for systemd 252+ (runc shouldSetCPUIdle)', () => {
    const props = unitProperties(validateV2({ cpu: { shares: 2048, idle: 1 } }));
    expect(props).toEqual([['CPUWeight', 't', 79n], ['CPUWeight', 't', 0n]]);
    expect(needsVersion(props)).toBe(true);
    expect(forVersion(props, 252).props).toEqual(props);
    expect(forVersion(props, 251)).toEqual({ props: [['CPUWeight', 't', 79n]], dropped: ['CPUWeight=0 (cpu.idle)'] });
    const u = unitProperties(validateV2({ unified: { 'cpu.idle': '1', 'cpu.weight': '50' } }));
    expect(u).toEqual([['CPUWeight', 't', 50n], ['CPUWeight', 't', 0n]]);
    expect(needsVersion(unitProperties(validateV2({ cpu: { shares: 2048 } })))).toBe(false);
  });
  test('bad values are refused naming the field, as with the cgroupfs driver', () => {
    expect(errorOf(() => unitProperties(validateV2({ memory: { limit: 100, swap: 50 } }))).field).toBe('linux.resources.memory.swap');
    expect(errorOf(() => unitProperties(validateV2({ cpu: { cpus: 'x' } }))).field).toBe('linux.resources.cpu.cpus');
    expect(errorOf(() => unitProperties(validateV2({ blockIO: { weight: 5 } }))).field).toBe('linux.resources.blockIO.weight');
  });
  test('devices: a strict allow list of every allow rule; "auto" when the rules allow everything', () => {
    const names = { char: new Map([[136, 'pts'], [10, 'misc']]), block: new Map([[8, 'sd']]) };
    const rules = deviceRules({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'b', major: 8, access: 'r' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'w' }] }, []);
    const [[, , policy], [, sig, allow]] = deviceProperties(rules, names);
    expect(policy).toBe('strict');
    expect(sig).toBe('a(ss)');
    expect(allow).toEqual(expect.arrayContaining([['block-sd', 'r'], ['char-*', 'm'], ['block-*', 'm'], ['/dev/char/1:3', 'rwm'], ['char-pts', 'rwm']]));
    expect(deviceProperties(deviceRules({ devices: [{ allow: true, access: 'rwm' }] }, []), names)[0]).toEqual(['DevicePolicy', 's', 'auto']);
  });
});

describe('the D-Bus calls', () => {
  test('unit properties as an a(sv): each value in a variant of its signature, and they marshal', () => {
    const props = propertyValues([['Delegate', 'b', true], ['PIDs', 'au', [42]], ['MemoryMax', 't', INFINITY], ['DeviceAllow', 'a(ss)', [['/dev/null', 'rw']]], ['AllowedCPUs', 'ay', [7, 2]]]);
    expect(props).toEqual([['Delegate', { sig: 'b', value: true }], ['PIDs', { sig: 'au', value: [42] }], ['MemoryMax', { sig: 't', value: INFINITY }],
      ['DeviceAllow', { sig: 'a(ss)', value: [['/dev/null', 'rw']] }], ['AllowedCPUs', { sig: 'ay', value: [7, 2] }]]);
    expect(unmarshal('a(sv)', marshal('a(sv)', [props]))).toEqual([props]);
    // every property unitProperties can make marshals as its declared signature
    const all = unitProperties(validateV2({ memory: { limit: 1 << 24, reservation: 1 << 23, swap: 1 << 25 }, cpu: { shares: 1024, quota: 5000, period: 10000, cpus: '0', mems: '0' },
      pids: { limit: 5 }, blockIO: { weight: 100 }, devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rw' }] }), deviceRules({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rw' }] }, []));
    expect(all.map(([n]) => n)).toEqual(expect.arrayContaining(['MemoryMax', 'AllowedCPUs', 'TasksMax', 'IOWeight', 'DevicePolicy', 'DeviceAllow']));
    expect(all.length).toBeGreaterThan(8);
    expect(() => marshal('a(sv)', [propertyValues(all)])).not.toThrow();
  });
  test('the system bus: DBUS_SYSTEM_BUS_ADDRESS\'s unix:path= sockets, else the standard one', () => {
    expect(systemBusSockets(undefined)).toEqual(['/run/dbus/system_bus_socket']);
    expect(systemBusSockets('unix:path=/a/b%20c,guid=1;tcp:host=x;unix:abstract=z;unix:path=/d')).toEqual(['/a/b c', '/d']);
  });
  test('systemd\'s Version as runc reads it: the leading number', () => {
    expect(systemdVersionNumber('252.22-1~deb12u1')).toBe(252);
    expect(systemdVersionNumber('v245.4-1.fc32')).toBe(245);
    expect(systemdVersionNumber('"245"')).toBe(245);
    expect(systemdVersionNumber('245-1.fc32')).toBe(245);
    expect(systemdVersionNumber('unknown')).toBeUndefined();
  });
  test('properties an older systemd does not know are left to the files (runc addCpuQuota: 242, addCpuset: 244)', () => {
    const all = unitProperties(validateV2({ memory: { limit: 1 << 24 }, cpu: { quota: 5000, period: 10000, cpus: '0', mems: '0' } }));
    const names = (v: number | undefined) => forVersion(all, v).props.map(([n]) => n);
    expect(needsVersion(all)).toBe(true);
    expect(needsVersion(unitProperties(validateV2({ memory: { limit: 1 << 24 }, cpu: { quota: 5000 } })))).toBe(false);
    expect(names(252)).toEqual(['MemoryMax', 'CPUQuotaPeriodUSec', 'CPUQuotaPerSecUSec', 'AllowedCPUs', 'AllowedMemoryNodes']);
    expect(names(243)).toEqual(['MemoryMax', 'CPUQuotaPeriodUSec', 'CPUQuotaPerSecUSec']);
    expect(forVersion(all, 239).dropped).toEqual(['CPUQuotaPeriodUSec', 'AllowedCPUs', 'AllowedMemoryNodes']);
    expect(names(undefined)).toEqual(names(252)); // a version that cannot be told keeps everything
  });
  test('unit object paths are escaped as systemd does', () => {
    expect(unitObjectPath('tsrunc-c1.scope')).toBe('/org/freedesktop/systemd1/unit/tsrunc_2dc1_2escope');
  });
});

describe('--systemd-cgroup without systemd', () => {
  let h: FakeHost;
  beforeEach(() => { h = fakeHost('v2'); });
  afterEach(() => h.uninstall());
  const mgr = () => createManager({ id: 'c1', systemd: true, mountinfo: h.mountinfo, selfCgroup: h.selfCgroup, root: h.root });

  test('no /run/systemd/system: says systemd is not running', () => {
    const e = errorOf(mgr);
    expect(e.field).toBe('--systemd-cgroup');
    expect(e.message).toMatch(/systemd is not running on this host \(no \/run\/systemd\/system\)/);
  });
  test('systemd but no socket: names both sockets it looked for; either one is enough (the private one as root)', () => {
    fs.mkdirSync(path.join(h.root, 'run/systemd/system'), { recursive: true });
    expect(errorOf(mgr).message).toMatch(/cannot reach systemd: no D-Bus socket at \/run\/dbus\/system_bus_socket or \/run\/systemd\/private$/);
    expect(errorOf(() => busAddress(h.root, 0)).field).toBe('--systemd-cgroup');
    fs.mkdirSync(path.join(h.root, 'run/systemd/private'));
    expect(busAddress(h.root, 0)).toEqual([{ path: '/run/systemd/private', hello: false }]);
    expect(errorOf(() => busAddress(h.root, 1000)).message).toMatch(/no D-Bus socket at \/run\/dbus\/system_bus_socket$/); // systemd takes only root there
    fs.mkdirSync(path.join(h.root, 'run/dbus'), { recursive: true });
    fs.writeFileSync(path.join(h.root, 'run/dbus/system_bus_socket'), '');
    // runc's order (go-systemd NewWithContext): the system bus, then the private socket
    expect(busAddress(h.root, 0)).toEqual([{ path: '/run/dbus/system_bus_socket', hello: true }, { path: '/run/systemd/private', hello: false }]);
  });
  test('with systemd: the unit\'s cgroup under the expanded slice, recorded with the unit', () => {
    fs.mkdirSync(path.join(h.root, 'run/systemd/system'), { recursive: true });
    fs.mkdirSync(path.join(h.root, 'run/dbus'), { recursive: true });
    fs.writeFileSync(path.join(h.root, 'run/dbus/system_bus_socket'), '');
    const m = createManager({ id: 'c1', systemd: true, cgroupsPath: 'a-b.slice:p:c1', mountinfo: h.mountinfo, selfCgroup: h.selfCgroup, root: h.root });
    expect(m).toBeInstanceOf(SystemdManager);
    expect(m.record.paths.unified).toBe(`${h.root}/sys/fs/cgroup/a.slice/a-b.slice/p-c1.scope`);
    expect(m.record.systemd).toEqual({ slice: 'a-b.slice', unit: 'p-c1.scope' });
    expect(managerFromRecord(m.record)).toBeInstanceOf(SystemdManager);
    // org.systemd.property.* annotations become the unit's extra properties; a bad one is refused here,
    // before anything exists, naming the annotation
    const annotations = { 'org.systemd.property.TimeoutStopSec': '5', 'other.annotation': 'x' };
    const withProps = createManager({ id: 'c1', systemd: true, annotations, mountinfo: h.mountinfo, selfCgroup: h.selfCgroup, root: h.root }) as SystemdManager;
    expect(withProps.unitExtras).toEqual([['TimeoutStopUSec', 't', 5000000n]]);
    const e = errorOf(() => createManager({ id: 'c1', systemd: true, annotations: { 'org.systemd.property.X': '1' }, mountinfo: h.mountinfo, selfCgroup: h.selfCgroup, root: h.root }));
    expect(e.field).toBe('annotations["org.systemd.property.X"]');
    // the cgroupfs driver ignores them, as runc's
    expect(() => createManager({ id: 'c1', annotations: { 'org.systemd.property.X': '1' }, mountinfo: h.mountinfo, selfCgroup: h.selfCgroup, root: h.root })).not.toThrow();
  });
  test('create: every value is validated before the unit exists, not only those with a unit property', () => {
    // apply() before the scope exists only validates and keeps the values (no D-Bus call): a bad value
    // systemd has no property for used to pass here and fail only after the unit was started.
    const m = new SystemdManager({ version: 2, path: '', paths: { unified: `${h.root}/sys/fs/cgroup/system.slice/tsrunc-c1.scope` }, created: [], systemd: { slice: 'system.slice', unit: 'tsrunc-c1.scope' } });
    expect(errorOf(() => m.apply({ pids: { limit: 1.5 } })).field).toBe('linux.resources.pids.limit');
    expect(errorOf(() => m.apply({ hugepageLimits: [{ pageSize: '2M', limit: 1 }] })).field).toBe('linux.resources.hugepageLimits[0].pageSize');
    expect(errorOf(() => m.apply({ cpu: { realtimeRuntime: 1000 } })).field).toBe('linux.resources.cpu.realtimeRuntime');
    expect(errorOf(() => m.apply({ devices: [{ allow: true, access: 'x' }] })).field).toBe('linux.resources.devices[0].access');
    expect(errorOf(() => m.apply({ memory: { swap: 100 } })).message).toMatch(/a swap limit needs a memory limit/);
    expect(() => m.apply({ pids: { limit: 10 }, memory: { limit: 1 << 20 } })).not.toThrow();
  });
  test('a hybrid host with systemd is refused: the driver needs the unified hierarchy', () => {
    const hy = fakeHost('hybrid');
    try {
      fs.mkdirSync(path.join(hy.root, 'run/systemd/system'), { recursive: true });
      fs.mkdirSync(path.join(hy.root, 'run/dbus'), { recursive: true });
      fs.writeFileSync(path.join(hy.root, 'run/dbus/system_bus_socket'), '');
      expect(errorOf(() => createManager({ id: 'c1', systemd: true, mountinfo: hy.mountinfo, selfCgroup: hy.selfCgroup, root: hy.root })).message).toMatch(/cgroup v2 \(unified\) hosts only/);
    } finally { hy.uninstall(); }
  });
});
