// The systemd cgroup driver (--systemd-cgroup; runc libcontainer/cgroups/systemd/v2.go, unifiedManager):
// the container's cgroup is a transient scope that systemd makes, through its D-Bus API, for the init's
// pid (StartTransientUnit with Delegate=yes), with the limits systemd understands as unit properties
// (./systemdUnit.ts); everything is then also written to the scope's cgroup files by the cgroupfs v2
// manager, as runc does (fsMgr.Set), and freeze, stats, pids and kill go through the files too.
// Loaded only when a container uses the driver (./index.ts); like the rest of the create and delete
// paths it loads neither node:fs nor node:path (src/fileio.ts, src/posixpath.ts: issue 12).
//
// The D-Bus client is ./dbus.ts over the addon's blocking socket: every call here is synchronous (the
// manager interface is, like runc's), one connection per process, a round trip per call. It reaches
// systemd as runc's go-systemd does: the system bus first, then, as root, systemd's private socket
// (a direct connection, no bus daemon needed).
import { TsruncError } from '../errors';
import { exists } from '../fileio';
import { logDebug } from '../log';
import * as path from '../posixpath';
import type { LinuxResources } from '../spec/types';
import { addonStream, Connection, DBusError, type Value } from './dbus';
import { withBuiltinRules } from './devices';
import type { Resources } from './resources';
import { validateV2 } from './v2Resources';
import { removeSubCgroups, rmdirCgroup, sleepMs } from './fsio';
import type { ApplyOptions, CgroupManager, CgroupRecord, CgroupStats } from './manager';
import { forVersion, needsVersion, systemdVersionNumber, unitProperties, type Property } from './systemdUnit';
import { enableControllers, existingLevels, V2Manager } from './v2';

const FIELD = '--systemd-cgroup';
const PRIVATE_SOCKET = '/run/systemd/private';
const SYSTEM_BUS_SOCKET = '/run/dbus/system_bus_socket';
const SYSTEMD = 'org.freedesktop.systemd1';
const MANAGER = { destination: SYSTEMD, path: '/org/freedesktop/systemd1', interface: 'org.freedesktop.systemd1.Manager' };
const JOB_TIMEOUT_MS = 30000;

export interface BusEndpoint { path: string; hello: boolean }

/** The system bus's unix:path= sockets in DBUS_SYSTEM_BUS_ADDRESS (godbus honours it too), else the
 * standard one. Other transports (abstract sockets, tcp) are not used. */
export function systemBusSockets(env: string | undefined = process.env.DBUS_SYSTEM_BUS_ADDRESS): string[] {
  if (!env) return [SYSTEM_BUS_SOCKET];
  const out: string[] = [];
  for (const addr of env.split(';')) {
    if (!addr.startsWith('unix:')) continue;
    for (const kv of addr.slice(5).split(',')) {
      if (kv.startsWith('path=')) out.push(decodeURIComponent(kv.slice(5)));
    }
  }
  return out;
}

/** Where to reach systemd, in order (runc's go-systemd NewWithContext: the system bus, then as root the
 * private socket); only sockets that exist. Throws the error that says what is missing. */
export function busAddress(root = '/', euid = process.geteuid?.() ?? 0): BusEndpoint[] {
  // sd_booted(3): systemd is running iff /run/systemd/system exists.
  if (!exists(path.join(root, 'run/systemd/system'))) {
    throw new TsruncError('the systemd cgroup driver needs systemd, and systemd is not running on this host (no /run/systemd/system)', { field: FIELD });
  }
  const candidates: BusEndpoint[] = systemBusSockets().map((p) => ({ path: p, hello: true }));
  if (euid === 0) candidates.push({ path: PRIVATE_SOCKET, hello: false });
  const there = candidates.filter((c) => exists(path.join(root, c.path)));
  if (there.length) return there;
  throw new TsruncError(`the systemd cgroup driver cannot reach systemd: no D-Bus socket at ${candidates.map((c) => c.path).join(' or ')}`, { field: FIELD });
}

let bus: Connection | undefined;

/** The connection, made on first use: the first endpoint that connects and authenticates. */
function connection(): Connection {
  if (bus) return bus;
  const io = addonStream();
  const failed: string[] = [];
  for (const ep of busAddress()) {
    try {
      bus = Connection.open(io, ep.path, { hello: ep.hello, uid: process.geteuid?.() ?? 0, timeoutMs: 30000 });
      return bus;
    } catch (e) {
      failed.push(`${ep.path}: ${(e as Error).message}`);
    }
  }
  throw new TsruncError(`the systemd cgroup driver cannot reach systemd: ${failed.join('; ')}`, { field: FIELD });
}

/** An a(sv) of unit properties as D-Bus values: [name, variant of its signature]. */
export function propertyValues(props: Property[]): Value[] {
  return props.map(([name, sig, value]) => [name, { sig, value }]);
}

/** systemd's bus path escaping (bus_label_escape): anything but [A-Za-z0-9] becomes _xx. */
export function unitObjectPath(unit: string): string {
  return '/org/freedesktop/systemd1/unit/' + unit.replace(/[^A-Za-z0-9]/g, (c) => '_' + c.charCodeAt(0).toString(16).padStart(2, '0'));
}

/** org.freedesktop.DBus.Properties.Get; an error reply is thrown as DBusError. */
function getProperty(objectPath: string, iface: string, prop: string): Value {
  const [v] = connection().call({ destination: SYSTEMD, path: objectPath, interface: 'org.freedesktop.DBus.Properties', member: 'Get', signature: 'ss', body: [iface, prop] });
  return (v as { value: Value }).value;
}

function unitProperty(unit: string, prop: string): string | undefined {
  try {
    return getProperty(unitObjectPath(unit), 'org.freedesktop.systemd1.Unit', prop) as string;
  } catch (e) {
    if (e instanceof DBusError) return undefined;
    throw e;
  }
}

/** Wait for a job to leave systemd's queue (runc waits for JobRemoved; a job object exists exactly
 * as long as the job is queued or running, so polling it needs no signal subscription). */
function waitJob(job: string, what: string): void {
  const deadline = Date.now() + JOB_TIMEOUT_MS;
  for (let delay = 1; ; delay = Math.min(delay * 2, 100)) {
    try {
      getProperty(job, 'org.freedesktop.systemd1.Job', 'State');
    } catch (e) {
      if (e instanceof DBusError) return; // the job is gone: done
      throw e;
    }
    if (Date.now() > deadline) throw new TsruncError(`${what}: systemd did not finish job ${job} within ${JOB_TIMEOUT_MS / 1000}s`, { field: FIELD });
    sleepMs(delay);
  }
}

let version: number | undefined | null = null;

/** systemd's version (the Manager's Version property), asked once per command and only when a
 * property depends on it; undefined when it cannot be told. */
function systemdVersion(): number | undefined {
  if (version !== null) return version;
  try {
    version = systemdVersionNumber(String(getProperty(MANAGER.path, MANAGER.interface, 'Version')));
  } catch (e) {
    if (!(e instanceof DBusError)) throw e;
    version = undefined;
  }
  return version;
}

/** The properties this systemd knows (forVersion); what is left out is said with --debug. */
function supported(props: Property[]): Property[] {
  if (!needsVersion(props)) return props;
  const v = systemdVersion();
  const r = forVersion(props, v);
  if (r.dropped.length) logDebug(() => `systemd ${v} is too old for ${r.dropped.join(', ')}: written to the cgroup files only`);
  return r.props;
}

/** A method of systemd's Manager: the reply's first value. */
function call(member: string, signature: string, ...body: Value[]): Value | undefined {
  return connection().call({ ...MANAGER, member, signature, body })[0];
}

export class SystemdManager implements CgroupManager {
  private readonly fsm: V2Manager;
  /** create: the validated resources, applied once the unit exists (addProcess). */
  private pending?: { v: Resources; opts?: ApplyOptions };
  /** unitExtras (create): the properties the config's "org.systemd.property.*" annotations give
   * (./gvariant.ts), set after tsrunc's own, as runc appends SystemdProps. */
  constructor(readonly record: CgroupRecord, readonly unitExtras: Property[] = []) {
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
    if (state === 'active' || state === 'activating' || exists(this.dir)) {
      throw new TsruncError(`systemd unit ${this.unit} already exists (${state ?? 'its cgroup ' + this.dir + ' exists'})`, { field: 'linux.cgroupsPath' });
    }
    // Recorded before the unit exists, so that delete --force after a crash stops it.
    onRecord?.(this.record);
  }

  /** The scope is made for a pid, so the init cannot be cloned into it; exec can. */
  cloneTarget(): string | undefined {
    return exists(this.dir) ? this.dir : undefined;
  }

  addProcess(pid: number, opts?: { cloned?: boolean }): void {
    if (exists(this.dir)) return this.fsm.addProcess(pid, opts);
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
    props.push(['PIDs', 'au', [pid]]); // always a scope (parseSystemdPath)
    if (slice !== '-.slice') props.push(['Slice', 's', slice]);
    if (this.pending) props.push(...unitProperties(this.pending.v, this.deviceRulesOf(this.pending)));
    props.push(...this.unitExtras);
    const start = () => call('StartTransientUnit', 'ssa(sv)a(sa(sv))', unit, 'replace', propertyValues(supported(props)), []) as string;
    let job: string;
    try {
      job = start();
    } catch (e) {
      if (!(e instanceof DBusError)) throw e;
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
    if (!exists(this.dir)) {
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
        call('SetUnitProperties', 'sba(sv)', this.unit, true, propertyValues(supported(props)));
      } catch (e) {
        if (!(e instanceof DBusError)) throw e;
        throw new TsruncError(`systemd: cannot set the properties of ${this.unit}: ${e.message}`, { field: 'linux.resources' });
      }
    }
    this.fsm.applyValidated(v, opts);
  }

  pids(): number[] { return exists(this.dir) ? this.fsm.pids() : []; }
  freeze(): void { this.fsm.freeze(); }
  thaw(): void { this.fsm.thaw(); }
  isFrozen(): boolean { return exists(this.dir) && this.fsm.isFrozen(); }
  stats(): CgroupStats { return this.fsm.stats(); }
  kill(): void { if (exists(this.dir)) this.fsm.kill(); }

  /** Kill what is left, stop the unit, forget it if it failed (no failed unit is left behind), and
   * remove the cgroup if systemd did not. */
  destroy(): void {
    this.kill();
    let job: string | undefined;
    try {
      job = call('StopUnit', 'ss', this.unit, 'replace') as string;
    } catch (e) {
      if (!(e instanceof DBusError)) throw e;
      if (!/not loaded|No such|not found/i.test(e.message)) throw new TsruncError(`systemd: cannot stop unit ${this.unit}: ${e.message}`, { field: FIELD });
    }
    if (job) waitJob(job, `stopping ${this.unit}`);
    this.resetFailed();
    if (exists(this.dir)) {
      removeSubCgroups(this.dir);
      rmdirCgroup(this.dir, 50);
    }
  }

  private resetFailed(): void {
    try { call('ResetFailedUnit', 's', this.unit); } catch (e) { if (!(e instanceof DBusError)) throw e; }
  }
}
