// Fault injection for the crash tests (test/integration/crash.test.ts): with TSRUNC_TEST_STOP_AT=<point>,
// the runtime stops itself there (SIGSTOP) so a test can SIGKILL it at an exact step and check that
// `delete --force` still undoes everything. Points: create (state-written, cgroup-created, spawned,
// ready), delete (delete-killed, delete-cgroups-removed, delete-before-remove), exec (exec-spawned).
export function faultPoint(name: string): void {
  if (process.env.TSRUNC_TEST_STOP_AT === name) process.kill(process.pid, 'SIGSTOP');
}
