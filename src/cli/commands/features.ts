// `tsrunc features` (features.md, features-linux.md): what this runtime implements, as JSON.
// Every list comes from the code that implements it, so it cannot drift.
import { CAPABILITIES } from '../../linux/capabilities';
import { CLONE_NEW } from '../../linux/namespaces';
import { knownMountOptions } from '../../linux/mounts';
import { MPOL_FLAGS, MPOL_MODES } from '../../linux/scheduling';
import { ACTIONS, FLAGS, OPS } from '../../linux/seccomp';
import { SPEC_VERSION } from '../../spec/default';
import { stdout } from '../output';

const SECCOMP_ARCHS = [
  'SCMP_ARCH_X86', 'SCMP_ARCH_X86_64', 'SCMP_ARCH_X32', 'SCMP_ARCH_ARM', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_MIPS',
  'SCMP_ARCH_MIPS64', 'SCMP_ARCH_MIPS64N32', 'SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64', 'SCMP_ARCH_MIPSEL64N32',
  'SCMP_ARCH_PPC', 'SCMP_ARCH_PPC64', 'SCMP_ARCH_PPC64LE', 'SCMP_ARCH_RISCV64', 'SCMP_ARCH_S390', 'SCMP_ARCH_S390X',
];

export function features(): Record<string, unknown> {
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: SPEC_VERSION,
    hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
    mountOptions: knownMountOptions(),
    linux: {
      namespaces: Object.keys(CLONE_NEW),
      capabilities: CAPABILITIES,
      memoryPolicy: { modes: Object.keys(MPOL_MODES), flags: Object.keys(MPOL_FLAGS) },
      cgroup: { v1: true, v2: true, systemd: true, systemdUser: false, rdma: true },
      seccomp: {
        enabled: true,
        actions: Object.keys(ACTIONS),
        operators: Object.keys(OPS),
        archs: SECCOMP_ARCHS,
        knownFlags: Object.keys(FLAGS),
        supportedFlags: Object.keys(FLAGS),
      },
      apparmor: { enabled: false },
      selinux: { enabled: false },
      intelRdt: { enabled: false },
      mountExtensions: { idmap: { enabled: true } },
      netDevices: { enabled: true },
    },
    annotations: {
      'org.opencontainers.runtime-spec.features.implementation': 'tsrunc',
    },
  };
}

export function run(): number {
  stdout(JSON.stringify(features(), null, 4) + '\n');
  return 0;
}
