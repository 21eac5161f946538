// The command line as users see it from the built executable: help in runc's layout, and runc's
// commands this host cannot support (checkpoint, restore) present, with help and a clear error.
import { Sandbox, describeRoot } from '../helpers/runtime';

describeRoot('command line', () => {
  let sb: Sandbox;
  beforeEach(() => { sb = new Sandbox(); });
  afterEach(() => sb.cleanup());

  test('--help and kill --help: runc\'s sections, no word split at 40 columns', () => {
    const env = { ...process.env, COLUMNS: '40' };
    const top = sb.ok(['--help'], { root: false, env }).stdout;
    expect(top).toMatch(/^NAME:\n {3}tsrunc - /);
    expect(top).toMatch(/\nCOMMANDS:\n/);
    expect(top).toMatch(/\nGLOBAL OPTIONS:\n/);
    expect(top).toMatch(/^ {3}kill +kill sends the specified signal \(default: SIGTERM\) to the container's init process$/m);
    const kill = sb.ok(['kill', '--help'], { root: false, env }).stdout;
    expect(kill).toMatch(/^NAME:\n {3}tsrunc kill - kill sends the specified signal \(default: SIGTERM\) to the container's init process\n\nUSAGE:\n {3}tsrunc kill \[command options\] <container-id> \[signal\]\n/);
    expect(kill).toMatch(/\nOPTIONS:\n.*--all +send the specified signal to all processes inside the container\n/);
  });

  test.each(['checkpoint', 'restore'])('%s: runc\'s help; running it fails with "not supported on this host: <why>"', (cmd) => {
    const h = sb.ok([cmd, '--help'], { root: false });
    expect(h.stdout).toMatch(new RegExp(`^NAME:\n {3}tsrunc ${cmd} - `));
    expect(h.stdout).toMatch(/--image-path/);
    expect(sb.ok(['help', cmd], { root: false }).stdout).toBe(h.stdout);
    const id = sb.id();
    const r = sb.run([cmd, '--image-path', `${sb.dir}/img`, id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^tsrunc: ${cmd} not supported on this host: tsrunc has no CRIU support`));
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
