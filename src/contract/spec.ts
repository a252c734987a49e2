/**
 * The contract, spec/openapi.yaml, parsed once and frozen. Code reads every documented type, range, enum and
 * conflict from here rather than retyping it, so editing the YAML is the only way to change the contract.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { isRecord } from '../core/json.ts';

/** A JSON Schema (2020-12) node as it appears in the spec, `x-` extensions included. */
export type SchemaObject = { readonly [keyword: string]: unknown };

export interface SpecDocument {
  readonly openapi: string;
  readonly paths: { readonly [path: string]: unknown };
  readonly components: {
    readonly schemas: { readonly [name: string]: SchemaObject };
    readonly [section: string]: unknown;
  };
  readonly 'x-conflicts': readonly unknown[];
  readonly [key: string]: unknown;
}

export const SPEC_PATH = fileURLToPath(new URL('../../spec/openapi.yaml', import.meta.url));

/** Prefix of every internal schema reference in the spec. */
export const SCHEMA_REF_PREFIX = '#/components/schemas/';

let loaded: SpecDocument | undefined;

/** The parsed spec; read from disk on first use only. */
export function specDocument(): SpecDocument {
  loaded ??= deepFreeze(parseSpec(readFileSync(SPEC_PATH, 'utf8')));
  return loaded;
}

/** Parses the YAML text of a spec and checks the parts code relies on. */
export function parseSpec(text: string): SpecDocument {
  const doc: unknown = parse(text);
  if (!isRecord(doc) || typeof doc.openapi !== 'string') throw new Error('spec/openapi.yaml: not an OpenAPI document');
  if (!isRecord(doc.paths)) throw new Error('spec/openapi.yaml: no paths');
  if (!isRecord(doc.components) || !isRecord(doc.components.schemas)) {
    throw new Error('spec/openapi.yaml: no components.schemas');
  }
  if (!Array.isArray(doc['x-conflicts'])) throw new Error('spec/openapi.yaml: no x-conflicts list');
  return doc as unknown as SpecDocument;
}

/** A component schema by name, e.g. `ChatCompletionRequest`. */
export function componentSchema(name: string): SchemaObject {
  const schema = specDocument().components.schemas[name];
  if (!schema) throw new Error(`spec/openapi.yaml has no schema named ${name}`);
  return schema;
}

/** Follows `$ref`s to component schemas until reaching a schema that is not a bare reference. */
export function resolveSchema(schema: SchemaObject): SchemaObject {
  let current = schema;
  for (let hops = 0; typeof current.$ref === 'string'; hops++) {
    if (hops > 16) throw new Error(`spec/openapi.yaml: reference cycle at ${current.$ref}`);
    current = componentSchema(refName(current.$ref));
  }
  return current;
}

/** `#/components/schemas/Usage` → `Usage`. */
export function refName(ref: string): string {
  if (!ref.startsWith(SCHEMA_REF_PREFIX)) throw new Error(`spec/openapi.yaml: unsupported reference ${ref}`);
  return ref.slice(SCHEMA_REF_PREFIX.length);
}

/** The node at a JSON pointer (`/components/schemas/Message` or `#/components/…`) of the spec. */
export function nodeAt(pointer: string): unknown {
  const path = pointer.startsWith('#') ? pointer.slice(1) : pointer;
  if (path === '') return specDocument();
  if (!path.startsWith('/')) throw new Error(`not a JSON pointer: ${pointer}`);
  let node: unknown = specDocument();
  for (const raw of path.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node) && /^\d+$/.test(key)) node = node[Number(key)];
    else if (isRecord(node) && Object.hasOwn(node, key)) node = node[key];
    else throw new Error(`spec/openapi.yaml has nothing at ${pointer}`);
  }
  return node;
}

/** The conflict ids a schema node refers to; `x-conflict` holds one id or a list of ids. */
export function conflictIdsOf(schema: SchemaObject): string[] {
  const value = schema['x-conflict'];
  if (value === undefined) return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((id) => typeof id === 'string')) return [...value];
  throw new Error(`spec/openapi.yaml: x-conflict must be an id or a list of ids, got ${JSON.stringify(value)}`);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
