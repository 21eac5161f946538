// Synchronous writes to stdout/stderr: the process exits right after a command returns, and Node may
// have made a piped stdout non-blocking.
import * as fs from 'fs';

export function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text);
  let off = 0;
  while (off < buf.length) {
    try {
      off += fs.writeSync(fd, buf, off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      throw e;
    }
  }
}

export const stdout = (text: string): void => writeAll(1, text);
