// The file operations of the commands that run around every container (state, kill, list, start,
// delete; stdout and the log), through the addon (addon/fileio.cc) instead of node:fs: loading
// node:fs costs a compiled Bun executable about 100 page faults at each start, 2 ms on a machine
// where a fault costs 20 us, more than the calls themselves (issue 12). The errors are node:fs's
// shape (code, syscall, path), so `(e as NodeJS.ErrnoException).code === 'ENOENT'` and errnoOf()
// read them as they read node:fs's. Everything else keeps node:fs: the commands that create things
// load it anyway.
import { addon, type FileIo } from './native';

export const O_WRONLY = 0o1, O_CREAT = 0o100, O_EXCL = 0o200, O_TRUNC = 0o1000, O_APPEND = 0o2000, O_NONBLOCK = 0o4000;

const io = (): FileIo => addon().io;

export const readText = (path: string, flags = 0): string => io().readFile(path, flags);
export const exists = (path: string): boolean => io().exists(path);
export const openDirectory = (path: string): number => io().openDir(path);
export const closeFd = (fd: number): void => io().close(fd);
export const linkCount = (fd: number): number => io().linkCount(fd);
/** Names of the directories in path (symlinks not followed), sorted. */
export const subdirectories = (path: string): string[] => io().listDir(path, true);
/** Every name in path but . and .., sorted. */
export const listDir = (path: string): string[] => io().listDir(path, false);
export const rename = (from: string, to: string): void => io().rename(from, to);
export const unlink = (path: string): void => io().unlink(path);
export const mkdir = (path: string, mode: number): void => io().mkdir(path, mode);
export const rmdir = (path: string): void => io().rmdir(path);

/** Write all of text to fd (stdout, stderr); a non-blocking pipe is waited on, not spun on. */
export const writeFd = (fd: number, text: string): void => io().writeFd(fd, text);

/** open(path, O_WRONLY | flags, mode), then all of text in one write where the kernel takes it
 * whole (cgroupfs files: one write is one command). */
export const writeFile = (path: string, text: string, flags: number, mode = 0): void => io().writeFile(path, text, flags, mode);

/** Create (or, without O_EXCL, truncate) path with mode and write text to it. */
export function writeNewFile(path: string, text: string, mode: number, exclusive = false): void {
  io().writeFile(path, text, O_CREAT | O_TRUNC | (exclusive ? O_EXCL : 0), mode);
}

/** Append text to path, creating it (0666 less the umask) as Node's appendFileSync does. */
export function appendText(path: string, text: string): void {
  io().writeFile(path, text, O_CREAT | O_APPEND, 0o666);
}
