// runtime-linux.md: file descriptors and the /dev symlinks.
import * as fs from 'fs';
import { Requirement, assert, eq, section } from '../lib';

const list: Requirement[] = [];
export default list;
const h = section('runtime-linux.md', list);

h('File descriptors')('fds-only-stdio', 'MUST', 'by default only stdin, stdout and stderr are kept open for the application: fds the runtime inherited (3, 4) do not reach the container process',
  (t) => {
    const a = fs.openSync(t.path('inherited-a'), 'w'), b = fs.openSync(t.path('inherited-b'), 'w');
    try {
      const c = t.create(undefined, { extraFds: [a, b] });
      t.ok(['start', c.id], { extraFds: [a, b] });
      const fds = fs.readdirSync(`/proc/${c.pid}/fd`).map(Number).sort((x, y) => x - y);
      const extra = fds.filter((fd) => fd > 2).map((fd) => { try { return `${fd} -> ${fs.readlinkSync(`/proc/${c.pid}/fd/${fd}`)}`; } catch { return String(fd); } });
      assert(extra.length === 0, `the container process has fds beyond 0-2 open: ${extra.join(', ')}`);
    } finally {
      fs.closeSync(a);
      fs.closeSync(b);
    }
  });

const dev = h('Dev symbolic links');
for (const [source, dest] of [['/proc/self/fd', '/dev/fd'], ['/proc/self/fd/0', '/dev/stdin'], ['/proc/self/fd/1', '/dev/stdout'], ['/proc/self/fd/2', '/dev/stderr']]) {
  dev(`dev-symlink-${dest.slice(5)}`, 'MUST', `${dest} is a symlink to ${source} (the source exists once /proc is mounted)`,
    (t) => {
      const r = t.sh(`readlink ${dest} || echo "(not a symlink)"`);
      eq(r.stdout.trim(), source, `readlink ${dest}`);
    });
}
