/**
 * Faults in response_format (000_96bde8db4d236014.txt: json_object guarantees valid JSON, json_schema
 * output matches the schema sent). Also `violating`, shared with the tool-argument fault.
 */
import type { Behaviour, ChatRequest } from '../behaviour.ts';
import { tokenize } from '../vocabulary.ts';
import { regenerate, withChoices, withoutField, withTokens } from './semantics.ts';
import { isRecord } from './streaming.ts';

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

function declaredTypes(schema: Record<string, unknown>): string[] {
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

function schemaOf(request: ChatRequest): unknown {
  const format = request.response_format;
  return isRecord(format) && format.type === 'json_schema' && isRecord(format.json_schema) ? format.json_schema.schema : undefined;
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

export const structuredOutputFaults: readonly Behaviour[] = [
  {
    name: 'json-mode-ignored',
    kind: 'fault',
    description: 'response_format json_object is ignored: the answer is prose.',
    detectedBy: ['structured-output.json-object'],
    generate(completion, request) {
      const format = request.response_format;
      if (!isRecord(format) || format.type !== 'json_object') return completion;
      const prose = regenerate(completion, withoutField(request, 'response_format'));
      // An instruction can make even the prose answer valid JSON ("repeat exactly: 1"); say something first.
      const choices = prose.choices.map((choice) =>
        parsesAsJson(choice.tokens.join('')) ? withTokens(choice, [...tokenize('Sure: '), ...choice.tokens]) : choice,
      );
      return withChoices(prose, choices);
    },
  },
  {
    name: 'schema-violation',
    kind: 'fault',
    description: 'response_format json_schema is answered with JSON that breaks the schema.',
    detectedBy: ['structured-output.json-schema'],
    generate(completion, request) {
      const schema = schemaOf(request);
      if (schema === undefined) return completion;
      const choices = completion.choices.map((choice) => {
        const text = choice.tokens.join('');
        if (choice.toolCalls?.length || !parsesAsJson(text)) return choice;
        const broken = violating(JSON.parse(text), schema);
        return broken === undefined ? choice : withTokens(choice, tokenize(JSON.stringify(broken)));
      });
      return withChoices(completion, choices);
    },
  },
];
