// OOM notifications for `events`, as runc's NotifyOOM delivers them:
// - v1 (cgroup-v1/memory.rst "Memory thresholds" and "OOM Control"): an eventfd registered in
//   cgroup.event_control against memory.oom_control; the kernel signals it on every OOM in the
//   cgroup, and also when the cgroup is removed (then cgroup.event_control is gone: runc stops there).
// - v2 (cgroup-v2.rst memory.events): watch memory.events (inotify: the kernel notifies changes of
//   it) and report when its oom_kill count grows; stop when cgroup.events says "populated 0" (runc
//   registerMemoryEventV2, which reports any change once oom_kill > 0: we report each new kill).
import * as fs from 'fs';
import * as path from 'path';
import { TsruncError } from '../errors';
import { native } from '../native';
import { errnoCode, errnoNumber, readCgroupFile } from './fsio';
import type { CgroupRecord } from './manager';

export interface OomWatch {
  close(): void;
}

export interface OomHandlers {
  /** One OOM notification. */
  oom(): void;
  /** The cgroup is gone (v1) or empty (v2): no more notifications will come. */
  gone(): void;
}

/** The memory cgroup to watch: v1's memory hierarchy, else a v2 cgroup that has memory.events. */
function memoryCgroup(rec: CgroupRecord): { version: 1 | 2; dir: string } | undefined {
  if (rec.version === 1) {
    const v1 = Object.entries(rec.paths).find(([name]) => name !== 'unified' && name.split(',').includes('memory'));
    if (v1) return { version: 1, dir: v1[1] };
  }
  const dir = rec.paths.unified ?? rec.paths[''];
  if (dir && fs.existsSync(path.join(dir, 'memory.events'))) return { version: 2, dir };
  return undefined;
}

export function notifyOOM(rec: CgroupRecord, h: OomHandlers): OomWatch | undefined {
  const m = memoryCgroup(rec);
  if (!m) return undefined;
  return m.version === 1 ? notifyV1(m.dir, h) : notifyV2(m.dir, h);
}

function notifyV1(dir: string, h: OomHandlers): OomWatch {
  const efd = native().eventfd();
  let oomFd = -1;
  try {
    oomFd = fs.openSync(path.join(dir, 'memory.oom_control'), 'r');
    const ctl = fs.openSync(path.join(dir, 'cgroup.event_control'), 'w');
    try {
      fs.writeSync(ctl, `${efd} ${oomFd}`);
    } finally {
      fs.closeSync(ctl);
    }
  } catch (e) {
    fs.closeSync(efd);
    if (oomFd >= 0) fs.closeSync(oomFd);
    const code = errnoCode(e);
    throw new TsruncError(`cannot register for OOM notifications in ${dir}: ${code || (e as Error).message}`, { syscall: 'write', errno: errnoNumber(code) });
  }
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    // The pending read keeps the eventfd busy; closing it is left to process exit in that case.
    try { fs.closeSync(oomFd); } catch { /* closed */ }
  };
  const buf = Buffer.alloc(8);
  const next = () => {
    // A blocking read on the eventfd, off the main thread: returns the count of notifications since
    // the last read (eventfd(2)); runc sends one "oom" event per read.
    fs.read(efd, buf, 0, 8, null, (err, n) => {
      if (closed) return;
      if (err || n !== 8 || !fs.existsSync(path.join(dir, 'cgroup.event_control'))) {
        close();
        h.gone();
        return;
      }
      h.oom();
      next();
    });
  };
  next();
  return { close };
}

function notifyV2(dir: string, h: OomHandlers): OomWatch {
  const count = () => Number(/^oom_kill (\d+)$/m.exec(readCgroupFile(dir, 'memory.events') ?? '')?.[1] ?? 0);
  let seen = count();
  let closed = false;
  const watchers: fs.FSWatcher[] = [];
  const close = () => {
    if (closed) return;
    closed = true;
    for (const w of watchers) w.close();
  };
  const gone = () => { close(); h.gone(); };
  const onMemory = () => {
    if (closed) return;
    const now = count();
    for (; seen < now; seen++) h.oom();
  };
  const onCgroup = () => {
    if (closed) return;
    const ev = readCgroupFile(dir, 'cgroup.events');
    if (ev === undefined || /^populated 0$/m.test(ev)) gone();
  };
  try {
    watchers.push(fs.watch(path.join(dir, 'memory.events'), onMemory));
    watchers.push(fs.watch(path.join(dir, 'cgroup.events'), onCgroup));
  } catch (e) {
    close();
    const code = errnoCode(e);
    throw new TsruncError(`cannot watch ${dir}/memory.events: ${code || (e as Error).message}`, { syscall: 'inotify_add_watch', errno: errnoNumber(code) });
  }
  for (const w of watchers) w.on('error', gone);
  return { close };
}
