// linux.cgroupsPath resolution (runc's cgroupfs driver semantics), through createManager on fake hosts.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createManager, managerFromRecord } from '../../../src/cgroups';
import { HybridManager } from '../../../src/cgroups/hybrid';
import { parseCgroupsPath } from '../../../src/cgroups/paths';
import { V1Manager } from '../../../src/cgroups/v1';
import { V2Manager } from '../../../src/cgroups/v2';
import { FakeHost, fakeHost } from './fakefs';
import { errorOf } from '../../helpers/errors';

describe('cgroupsPath on a hybrid host (this machine\'s layout)', () => {
  let h: FakeHost;
  beforeEach(() => { h = fakeHost('hybrid'); });
  afterEach(() => h.uninstall());
  const mgr = (cgroupsPath?: string) => createManager({ id: 'c1', cgroupsPath, mountinfo: h.mountinfo, selfCgroup: h.selfCgroup, root: h.root });

  test('absent: tsrunc/<id> relative to the runtime\'s own cgroup in each hierarchy, tsrunc recorded as a shared parent', () => {
    const m = mgr();
    expect(m).toBeInstanceOf(HybridManager);
    expect(m.record.version).toBe(1);
    expect(m.record.path).toBe('tsrunc/c1');
    expect(m.record.paths.memory).toBe(`${h.cg}/memory/process_api/abc/tsrunc/c1`);
    expect(m.record.paths.cpu).toBe(`${h.cg}/cpu/tsrunc/c1`);
    expect(m.record.paths['net_cls,net_prio']).toBe(`${h.cg}/net_cls,net_prio/tsrunc/c1`);
    expect(m.record.paths['name=systemd']).toBe(`${h.cg}/systemd/tsrunc/c1`);
    expect(m.record.paths.unified).toBe(`${h.cg}/unified/tsrunc/c1`);
    expect(m.record.parents).toContain(`${h.cg}/memory/process_api/abc/tsrunc`);
    expect(m.record.parents).toContain(`${h.cg}/unified/tsrunc`);
    expect(m.record.created).toEqual([]);
    // Nothing is made by createManager itself.
    expect(fs.existsSync(`${h.cg}/cpu/tsrunc`)).toBe(false);
  });

  test('relative: below the runtime\'s own cgroup, no shared parent', () => {
    const m = mgr('pod1/./c1');
    expect(m.record.path).toBe('pod1/c1');
    expect(m.record.paths.memory).toBe(`${h.cg}/memory/process_api/abc/pod1/c1`);
    expect(m.record.paths.pids).toBe(`${h.cg}/pids/pod1/c1`);
    expect(m.record.parents).toBeUndefined();
  });

  test('absolute: below each hierarchy\'s mount point, whatever the runtime\'s own cgroup', () => {
    const m = mgr('/machine//pod1/x/../c1/');
    expect(m.record.path).toBe('/machine/pod1/c1');
    expect(m.record.paths.memory).toBe(`${h.cg}/memory/machine/pod1/c1`);
    expect(m.record.paths.unified).toBe(`${h.cg}/unified/machine/pod1/c1`);
  });

  test('".." that escapes is refused, naming linux.cgroupsPath', () => {
    for (const p of ['../c1', 'a/../../c1', '/../etc', '/a/../../b']) {
      const e = errorOf(() => mgr(p));
      expect(e.field).toBe('linux.cgroupsPath');
      expect(e.message).toMatch(/escapes/);
    }
  });

  test('the root cgroup or the runtime\'s own cgroup is refused', () => {
    expect(errorOf(() => mgr('/')).message).toMatch(/root cgroup/);
    expect(errorOf(() => mgr('a/..')).message).toMatch(/own cgroup/);
    expect(errorOf(() => mgr('.')).field).toBe('linux.cgroupsPath');
  });

  test('--systemd-cgroup without systemd, and with it', () => {
    const e = errorOf(() => createManager({ id: 'c1', systemd: true, mountinfo: h.mountinfo, selfCgroup: h.selfCgroup, root: h.root }));
    expect(e.message).toMatch(/systemd is not running on this host \(no \/run\/systemd\/system\)/);
    fs.mkdirSync(path.join(h.root, 'run/systemd/system'), { recursive: true });
    fs.mkdirSync(path.join(h.root, 'run/dbus'), { recursive: true });
    fs.writeFileSync(path.join(h.root, 'run/dbus/system_bus_socket'), '');
    expect(errorOf(() => createManager({ id: 'c1', systemd: true, mountinfo: h.mountinfo, selfCgroup: h.selfCgroup, root: h.root })).message).toMatch(/cgroup v2 \(unified\) hosts only/);
  });

  test('managerFromRecord rebuilds the same kind of manager from the record', () => {
    const rec = JSON.parse(JSON.stringify(mgr().record));
    const m = managerFromRecord(rec);
    expect(m).toBeInstanceOf(HybridManager);
    expect(m.record).toEqual(rec);
    delete rec.paths.unified;
    expect(managerFromRecord(rec)).toBeInstanceOf(V1Manager);
  });
});

describe('cgroupsPath on pure v1 and pure v2 hosts', () => {
  test('pure v1: no unified path', () => {
    const h = fakeHost('v1');
    try {
      const m = createManager({ id: 'c1', mountinfo: h.mountinfo, selfCgroup: h.selfCgroup, root: h.root });
      expect(m).toBeInstanceOf(V1Manager);
      expect(m.record.paths.unified).toBeUndefined();
      expect(m.record.paths.devices).toBe(`${h.cg}/devices/tsrunc/c1`);
    } finally {
      h.uninstall();
    }
  });

  test('pure v2: relative paths go below the parent of the runtime\'s own cgroup (runc fs2 defaultDirPath)', () => {
    const h = fakeHost('v2', { ownUnified: '/user.slice/session-1.scope' });
    try {
      const m = createManager({ id: 'c1', mountinfo: h.mountinfo, selfCgroup: h.selfCgroup, root: h.root });
      expect(m).toBeInstanceOf(V2Manager);
      expect(m.record).toEqual({ version: 2, path: 'tsrunc/c1', paths: { unified: `${h.cg}/user.slice/tsrunc/c1` }, created: [], parents: [`${h.cg}/user.slice/tsrunc`], enableFrom: h.cg });
      const abs = createManager({ id: 'c1', cgroupsPath: '/a/b', mountinfo: h.mountinfo, selfCgroup: h.selfCgroup, root: h.root });
      expect(abs.record.paths).toEqual({ unified: `${h.cg}/a/b` });
    } finally {
      h.uninstall();
    }
  });

  test('v1 without the devices controller is refused (runc: fatal, for security)', () => {
    const text = '35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n';
    const e = errorOf(() => createManager({ id: 'c1', mountinfo: text, selfCgroup: '4:memory:/\n', root: os.tmpdir() }));
    expect(e.field).toBe('linux.resources.devices');
  });

  test('a v1 subtree mount: the runtime\'s cgroup is found relative to the mount root', () => {
    const text = '35 31 0:32 /docker/abc /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n36 31 0:33 /docker/abc /sys/fs/cgroup/devices rw - cgroup cgroup rw,devices\n';
    const m = createManager({ id: 'c1', mountinfo: text, selfCgroup: '4:memory:/docker/abc/sub\n5:devices:/docker/abc\n', root: '/fake' });
    expect(m.record.paths).toEqual({ memory: '/fake/sys/fs/cgroup/memory/sub/tsrunc/c1', devices: '/fake/sys/fs/cgroup/devices/tsrunc/c1' });
    const outside = '35 31 0:32 /docker/abc /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory,devices\n';
    expect(errorOf(() => createManager({ id: 'c1', mountinfo: outside, selfCgroup: '4:memory,devices:/other\n' })).message).toMatch(/outside its mount/);
  });
});

describe('parseCgroupsPath', () => {
  test('default, relative, absolute', () => {
    expect(parseCgroupsPath(undefined, 'x')).toEqual({ absolute: false, parts: ['tsrunc', 'x'], isDefault: true });
    expect(parseCgroupsPath('', 'x').isDefault).toBe(true);
    expect(parseCgroupsPath('a/b/../c', 'x')).toEqual({ absolute: false, parts: ['a', 'c'], isDefault: false });
    expect(parseCgroupsPath('/a', 'x')).toEqual({ absolute: true, parts: ['a'], isDefault: false });
  });
});
