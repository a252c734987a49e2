import { request as httpRequest } from 'node:http';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { listBehaviours, parseServeArgs } from '../src/cli/serve.ts';
import type { Behaviour } from '../src/reference/behaviour.ts';
import { behaviours } from '../src/reference/catalogue.ts';
import { type RunningReference, startReference } from '../src/reference/server.ts';
import { ToolError } from '../src/run/errors.ts';

const KEY = 'sk-reference';
type Json = Record<string, any>;

let ref: RunningReference;
let origin: string;

beforeAll(async () => {
  ref = await startReference({ port: 0 });
  origin = ref.url.replace(/\/v1$/, '');
});
afterAll(async () => {
  await ref.close();
});

const hello = (extra: Json = {}): Json => ({ model: 'reference-chat', messages: [{ role: 'user', content: 'Say hello.' }], ...extra });

async function post(body: unknown, init: { path?: string; auth?: string | null; raw?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.auth !== null) headers.authorization = init.auth ?? `Bearer ${KEY}`;
  return fetch(`${origin}${init.path ?? '/v1/chat/completions'}`, {
    method: 'POST',
    headers,
    body: init.raw ?? JSON.stringify(body),
  });
}

async function complete(body: Json): Promise<Json> {
  const res = await post(body);
  expect(res.status).toBe(200);
  return (await res.json()) as Json;
}

/** The data payloads of an SSE body, `[DONE]` included as the string. */
function dataEvents(text: string): string[] {
  return text
    .split('\n\n')
    .filter((event) => event !== '')
    .map((event) => {
      expect(event.startsWith('data: ')).toBe(true);
      return event.slice('data: '.length);
    });
}

async function stream(body: Json): Promise<{ chunks: Json[]; events: string[]; res: Response }> {
  const res = await post({ ...body, stream: true });
  expect(res.status).toBe(200);
  const events = dataEvents(await res.text());
  expect(events.at(-1)).toBe('[DONE]');
  return { res, events, chunks: events.slice(0, -1).map((e) => JSON.parse(e) as Json) };
}

function streamedContent(chunks: Json[], index = 0): string {
  return chunks
    .flatMap((c) => c.choices as Json[])
    .filter((c) => c.index === index)
    .map((c) => c.delta.content ?? '')
    .join('');
}

async function expectError(
  res: Response,
  status: number,
  fields: { type?: string; param?: string | null; code?: string } = {},
): Promise<Json> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await res.json()) as Json;
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(typeof body.error.message).toBe('string');
  for (const [name, value] of Object.entries(fields)) expect(body.error[name]).toEqual(value);
  return body.error as Json;
}

describe('routes and error replies', () => {
  test('GET /models lists the general model first, then the reasoning models', async () => {
    const res = await fetch(`${ref.url}/models`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Json;
    expect(body.object).toBe('list');
    expect(body.data.map((m: Json) => m.id)).toEqual(['reference-chat', 'deepseek/deepseek-r1-turbo', 'zai-org/glm-4.5']);
    for (const model of body.data) {
      expect(model).toMatchObject({ object: 'model', owned_by: expect.any(String) });
      expect(Number.isInteger(model.created)).toBe(true);
    }
  });

  test('an unknown path is a 404 with the error object', async () => {
    await expectError(await post(hello(), { path: '/v2/chat/completions' }), 404);
  });

  test('a wrong method is a 405 naming the allowed one', async () => {
    const get = await fetch(`${ref.url}/chat/completions`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(get.headers.get('allow')).toBe('POST');
    await expectError(get, 405);
    const postModels = await post({}, { path: '/v1/models' });
    expect(postModels.headers.get('allow')).toBe('GET');
    await expectError(postModels, 405);
  });

  test('a missing or wrong key is a 401 authentication_error; the scheme is case-insensitive', async () => {
    await expectError(await post(hello(), { auth: null }), 401, { type: 'authentication_error' });
    await expectError(await post(hello(), { auth: 'Bearer sk-wrong' }), 401, { type: 'authentication_error' });
    await expectError(await post(hello(), { auth: KEY }), 401, { type: 'authentication_error' });
    expect((await post(hello(), { auth: `bearer ${KEY}` })).status).toBe(200);
    expect((await post(hello(), { auth: `BEARER ${KEY}` })).status).toBe(200);
  });

  test('malformed JSON and non-object JSON are 400 invalid_request_error', async () => {
    await expectError(await post(null, { raw: '{"model": "reference-chat",' }), 400, { type: 'invalid_request_error', param: null });
    await expectError(await post(null, { raw: '[1,2]' }), 400, { type: 'invalid_request_error' });
    await expectError(await post(null, { raw: '"text"' }), 400, { type: 'invalid_request_error' });
    await expectError(await post(null, { raw: 'null' }), 400, { type: 'invalid_request_error' });
  });

  test('validation failures name the parameter', async () => {
    await expectError(await post(hello({ temperature: 5 })), 400, { type: 'invalid_request_error', param: 'temperature' });
    await expectError(await post(hello({ top_p: 'high' })), 400, { param: 'top_p' });
    const badRole = { model: 'reference-chat', messages: [{ role: 'wizard', content: 'hi' }] };
    await expectError(await post(badRole), 400, { param: 'messages[0].role' });
  });

  test('a missing required field is named itself, not its parent', async () => {
    await expectError(await post({ messages: [{ role: 'user', content: 'hi' }] }), 400, {
      param: 'model',
      code: 'missing_required_parameter',
    });
    await expectError(await post({ model: 'reference-chat', messages: [{ content: 'hi' }] }), 400, { param: 'messages[0].role' });
  });

  test('top_logprobs without logprobs:true is rejected on top_logprobs', async () => {
    await expectError(await post(hello({ top_logprobs: 3 })), 400, { param: 'top_logprobs' });
    await expectError(await post(hello({ top_logprobs: 3, logprobs: false })), 400, { param: 'top_logprobs' });
  });

  test('an unknown model is a 404 model_not_found', async () => {
    await expectError(await post(hello({ model: 'no-such-model' })), 404, { code: 'model_not_found', param: 'model' });
  });

  test('a body over 1 MiB is a 413 and the connection stays usable', async () => {
    const big = hello({ messages: [{ role: 'user', content: 'x'.repeat(1024 * 1024 + 10) }] });
    await expectError(await post(big), 413);
    expect((await post(hello())).status).toBe(200);
  });

  test('a body over 1 MiB without Content-Length is cut off at the limit too', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        `${origin}/v1/chat/completions`,
        { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      const piece = Buffer.alloc(64 * 1024, 0x20);
      for (let i = 0; i < 20; i += 1) req.write(piece);
      req.end();
    });
    expect(status).toBe(413);
  });

  test('stream_options without stream is accepted and ignored', async () => {
    const res = await post(hello({ stream_options: { include_usage: true } }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await res.json()) as Json).object).toBe('chat.completion');
  });

  test('an unknown fault or variant prefix is a 404', async () => {
    await expectError(await post(hello(), { path: '/fault/no-such-fault/v1/chat/completions' }), 404);
    await expectError(await post(hello(), { path: '/variant/no-such-variant/v1/chat/completions' }), 404);
  });
});

describe('generation', () => {
  test('the non-stream response has the documented shape', async () => {
    const body = await complete(hello());
    expect(body.id).toMatch(/^chatcmpl-/);
    expect(body.object).toBe('chat.completion');
    expect(body.model).toBe('reference-chat');
    expect(Math.abs(body.created - Date.now() / 1000)).toBeLessThan(60);
    expect(body.choices).toHaveLength(1);
    const [choice] = body.choices;
    expect(choice.index).toBe(0);
    expect(choice.message.role).toBe('assistant');
    expect(typeof choice.message.content).toBe('string');
    expect(choice.logprobs).toBeNull();
    expect(choice.finish_reason).toBe('stop');
    const usage = body.usage;
    expect(usage.prompt_tokens).toBeGreaterThan(0);
    expect(usage.completion_tokens).toBeGreaterThanOrEqual(8);
    expect(usage.completion_tokens).toBeLessThanOrEqual(30);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
  });

  test('the same request gives the same output; a different seed gives a different one', async () => {
    const a = await complete(hello({ seed: 7 }));
    const b = await complete(hello({ seed: 7 }));
    const c = await complete(hello({ seed: 8 }));
    expect(b.choices[0].message.content).toBe(a.choices[0].message.content);
    expect(b.usage).toEqual(a.usage);
    expect(c.choices[0].message.content).not.toBe(a.choices[0].message.content);
  });

  test('the vocabulary includes multi-byte characters', async () => {
    const contents = await Promise.all(Array.from({ length: 12 }, (_, seed) => complete(hello({ seed }))));
    const text = contents.map((body) => body.choices[0].message.content as string).join('');
    expect([...text].some((ch) => Buffer.byteLength(ch) > 1)).toBe(true);
  });

  test('n gives n choices with indices 0..n-1 and different texts', async () => {
    const body = await complete(hello({ n: 3 }));
    expect(body.choices.map((c: Json) => c.index)).toEqual([0, 1, 2]);
    expect(new Set(body.choices.map((c: Json) => c.message.content)).size).toBe(3);
    for (const choice of body.choices) expect(choice.finish_reason).toBe('stop');
  });

  test('max_tokens truncates to exactly that many tokens with finish_reason length', async () => {
    const body = await complete(hello({ max_tokens: 5 }));
    expect(body.usage.completion_tokens).toBe(5);
    expect(body.choices[0].finish_reason).toBe('length');
    const natural = await complete(hello({ max_tokens: 1000 }));
    expect(natural.choices[0].finish_reason).toBe('stop');
    expect(natural.choices[0].message.content.startsWith(body.choices[0].message.content)).toBe(true);
  });

  test('max_completion_tokens works alone, and the smaller limit wins when both are given', async () => {
    const alone = await complete(hello({ max_completion_tokens: 4 }));
    expect(alone.usage.completion_tokens).toBe(4);
    expect(alone.choices[0].finish_reason).toBe('length');
    const both = await complete(hello({ max_tokens: 6, max_completion_tokens: 3 }));
    expect(both.usage.completion_tokens).toBe(3);
    const other = await complete(hello({ max_tokens: 2, max_completion_tokens: 9 }));
    expect(other.usage.completion_tokens).toBe(2);
  });

  test('counting is imitated token by token', async () => {
    const body = await complete({ model: 'reference-chat', messages: [{ role: 'user', content: 'Please count from 1 to 12.' }] });
    expect(body.choices[0].message.content).toBe('1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12');
    expect(body.usage.completion_tokens).toBe(23);
  });

  test('"repeat exactly" echoes the text, one token per multi-byte character', async () => {
    const text = '🦙🚀 漢字 Ďábelské ñ';
    const body = await complete({
      model: 'reference-chat',
      messages: [{ role: 'user', content: `Repeat exactly: ${text}` }],
      logprobs: true,
    });
    expect(body.choices[0].message.content).toBe(text);
    const tokens = body.choices[0].logprobs.content.map((e: Json) => e.token as string);
    expect(tokens.join('')).toBe(text);
    expect(tokens).toContain('🦙');
    expect(tokens).toContain('字');
  });

  test('a stop sequence ends the output and is included in it', async () => {
    const count = { model: 'reference-chat', messages: [{ role: 'user', content: 'count from 1 to 20' }] };
    const single = await complete({ ...count, stop: ', 5' });
    expect(single.choices[0].message.content).toBe('1, 2, 3, 4, 5');
    expect(single.choices[0].finish_reason).toBe('stop');
    const list = await complete({ ...count, stop: ['9', '3, 4'] });
    expect(list.choices[0].message.content).toBe('1, 2, 3, 4');
    const inside = await complete({ ...count, stop: '1' });
    expect(inside.choices[0].message.content).toBe('1');
    const streamed = await stream({ ...count, stop: ', 5' });
    expect(streamedContent(streamed.chunks)).toBe('1, 2, 3, 4, 5');
  });

  test('logprobs carry exactly top_logprobs sorted alternatives led by the token', async () => {
    const body = await complete(hello({ logprobs: true, top_logprobs: 4 }));
    const entries = body.choices[0].logprobs.content as Json[];
    expect(entries).toHaveLength(body.usage.completion_tokens);
    expect(entries.map((e) => e.token).join('')).toBe(body.choices[0].message.content);
    for (const entry of entries) {
      expect(entry.logprob).toBeLessThanOrEqual(0);
      expect(entry.bytes).toEqual([...Buffer.from(entry.token, 'utf8')]);
      expect(entry.top_logprobs).toHaveLength(4);
      expect(entry.top_logprobs[0]).toMatchObject({ token: entry.token, logprob: entry.logprob });
      const values = entry.top_logprobs.map((t: Json) => t.logprob as number);
      expect([...values].sort((x, y) => y - x)).toEqual(values);
      for (const alt of entry.top_logprobs) expect(alt.bytes).toEqual([...Buffer.from(alt.token, 'utf8')]);
    }
    const none = await complete(hello({ logprobs: true }));
    for (const entry of none.choices[0].logprobs.content) expect(entry.top_logprobs).toEqual([]);
  });

  const weatherTool = {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Weather for a city',
      parameters: {
        type: 'object',
        properties: {
          city: { type: 'string', minLength: 2, maxLength: 20 },
          unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
          days: { type: 'integer', minimum: 1, maximum: 7 },
          hourly: { type: 'boolean' },
          tags: { type: 'array', items: { type: 'string' }, minItems: 2 },
          where: {
            anyOf: [
              { type: 'object', properties: { lat: { type: 'number', minimum: -90, maximum: 90 } }, required: ['lat'] },
              { type: 'null' },
            ],
          },
        },
        required: ['city', 'unit', 'days'],
        additionalProperties: false,
      },
    },
  };

  test('tools produce one call whose arguments validate against the declared schema', async () => {
    const validate = new Ajv2020({ strict: false }).compile(weatherTool.function.parameters);
    for (const toolChoice of [undefined, 'auto', 'required', { type: 'function', function: { name: 'get_weather' } }]) {
      const body = await complete(hello({ tools: [weatherTool], ...(toolChoice ? { tool_choice: toolChoice } : {}) }));
      const { message, finish_reason } = body.choices[0];
      expect(message.content).toBeNull();
      expect(finish_reason).toBe('stop');
      expect(message.tool_calls).toHaveLength(1);
      const [call] = message.tool_calls;
      expect(call.id).toMatch(/^call_/);
      expect(call.type).toBe('function');
      expect(call.function.name).toBe('get_weather');
      expect(typeof call.function.arguments).toBe('string');
      expect(validate(JSON.parse(call.function.arguments))).toBe(true);
    }
  });

  test('a named tool_choice picks that function; "none" answers in text', async () => {
    const other = {
      type: 'function',
      function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } },
    };
    const named = await complete(hello({ tools: [weatherTool, other], tool_choice: { type: 'function', function: { name: 'lookup' } } }));
    expect(named.choices[0].message.tool_calls[0].function.name).toBe('lookup');
    const none = await complete(hello({ tools: [weatherTool], tool_choice: 'none' }));
    expect(typeof none.choices[0].message.content).toBe('string');
    expect(none.choices[0].message.tool_calls).toBeUndefined();
    await expectError(await post(hello({ tools: [weatherTool], tool_choice: { type: 'function', function: { name: 'nope' } } })), 400, {
      param: 'tool_choice',
    });
  });

  test('response_format json_object gives a JSON object; json_schema gives content valid against the schema', async () => {
    const object = await complete(hello({ response_format: { type: 'json_object' } }));
    const parsed = JSON.parse(object.choices[0].message.content);
    expect(typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)).toBe(true);

    const schema = {
      type: 'object',
      properties: {
        name: { type: 'string' },
        score: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
        kind: { const: 'person' },
        friends: { type: 'array', items: { $ref: '#/$defs/friend' }, minItems: 1, maxItems: 3 },
      },
      required: ['name', 'score', 'kind', 'friends'],
      additionalProperties: false,
      $defs: { friend: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] } },
    };
    const validate = new Ajv2020({ strict: false }).compile(schema);
    for (const seed of [1, 2, 3]) {
      const body = await complete(
        hello({ seed, n: 2, response_format: { type: 'json_schema', json_schema: { name: 'person', schema, strict: true } } }),
      );
      for (const choice of body.choices) expect(validate(JSON.parse(choice.message.content))).toBe(true);
    }
  });

  test('a schema the generator cannot satisfy is refused with a 400, not answered wrongly', async () => {
    const schema = { type: 'string', pattern: '^[0-9]{4}-XYZ$' };
    await expectError(await post(hello({ response_format: { type: 'json_schema', json_schema: { name: 'code', schema } } })), 400, {
      code: 'unsupported_schema',
    });
  });

  test('deepseek/deepseek-r1-turbo: separate_reasoning moves reasoning to reasoning_content', async () => {
    const base = { model: 'deepseek/deepseek-r1-turbo', messages: [{ role: 'user', content: 'Why is the sky blue?' }] };
    const separate = (await complete({ ...base, separate_reasoning: true })).choices[0].message;
    expect(typeof separate.reasoning_content).toBe('string');
    expect(separate.reasoning_content.length).toBeGreaterThan(0);
    expect(separate.content).not.toContain('<think>');
    for (const flag of [false, undefined]) {
      const inline = (await complete({ ...base, ...(flag === undefined ? {} : { separate_reasoning: flag }) })).choices[0].message;
      expect(inline.reasoning_content).toBeUndefined();
      expect(inline.content).toMatch(/^<think>.+<\/think>\n\n.+/s);
    }
  });

  test('zai-org/glm-4.5: enable_thinking switches reasoning_content on (default) and off', async () => {
    const base = { model: 'zai-org/glm-4.5', messages: [{ role: 'user', content: 'Hi' }] };
    expect((await complete(base)).choices[0].message.reasoning_content.length).toBeGreaterThan(0);
    expect((await complete({ ...base, enable_thinking: true })).choices[0].message.reasoning_content.length).toBeGreaterThan(0);
    expect((await complete({ ...base, enable_thinking: false })).choices[0].message.reasoning_content).toBeUndefined();
  });

  test('other models ignore the reasoning switches', async () => {
    const body = await complete(hello({ separate_reasoning: true, enable_thinking: true }));
    expect(body.choices[0].message.reasoning_content).toBeUndefined();
    expect(body.choices[0].message.content).not.toContain('<think>');
  });

  test('reasoning tokens count toward completion_tokens and max_tokens', async () => {
    const base = { model: 'zai-org/glm-4.5', messages: [{ role: 'user', content: 'Hi' }] };
    const body = await complete(base);
    const { message } = body.choices[0];
    expect(body.usage.completion_tokens).toBeGreaterThan(0);
    const limited = await complete({ ...base, max_tokens: 3 });
    expect(limited.usage.completion_tokens).toBe(3);
    expect(limited.choices[0].finish_reason).toBe('length');
    expect(message.reasoning_content.startsWith(limited.choices[0].message.reasoning_content)).toBe(true);
  });
});

describe('streaming', () => {
  test('headers and framing: data-only events, [DONE] once at the end', async () => {
    const { res, events, chunks } = await stream(hello());
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(events.filter((e) => e === '[DONE]')).toHaveLength(1);
    for (const chunk of chunks) {
      expect(chunk.object).toBe('chat.completion.chunk');
      expect(chunk).not.toHaveProperty('usage');
    }
    expect(new Set(chunks.map((c) => `${c.id}|${c.created}|${c.model}`)).size).toBe(1);
  });

  test('each choice: role first, one delta per token, exactly one finish chunk last; choices interleaved', async () => {
    const { chunks } = await stream(hello({ n: 3 }));
    const order = chunks.map((c) => c.choices[0].index as number);
    expect(order.slice(0, 6)).toEqual([0, 1, 2, 0, 1, 2]);
    for (const index of [0, 1, 2]) {
      const mine = chunks.flatMap((c) => c.choices as Json[]).filter((c) => c.index === index);
      expect(mine[0]?.delta).toEqual({ role: 'assistant', content: '' });
      const finishes = mine.filter((c) => c.finish_reason !== null);
      expect(finishes).toHaveLength(1);
      expect(mine.at(-1)).toMatchObject({ delta: {}, finish_reason: 'stop' });
      for (const c of mine.slice(1, -1)) {
        expect(c.finish_reason).toBeNull();
        expect(Object.keys(c.delta)).toEqual(['content']);
      }
    }
  });

  test('streamed content and usage equal the non-stream answer', async () => {
    for (const body of [
      hello({ seed: 3, n: 2 }),
      hello({ max_tokens: 4 }),
      { model: 'reference-chat', messages: [{ role: 'user', content: 'Repeat exactly: 漢字🚀ñ' }] },
      { model: 'deepseek/deepseek-r1-turbo', messages: [{ role: 'user', content: 'Hi' }] },
    ]) {
      const whole = await complete(body);
      const { chunks } = await stream({ ...body, stream_options: { include_usage: true } });
      for (const choice of whole.choices as Json[]) expect(streamedContent(chunks, choice.index)).toBe(choice.message.content);
      expect(chunks.at(-1)?.usage).toEqual(whole.usage);
    }
  });

  test('include_usage: usage null on every chunk, then one usage chunk with empty choices before [DONE]', async () => {
    const { chunks } = await stream(hello({ n: 2, stream_options: { include_usage: true } }));
    const last = chunks.at(-1) as Json;
    expect(last.choices).toEqual([]);
    expect(last.usage.total_tokens).toBe(last.usage.prompt_tokens + last.usage.completion_tokens);
    for (const chunk of chunks.slice(0, -1)) {
      expect(chunk).toHaveProperty('usage', null);
      expect(chunk.choices).toHaveLength(1);
    }
  });

  test('reasoning streams as reasoning_content deltas before content', async () => {
    const body = { model: 'deepseek/deepseek-r1-turbo', separate_reasoning: true, messages: [{ role: 'user', content: 'Hi' }] };
    const whole = (await complete(body)).choices[0].message;
    const { chunks } = await stream(body);
    const deltas = chunks.map((c) => c.choices[0].delta as Json);
    const reasoning = deltas.filter((d) => 'reasoning_content' in d);
    expect(reasoning.map((d) => d.reasoning_content).join('')).toBe(whole.reasoning_content);
    const lastReasoning = deltas.findLastIndex((d) => 'reasoning_content' in d);
    const firstContent = deltas.findIndex((d) => typeof d.content === 'string' && d.content !== '');
    expect(lastReasoning).toBeLessThan(firstContent);
  });

  test('tool calls stream with index: the first delta names the call, later ones carry argument fragments', async () => {
    const tool = {
      type: 'function',
      function: {
        name: 'add',
        parameters: { type: 'object', properties: { a: { type: 'integer' }, b: { type: 'integer' } }, required: ['a', 'b'] },
      },
    };
    const whole = (await complete(hello({ tools: [tool] }))).choices[0].message;
    const { chunks } = await stream(hello({ tools: [tool] }));
    const calls = chunks.flatMap((c) => (c.choices[0]?.delta.tool_calls ?? []) as Json[]);
    expect(calls[0]).toEqual({ index: 0, id: whole.tool_calls[0].id, type: 'function', function: { name: 'add', arguments: '' } });
    for (const call of calls.slice(1)) expect(Object.keys(call).sort()).toEqual(['function', 'index']);
    expect(calls.map((c) => c.function.arguments).join('')).toBe(whole.tool_calls[0].function.arguments);
    expect(chunks.at(-1)?.choices[0].finish_reason).toBe('stop');
  });

  test('logprobs ride on content chunks only', async () => {
    const { chunks } = await stream(hello({ logprobs: true, top_logprobs: 2 }));
    for (const chunk of chunks) {
      const [choice] = chunk.choices;
      if (typeof choice.delta.content === 'string' && choice.delta.content !== '') {
        expect(choice.logprobs.content).toHaveLength(1);
        expect(choice.logprobs.content[0].token).toBe(choice.delta.content);
        expect(choice.logprobs.content[0].top_logprobs).toHaveLength(2);
      } else {
        expect(choice.logprobs).toBeNull();
      }
    }
  });
});

describe('resilience', () => {
  test('a client that leaves mid-stream is let go; the server keeps serving', async () => {
    const slow = await startReference({ gapMs: 25 });
    try {
      const controller = new AbortController();
      const res = await fetch(`${slow.url}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'reference-chat', stream: true, messages: [{ role: 'user', content: 'count from 1 to 400' }] }),
        signal: controller.signal,
      });
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      await reader.read();
      controller.abort();
      await reader.cancel().catch(() => undefined);
      const deadline = Date.now() + 3000;
      while (slow.inFlight() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(slow.inFlight()).toBe(0);
      const after = await fetch(`${slow.url}/models`, { headers: { authorization: `Bearer ${KEY}` } });
      expect(after.status).toBe(200);
    } finally {
      await slow.close();
    }
  });

  test('close() ends promptly even while a stream hangs', async () => {
    const slow = await startReference({ ttftMs: 60_000 });
    const pending = fetch(`${slow.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(hello({ stream: true })),
    })
      .then((res) => res.text())
      .catch(() => 'cut');
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await slow.close();
    expect(Date.now() - started).toBeLessThan(2000);
    await pending;
  });

  test('responses that outlive maxResponseMs are cut', async () => {
    const slow = await startReference({ gapMs: 200, maxResponseMs: 300 });
    try {
      const res = await fetch(`${slow.url}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'reference-chat', stream: true, messages: [{ role: 'user', content: 'count from 1 to 100' }] }),
      });
      const started = Date.now();
      await res.text().catch(() => 'cut');
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await slow.close();
    }
  });
});

describe('behaviour hooks', () => {
  const calls: string[] = [];
  const recorder: Behaviour = {
    name: 'recorder',
    kind: 'variant',
    description: 'records the order of hook calls',
    detectedBy: [],
    authenticate: (authorization, expected) => {
      calls.push('authenticate');
      return authorization === `Bearer ${expected}`;
    },
    validate: (_request, errors) => {
      calls.push('validate');
      return errors;
    },
    error: (reply) => {
      calls.push('error');
      return reply;
    },
    generate: (completion) => {
      calls.push('generate');
      return completion;
    },
    response: (body) => {
      calls.push('response');
      return body;
    },
    chunks: (chunks) => {
      calls.push('chunks');
      return chunks;
    },
    events: (events) => {
      calls.push('events');
      return events;
    },
    headers: (headers) => {
      calls.push('headers');
      return { ...headers, 'x-recorded': 'yes' };
    },
    write: async (parts, ctx) => {
      calls.push(`write:${parts.length}:${ctx.res.headersSent}`);
      for (const part of parts) ctx.res.write(part);
      ctx.res.end();
    },
  };
  const broken: Behaviour = {
    name: 'broken',
    kind: 'fault',
    description: 'throws in generate',
    detectedBy: [],
    generate: () => {
      throw new Error('boom');
    },
  };
  let hooked: RunningReference;
  beforeAll(async () => {
    hooked = await startReference({ catalogue: [recorder, broken] });
  });
  afterAll(async () => {
    await hooked.close();
  });
  const send = (path: string, body: Json, auth = `Bearer ${KEY}`): Promise<Response> =>
    fetch(`${hooked.url.replace(/\/v1$/, '')}${path}`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  test('hooks run in pipeline order (non-stream, stream, error)', async () => {
    calls.length = 0;
    const plain = await send('/variant/recorder/v1/chat/completions', hello());
    expect(plain.headers.get('x-recorded')).toBe('yes');
    expect(((await plain.json()) as Json).object).toBe('chat.completion');
    expect(calls).toEqual(['authenticate', 'validate', 'generate', 'response', 'headers', 'write:1:false']);

    calls.length = 0;
    const streamed = await send('/variant/recorder/v1/chat/completions', hello({ stream: true, max_tokens: 3 }));
    expect(dataEvents(await streamed.text()).at(-1)).toBe('[DONE]');
    // role + 3 tokens + finish + [DONE]
    expect(calls).toEqual(['authenticate', 'validate', 'generate', 'chunks', 'events', 'headers', 'write:6:false']);

    calls.length = 0;
    await expectError(await send('/variant/recorder/v1/chat/completions', hello({ temperature: 9 })), 400);
    expect(calls).toEqual(['authenticate', 'validate', 'error', 'headers', 'write:1:false']);
  });

  test('a hook that throws is answered with a 400 naming the behaviour, and the server lives on', async () => {
    const error = await expectError(await send('/fault/broken/v1/chat/completions', hello()), 400, { code: 'behaviour_failed' });
    expect(error.message).toContain('broken');
    expect((await send('/v1/chat/completions', hello())).status).toBe(200);
  });

  test('a name under the wrong prefix kind is not found', async () => {
    await expectError(await send('/fault/recorder/v1/chat/completions', hello()), 404);
  });
});

describe('serve command flags', () => {
  test('defaults: port 8080, key from CONFORMANCE_API_KEY, else sk-reference', () => {
    expect(parseServeArgs([], {}).options).toMatchObject({ port: 8080, host: '127.0.0.1', apiKey: 'sk-reference', ttftMs: 0, gapMs: 5 });
    expect(parseServeArgs([], { CONFORMANCE_API_KEY: 'sk-env' }).options.apiKey).toBe('sk-env');
    expect(parseServeArgs(['--api-key', 'sk-flag'], { CONFORMANCE_API_KEY: 'sk-env' }).options.apiKey).toBe('sk-flag');
  });

  test('numbers, a fault and a variant are read from their flags', () => {
    const { options } = parseServeArgs(['--port', '0', '--ttft-ms', '50', '--gap-ms', '5', '--seed', '9', '--host', '::1'], {});
    expect(options).toMatchObject({ port: 0, ttftMs: 50, gapMs: 5, seed: 9, host: '::1' });
    const fault = behaviours.find((b) => b.kind === 'fault');
    if (fault) expect(parseServeArgs(['--fault', fault.name], {}).options.behaviour).toBe(fault.name);
    expect(parseServeArgs(['--list-faults'], {}).listOnly).toBe(true);
  });

  test('bad flags and values are tool errors', () => {
    for (const args of [
      ['--bogus'],
      ['--port', 'abc'],
      ['--port', '70000'],
      ['--gap-ms', '-1'],
      ['--fault', 'no-such-fault'],
      ['positional'],
      ['--port'],
    ]) {
      expect(() => parseServeArgs(args, {}), args.join(' ')).toThrow(ToolError);
    }
    const [fault] = behaviours.filter((b) => b.kind === 'fault');
    const [variant] = behaviours.filter((b) => b.kind === 'variant');
    if (fault && variant) {
      expect(() => parseServeArgs(['--fault', fault.name, '--variant', variant.name], {})).toThrow(/cannot be combined/);
      expect(() => parseServeArgs(['--variant', fault.name], {})).toThrow(/is a fault/);
    }
  });

  test('--list-faults prints faults and variants in two groups, one line each', () => {
    const sample: Behaviour[] = [
      { name: 'alpha', kind: 'fault', description: 'breaks a rule', detectedBy: [] },
      { name: 'beta', kind: 'variant', description: 'bends legally', detectedBy: [] },
    ];
    const lines = listBehaviours(sample).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Faults/);
    expect(lines[1]).toMatch(/alpha\s+fault\s+breaks a rule/);
    expect(lines.findIndex((l) => /^Legal variants/.test(l))).toBeGreaterThan(1);
    expect(lines.at(-1)).toMatch(/beta\s+variant\s+bends legally/);
  });
});
