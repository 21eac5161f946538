// The session keyring (runc's setupKeyring, standard_init_linux.go and setns_init_linux.go): the init
// and every exec'd process join a new anonymous session keyring, so a container never shares the
// caller's (the host's credentials and encryption keys); `--no-new-keyring` keeps the caller's.
import type { Spec } from '../spec/types';
import { namespaceSet } from './namespaces';
import type { Plan } from './plan';

/** keyrings(7) permission bits runc adds: search by the owner, or by others in a user namespace. */
const KEY_USR_SEARCH = 0x00080000n, KEY_OTH_SEARCH = 0x00000008n;

export function compileKeyring(spec: Spec, plan: Plan): void {
  const perm = namespaceSet(spec).has('user') ? KEY_OTH_SEARCH : KEY_USR_SEARCH;
  plan.add('JOIN_KEYRING', 'runtime', `keyctl(KEYCTL_JOIN_SESSION_KEYRING, NULL), then add ${perm === KEY_USR_SEARCH ? 'owner' : 'other'} search permission`, [perm]);
}
