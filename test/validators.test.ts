import { describe, expect, test } from 'vitest';
import type { SchemaViolation, Validation } from '../src/contract/validators.ts';
import {
  compileUserSchema,
  validateChunk,
  validateError,
  validateModelList,
  validateRequest,
  validateResponse,
} from '../src/contract/validators.ts';

import { SEEDS_MISSING, seedText } from './support/seeds.ts';

/** The JSON object that starts at the first `{` at or after `from` (brace matching that respects strings). */
function jsonObjectAt(text: string, from: number): Record<string, unknown> {
  const start = text.indexOf('{', from);
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{') depth++;
    else if (ch === '}' && --depth === 0) return JSON.parse(text.slice(start, i + 1)) as Record<string, unknown>;
  }
  throw new Error('unterminated JSON object');
}

const page = SEEDS_MISSING ? '' : seedText('001_7a31a6b58b31bf6d.txt');
const gateway = SEEDS_MISSING ? '' : seedText('003_f82a578225befbf7.txt');
const example001Request = (): Record<string, any> => jsonObjectAt(page, page.indexOf("--data '"));
const example001Response = (): Record<string, any> => jsonObjectAt(page, page.indexOf("}'\n{") + 2);
const example003Request = (): Record<string, any> => jsonObjectAt(gateway, gateway.indexOf('{\n"model": "gpt-4"'));

function violations(result: Validation): SchemaViolation[] {
  return result.ok ? [] : result.violations;
}

function messages(result: Validation): string[] {
  return violations(result).map((v) => v.message);
}

const completion = (): Record<string, any> => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1_735_689_600,
  model: 'deepseek/deepseek-r1-turbo',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
});

const chunk = (choices: unknown[], usage?: unknown): Record<string, any> => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 1_735_689_600,
  model: 'deepseek/deepseek-r1-turbo',
  choices,
  ...(usage === undefined ? {} : { usage }),
});

describe.skipIf(SEEDS_MISSING)('the documents’ own examples', () => {
  test('001 request example, placeholders replaced, is a valid request', () => {
    const raw = example001Request();
    // The rendered page fills every field with a placeholder: "<string>" for strings, {} for every scalar whose
    // type is a union, and a single object where an array belongs (content, tools). Each placeholder is replaced
    // by a value of the documented type, so what remains under test is the example's shape.
    expect(validateRequest(raw).ok).toBe(false);
    const body = { ...raw };
    body.model = 'deepseek/deepseek-r1-turbo';
    body.messages = [{ ...raw.messages[0], role: 'user', name: 'alice', content: [{ type: 'text', text: 'Hello' }] }];
    const nullableScalars = ['stream', 'n', 'seed', 'frequency_penalty', 'presence_penalty', 'repetition_penalty', 'stop', 'temperature'];
    nullableScalars.push('top_p', 'top_k', 'min_p', 'logprobs', 'top_logprobs', 'separate_reasoning', 'enable_thinking');
    for (const field of nullableScalars) body[field] = null;
    body.tools = [{ ...raw.tools, type: 'function', function: { ...raw.tools.function, name: 'get_weather', description: null } }];
    body.response_format = {
      ...raw.response_format,
      type: 'json_schema',
      json_schema: { ...raw.response_format.json_schema, name: 'answer', description: null },
    };
    expect(messages(validateRequest(body))).toEqual([]);
    expect(Object.keys(body).sort()).toEqual(Object.keys(raw).sort());
  });

  test('001 request example with the placeholders as they are is rejected at the placeholder paths', () => {
    const found = messages(validateRequest(example001Request()));
    expect(found).toContain('/messages/0/content: must be string or array or null');
    expect(found).toContain('/tools: must be array or null');
    expect(found).toContain('/stream: must be boolean or null');
  });

  test('003 request example, placeholders replaced, is a valid request', () => {
    const raw = example003Request();
    // The data-model example writes "string" for every string and 0 for every number. Four of those placeholders
    // are not documented values: role "string", n 0 (below 1), top_p 0 (excluded by "0 < x <= 1") and
    // response_format {type: "string", json_schema: {}}. They are set to documented values.
    const body = {
      ...raw,
      messages: [{ ...raw.messages[0], role: 'assistant' }],
      n: 1,
      top_p: 1,
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: {} } },
    };
    expect(messages(validateRequest(body))).toEqual([]);
    expect(messages(validateRequest(raw))).toEqual(
      expect.arrayContaining(['/messages/0/role: must be equal to one of the allowed values', '/n: must be >= 1', '/top_p: must be > 0']),
    );
  });

  test('001 response example, placeholders replaced, is a valid completion', () => {
    const raw = example001Response();
    // "<string>" stands for finish_reason, role and object, and {} for content and reasoning_content.
    const body = {
      ...raw,
      object: 'chat.completion',
      choices: [{ ...raw.choices[0], finish_reason: 'stop', message: { role: 'assistant', content: 'Hello.', reasoning_content: null } }],
    };
    expect(messages(validateResponse(body))).toEqual([]);
    expect(messages(validateResponse(raw))).toEqual(
      expect.arrayContaining([
        '/object: must be equal to constant',
        '/choices/0/finish_reason: must be equal to one of the allowed values',
      ]),
    );
  });
});

describe('well-formed bodies are accepted', () => {
  test.each<[string, () => unknown, (v: unknown) => Validation]>([
    ['a completion', completion, validateResponse],
    ['a completion without usage (usage is optional)', () => ({ ...completion(), usage: undefined }), validateResponse],
    ['a completion with unknown extra fields', () => ({ ...completion(), system_fingerprint: 'fp', extra: { a: 1 } }), validateResponse],
    [
      'a completion with tool calls and finish_reason tool_calls',
      () => ({
        ...completion(),
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: null,
              tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }],
            },
            finish_reason: 'tool_calls',
          },
        ],
      }),
      validateResponse,
    ],
    [
      'a completion with logprobs',
      () => ({
        ...completion(),
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: 'Hi' },
            finish_reason: 'length',
            logprobs: {
              content: [{ token: 'Hi', logprob: -0.1, bytes: [72, 105], top_logprobs: [{ token: 'Hi', logprob: -0.1, bytes: null }] }],
            },
          },
        ],
      }),
      validateResponse,
    ],
    ['a completion with usage: null', () => ({ ...completion(), usage: null }), validateResponse],
    [
      'a completion with tool_calls: null (Mistral)',
      () => ({
        ...completion(),
        choices: [{ index: 0, message: { role: 'assistant', content: 'Hi', tool_calls: null }, finish_reason: 'stop' }],
      }),
      validateResponse,
    ],
    [
      'a tool call without type',
      () => ({
        ...completion(),
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', function: { name: 'f', arguments: '{}' } }] },
            finish_reason: 'stop',
          },
        ],
      }),
      validateResponse,
    ],
    [
      'finish_reason content_filter',
      () => ({ ...completion(), choices: [{ ...completion().choices[0], finish_reason: 'content_filter' }] }),
      validateResponse,
    ],
    [
      'logprob entries without bytes, and top_logprobs: null',
      () => ({
        ...completion(),
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: 'Hi' },
            finish_reason: 'stop',
            logprobs: { content: [{ token: 'Hi', logprob: -0.1, top_logprobs: null }] },
          },
        ],
      }),
      validateResponse,
    ],
    ['a role chunk', () => chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }], null), validateChunk],
    ['a chunk choice without a finish_reason key', () => chunk([{ index: 0, delta: { content: 'x' } }]), validateChunk],
    [
      'null role and tool_calls in a delta (LiteLLM)',
      () => chunk([{ index: 0, delta: { role: null, content: 'x', tool_calls: null }, finish_reason: null }]),
      validateChunk,
    ],
    [
      'null id, type and name in a later tool-call delta',
      () =>
        chunk([
          {
            index: 0,
            delta: { tool_calls: [{ index: 0, id: null, type: null, function: { name: null, arguments: '"}' } }] },
            finish_reason: null,
          },
        ]),
      validateChunk,
    ],
    [
      'a content chunk without a usage key',
      () => chunk([{ index: 0, delta: { content: 'Hel' }, finish_reason: null, logprobs: null }]),
      validateChunk,
    ],
    ['a finish chunk', () => chunk([{ index: 0, delta: {}, finish_reason: 'stop' }], null), validateChunk],
    ['the usage chunk', () => chunk([], { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 }), validateChunk],
    [
      'a tool-call delta',
      () => chunk([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"ci' } }] }, finish_reason: null }]),
      validateChunk,
    ],
    ['a chunk with unknown extra fields', () => ({ ...chunk([]), service_tier: 'default' }), validateChunk],
    ['an error', () => ({ error: { message: 'bad n', type: 'invalid_request_error', param: 'n', code: null } }), validateError],
    ['an error with an integer code', () => ({ error: { message: 'x', type: 'server_error', param: null, code: 500 } }), validateError],
    [
      'an error without param (llama.cpp)',
      () => ({ error: { code: 400, message: 'bad n', type: 'invalid_request_error' } }),
      validateError,
    ],
    [
      'an error of code, message and metadata (OpenRouter)',
      () => ({ error: { code: 400, message: 'bad n', metadata: { provider_name: 'x' } } }),
      validateError,
    ],
    ['a model list', () => ({ object: 'list', data: [{ id: 'm', object: 'model', created: 1, owned_by: 'me' }] }), validateModelList],
    ['a minimal request', () => ({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }), validateRequest],
    ['a request with unknown fields', () => ({ model: 'm', messages: [], context_length_exceeded_behavior: 'error' }), validateRequest],
    [
      'a request with documented edge values',
      () => ({ model: 'm', messages: [], n: 128, temperature: 0, top_p: 1, top_logprobs: 20, logprobs: true }),
      validateRequest,
    ],
    ['a stop array of 4', () => ({ model: 'm', messages: [], stop: ['a', 'b', 'c', 'd'] }), validateRequest],
    [
      'a tool message',
      () => ({ model: 'm', messages: [{ role: 'tool', tool_call_id: 'call_1', content: '{"ok":true}' }] }),
      validateRequest,
    ],
    [
      'an image part in string form',
      () => ({ model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: 'https://x/y.png' }] }] }),
      validateRequest,
    ],
    [
      'tool_choice naming a function',
      () => ({ model: 'm', messages: [], tool_choice: { type: 'function', function: { name: 'f' } } }),
      validateRequest,
    ],
  ])('%s', (_name, make, validate) => {
    expect(messages(validate(JSON.parse(JSON.stringify(make()))))).toEqual([]);
  });
});

describe('malformed bodies are rejected, naming the path', () => {
  test.each<[string, () => unknown, (v: unknown) => Validation, string]>([
    ['wrong object', () => ({ ...completion(), object: 'text_completion' }), validateResponse, '/object: must be equal to constant'],
    ['missing id', () => ({ ...completion(), id: undefined }), validateResponse, "(root): must have required property 'id'"],
    ['created as a string', () => ({ ...completion(), created: '1735689600' }), validateResponse, '/created: must be integer'],
    [
      'non-integer usage',
      () => ({ ...completion(), usage: { prompt_tokens: 5, completion_tokens: 2.5, total_tokens: 7.5 } }),
      validateResponse,
      '/usage/completion_tokens: must be integer',
    ],
    [
      'negative usage',
      () => ({ ...completion(), usage: { prompt_tokens: -1, completion_tokens: 2, total_tokens: 1 } }),
      validateResponse,
      '/usage/prompt_tokens: must be >= 0',
    ],
    ['choices not an array', () => ({ ...completion(), choices: { 0: {} } }), validateResponse, '/choices: must be array'],
    [
      'a string index',
      () => ({ ...completion(), choices: [{ ...completion().choices[0], index: '0' }] }),
      validateResponse,
      '/choices/0/index: must be integer',
    ],
    [
      'an undocumented finish_reason',
      () => ({ ...completion(), choices: [{ ...completion().choices[0], finish_reason: 'eos_token' }] }),
      validateResponse,
      '/choices/0/finish_reason: must be equal to one of the allowed values',
    ],
    [
      'tool-call arguments as an object',
      () => ({
        ...completion(),
        choices: [
          {
            index: 0,
            message: { role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: {} } }] },
            finish_reason: 'tool_calls',
          },
        ],
      }),
      validateResponse,
      '/choices/0/message/tool_calls/0/function/arguments: must be string',
    ],
    [
      'chunk finish_reason ""',
      () => chunk([{ index: 0, delta: {}, finish_reason: '' }]),
      validateChunk,
      '/choices/0/finish_reason: must be equal to one of the allowed values',
    ],
    [
      'chunk object chat.completion',
      () => ({ ...chunk([]), object: 'chat.completion' }),
      validateChunk,
      '/object: must be equal to constant',
    ],
    [
      'ToolCallDelta without index',
      () => chunk([{ index: 0, delta: { tool_calls: [{ id: 'c', function: { arguments: '{}' } }] }, finish_reason: null }]),
      validateChunk,
      "/choices/0/delta/tool_calls/0: must have required property 'index'",
    ],
    ['choices: []', () => ({ ...completion(), choices: [] }), validateResponse, '/choices: must NOT have fewer than 1 items'],
    ['an empty id', () => ({ ...completion(), id: '' }), validateResponse, '/id: must NOT have fewer than 1 characters'],
    ['an empty model in a chunk', () => ({ ...chunk([]), model: '' }), validateChunk, '/model: must NOT have fewer than 1 characters'],
    [
      'a tool call without id',
      () => ({
        ...completion(),
        choices: [
          {
            index: 0,
            message: { role: 'assistant', tool_calls: [{ type: 'function', function: { name: 'f', arguments: '{}' } }] },
            finish_reason: 'stop',
          },
        ],
      }),
      validateResponse,
      "/choices/0/message/tool_calls/0: must have required property 'id'",
    ],
    [
      'a logprob entry without logprob',
      () => ({
        ...completion(),
        choices: [
          { index: 0, message: { role: 'assistant', content: 'Hi' }, finish_reason: 'stop', logprobs: { content: [{ token: 'Hi' }] } },
        ],
      }),
      validateResponse,
      "/choices/0/logprobs/content/0: must have required property 'logprob'",
    ],
    ['chunk usage as a string', () => chunk([], 'none'), validateChunk, '/usage: must be object or null'],
    ['error as a string', () => ({ error: 'bad request' }), validateError, '/error: must be object'],
    ['flat error', () => ({ message: 'bad', code: 400 }), validateError, "(root): must have required property 'error'"],
    [
      'error without message',
      () => ({ error: { type: 'invalid_request_error', param: null, code: null } }),
      validateError,
      "/error: must have required property 'message'",
    ],
    [
      'error with an empty message',
      () => ({ error: { message: '' } }),
      validateError,
      '/error/message: must NOT have fewer than 1 characters',
    ],
    ['model list data not an array', () => ({ object: 'list', data: {} }), validateModelList, '/data: must be array'],
    ['request without model', () => ({ messages: [] }), validateRequest, "(root): must have required property 'model'"],
    ['n below its range', () => ({ model: 'm', messages: [], n: 0 }), validateRequest, '/n: must be >= 1'],
    ['temperature above its range', () => ({ model: 'm', messages: [], temperature: 2.5 }), validateRequest, '/temperature: must be <= 2'],
    ['top_p 0', () => ({ model: 'm', messages: [], top_p: 0 }), validateRequest, '/top_p: must be > 0'],
    [
      'five stop sequences',
      () => ({ model: 'm', messages: [], stop: ['a', 'b', 'c', 'd', 'e'] }),
      validateRequest,
      '/stop: must NOT have more than 4 items',
    ],
    ['max_tokens as a string', () => ({ model: 'm', messages: [], max_tokens: '10' }), validateRequest, '/max_tokens: must be integer'],
    [
      'a logit bias of 101',
      () => ({ model: 'm', messages: [], logit_bias: { '1024': 101 } }),
      validateRequest,
      '/logit_bias/1024: must be <= 100',
    ],
    [
      'an unknown role',
      () => ({ model: 'm', messages: [{ role: 'robot', content: 'x' }] }),
      validateRequest,
      '/messages/0/role: must be equal to one of the allowed values',
    ],
    [
      'a message name with a space',
      () => ({ model: 'm', messages: [{ role: 'user', content: 'x', name: 'bad name' }] }),
      validateRequest,
      '/messages/0/name: must match pattern "^[a-zA-Z0-9_]+$"',
    ],
    [
      'a function name of 65 characters',
      () => ({ model: 'm', messages: [], tools: [{ type: 'function', function: { name: 'f'.repeat(65) } }] }),
      validateRequest,
      '/tools/0/function/name: must NOT have more than 64 characters',
    ],
    [
      'a tool of type retrieval',
      () => ({ model: 'm', messages: [], tools: [{ type: 'retrieval', function: { name: 'f' } }] }),
      validateRequest,
      '/tools/0/type: must be equal to one of the allowed values',
    ],
    [
      'an unknown content part',
      () => ({ model: 'm', messages: [{ role: 'user', content: [{ type: 'audio', audio: {} }] }] }),
      validateRequest,
      '/messages/0/content/0: value of tag "type" must be in oneOf',
    ],
    [
      'json_schema without its settings',
      () => ({ model: 'm', messages: [], response_format: { type: 'json_schema' } }),
      validateRequest,
      "/response_format: must have required property 'json_schema'",
    ],
    [
      'an unknown tool_choice mode',
      () => ({ model: 'm', messages: [], tool_choice: 'any' }),
      validateRequest,
      '/tool_choice: must be equal to one of the allowed values',
    ],
  ])('%s', (_name, make, validate, expected) => {
    const found = messages(validate(JSON.parse(JSON.stringify(make()))));
    expect(found).toContain(expected);
  });

  test('a violation carries the path, an excerpt of the value, what is documented and the keyword', () => {
    const [violation, ...rest] = violations(validateResponse({ ...completion(), created: '1735689600' }));
    expect(rest).toEqual([]);
    expect(violation).toEqual({
      path: '/created',
      message: '/created: must be integer',
      received: '"1735689600"',
      documented: 'type integer',
      keyword: 'type',
    });
  });

  test('documented names the allowed values, the missing property and the bound', () => {
    const enumViolation = violations(validateChunk(chunk([{ index: 0, delta: {}, finish_reason: '' }])))[0];
    expect(enumViolation?.documented).toBe('one of: stop, length, tool_calls, content_filter, function_call, null');
    const missing = violations(validateResponse({ ...completion(), id: undefined }))[0];
    expect(missing).toMatchObject({ path: '', received: 'absent', documented: 'required property "id"', keyword: 'required' });
    const bound = violations(validateRequest({ model: 'm', messages: [], n: 0 }))[0];
    expect(bound).toMatchObject({ documented: 'x >= 1', keyword: 'minimum', received: '0' });
    const part = violations(validateRequest({ model: 'm', messages: [{ role: 'user', content: [{ type: 'audio' }] }] }))[0];
    expect(part?.documented).toBe('"type" one of: text, image_url, video_url, input_audio, file');
  });

  test('a value matching no alternative of a nullable reference yields one violation, not one per alternative', () => {
    expect(violations(validateRequest({ model: 'm', messages: [], response_format: 'json' }))).toEqual([
      {
        path: '/response_format',
        message: '/response_format: must be object or null',
        received: '"json"',
        documented: 'type object | null',
        keyword: 'type',
      },
    ]);
    expect(messages(validateRequest({ model: 'm', messages: [], response_format: { type: 'yaml' } }))).toEqual([
      '/response_format/type: must be equal to one of the allowed values',
    ]);
  });

  test('every violation is reported, not only the first', () => {
    const found = messages(validateResponse({ object: 'x', created: 'y', choices: 'z' }));
    expect(found.length).toBeGreaterThanOrEqual(5);
  });
});

describe('compileUserSchema', () => {
  const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };

  test('validates values against a supplied schema, naming the path', () => {
    const compiled = compileUserSchema(schema);
    if (!compiled.ok) throw new Error(compiled.error);
    expect(compiled.validate({ city: 'Paris' })).toEqual({ ok: true });
    expect(messages(compiled.validate({ city: 3 }))).toEqual(['/city: must be string']);
    expect(messages(compiled.validate({}))).toEqual(["(root): must have required property 'city'"]);
  });

  test('caches by JSON text', () => {
    expect(compileUserSchema(JSON.parse(JSON.stringify(schema)))).toBe(compileUserSchema(schema));
  });

  test('accepts draft-07 style schemas and boolean schemas', () => {
    const draft7 = compileUserSchema({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'integer' });
    expect(draft7.ok && draft7.validate(3).ok).toBe(true);
    const anything = compileUserSchema(true);
    expect(anything.ok && anything.validate({ x: 1 }).ok).toBe(true);
  });

  test('never throws on garbage', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const garbage: unknown[] = [
      null,
      undefined,
      42,
      'object',
      [],
      { type: 'nope' },
      { pattern: '(' },
      { minimum: 'a' },
      { $ref: 'https://example.invalid/schema.json' },
      { $async: true, type: 'object' },
      { properties: 5 },
      cyclic,
      10n,
    ];
    for (const value of garbage) {
      const result = compileUserSchema(value);
      expect(result.ok, String(typeof value)).toBe(false);
      if (!result.ok) expect(result.error.length).toBeGreaterThan(0);
    }
  });
});
