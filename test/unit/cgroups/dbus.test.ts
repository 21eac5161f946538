// src/cgroups/dbus.ts: the systemd driver's D-Bus wire format (D-Bus Specification, "Marshaling" and
// "Message Format"). The hex messages below were made by GLib's GDBusMessage.to_blob (an independent
// implementation) for the same calls: our bodies must equal its bytes, and we must read its messages,
// in both byte orders. The socket is a scripted fake here; test/integration/dbus.test.ts talks to a
// real dbus-daemon and a libdbus service.
import { Connection, DBusError, DBusProtocolError, type Stream, type Value, completeTypes, decodeMessage, encodeCall, marshal, messageLength, unmarshal } from '../../../src/cgroups/dbus';

const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const GDBUS = {
  hello: hex('6c01000100000000010000006e00000001016f00150000002f6f72672f667265656465736b746f702f4442757300000002017300140000006f72672e667265656465736b746f702e444275730000000006017300140000006f72672e667265656465736b746f702e4442757300000000030173000500000048656c6c6f000000'),
  startTransientUnit: hex('6c0100010001000007000000b300000001016f00190000002f6f72672f667265656465736b746f702f73797374656d64310000000000000002017300200000006f72672e667265656465736b746f702e73797374656d64312e4d616e61676572000000000000000006017300180000006f72672e667265656465736b746f702e73797374656d64310000000000000000080167001073736128737629612873612873762929000000030173001200000053746172745472616e7369656e74556e69740000000000000f000000747372756e632d63312e73636f706500070000007265706c61636500d3000000000000000800000044656c656761746500016200010000000000000004000000504944730002617500000000040000002a000000090000004d656d6f72794d61780001740000000000000000ffffffffffffffff0b000000416c6c6f7765644350557300026179000200000007020000000000000b000000446576696365416c6c6f770005612873732900001700000000000000090000002f6465762f6e756c6c00000002000000727700000b0000004465736372697074696f6e000173000012000000747372756e6320636f6e7461696e65722078000000000000'),
  getReply: hex('6c0201010f000000090000001000000008016700017600000501750003000000017300000600000061637469766500'),
  errorBigEndian: hex('420301010000001d0000000a0000004004017300000000236f72672e667265656465736b746f702e73797374656d64312e4e6f53756368556e697400000000000801670001730000050175000000000400000018556e697420782e73636f7065206e6f74206c6f616465642e00'),
  nameAcquired: hex('6c0401010a000000020000005d00000001016f00150000002f6f72672f667265656465736b746f702f4442757300000002017300140000006f72672e667265656465736b746f702e44427573000000000801670001730000030173000c0000004e616d65416371756972656400000000050000003a312e343200'),
};
const START_BODY: Value[] = ['tsrunc-c1.scope', 'replace', [
  ['Delegate', { sig: 'b', value: true }],
  ['PIDs', { sig: 'au', value: [42] }],
  ['MemoryMax', { sig: 't', value: 18446744073709551615n }],
  ['AllowedCPUs', { sig: 'ay', value: [7, 2] }],
  ['DeviceAllow', { sig: 'a(ss)', value: [['/dev/null', 'rw']] }],
  ['Description', { sig: 's', value: 'tsrunc container x' }],
], []];
const START = { destination: 'org.freedesktop.systemd1', path: '/org/freedesktop/systemd1', interface: 'org.freedesktop.systemd1.Manager', member: 'StartTransientUnit', signature: 'ssa(sv)a(sa(sv))', body: START_BODY };

describe('signatures', () => {
  test('split into single complete types', () => {
    expect(completeTypes('ssa(sv)a(sa(sv))')).toEqual(['s', 's', 'a(sv)', 'a(sa(sv))']);
    expect(completeTypes('a{sv}aayt')).toEqual(['a{sv}', 'aay', 't']);
    expect(completeTypes('')).toEqual([]);
  });
  test.each(['a', '(', '()', '(s', 'z', 'a{s', 's)'])('%s is refused', (sig) => {
    expect(() => completeTypes(sig)).toThrow(DBusProtocolError);
  });
});

describe('marshaling', () => {
  test('the StartTransientUnit body is byte for byte GDBus\'s', () => {
    const m = GDBUS.startTransientUnit;
    const bodyStart = messageLength(m)! - Buffer.from(m).readUInt32LE(4);
    expect(Buffer.from(marshal(START.signature, START_BODY)).toString('hex')).toBe(Buffer.from(m.subarray(bodyStart)).toString('hex'));
  });
  test('our call decodes to what was asked, and its length is announced by its first 16 bytes', () => {
    const bytes = encodeCall(7, START);
    expect(messageLength(bytes)).toBe(bytes.length);
    expect(messageLength(bytes.subarray(0, 15))).toBeUndefined();
    const m = decodeMessage(bytes);
    expect(m).toMatchObject({ type: 1, flags: 0, serial: 7, path: START.path, member: START.member, signature: START.signature, body: START_BODY });
    // the same header GDBus makes, apart from the order of the fields
    expect(bytes.length).toBe(GDBUS.startTransientUnit.length);
  });
  test('a call without a body (Hello): no signature field, as GDBus', () => {
    const ours = decodeMessage(encodeCall(1, { destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'Hello' }));
    const theirs = decodeMessage(GDBUS.hello);
    expect(ours).toEqual(theirs);
    expect(encodeCall(1, { destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'Hello' }).length).toBe(GDBUS.hello.length);
  });
  test('every basic type at every alignment survives a round trip', () => {
    const values: [string, Value][] = [['y', 255], ['b', false], ['n', -32768], ['q', 65535], ['i', -2147483648], ['u', 4294967295],
      ['x', -(1n << 63n)], ['t', (1n << 64n) - 1n], ['d', -1.5], ['s', 'ünïcode'], ['o', '/a/b'], ['g', 'a{sv}'], ['v', { sig: 'ai', value: [1, -1] }]];
    for (let lead = 0; lead < 8; lead++) {
      for (const [sig, v] of values) {
        const s = 'y'.repeat(lead) + sig;
        const vals = [...Array(lead).fill(1), v];
        expect(unmarshal(s, marshal(s, vals))).toEqual(vals);
      }
    }
  });
  test('nested containers: an array of structs padded to 8 after its length, a dict, an empty array of structs', () => {
    const b = marshal('ua(yt)', [1, [[1, 2n], [3, 4n]]]);
    // u, array length 32 at 4, padding to 8, then (y, pad, t) twice
    expect(Buffer.from(b).toString('hex')).toBe('01000000' + '20000000' + '01000000000000000200000000000000' + '03000000000000000400000000000000');
    // an empty array is padded to its element's alignment all the same (as libdbus and GDBus do)
    expect(Buffer.from(marshal('a(sv)', [[]])).toString('hex')).toBe('0000000000000000');
    expect(Buffer.from(marshal('ya(sv)', [1, []])).toString('hex')).toBe('01000000' + '00000000');
    expect(unmarshal('a{sv}', marshal('a{sv}', [[['k', { sig: 'b', value: true }]]]))).toEqual([[['k', { sig: 'b', value: true }]]]);
  });
  test.each<[string, Value]>([
    ['y', 256], ['y', -1], ['u', -1], ['u', 1.5], ['i', 2 ** 31], ['q', 65536], ['t', -1n], ['x', 1n << 63n], ['t', 2 ** 60],
    ['s', 'a\0b'], ['s', 1], ['b', 1], ['v', { sig: 'ss', value: 'x' }], ['(ss)', ['a']], ['a(ss)', 'x'], ['g', 'z'],
  ])('%s refuses %p', (sig, v) => {
    expect(() => marshal(sig, [v])).toThrow();
  });
  test('a value count that does not match the signature is refused', () => {
    expect(() => marshal('ss', ['a'])).toThrow(/1 values for 2 types/);
  });
});

describe('reading GDBus\'s messages', () => {
  test('a method return (Properties.Get: a variant)', () => {
    expect(decodeMessage(GDBUS.getReply)).toMatchObject({ type: 2, serial: 9, replySerial: 3, signature: 'v', body: [{ sig: 's', value: 'active' }] });
  });
  test('a big-endian error reply', () => {
    expect(messageLength(GDBUS.errorBigEndian)).toBe(GDBUS.errorBigEndian.length);
    expect(decodeMessage(GDBUS.errorBigEndian)).toMatchObject({ type: 3, serial: 10, replySerial: 4, errorName: 'org.freedesktop.systemd1.NoSuchUnit', body: ['Unit x.scope not loaded.'] });
  });
  test('a signal', () => {
    expect(decodeMessage(GDBUS.nameAcquired)).toMatchObject({ type: 4, member: 'NameAcquired', body: [':1.42'] });
  });
  test('broken messages are refused, never read past their end', () => {
    const m = GDBUS.getReply;
    expect(() => decodeMessage(m.subarray(0, m.length - 1))).toThrow(DBusProtocolError);
    const wrongEndian = Uint8Array.from(m); wrongEndian[0] = 0x78;
    expect(() => messageLength(wrongEndian)).toThrow(/endianness/);
    const v2 = Uint8Array.from(m); v2[3] = 2;
    expect(() => decodeMessage(v2)).toThrow(/protocol version 2/);
    // an array length beyond the message
    expect(() => unmarshal('as', Uint8Array.from([0xff, 0, 0, 0]))).toThrow(DBusProtocolError);
    expect(() => unmarshal('s', Uint8Array.from([9, 0, 0, 0, 0x61]))).toThrow(DBusProtocolError);
    expect(() => unmarshal('u', Uint8Array.from([1, 0, 0, 0, 0]))).toThrow(/longer than its signature/);
    for (const [sig, n] of [['y', 0], ['b', 3], ['n', 1], ['u', 3], ['i', 2], ['t', 7], ['x', 4], ['d', 7], ['g', 0], ['o', 3], ['v', 2]] as const) {
      expect(() => unmarshal(sig, new Uint8Array(n))).toThrow(DBusProtocolError); // cut short
    }
    const huge = Uint8Array.from(m); Buffer.from(huge.buffer).writeUInt32LE(0x7fffffff, 4);
    expect(() => messageLength(huge)).toThrow(/at most 128 MiB/);
  });
});

describe('hostile bytes', () => {
  test('5000 mutations of GDBus\'s messages: each is read or refused with DBusProtocolError, nothing else', () => {
    let seed = 99;
    const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
    const sources = [GDBUS.startTransientUnit, GDBUS.getReply, GDBUS.errorBigEndian, GDBUS.nameAcquired, GDBUS.hello];
    let refused = 0;
    for (let n = 0; n < 5000; n++) {
      const m = Uint8Array.from(sources[n % sources.length]);
      for (let k = 1 + rnd(4); k > 0; k--) m[rnd(m.length)] = rnd(4) === 0 ? 0xff : rnd(256);
      try {
        const len = messageLength(m);
        if (len !== undefined && len <= m.length) decodeMessage(m.subarray(0, len));
      } catch (e) {
        if (!(e instanceof DBusProtocolError)) throw new Error(`mutation ${n} (${Buffer.from(m).toString('hex')}): ${e}`);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(1000);
  });
  test('variants nested beyond 64 are refused, not recursed into', () => {
    // v -> v -> ... (each "\x01v\0" is a variant whose value is a variant)
    const bytes = Buffer.concat([...Array(100)].map(() => Buffer.from([1, 0x76, 0])));
    expect(() => unmarshal('v', bytes)).toThrow('D-Bus value nested deeper than 64');
    const ok = Buffer.concat([...[...Array(10)].map(() => Buffer.from([1, 0x76, 0])), Buffer.from([1, 0x79, 0, 7])]);
    expect(unmarshal('v', ok)).toBeTruthy();
  });
});

/** A scripted peer: what it hands out on each recv, and what it was sent. */
function fakeStream(chunks: (Uint8Array | string | Error)[]) {
  const sent: Buffer[] = [];
  let closed = 0;
  const io: Stream = {
    connect: () => 5,
    send: (_fd, b) => { sent.push(Buffer.from(b)); },
    recv: () => {
      const c = chunks.shift();
      if (c === undefined) return new Uint8Array(0);
      if (c instanceof Error) throw c;
      return typeof c === 'string' ? Buffer.from(c) : c;
    },
    close: () => { closed++; },
  };
  return { io, sent, closed: () => closed };
}

/** A reply to serial from GDBus's Properties.Get reply, with its reply serial changed. */
function replyTo(serial: number, src = GDBUS.getReply): Uint8Array {
  const m = Uint8Array.from(src);
  const at = Buffer.from(m).indexOf(Buffer.from([5, 1, 0x75, 0])) + 4; // REPLY_SERIAL field, u, value
  new DataView(m.buffer).setUint32(at, serial, m[0] === 0x6c);
  return m;
}

describe('a connection', () => {
  test('authenticates as the uid (EXTERNAL, hex), says Hello on a bus, skips signals, reads a reply in pieces', () => {
    const reply = replyTo(2);
    const pieces = Array.from(reply, (b) => Uint8Array.of(b)); // one byte per read
    const f = fakeStream(['OK 1234deadbeef\r\n', replyTo(1), GDBUS.nameAcquired, ...pieces]);
    const c = Connection.open(f.io, '/bus', { hello: true, uid: 0 });
    expect(f.sent[0].toString('latin1')).toBe('\0AUTH EXTERNAL 30\r\n');
    expect(f.sent[1].toString('latin1')).toBe('BEGIN\r\n');
    expect(decodeMessage(f.sent[2])).toMatchObject({ serial: 1, member: 'Hello' });
    expect(c.call({ path: '/x', member: 'Get', signature: 'ss', body: ['a', 'b'] })).toEqual([{ sig: 's', value: 'active' }]);
    expect(decodeMessage(f.sent[3])).toMatchObject({ serial: 2, member: 'Get', body: ['a', 'b'] });
  });
  test('uid 1000 is sent as the hex of "1000"; no Hello on a direct connection', () => {
    const f = fakeStream(['OK x\r\n']);
    Connection.open(f.io, '/run/systemd/private', { hello: false, uid: 1000 });
    expect(f.sent.map((b) => b.toString('latin1'))).toEqual(['\0AUTH EXTERNAL 31303030\r\n', 'BEGIN\r\n']);
  });
  test('an error reply is a DBusError with its name and text', () => {
    const f = fakeStream(['OK x\r\n', replyTo(1, GDBUS.errorBigEndian)]);
    const c = Connection.open(f.io, '/p', { hello: false, uid: 0 });
    let e: unknown;
    try { c.call({ path: '/x', member: 'StopUnit' }); } catch (err) { e = err; }
    expect(e).toBeInstanceOf(DBusError);
    expect(e).toMatchObject({ name: 'org.freedesktop.systemd1.NoSuchUnit', message: 'Unit x.scope not loaded.' });
  });
  test('refused authentication, a closed connection and a timeout are errors that say so; the socket is closed', () => {
    let f = fakeStream(['REJECTED EXTERNAL\r\n']);
    expect(() => Connection.open(f.io, '/p', { hello: false, uid: 0 })).toThrow('D-Bus authentication at /p refused: REJECTED EXTERNAL');
    expect(f.closed()).toBe(1);
    f = fakeStream(['OK x\r\n']);
    expect(() => Connection.open(f.io, '/p', { hello: true, uid: 0 })).toThrow('D-Bus: the connection closed before the reply to Hello');
    expect(f.closed()).toBe(1);
    f = fakeStream(['OK x\r\n', Object.assign(new Error('recv: timed out'), { errno: 110 })]);
    const c = Connection.open(f.io, '/p', { hello: false, uid: 0, timeoutMs: 30000 });
    expect(() => c.call({ path: '/x', member: 'StartTransientUnit' })).toThrow('D-Bus: no reply to StartTransientUnit within 30s');
  });
});

describe('round trips of generated values', () => {
  // A small generator of signatures and values, seeded: every container nests in every other.
  let seed = 12345;
  const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  const basic = 'ybnqiuxtdsog';
  function genType(depth: number): string {
    const k = rnd(depth > 2 ? 1 : 5);
    if (k === 0 || k === 4) return basic[rnd(basic.length)];
    if (k === 1) return 'a' + genType(depth + 1);
    if (k === 2) return '(' + Array.from({ length: 1 + rnd(3) }, () => genType(depth + 1)).join('') + ')';
    return 'v';
  }
  function genValue(t: string, depth = 0): Value {
    switch (t[0]) {
      case 'y': return rnd(256);
      case 'b': return rnd(2) === 1;
      case 'n': return rnd(65536) - 32768;
      case 'q': return rnd(65536);
      case 'i': return rnd(2 ** 31) * (rnd(2) ? 1 : -1);
      case 'u': return rnd(2 ** 31) * 2 + rnd(2);
      case 'x': return BigInt(rnd(2 ** 31)) * BigInt(rnd(2 ** 31)) * (rnd(2) ? 1n : -1n);
      case 't': return BigInt(rnd(2 ** 31)) << BigInt(rnd(33));
      case 'd': return rnd(1000) / 8;
      case 's': return 'x'.repeat(rnd(9)) + (rnd(2) ? 'é' : '');
      case 'o': return '/a' + '/b'.repeat(rnd(3));
      case 'g': return genType(3);
      case 'v': { const s = genType(depth + 1); return { sig: s, value: genValue(s, depth + 1) }; }
      case 'a': return Array.from({ length: rnd(4) }, () => genValue(t.slice(1), depth + 1));
      default: return completeTypes(t.slice(1, -1)).map((f) => genValue(f, depth + 1));
    }
  }
  test('3000 signatures: unmarshal(marshal(v)) is v', () => {
    for (let n = 0; n < 3000; n++) {
      const sig = Array.from({ length: 1 + rnd(3) }, () => genType(0)).join('');
      const vals = completeTypes(sig).map((t) => genValue(t));
      expect({ sig, back: unmarshal(sig, marshal(sig, vals)) }).toEqual({ sig, back: vals });
    }
  });
});
