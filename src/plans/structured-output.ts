/**
 * Structured output: json_schema at every depth; json_object, and json_schema streamed, from standard depth;
 * json_object streamed and a nested schema at deep depth. Every prompt also asks for JSON in words, as 002
 * requires for JSON mode.
 */

import type { ChatRequestBody } from '../contract/types.ts';
import type { Depth } from '../core/vocabulary.ts';
import type { Plan, Probe } from './probe.ts';
import { single } from './requests.ts';

/** JSON takes tokens; a short object fits. */
const ROOM = 96;

const messages: ChatRequestBody['messages'] = [
  { role: 'system', content: 'Reply with a single JSON object and nothing else.' },
  { role: 'user', content: 'Describe the planet Saturn as JSON with the keys "name" and "moons" (a number).' },
];

export const PLANET_SCHEMA = {
  type: 'object',
  properties: { name: { type: 'string' }, moons: { type: 'integer', minimum: 0 } },
  required: ['name', 'moons'],
  additionalProperties: false,
};

const NESTED_SCHEMA = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    rings: { type: 'array', items: { type: 'string' }, maxItems: 3 },
    kind: { type: 'string', enum: ['gas giant', 'ice giant', 'rocky'] },
  },
  required: ['name', 'rings', 'kind'],
  additionalProperties: false,
};

const jsonObject: ChatRequestBody = { messages, max_tokens: ROOM, response_format: { type: 'json_object' } };
const jsonSchema = (name: string, schema: Record<string, unknown>): ChatRequestBody => ({
  messages,
  max_tokens: ROOM,
  response_format: { type: 'json_schema', json_schema: { name, schema, strict: true } },
});

function structured(id: string, title: string, from: Depth, body: ChatRequestBody): Probe {
  const check = body.response_format?.type === 'json_object' ? 'structured-output.json-object' : 'structured-output.json-schema';
  return single(id, title, from, [check], body, ['structured-output']);
}

export const structuredOutputPlan: Plan = {
  area: 'structured-output',
  probes: [
    structured('structured-json-schema', 'response_format json_schema', 'smoke', jsonSchema('planet', PLANET_SCHEMA)),
    structured('structured-json-object', 'response_format json_object', 'standard', jsonObject),
    structured('structured-json-schema-stream', 'response_format json_schema, streamed', 'standard', {
      ...jsonSchema('planet', PLANET_SCHEMA),
      stream: true,
    }),
    structured('structured-json-object-stream', 'response_format json_object, streamed', 'deep', { ...jsonObject, stream: true }),
    structured('structured-json-schema-nested', 'a schema with an array and an enum', 'deep', jsonSchema('planet_detail', NESTED_SCHEMA)),
  ],
};
