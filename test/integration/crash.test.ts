// `delete --force` after a create killed with SIGKILL half way: at every recorded step
// (docs/ARCHITECTURE.md "Crash safety": state.json is written before each resource is made;
// runc#4534 is this bug in runc).
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Sandbox, assertNothingLeft, cgroupDirsOf, describeRoot, pidAlive, procState, processesWithArg, runtimeCommand, waitFor } from '../helpers/runtime';

describeRoot('delete --force after a crashed create', () => {
  let sb: Sandbox;
  beforeEach(() => { sb = new Sandbox(); });
  afterEach(() => sb.cleanup());

  /** Start `args` with a fault point, wait until it stops there, SIGKILL it. */
  async function killAt(point: string, args: string[], beforeKill?: (runtimePid: number) => void): Promise<void> {
    const [cmd, ...pre] = runtimeCommand(undefined, true);
    const child = spawn(cmd, [...pre, '--root', sb.root, ...args], { stdio: 'ignore', env: { ...process.env, TSRUNC_TEST_STOP_AT: point } });
    const exited = new Promise<void>((res) => child.on('exit', () => res()));
    try {
      await waitFor(() => procState(child.pid!) === 'T', 10000, `${args[0]} to stop at ${point}`);
      beforeKill?.(child.pid!);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
  }

  // issue 9: anyone who can set a containerd shim's environment could stop a create half-way if the
  // product honoured the fault points; only the test builds (tsrunc-test, dist/tsrunc-test.js) do.
  for (const entry of ['bun', 'node']) {
    test(`the shipped ${entry === 'node' ? 'dist/tsrunc.js' : './tsrunc'} ignores TSRUNC_TEST_STOP_AT`, async () => {
      const product = new Sandbox(entry);
      try {
        const bundle = product.bundle((c) => { c.process.args = ['sleep', '1000']; });
        const id = product.id();
        const [cmd, ...pre] = runtimeCommand(entry);
        const child = spawn(cmd, [...pre, '--root', product.root, 'create', '--bundle', bundle, id], { stdio: 'ignore', env: { ...process.env, TSRUNC_TEST_STOP_AT: 'state-written' } });
        const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
        let stopped = false;
        try {
          await waitFor(() => child.exitCode !== null || (stopped = procState(child.pid!) === 'T'), 20000, 'create to finish');
        } finally {
          if (child.exitCode === null) child.kill('SIGKILL');
        }
        expect(stopped).toBe(false);
        expect(await exited).toBe(0);
        expect(product.state(id).status).toBe('created');
      } finally {
        product.cleanup();
      }
    });
  }

  for (const point of ['state-written', 'cgroup-created', 'spawned', 'ready']) {
    test(`create killed at "${point}"`, async () => {
      const bundle = sb.bundle((c) => { c.process.args = ['sleep', '1000']; });
      const id = sb.id();
      let init: number | undefined;
      // Looked at while create is stopped there (it is SIGKILLed even when an expectation fails:
      // a stopped create holds the lock).
      await killAt(point, ['create', '--bundle', bundle, id], () => {
        const state = JSON.parse(fs.readFileSync(path.join(sb.root, id, 'state.json'), 'utf8'));
        expect(state.phase).toBe('creating');
        if (point !== 'state-written') expect(cgroupDirsOf(id).length).toBeGreaterThan(0);
        init = state.pid;
        if (point === 'spawned' || point === 'ready') expect(init && pidAlive(init)).toBeTruthy();
      });
      // The status of a container whose create died is "stopped", and only delete --force removes it.
      expect(sb.state(id).status).toBe('stopped');
      sb.ok(['delete', '--force', id]);
      assertNothingLeft(id, sb.root);
      const pid = init;
      if (pid) await waitFor(() => !pidAlive(pid), 5000, 'init gone');
    });
  }

  // issue 12: the guarantee costs one state write per step, not more, and no fsync (runc's saveState
  // has none: the page cache outlives a crashed runtime, and a crashed machine keeps no container).
  // Seen from outside with strace: a state.json rename comes before the first cgroup mkdir and
  // before clone3, and `run` writes it once per resource step (on this hybrid host: the v1
  // cgroups, the unified one, the init's pid, "created"), where it wrote six times with six fsyncs.
  test('run writes state.json before each resource, four times at most, never fsynced', () => {
    const bundle = sb.bundle();
    const id = sb.id();
    const log = path.join(sb.dir, 'strace.log');
    sb.ok(['run', '--bundle', bundle, id], { wrap: ['strace', '-f', '-qq', '-o', log, '-e', 'trace=fsync,fdatasync,rename,renameat,renameat2,mkdir,mkdirat,clone3'] });
    const calls = fs.readFileSync(log, 'utf8').split('\n');
    const at = (re: RegExp) => calls.findIndex((l) => re.test(l));
    const stateWrites = calls.filter((l) => /rename.*"[^"]*\/state\.json"/.test(l));
    expect(stateWrites.length).toBeGreaterThanOrEqual(2);
    expect(stateWrites.length).toBeLessThanOrEqual(4);
    expect(calls.filter((l) => /\bf(data)?sync\(/.test(l))).toEqual([]);
    const firstWrite = at(/rename.*"[^"]*\/state\.json"/);
    const firstCgroup = at(new RegExp(`mkdir(at)?\\(.*/sys/fs/cgroup/.*${id}`));
    expect(firstCgroup).toBeGreaterThan(firstWrite);
    expect(at(/clone3\(\{flags=CLONE_VM\|CLONE_PIDFD\|CLONE_VFORK/)).toBeGreaterThan(firstWrite); // the init, not a Bun thread
    assertNothingLeft(id, sb.root);
  });

  test('state dir without state.json (killed before the first write) is removed by delete --force', () => {
    const id = sb.id();
    fs.mkdirSync(path.join(sb.root, id), { recursive: true });
    const r = sb.run(['delete', id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/delete --force/);
    sb.ok(['delete', '--force', id]);
    assertNothingLeft(id, sb.root);
  });

  // issue 10: a corrupt state.json is StateCorrupt (not "no state", not "does not exist"); delete
  // --force still removes what the parts that parse record, and the directory.
  test('a torn state.json: every command names the file as corrupt; delete --force removes the dir', () => {
    const id = sb.id();
    fs.mkdirSync(path.join(sb.root, id), { recursive: true });
    const file = path.join(sb.root, id, 'state.json');
    fs.writeFileSync(file, '{"ociVersion":"1.3.0","id":"');
    for (const args of [['state', id], ['delete', id], ['start', id], ['kill', id, '9']]) {
      const r = sb.run(args);
      expect(r.code).toBe(1);
      expect(r.stderr.startsWith(`tsrunc: container ${id}: ${file} is corrupt (invalid JSON: `)).toBe(true);
      expect(r.stderr.endsWith('); use delete --force\n')).toBe(true);
    }
    const list = sb.run(['list', '--quiet']);
    expect(list.code).toBe(0);
    expect(list.stdout).toBe('');
    expect(list.stderr).toMatch(new RegExp(`load container ${id}: .*is corrupt`));
    sb.ok(['delete', '--force', id]);
    expect(fs.existsSync(path.join(sb.root, id))).toBe(false);
    assertNothingLeft(id, sb.root);
  });

  test('a running container whose state.json lost its shape: delete --force kills its init and removes its cgroups', async () => {
    const bundle = sb.bundle((c) => { c.process.args = ['sleep', '1000']; });
    const id = sb.id();
    sb.ok(['run', '-d', '--bundle', bundle, id]);
    const init = sb.state(id).pid;
    expect(cgroupDirsOf(id)).not.toEqual([]);
    const file = path.join(sb.root, id, 'state.json');
    const state = JSON.parse(fs.readFileSync(file, 'utf8'));
    state.phase = 'exploded';
    fs.writeFileSync(file, JSON.stringify(state));
    const r = sb.run(['state', id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(`${file} is corrupt (phase unknown value "exploded"`);
    const d = sb.run(['delete', '--force', id]);
    expect(d.code).toBe(0);
    expect(d.stderr).toMatch(/is corrupt .*removing what it still records/);
    await waitFor(() => !pidAlive(init), 5000, 'the init to be gone');
    expect(cgroupDirsOf(id)).toEqual([]);
    assertNothingLeft(id, sb.root);
  });

  for (const point of ['delete-killed', 'delete-cgroups-removed', 'delete-before-remove']) {
    test(`delete --force killed at "${point}": the container is stopped and a second delete --force finishes the job`, async () => {
      const bundle = sb.bundle((c) => { c.process.args = ['sleep', '1000']; });
      const id = sb.id();
      sb.ok(['run', '-d', '--bundle', bundle, id]);
      const init = sb.state(id).pid;
      await killAt(point, ['delete', '--force', id]);
      await waitFor(() => !pidAlive(init), 5000, 'the init to be gone');
      expect(sb.state(id).status).toBe('stopped');
      if (point !== 'delete-killed') expect(cgroupDirsOf(id)).toEqual([]);
      sb.ok(['delete', '--force', id]);
      assertNothingLeft(id, sb.root);
    });
  }

  // The container's init dies while exec is starting (killed, OOM, or it exits): whichever step
  // notices first (reading the init's namespaces, the new process's setns through the init's pidfd,
  // its fork into the dying PID namespace) must not be reported as a config error such as
  // "linux.namespaces: ... ENOENT", but as what happened, in runc's words for a stopped container.
  for (const point of ['exec-init-pinned', 'exec-spawned']) {
    test(`exec whose container's init dies at "${point}" says the container stopped, and leaves nothing`, async () => {
      const bundle = sb.bundle((c) => { c.process.args = ['sleep', '1000']; });
      const id = sb.id();
      sb.ok(['run', '-d', '--bundle', bundle, id]);
      const init = sb.state(id).pid;
      const [cmd, ...pre] = runtimeCommand(undefined, true);
      const child = spawn(cmd, [...pre, '--root', sb.root, 'exec', id, 'true'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TSRUNC_TEST_STOP_AT: point } });
      let stderr = '';
      child.stderr!.on('data', (d) => { stderr += d; });
      const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
      try {
        await waitFor(() => procState(child.pid!) === 'T', 10000, `exec to stop at ${point}`);
        process.kill(init, 'SIGKILL');
        await waitFor(() => !pidAlive(init), 5000, 'the init to be gone');
        child.kill('SIGCONT');
      } catch (e) {
        child.kill('SIGKILL');
        throw e;
      }
      expect(await exited).toBe(255);
      expect(stderr).toBe('tsrunc: cannot exec in a stopped container\n');
      expect(processesWithArg(`exec ${id}`)).toEqual([]);
      sb.ok(['delete', '--force', id]);
      assertNothingLeft(id, sb.root);
    });
  }

  test('exec killed after it cloned the process: the process dies with it, the container is untouched', async () => {
    const bundle = sb.bundle((c) => { c.process.args = ['sleep', '1000']; });
    const id = sb.id();
    sb.ok(['run', '-d', '--bundle', bundle, id]);
    const marker = String(40000 + (process.pid % 20000));
    let halfMade: number[] = [];
    await killAt('exec-spawned', ['exec', id, 'sleep', marker], (runtime) => {
      // The half-made process is tsrunc-init, labelled with the exec and the container id.
      halfMade = processesWithArg(`exec ${id}`).filter((p) => p !== runtime && p !== process.pid);
    });
    expect(halfMade.length).toBe(1);
    // The half-made process must be gone.
    await waitFor(() => !pidAlive(halfMade[0]), 5000, 'the half-made exec process to die');
    expect(sb.state(id).status).toBe('running');
    expect(sb.run(['exec', id, 'true']).code).toBe(0);
    sb.ok(['delete', '--force', id]);
    assertNothingLeft(id, sb.root);
  });
});
