// Soak (issue 9): many create/start/exec/kill/delete cycles, several ids at once, and then nothing
// left: no state directory, cgroup, mount, process or zombie of the containers, no fd gained by the
// caller. `make test` runs a short one; `make soak` the full one (SOAK_CYCLES=1000 SOAK_PARALLEL=50).
import * as fs from 'fs';
import { Sandbox, cgroupDirsOf, describeRoot, mountsMentioning, processesWithArg, waitFor } from '../helpers/runtime';

const CYCLES = Number(process.env.SOAK_CYCLES ?? 12);
const PARALLEL = Number(process.env.SOAK_PARALLEL ?? 4);

function zombieChildren(): number[] {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
    try {
      const s = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      return f[0] === 'Z' && Number(f[1]) === process.pid;
    } catch { return false; }
  }).map(Number);
}

describeRoot(`soak: ${CYCLES} create/start/exec/kill/delete cycles, ${PARALLEL} ids in parallel`, () => {
  let sb: Sandbox;
  beforeAll(() => { sb = new Sandbox(); });
  afterAll(() => sb.cleanup());

  test('nothing leaks', async () => {
    const bundle = sb.bundle((c) => { c.process.args = ['sleep', '1000']; });
    const fdsBefore = fs.readdirSync('/proc/self/fd').length;
    const ids = Array.from({ length: PARALLEL }, () => sb.id('soak'));
    let next = 0;
    const failures: string[] = [];
    const started = Date.now();
    const step = async (args: string[]) => {
      const r = await sb.runAsync(args);
      if (r.code !== 0) failures.push(`${args.join(' ')}: ${r.code} ${r.stderr.trim()}`);
      return r;
    };
    // Each worker owns one id and takes cycles until all are done.
    await Promise.all(ids.map(async (id) => {
      while (next < CYCLES && failures.length === 0) {
        next++;
        await step(['create', '--bundle', bundle, id]);
        await step(['start', id]);
        await step(['exec', id, 'true']);
        await step(['kill', id, 'KILL']);
        // kill returns once signalled; delete (without --force) needs the container stopped.
        const end = Date.now() + 10000;
        while (Date.now() < end) {
          const st = await sb.runAsync(['state', id]);
          if (st.code !== 0 || JSON.parse(st.stdout).status === 'stopped') break;
          await new Promise((r) => setTimeout(r, 20));
        }
        await step(['delete', id]);
      }
    }));
    const seconds = (Date.now() - started) / 1000;
    process.stderr.write(`soak: ${CYCLES} cycles, ${PARALLEL} in parallel, ${seconds.toFixed(1)} s (${(seconds / CYCLES).toFixed(2)} s per cycle per id slot)\n`);
    expect(failures).toEqual([]);

    expect(fs.existsSync(sb.root) ? fs.readdirSync(sb.root) : []).toEqual([]);
    for (const id of ids) expect(cgroupDirsOf(id)).toEqual([]);
    expect(mountsMentioning(sb.prefix)).toEqual([]);
    await waitFor(() => processesWithArg(sb.prefix).length === 0, 5000, 'no runtime or container process left');
    expect(zombieChildren()).toEqual([]);
    expect(fs.readdirSync('/proc/self/fd').length).toBeLessThanOrEqual(fdsBefore);
  }, 60000 + CYCLES * 5000);
});
