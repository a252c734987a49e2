/**
 * JSON Schema validators compiled once from the component schemas of spec/openapi.yaml (ajv, draft 2020-12),
 * reporting every violation with the JSON pointer of the offending value. There is no generated validator code
 * to go stale: editing the YAML changes what is validated.
 */

import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import { excerpt, isRecord } from '../core/json.ts';
import { SCHEMA_REF_PREFIX, specDocument } from './spec.ts';

export interface SchemaViolation {
  /** JSON pointer of the offending value ('' for the root); for a missing property, of the object lacking it. */
  path: string;
  /** `<path>: <what is wrong>`, e.g. `/choices/0/index: must be integer`. */
  message: string;
  /** Short excerpt of the value found there. */
  received: string;
  /** What the spec documents there, e.g. `type integer`, `one of: stop, length`, `required property "id"`. */
  documented: string;
  /** The JSON Schema keyword that failed. */
  keyword: string;
}

export type Validation = { ok: true } | { ok: false; violations: SchemaViolation[] };

export type UserSchemaResult = { ok: true; validate: (value: unknown) => Validation } | { ok: false; error: string };

/** Base of the ids under which each component schema is registered; never fetched. */
const SCHEMA_BASE = 'https://chat-conformance.invalid/schemas/';

const addFormats = formats.default;

let compiled: Map<string, ValidateFunction> | undefined;

export const validateRequest = (value: unknown): Validation => validateAgainst('ChatCompletionRequest', value);
export const validateResponse = (value: unknown): Validation => validateAgainst('ChatCompletion', value);
export const validateChunk = (value: unknown): Validation => validateAgainst('ChatCompletionChunk', value);
export const validateError = (value: unknown): Validation => validateAgainst('ErrorResponse', value);
export const validateModelList = (value: unknown): Validation => validateAgainst('ModelList', value);

/** Validates a value against any component schema of the spec by name. */
export function validateAgainst(schemaName: string, value: unknown): Validation {
  const validate = contractValidators().get(schemaName);
  if (!validate) throw new Error(`spec/openapi.yaml has no schema named ${schemaName}`);
  if (validate(value)) return { ok: true };
  return { ok: false, violations: toViolations(validate.errors ?? []) };
}

function contractValidators(): Map<string, ValidateFunction> {
  if (compiled) return compiled;
  const schemas = specDocument().components.schemas;
  const ajv = new Ajv2020({
    strict: true,
    allErrors: true,
    verbose: true,
    discriminator: true,
    allowUnionTypes: true,
  });
  addFormats(ajv);
  // The spec's own annotations (x-source, x-range, …) are vocabulary, not typos.
  ajv.addVocabulary([...collectExtensionKeywords(schemas)]);
  for (const [name, schema] of Object.entries(schemas)) {
    ajv.addSchema({ ...(toAjvSchema(schema) as object), $id: SCHEMA_BASE + name });
  }
  const validators = new Map<string, ValidateFunction>();
  for (const name of Object.keys(schemas)) {
    const validate = ajv.getSchema(SCHEMA_BASE + name);
    if (!validate) throw new Error(`could not compile schema ${name}`);
    validators.set(name, validate);
  }
  compiled = validators;
  return validators;
}

/**
 * Rewrites `#/components/schemas/X` to the registered id of X, and drops `discriminator.mapping`: ajv selects the
 * branch by the `const` of the tag property, and refuses `mapping`, which exists for openapi-typescript.
 */
function toAjvSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toAjvSchema);
  if (!isRecord(node)) return node;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string' && value.startsWith(SCHEMA_REF_PREFIX)) {
      result[key] = SCHEMA_BASE + value.slice(SCHEMA_REF_PREFIX.length);
    } else if (key === 'discriminator' && isRecord(value)) {
      result[key] = { propertyName: value.propertyName };
    } else if (key.startsWith('x-')) {
      result[key] = value;
    } else {
      result[key] = toAjvSchema(value);
    }
  }
  return result;
}

function collectExtensionKeywords(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const item of node) collectExtensionKeywords(item, found);
  else if (isRecord(node)) {
    for (const [key, value] of Object.entries(node)) {
      if (key.startsWith('x-')) found.add(key);
      else collectExtensionKeywords(value, found);
    }
  }
  return found;
}

function toViolations(errors: readonly ErrorObject[]): SchemaViolation[] {
  const seen = new Set<string>();
  const violations: SchemaViolation[] = [];
  for (const error of collapseAlternatives(errors)) {
    // `if` only reports that `then` failed; the errors of `then` say what is wrong.
    if (error.keyword === 'if') continue;
    const violation = toViolation(error);
    if (seen.has(violation.message)) continue;
    seen.add(violation.message);
    violations.push(violation);
  }
  return violations;
}

/**
 * A failed anyOf/oneOf reports every alternative. Alternatives whose type does not fit the value explain
 * nothing, so their errors are dropped; when exactly one alternative fits, its own errors are the whole story,
 * and when none fits, a single type violation remains.
 */
function collapseAlternatives(errors: readonly ErrorObject[]): ErrorObject[] {
  let remaining = [...errors];
  for (const error of errors) {
    if (error.keyword !== 'anyOf' && error.keyword !== 'oneOf') continue;
    if (!Array.isArray(error.schema)) continue;
    const branches = error.schema as unknown[];
    const fitting = branches.filter((branch) => typeFits(error.data, branchTypes(branch)));
    const misfitPrefixes = branches
      .map((branch, index) => ({ branch, index }))
      .filter(({ branch }) => !typeFits(error.data, branchTypes(branch)))
      .map(({ index }) => `${error.schemaPath}/${index}/`);
    remaining = remaining.filter((other) => !misfitPrefixes.some((prefix) => other.schemaPath.startsWith(prefix)));
    if (fitting.length === 1) {
      remaining = remaining.filter((other) => other !== error && !(other.keyword === 'type' && other.instancePath === error.instancePath));
    } else if (fitting.length === 0) {
      const types = branches.flatMap(branchTypes);
      remaining = remaining
        .filter((other) => other === error || !(other.keyword === 'type' && other.instancePath === error.instancePath))
        .map((other) => (other === error ? { ...error, keyword: 'type', params: { type: types.join(',') } } : other));
    }
  }
  return remaining;
}

/** JSON types an alternative admits; [] when it does not say (then it fits anything). */
function branchTypes(branch: unknown): string[] {
  if (!isRecord(branch)) return [];
  if (typeof branch.$ref === 'string') {
    const target = componentByAjvId(branch.$ref);
    return target ? branchTypes(target) : [];
  }
  if (typeof branch.type === 'string') return [branch.type];
  return Array.isArray(branch.type) ? branch.type.filter((t): t is string => typeof t === 'string') : [];
}

function typeFits(value: unknown, types: string[]): boolean {
  if (types.length === 0) return true;
  return types.some((type) => {
    switch (type) {
      case 'null':
        return value === null;
      case 'array':
        return Array.isArray(value);
      case 'object':
        return isRecord(value);
      case 'integer':
        return Number.isInteger(value);
      case 'number':
        return typeof value === 'number';
      default:
        return typeof value === type;
    }
  });
}

function toViolation(error: ErrorObject): SchemaViolation {
  const path = error.instancePath;
  const types = error.keyword === 'type' ? String((error.params as { type?: unknown }).type).split(',') : [];
  const problem = types.length > 0 ? `must be ${types.join(' or ')}` : (error.message ?? `fails ${error.keyword}`);
  return {
    path,
    message: `${path === '' ? '(root)' : path}: ${problem}`,
    received: error.keyword === 'required' ? 'absent' : excerpt(error.data, 80),
    documented: documentedText(error),
    keyword: error.keyword,
  };
}

function documentedText(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type':
      return `type ${String(params.type).split(',').join(' | ')}`;
    case 'enum':
      return `one of: ${(params.allowedValues as unknown[]).map(plain).join(', ')}`;
    case 'const':
      return `constant ${JSON.stringify(params.allowedValue)}`;
    case 'required':
      return `required property "${String(params.missingProperty)}"`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `x ${String(params.comparison)} ${String(params.limit)}`;
    case 'minItems':
      return `at least ${String(params.limit)} items`;
    case 'maxItems':
      return `at most ${String(params.limit)} items`;
    case 'minLength':
      return `at least ${String(params.limit)} characters`;
    case 'maxLength':
      return `at most ${String(params.limit)} characters`;
    case 'pattern':
      return `pattern ${String(params.pattern)}`;
    case 'format':
      return `format ${String(params.format)}`;
    case 'additionalProperties':
      return `no property "${String(params.additionalProperty)}"`;
    case 'discriminator':
      return `"${String(params.tag)}" one of: ${tagValues(error.parentSchema, String(params.tag)).join(', ')}`;
    case 'anyOf':
    case 'oneOf':
      return 'one of the documented alternatives';
    default:
      return error.message ?? error.keyword;
  }
}

/** The tag values a discriminated oneOf accepts, read from the `const` of each alternative's tag property. */
function tagValues(parent: unknown, tag: string): string[] {
  if (!isRecord(parent) || !Array.isArray(parent.oneOf)) return [];
  return parent.oneOf.flatMap((branch: unknown) => {
    const target = isRecord(branch) && typeof branch.$ref === 'string' ? componentByAjvId(branch.$ref) : branch;
    const property = isRecord(target) && isRecord(target.properties) ? target.properties[tag] : undefined;
    return isRecord(property) && typeof property.const === 'string' ? [property.const] : [];
  });
}

function componentByAjvId(id: string): unknown {
  return id.startsWith(SCHEMA_BASE) ? specDocument().components.schemas[id.slice(SCHEMA_BASE.length)] : undefined;
}

function plain(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const USER_SCHEMA_CACHE_LIMIT = 256;
const userSchemaCache = new Map<string, UserSchemaResult>();
let userAjv: Ajv2020 | undefined;

/**
 * Compiles a JSON Schema a user or target supplied (response_format json_schema, tool parameters). Never throws:
 * anything that is not a usable schema comes back as `{ok: false, error}`. Results are cached by the schema's JSON.
 */
export function compileUserSchema(schema: unknown): UserSchemaResult {
  let key: string;
  try {
    key = JSON.stringify(schema) ?? 'undefined';
  } catch (error) {
    return { ok: false, error: `not JSON: ${messageOf(error)}` };
  }
  const cached = userSchemaCache.get(key);
  if (cached) return cached;
  if (userSchemaCache.size >= USER_SCHEMA_CACHE_LIMIT) {
    // ajv keeps every compiled schema too; starting over bounds both.
    userSchemaCache.clear();
    userAjv = undefined;
  }
  const result = compileFresh(schema);
  userSchemaCache.set(key, result);
  return result;
}

function compileFresh(schema: unknown): UserSchemaResult {
  if (typeof schema !== 'boolean' && !isRecord(schema)) {
    return { ok: false, error: `a JSON Schema is an object or a boolean, got ${excerpt(schema, 60)}` };
  }
  if (isRecord(schema) && schema.$async === true) return { ok: false, error: 'asynchronous schemas are not supported' };
  try {
    userAjv ??= createUserAjv();
    const validate = userAjv.compile(withoutForeignDialect(schema));
    return {
      ok: true,
      validate: (value) => {
        try {
          return validate(value) ? { ok: true } : { ok: false, violations: toViolations(validate.errors ?? []) };
        } catch (error) {
          return { ok: false, violations: [crashViolation(error)] };
        }
      },
    };
  } catch (error) {
    return { ok: false, error: messageOf(error) };
  }
}

function createUserAjv(): Ajv2020 {
  // User schemas are foreign: unknown keywords are tolerated as annotations, and every call gets fresh ids.
  const ajv = new Ajv2020({ strict: false, allErrors: true, verbose: true, addUsedSchema: false });
  addFormats(ajv);
  return ajv;
}

/** Draft-07 style schemas are common in tool parameters; their `$schema` would make a 2020-12 validator refuse them. */
function withoutForeignDialect(schema: boolean | Record<string, unknown>): boolean | Record<string, unknown> {
  if (typeof schema === 'boolean' || typeof schema.$schema !== 'string') return schema;
  if (schema.$schema.includes('2020-12')) return schema;
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}

function crashViolation(error: unknown): SchemaViolation {
  return {
    path: '',
    message: `(root): validation failed: ${messageOf(error)}`,
    received: '',
    documented: 'a valid instance',
    keyword: 'error',
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
