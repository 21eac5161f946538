// src/spec/validate.ts: one TsruncError per invalid document, whose `field` is the config path at
// fault in dotted/bracket form and whose message is one short line. Every bad fixture in
// test/fixtures/schema names the field it breaks here.
import * as fs from 'fs';
import * as path from 'path';
import { formatError } from '../../../src/errors';
import { validateConfig, validateFeatures, validateState } from '../../../src/spec/validate';
import { errorOf } from '../../helpers/errors';

// validate.ts loads the generated module on first use; make sure it matches schemas/.
(require('../../../scripts/gen-validators.js') as { writeValidators(): string[] }).writeValidators();

const FIXTURES = path.resolve(__dirname, '../../fixtures/schema');

const base = () => ({ ociVersion: '1.3.0', root: { path: 'rootfs' }, process: { cwd: '/', args: ['sh'] } });

describe('validateConfig', () => {
  test('accepts a valid config', () => {
    expect(() => validateConfig(base())).not.toThrow();
  });

  test('a wrong type names the array element and property: mounts[1].destination', () => {
    const e = errorOf(() => validateConfig({ ...base(), mounts: [{ destination: '/proc' }, { destination: 42 }] }));
    expect(e.field).toBe('mounts[1].destination');
    expect(e.message).toBe('must be string, got 42');
    expect(formatError(e)).toBe('mounts[1].destination: must be string, got 42');
  });

  test('nested objects are dotted: linux.resources.memory.limit', () => {
    const e = errorOf(() => validateConfig({ ...base(), linux: { resources: { memory: { limit: '1G' } } } }));
    expect(e.field).toBe('linux.resources.memory.limit');
    expect(e.message).toBe('must be integer, got "1G"');
  });

  test('an enum names the bad value and the allowed ones', () => {
    const e = errorOf(() => validateConfig({ ...base(), linux: { namespaces: [{ type: 'pid' }, { type: 'net' }] } }));
    expect(e.field).toBe('linux.namespaces[1].type');
    expect(e.message).toBe('unknown value "net" (allowed: pid, network, mount, ipc, uts, user, cgroup, time)');
  });

  test('a missing required property is named by its own path', () => {
    const e = errorOf(() => validateConfig({ ociVersion: '1.3.0', root: { path: 'rootfs' }, process: { args: ['sh'] } }));
    expect(e.field).toBe('process.cwd');
    expect(e.message).toBe('is required');
    expect(formatError(e)).toBe('process.cwd: is required');
    expect(errorOf(() => validateConfig({ root: { path: 'rootfs' } })).field).toBe('ociVersion');
    expect(errorOf(() => validateConfig({ ...base(), mounts: [{ destination: '/a' }, { source: 'tmpfs' }] })).field).toBe('mounts[1].destination');
  });

  test('integer ranges show the bound as the spec writes it', () => {
    let e = errorOf(() => validateConfig({ ...base(), process: { cwd: '/', user: { uid: -1, gid: 0 } } }));
    expect([e.field, e.message]).toEqual(['process.user.uid', 'must be >= 0, got -1']);
    e = errorOf(() => validateConfig({ ...base(), process: { cwd: '/', user: { uid: 0, gid: 4294967296 } } }));
    expect([e.field, e.message]).toEqual(['process.user.gid', 'must be <= 4294967295, got 4294967296']);
    e = errorOf(() => validateConfig({ ...base(), process: { cwd: '/', rlimits: [{ type: 'RLIMIT_CORE', soft: 0, hard: 1e20 }] } }));
    expect([e.field, e.message]).toEqual(['process.rlimits[0].hard', 'must be <= 18446744073709551615, got 100000000000000000000']);
    e = errorOf(() => validateConfig({ ...base(), linux: { resources: { memory: { swap: -1e19 } } } }));
    expect(e.message).toBe('must be >= -9223372036854775808, got -10000000000000000000');
    e = errorOf(() => validateConfig({ ...base(), hooks: { poststop: [{ path: '/bin/true', timeout: 0 }] } }));
    expect([e.field, e.message]).toEqual(['hooks.poststop[0].timeout', 'must be >= 1, got 0']);
  });

  test('patterns, minItems and non-identifier keys', () => {
    let e = errorOf(() => validateConfig({ ...base(), linux: { resources: { hugepageLimits: [{ pageSize: '64kB', limit: 1 }] } } }));
    expect([e.field, e.message]).toEqual(['linux.resources.hugepageLimits[0].pageSize', 'invalid value "64kB" (must match /^[1-9][0-9]*[KMG]B$/)']);
    e = errorOf(() => validateConfig({ ...base(), linux: { seccomp: { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [], action: 'SCMP_ACT_LOG' }] } } }));
    expect([e.field, e.message]).toEqual(['linux.seccomp.syscalls[0].names', 'must not be empty']);
    e = errorOf(() => validateConfig({ ...base(), annotations: { 'com.example/gpu': 2 } }));
    expect([e.field, e.message]).toEqual(['annotations["com.example/gpu"]', 'must be string, got 2']);
    e = errorOf(() => validateConfig({ ...base(), linux: { sysctl: { 'net.ipv4.ip_forward': true } } }));
    expect(e.field).toBe('linux.sysctl["net.ipv4.ip_forward"]');
    e = errorOf(() => validateConfig({ ...base(), linux: { netDevices: { eth1: { name: 1 } } } }));
    expect(e.field).toBe('linux.netDevices.eth1.name');
  });

  test('the document itself: the field is the file', () => {
    for (const doc of [[], 'x', null, 5]) {
      const e = errorOf(() => validateConfig(doc));
      expect(e.field).toBe('config.json');
      expect(e.message).toMatch(/^must be object, got /);
    }
    expect(formatError(errorOf(() => validateConfig([])))).toBe('config.json: must be object, got an array');
  });

  test('long values are shortened, containers named by kind', () => {
    expect(errorOf(() => validateConfig({ ...base(), linux: { rootfsPropagation: 'x'.repeat(100) } })).message).toMatch(/^unknown value "x{56}\.\.\. \(allowed: /);
    expect(errorOf(() => validateConfig({ ...base(), hostname: {} })).message).toBe('must be string, got an object');
    expect(errorOf(() => validateConfig({ ...base(), hostname: [] })).message).toBe('must be string, got an array');
    expect(errorOf(() => validateConfig({ ...base(), hostname: null })).message).toBe('must be string, got null');
  });
});

describe('validateState and validateFeatures', () => {
  const state = { ociVersion: '1.3.0', id: 'c1', status: 'running', pid: 42, bundle: '/b' };
  test('valid documents pass', () => {
    expect(() => validateState(state)).not.toThrow();
    expect(() => validateFeatures({ ociVersionMin: '1.0.0', ociVersionMax: '1.3.0' })).not.toThrow();
  });
  test('errors name the field', () => {
    let e = errorOf(() => validateState({ ...state, status: 'paused' }));
    expect([e.field, e.message]).toEqual(['status', 'unknown value "paused" (allowed: creating, created, running, stopped)']);
    e = errorOf(() => validateState({ ...state, bundle: undefined }));
    expect([e.field, e.message]).toEqual(['bundle', 'is required']);
    e = errorOf(() => validateState('x'));
    expect(e.field).toBe('state.json');
    e = errorOf(() => validateFeatures({ ociVersionMin: '1.0.0' }));
    expect([e.field, e.message]).toEqual(['ociVersionMax', 'is required']);
    e = errorOf(() => validateFeatures({ ociVersionMin: '1.0.0', ociVersionMax: '1.3.0', linux: { capabilities: ['CAP_CHOWN', 'chown'] } }));
    expect([e.field, e.message]).toEqual(['linux.capabilities[1]', 'invalid value "chown" (must match /^CAP_[A-Z_]+$/)']);
  });
});

/** The field each bad fixture breaks; null: the file is not JSON at all. */
const BAD_FIELDS: Record<string, Record<string, string | null>> = {
  config: {
    'ociVersion-missing': 'ociVersion',
    'ociVersion-number': 'ociVersion',
    'config-not-object': 'config.json',
    'root-path-missing': 'root.path',
    'root-readonly-string': 'root.readonly',
    'process-not-object': 'process',
    'process-cwd-missing': 'process.cwd',
    'process-args-string': 'process.args',
    'process-env-number': 'process.env[1]',
    'process-terminal-string': 'process.terminal',
    'process-consoleSize-width-missing': 'process.consoleSize.width',
    'user-uid-negative': 'process.user.uid',
    'user-gid-over-uint32': 'process.user.gid',
    'user-additionalGids-string': 'process.user.additionalGids[0]',
    'user-umask-float': 'process.user.umask',
    'rlimit-type-lowercase': 'process.rlimits[0].type',
    'rlimit-soft-missing': 'process.rlimits[0].soft',
    'rlimit-hard-over-uint64': 'process.rlimits[0].hard',
    'capabilities-bounding-string': 'process.capabilities.bounding',
    'ioPriority-class-unknown': 'process.ioPriority.class',
    'scheduler-policy-unknown': 'process.scheduler.policy',
    'scheduler-nice-over-int32': 'process.scheduler.nice',
    'scheduler-flag-unknown': 'process.scheduler.flags[1]',
    'execCPUAffinity-semicolon': 'process.execCPUAffinity.initial',
    'oomScoreAdj-string': 'process.oomScoreAdj',
    'mount-destination-missing': 'mounts[1].destination',
    'mount-destination-number': 'mounts[1].destination',
    'mount-options-string': 'mounts[0].options',
    'mount-uidMappings-size-missing': 'mounts[0].uidMappings[0].size',
    'hook-path-missing': 'hooks.prestart[0].path',
    'hook-timeout-zero': 'hooks.poststart[0].timeout',
    'hooks-createRuntime-object': 'hooks.createRuntime',
    'annotations-value-number': 'annotations["com.example.gpu-cores"]',
    'hostname-number': 'hostname',
    'namespace-type-unknown': 'linux.namespaces[1].type',
    'namespace-type-missing': 'linux.namespaces[0].type',
    'uidMappings-hostID-negative': 'linux.uidMappings[0].hostID',
    'timeOffsets-nanosecs-negative': 'linux.timeOffsets.monotonic.nanosecs',
    'device-type-unknown': 'linux.devices[0].type',
    'device-fileMode-with-type-bits': 'linux.devices[0].fileMode',
    'device-path-missing': 'linux.devices[0].path',
    'netDevice-name-boolean': 'linux.netDevices.eth1.name',
    'resources-devices-allow-missing': 'linux.resources.devices[0].allow',
    'resources-memory-limit-string': 'linux.resources.memory.limit',
    'resources-memory-swap-over-int64': 'linux.resources.memory.swap',
    'resources-cpu-shares-negative': 'linux.resources.cpu.shares',
    'resources-cpu-cpus-array': 'linux.resources.cpu.cpus',
    'resources-blockIO-weight-over-uint16': 'linux.resources.blockIO.weight',
    'resources-blockIO-throttle-minor-missing': 'linux.resources.blockIO.throttleReadBpsDevice[0].minor',
    'resources-hugepage-pageSize-lowercase': 'linux.resources.hugepageLimits[0].pageSize',
    'resources-hugepage-limit-missing': 'linux.resources.hugepageLimits[0].limit',
    'resources-network-priority-missing': 'linux.resources.network.priorities[0].priority',
    // config-linux.md makes pids.limit OPTIONAL; upstream requires it (kept, see schemas/config-linux.json).
    'resources-pids-limit-missing': 'linux.resources.pids.limit',
    'resources-rdma-hcaObjects-negative': 'linux.resources.rdma.mlx5_1.hcaObjects',
    'resources-unified-value-number': 'linux.resources.unified["memory.max"]',
    'seccomp-defaultAction-missing': 'linux.seccomp.defaultAction',
    'seccomp-defaultAction-unknown': 'linux.seccomp.defaultAction',
    'seccomp-syscall-action-unknown': 'linux.seccomp.syscalls[1].action',
    'seccomp-arch-unknown': 'linux.seccomp.architectures[0]',
    'seccomp-flag-unknown': 'linux.seccomp.flags[0]',
    'seccomp-names-empty': 'linux.seccomp.syscalls[0].names',
    'seccomp-arg-op-unknown': 'linux.seccomp.syscalls[0].args[0].op',
    'seccomp-arg-index-missing': 'linux.seccomp.syscalls[0].args[0].index',
    'seccomp-errnoRet-negative': 'linux.seccomp.syscalls[0].errnoRet',
    'rootfsPropagation-rshared': 'linux.rootfsPropagation',
    'sysctl-value-number': 'linux.sysctl["net.ipv4.ip_forward"]',
    'maskedPaths-string': 'linux.maskedPaths',
    'memoryPolicy-mode-unknown': 'linux.memoryPolicy.mode',
    'personality-domain-unknown': 'linux.personality.domain',
    'intelRdt-memBwSchema-prefix': 'linux.intelRdt.memBwSchema',
    'windows-layerFolders-empty': 'windows.layerFolders',
    'vm-kernel-missing': 'vm.kernel',
    'vm-image-format-unknown': 'vm.image.format',
    'freebsd-sysvmsg-unknown': 'freebsd.jail.sysvmsg',
    'zos-namespace-user': 'zos.namespaces[0].type',
    'solaris-anet-not-array': 'solaris.anet',
    'trailing-comma': null,
  },
  state: {
    // runtime.md allows runtime-defined statuses; upstream lists four (kept, see schemas/state.json).
    'status-paused': 'status',
    'pid-negative': 'pid',
    'bundle-missing': 'bundle',
    'id-number': 'id',
    'annotations-value-bool': 'annotations.k',
  },
  features: {
    'ociVersionMin-missing': 'ociVersionMin',
    'capability-lowercase': 'linux.capabilities[1]',
    'namespace-unknown': 'linux.namespaces[1]',
    'seccomp-action-unknown': 'linux.seccomp.actions[0]',
    // features.md allows null for optional properties; upstream rejects it (kept, see schemas/features.json).
    'hooks-null': 'hooks',
    'cgroup-v2-string': 'linux.cgroup.v2',
  },
};
const VALIDATE: Record<string, (d: unknown) => void> = { config: validateConfig, state: validateState, features: validateFeatures };

describe('every bad fixture names the field it breaks', () => {
  for (const kind of Object.keys(BAD_FIELDS)) {
    const dir = path.join(FIXTURES, kind, 'bad');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
    test(`${kind}: the table lists exactly the fixtures`, () => {
      expect(Object.keys(BAD_FIELDS[kind]).sort()).toEqual(files);
    });
    test.each(files)(`${kind}/bad/%s.json`, (name) => {
      const text = fs.readFileSync(path.join(dir, `${name}.json`), 'utf8');
      const expected = BAD_FIELDS[kind][name];
      if (expected === null) {
        expect(() => JSON.parse(text)).toThrow();
        return;
      }
      const e = errorOf(() => VALIDATE[kind](JSON.parse(text)));
      expect(e.field).toBe(expected);
      expect(formatError(e)).not.toMatch(/\n/);
    });
  }
});
