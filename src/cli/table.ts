// The command table: one declarative entry per command (flags as runc's man pages define them,
// reference/runc-cli/man). The parser (parse.ts) and the lazily loaded help (help.ts) are both
// generated from it; `load` imports the command's module only when that command runs.
export type FlagType = 'boolean' | 'string' | 'number' | 'array';

export interface FlagSpec {
  name: string;
  type: FlagType;
  alias?: string;
  default?: unknown;
  describe: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  /** e.g. "<container-id>" */
  args: string;
  /** number of required positionals */
  minArgs: number;
  maxArgs: number;
  /** After this many positionals nothing more is parsed: the rest is a command line (exec's). */
  commandAfter?: number;
  flags: FlagSpec[];
  load: () => Promise<CommandModule>;
}

export interface GlobalOptions {
  root: string;
  log?: string;
  logFormat: 'text' | 'json';
  debug: boolean;
  systemdCgroup: boolean;
  /** --criu: the criu binary checkpoint/restore would use */
  criu?: string;
}

export interface CommandContext {
  globals: GlobalOptions;
  flags: Record<string, unknown>;
  args: string[];
  /** arguments after `--` */
  rest: string[];
}

export interface CommandModule {
  run(ctx: CommandContext): Promise<number> | number;
}

export const globalFlags: FlagSpec[] = [
  { name: 'root', type: 'string', default: '/run/tsrunc', describe: 'root directory for storage of container state' },
  { name: 'log', type: 'string', describe: 'set the log file to write tsrunc logs to (default is stderr)' },
  { name: 'log-format', type: 'string', default: 'text', describe: 'set the log format ("text" or "json")' },
  { name: 'debug', type: 'boolean', default: false, describe: 'enable debug logging' },
  { name: 'systemd-cgroup', type: 'boolean', default: false, describe: 'enable systemd cgroup support (a transient unit per container; needs systemd and cgroup v2)' },
  { name: 'rootless', type: 'string', default: 'auto', describe: 'ignore cgroup permission errors ("true", "false", or "auto")' },
  { name: 'criu', type: 'string', describe: 'path to the criu binary (checkpoint/restore are not supported)' },
  { name: 'help', type: 'boolean', alias: 'h', describe: 'show help' },
  { name: 'version', type: 'boolean', alias: 'v', describe: 'print the version' },
];

const bundle: FlagSpec = { name: 'bundle', type: 'string', alias: 'b', default: '', describe: 'path to the root of the bundle directory, defaults to the current directory' };
const consoleSocket: FlagSpec = { name: 'console-socket', type: 'string', describe: 'path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console\'s pseudoterminal' };
const pidFile: FlagSpec = { name: 'pid-file', type: 'string', describe: 'specify the file to write the process id to' };
const noPivot: FlagSpec = { name: 'no-pivot', type: 'boolean', default: false, describe: 'do not use pivot root to jail process inside rootfs (for a rootfs on ramfs)' };
const noNewKeyring: FlagSpec = { name: 'no-new-keyring', type: 'boolean', default: false, describe: 'do not create a new session keyring for the container' };
const preserveFds: FlagSpec = { name: 'preserve-fds', type: 'number', default: 0, describe: 'pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)' };
const pidfdSocket = (what: string): FlagSpec => ({ name: 'pidfd-socket', type: 'string', describe: `path to an AF_UNIX socket which will receive a file descriptor referencing the ${what} process` });
const dryRun: FlagSpec = { name: 'dry-run', type: 'boolean', default: false, describe: 'validate the bundle and print the operations create would perform, without doing anything' };
const help: FlagSpec = { name: 'help', type: 'boolean', alias: 'h', describe: 'show help' };

const ID = '<container-id>';

// runc-checkpoint(8), runc-restore(8): the commands exist with runc's flags, and fail with the reason.
const criuFlags: FlagSpec[] = [
  { name: 'image-path', type: 'string', describe: 'path for saving criu image files' },
  { name: 'work-path', type: 'string', describe: 'path for saving work files and logs' },
  { name: 'tcp-established', type: 'boolean', default: false, describe: 'allow open tcp connections' },
  { name: 'ext-unix-sk', type: 'boolean', default: false, describe: 'allow external unix sockets' },
  { name: 'shell-job', type: 'boolean', default: false, describe: 'allow shell jobs' },
  { name: 'file-locks', type: 'boolean', default: false, describe: 'handle file locks, for safety' },
  { name: 'lazy-pages', type: 'boolean', default: false, describe: 'use userfaultfd to lazily restore memory pages' },
  { name: 'manage-cgroups-mode', type: 'string', describe: 'cgroups mode: soft (default), full, strict or ignore' },
  { name: 'empty-ns', type: 'array', describe: 'create a namespace, but don\'t restore its properties' },
  { name: 'auto-dedup', type: 'boolean', default: false, describe: 'enable auto deduplication of memory images' },
];

export const commands: CommandSpec[] = [
  {
    name: 'checkpoint', summary: 'checkpoint a running container', args: ID, minArgs: 1, maxArgs: 1,
    flags: [...criuFlags,
      { name: 'parent-path', type: 'string', describe: 'path for previous criu image files in pre-dump' },
      { name: 'leave-running', type: 'boolean', default: false, describe: 'leave the process running after checkpointing' },
      { name: 'tcp-skip-in-flight', type: 'boolean', default: false, describe: 'skip in-flight tcp connections' },
      { name: 'link-remap', type: 'boolean', default: false, describe: 'allow one to link unlinked files back when possible' },
      { name: 'status-fd', type: 'number', default: -1, describe: 'criu writes \\0 to this FD once lazy-pages is ready' },
      { name: 'page-server', type: 'string', describe: 'ADDRESS:PORT of the page server' },
      { name: 'pre-dump', type: 'boolean', default: false, describe: 'dump container\'s memory information only, leave the container running after this' },
      help],
    load: () => import('./commands/criu').then((m) => ({ run: (ctx: CommandContext) => m.refuse('checkpoint', ctx) })),
  },
  {
    name: 'restore', summary: 'restore a container from a previous checkpoint', args: ID, minArgs: 1, maxArgs: 1,
    flags: [consoleSocket, ...criuFlags, bundle,
      { name: 'detach', type: 'boolean', alias: 'd', default: false, describe: 'detach from the container\'s process' },
      pidFile,
      { name: 'no-subreaper', type: 'boolean', default: false, describe: 'disable the use of the subreaper used to reap reparented processes' },
      noPivot,
      { name: 'lsm-profile', type: 'string', describe: 'Specify an LSM profile to be used during restore in the form of TYPE:NAME' },
      { name: 'lsm-mount-context', type: 'string', describe: 'Specify an LSM mount context to be used during restore' },
      help],
    load: () => import('./commands/criu').then((m) => ({ run: (ctx: CommandContext) => m.refuse('restore', ctx) })),
  },
  {
    name: 'create', summary: 'create a container', args: ID, minArgs: 1, maxArgs: 1,
    flags: [bundle, consoleSocket, pidfdSocket('init'), pidFile, noPivot, noNewKeyring, preserveFds, dryRun, help],
    load: () => import('./commands/create'),
  },
  {
    name: 'start', summary: 'executes the user defined process in a created container', args: ID, minArgs: 1, maxArgs: 1,
    flags: [help], load: () => import('./commands/start'),
  },
  {
    name: 'run', summary: 'create and run a container', args: ID, minArgs: 1, maxArgs: 1,
    flags: [bundle, consoleSocket, pidfdSocket('init'), pidFile, noPivot, noNewKeyring, preserveFds,
      { name: 'detach', type: 'boolean', alias: 'd', default: false, describe: 'detach from the container\'s process' },
      { name: 'keep', type: 'boolean', default: false, describe: 'do not delete the container after it exits' }, help],
    load: () => import('./commands/run'),
  },
  {
    name: 'exec', summary: 'execute new process inside the container', args: `${ID} [--] <command> [args...]`, minArgs: 1, maxArgs: 1, commandAfter: 1,
    flags: [consoleSocket, pidfdSocket('exec'),
      { name: 'cwd', type: 'string', describe: 'current working directory in the container' },
      { name: 'env', type: 'array', alias: 'e', describe: 'set environment variables (name=value, repeatable)' },
      { name: 'tty', type: 'boolean', alias: 't', default: false, describe: 'allocate a pseudo-TTY' },
      { name: 'user', type: 'string', alias: 'u', describe: 'UID (format: <uid>[:<gid>])' },
      { name: 'additional-gids', type: 'array', alias: 'g', describe: 'additional gids (repeatable)' },
      { name: 'process', type: 'string', alias: 'p', describe: 'path to the process.json' },
      { name: 'detach', type: 'boolean', alias: 'd', default: false, describe: 'detach from the container\'s process' },
      pidFile,
      { name: 'process-label', type: 'string', describe: 'set the asm process label for the process commonly used with selinux' },
      { name: 'apparmor', type: 'string', describe: 'set the apparmor profile for the process' },
      { name: 'no-new-privs', type: 'boolean', default: false, describe: 'set the no new privileges value for the process' },
      { name: 'cap', type: 'array', alias: 'c', describe: 'add a capability to the bounding set for the process (repeatable)' },
      preserveFds,
      { name: 'cgroup', type: 'array', describe: 'run the process in an (existing) sub-cgroup(s). Format is [<controller>:]<cgroup>.' },
      { name: 'ignore-paused', type: 'boolean', default: false, describe: 'allow exec in a paused container' }, help],
    load: () => import('./commands/exec'),
  },
  {
    name: 'state', summary: 'output the state of a container', args: ID, minArgs: 1, maxArgs: 1,
    flags: [help], load: () => import('./commands/state'),
  },
  {
    name: 'kill', summary: 'kill sends the specified signal (default: SIGTERM) to the container\'s init process', args: `${ID} [signal]`, minArgs: 1, maxArgs: 2,
    flags: [{ name: 'all', type: 'boolean', alias: 'a', default: false, describe: 'send the specified signal to all processes inside the container' }, help],
    load: () => import('./commands/kill'),
  },
  {
    name: 'pause', summary: 'pause suspends all processes inside the container', args: ID, minArgs: 1, maxArgs: 1,
    flags: [help], load: () => import('./commands/pause'),
  },
  {
    name: 'resume', summary: 'resumes all processes that have been previously paused', args: ID, minArgs: 1, maxArgs: 1,
    flags: [help], load: () => import('./commands/resume'),
  },
  {
    name: 'update', summary: 'update container resource constraints', args: ID, minArgs: 1, maxArgs: 1,
    // Values are strings, parsed by the command as runc parses them (memory sizes like "100M", "-1").
    flags: [
      { name: 'resources', type: 'string', alias: 'r', describe: 'path to the file containing the resources to update (LinuxResources JSON) or \'-\' to read from the standard input; all other options are then ignored' },
      { name: 'blkio-weight', type: 'string', describe: 'specifies per cgroup weight, range is from 10 to 1000' },
      { name: 'cpu-period', type: 'string', describe: 'CPU CFS period to be used for hardcapping (in usecs). 0 to use system default' },
      { name: 'cpu-quota', type: 'string', describe: 'CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period' },
      { name: 'cpu-burst', type: 'string', describe: 'CPU CFS hardcap burst limit (in usecs)' },
      { name: 'cpu-share', type: 'string', describe: 'CPU shares (relative weight vs. other containers)' },
      { name: 'cpu-shares', type: 'string', describe: 'same as --cpu-share' },
      { name: 'cpu-rt-period', type: 'string', describe: 'CPU realtime period to be used for hardcapping (in usecs). 0 to use system default' },
      { name: 'cpu-rt-runtime', type: 'string', describe: 'CPU realtime hardcap limit (in usecs). Allowed cpu time in a given period' },
      { name: 'cpu-idle', type: 'string', describe: 'set cgroup SCHED_IDLE or not, 0: default behavior, 1: SCHED_IDLE' },
      { name: 'cpuset-cpus', type: 'string', describe: 'CPU(s) to use (e.g. 0-3,7)' },
      { name: 'cpuset-mems', type: 'string', describe: 'memory node(s) to use' },
      { name: 'memory', type: 'string', describe: 'memory limit (in bytes; suffixes k, m, g, t, p; -1 for unlimited)' },
      { name: 'memory-reservation', type: 'string', describe: 'memory reservation or soft_limit (in bytes)' },
      { name: 'memory-swap', type: 'string', describe: 'total memory usage (memory + swap); set \'-1\' to enable unlimited swap' },
      { name: 'kernel-memory', type: 'string', describe: 'kernel memory limit (obsolete: ignored where the kernel no longer supports it)' },
      { name: 'kernel-memory-tcp', type: 'string', describe: 'kernel memory limit for tcp buffers (obsolete: ignored where the kernel no longer supports it)' },
      { name: 'pids-limit', type: 'string', describe: 'maximum number of pids allowed in the container (-1 for unlimited)' },
      { name: 'l3-cache-schema', type: 'string', describe: 'the string of Intel RDT/CAT L3 cache schema (not supported)' },
      { name: 'mem-bw-schema', type: 'string', describe: 'the string of Intel RDT/MBA memory bandwidth schema (not supported)' },
      help],
    load: () => import('./commands/update'),
  },
  {
    name: 'events', summary: 'display container events such as OOM notifications, cpu, memory, and IO usage statistics', args: ID, minArgs: 1, maxArgs: 1,
    flags: [{ name: 'interval', type: 'string', default: '5s', describe: 'set the stats collection interval' },
      { name: 'stats', type: 'boolean', default: false, describe: 'display the container\'s stats then exit' }, help],
    load: () => import('./commands/events'),
  },
  {
    name: 'ps', summary: 'ps displays the processes running inside a container', args: `${ID} [ps options]`, minArgs: 1, maxArgs: 1, commandAfter: 1,
    flags: [{ name: 'format', type: 'string', alias: 'f', default: 'table', describe: 'select one of: table or json' }, help],
    load: () => import('./commands/ps'),
  },
  {
    name: 'delete', summary: 'delete any resources held by the container often used with detached container', args: ID, minArgs: 1, maxArgs: 1,
    flags: [{ name: 'force', type: 'boolean', alias: 'f', default: false, describe: 'forcibly deletes the container if it is still running (uses SIGKILL)' }, help],
    load: () => import('./commands/delete'),
  },
  {
    name: 'list', summary: 'lists containers started by tsrunc with the given root', args: '', minArgs: 0, maxArgs: 0,
    flags: [{ name: 'format', type: 'string', alias: 'f', default: 'table', describe: 'select one of: table or json' },
      { name: 'quiet', type: 'boolean', alias: 'q', default: false, describe: 'display only container IDs' }, help],
    load: () => import('./commands/list'),
  },
  {
    name: 'features', summary: 'show the enabled features', args: '', minArgs: 0, maxArgs: 0,
    flags: [help], load: () => import('./commands/features'),
  },
  {
    name: 'spec', summary: 'create a new specification file', args: '', minArgs: 0, maxArgs: 0,
    flags: [bundle, { name: 'rootless', type: 'boolean', default: false, describe: 'generate a configuration for a rootless container' }, help],
    load: () => import('./commands/spec'),
  },
];

export function findCommand(name: string): CommandSpec | undefined {
  // A loop, not Array.prototype.find: every command looks itself up here, and the engine compiles
  // its JavaScript-written Array builtins on first use (parse.ts).
  for (const c of commands) if (c.name === name) return c;
  return undefined;
}
