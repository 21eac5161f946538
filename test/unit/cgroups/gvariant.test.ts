// "org.systemd.property.*" annotations (src/cgroups/gvariant.ts, runc specconv initSystemdProps): the
// GVariant text format as GLib reads it (each expected type below is what GLib.Variant.parse gives for
// the same text), the Sec -> USec conversion and the refusals, which name the annotation.
import { annotationProperties, parseGVariant } from '../../../src/cgroups/gvariant';
import { errorOf } from '../../helpers/errors';

describe('GVariant text', () => {
  test.each([
    ['true', 'b', true], ['5', 'i', 5], ['-5', 'i', -5], ['uint64 123', 't', 123n], ['@t 5', 't', 5n], ["'str'", 's', 'str'], ['"dq"', 's', 'dq'],
    ["['a', 'b']", 'as', ['a', 'b']], ['@as []', 'as', []], ["(1, 'x')", '(is)', [1, 'x']], ['(5,)', '(i)', [5]], ["<'x'>", 'v', { sig: 's', value: 'x' }],
    ['1.5', 'd', 1.5], ['2e3', 'd', 2000], ['0x1f', 'i', 31], ['int16 -3', 'n', -3], ['byte 255', 'y', 255], ["objectpath '/a/b'", 'o', '/a/b'],
    ['[1, 2]', 'ai', [1, 2]], ["@a(ss) [('a','b')]", 'a(ss)', [['a', 'b']]], ['[(1, true)]', 'a(ib)', [[1, true]]], ["'a\\u00e9\\n'", 's', 'aé\n'],
    ['@ay [1,2]', 'ay', [1, 2]], ['[uint64 1, 2]', 'at', [1n, 2n]], ['  uint32   7  ', 'u', 7], ['int64 -9223372036854775808', 'x', -(2n ** 63n)],
  ])('%s -> %s', (text, sig, value) => {
    expect(parseGVariant(text)).toEqual({ sig, value });
  });
  test.each([
    ['', /a value expected/], ['[]', /type of an empty array must be given/], ['byte 256', /out of range for y/], ['uint64 -1', /out of range/],
    ["'open", /unterminated string/], ['[1, 2', /"," or "]" expected/], ["[1, 'a']", /a string where i is expected/], ['1 2', /text after the value/],
    ['uint32 1.5', /not an integer/], ['@q []', /an array where q is expected/], ['nothing', /unexpected "n"/], ["'\\q'", /bad escape/], ['()', /bad tuple/], ['@z 1', /bad type after @/], ['@', /bad type after @/],
  ])('%s is refused', (text, msg) => {
    expect(() => parseGVariant(text)).toThrow(msg);
  });
});

describe('annotations -> unit properties', () => {
  test('only the org.systemd.property. prefix; values typed as written; ...Sec becomes ...USec in microseconds', () => {
    expect(annotationProperties({
      'org.systemd.property.CollectMode': "'inactive-or-failed'",
      'org.systemd.property.TimeoutStopSec': '5',
      'org.systemd.property.RuntimeMaxSec': 'uint64 2',
      'org.systemd.property.CPUQuotaPerSecUSec': 'uint64 250000', // already USec: "USec" ends in a capital before Sec
      'org.systemd.property.After': "['crio.service']",
      'io.kubernetes.other': 'anything',
    })).toEqual([
      ['CollectMode', 's', 'inactive-or-failed'],
      ['TimeoutStopUSec', 't', 5000000n],
      ['RuntimeMaxUSec', 't', 2000000n],
      ['CPUQuotaPerSecUSec', 't', 250000n],
      ['After', 'as', ['crio.service']],
    ]);
    expect(annotationProperties({ 'org.systemd.property.TimeoutStopSec': '1.5' })).toEqual([['TimeoutStopUSec', 't', 1500000n]]);
    expect(annotationProperties(undefined)).toEqual([]);
  });
  test.each([
    ['org.systemd.property.Ab', '1', /name incorrect: Ab/],
    ['org.systemd.property.Time-out', '1', /name incorrect/],
    ['org.systemd.property.TimeoutStopSec', "'5'", /value parse error: not a number/],
    ['org.systemd.property.TimeoutStopSec', '-1', /value parse error: seconds out of range/],
    ['org.systemd.property.Foo', '[1', /Annotation org.systemd.property.Foo=\[1 value parse error: "," or "]" expected at offset 2/],
  ])('%s=%s is refused naming the annotation', (key, value, msg) => {
    const e = errorOf(() => annotationProperties({ [key]: value }));
    expect(e.message).toMatch(msg);
    expect(e.field).toBe(`annotations["${key}"]`);
  });
});
