import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ParamRange, paramRanges } from '../src/contract/ranges.ts';
import { compileUserSchema, type Validation, validateChunk, validateError, validateResponse } from '../src/contract/validators.ts';
import { instanceOf } from '../src/reference/json-instance.ts';
import { modelIds } from '../src/reference/models.ts';
import { createRandom } from '../src/reference/random.ts';
import { type RunningReference, startReference } from '../src/reference/server.ts';
import { checkRequest } from '../src/reference/validate.ts';

// Fixed so a failure replays; fast-check prints it (with the counterexample path) in its report.
const SEED = 20_240_611;
const KEY = 'sk-reference';

let ref: RunningReference;
beforeAll(async () => {
  ref = await startReference({ port: 0 });
});
afterAll(async () => {
  await ref.close();
});

type Json = Record<string, unknown>;

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

async function send(body: string): Promise<Answer> {
  const res = await fetch(`${ref.url}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body,
  });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() };
}

function problems(validation: Validation): string {
  return validation.ok ? '' : validation.violations.map((v) => v.message).join('; ');
}

/** Every reply obeys the contract: never 5xx; a 200 validates as a completion or a chunk stream; a 4xx is the error object. */
function expectContractReply(answer: Answer, streamed: boolean): void {
  expect(answer.status, answer.text).toBeLessThan(500);
  if (answer.status === 200) {
    if (streamed) expectValidStream(answer);
    else {
      expect(answer.contentType).toMatch(/^application\/json/);
      const body = JSON.parse(answer.text) as Json;
      expect(problems(validateResponse(body))).toBe('');
      const usage = body.usage as Record<string, number>;
      expect(usage.total_tokens).toBe((usage.prompt_tokens ?? 0) + (usage.completion_tokens ?? 0));
    }
    return;
  }
  expect(answer.status).toBeGreaterThanOrEqual(400);
  expect(answer.contentType).toMatch(/^application\/json/);
  expect(problems(validateError(JSON.parse(answer.text)))).toBe('');
}

function expectValidStream(answer: Answer): void {
  expect(answer.contentType).toMatch(/^text\/event-stream/);
  expect(answer.text.endsWith('data: [DONE]\n\n')).toBe(true);
  const events = answer.text.split('\n\n').filter((e) => e !== '');
  expect(events.filter((e) => e === 'data: [DONE]')).toHaveLength(1);
  for (const event of events.slice(0, -1)) {
    expect(event.startsWith('data: ')).toBe(true);
    expect(problems(validateChunk(JSON.parse(event.slice(6))))).toBe('');
  }
}

// ---- valid requests, built from the documented ranges ----

function inRange(range: ParamRange): fc.Arbitrary<number> {
  if (range.type === 'integer') {
    const min = Math.ceil(range.minimum ?? (range.exclusiveMinimum !== undefined ? range.exclusiveMinimum + 1 : -1000));
    const max = Math.floor(range.maximum ?? (range.exclusiveMaximum !== undefined ? range.exclusiveMaximum - 1 : 1000));
    // n is the one range whose size is paid per request: keep the streams short.
    return fc.integer({ min, max: range.param === 'n' ? Math.min(max, 4) : max });
  }
  return fc.double({
    min: range.minimum ?? range.exclusiveMinimum ?? -1000,
    max: range.maximum ?? range.exclusiveMaximum ?? 1000,
    minExcluded: range.minimum === undefined && range.exclusiveMinimum !== undefined,
    maxExcluded: range.maximum === undefined && range.exclusiveMaximum !== undefined,
    noNaN: true,
    noDefaultInfinity: true,
  });
}

/** Any code point, lone surrogates included (fast-check's own 'binary' unit is slow to build). */
const anyCodePoint = fc.integer({ min: 0, max: 0x10ffff }).map((cp) => String.fromCodePoint(cp));

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: anyCodePoint, maxLength: 20 }),
  fc.constantFrom('Say hello.', 'count from 3 to 17', 'Repeat exactly: 🦙🚀 漢字 Ďábelské ñ', 'repeat exactly:\nline one\nline two'),
);

const message = fc.record(
  {
    role: fc.constantFrom('system', 'user', 'assistant'),
    content: fc.oneof(text, fc.array(fc.record({ type: fc.constant('text'), text }), { minLength: 1, maxLength: 2 })),
    name: fc.stringMatching(/^[a-zA-Z0-9_]{1,64}$/),
  },
  { requiredKeys: ['role', 'content'] },
);

/** JSON Schemas inside the subset the reference's instance generator promises to satisfy. */
const userSchema: fc.Arbitrary<Json> = fc.letrec<{ node: Json }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ type: fc.constant('string'), minLength: fc.integer({ min: 0, max: 5 }) }, { requiredKeys: ['type'] }),
    fc
      .integer({ min: -50, max: 50 })
      .chain((min) =>
        fc.record(
          { type: fc.constant('integer'), minimum: fc.constant(min), maximum: fc.integer({ min, max: min + 100 }) },
          { requiredKeys: ['type'] },
        ),
      ),
    fc.constant({ type: 'number' }),
    fc.constant({ type: 'boolean' }),
    fc.constant({ type: 'null' }),
    fc.record({ enum: fc.uniqueArray(fc.oneof(fc.string({ maxLength: 6 }), fc.integer()), { minLength: 1, maxLength: 4 }) }),
    fc.record({ const: fc.oneof(fc.string({ maxLength: 6 }), fc.boolean()) }),
    fc.record(
      { type: fc.constant('array'), items: tie('node'), minItems: fc.integer({ min: 0, max: 3 }) },
      { requiredKeys: ['type', 'items'] },
    ),
    fc.record({ anyOf: fc.array(tie('node'), { minLength: 1, maxLength: 2 }) }),
    fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), tie('node'), { maxKeys: 4 }).chain((properties) =>
      fc.record({
        type: fc.constant('object'),
        properties: fc.constant(properties),
        required: fc.subarray(Object.keys(properties)),
        additionalProperties: fc.constant(false),
      }),
    ),
  ),
})).node;

const objectSchema = fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), userSchema, { maxKeys: 3 }).map((properties) => ({
  type: 'object',
  properties,
  required: Object.keys(properties),
}));

// Over HTTP the schemas come from fixed pools: compiling a fresh schema per request would dominate the run time.
// The generator itself meets unpooled schemas in the in-process property below.
const schemaPool = fc.sample(userSchema, { seed: SEED, numRuns: 40 });
const parametersPool = fc.sample(objectSchema, { seed: SEED + 3, numRuns: 24 });

const tool = fc.record({
  type: fc.constant('function'),
  function: fc.record({ name: fc.stringMatching(/^[a-zA-Z0-9_-]{1,20}$/), parameters: fc.constantFrom(...parametersPool) }),
});

const stop = fc.oneof(
  fc.constantFrom(',', ' the', '1', '.', '字', ', 5'),
  fc.array(fc.constantFrom(',', ' a', '9', '🚀', 'e'), { minLength: 1, maxLength: 4 }),
);

function rangedParams(): Record<string, fc.Arbitrary<number>> {
  return Object.fromEntries(
    paramRanges()
      .filter((range) => range.param !== 'top_logprobs')
      .map((range) => [range.param, inRange(range)]),
  );
}

const validRequest: fc.Arbitrary<Json> = fc
  .record(
    {
      model: fc.constantFrom(...modelIds()),
      messages: fc.array(message, { minLength: 1, maxLength: 3 }),
      max_tokens: fc.integer({ min: 0, max: 40 }),
      max_completion_tokens: fc.integer({ min: 0, max: 40 }),
      stream: fc.boolean(),
      stream_options: fc.record({ include_usage: fc.boolean() }),
      seed: fc.integer(),
      stop,
      logprobs: fc.constant(true),
      top_logprobs: fc.integer({ min: 0, max: 20 }),
      tools: fc.array(tool, { minLength: 1, maxLength: 2 }),
      tool_choice: fc.constantFrom('none', 'auto', 'required'),
      response_format: fc.oneof(
        fc.constant({ type: 'text' }),
        fc.constant({ type: 'json_object' }),
        fc.constantFrom(...schemaPool).map((schema) => ({ type: 'json_schema', json_schema: { name: 'answer', schema } })),
      ),
      separate_reasoning: fc.boolean(),
      enable_thinking: fc.boolean(),
      user: fc.string({ maxLength: 8 }),
      ...rangedParams(),
    },
    { requiredKeys: ['model', 'messages'] },
  )
  .map((body) => {
    // The cross-field rules the schema cannot state: keep the request valid.
    if (body.top_logprobs !== undefined) body.logprobs = true;
    if (body.tool_choice === 'required' && body.tools === undefined) delete body.tool_choice;
    return body as Json;
  });

// ---- invalid or hostile requests ----

const wrongValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(-1e9, 1e9, -3, 3, 129, 0, -0.5, 2.5, '', 'x', true, null, [], {}),
);

const mutatedRequest: fc.Arbitrary<Json> = fc.oneof(
  fc
    .tuple(
      validRequest,
      fc.constantFrom(
        ...paramRanges().map((r) => r.param),
        'model',
        'messages',
        'stop',
        'tools',
        'tool_choice',
        'response_format',
        'stream',
        'stream_options',
        'logprobs',
      ),
      wrongValue,
    )
    .map(([body, key, value]) => ({ ...body, [key]: value })),
  fc.tuple(validRequest, fc.constantFrom('model', 'messages')).map(([body, key]) => {
    const copy = { ...body };
    delete copy[key];
    return copy;
  }),
  validRequest.map((body) => ({ ...body, model: 'no-such-model' })),
  validRequest.map((body) => ({ ...body, top_logprobs: 2, logprobs: false })),
  validRequest.map((body) => ({
    ...body,
    messages: [
      { role: 'user', content: 'hi' },
      { role: 'robot', content: 5 },
    ],
  })),
  validRequest.map((body) => ({ ...body, tool_choice: { type: 'function', function: { name: 'absent' } } })),
  fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }),
);

describe(`reference provider fuzz (seed ${SEED})`, () => {
  test('the instance generator satisfies every schema of the supported subset', () => {
    fc.assert(
      fc.property(userSchema, fc.integer(), (schema, seed) => {
        const compiled = compileUserSchema(schema);
        expect(compiled.ok).toBe(true);
        if (compiled.ok) expect(problems(compiled.validate(instanceOf(schema, createRandom(seed))))).toBe('');
      }),
      { seed: SEED + 4, numRuns: 400 },
    );
  });

  test('valid requests are answered 200 with spec-valid bodies and streams', async () => {
    await fc.assert(
      fc.asyncProperty(validRequest, async (body) => {
        const answer = await send(JSON.stringify(body));
        const streamed = body.stream === true;
        const expectedErrors = checkRequest(body).errors;
        if (expectedErrors.length === 0) expect(answer.status, answer.text).toBe(200);
        expectContractReply(answer, streamed);
        if (answer.status === 200 && !streamed) expectStructuredOutput(body, JSON.parse(answer.text) as Json);
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  test('invalid and hostile requests never get a 5xx; every error carries the error object', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedRequest, async (body) => {
        const answer = await send(JSON.stringify(body));
        expectContractReply(answer, body.stream === true && answer.contentType.startsWith('text/event-stream'));
      }),
      { seed: SEED + 1, numRuns: 1200 },
    );
  });

  test('arbitrary bytes as a body never get a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ unit: anyCodePoint, maxLength: 60 }),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        async (raw) => {
          const answer = await send(raw);
          expectContractReply(answer, false);
        },
      ),
      { seed: SEED + 2, numRuns: 400 },
    );
  });
});

/** Uncut tool arguments and structured answers validate against the schema the request declared. */
function expectStructuredOutput(request: Json, response: Json): void {
  if (request.stop !== undefined) return;
  for (const choice of response.choices as Json[]) {
    if (choice.finish_reason !== 'stop') continue;
    const message = choice.message as Json;
    const calls = (message.tool_calls ?? []) as Array<{ function: { name: string; arguments: string } }>;
    for (const call of calls) {
      const declared = (request.tools as Array<{ function: { name: string; parameters: unknown } }>).find(
        (t) => t.function.name === call.function.name,
      );
      const compiled = compileUserSchema(declared?.function.parameters);
      expect(compiled.ok).toBe(true);
      if (compiled.ok) expect(problems(compiled.validate(JSON.parse(call.function.arguments)))).toBe('');
    }
    const format = request.response_format as { type: string; json_schema?: { schema: unknown } } | undefined;
    if (calls.length === 0 && format?.type === 'json_schema') {
      const compiled = compileUserSchema(format.json_schema?.schema);
      if (compiled.ok) expect(problems(compiled.validate(JSON.parse(message.content as string)))).toBe('');
    }
    if (calls.length === 0 && format?.type === 'json_object') {
      expect(typeof JSON.parse(message.content as string)).toBe('object');
    }
  }
}
