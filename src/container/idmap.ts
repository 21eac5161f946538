// The parent's half of an idmapped mount (SYNC_MOUNTFD): the id mapping comes from a user namespace,
// either a short-lived holder process made with the mount's own uidMappings/gidMappings, or the
// container's own user namespace; the runtime applies it to a detached copy of the source, whose fd
// the sync driver (./sync.ts) sends to the child.
import * as io from '../fileio';
import { TsruncError } from '../errors';
import { native } from '../native';
import { CLONE_NEW } from '../linux/namespaces';
import { Sync } from '../linux/opcodes';
import { IdmapRequest, Plan } from '../linux/plan';
import { idMapText } from '../linux/idmappings';
import type { IDMapping } from '../spec/types';

/** A process in a new user namespace with the given maps; it lives until release() closes its socket. */
function usernsHolder(uid: IDMapping[], gid: IDMapping[]): { path: string; release: () => void } {
  const n = native();
  const plan = new Plan();
  plan.cloneFlags = CLONE_NEW.user;
  plan.add('SYNC_WAIT', 'runtime', 'hold the user namespace open', [BigInt(Sync.GO)]);
  const child = n.spawn(plan.serialize());
  const release = () => {
    io.closeFd(child.sock); // EOF: the holder exits
    n.waitPidfd(child.pidfd, -1);
    io.closeFd(child.pidfd);
  };
  try {
    io.writeFile(`/proc/${child.pid}/uid_map`, idMapText(uid), 0);
    io.writeFile(`/proc/${child.pid}/gid_map`, idMapText(gid), 0);
  } catch (e) {
    release();
    throw e;
  }
  return { path: `/proc/${child.pid}/ns/user`, release };
}

/** The fd of the detached mount for op `opIndex` (the child's MOUNTFD request); the sync driver
 * (./sync.ts) sends it, or ERROR if this throws. */
export function idmappedMountFd(plan: Plan, opIndex: number, containerPid: number): number {
  const req: IdmapRequest | undefined = plan.idmapped.get(opIndex);
  const field = plan.ops[opIndex]?.source ?? 'mounts';
  if (!req) throw new TsruncError(`sync: no idmapped mount for op ${opIndex}`);
  const holder = req.uidMappings && !req.plain ? usernsHolder(req.uidMappings, req.gidMappings!) : undefined;
  const lo = (v: bigint) => Number(v & 0xffffffffn), hi = (v: bigint) => Number(v >> 32n);
  try {
    // plain: no user namespace to map with, only the open (and the mount attributes).
    return native().openTreeIdmapped(req.source, req.plain ? '' : holder ? holder.path : `/proc/${containerPid}/ns/user`, req.recursive ? 1 : 0,
      lo(req.attrs), hi(req.attrs), lo(req.recAttrs), hi(req.recAttrs));
  } catch (e) {
    throw new TsruncError(`${req.plain ? 'bind' : 'idmapped mount'} of ${req.source}: ${(e as Error).message}`, { field });
  } finally {
    holder?.release();
  }
}
