// A stopped container whose init pid now belongs to a stranger (issue 9, docs/ARCHITECTURE.md §4:
// the pid is stored with its start time). The test forces the reuse: the runtime and the
// container run in a PID namespace the test makes (unshare --pid --fork --mount-proc) whose init is a
// small reaper; the container's init is killed and reaped, ns_last_pid is set so that the next fork
// gets the same pid, and a stranger (`sleep`) is started there. Every command must see a stopped
// container and none may signal the stranger.
import { spawnSync } from 'child_process';
import { Sandbox, describeRoot, runtimeCommand } from '../helpers/runtime';

// argv: runtime..., then root bundle id. Prints one JSON object: what each command did.
const SCENARIO = `
import json, os, subprocess, sys, tempfile, time
*rt, root, bundle, cid = sys.argv[1:]
def run(*a):
    # Files, not pipes: a detached container keeps the runtime's stdio open.
    with tempfile.TemporaryFile('w+') as o, tempfile.TemporaryFile('w+') as e:
        code = subprocess.run([*rt, '--root', root, *a], stdin=subprocess.DEVNULL, stdout=o, stderr=e, timeout=30).returncode
        o.seek(0); e.seek(0)
        return {'code': code, 'out': o.read().strip(), 'err': e.read().strip()}
def alive(pid):
    try:
        with open(f'/proc/{pid}/stat') as f: return f.read().rsplit(')', 1)[1].split()[0] not in 'ZX'
    except FileNotFoundError: return False
out = {'run': run('run', '-d', '--bundle', bundle, cid)}
pid = json.loads(run('state', cid)['out'])['pid']
out['pid'] = pid
os.kill(pid, 9)
# We are this namespace's init: the runtime is gone, so the container's init is our child now.
while True:
    try:
        if os.waitpid(pid, 0)[0] == pid: break
    except ChildProcessError:
        if not os.path.exists(f'/proc/{pid}'): break
        time.sleep(0.01)
stranger = None
for _ in range(20):
    with open('/proc/sys/kernel/ns_last_pid', 'w') as f: f.write(str(pid - 1))
    p = subprocess.Popen(['sleep', '1000'])
    if p.pid == pid: stranger = p; break
    p.kill(); p.wait()
out['reused'] = stranger is not None
if stranger:
    for name, args in [('state', ['state', cid]), ('kill', ['kill', cid, 'KILL']), ('killAll', ['kill', '--all', cid, 'KILL']),
                       ('exec', ['exec', cid, 'true']), ('ps', ['ps', cid]), ('pause', ['pause', cid]), ('list', ['list', '--format', 'json']),
                       ('delete', ['delete', cid])]:
        out[name] = run(*args)
        out[name]['strangerAlive'] = alive(pid)
    stranger.kill(); stranger.wait()
else:
    run('delete', '--force', cid)
print(json.dumps(out))
`;

describeRoot('pid reuse: a stopped container whose pid now belongs to a stranger', () => {
  let sb: Sandbox;
  beforeEach(() => { sb = new Sandbox(); });
  afterEach(() => sb.cleanup());

  test('is reported stopped, and no command signals the stranger', () => {
    const bundle = sb.bundle((c) => { c.process.args = ['sleep', '1000']; });
    const id = sb.id();
    const r = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'python3', '-c', SCENARIO, ...runtimeCommand(), sb.root, bundle, id],
      { encoding: 'utf8', timeout: 120000, killSignal: 'SIGKILL' });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.run.code).toBe(0);
    expect(out.reused).toBe(true);
    for (const step of ['state', 'kill', 'killAll', 'exec', 'ps', 'pause', 'list', 'delete']) expect([step, out[step].strangerAlive]).toEqual([step, true]);
    expect(JSON.parse(out.state.out).status).toBe('stopped');
    expect(JSON.parse(out.list.out).map((c: any) => c.status)).toEqual(['stopped']);
    expect(out.kill.code).not.toBe(0);
    expect(out.kill.err).toMatch(/not running/);
    expect(out.exec.code).not.toBe(0);
    expect(out.pause.code).not.toBe(0);
    expect(out.ps.out).not.toMatch(new RegExp(`\\b${out.pid}\\b`));
    expect(out.delete.code).toBe(0);
  });
});
