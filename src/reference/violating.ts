/**
 * A value a JSON Schema rejects, made from one it accepts: the answer of a fault that breaks a
 * declared schema (response_format json_schema, tool parameters).
 */
import { isRecord, type Json } from '../core/json.ts';

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function allows(types: string[], value: unknown): boolean {
  const type = jsonType(value);
  return types.includes(type) || (type === 'integer' && types.includes('number'));
}

function declaredTypes(schema: Json): string[] {
  if (typeof schema.type === 'string') return [schema.type];
  if (Array.isArray(schema.type)) return schema.type.filter((t): t is string => typeof t === 'string');
  if (isRecord(schema.properties) || Array.isArray(schema.required)) return ['object'];
  return [];
}

const WRONG_VALUES: readonly unknown[] = ['not-a-valid-value', 12345, true, null, [], {}];

/** A value the schema rejects by its type or enum; undefined when the schema accepts anything. */
function wrongValueFor(schema: unknown): unknown {
  if (!isRecord(schema)) return undefined;
  const listed = schema.enum;
  if (Array.isArray(listed)) return WRONG_VALUES.find((v) => !listed.some((e: unknown) => JSON.stringify(e) === JSON.stringify(v)));
  const types = declaredTypes(schema);
  if (types.length === 0) return undefined;
  return WRONG_VALUES.find((v) => !allows(types, v));
}

/**
 * `value` changed so that `schema` rejects it: a required property removed, else a property of the
 * wrong type, else the whole value of the wrong type. Undefined when the schema accepts anything.
 */
export function violating(value: unknown, schema: unknown): unknown {
  if (!isRecord(schema)) return undefined;
  if (isRecord(value) && declaredTypes(schema).includes('object')) {
    const required = Array.isArray(schema.required) ? schema.required.filter((n): n is string => typeof n === 'string') : [];
    const present = required.find((name) => name in value);
    if (present !== undefined) {
      const { [present]: _dropped, ...rest } = value;
      return rest;
    }
    for (const [name, sub] of Object.entries(isRecord(schema.properties) ? schema.properties : {})) {
      const wrong = wrongValueFor(sub);
      if (wrong !== undefined) return { ...value, [name]: wrong };
    }
    if (schema.additionalProperties === false) return { ...value, unexpected_property: true };
  }
  return wrongValueFor(schema);
}
