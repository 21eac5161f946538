// A synchronous D-Bus client, as much as the systemd cgroup driver needs (./systemd.ts): method calls
// and their replies or errors, after EXTERNAL authentication. It follows the D-Bus Specification:
// "Type System" and "Marshaling (Wire Format)" for values, "Message Format" for the header, and
// "Authentication Protocol" for the handshake. runc uses godbus through go-systemd for the same calls.
// The socket is the addon's (addonStream: addon/unixstream.cc, blocking, close-on-exec); everything
// else is here, so that the wire format is unit-tested byte for byte against GDBus's
// (test/unit/cgroups/dbus.test.ts) and against a real dbus-daemon (test/integration/dbus.test.ts).
import { addon } from '../native';

/** A D-Bus value: y n q i u as numbers, x t as bigints (numbers accepted), b as booleans, s o g as
 * strings, arrays and structs as arrays (a dict entry as [key, value]), a variant as { sig, value }. */
export type Value = number | bigint | boolean | string | Variant | Value[];
export interface Variant { sig: string; value: Value }

/** An error reply: name is the D-Bus error name (org.freedesktop.systemd1.NoSuchUnit), the message its text. */
export class DBusError extends Error {
  constructor(readonly name: string, message: string) {
    super(message);
  }
}

/** A reply that breaks the wire format, or a connection that ended or timed out. */
export class DBusProtocolError extends Error {}

const ALIGN: Record<string, number> = {
  y: 1, g: 1, v: 1, n: 2, q: 2, b: 4, i: 4, u: 4, h: 4, s: 4, o: 4, a: 4, x: 8, t: 8, d: 8, '(': 8, '{': 8,
};

/** The range of each integer type (h, a unix fd's index, is a u). */
export const INTEGER_RANGE: Record<string, [bigint, bigint]> = {
  y: [0n, 255n], n: [-(1n << 15n), (1n << 15n) - 1n], q: [0n, (1n << 16n) - 1n], i: [-(1n << 31n), (1n << 31n) - 1n],
  u: [0n, (1n << 32n) - 1n], h: [0n, (1n << 32n) - 1n], x: [-(1n << 63n), (1n << 63n) - 1n], t: [0n, (1n << 64n) - 1n],
};

/** The index just past the single complete type that starts at sig[i] (DBusProtocolError if none). */
export function typeEnd(sig: string, i: number): number {
  const c = sig[i];
  if (c === 'a') return typeEnd(sig, i + 1);
  if (c === '(' || c === '{') {
    const close = c === '(' ? ')' : '}';
    let j = i + 1;
    while (j < sig.length && sig[j] !== close) j = typeEnd(sig, j);
    if (j >= sig.length || j === i + 1) throw new DBusProtocolError(`bad D-Bus signature "${sig}"`);
    return j + 1;
  }
  if (c === undefined || !(c in ALIGN)) throw new DBusProtocolError(`bad D-Bus signature "${sig}"`);
  return i + 1;
}

/** A signature split into its single complete types: "sa(sv)" -> ["s", "a(sv)"]. */
export function completeTypes(sig: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < sig.length;) {
    const j = typeEnd(sig, i);
    out.push(sig.slice(i, j));
    i = j;
  }
  return out;
}

class Writer {
  buf = new Uint8Array(256);
  len = 0;
  private view = new DataView(this.buf.buffer);

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    bigger.set(this.buf.subarray(0, this.len));
    this.buf = bigger;
    this.view = new DataView(bigger.buffer);
  }

  align(n: number): void {
    const pad = (n - (this.len % n)) % n;
    this.room(pad);
    this.buf.fill(0, this.len, this.len + pad);
    this.len += pad;
  }

  u8(v: number): void { this.room(1); this.buf[this.len++] = v; }
  u32(v: number): void { this.align(4); this.room(4); this.view.setUint32(this.len, v, true); this.len += 4; }
  patchU32(at: number, v: number): void { this.view.setUint32(at, v, true); }
  bytes(b: Uint8Array): void { this.room(b.length); this.buf.set(b, this.len); this.len += b.length; }

  write(sig: string, v: Value): void {
    const c = sig[0];
    const bad = (): never => { throw new TypeError(`D-Bus ${sig}: cannot marshal ${typeof v === 'bigint' ? `${v}n` : JSON.stringify(v)}`); };
    switch (c) {
      case 'b': if (typeof v !== 'boolean') bad(); this.u32(v ? 1 : 0); return;
      case 'y': case 'n': case 'q': case 'i': case 'u': case 'h': case 'x': case 't': {
        // x and t take a bigint too (64 bits do not fit a number); the others only a number.
        const wide = c === 'x' || c === 't';
        if (!(typeof v === 'number' && Number.isSafeInteger(v)) && !(wide && typeof v === 'bigint')) bad();
        const b = BigInt(v as number | bigint), [lo, hi] = INTEGER_RANGE[c];
        if (b < lo || b > hi) bad();
        const size = ALIGN[c];
        this.align(size); this.room(size);
        if (size === 8) this.view.setBigUint64(this.len, BigInt.asUintN(64, b), true);
        else if (size === 4) this.view.setUint32(this.len, Number(BigInt.asUintN(32, b)), true);
        else if (size === 2) this.view.setUint16(this.len, Number(BigInt.asUintN(16, b)), true);
        else this.view.setUint8(this.len, Number(b));
        this.len += size;
        return;
      }
      case 'd': if (typeof v !== 'number') bad(); this.align(8); this.room(8); this.view.setFloat64(this.len, v as number, true); this.len += 8; return;
      case 's': case 'o': case 'g': {
        if (typeof v !== 'string') bad();
        const b = Buffer.from(v as string, 'utf8');
        if (b.includes(0)) bad();
        if (c === 'g') { if (b.length > 255) bad(); completeTypes(v as string); this.u8(b.length); } else this.u32(b.length);
        this.bytes(b);
        this.u8(0);
        return;
      }
      case 'v': {
        const vv = v as Variant;
        if (typeof vv !== 'object' || vv === null || Array.isArray(vv) || completeTypes(vv.sig).length !== 1) bad();
        this.write('g', vv.sig);
        this.write(vv.sig, vv.value);
        return;
      }
      case 'a': {
        if (!Array.isArray(v)) bad();
        const elem = sig.slice(1);
        this.u32(0);
        const at = this.len - 4;
        this.align(ALIGN[elem[0]]);
        const start = this.len;
        for (const e of v as Value[]) this.write(elem, e);
        this.patchU32(at, this.len - start);
        return;
      }
      case '(': case '{': {
        const fields = completeTypes(sig.slice(1, -1));
        if (!Array.isArray(v) || v.length !== fields.length) bad();
        this.align(8);
        fields.forEach((f, k) => this.write(f, (v as Value[])[k]));
        return;
      }
      default: bad();
    }
  }
}

class Reader {
  pos = 0;
  private readonly view: DataView;

  constructor(readonly buf: Uint8Array, private readonly little: boolean, readonly base = 0) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = base;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new DBusProtocolError('D-Bus message ends inside a value');
  }

  align(n: number): void {
    // Alignment is relative to the message's first byte; the body starts on an 8-byte boundary.
    this.pos += (n - ((this.pos - this.base) % n)) % n;
  }

  u8(): number { this.need(1); return this.buf[this.pos++]; }
  u32(): number { return this.fixed(4, (d, at, le) => d.getUint32(at, le)); }

  /** A fixed-size value, aligned to its size. */
  private fixed<T>(size: number, get: (d: DataView, at: number, little: boolean) => T): T {
    this.align(size);
    this.need(size);
    const v = get(this.view, this.pos, this.little);
    this.pos += size;
    return v;
  }

  private str(n: number): string {
    this.need(n + 1);
    const s = Buffer.from(this.buf.buffer, this.buf.byteOffset + this.pos, n).toString('utf8');
    this.pos += n + 1;
    return s;
  }

  /** depth: containers and variants this value is inside; the specification allows 64 at most
   * ("Valid Signatures"), and a variant nesting deeper would otherwise recurse without bound. */
  read(sig: string, depth = 0): Value {
    if (depth > 64) throw new DBusProtocolError('D-Bus value nested deeper than 64');
    const c = sig[0];
    switch (c) {
      case 'y': return this.u8();
      case 'b': return this.u32() !== 0;
      case 'n': return this.fixed(2, (d, at, le) => d.getInt16(at, le));
      case 'q': return this.fixed(2, (d, at, le) => d.getUint16(at, le));
      case 'i': return this.fixed(4, (d, at, le) => d.getInt32(at, le));
      case 'u': case 'h': return this.u32();
      case 'x': return this.fixed(8, (d, at, le) => d.getBigInt64(at, le));
      case 't': return this.fixed(8, (d, at, le) => d.getBigUint64(at, le));
      case 'd': return this.fixed(8, (d, at, le) => d.getFloat64(at, le));
      case 's': case 'o': return this.str(this.u32());
      case 'g': return this.str(this.u8());
      case 'v': {
        const s = this.read('g') as string;
        if (completeTypes(s).length !== 1) throw new DBusProtocolError(`D-Bus variant of signature "${s}"`);
        return { sig: s, value: this.read(s, depth + 1) };
      }
      case 'a': {
        const n = this.u32();
        const elem = sig.slice(1);
        this.align(ALIGN[elem[0]]);
        const end = this.pos + n;
        if (end > this.buf.length) throw new DBusProtocolError('D-Bus array longer than its message');
        const out: Value[] = [];
        while (this.pos < end) out.push(this.read(elem, depth + 1));
        if (this.pos !== end) throw new DBusProtocolError('D-Bus array length does not match its elements');
        return out;
      }
      case '(': case '{': {
        this.align(8);
        return completeTypes(sig.slice(1, -1)).map((f) => this.read(f, depth + 1));
      }
      default: throw new DBusProtocolError(`bad D-Bus signature "${sig}"`);
    }
  }
}

/** Marshal values of a signature on their own (a message body): the bytes. */
export function marshal(signature: string, values: Value[]): Uint8Array {
  const types = completeTypes(signature);
  if (types.length !== values.length) throw new TypeError(`D-Bus ${signature}: ${values.length} values for ${types.length} types`);
  const w = new Writer();
  types.forEach((t, k) => w.write(t, values[k]));
  return w.buf.slice(0, w.len);
}

/** Unmarshal a body of the given signature (little-endian unless told otherwise). */
export function unmarshal(signature: string, bytes: Uint8Array, little = true): Value[] {
  const r = new Reader(bytes, little);
  const out = completeTypes(signature).map((t) => r.read(t));
  if (r.pos !== bytes.length) throw new DBusProtocolError('D-Bus body longer than its signature');
  return out;
}

export const METHOD_CALL = 1, METHOD_RETURN = 2, ERROR = 3, SIGNAL = 4;
const FIELD = { path: 1, interface: 2, member: 3, errorName: 4, replySerial: 5, destination: 6, sender: 7, signature: 8, unixFds: 9 };

export interface Call {
  destination?: string;
  path: string;
  interface?: string;
  member: string;
  signature?: string;
  body?: Value[];
}

export interface Message {
  type: number;
  flags: number;
  serial: number;
  replySerial?: number;
  errorName?: string;
  path?: string;
  member?: string;
  signature: string;
  body: Value[];
}

/** A method call message, little-endian, protocol version 1 ("Message Format"). */
export function encodeCall(serial: number, c: Call): Uint8Array {
  const body = c.signature ? marshal(c.signature, c.body ?? []) : new Uint8Array(0);
  // The header fields in the order of their codes, as libdbus and GDBus write them.
  const fields: Value[] = [[FIELD.path, { sig: 'o', value: c.path }]];
  if (c.interface) fields.push([FIELD.interface, { sig: 's', value: c.interface }]);
  fields.push([FIELD.member, { sig: 's', value: c.member }]);
  if (c.destination) fields.push([FIELD.destination, { sig: 's', value: c.destination }]);
  if (c.signature) fields.push([FIELD.signature, { sig: 'g', value: c.signature }]);
  const w = new Writer();
  w.bytes(Buffer.from('l')); // little-endian
  w.u8(METHOD_CALL);
  w.u8(0); // flags: a reply is expected
  w.u8(1); // protocol version
  w.u32(body.length);
  w.u32(serial);
  w.write('a(yv)', fields);
  w.align(8);
  w.bytes(body);
  return w.buf.slice(0, w.len);
}

/** The whole length of the message that starts buf, once its fixed 16 bytes are there. */
export function messageLength(buf: Uint8Array): number | undefined {
  if (buf.length < 16) return undefined;
  const little = endianness(buf[0]);
  const view = new DataView(buf.buffer, buf.byteOffset, 16);
  const fields = view.getUint32(12, little);
  const body = view.getUint32(4, little);
  const total = Math.ceil((16 + fields) / 8) * 8 + body;
  if (total > 128 * 1024 * 1024) throw new DBusProtocolError(`D-Bus message of ${total} bytes (at most 128 MiB)`);
  return total;
}

function endianness(b: number): boolean {
  if (b === 0x6c) return true; // 'l'
  if (b === 0x42) return false; // 'B'
  throw new DBusProtocolError(`D-Bus message with endianness byte ${b}`);
}

/** One whole message (messageLength(buf) bytes). */
export function decodeMessage(buf: Uint8Array): Message {
  const little = endianness(buf[0]);
  const r = new Reader(buf, little);
  r.pos = 1;
  const type = r.u8(), flags = r.u8(), version = r.u8();
  if (version !== 1) throw new DBusProtocolError(`D-Bus protocol version ${version}`);
  const bodyLen = r.u32(), serial = r.u32();
  const m: Message = { type, flags, serial, signature: '', body: [] };
  for (const f of r.read('a(yv)') as [number, Variant][]) {
    const v = f[1].value;
    if (f[0] === FIELD.replySerial) m.replySerial = v as number;
    else if (f[0] === FIELD.errorName) m.errorName = v as string;
    else if (f[0] === FIELD.signature) m.signature = v as string;
    else if (f[0] === FIELD.path) m.path = v as string;
    else if (f[0] === FIELD.member) m.member = v as string;
  }
  r.align(8);
  if (r.pos + bodyLen !== buf.length) throw new DBusProtocolError('D-Bus body length does not match the message');
  m.body = unmarshal(m.signature, buf.subarray(r.pos), little);
  return m;
}

/** The socket operations (the addon's; a test may give its own). */
export interface Stream {
  connect(path: string): number;
  send(fd: number, bytes: Uint8Array): void;
  recv(fd: number, max: number, timeoutMs: number): Uint8Array;
  close(fd: number): void;
}

/** The addon's blocking socket (addon/unixstream.cc), loaded when first called. */
export function addonStream(): Stream {
  const a = addon();
  return { connect: a.unixConnect, send: a.streamSend, recv: a.streamRecv, close: (fd) => a.io.close(fd) };
}

/** One connection: to a bus daemon (hello: the bus requires Hello first) or straight to a peer such as
 * systemd's private socket. Calls are made one at a time; messages that are not the awaited reply
 * (signals such as NameAcquired) are dropped. */
export class Connection {
  private serial = 0;
  private pending: Uint8Array = new Uint8Array(0);

  private constructor(private readonly io: Stream, private readonly fd: number, readonly timeoutMs: number) {}

  /** Connect, authenticate as this process's uid (EXTERNAL), and on a bus say Hello. */
  static open(io: Stream, socketPath: string, opts: { hello: boolean; uid: number; timeoutMs?: number }): Connection {
    const fd = io.connect(socketPath);
    const c = new Connection(io, fd, opts.timeoutMs ?? 30000);
    try {
      const uid = Buffer.from(String(opts.uid)).toString('hex');
      io.send(fd, Buffer.from(`\0AUTH EXTERNAL ${uid}\r\n`));
      const line = c.readLine();
      if (!line.startsWith('OK ')) throw new DBusProtocolError(`D-Bus authentication at ${socketPath} refused: ${line}`);
      io.send(fd, Buffer.from('BEGIN\r\n'));
      if (opts.hello) c.call({ destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'Hello' });
    } catch (e) {
      c.close();
      throw e;
    }
    return c;
  }

  close(): void {
    this.io.close(this.fd);
  }

  private more(what: string): void {
    let got: Uint8Array;
    try {
      got = this.io.recv(this.fd, 65536, this.timeoutMs);
    } catch (e) {
      if ((e as { errno?: number }).errno === 110) throw new DBusProtocolError(`D-Bus: no ${what} within ${this.timeoutMs / 1000}s`);
      throw e;
    }
    if (got.length === 0) throw new DBusProtocolError(`D-Bus: the connection closed before the ${what}`);
    const joined = new Uint8Array(this.pending.length + got.length);
    joined.set(this.pending);
    joined.set(got, this.pending.length);
    this.pending = joined;
  }

  private readLine(): string {
    for (;;) {
      const end = Buffer.from(this.pending.buffer, this.pending.byteOffset, this.pending.length).indexOf('\r\n');
      if (end >= 0) {
        const line = Buffer.from(this.pending.subarray(0, end)).toString('latin1');
        this.pending = this.pending.slice(end + 2);
        return line;
      }
      if (this.pending.length > 4096) throw new DBusProtocolError('D-Bus authentication reply too long');
      this.more('authentication reply');
    }
  }

  /** A method call; the reply's body, or DBusError for an error reply. */
  call(c: Call): Value[] {
    const serial = ++this.serial;
    this.io.send(this.fd, encodeCall(serial, c));
    for (;;) {
      let len = messageLength(this.pending);
      while (len === undefined || this.pending.length < len) {
        this.more(`reply to ${c.member}`);
        len = messageLength(this.pending);
      }
      const m = decodeMessage(this.pending.subarray(0, len));
      this.pending = this.pending.slice(len);
      if (m.replySerial !== serial || (m.type !== METHOD_RETURN && m.type !== ERROR)) continue;
      if (m.type === ERROR) throw new DBusError(m.errorName ?? 'org.freedesktop.DBus.Error.Failed', typeof m.body[0] === 'string' ? m.body[0] : m.errorName ?? 'error');
      return m.body;
    }
  }
}
