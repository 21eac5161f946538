// The systemd cgroup driver (--systemd-cgroup; runc libcontainer/cgroups/systemd/v2.go, unifiedManager):
// the container's cgroup is a transient scope that systemd makes, through its D-Bus API, for the init's
// pid (StartTransientUnit with Delegate=yes), with the limits systemd understands as unit properties
// (./systemdUnit.ts); everything is then also written to the scope's cgroup files by the cgroupfs v2
// manager, as runc does (fsMgr.Set), and freeze, stats, pids and kill go through the files too.
// Loaded only when a container uses the driver (./index.ts).
//
// The D-Bus client is busctl(1), systemd's own sd-bus command line client: every call here must be
// synchronous (the manager interface is, like runc's), Node has no synchronous sockets, and busctl is
// there wherever systemd is; it costs one short-lived process per call and nothing at all to the
// commands that do not use this driver. (dbus-next would need an async manager and ~1 MB of JS.)
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { TsruncError } from '../errors';
import type { LinuxResources } from '../spec/types';
import { withBuiltinRules } from './devices';
import type { Resources } from './resources';
import { validateV2 } from './v2Resources';
import { removeSubCgroups, rmdirCgroup, sleepMs } from './fsio';
import type { ApplyOptions, CgroupManager, CgroupRecord, CgroupStats } from './manager';
import { unitProperties, type Property } from './systemdUnit';
import { enableControllers, existingLevels, V2Manager } from './v2';

const FIELD = '--systemd-cgroup';
const PRIVATE_SOCKET = '/run/systemd/private';
const SYSTEM_BUS_SOCKET = '/run/dbus/system_bus_socket';
const MANAGER = ['org.freedesktop.systemd1', '/org/freedesktop/systemd1', 'org.freedesktop.systemd1.Manager'];
const JOB_TIMEOUT_MS = 30000;

/** How to reach systemd: the system bus. (runc's go-systemd uses systemd's private socket as root,
 * but that is a direct connection without a bus daemon and busctl always speaks to a bus: every call
 * there fails with EBADR, seen in the test VM.) Throws the error that says what is missing. */
export function busAddress(root = '/'): string[] {
  // sd_booted(3): systemd is running iff /run/systemd/system exists.
  if (!fs.existsSync(path.join(root, 'run/systemd/system'))) {
    throw new TsruncError('the systemd cgroup driver needs systemd, and systemd is not running on this host (no /run/systemd/system)', { field: FIELD });
  }
  if (fs.existsSync(path.join(root, SYSTEM_BUS_SOCKET))) return ['--system'];
  const priv = fs.existsSync(path.join(root, PRIVATE_SOCKET)) ? ` (systemd's private socket ${PRIVATE_SOCKET} is there, but busctl needs a bus: is dbus running?)` : ` or ${PRIVATE_SOCKET}`;
  throw new TsruncError(`the systemd cgroup driver cannot reach systemd: no D-Bus system bus socket at ${SYSTEM_BUS_SOCKET}${priv}`, { field: FIELD });
}

class BusError extends Error {}

/** One synchronous D-Bus method call through busctl; the reply as busctl's JSON. */
function busctl(args: string[]): { type: string; data: unknown[] } | undefined {
  try {
    const out = execFileSync('busctl', [...busAddress(), '--json=short', '--timeout=30', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return out.trim() ? JSON.parse(out) : undefined;
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT') throw new TsruncError('the systemd cgroup driver needs busctl (systemd\'s D-Bus client), which is not installed', { field: FIELD });
    if (err instanceof TsruncError) throw err;
    throw new BusError((err.stderr ?? err.message).trim().replace(/^Call failed: /, ''));
  }
}

/** busctl's argument list for an a(sv) of properties: name, signature, the value spelled out. */
export function propertyArgs(props: Property[]): string[] {
  const out = [String(props.length)];
  for (const [name, sig, value] of props) {
    out.push(name, sig);
    if (sig === 'a(ss)') {
      const pairs = value as [string, string][];
      out.push(String(pairs.length), ...pairs.flat());
    } else if (sig.startsWith('a')) {
      const items = value as (string | number)[];
      out.push(String(items.length), ...items.map(String));
    } else out.push(String(value));
  }
  return out;
}

/** systemd's bus path escaping (bus_label_escape): anything but [A-Za-z0-9] becomes _xx. */
export function unitObjectPath(unit: string): string {
  return '/org/freedesktop/systemd1/unit/' + unit.replace(/[^A-Za-z0-9]/g, (c) => '_' + c.charCodeAt(0).toString(16).padStart(2, '0'));
}

function unitProperty(unit: string, prop: string): string | undefined {
  try {
    return busctl(['get-property', 'org.freedesktop.systemd1', unitObjectPath(unit), 'org.freedesktop.systemd1.Unit', prop])?.data as unknown as string;
  } catch (e) {
    if (e instanceof BusError) return undefined;
    throw e;
  }
}

/** Wait for a job to leave systemd's queue (runc waits for JobRemoved; a job object exists exactly
 * as long as the job is queued or running, so polling it needs no signal subscription). */
function waitJob(job: string, what: string): void {
  const deadline = Date.now() + JOB_TIMEOUT_MS;
  for (let delay = 2; ; delay = Math.min(delay * 2, 100)) {
    try {
      busctl(['get-property', 'org.freedesktop.systemd1', job, 'org.freedesktop.systemd1.Job', 'State']);
    } catch (e) {
      if (e instanceof BusError) return; // the job is gone: done
      throw e;
    }
    if (Date.now() > deadline) throw new TsruncError(`${what}: systemd did not finish job ${job} within ${JOB_TIMEOUT_MS / 1000}s`, { field: FIELD });
    sleepMs(delay);
  }
}

function call(method: string, ...args: string[]): unknown {
  return busctl(['call', ...MANAGER, method, ...args])?.data?.[0];
}

export class SystemdManager implements CgroupManager {
  private readonly fsm: V2Manager;
  /** create: the validated resources, applied once the unit exists (addProcess). */
  private pending?: { v: Resources; opts?: ApplyOptions };

  constructor(readonly record: CgroupRecord) {
    this.fsm = new V2Manager(record);
  }

  private get unit(): string {
    return this.record.systemd!.unit;
  }

  private get dir(): string {
    return this.record.paths.unified;
  }

  create(onRecord?: (rec: CgroupRecord) => void): void {
    busAddress(); // a clear error before anything is made when systemd cannot be reached
    const state = unitProperty(this.unit, 'ActiveState');
    if (state === 'active' || state === 'activating' || fs.existsSync(this.dir)) {
      throw new TsruncError(`systemd unit ${this.unit} already exists (${state ?? 'its cgroup ' + this.dir + ' exists'})`, { field: 'linux.cgroupsPath' });
    }
    // Recorded before the unit exists, so that delete --force after a crash stops it.
    onRecord?.(this.record);
  }

  /** The scope is made for a pid, so the init cannot be cloned into it; exec can. */
  cloneTarget(): string | undefined {
    return fs.existsSync(this.dir) ? this.dir : undefined;
  }

  addProcess(pid: number, opts?: { cloned?: boolean }): void {
    if (fs.existsSync(this.dir)) return this.fsm.addProcess(pid, opts);
    this.startUnit(pid);
    if (this.pending) this.fsm.applyValidated(this.pending.v, this.pending.opts);
    this.pending = undefined;
  }

  private startUnit(pid: number): void {
    const { slice, unit } = this.record.systemd!;
    const props: Property[] = [
      ['Description', 's', `tsrunc container ${unit}`],
      // runc: the scope must not be stopped with the session or ordered after shutdown targets.
      ['DefaultDependencies', 'b', false],
      ['Delegate', 'b', true],
      ['MemoryAccounting', 'b', true], ['CPUAccounting', 'b', true], ['IOAccounting', 'b', true], ['TasksAccounting', 'b', true],
    ];
    if (unit.endsWith('.scope')) props.push(['PIDs', 'au', [pid]]);
    if (slice !== '-.slice') props.push(['Slice', 's', slice]);
    if (this.pending) props.push(...unitProperties(this.pending.v, this.deviceRulesOf(this.pending)));
    const start = () => call('StartTransientUnit', 'ssa(sv)a(sa(sv))', unit, 'replace', ...propertyArgs(props), '0') as string;
    let job: string;
    try {
      job = start();
    } catch (e) {
      if (!(e instanceof BusError)) throw e;
      if (!/already exists/.test(e.message)) throw new TsruncError(`systemd: cannot start unit ${unit}: ${e.message}`, { field: FIELD });
      // A failed unit of the same name (an earlier container's scope killed by the OOM killer) is
      // only remembered: reset it and start again (runc startUnit does the same).
      this.resetFailed();
      try { job = start(); } catch (e2) { throw new TsruncError(`systemd: cannot start unit ${unit}: ${(e2 as Error).message}`, { field: FIELD }); }
    }
    waitJob(job, `starting ${unit}`);
    const state = unitProperty(unit, 'ActiveState');
    if (state !== 'active') throw new TsruncError(`systemd: unit ${unit} is ${state ?? 'gone'} after its start job`, { field: FIELD });
    // runc (fs2.CreateCgroupPath from the systemd driver): systemd enables only the controllers it
    // manages (not hugetlb, rdma, misc) in the parents; enable what the kernel has, as cgroupfs would.
    for (const d of existingLevels(this.record.enableFrom ?? '/sys/fs/cgroup', path.dirname(this.dir))) enableControllers(d);
  }

  private deviceRulesOf(p: { v: Resources; opts?: ApplyOptions }) {
    return p.v.devices && withBuiltinRules(p.v.devices, p.opts?.devices);
  }

  apply(resources: LinuxResources | undefined, opts?: ApplyOptions): void {
    // Every value is validated once, here, for the unit's properties and the files alike.
    const v = validateV2(resources, opts);
    if (!fs.existsSync(this.dir)) {
      // create: what the properties refuse (swap without a memory limit) is refused now too, before
      // the unit exists; the whole is applied once the scope exists (addProcess).
      unitProperties(v, this.deviceRulesOf({ v, opts }));
      this.pending = { v, opts };
      return;
    }
    // update: the unit's properties first (runc Set), so a daemon-reload keeps the new values.
    const props = unitProperties(v, this.deviceRulesOf({ v, opts }));
    if (props.length) {
      try {
        call('SetUnitProperties', 'sba(sv)', this.unit, 'true', ...propertyArgs(props));
      } catch (e) {
        if (!(e instanceof BusError)) throw e;
        throw new TsruncError(`systemd: cannot set the properties of ${this.unit}: ${e.message}`, { field: 'linux.resources' });
      }
    }
    this.fsm.applyValidated(v, opts);
  }

  pids(): number[] { return fs.existsSync(this.dir) ? this.fsm.pids() : []; }
  freeze(): void { this.fsm.freeze(); }
  thaw(): void { this.fsm.thaw(); }
  isFrozen(): boolean { return fs.existsSync(this.dir) && this.fsm.isFrozen(); }
  stats(): CgroupStats { return this.fsm.stats(); }
  kill(): void { if (fs.existsSync(this.dir)) this.fsm.kill(); }

  /** Kill what is left, stop the unit, forget it if it failed (no failed unit is left behind), and
   * remove the cgroup if systemd did not. */
  destroy(): void {
    this.kill();
    let job: string | undefined;
    try {
      job = call('StopUnit', 'ss', this.unit, 'replace') as string;
    } catch (e) {
      if (!(e instanceof BusError)) throw e;
      if (!/not loaded|No such|not found/i.test(e.message)) throw new TsruncError(`systemd: cannot stop unit ${this.unit}: ${e.message}`, { field: FIELD });
    }
    if (job) waitJob(job, `stopping ${this.unit}`);
    this.resetFailed();
    if (fs.existsSync(this.dir)) {
      removeSubCgroups(this.dir);
      rmdirCgroup(this.dir, 50);
    }
  }

  private resetFailed(): void {
    try { call('ResetFailedUnit', 's', this.unit); } catch (e) { if (!(e instanceof BusError)) throw e; }
  }
}
