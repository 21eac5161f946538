// linux.seccomp: filters compiled with libseccomp in the runtime, loaded by the child at runc's point.
import * as fs from 'fs';
import * as path from 'path';
import { Sandbox, assertNothingLeft, describeRoot } from '../helpers/runtime';

const DEFAULT_PROFILE = '/usr/share/containers/seccomp.json'; // Docker's default profile, as shipped by containers-common

describeRoot('seccomp', () => {
  let sb: Sandbox;
  beforeAll(() => { sb = new Sandbox(); });
  afterAll(() => sb.cleanup());

  function runWith(seccomp: any, script: string, edit?: (c: any) => void) {
    const bundle = sb.bundle((c) => { c.process.args = ['sh', '-c', script]; c.root.readonly = false; c.linux.seccomp = seccomp; edit?.(c); });
    const id = sb.id();
    const r = sb.run(['run', '--bundle', bundle, id]);
    assertNothingLeft(id, sb.root);
    return r;
  }

  test('a denied syscall fails with the errno asked for; others work', () => {
    const r = runWith({
      defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
      syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }],
    }, 'mkdir /tmp/x 2>&1; echo rc=$?; touch /tmp/y && echo touch-ok');
    expect(r.stdout).toMatch(/Permission denied/);
    expect(r.stdout).toMatch(/rc=1/);
    expect(r.stdout).toMatch(/touch-ok/);
  });

  test('ERRNO without errnoRet is EPERM, as runc', () => {
    const r = runWith({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdirat', 'mkdir'], action: 'SCMP_ACT_ERRNO' }] }, 'mkdir /tmp/x 2>&1');
    expect(r.stdout).toMatch(/Operation not permitted/);
  });

  test('argument conditions select the calls that are filtered', () => {
    const r = runWith({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['kill'], action: 'SCMP_ACT_ERRNO', args: [{ index: 1, value: 10, op: 'SCMP_CMP_EQ' }] }],
    }, 'kill -0 $$ && echo zero-ok; kill -USR1 $$ 2>&1 || echo usr1-denied');
    expect(r.stdout).toMatch(/zero-ok/);
    expect(r.stdout).toMatch(/usr1-denied/);
  });

  test('unknown syscall names are skipped, as runc does', () => {
    const r = runWith({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['no_such_syscall_xyz', 'mkdirat', 'mkdir'], action: 'SCMP_ACT_ERRNO' }] }, 'mkdir /tmp/x 2>/dev/null || echo denied');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('denied\n');
  });

  test('with noNewPrivileges the filter is loaded just before execve: the runtime\'s own calls are not filtered', () => {
    // setresuid/setgroups/capset/prctl are what the runtime itself calls after clone.
    const strict = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['setresuid', 'setresgid', 'setgroups', 'capset', 'chdir'], action: 'SCMP_ACT_ERRNO' }] };
    const ok = runWith(strict, 'echo fine', (c) => { c.process.noNewPrivileges = true; });
    expect(ok.stdout).toBe('fine\n');
    // Without noNewPrivileges it must be loaded before the capabilities are dropped, so the same
    // profile breaks the runtime's later steps, exactly as with runc.
    const broken = runWith(strict, 'echo fine', (c) => { c.process.noNewPrivileges = false; });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/process\.user|process\.cwd|process\.capabilities/);
  });

  test('bad profiles are errors naming the field, with nothing left behind', () => {
    const a = runWith({ defaultAction: 'SCMP_ACT_BOGUS' }, 'true');
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/linux\.seccomp\.defaultAction/);
    const b = runWith({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_NOPE'] }, 'true');
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/linux\.seccomp\.architectures\[0\]/);
    const c = runWith({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', args: [{ index: 1, value: 1, op: 'SCMP_CMP_WHAT' }] }] }, 'true');
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/linux\.seccomp\.syscalls\[0\]\.args\[0\]\.op/);
  });

  // runc's patchbpf: with a default action that is not "allow", a syscall newer than any the profile
  // names gets ENOSYS (so glibc falls back to an older one), not the default action.
  describe('syscalls newer than the profile get ENOSYS', () => {
    let probe: string;
    // x86_64 names from the kernel headers, up to rseq (334): the profile knows nothing newer.
    const known = [...fs.readFileSync('/usr/include/x86_64-linux-gnu/asm/unistd_64.h', 'utf8').matchAll(/^#define __NR_(\w+) (\d+)$/gm)]
      .filter((m) => Number(m[2]) <= 334).map((m) => m[1]);
    // 306 (syncfs) is known but not allowed: the default action. 439 (faccessat2) and 1000 are newer.
    const profile = (defaultAction: string) => ({
      defaultAction, architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
      syscalls: [{ names: known.filter((n) => n !== 'syncfs'), action: 'SCMP_ACT_ALLOW' }],
    });
    beforeAll(() => {
      probe = path.join(sb.dir, 'syscall-probe');
      const cc = require('child_process').spawnSync('cc', ['-static', '-O2', '-o', probe, path.join(__dirname, '..', 'fixtures', 'syscall-probe.c')], { encoding: 'utf8' });
      if (cc.status !== 0) throw new Error(`cannot build the probe: ${cc.stderr}`);
    });
    function bundleWith(defaultAction: string, args: string[], nnp: boolean): string {
      const b = sb.bundle((c) => { c.process.args = args; c.process.noNewPrivileges = nnp; c.linux.seccomp = profile(defaultAction); });
      fs.copyFileSync(probe, path.join(b, 'rootfs', 'probe'));
      fs.chmodSync(path.join(b, 'rootfs', 'probe'), 0o755);
      return b;
    }

    test.each([[true], [false]])('run (noNewPrivileges %s): EPERM for a known syscall, ENOSYS for newer ones', (nnp) => {
      const r = sb.run(['run', '--bundle', bundleWith('SCMP_ACT_ERRNO', ['/probe', '306', '439', '1000'], nnp), sb.id()]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('306 EPERM\n439 ENOSYS\n1000 ENOSYS\n');
    });

    test('exec gets the same filter, stub included', () => {
      const id = sb.id();
      sb.ok(['run', '--detach', '--bundle', bundleWith('SCMP_ACT_ERRNO', ['sleep', '1000'], true), id]);
      try {
        const r = sb.run(['exec', id, '/probe', '306', '1000']);
        expect(r.stderr).toBe('');
        expect(r.stdout).toBe('306 EPERM\n1000 ENOSYS\n');
      } finally {
        sb.run(['delete', '--force', id]);
      }
      assertNothingLeft(id, sb.root);
    });

    test('no stub when the default action allows: the dry run says so', () => {
      const allow = sb.run(['create', '--dry-run', '--bundle', bundleWith('SCMP_ACT_LOG', ['true'], true), sb.id()]);
      expect(allow.stdout).toMatch(/seccomp\(SET_MODE_FILTER/);
      expect(allow.stdout).not.toMatch(/ENOSYS for syscalls newer/);
      const errno = sb.run(['create', '--dry-run', '--bundle', bundleWith('SCMP_ACT_ERRNO', ['true'], true), sb.id()]);
      expect(errno.stdout).toMatch(/ENOSYS for syscalls newer than the profile/);
    });
  });

  const haveDefault = fs.existsSync(DEFAULT_PROFILE);
  (haveDefault ? test : test.skip)(`Docker's default profile loads and busybox works under it${haveDefault ? '' : ` (skipped: ${DEFAULT_PROFILE} missing; apt-get install golang-github-containers-common)`}`, () => {
    const raw = JSON.parse(fs.readFileSync(DEFAULT_PROFILE, 'utf8'));
    // The containers/Docker format: convert to the OCI form as Docker does for an amd64 host and the
    // default capability set (includes/excludes by arch and capability resolved).
    const caps = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];
    const applies = (s: any) => {
      const inc = s.includes ?? {}, exc = s.excludes ?? {};
      if (inc.arches && !inc.arches.includes('amd64')) return false;
      if (inc.caps && !inc.caps.every((c: string) => caps.includes(c))) return false;
      if (exc.arches && exc.arches.includes('amd64')) return false;
      if (exc.caps && exc.caps.some((c: string) => caps.includes(c))) return false;
      return true;
    };
    const seccomp = {
      defaultAction: raw.defaultAction,
      defaultErrnoRet: raw.defaultErrnoRet,
      architectures: (raw.archMap ?? []).filter((a: any) => a.architecture === 'SCMP_ARCH_X86_64').flatMap((a: any) => [a.architecture, ...a.subArchitectures]),
      syscalls: (raw.syscalls ?? []).filter(applies)
        .map((s: any) => ({ names: s.names, action: s.action, errnoRet: s.errnoRet, args: s.args ?? undefined })),
    };
    const r = runWith(seccomp, 'echo hi; ls / >/dev/null && ps >/dev/null && echo ok; unshare -m true 2>&1 || echo unshare-denied', (c) => { c.process.noNewPrivileges = true; });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^hi\nok\n/);
    expect(r.stdout).toMatch(/unshare-denied|Operation not permitted/);
  });
});

/** A classic BPF interpreter for what libseccomp and the stub emit: the filter's verdict for one call. */
function runFilter(program: Buffer, nr: number, arch: number): number {
  const data = Buffer.alloc(64);
  data.writeInt32LE(nr | 0, 0);
  data.writeUInt32LE(arch >>> 0, 4);
  let a = 0, pc = 0;
  for (let steps = 0; steps < 100000; steps++) {
    const code = program.readUInt16LE(pc * 8), jt = program[pc * 8 + 2], jf = program[pc * 8 + 3], k = program.readUInt32LE(pc * 8 + 4);
    pc++;
    switch (code) {
      case 0x20: a = data.readUInt32LE(k); break; // ld [k]
      case 0x00: a = k; break; // ld #k
      case 0x54: a = (a & k) >>> 0; break; // and #k
      case 0x05: pc += k; break; // ja
      case 0x15: pc += a === k ? jt : jf; break; // jeq #k
      case 0x25: pc += a > k ? jt : jf; break; // jgt #k
      case 0x35: pc += a >= k ? jt : jf; break; // jge #k
      case 0x45: pc += (a & k) ? jt : jf; break; // jset #k
      case 0x06: return k; // ret #k
      default: throw new Error(`unexpected BPF opcode 0x${code.toString(16)} at ${pc - 1}`);
    }
  }
  throw new Error('BPF program did not return');
}

describe('the -ENOSYS stub, instruction by instruction (runc patchbpf), for every x86 ABI', () => {
  const { compileProfile } = require('../../src/linux/seccomp');
  const { native } = require('../../src/native');
  const X86_64 = 0xc000003e, I386 = 0x40000003, AARCH64 = 0xc00000b7, X32 = 0x40000000;
  const ALLOW = 0x7fff0000, EPERM = 0x50001, ENOSYS = 0x50026;
  const compile = (architectures: string[], defaultAction = 'SCMP_ACT_ERRNO') =>
    native().seccompCompile(compileProfile({ defaultAction, architectures, syscalls: [{ names: ['read', 'openat'], action: 'SCMP_ACT_ALLOW' }] })).program as Buffer;

  test('x86_64 + x86 + x32: above the highest named number ENOSYS, below it the profile decides', () => {
    const prog = compile(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    // openat is 257 on x86_64 and x32, 295 on i386: the highest named on each.
    expect(runFilter(prog, 0, X86_64)).toBe(ALLOW);
    expect(runFilter(prog, 257, X86_64)).toBe(ALLOW);
    expect(runFilter(prog, 100, X86_64)).toBe(EPERM);
    expect(runFilter(prog, 258, X86_64)).toBe(ENOSYS);
    expect(runFilter(prog, 3, I386)).toBe(ALLOW);
    expect(runFilter(prog, 290, I386)).toBe(EPERM);
    expect(runFilter(prog, 296, I386)).toBe(ENOSYS);
    expect(runFilter(prog, X32 | 0, X86_64)).toBe(ALLOW);
    expect(runFilter(prog, X32 | 100, X86_64)).toBe(EPERM);
    expect(runFilter(prog, X32 | 258, X86_64)).toBe(ENOSYS);
  });

  test('x86_64 alone: x32 calls and other arches are left to the profile (its bad-arch action), never ENOSYS', () => {
    const prog = compile(['SCMP_ARCH_X86_64']);
    expect(runFilter(prog, 258, X86_64)).toBe(ENOSYS);
    expect(runFilter(prog, X32 | 258, X86_64)).not.toBe(ENOSYS);
    expect(runFilter(prog, 1000, AARCH64)).not.toBe(ENOSYS);
    expect(runFilter(prog, 1000, I386)).not.toBe(ENOSYS);
  });

  test('no stub for an allowing default action or an ENOSYS one', () => {
    expect(runFilter(compile(['SCMP_ARCH_X86_64'], 'SCMP_ACT_ALLOW'), 1000, X86_64)).toBe(ALLOW);
    expect(runFilter(compile(['SCMP_ARCH_X86_64'], 'SCMP_ACT_LOG'), 1000, X86_64)).toBe(0x7ffc0000);
    const p = native().seccompCompile(compileProfile({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38, syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] }));
    expect(p.stubInstructions).toBeUndefined();
  });
});

describeRoot('seccomp notify (SCMP_ACT_NOTIFY with listenerPath)', () => {
  let sb: Sandbox;
  let agentBin: string;
  beforeAll(() => {
    sb = new Sandbox();
    agentBin = require('path').join(sb.dir, 'seccomp-agent');
    const cc = require('child_process').spawnSync('cc', ['-O2', '-o', agentBin, require('path').join(__dirname, '..', 'fixtures', 'seccomp-agent.c')], { encoding: 'utf8' });
    if (cc.status !== 0) throw new Error(`cannot build the test agent: ${cc.stderr}`);
  });
  afterAll(() => sb.cleanup());

  test('the agent gets the container process state and the notify fd, and answers for the container', async () => {
    const { spawn } = require('child_process');
    const sock = path.join(sb.dir, 'agent.sock'), out = path.join(sb.dir, 'agent.json');
    const agent = spawn(agentBin, [sock, out], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((res) => agent.stdout.once('data', () => res()));
      const bundle = sb.bundle((c) => {
        c.process.args = ['sh', '-c', 'mkdir /tmp/notified && echo mkdir-said-ok; test -d /tmp/notified || echo but-nothing-made'];
        c.root.readonly = false;
        c.linux.seccomp = {
          defaultAction: 'SCMP_ACT_ALLOW', listenerPath: sock, listenerMetadata: 'hello-agent',
          syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_NOTIFY' }],
        };
      });
      const id = sb.id();
      const r = sb.run(['run', '--bundle', bundle, id]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('mkdir-said-ok\nbut-nothing-made\n');
      const st = JSON.parse(fs.readFileSync(out, 'utf8'));
      expect(st).toMatchObject({ fds: ['seccompFd'], metadata: 'hello-agent', state: { id, status: 'creating' } });
      expect(st.pid).toBeGreaterThan(0);
      expect(st.state.pid).toBe(st.pid);
    } finally {
      agent.kill('SIGKILL');
    }
  });

  test('exec: the exec\'d process\'s own filter goes to the agent too, with the running state', async () => {
    const { spawn } = require('child_process');
    const sock = path.join(sb.dir, 'agent-exec.sock'), out = path.join(sb.dir, 'agent-exec.json');
    const agent = spawn(agentBin, [sock, out], { stdio: ['ignore', 'pipe', 'inherit'] });
    const id = sb.id();
    try {
      await new Promise<void>((res) => agent.stdout.once('data', () => res()));
      const bundle = sb.bundle((c) => {
        c.process.args = ['sleep', '1000'];
        c.root.readonly = false;
        c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: sock, syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_NOTIFY' }] };
      });
      sb.ok(['run', '--detach', '--bundle', bundle, id]);
      const init = sb.state(id).pid;
      const r = sb.run(['exec', id, 'sh', '-c', 'mkdir /tmp/byexec && echo mkdir-said-ok; test -d /tmp/byexec || echo but-nothing-made; echo $$ > /tmp/execpid']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('mkdir-said-ok\nbut-nothing-made\n');
      const st = JSON.parse(fs.readFileSync(`${out}.1`, 'utf8'));
      expect(st).toMatchObject({ fds: ['seccompFd'], state: { id, status: 'running', pid: init } });
      expect(st.pid).not.toBe(init);
    } finally {
      sb.run(['delete', '--force', id]);
      agent.kill('SIGKILL');
    }
    assertNothingLeft(id, sb.root);
  });

  test('SCMP_ACT_NOTIFY on write is refused at create, as runc (the agent could never be told)', () => {
    for (const cmd of ['create', 'run']) {
      const bundle = sb.bundle((c) => {
        c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: path.join(sb.dir, 'no-agent.sock'), syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO' }, { names: ['mkdir', 'write'], action: 'SCMP_ACT_NOTIFY' }] };
      });
      const id = sb.id();
      const r = sb.run([cmd, '--bundle', bundle, id]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/linux\.seccomp\.syscalls\[1\]\.names\[1\]: SCMP_ACT_NOTIFY cannot be used for the write syscall/);
      assertNothingLeft(id, sb.root);
    }
  });

  test('no listener at listenerPath: create fails naming the field, nothing left', () => {
    const bundle = sb.bundle((c) => {
      c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/nonexistent/agent.sock', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] };
    });
    const id = sb.id();
    const r = sb.run(['create', '--bundle', bundle, id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/linux\.seccomp\.listenerPath: cannot send the seccomp notify fd/);
    assertNothingLeft(id, sb.root);
  });

  test('SCMP_ACT_NOTIFY without listenerPath is an error', () => {
    const bundle = sb.bundle((c) => { c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] }; });
    const r = sb.run(['create', '--bundle', bundle, sb.id()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/linux\.seccomp\.listenerPath/);
  });
});
