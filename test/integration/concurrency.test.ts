// Concurrent calls (docs/ARCHITECTURE.md §4): commands racing on one container serialise on its
// lock and agree on the outcome; containers created and deleted side by side (sharing the parent
// cgroup tsrunc/) never break each other. Every scenario ends with nothing left behind.
import * as fs from 'fs';
import * as path from 'path';
import { Result, Sandbox, assertNothingLeft, cgroupDirsOf, containerProcesses, describeRoot, waitFor } from '../helpers/runtime';

/** Start every command at once; resolve with their results in order. */
function together(sb: Sandbox, cmds: string[][]): Promise<Result[]> {
  return Promise.all(cmds.map((args) => sb.runAsync(args)));
}

/** Inits of containers created from `bundle` that have not exec'd yet: they still carry the
 * runtime's command line, which names the bundle (the runtime processes themselves have exited). */

describeRoot('concurrent calls', () => {
  let sb: Sandbox;
  beforeEach(() => { sb = new Sandbox(); });
  afterEach(() => sb.cleanup());

  test('six creates of one id: one container, five "already exists", one init, one cgroup', async () => {
    const bundle = sb.bundle((c) => { c.process.args = ['sleep', '1000']; });
    const id = sb.id();
    const rs = await together(sb, Array.from({ length: 6 }, () => ['create', '--bundle', bundle, id]));
    expect(rs.filter((r) => r.code === 0)).toHaveLength(1);
    for (const r of rs.filter((x) => x.code !== 0)) expect(r.stderr).toBe(`tsrunc: container with id exists: ${id}\n`);
    expect(sb.state(id).status).toBe('created');
    expect(containerProcesses(id, bundle)).toHaveLength(1);
    expect(cgroupDirsOf(id).length).toBeGreaterThan(0);
    sb.ok(['delete', '--force', id]);
    expect(containerProcesses(id, bundle)).toEqual([]);
  });

  test('four starts of one created container: it runs once', async () => {
    const bundle = sb.bundle((c) => { c.process.args = ['sh', '-c', 'echo started >> /ran; sleep 1000']; c.root.readonly = false; });
    const id = sb.id();
    sb.ok(['create', '--bundle', bundle, id]);
    const rs = await together(sb, Array.from({ length: 4 }, () => ['start', id]));
    expect(rs.filter((r) => r.code === 0)).toHaveLength(1);
    for (const r of rs.filter((x) => x.code !== 0)) expect(r.stderr).toMatch(/^tsrunc: cannot start an already running container\n$/);
    expect(sb.state(id).status).toBe('running');
    // start returns before the init's sh has run its echo: wait for the line, then long enough for a second.
    const ran = () => { try { return fs.readFileSync(path.join(bundle, 'rootfs', 'ran'), 'utf8'); } catch { return ''; } };
    await waitFor(() => ran() !== '', 5000, 'the init to run');
    await new Promise((r) => setTimeout(r, 200));
    expect(ran()).toBe('started\n');
    sb.ok(['delete', '--force', id]);
  });

  test('kill, state, delete --force and exec on a running container at once end with it gone', async () => {
    const bundle = sb.bundle((c) => { c.process.args = ['sleep', '1000']; });
    const id = sb.id();
    sb.ok(['create', '--bundle', bundle, id]);
    expect(containerProcesses(id, bundle)).toHaveLength(1);
    sb.ok(['start', id]);
    const rs = await together(sb, [['kill', id, 'KILL'], ['state', id], ['delete', '--force', id], ['exec', id, 'true'], ['delete', '--force', id], ['state', id]]);
    // Both deletes succeed (--force of a gone container is not an error); nothing else may crash.
    expect(rs[2].code).toBe(0);
    expect(rs[4].code).toBe(0);
    for (const r of rs) {
      expect(r.signal).toBeNull();
      expect(r.stderr).not.toMatch(/TypeError|ReferenceError|at .*\.js:\d+/);
      if (r.code !== 0) expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(containerProcesses(id, bundle)).toEqual([]);
    assertNothingLeft(id, sb.root);
  });

  test('create racing delete --force of the same id leaves either a whole container or nothing', async () => {
    for (let round = 0; round < 4; round++) {
      const bundle = sb.bundle((c) => { c.process.args = ['sleep', '1000']; });
      const id = sb.id();
      const [create] = await together(sb, [['create', '--bundle', bundle, id], ['delete', '--force', id], ['delete', '--force', id]]);
      const st = sb.run(['state', id]);
      if (st.code === 0) {
        expect(JSON.parse(st.stdout).status).toBe('created');
        expect(containerProcesses(id, bundle)).toHaveLength(1);
      } else {
        expect(containerProcesses(id, bundle)).toEqual([]);
        assertNothingLeft(id, sb.root);
      }
      if (create.code !== 0) expect(create.stderr.trim().split('\n')).toHaveLength(1);
      sb.ok(['delete', '--force', id]);
      assertNothingLeft(id, sb.root);
    }
  });

  test('eight containers run and are deleted side by side under the shared parent cgroup', async () => {
    const bundle = sb.bundle((c) => { c.process.args = ['true']; });
    for (let round = 0; round < 3; round++) {
      const ids = Array.from({ length: 8 }, () => sb.id());
      const rs = await together(sb, ids.map((id) => ['run', '--bundle', bundle, id]));
      rs.forEach((r, i) => {
        if (r.code !== 0) throw new Error(`run ${ids[i]} exited ${r.code}: ${r.stderr}`);
      });
      for (const id of ids) assertNothingLeft(id, sb.root);
    }
  });
});
