// The runtime's side of the parent <-> child sync protocol: one driver for create, exec and the
// runtime-made (idmapped) mounts. As runc's libcontainer/sync.go draws its protocol and youki's
// channel.rs types its messages, the order is not written in a loop here but read from the plan:
// the child walks the plan's ops one by one (addon/child.c), so the SYNC_SEND/SYNC_WAIT ops, and the
// ops that talk on the socket themselves, give the one legal sequence of messages. Anything else
// (a message out of that order, a message that should carry an fd and does not) is refused with an
// error naming both the expected and the received message.
//
// Messages are struct tsr_sync (addon/plan.h), one per SOCK_SEQPACKET datagram; [fd] marks one that
// carries a file descriptor (SCM_RIGHTS). Each line is one plan op, in plan order:
//
//   runtime (create / exec)                      child (tsrunc-init walking the plan)
//   ---------------------------------------      -------------------------------------------------
//   clone3; record the pid; join the cgroups;    PDEATHSIG(SIGKILL)
//   write the uid/gid maps (create)              [exec, execCPUAffinity.initial: sched_setaffinity,
//     <- READY (exec only: affinity set; the       then SYNC_SEND READY: join the cgroup after it]
//        runtime joins the cgroup after it)
//   GO -------------------------------------->   SYNC_WAIT GO: in the cgroup, mapped; namespaces
//     <- MOUNTFD(op)                             MOUNT with FROM_PARENT: asks for the mount of op
//   MOUNTFD [fd] (or ERROR: the child exits) ->    `op` (idmapped, or a source it cannot reach) and
//                                                  attaches the fd the runtime made (open_tree)
//     <- PIDFD(op)                               SETNS_PIDFD (exec): asks for the init's pidfd
//   PIDFD [the init's pidfd] ---------------->     and setns(pidfd, the namespaces) at once
//     <- HOOKS                                   SYNC_SEND HOOKS: netDevices, prestart and
//   run them in the runtime's namespaces; GO ->  SYNC_WAIT GO   createRuntime hooks
//     <- FORKED(pid)                             FORK: the intermediate reports the grandchild in
//   reap it, record the pid; GO ------------->   SYNC_WAIT GO   the PID namespace and exits
//     <- PTY [the pty master]                    OPEN_PTY: to --console-socket, or proxied by run/exec
//     <- SECCOMP_FD [the notify fd]              SECCOMP with NEW_LISTENER: to listenerPath
//     <- READY                                   SYNC_SEND READY (create): set up, exec resolved
//   pid file, state(created); COMMIT -------->   SYNC_WAIT COMMIT; PDEATHSIG(0)
//     <- ACK                                     SYNC_SEND ACK: create may exit; from WAIT_FIFO on
//                                                  the child speaks on the exec fifo (`start`)
//     <- end of file (exec)                      EXEC: the socket is close-on-exec
//
// ERROR (with the failing op, errno and text) may come instead of any child message, and end of
// file instead of any but the last: both end the protocol. Requests (HOOKS, FORKED, MOUNTFD, PIDFD) are
// answered by the driver right after their handler returns; READY and ACK are answered by the
// caller (send), which has its own work to do first.
import * as io from '../fileio';
import { TsruncError, childError } from '../errors';
import { native, SyncMessage } from '../native';
import { Mnt, Sync } from '../linux/opcodes';
import type { Plan } from '../linux/plan';
import { SECCOMP_FILTER_FLAG_NEW_LISTENER } from '../linux/seccomp';

/** Not a message: the end of file of the socket, which is close-on-exec, at the child's EXEC. */
export const EXECVE = -1;

export interface SyncStep {
  /** Who sends it. */
  from: 'child' | 'runtime';
  type: number;
  /** The plan op that sends or waits for it. */
  op: number;
  /** It carries an fd (SCM_RIGHTS). */
  fd: boolean;
}

/** The messages a plan exchanges with the runtime, in order (the protocol drawn above). */
export function syncSteps(plan: Plan): SyncStep[] {
  const steps: SyncStep[] = [];
  const add = (from: SyncStep['from'], type: number, op: number, fd = false) => steps.push({ from, type, op, fd });
  for (let i = 0; i < plan.ops.length; i++) {
    const o = plan.ops[i];
    const a = (k: number) => o.a?.[k] ?? 0n;
    switch (o.op) {
      case 'SYNC_SEND': add('child', Number(a(0)), i); break;
      case 'SYNC_WAIT': add('runtime', Number(a(0)), i); break;
      case 'MOUNT':
        // child.c op_mount: PROPAGATION_ONLY is tested first and never asks.
        if ((a(2) & BigInt(Mnt.FROM_PARENT)) && !(a(2) & BigInt(Mnt.PROPAGATION_ONLY))) {
          add('child', Sync.MOUNTFD, i);
          add('runtime', Sync.MOUNTFD, i, true);
        }
        break;
      case 'SETNS_PIDFD':
        add('child', Sync.PIDFD, i);
        add('runtime', Sync.PIDFD, i, true);
        break;
      case 'OPEN_PTY': add('child', Sync.PTY, i, true); break;
      case 'SECCOMP': if (a(1) & BigInt(SECCOMP_FILTER_FLAG_NEW_LISTENER)) add('child', Sync.SECCOMP_FD, i, true); break;
      // a0 = 1 (wait for the grandchild) says nothing: the intermediate only closes its socket.
      case 'FORK': if (a(0) === 0n) add('child', Sync.FORKED, i); break;
      case 'WAIT_FIFO': return steps; // from here on the child speaks on the exec fifo
      case 'EXEC': add('child', EXECVE, i); return steps;
    }
  }
  return steps;
}

export function syncName(type: number): string {
  if (type === EXECVE) return 'end of file (execve)';
  return Object.entries(Sync).find(([, v]) => v === type)?.[0] ?? `message ${type}`;
}

/** What the runtime does for each message of the child (only those its plan can send are needed). */
export interface SyncHandlers {
  /** HOOKS (a0 of the SYNC_SEND): run them; the driver then sends GO. */
  hooks?: (point: number) => void;
  /** FORKED: the intermediate has exited, `pid` carries on; the driver then sends GO. */
  forked?: (pid: number) => void;
  /** MOUNTFD: the fd of the mount the runtime made; the driver sends it and closes it.
   * If it throws, the driver sends ERROR (the child exits) and the error is the one reported. */
  mountFd?: (op: number) => number;
  /** PIDFD (SETNS_PIDFD): the container init's pidfd; sent, not closed. */
  pidfd?: () => number;
  /** PTY: the pty master, now the handler's to close. */
  pty?: (fd: number) => void;
  /** SECCOMP_FD: the seccomp notify fd, now the handler's to close. */
  seccompFd?: (fd: number) => void;
}

export interface UntilOptions {
  /** Also wake on a terminating signal caught by forwardSignals (exec in the foreground). */
  watchSignals?: boolean;
  onSignal?: (signal: number) => never;
}

export class SyncDriver {
  readonly steps: SyncStep[];
  private next = 0;

  /** `who` names the child in "... exited before it was set up". */
  constructor(private readonly plan: Plan, private readonly sock: number, private readonly who: string, private readonly on: SyncHandlers = {}) {
    this.steps = syncSteps(plan);
  }

  /** Send `type` from the caller: it must be the next step of the plan (one of its SYNC_WAITs). */
  send(type: number): void {
    const s = this.steps[this.next];
    if (s?.from !== 'runtime' || s.type !== type) {
      throw new TsruncError(`sync: the runtime cannot send ${syncName(type)} now: the plan's next step is ${s ? `${syncName(s.type)} from the ${s.from}` : 'none'}`);
    }
    this.next++;
    native().syncSend(this.sock, type); // false: the child is gone, which the next receive reports
  }

  /** Receive the child's messages in plan order, answering its requests, up to and including `type`. */
  until(type: number, opts: UntilOptions = {}): void {
    if (!this.steps.slice(this.next).some((s) => s.from === 'child' && s.type === type)) {
      throw new TsruncError(`sync: the plan never sends ${syncName(type)} from here`);
    }
    for (;;) {
      const s = this.steps[this.next];
      if (s.from === 'runtime') throw new TsruncError(`sync: the runtime must send ${syncName(s.type)} before it waits for ${syncName(type)}`);
      const m = native().syncRecv(this.sock, opts.watchSignals ? 1 : 0);
      if (m?.signal) {
        if (opts.onSignal) opts.onSignal(m.signal);
        continue;
      }
      this.check(s, m);
      this.next++;
      this.dispatch(s, m!);
      if (s.type === type) return;
    }
  }

  private check(s: SyncStep, m: SyncMessage | null): void {
    if (m === null) {
      if (s.type === EXECVE) return;
      throw new TsruncError(`${this.who} exited before it was set up`);
    }
    const refuse = (text: string): never => {
      if (m.fd !== undefined) io.closeFd(m.fd);
      throw new TsruncError(text);
    };
    if (m.type === Sync.ERROR) {
      if (m.fd !== undefined) io.closeFd(m.fd);
      throw childError(this.plan, m);
    }
    if (m.type !== s.type) refuse(`sync: expected ${syncName(s.type)} from the child, got ${syncName(m.type)}`);
    if ((s.type === Sync.MOUNTFD || s.type === Sync.PIDFD) && m.arg !== s.op) {
      refuse(`sync: expected ${syncName(s.type)} for op ${s.op} from the child, got ${syncName(m.type)} for op ${m.arg}`);
    }
    if (s.fd && m.fd === undefined) refuse(`sync: expected ${syncName(s.type)} with an fd from the child, got none`);
    if (!s.fd && m.fd !== undefined) refuse(`sync: expected ${syncName(s.type)} from the child, got it with an fd`);
  }

  private handler<K extends keyof SyncHandlers>(name: K): NonNullable<SyncHandlers[K]> {
    const h = this.on[name];
    if (!h) throw new TsruncError(`sync: no handler for the plan's ${name} message`);
    return h as NonNullable<SyncHandlers[K]>;
  }

  private dispatch(s: SyncStep, m: SyncMessage): void {
    switch (s.type) {
      case Sync.HOOKS: this.handler('hooks')(m.arg); this.reply(); break;
      case Sync.FORKED: this.handler('forked')(m.arg); this.reply(); break;
      case Sync.PTY: this.handler('pty')(m.fd!); break;
      case Sync.SECCOMP_FD: this.handler('seccompFd')(m.fd!); break;
      case Sync.PIDFD: this.reply(this.handler('pidfd')()); break;
      case Sync.MOUNTFD: {
        let fd: number;
        try {
          fd = this.handler('mountFd')(s.op);
        } catch (e) {
          native().syncSend(this.sock, Sync.ERROR); // the child exits; the error thrown is the one reported
          throw e;
        }
        try {
          this.reply(fd);
        } finally {
          io.closeFd(fd);
        }
        break;
      }
    }
  }

  /** The answer to the request just handled: the plan's next step, sent by the runtime. */
  private reply(fd?: number): void {
    const r = this.steps[this.next];
    if (r?.from !== 'runtime') return; // the child does not wait for an answer here
    this.next++;
    if (r.fd) native().syncSendFd(this.sock, r.type, fd!);
    else native().syncSend(this.sock, r.type);
  }
}
