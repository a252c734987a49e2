/**
 * Every number, pattern and enum of the request that code needs, read from spec/openapi.yaml. Checks,
 * arbitraries and the reference provider take their bounds from here, never from literals of their own.
 */

import type { SchemaObject } from './spec.ts';
import { componentSchema, nodeAt, resolveSchema } from './spec.ts';

const REQUEST_SCHEMA = 'ChatCompletionRequest';

/** A documented numeric range of a request parameter, with the reading the spec takes. */
export interface ParamRange {
  param: string;
  type: 'integer' | 'number';
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  default?: number;
  /** The range as the document writes it, e.g. `1 < x < 128`. */
  text?: string;
  /** Seed document the text comes from. */
  source?: string;
  /** Conflict id recording the ambiguity of the text. */
  conflict?: string;
  /** Edge values whose acceptance differs between readings of the text. */
  ambiguous: number[];
}

export interface ContractLimits {
  stopMinItems: number;
  stopMaxItems: number;
  messageNamePattern: string;
  messageNameMaxLength: number;
  functionNamePattern: string;
  functionNameMaxLength: number;
  responseFormatNamePattern: string;
  responseFormatNameMaxLength: number;
  logitBiasMin: number;
  logitBiasMax: number;
  /** finish_reason values the documents list (stop, length). */
  finishReasons: string[];
  /** finish_reason values the schema accepts (the documented ones plus the readings taken). */
  acceptedFinishReasons: string[];
  /** Request message roles the documents list in the role enum. */
  documentedMessageRoles: string[];
  /** Request message roles the schema accepts. */
  messageRoles: string[];
  responseRoles: string[];
  contentPartTypes: string[];
  toolTypes: string[];
  toolChoiceModes: string[];
  responseFormatTypes: string[];
}

/** Every request property that carries a documented range (`x-range`), in spec order. */
export function paramRanges(): ParamRange[] {
  return Object.entries(requestProperties())
    .filter(([, schema]) => schema['x-range'] !== undefined)
    .map(([param, schema]) => toParamRange(param, schema));
}

export function paramRange(name: string): ParamRange {
  const found = paramRanges().find((range) => range.param === name);
  if (!found) throw new Error(`no documented range for request parameter "${name}"`);
  return found;
}

/**
 * The string values a request field may take: a dotted name relative to the request (`response_format.type`,
 * `messages.role`, `messages.content.type`) or a JSON pointer into the spec (`/components/schemas/Tool/properties/type`).
 */
export function requestEnum(pointerOrName: string): string[] {
  const nodes = isPointer(pointerOrName) ? [asSchema(nodeAt(pointerOrName), pointerOrName)] : requestNodes(pointerOrName);
  const values = unique(nodes.flatMap(enumValues));
  if (values.length === 0) throw new Error(`"${pointerOrName}" has no enumerated values in spec/openapi.yaml`);
  return values;
}

/** The documented default of a request field (dotted name), or undefined when none is documented. */
export function requestDefault(name: string): unknown {
  const defaults = unique(requestNodes(name).map((node) => node.default ?? resolveSchema(node).default));
  if (defaults.length > 1) throw new Error(`"${name}" names fields with different defaults`);
  return defaults[0];
}

/** Models a model-specific request field applies to (`separate_reasoning`, `enable_thinking`). */
export function supportedModels(param: string): string[] {
  const models = requestNodes(param)[0]?.['x-supported-models'];
  if (!Array.isArray(models) || !models.every((m) => typeof m === 'string')) {
    throw new Error(`request field "${param}" records no x-supported-models`);
  }
  return [...models];
}

export function limits(): ContractLimits {
  const stop = single('stop');
  const messageName = single('messages.name');
  const functionName = single('tools.function.name');
  const formatName = single('response_format.json_schema.name');
  const bias = resolveSchema(asSchema(single('logit_bias').additionalProperties, 'logit_bias values'));
  const finish = schemaProperty('Choice', 'finish_reason');
  const role = single('messages.role');
  return {
    stopMinItems: numberOf(stop, 'minItems', 'stop'),
    stopMaxItems: numberOf(stop, 'maxItems', 'stop'),
    messageNamePattern: stringOf(messageName, 'pattern', 'messages.name'),
    messageNameMaxLength: numberOf(messageName, 'maxLength', 'messages.name'),
    functionNamePattern: stringOf(functionName, 'pattern', 'tools.function.name'),
    functionNameMaxLength: numberOf(functionName, 'maxLength', 'tools.function.name'),
    responseFormatNamePattern: stringOf(formatName, 'pattern', 'response_format.json_schema.name'),
    responseFormatNameMaxLength: numberOf(formatName, 'maxLength', 'response_format.json_schema.name'),
    logitBiasMin: numberOf(bias, 'minimum', 'logit_bias values'),
    logitBiasMax: numberOf(bias, 'maximum', 'logit_bias values'),
    finishReasons: stringsOf(finish, 'x-documented-enum', 'Choice.finish_reason'),
    acceptedFinishReasons: enumValues(finish),
    documentedMessageRoles: stringsOf(role, 'x-documented-enum', 'messages.role'),
    messageRoles: enumValues(role),
    responseRoles: enumValues(schemaProperty('ResponseMessage', 'role')),
    contentPartTypes: requestEnum('messages.content.type'),
    toolTypes: requestEnum('tools.type'),
    toolChoiceModes: requestEnum('tool_choice'),
    responseFormatTypes: requestEnum('response_format.type'),
  };
}

function toParamRange(param: string, schema: SchemaObject): ParamRange {
  const types = typeList(schema.type);
  const type = types.includes('integer') ? 'integer' : types.includes('number') ? 'number' : undefined;
  if (!type) throw new Error(`request parameter "${param}" has an x-range but is not numeric`);
  const range = asSchema(schema['x-range'], `${param}.x-range`);
  const ambiguous = range.ambiguous ?? [];
  if (!Array.isArray(ambiguous) || !ambiguous.every((v) => typeof v === 'number')) {
    throw new Error(`${param}.x-range.ambiguous must be a list of numbers`);
  }
  const result: ParamRange = { param, type, ambiguous: [...ambiguous] };
  for (const key of ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'default'] as const) {
    const value = schema[key];
    if (typeof value === 'number') result[key] = value;
  }
  for (const key of ['text', 'source', 'conflict'] as const) {
    const value = range[key];
    if (typeof value === 'string') result[key] = value;
  }
  return result;
}

function requestProperties(): Record<string, SchemaObject> {
  const properties = componentSchema(REQUEST_SCHEMA).properties;
  return asSchema(properties, `${REQUEST_SCHEMA}.properties`) as Record<string, SchemaObject>;
}

/** The schema nodes a dotted request name designates (several when it crosses a oneOf, e.g. content parts). */
function requestNodes(name: string): SchemaObject[] {
  let nodes: SchemaObject[] = [componentSchema(REQUEST_SCHEMA)];
  for (const segment of name.replace(/\[\]/g, '').split('.')) {
    nodes = nodes.flatMap((node) => childNodes(node, segment));
    if (nodes.length === 0) throw new Error(`the request has no field "${name}" in spec/openapi.yaml`);
  }
  return nodes;
}

function childNodes(node: SchemaObject, segment: string): SchemaObject[] {
  const schema = resolveSchema(node);
  const properties = schema.properties as Record<string, SchemaObject> | undefined;
  const own = properties?.[segment];
  if (own) return [own];
  const inner: SchemaObject[] = [];
  if (schema.items && typeof schema.items === 'object') inner.push(schema.items as SchemaObject);
  for (const key of ['anyOf', 'oneOf'] as const) {
    if (Array.isArray(schema[key])) inner.push(...(schema[key] as SchemaObject[]));
  }
  return inner.flatMap((child) => childNodes(child, segment));
}

function single(name: string): SchemaObject {
  const nodes = requestNodes(name);
  if (nodes.length !== 1) throw new Error(`"${name}" names ${nodes.length} fields of the request`);
  return resolveSchema(nodes[0] as SchemaObject);
}

function schemaProperty(schemaName: string, property: string): SchemaObject {
  const properties = componentSchema(schemaName).properties as Record<string, SchemaObject> | undefined;
  const found = properties?.[property];
  if (!found) throw new Error(`spec/openapi.yaml: ${schemaName} has no property ${property}`);
  return found;
}

/** String values of `enum` and `const`, including those of anyOf/oneOf branches; null is left out. */
function enumValues(node: SchemaObject): string[] {
  const schema = resolveSchema(node);
  const values: string[] = [];
  if (Array.isArray(schema.enum)) values.push(...schema.enum.filter((v): v is string => typeof v === 'string'));
  if (typeof schema.const === 'string') values.push(schema.const);
  for (const key of ['anyOf', 'oneOf'] as const) {
    if (Array.isArray(schema[key])) values.push(...(schema[key] as SchemaObject[]).flatMap(enumValues));
  }
  return unique(values);
}

function typeList(type: unknown): string[] {
  if (typeof type === 'string') return [type];
  return Array.isArray(type) ? type.filter((t): t is string => typeof t === 'string') : [];
}

function numberOf(schema: SchemaObject, key: string, where: string): number {
  const value = schema[key];
  if (typeof value !== 'number') throw new Error(`spec/openapi.yaml: ${where} has no numeric ${key}`);
  return value;
}

function stringOf(schema: SchemaObject, key: string, where: string): string {
  const value = schema[key];
  if (typeof value !== 'string') throw new Error(`spec/openapi.yaml: ${where} has no ${key}`);
  return value;
}

function stringsOf(schema: SchemaObject, key: string, where: string): string[] {
  const value = schema[key];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new Error(`spec/openapi.yaml: ${where} has no ${key} list`);
  }
  return [...value];
}

function asSchema(value: unknown, where: string): SchemaObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`spec/openapi.yaml: ${where} is not a schema object`);
  }
  return value as SchemaObject;
}

function isPointer(text: string): boolean {
  return text.startsWith('/') || text.startsWith('#');
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
