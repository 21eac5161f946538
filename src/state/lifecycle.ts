// One table of status x command -> allowed, or the error to give (runc's
// state_linux.go). Every command consults it; the texts are runc's where clients match on them
// ("container not running" is what containerd's shim treats as "already gone" for kill).
import { WrongStatus } from '../errors';
import type { Status } from './status';

export type Command = 'start' | 'kill' | 'delete' | 'pause' | 'resume' | 'exec' | 'update' | 'ps' | 'events';

type Rule = true | ((id: string, s: Status) => string);

const notRunning: Rule = () => 'container not running';
const table: Record<Command, Partial<Record<Status, Rule>>> = {
  start: {
    created: true,
    // runc's start.go words (1.1 to 1.5).
    creating: (id, s) => `cannot start a container in the ${s} state`,
    running: () => 'cannot start an already running container',
    paused: (id, s) => `cannot start a container in the ${s} state`,
    stopped: () => 'cannot start a container that has stopped',
  },
  kill: { created: true, running: true, paused: true, creating: true, stopped: notRunning },
  delete: {
    stopped: true,
    created: true, // runc kills and deletes a created container without --force
    creating: (id, s) => `cannot delete container ${id} that is not stopped: ${s}`,
    running: (id, s) => `cannot delete container ${id} that is not stopped: ${s}`,
    paused: (id, s) => `cannot delete container ${id} that is not stopped: ${s}`,
  },
  pause: { running: true, created: true, paused: () => 'container already paused', stopped: notRunning, creating: notRunning },
  resume: { paused: true, running: () => 'container not paused', created: () => 'container not paused', stopped: notRunning, creating: notRunning },
  // exec on paused: runc 1.2+'s exec.go text.
  exec: { running: true, created: true, paused: () => 'cannot exec in a paused container (use --ignore-paused to override)', stopped: () => 'cannot exec in a stopped container', creating: notRunning },
  update: { running: true, created: true, paused: true, stopped: () => 'cannot update a stopped container', creating: notRunning },
  ps: { running: true, created: true, paused: true, stopped: true, creating: true },
  events: { running: true, created: true, paused: true, stopped: notRunning, creating: notRunning },
};

export function check(command: Command, id: string, status: Status): void {
  if (table[command][status] !== true) throw refusal(command, id, status);
}

/** The error check() throws for a status the command does not allow: also for a command that finds
 * the status changed under it (the init exited after the status was derived). */
export function refusal(command: Command, id: string, status: Status): WrongStatus {
  const rule = table[command][status];
  const msg = rule && rule !== true ? rule(id, status) : `cannot ${command} a container that is ${status}`;
  return new WrongStatus(command, status, msg);
}

export function allowed(command: Command, status: Status): boolean {
  return table[command][status] === true;
}
