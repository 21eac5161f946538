// Synchronous writes to stdout/stderr: the process exits right after a command returns, and Node may
// have made a piped stdout non-blocking (the addon waits on it rather than spinning: src/fileio.ts).
import { writeFd } from '../fileio';

export function writeAll(fd: number, text: string): void {
  writeFd(fd, text);
}

export const stdout = (text: string): void => writeAll(1, text);
