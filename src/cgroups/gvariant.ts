// Unit properties given as annotations, "org.systemd.property.<Name>": "<value>" (runc's
// specconv initSystemdProps, docs/systemd.md "Auxiliary Properties"), for the systemd driver only.
// The value is in the GVariant text format that runc parses with godbus's ParseVariant
// (GLib's "GVariant Text Format"): this reads the part of it a unit property can use: booleans,
// numbers (int32 unless typed), strings, arrays, tuples, variants, and types given as a keyword
// ("uint64 5") or with @ ("@as []").
import { TsruncError } from '../errors';
import { completeTypes, INTEGER_RANGE, typeEnd, type Value, type Variant } from './dbus';
import type { Property } from './systemdUnit';

const PREFIX = 'org.systemd.property.';

const KEYWORDS: Record<string, string> = {
  boolean: 'b', byte: 'y', int16: 'n', uint16: 'q', int32: 'i', uint32: 'u', int64: 'x', uint64: 't',
  double: 'd', string: 's', objectpath: 'o', signature: 'g',
};

class Parser {
  pos = 0;
  constructor(private readonly s: string) {}

  fail(msg: string): never {
    throw new Error(`${msg} at offset ${this.pos}`);
  }

  ws(): void {
    while (this.pos < this.s.length && ' \t\n\r'.includes(this.s[this.pos])) this.pos++;
  }

  peek(): string {
    this.ws();
    return this.s[this.pos] ?? '';
  }

  eat(c: string): boolean {
    if (this.peek() !== c) return false;
    this.pos++;
    return true;
  }

  word(): string {
    this.ws();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.pos));
    return m ? m[0] : '';
  }

  /** One value; `want`, a single complete type, when the context fixes it. */
  value(want?: string): Variant {
    const c = this.peek();
    if (c === '@') {
      this.pos++;
      this.ws();
      const start = this.pos;
      let end: number;
      try { end = typeEnd(this.s, start); } catch { return this.fail('bad type after @'); }
      const t = this.s.slice(start, end);
      if (want && want !== t) this.fail(`type ${t} where ${want} is expected`);
      this.pos = end;
      return this.value(t);
    }
    const w = this.word();
    if (w in KEYWORDS) {
      const t = KEYWORDS[w];
      if (want && want !== t) this.fail(`${w} where ${want} is expected`);
      this.pos += w.length;
      return this.value(t);
    }
    if (w === 'true' || w === 'false') {
      this.pos += w.length;
      return this.typed({ sig: 'b', value: w === 'true' }, want);
    }
    if (c === "'" || c === '"') return this.typed({ sig: 's', value: this.string() }, want);
    if (c === '[') return this.array(want);
    if (c === '(') return this.tuple(want);
    if (c === '<') {
      if (want && want !== 'v') this.fail(`a variant where ${want} is expected`);
      this.pos++;
      const inner = this.value();
      if (!this.eat('>')) this.fail('">" expected');
      return { sig: 'v', value: inner };
    }
    if (/[-+0-9.]/.test(c)) return this.number(want);
    return this.fail(c ? `unexpected "${c}"` : 'a value expected');
  }

  /** A string literal's sig (s) taken as o or g when wanted; anything else must match. */
  typed(v: Variant, want?: string): Variant {
    if (!want || want === v.sig) return v;
    if (v.sig === 's' && (want === 'o' || want === 'g')) return { sig: want, value: v.value };
    return this.fail(`a ${v.sig === 's' ? 'string' : 'boolean'} where ${want} is expected`);
  }

  string(): string {
    const q = this.s[this.pos++];
    let out = '';
    for (;;) {
      const ch = this.s[this.pos++];
      if (ch === undefined) this.fail('unterminated string');
      if (ch === q) return out;
      if (ch !== '\\') { out += ch; continue; }
      const e = this.s[this.pos++];
      const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', a: '\x07', '\\': '\\', "'": "'", '"': '"' };
      if (e in simple) out += simple[e];
      else if (e === 'u' || e === 'U') {
        const n = e === 'u' ? 4 : 8;
        const hex = this.s.slice(this.pos, this.pos + n);
        if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) this.fail(`bad \\${e} escape`);
        out += String.fromCodePoint(parseInt(hex, 16));
        this.pos += n;
      } else this.fail(`bad escape "\\${e ?? ''}"`);
    }
  }

  number(want?: string): Variant {
    const m = /^[-+]?(0[xX][0-9a-fA-F]+|[0-9]*\.?[0-9]*([eE][-+]?[0-9]+)?)/.exec(this.s.slice(this.pos));
    const text = m ? m[0] : '';
    if (!/[0-9]/.test(text)) this.fail('a number expected');
    this.pos += text.length;
    const float = !/^[-+]?0[xX]/.test(text) && /[.eE]/.test(text);
    const t = want ?? (float ? 'd' : 'i');
    if (t === 'd') return { sig: 'd', value: Number(text) };
    const range = t === 'h' ? undefined : INTEGER_RANGE[t]; // a handle needs a message's fds
    if (!range) this.fail(`a number where ${t} is expected`);
    if (float) this.fail(`${text} is not an integer`);
    const neg = text.startsWith('-');
    const n = BigInt(text.replace(/^[-+]/, '')) * (neg ? -1n : 1n);
    if (n < range[0] || n > range[1]) this.fail(`${text} is out of range for ${t}`);
    return { sig: t, value: t === 'x' || t === 't' ? n : Number(n) };
  }

  array(want?: string): Variant {
    if (want && want[0] !== 'a') this.fail(`an array where ${want} is expected`);
    this.pos++;
    let elem = want?.slice(1);
    const items: Value[] = [];
    if (!this.eat(']')) {
      for (;;) {
        const v = this.value(elem);
        elem = v.sig;
        items.push(v.value);
        if (this.eat(']')) break;
        if (!this.eat(',')) this.fail('"," or "]" expected');
      }
    }
    if (!elem) this.fail('the type of an empty array must be given (@as [])');
    return { sig: 'a' + elem, value: items };
  }

  tuple(want?: string): Variant {
    const fields = want ? (want[0] === '(' ? completeTypes(want.slice(1, -1)) : this.fail(`a tuple where ${want} is expected`)) : undefined;
    this.pos++;
    const items: Variant[] = [];
    if (!this.eat(')')) {
      for (;;) {
        items.push(this.value(fields?.[items.length]));
        if (this.eat(')')) break;
        if (!this.eat(',')) this.fail('"," or ")" expected');
        if (this.eat(')')) break; // (x,)
      }
    }
    if (items.length === 0 || (fields && fields.length !== items.length)) this.fail('bad tuple');
    return { sig: '(' + items.map((v) => v.sig).join('') + ')', value: items.map((v) => v.value) };
  }
}

/** A GVariant text-format value as a D-Bus variant. Throws Error with what is wrong and where. */
export function parseGVariant(text: string): Variant {
  const p = new Parser(text);
  const v = p.value();
  if (p.peek() !== '') p.fail('text after the value');
  return v;
}

/** runc convertSecToUSec: a number of seconds as microseconds (uint64). */
function secToUSec(v: Variant): Variant {
  if (!'ynqiuxtd'.includes(v.sig)) throw new Error('not a number');
  if (v.sig === 'd') {
    const us = Math.trunc((v.value as number) * 1e6);
    if (!(us >= 0) || us > 2 ** 64 - 1) throw new Error('seconds out of range');
    return { sig: 't', value: BigInt(us) };
  }
  const n = BigInt(v.value as number | bigint);
  if (n < 0n || n * 1000000n > INTEGER_RANGE.t[1]) throw new Error('seconds out of range');
  return { sig: 't', value: n * 1000000n };
}

/**
 * The unit properties the annotations give (runc initSystemdProps): a name of at least three ASCII
 * letters after "org.systemd.property.", a GVariant text value; a name ending in a lowercase letter and
 * "Sec" (TimeoutStopSec) becomes ...USec with the seconds converted, as systemd's D-Bus API wants.
 * Refusals name the annotation.
 */
export function annotationProperties(annotations: Record<string, string> | undefined): Property[] {
  const out: Property[] = [];
  for (const [key, text] of Object.entries(annotations ?? {})) {
    if (!key.startsWith(PREFIX)) continue;
    const field = `annotations["${key}"]`;
    let name = key.slice(PREFIX.length);
    if (!/^[A-Za-z]{3,}$/.test(name)) throw new TsruncError(`Annotation ${key} name incorrect: ${name}`, { field });
    let v: Variant;
    try {
      v = parseGVariant(text);
      if (/[a-z]Sec$/.test(name)) {
        name = name.slice(0, -3) + 'USec';
        v = secToUSec(v);
      }
    } catch (e) {
      throw new TsruncError(`Annotation ${key}=${text} value parse error: ${(e as Error).message}`, { field });
    }
    out.push([name, v.sig, v.value]);
  }
  return out;
}
