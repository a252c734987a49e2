import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type RunningReference, startReference } from '../src/reference/server.ts';

// The official SDK as a real client: whatever it cannot parse, a client developer could not either.
let ref: RunningReference;
let client: OpenAI;

beforeAll(async () => {
  ref = await startReference({ port: 0 });
  client = new OpenAI({ baseURL: ref.url, apiKey: 'sk-reference', maxRetries: 0, timeout: 10_000 });
});
afterAll(async () => {
  await ref.close();
});

const messages = [{ role: 'user' as const, content: 'Tell me something about rivers.' }];

const weather = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
      required: ['city', 'unit'],
      additionalProperties: false,
    },
  },
};

describe('the openai SDK against the reference provider', () => {
  test('lists the models', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids[0]).toBe('reference-chat');
    expect(ids).toContain('deepseek/deepseek-r1-turbo');
  });

  test('non-stream completion', async () => {
    const completion = await client.chat.completions.create({ model: 'reference-chat', messages, seed: 5 });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices).toHaveLength(1);
    expect(completion.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(completion.usage?.total_tokens).toBe((completion.usage?.prompt_tokens ?? 0) + (completion.usage?.completion_tokens ?? 0));
  });

  test('stream: deltas concatenate to the non-stream content', async () => {
    const whole = await client.chat.completions.create({ model: 'reference-chat', messages, seed: 9 });
    const stream = await client.chat.completions.create({ model: 'reference-chat', messages, seed: 9, stream: true });
    let text = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk');
      const choice = chunk.choices[0];
      text += choice?.delta.content ?? '';
      if (choice?.finish_reason) finish = choice.finish_reason;
    }
    expect(text).toBe(whole.choices[0]?.message.content);
    expect(finish).toBe('stop');
  });

  test('stream with include_usage: the last chunk carries usage and no choices', async () => {
    const whole = await client.chat.completions.create({ model: 'reference-chat', messages, seed: 2 });
    const stream = await client.chat.completions.create({
      model: 'reference-chat',
      messages,
      seed: 2,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toEqual(whole.usage);
    for (const chunk of chunks.slice(0, -1)) expect(chunk.usage).toBeNull();
  });

  test('n = 2: two choices, streamed and accumulated by the SDK helper', async () => {
    const whole = await client.chat.completions.create({ model: 'reference-chat', messages, n: 2, seed: 4 });
    expect(whole.choices.map((c) => c.index)).toEqual([0, 1]);
    const runner = client.chat.completions.stream({ model: 'reference-chat', messages, n: 2, seed: 4 });
    const final = await runner.finalChatCompletion();
    expect(final.choices.map((c) => c.message.content)).toEqual(whole.choices.map((c) => c.message.content));
  });

  test('tools: the SDK parses the call, streamed and not', async () => {
    const whole = await client.chat.completions.create({ model: 'reference-chat', messages, tools: [weather], tool_choice: 'required' });
    const call = whole.choices[0]?.message.tool_calls?.[0];
    expect(call?.type).toBe('function');
    if (call?.type !== 'function') throw new Error('expected a function call');
    expect(call.function.name).toBe('get_weather');
    const args = JSON.parse(call.function.arguments) as { city: unknown; unit: unknown };
    expect(typeof args.city).toBe('string');
    expect(['celsius', 'fahrenheit']).toContain(args.unit);

    const runner = client.chat.completions.stream({ model: 'reference-chat', messages, tools: [weather], tool_choice: 'required' });
    const final = await runner.finalChatCompletion();
    const streamedCall = final.choices[0]?.message.tool_calls?.[0];
    expect(streamedCall).toMatchObject({
      id: call.id,
      type: 'function',
      function: { name: 'get_weather', arguments: call.function.arguments },
    });
  });

  test('response_format json_object and json_schema', async () => {
    const object = await client.chat.completions.create({ model: 'reference-chat', messages, response_format: { type: 'json_object' } });
    expect(typeof JSON.parse(object.choices[0]?.message.content ?? '')).toBe('object');

    const structured = await client.chat.completions.create({
      model: 'reference-chat',
      messages,
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'river',
          strict: true,
          schema: {
            type: 'object',
            properties: { name: { type: 'string' }, length_km: { type: 'number', minimum: 1 } },
            required: ['name', 'length_km'],
            additionalProperties: false,
          },
        },
      },
    });
    const river = JSON.parse(structured.choices[0]?.message.content ?? '') as { name: unknown; length_km: unknown };
    expect(typeof river.name).toBe('string');
    expect(river.length_km).toBeGreaterThanOrEqual(1);
  });

  test('errors surface as the SDK error classes with the documented fields', async () => {
    const bad = new OpenAI({ baseURL: ref.url, apiKey: 'sk-wrong', maxRetries: 0 });
    await expect(bad.chat.completions.create({ model: 'reference-chat', messages })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    const invalid = client.chat.completions.create({ model: 'reference-chat', messages, temperature: 7 });
    await expect(invalid).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(invalid).rejects.toMatchObject({ status: 400, param: 'temperature', type: 'invalid_request_error' });
    await expect(client.chat.completions.create({ model: 'nope', messages })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });
});
