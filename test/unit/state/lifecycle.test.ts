// The status x command table. The texts are the ones clients match on.
import { TsruncError, WrongStatus } from '../../../src/errors';
import { Command, allowed, check } from '../../../src/state/lifecycle';
import type { Status } from '../../../src/state/status';

const statuses: Status[] = ['creating', 'created', 'running', 'paused', 'stopped'];

function message(command: Command, status: Status, id = 'c1'): string | undefined {
  try {
    check(command, id, status);
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(TsruncError);
    // Typed: callers tell a refused status by class, with the operation and status it carries.
    expect(e).toBeInstanceOf(WrongStatus);
    expect([(e as WrongStatus).operation, (e as WrongStatus).status]).toEqual([command, status]);
    expect((e as TsruncError).field).toBeUndefined();
    expect((e as TsruncError).exitCode).toBe(1);
    return (e as TsruncError).message;
  }
}

describe('check: exact texts', () => {
  const table: [Command, Status, string | undefined][] = [
    ['start', 'created', undefined],
    ['start', 'running', 'cannot start an already running container'],
    ['start', 'stopped', 'cannot start a container that has stopped'],
    ['start', 'paused', 'cannot start a container in the paused state'],
    ['start', 'creating', 'cannot start a container in the creating state'],
    ['kill', 'created', undefined],
    ['kill', 'running', undefined],
    ['kill', 'paused', undefined],
    ['kill', 'creating', undefined],
    ['kill', 'stopped', 'container not running'],
    ['delete', 'stopped', undefined],
    ['delete', 'created', undefined],
    ['delete', 'running', 'cannot delete container c1 that is not stopped: running'],
    ['delete', 'paused', 'cannot delete container c1 that is not stopped: paused'],
    ['delete', 'creating', 'cannot delete container c1 that is not stopped: creating'],
    ['pause', 'running', undefined],
    ['pause', 'created', undefined],
    ['pause', 'paused', 'container already paused'],
    ['pause', 'stopped', 'container not running'],
    ['resume', 'paused', undefined],
    ['resume', 'running', 'container not paused'],
    ['resume', 'created', 'container not paused'],
    ['resume', 'stopped', 'container not running'],
    ['exec', 'running', undefined],
    ['exec', 'created', undefined],
    ['exec', 'paused', 'cannot exec in a paused container (use --ignore-paused to override)'],
    ['exec', 'stopped', 'cannot exec in a stopped container'],
    ['exec', 'creating', 'container not running'],
    ['update', 'stopped', 'cannot update a stopped container'],
    ['update', 'paused', undefined],
    ['events', 'stopped', 'container not running'],
    ['events', 'running', undefined],
  ];
  test.each(table)('%s on %s', (command, status, want) => {
    expect(message(command, status)).toBe(want);
  });

  test('the delete message names the container id', () => {
    expect(message('delete', 'running', 'my-ctr.1')).toBe('cannot delete container my-ctr.1 that is not stopped: running');
  });

  test('ps works in every status', () => {
    for (const s of statuses) expect(message('ps', s)).toBeUndefined();
  });
});

describe('allowed agrees with check for every cell', () => {
  const commands: Command[] = ['start', 'kill', 'delete', 'pause', 'resume', 'exec', 'update', 'ps', 'events'];
  test.each(commands)('%s', (command) => {
    for (const s of statuses) expect({ s, allowed: allowed(command, s) }).toEqual({ s, allowed: message(command, s) === undefined });
  });

  test('exactly one status allows start: created', () => {
    expect(statuses.filter((s) => allowed('start', s))).toEqual(['created']);
  });

  test('only stopped and created can be deleted without --force', () => {
    expect(statuses.filter((s) => allowed('delete', s))).toEqual(['created', 'stopped']);
  });
});
