// The `tsrunc spec` template for unit tests that compile plans without a container cgroup: its
// /sys/fs/cgroup mount (runc's template has it) needs the container's cgroup directories, which only
// exist at create time, so it is left out here; the cgroup mount has unit tests of its own.
import { defaultSpec } from '../../src/spec/default';
import type { Spec } from '../../src/spec/types';

export function unitSpec(): Spec {
  const s = defaultSpec();
  s.mounts = s.mounts!.filter((m) => m.type !== 'cgroup');
  return s;
}
