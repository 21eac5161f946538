// The systemd driver's D-Bus client (src/cgroups/dbus.ts) over the addon's socket (addon/unixstream.cc),
// against a real bus: a private dbus-daemon and a GDBus service (test/helpers/dbus_peer.py) that echoes
// what it is sent, so every value crosses two independent implementations (the daemon checks each
// message's validity; GDBus reads it and writes it back). systemd itself is in the VM tests (test/vm/).
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { addonStream, Connection, DBusError, type Stream, type Value } from '../../src/cgroups/dbus';
import { addon } from '../../src/native';

const PYTHON = '/usr/bin/python3';
const PEER = path.join(__dirname, '..', 'helpers', 'dbus_peer.py');
function available(): string {
  try {
    execFileSync('dbus-daemon', ['--version'], { stdio: 'ignore' });
    execFileSync(PYTHON, ['-c', 'import gi; gi.require_version("Gio", "2.0"); from gi.repository import Gio'], { stdio: 'ignore' });
    return '';
  } catch {
    return ' (skipped: needs dbus-daemon and python3-gi, which make apt-test installs)';
  }
}
const why = available();
const maybe = why && process.env.CI !== 'true' ? describe.skip : describe;

maybe(`D-Bus client against dbus-daemon and GDBus${why}`, () => {
  let dir: string, sock: string, daemon: ChildProcess, peer: ChildProcess, c: Connection;
  const a = addon();
  const io: Stream = addonStream();
  const PEER_OBJ = { destination: 'test.tsrunc.Peer', path: '/test', interface: 'test.tsrunc.Peer' };

  /** The first line a child prints. */
  function firstLine(p: ChildProcess, what: string): Promise<string> {
    return new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`${what} printed nothing in 10s`)), 10000);
      p.stdout!.on('data', (d) => {
        out += d;
        if (out.includes('\n')) { clearTimeout(timer); resolve(out.split('\n')[0]); }
      });
      p.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${what} exited (${code})`)); });
    });
  }

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-dbus-'));
    sock = path.join(dir, 'bus');
    fs.writeFileSync(path.join(dir, 'bus.conf'), `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:path=${sock}</listen><auth>EXTERNAL</auth>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy></busconfig>`);
    daemon = spawn('dbus-daemon', [`--config-file=${path.join(dir, 'bus.conf')}`, '--nofork', '--nopidfile', '--print-address'], { stdio: ['ignore', 'pipe', 'ignore'] });
    await firstLine(daemon, 'dbus-daemon');
    peer = spawn(PYTHON, [PEER, `unix:path=${sock}`], { stdio: ['ignore', 'pipe', 'inherit'] });
    expect(await firstLine(peer, 'dbus_peer.py')).toBe('ready');
    c = Connection.open(io, sock, { hello: true, uid: process.geteuid!(), timeoutMs: 10000 });
  });
  afterAll(() => {
    c?.close();
    peer?.kill('SIGKILL');
    daemon?.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the bus answers: Hello was said (our unique name is listed), the peer owns its name', () => {
    const [names] = c.call({ destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'ListNames' }) as string[][];
    expect(names).toContain('test.tsrunc.Peer');
    expect(names.some((n) => n.startsWith(':1.'))).toBe(true);
  });

  test('StartTransientUnit\'s arguments, every property type the driver sends, come back as sent', () => {
    const body: Value[] = ['tsrunc-c1.scope', 'replace', [
      ['Description', { sig: 's', value: 'tsrunc container c1' }], ['Delegate', { sig: 'b', value: true }], ['PIDs', { sig: 'au', value: [4242] }],
      ['MemoryMax', { sig: 't', value: 18446744073709551615n }], ['CPUWeight', { sig: 't', value: 100n }], ['AllowedCPUs', { sig: 'ay', value: [7, 2] }],
      ['DeviceAllow', { sig: 'a(ss)', value: [['/dev/null', 'rw'], ['char-pts', 'rwm']] }], ['DevicePolicy', { sig: 's', value: 'strict' }],
    ], []];
    expect(c.call({ ...PEER_OBJ, member: 'Echo', signature: 'ssa(sv)a(sa(sv))', body })).toEqual(body);
  });

  test('every basic type, at its limits', () => {
    const body: Value[] = [255, true, -32768, 65535, -2147483648, 4294967295, -(1n << 63n), (1n << 64n) - 1n, 0.1, 'ü\u{1F600}', '/o/p', 'a{sv}',
      [{ sig: 'a{sv}', value: [['k', { sig: 'x', value: -1n }]] }, { sig: '(yb)', value: [0, false] }]];
    expect(c.call({ ...PEER_OBJ, member: 'EchoAll', signature: 'ybnqiuxtdsogav', body })).toEqual(body);
  });

  test('an error reply is a DBusError with the name and text the peer gave; so is an unknown method', () => {
    expect(() => c.call({ ...PEER_OBJ, member: 'Fail' })).toThrow(expect.objectContaining({ name: 'org.freedesktop.systemd1.NoSuchUnit', message: 'Unit x.scope not loaded.' }));
    let e: unknown;
    try { c.call({ ...PEER_OBJ, member: 'Nope' }); } catch (err) { e = err; }
    expect(e).toBeInstanceOf(DBusError);
    expect((e as DBusError).name).toBe('org.freedesktop.DBus.Error.UnknownMethod');
  });

  test('a signal sent before the reply is skipped; a reply larger than one read is read whole', () => {
    expect(c.call({ ...PEER_OBJ, member: 'Chatty' })).toEqual(['after the noise']);
    const [big] = c.call({ ...PEER_OBJ, member: 'Big', signature: 'u', body: [300000] }) as number[][];
    expect(big).toHaveLength(300000);
    expect(big.every((b, i) => b === i % 251)).toBe(true);
  });

  test('a call with no reply times out with an error that names it; the connection then still works', () => {
    const slow = Connection.open(io, sock, { hello: true, uid: process.geteuid!(), timeoutMs: 300 });
    try {
      expect(() => slow.call({ ...PEER_OBJ, member: 'Never' })).toThrow('D-Bus: no reply to Never within 0.3s');
      expect(slow.call({ ...PEER_OBJ, member: 'Chatty' })).toEqual(['after the noise']);
    } finally { slow.close(); }
  });

  test('the socket is close-on-exec; a missing socket is an error naming it', () => {
    const fd = a.unixConnect(sock);
    try {
      const flags = parseInt(/^flags:\s+(\d+)/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1], 8);
      expect(flags & 0o2000000).toBe(0o2000000);
    } finally { a.io.close(fd); }
    expect(() => a.unixConnect(path.join(dir, 'none'))).toThrow(`connect ${path.join(dir, 'none')}: No such file or directory`);
  });
});
