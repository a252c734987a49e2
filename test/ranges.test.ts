import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { conflict } from '../src/contract/conflicts.ts';
import { limits, paramRange, paramRanges, requestDefault, requestEnum, supportedModels } from '../src/contract/ranges.ts';
import { SPEC_PATH } from '../src/contract/spec.ts';

import { SEED_FILES, SEEDS_MISSING, seedText } from './support/seeds.ts';

// Read independently of src/contract, so the assertions compare the code against the file itself.
type Node = Record<string, any>;
const doc = parse(readFileSync(SPEC_PATH, 'utf8')) as { components: { schemas: Record<string, Node> } };
const schemas = doc.components.schemas;
const request = schemas.ChatCompletionRequest as Node;
const rangedInYaml = Object.entries(request.properties as Record<string, Node>).filter(([, p]) => p['x-range']);

const DOCUMENTED_RANGES = [
  'n',
  'temperature',
  'top_k',
  'frequency_penalty',
  'presence_penalty',
  'repetition_penalty',
  'top_p',
  'min_p',
  'top_logprobs',
];

/** Whether a value lies inside a range as the spec reads it. */
function within(range: ReturnType<typeof paramRange>, value: number): boolean {
  return (
    (range.minimum === undefined || value >= range.minimum) &&
    (range.maximum === undefined || value <= range.maximum) &&
    (range.exclusiveMinimum === undefined || value > range.exclusiveMinimum) &&
    (range.exclusiveMaximum === undefined || value < range.exclusiveMaximum)
  );
}

describe('paramRanges', () => {
  test('lists exactly the request properties that carry x-range, including every documented range', () => {
    expect(paramRanges().map((r) => r.param)).toEqual(rangedInYaml.map(([name]) => name));
    expect(paramRanges().map((r) => r.param)).toEqual(expect.arrayContaining(DOCUMENTED_RANGES));
  });

  test.each(rangedInYaml)('%s equals what spec/openapi.yaml says', (name, property) => {
    const range = paramRange(name);
    const types: string[] = [property.type].flat();
    expect(range.type).toBe(types.includes('integer') ? 'integer' : 'number');
    expect(range.minimum).toBe(property.minimum);
    expect(range.maximum).toBe(property.maximum);
    expect(range.exclusiveMinimum).toBe(property.exclusiveMinimum);
    expect(range.exclusiveMaximum).toBe(property.exclusiveMaximum);
    expect(range.default).toBe(property.default);
    expect(range.text).toBe(property['x-range'].text);
    expect(range.source).toBe(property['x-range'].source);
    expect(range.conflict).toBe(property['x-range'].conflict);
    expect(range.ambiguous).toEqual(property['x-range'].ambiguous);
  });

  test.each(DOCUMENTED_RANGES)('%s carries the literal range text of its source document and a recorded conflict', (name) => {
    const range = paramRange(name);
    expect(SEED_FILES).toContain(range.source);
    expect(range.text).toBeTruthy();
    if (!SEEDS_MISSING) expect(seedText(range.source as string)).toContain(`\`${range.text}\``);
    expect(conflict(range.conflict as string).fields).toContain(name);
  });

  test.each(DOCUMENTED_RANGES)('%s: the reading accepts the documented default and has bounds on both sides', (name) => {
    const range = paramRange(name);
    if (range.default !== undefined) expect(within(range, range.default)).toBe(true);
    expect(range.minimum ?? range.exclusiveMinimum).toBeTypeOf('number');
    expect(range.maximum ?? range.exclusiveMaximum).toBeTypeOf('number');
  });

  test.each(DOCUMENTED_RANGES)('%s: every ambiguous value is an edge of the range', (name) => {
    const range = paramRange(name);
    const edges = [range.minimum, range.maximum, range.exclusiveMinimum, range.exclusiveMaximum];
    for (const value of range.ambiguous) expect(edges).toContain(value);
  });

  test('the readings recorded for the ambiguous ranges', () => {
    expect(paramRange('n')).toMatchObject({ minimum: 1, maximum: 128, default: 1, text: '1 < x < 128', ambiguous: [1, 128] });
    expect(paramRange('top_p')).toMatchObject({ exclusiveMinimum: 0, maximum: 1, ambiguous: [0] });
    expect(paramRange('min_p').ambiguous).toEqual([]);
  });

  test('an unknown parameter is an error', () => {
    expect(() => paramRange('warmth')).toThrow(/no documented range for request parameter "warmth"/);
    expect(() => paramRange('seed')).toThrow();
  });
});

describe('limits', () => {
  test('every limit equals the value in spec/openapi.yaml', () => {
    const p = request.properties as Record<string, Node>;
    const message = schemas.Message?.properties;
    const fn = schemas.FunctionDefinition?.properties;
    const format = schemas.JsonSchemaFormat?.properties;
    expect(limits()).toEqual({
      stopMinItems: p.stop?.minItems,
      stopMaxItems: p.stop?.maxItems,
      messageNamePattern: message.name.pattern,
      messageNameMaxLength: message.name.maxLength,
      functionNamePattern: fn.name.pattern,
      functionNameMaxLength: fn.name.maxLength,
      responseFormatNamePattern: format.name.pattern,
      responseFormatNameMaxLength: format.name.maxLength,
      logitBiasMin: p.logit_bias?.additionalProperties.minimum,
      logitBiasMax: p.logit_bias?.additionalProperties.maximum,
      finishReasons: schemas.Choice?.properties.finish_reason['x-documented-enum'],
      acceptedFinishReasons: schemas.Choice?.properties.finish_reason.enum,
      documentedMessageRoles: message.role['x-documented-enum'],
      messageRoles: message.role.enum,
      responseRoles: schemas.ResponseMessage?.properties.role.enum,
      contentPartTypes: Object.keys(schemas.ContentPart?.discriminator.mapping),
      toolTypes: schemas.Tool?.properties.type.enum,
      toolChoiceModes: schemas.ToolChoice?.oneOf[0].enum,
      responseFormatTypes: schemas.ResponseFormat?.properties.type.enum,
    });
  });

  test('the documented finish reasons are stop and length; tool_calls is a reading', () => {
    expect(limits().finishReasons).toEqual(['stop', 'length']);
    expect(limits().acceptedFinishReasons).toContain('tool_calls');
  });

  test('the patterns are usable regular expressions', () => {
    const { messageNamePattern, functionNamePattern } = limits();
    expect(new RegExp(messageNamePattern).test('user_1')).toBe(true);
    expect(new RegExp(messageNamePattern).test('user-1')).toBe(false);
    expect(new RegExp(functionNamePattern).test('get-weather_2')).toBe(true);
  });
});

describe('requestEnum, requestDefault, supportedModels', () => {
  test('enums by dotted name and by pointer', () => {
    expect(requestEnum('messages.role')).toEqual(schemas.Message?.properties.role.enum);
    expect(requestEnum('messages[].role')).toEqual(schemas.Message?.properties.role.enum);
    expect(requestEnum('response_format.type')).toEqual(['text', 'json_object', 'json_schema']);
    expect(requestEnum('tool_choice')).toEqual(['none', 'auto', 'required']);
    expect(requestEnum('messages.content.type')).toEqual(['text', 'image_url', 'video_url', 'input_audio', 'file']);
    expect(requestEnum('/components/schemas/Choice/properties/finish_reason')).toEqual(schemas.Choice?.properties.finish_reason.enum);
    expect(requestEnum('#/components/schemas/Tool/properties/type')).toEqual(['function']);
  });

  test('a field without an enum, or no field at all, is an error', () => {
    expect(() => requestEnum('model')).toThrow(/no enumerated values/);
    expect(() => requestEnum('messages.mood')).toThrow(/no field "messages.mood"/);
  });

  test('defaults come from the spec', () => {
    for (const name of ['n', 'temperature', 'stream', 'logprobs', 'separate_reasoning', 'enable_thinking', 'frequency_penalty']) {
      expect(requestDefault(name), name).toBe((request.properties as Record<string, Node>)[name]?.default);
    }
    expect(requestDefault('n')).toBe(1);
    expect(requestDefault('enable_thinking')).toBe(true);
    expect(requestDefault('response_format.type')).toBe('text');
    expect(requestDefault('top_p')).toBeUndefined();
  });

  test('supported models of the model-specific switches', () => {
    expect(supportedModels('separate_reasoning')).toEqual(['deepseek/deepseek-r1-turbo']);
    expect(supportedModels('enable_thinking')).toEqual(['zai-org/glm-4.5']);
    expect(() => supportedModels('temperature')).toThrow(/no x-supported-models/);
  });
});
