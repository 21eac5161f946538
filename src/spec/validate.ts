// Schema validation of config.json, state.json and the features structure, with the validators that
// scripts/gen-validators.js compiles from schemas/*.json at build time (Ajv standalone code: nothing
// is compiled at start-up, docs/ARCHITECTURE.md "Start-up"). A failure becomes one TsruncError whose
// `field` is the config path at fault (`mounts[3].destination`) and whose message is one short line.
// These are the schema checks only; src/spec/load.ts adds the semantic ones the schema cannot express.
import { TsruncError } from '../errors';
import type { ValidationError, Validator } from '../generated/validators';

type Generated = typeof import('../generated/validators');
let generated: Generated | undefined;

/** The generated module is loaded on first use, so importing this file costs nothing. */
function validators(): Generated {
  return (generated ??= require('../generated/validators') as Generated);
}

/** Throws a TsruncError naming the first schema violation of a config.json (runtime-spec config.md). */
export function validateConfig(spec: unknown): void {
  check(validators().validateConfig, spec, 'config.json');
}

/** Throws a TsruncError naming the first schema violation of a state (runtime-spec runtime.md, State). */
export function validateState(state: unknown): void {
  check(validators().validateState, state, 'state.json');
}

/** Throws a TsruncError naming the first schema violation of a features structure (features.md). */
export function validateFeatures(features: unknown): void {
  check(validators().validateFeatures, features, 'features');
}

function check(validate: Validator, data: unknown, document: string): void {
  if (validate(data)) return;
  const errors = validate.errors ?? [];
  // allErrors is off, so there is normally one error; if a keyword reports several, the deepest
  // (then the first) is the most specific.
  let error = errors[0];
  for (const e of errors) if (depth(e) > depth(error)) error = e;
  if (!error) throw new TsruncError(`${document} is not valid`);
  const { field, message } = describeError(error, data, document);
  throw new TsruncError(message, { field });
}

function depth(e: ValidationError): number {
  return e.instancePath.split('/').length + (e.keyword === 'required' ? 1 : 0);
}

/**
 * Turns one Ajv error into `{field, message}`: the field in dotted/bracket form derived from the
 * JSON pointer (`/mounts/3/destination` -> `mounts[3].destination`), the message one short line.
 * `data` is the validated document (to show the offending value); `document` names it for root errors.
 */
export function describeError(error: ValidationError, data: unknown, document = 'config.json'): { field?: string; message: string } {
  const segments = error.instancePath === '' ? [] : error.instancePath.slice(1).split('/').map(unescapePointer);
  let value: unknown = data;
  let field = '';
  for (const segment of segments) {
    if (Array.isArray(value)) {
      field += `[${segment}]`;
      value = value[Number(segment)];
    } else {
      field = appendKey(field, segment);
      value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[segment] : undefined;
    }
  }
  const p = error.params;
  switch (error.keyword) {
    case 'required':
      return { field: appendKey(field, String(p.missingProperty)), message: 'is required' };
    case 'type':
      return { field: field || document, message: `must be ${p.type}, got ${show(value)}` };
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
      return { field: field || document, message: `unknown value ${show(value)} (allowed: ${allowed})` };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { field: field || document, message: `must be ${p.comparison} ${showLimit(p.limit as number)}, got ${show(value)}` };
    case 'pattern':
      return { field: field || document, message: `invalid value ${show(value)} (must match /${p.pattern}/)` };
    case 'minItems':
      return { field: field || document, message: p.limit === 1 ? 'must not be empty' : `must have at least ${p.limit} items` };
    default:
      return { field: field || document, message: `fails schema keyword "${error.keyword}" ${JSON.stringify(p)}` };
  }
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** `linux` + `sysctl` -> `linux.sysctl`; keys that are not identifiers are quoted: `annotations["com.example.key"]`. */
function appendKey(field: string, key: string): string {
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return field ? `${field}.${key}` : key;
  return `${field}[${JSON.stringify(key)}]`;
}

/** A value as it appears in the message: scalars as JSON (shortened), containers by kind. */
function show(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value !== null && typeof value === 'object') return 'an object';
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** JavaScript prints 2^64 as 18446744073709552000; show the integer bounds as the spec writes them. */
function showLimit(limit: number): string {
  if (limit === 2 ** 64) return '18446744073709551615';
  if (limit === 2 ** 63) return '9223372036854775807';
  if (limit === -(2 ** 63)) return '-9223372036854775808';
  return String(limit);
}
