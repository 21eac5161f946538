// features (features.md, features-linux.md): what this build on this host supports; `tsrunc features`
// prints it as JSON.
// The lists of names come from the code that implements them; which of them are reported is probed,
// in one addon call that changes nothing (addon/features.cc): seccomp architectures this libseccomp
// resolves, actions and filter flags this kernel takes, mount attributes mount_setattr(2) knows (the
// recursive options, idmap). runc 1.2+ reports fixed lists; the spec asks for what is supported.
import * as os from 'os';
import { CAPABILITIES } from './linux/capabilities';
import { CLONE_NEW } from './linux/namespaces';
import { MOUNT_ATTR, knownMountOptions, recursiveMountAttr } from './linux/mounts';
import { MPOL_FLAGS, MPOL_MODES } from './linux/scheduling';
import { ACTIONS, FLAGS, OPS, archName } from './linux/seccomp';
import { native, type Native } from './native';
import { SPEC_VERSION } from './spec/default';

/** Every architecture name libseccomp has had (seccomp.h SCMP_ARCH_*); the build's library decides. */
const SECCOMP_ARCHS = [
  'SCMP_ARCH_X86', 'SCMP_ARCH_X86_64', 'SCMP_ARCH_X32', 'SCMP_ARCH_ARM', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_LOONGARCH64',
  'SCMP_ARCH_M68K', 'SCMP_ARCH_MIPS', 'SCMP_ARCH_MIPS64', 'SCMP_ARCH_MIPS64N32', 'SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64',
  'SCMP_ARCH_MIPSEL64N32', 'SCMP_ARCH_PARISC', 'SCMP_ARCH_PARISC64', 'SCMP_ARCH_PPC', 'SCMP_ARCH_PPC64', 'SCMP_ARCH_PPC64LE',
  'SCMP_ARCH_RISCV64', 'SCMP_ARCH_S390', 'SCMP_ARCH_S390X', 'SCMP_ARCH_SH', 'SCMP_ARCH_SHEB',
];

const MOUNT_ATTR_IDMAP = 0x00100000;
const EBADF = os.constants.errno.EBADF;
const EPERM = os.constants.errno.EPERM;

/** MS_NOSYMFOLLOW came in Linux 5.10 (mount(2)); a plain mount flag has no probe that changes nothing. */
function kernelAtLeast(major: number, minor: number, release = os.release()): boolean {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return !!m && (Number(m[1]) > major || (Number(m[1]) === major && Number(m[2]) >= minor));
}

export function features(n: Native = native(), release = os.release()): Record<string, unknown> {
  const actionNames = Object.keys(ACTIONS);
  const flagNames = Object.keys(FLAGS);
  const options = knownMountOptions();
  // The atime attributes can only be set together with clearing MOUNT_ATTR__ATIME; mount_setattr
  // itself (probed with RDONLY) stands for them.
  const probeBit = (o: string) => {
    const a = o === 'idmap' || o === 'ridmap' ? MOUNT_ATTR_IDMAP : recursiveMountAttr(o);
    return a === undefined ? undefined : (a & MOUNT_ATTR._ATIME) || a === 0 ? MOUNT_ATTR.RDONLY : a;
  };
  const bits = [...new Set(options.map(probeBit).filter((b): b is number => b !== undefined))];
  const p = n.probeFeatures({
    archs: SECCOMP_ARCHS.map((a) => archName(a, 'features')),
    // SECCOMP_GET_ACTION_AVAIL takes the bare action (SECCOMP_RET_ACTION_FULL), without errno data.
    actions: actionNames.map((a) => (ACTIONS[a](undefined) & 0xffff0000) >>> 0),
    flags: flagNames.map((f) => FLAGS[f]),
    mountAttrs: bits,
  });
  // EBADF: the attribute passed validation (the fd did not); EPERM: an unprivileged caller cannot
  // tell, so it is reported as the code supports it.
  const attrKnown = new Map(bits.map((b, i) => [b, p.mountAttrs[i] === EBADF || p.mountAttrs[i] === EPERM]));
  const mountOptions = options.filter((o) => {
    const b = probeBit(o);
    if (b !== undefined) return attrKnown.get(b);
    if (o === 'nosymfollow' || o === 'symfollow') return kernelAtLeast(5, 10, release);
    return true;
  });
  const idmap = attrKnown.get(MOUNT_ATTR_IDMAP) === true;
  const supportedFlags = flagNames.filter((_, i) => p.flags[i]);
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: SPEC_VERSION,
    hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
    mountOptions,
    linux: {
      namespaces: Object.keys(CLONE_NEW),
      capabilities: CAPABILITIES,
      memoryPolicy: { modes: Object.keys(MPOL_MODES), flags: Object.keys(MPOL_FLAGS) },
      cgroup: { v1: true, v2: true, systemd: true, systemdUser: false, rdma: true },
      seccomp: {
        enabled: true,
        actions: actionNames.filter((_, i) => p.actions[i]),
        operators: Object.keys(OPS),
        archs: SECCOMP_ARCHS.filter((_, i) => p.archs[i]),
        knownFlags: flagNames,
        supportedFlags,
      },
      apparmor: { enabled: false },
      selinux: { enabled: false },
      intelRdt: { enabled: false },
      mountExtensions: { idmap: { enabled: idmap } },
      netDevices: { enabled: true },
    },
    annotations: {
      'org.opencontainers.runtime-spec.features.implementation': 'tsrunc',
      // As runc reports its libseccomp: the API level this library and kernel give.
      'io.github.seccomp.libseccomp.api': String(p.seccompApi),
    },
  };
}
