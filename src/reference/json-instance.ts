/**
 * Builds a value that satisfies a JSON Schema, for the subset that tool parameters and structured
 * outputs use in practice (000_96bde8db4d236014.txt lists string, number, integer, boolean, array,
 * object, enum, anyOf). Deterministic for a given Random. Keywords outside the subset are ignored, so
 * the caller validates the result and reports a schema it cannot satisfy.
 */
import { isRecord, type Json } from '../core/json.ts';
import type { Random } from './random.ts';

type Schema = Json;

/** Bounds that keep a hostile schema (minItems: 1e9, deep recursion) from exhausting the server. */
const MAX_DEPTH = 16;
const MAX_ITEMS = 64;
const MAX_STRING = 512;

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'river', 'stone', 'cloud', 'café', '数据', 'ñandú', '東京', 'zeta'];

export function instanceOf(schema: unknown, random: Random): unknown {
  return build(schema, random, schema, 0);
}

function build(schema: unknown, random: Random, root: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH) return null;
  if (schema === true || schema === undefined) return random.pick(WORDS);
  if (!isRecord(schema)) return null;
  if (typeof schema.$ref === 'string') return build(resolveRef(root, schema.$ref), random, root, depth + 1);
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return random.pick(schema.enum);
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = schema[key];
    if (Array.isArray(branches) && branches.length > 0) return build(branches[0], random, root, depth + 1);
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) {
    const merged = Object.assign({}, ...schema.allOf.filter(isRecord), withoutKey(schema, 'allOf')) as Schema;
    return build(merged, random, root, depth + 1);
  }
  switch (chooseType(schema)) {
    case 'object':
      return buildObject(schema, random, root, depth);
    case 'array':
      return buildArray(schema, random, root, depth);
    case 'string':
      return buildString(schema, random);
    case 'integer':
      return buildNumber(schema, random, true);
    case 'number':
      return buildNumber(schema, random, false);
    case 'boolean':
      return random.next() < 0.5;
    case 'null':
      return null;
    default:
      return random.pick(WORDS);
  }
}

function chooseType(schema: Schema): string | undefined {
  const type = schema.type;
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) {
    const concrete = type.filter((t): t is string => typeof t === 'string');
    return concrete.find((t) => t !== 'null') ?? concrete[0];
  }
  if (isRecord(schema.properties) || Array.isArray(schema.required)) return 'object';
  if ('items' in schema || 'minItems' in schema) return 'array';
  if ('minLength' in schema || 'maxLength' in schema || 'format' in schema) return 'string';
  if ('minimum' in schema || 'maximum' in schema) return 'number';
  return undefined;
}

function buildObject(schema: Schema, random: Random, root: unknown, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const properties = isRecord(schema.properties) ? schema.properties : {};
  // Every declared property is filled in: strict structured outputs require all of them.
  for (const [name, sub] of Object.entries(properties)) {
    out[name] = build(sub, random.fork(name), root, depth + 1);
  }
  const required = Array.isArray(schema.required) ? schema.required : [];
  for (const name of required) {
    if (typeof name === 'string' && !(name in out)) {
      out[name] = build(schema.additionalProperties ?? true, random.fork(name), root, depth + 1);
    }
  }
  return out;
}

function buildArray(schema: Schema, random: Random, root: unknown, depth: number): unknown[] {
  const min = clampCount(schema.minItems, 0);
  const max = clampCount(schema.maxItems, Math.max(min, 3));
  const length = Math.min(MAX_ITEMS, Math.max(min, Math.min(max, random.between(1, 3))));
  const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
  const out: unknown[] = [];
  for (let i = 0; i < length; i += 1) {
    const itemSchema = i < prefix.length ? prefix[i] : schema.items;
    let value = build(itemSchema, random.fork(`item${i}`), root, depth + 1);
    if (schema.uniqueItems === true) {
      for (let attempt = 1; attempt < 8 && out.some((v) => JSON.stringify(v) === JSON.stringify(value)); attempt += 1) {
        value = build(itemSchema, random.fork(`item${i}-${attempt}`), root, depth + 1);
      }
    }
    out.push(value);
  }
  return out;
}

function buildString(schema: Schema, random: Random): string {
  const formatted = formattedString(schema.format, random);
  if (formatted !== undefined) return formatted;
  const min = clampCount(schema.minLength, 0);
  const max = Math.max(min, clampCount(schema.maxLength, Math.max(min, 24)));
  const target = Math.min(MAX_STRING, Math.max(min, Math.min(max, random.between(4, 16))));
  let chars: string[] = [];
  while (chars.length < target) {
    chars = chars.concat(Array.from((chars.length > 0 ? ' ' : '') + random.pick(WORDS)));
  }
  // Lengths are in code points (JSON Schema), so cut on code points and never inside a surrogate pair.
  return chars.slice(0, target).join('').replace(/ $/, 'x');
}

function formattedString(format: unknown, random: Random): string | undefined {
  const n = random.between(1, 28);
  const pad = (v: number): string => String(v).padStart(2, '0');
  switch (format) {
    case 'date-time':
      return `2024-03-${pad(n)}T10:${pad(n)}:00Z`;
    case 'date':
      return `2024-03-${pad(n)}`;
    case 'time':
      return `10:${pad(n)}:00Z`;
    case 'email':
      return `user${n}@example.com`;
    case 'uri':
    case 'url':
      return `https://example.com/item/${n}`;
    case 'uuid':
      return `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
    case 'ipv4':
      return `192.0.2.${n}`;
    case 'hostname':
      return `host${n}.example.com`;
    default:
      return undefined;
  }
}

function buildNumber(schema: Schema, random: Random, integer: boolean): number {
  let low = typeof schema.minimum === 'number' ? schema.minimum : undefined;
  let high = typeof schema.maximum === 'number' ? schema.maximum : undefined;
  const exclusiveLow = typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum : undefined;
  const exclusiveHigh = typeof schema.exclusiveMaximum === 'number' ? schema.exclusiveMaximum : undefined;
  const step = typeof schema.multipleOf === 'number' && schema.multipleOf > 0 ? schema.multipleOf : integer ? 1 : 0.25;
  if (exclusiveLow !== undefined) low = Math.max(low ?? -Infinity, exclusiveLow + step);
  if (exclusiveHigh !== undefined) high = Math.min(high ?? Infinity, exclusiveHigh - step);
  const from = low ?? (high !== undefined ? high - 100 : 0);
  const to = high ?? from + 100;
  // Pick a multiple of the step inside [from, to].
  const firstK = Math.ceil(from / step);
  const lastK = Math.floor(to / step);
  if (!Number.isFinite(firstK) || !Number.isFinite(lastK) || lastK < firstK) return integer ? Math.round(from) : from;
  const k = firstK + Math.floor(random.next() * Math.min(lastK - firstK + 1, 1e6));
  const value = k * step;
  return integer ? Math.round(value) : Number(value.toFixed(6));
}

function resolveRef(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  const segments = ref
    .slice(1)
    .split('/')
    .filter((s) => s !== '')
    .map((s) => safeDecode(s).replace(/~1/g, '/').replace(/~0/g, '~'));
  let node: unknown = root;
  for (const segment of segments) {
    if (!isRecord(node) && !Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function clampCount(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.min(Math.floor(value), MAX_STRING) : fallback;
}

function withoutKey(schema: Schema, key: string): Schema {
  const { [key]: _dropped, ...rest } = schema;
  return rest;
}
