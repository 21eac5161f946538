// Fault injection for the crash tests (test/integration/crash.test.ts): with TSRUNC_TEST_STOP_AT=<point>,
// the runtime stops itself there (SIGSTOP) so a test can SIGKILL it at an exact step and check that
// `delete --force` still undoes everything (or, continued with SIGCONT, what it does when something
// else happens meanwhile). Points: create (state-written, cgroup-created, spawned, ready), delete
// (delete-killed, delete-cgroups-removed, delete-before-remove), exec (exec-init-pinned, exec-spawned).
//
// Only test builds honour it: anyone who can set the environment of a containerd shim could otherwise
// stop a create half-way. TSRUNC_FAULTS is a build-time constant: `bun build --define
// TSRUNC_FAULTS=false` for the shipped ./tsrunc (the check is removed as dead code), `=true` for
// ./tsrunc-test (Makefile); under Node it is a global that only dist/tsrunc-test.js sets before
// loading dist/tsrunc.js, so the shipped dist/tsrunc.js never sees it.
declare const TSRUNC_FAULTS: boolean | undefined;

export function faultPoint(name: string): void {
  if (typeof TSRUNC_FAULTS !== 'undefined' && TSRUNC_FAULTS && process.env.TSRUNC_TEST_STOP_AT === name) process.kill(process.pid, 'SIGSTOP');
}
