// The command line as users see it from the built executable: help in runc's layout, and runc's
// commands this host cannot support (checkpoint, restore) present, with help and a clear error.
import * as fs from 'fs';
import * as path from 'path';
import { Sandbox, describeRoot, waitFor } from '../helpers/runtime';
import { SKIP_REASON, haveUpstream, loadUpstream } from '../helpers/upstreamSchema';

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

  (haveUpstream ? test : test.skip)(`features: the real output passes the upstream features schema and reflects this host${haveUpstream ? '' : ` (skipped: ${SKIP_REASON})`}`, () => {
    const f = JSON.parse(sb.ok(['features'], { root: false }).stdout);
    const v = loadUpstream().features;
    expect([v(f), v.errors()]).toEqual([true, null]);
    // This host: x86-64 with libseccomp 2.5+ and a kernel with mount_setattr (5.12+).
    expect(f.linux.seccomp.archs).toContain('SCMP_ARCH_X86_64');
    expect(f.linux.seccomp.actions).toEqual(expect.arrayContaining(['SCMP_ACT_ERRNO', 'SCMP_ACT_ALLOW', 'SCMP_ACT_KILL_PROCESS']));
    expect(f.linux.seccomp.supportedFlags).toContain('SECCOMP_FILTER_FLAG_TSYNC');
    expect(f.mountOptions).toContain('rro');
    expect(Number(f.annotations['io.github.seccomp.libseccomp.api'])).toBeGreaterThanOrEqual(3);
  });

  // containerd's shim reads kill's and delete's failure from the command's output, start's and exec's
  // from the --log file's last error: both must carry runc's words (reference/clients.md).
  test('with --log --log-format json, each error containerd classifies is in the log and on stderr, in runc\'s words', async () => {
    const bundle = sb.bundle();
    const id = sb.id();
    sb.ok(['run', '-d', '--bundle', bundle, id]);
    await waitFor(() => sb.state(id).status === 'stopped', 5000, 'the init (true) to exit');
    const log = path.join(sb.dir, 'log.json');
    const cases: [string[], RegExp][] = [
      [['kill', id, '15'], /^container not running$/],
      [['start', id], /^cannot start a container that has stopped$/],
      [['exec', id, 'true'], /^cannot exec in a stopped container$/],
      [['delete', 'nope'], /^container nope does not exist$/],
      [['kill', 'nope', '9'], /does not exist$/],
    ];
    for (const [args, want] of cases) {
      fs.rmSync(log, { force: true });
      const r = sb.run(['--log', log, '--log-format', 'json', ...args]);
      expect([args, r.code === 0]).toEqual([args, false]);
      const lines = fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      const last = lines.filter((l) => l.level === 'error').pop();
      expect([args, last.msg]).toEqual([args, expect.stringMatching(want)]);
      expect([args, r.stderr]).toEqual([args, `${last.msg}\n`]);
    }
  });
});
