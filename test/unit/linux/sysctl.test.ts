import { TsruncError } from '../../../src/errors';
import { Plan } from '../../../src/linux/plan';
import { compileSysctl, sysctlNamespace } from '../../../src/linux/sysctl';
import type { LinuxNamespace, Spec } from '../../../src/spec/types';

const all: LinuxNamespace[] = [{ type: 'ipc' }, { type: 'network' }, { type: 'uts' }, { type: 'mount' }];
function compile(sysctl: Record<string, string>, namespaces: LinuxNamespace[] = all): Plan {
  const plan = new Plan();
  compileSysctl({ ociVersion: '1.3.0', linux: { namespaces, sysctl } } as Spec, plan);
  return plan;
}
function error(sysctl: Record<string, string>, namespaces?: LinuxNamespace[]): TsruncError {
  try { compile(sysctl, namespaces); } catch (e) { expect(e).toBeInstanceOf(TsruncError); return e as TsruncError; }
  throw new Error('expected an error');
}

describe('sysctlNamespace', () => {
  test.each([
    ['kernel.msgmax', 'ipc'], ['kernel.msgmnb', 'ipc'], ['kernel.msgmni', 'ipc'], ['kernel.sem', 'ipc'],
    ['kernel.shmall', 'ipc'], ['kernel.shmmax', 'ipc'], ['kernel.shmmni', 'ipc'], ['kernel.shm_rmid_forced', 'ipc'],
    ['fs.mqueue.msg_max', 'ipc'], ['fs.mqueue.queues_max', 'ipc'],
    ['net.ipv4.ip_forward', 'network'], ['net.core.somaxconn', 'network'],
    ['kernel.hostname', 'uts'], ['kernel.domainname', 'uts'],
  ])('%s -> %s', (key, ns) => {
    expect(sysctlNamespace(key)).toBe(ns);
  });

  test.each(['kernel.panic', 'vm.swappiness', 'fs.file-max', 'kernel.shmfoo', 'kernel.pid_max', 'network.x'])('%s is not namespaced', (key) => {
    expect(sysctlNamespace(key)).toBeUndefined();
  });
});

describe('compileSysctl', () => {
  test('one WRITE_FILE per key, dots become slashes under /proc/sys', () => {
    const plan = compile({ 'net.ipv4.ip_forward': '1', 'kernel.shm_rmid_forced': '1', 'fs.mqueue.msg_max': '64' });
    expect(plan.ops.map((o) => [o.op, o.source, o.s])).toEqual([
      ['WRITE_FILE', 'linux.sysctl.net.ipv4.ip_forward', ['/proc/sys/net/ipv4/ip_forward', '1']],
      ['WRITE_FILE', 'linux.sysctl.kernel.shm_rmid_forced', ['/proc/sys/kernel/shm_rmid_forced', '1']],
      ['WRITE_FILE', 'linux.sysctl.fs.mqueue.msg_max', ['/proc/sys/fs/mqueue/msg_max', '64']],
    ]);
  });

  test('interface names with dashes are accepted', () => {
    const plan = compile({ 'net.ipv6.conf.veth-a.disable_ipv6': '1' });
    expect(plan.ops[0].s?.[0]).toBe('/proc/sys/net/ipv6/conf/veth-a/disable_ipv6');
  });

  test('no sysctl: no ops', () => {
    expect(compile({}).ops).toEqual([]);
  });

  test('not namespaced', () => {
    const e = error({ 'kernel.panic': '1' });
    expect(e.field).toBe('linux.sysctl.kernel.panic');
    expect(e.message).toMatch(/not namespaced/);
  });

  test('net.* without a network namespace', () => {
    const e = error({ 'net.ipv4.ip_forward': '1' }, [{ type: 'ipc' }, { type: 'uts' }]);
    expect(e.field).toBe('linux.sysctl.net.ipv4.ip_forward');
    expect(e.message).toMatch(/network namespace/);
  });

  test('ipc sysctl without an ipc namespace', () => {
    expect(error({ 'kernel.msgmax': '1' }, [{ type: 'network' }]).message).toMatch(/ipc namespace/);
  });

  test('kernel.hostname without a uts namespace', () => {
    expect(error({ 'kernel.hostname': 'x' }, [{ type: 'ipc' }]).message).toMatch(/uts namespace/);
  });

  test.each(['net..ipv4', 'net', 'net.ipv4/../../kernel', '../net.x', 'net.ipv4.conf.a b', '.net.x', 'Net.x'])('invalid name %j', (key) => {
    const e = error({ [key]: '1' });
    expect(e.field).toBe(`linux.sysctl.${key}`);
  });
});
