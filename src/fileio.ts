// The file operations of the commands that run around every container (state, kill, list, start,
// delete, create, run, exec; stdout and the log), through the addon (addon/fileio.cc) instead of
// node:fs: loading node:fs costs a compiled Bun executable about 100 page faults and 3-4 ms at each
// start, more than the calls themselves (issue 12). The errors are node:fs's shape (code, syscall,
// path), so `(e as NodeJS.ErrnoException).code === 'ENOENT'` and errnoOf() read them as they read
// node:fs's. The rarer commands (spec, update, events, ps, features) and hooks keep node:fs.
import { addon, type FileIo, type RawStat } from './native';

// open(2) flags whose values are the same on x86_64 and aarch64 (asm-generic). O_DIRECTORY is not
// (040000 on arm64): directories are opened by the addon's openDir, which takes it from <fcntl.h>.
export const O_RDONLY = 0, O_WRONLY = 0o1, O_CREAT = 0o100, O_EXCL = 0o200, O_TRUNC = 0o1000, O_APPEND = 0o2000, O_NONBLOCK = 0o4000;

const io = (): FileIo => addon().io;

export const readText = (path: string, flags = 0): string => io().readFile(path, flags);
export const exists = (path: string): boolean => io().exists(path);
export const openDirectory = (path: string): number => io().openDir(path);
export const closeFd = (fd: number): void => io().close(fd);
/** Names of the directories in path (symlinks not followed), sorted. */
export const subdirectories = (path: string): string[] => io().listDir(path, true);
/** Every name in path but . and .., sorted. */
export const listDir = (path: string): string[] => io().listDir(path, false);
export const rename = (from: string, to: string): void => io().rename(from, to);
export const unlink = (path: string): void => io().unlink(path);
export const mkdir = (path: string, mode: number): void => io().mkdir(path, mode);
export const rmdir = (path: string): void => io().rmdir(path);

/** A stat result with node:fs's Stats predicates. */
export interface FileStat extends RawStat { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }

function withKind(raw: RawStat): FileStat {
  const kind = raw.mode & 0o170000; // S_IFMT
  return Object.assign(raw, { isFile: () => kind === 0o100000, isDirectory: () => kind === 0o40000, isSymbolicLink: () => kind === 0o120000 });
}

/** stat(2): symlinks followed. */
export const stat = (path: string): FileStat => withKind(io().stat(path, true));
/** lstat(2): a symlink is itself. */
export const lstat = (path: string): FileStat => withKind(io().stat(path, false));
export const fstat = (fd: number): FileStat => withKind(io().fstat(fd));
/** st_nlink of fd (0 once a directory held open has been removed). */
export const linkCount = (fd: number): number => io().fstat(fd).nlink;
/** open(path, flags | O_CLOEXEC, mode) -> fd */
export const openFile = (path: string, flags: number, mode = 0): number => io().open(path, flags, mode);
/** Everything left to read on fd (a regular file, or stdin to its end), as UTF-8. */
export const readFd = (fd: number): string => io().readFd(fd);
export const readlink = (path: string): string => io().readlink(path);
/** realpath(3): absolute, with every symlink, `.` and `..` resolved. */
export const realpath = (path: string): string => io().realpath(path);

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
