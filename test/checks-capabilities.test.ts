import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { authChecks } from '../src/checks/auth.ts';
import { errorsChecks } from '../src/checks/errors.ts';
import { logprobsChecks } from '../src/checks/logprobs.ts';
import { paramsChecks } from '../src/checks/params.ts';
import { MODEL_ABSENT_TAG, reasoningChecks } from '../src/checks/reasoning.ts';
import { semanticsChecks } from '../src/checks/semantics.ts';
import { structuredOutputChecks } from '../src/checks/structured-output.ts';
import { toolsChecks } from '../src/checks/tools.ts';
import type { Check } from '../src/checks/types.ts';
import type { Evidence } from '../src/core/evidence.ts';
import { PLANET_SCHEMA } from '../src/plans/structured-output.ts';
import { WEATHER_TOOL } from '../src/plans/tools.ts';
import { verdictUnder } from './support/check-table.ts';
import { CTX, findingsOf, runCheck, worstVerdict } from './support/chunks.ts';
import { fakeObservation, sseBody } from './support/evidence.ts';
import { answered, errorAnswer, noResponse, openAiError, streamed } from './support/requests.ts';

const runner = (checks: readonly Check[]) => (id: string, evidence: Evidence) => runCheck(checks, id, evidence);

describe('logprobs', () => {
  const run = runner(logprobsChecks);
  const sent = { logprobs: true, top_logprobs: 2 };
  const entry = (token: string, logprob = -0.5, alternatives = 2) => ({
    token,
    logprob,
    bytes: [...new TextEncoder().encode(token)],
    top_logprobs: Array.from({ length: alternatives }, (_, i) => ({
      token: i === 0 ? token : ` alt${i}`,
      logprob: logprob - i,
      bytes: null,
    })),
  });
  const withEntries = (entries: unknown[], usage = entries.length) =>
    answered(sent, [{ content: 'Red', logprobs: { content: entries } }], { usage });

  test('one entry per token with the asked alternatives and valid values passes all three', () => {
    const evidence = withEntries([entry('Red'), entry(',')]);
    for (const id of ['logprobs.present', 'logprobs.top-count', 'logprobs.values'])
      expect(worstVerdict(run(id, evidence)), id).toBe('pass');
  });

  test('streamed entries are joined across chunks', () => {
    const stream = streamed(
      sent,
      [
        { content: 'Red', logprobs: { content: [entry('Red')] } },
        { content: ',', logprobs: { content: [entry(',')] }, finishReason: 'stop' },
      ],
      { usage: 2 },
    );
    expect(worstVerdict(run('logprobs.present', stream))).toBe('pass');
    expect(worstVerdict(run('logprobs.top-count', stream))).toBe('pass');
  });

  test('logprobs null fails present (logprobs-ignored)', () => {
    const outcomes = run('logprobs.present', answered(sent, [{ content: 'Red', logprobs: null }], { usage: 1 }));
    expect(findingsOf(outcomes)[0]).toMatchObject({ key: 'missing', path: '/choices/0/logprobs/content' });
  });

  test('an entry count that differs from completion_tokens fails present', () => {
    expect(findingsOf(run('logprobs.present', withEntries([entry('Red')], 3)))[0]?.key).toBe('count');
  });

  test('one alternative fewer than asked fails top-count (top-logprobs-count)', () => {
    const outcomes = run('logprobs.top-count', withEntries([entry('Red', -0.5, 1)]));
    expect(findingsOf(outcomes)[0]).toMatchObject({ key: 'count', path: '/choices/0/logprobs/content/0/top_logprobs' });
  });

  test('a positive logprob fails values (positive-logprob), as do wrong bytes', () => {
    const positive = run('logprobs.values', withEntries([entry('Red', 0.6)]));
    expect(findingsOf(positive).map((f) => f.key)).toContain('positive');
    const bytes = run('logprobs.values', withEntries([{ ...entry('é'), bytes: [101] }]));
    expect(findingsOf(bytes)[0]).toMatchObject({ key: 'bytes', path: '/choices/0/logprobs/content/0' });
  });

  test('a partial UTF-8 token is not judged by its bytes', () => {
    expect(worstVerdict(run('logprobs.values', withEntries([{ ...entry('\uFFFD'), bytes: [0xe6] }])))).toBe('pass');
  });

  test('a rejection fails present unless unsupported; the others leave it to present', () => {
    const rejected = errorAnswer(400, openAiError('bad', 'logprobs'), { sent });
    expect(worstVerdict(run('logprobs.present', rejected))).toBe('fail');
    expect(worstVerdict(run('logprobs.top-count', rejected))).toBe('skip');
    expect(worstVerdict(run('logprobs.present', errorAnswer(400, openAiError('logprobs is not supported'), { sent })))).toBe('skip');
  });

  test('requests without logprobs are not its business', () => {
    expect(run('logprobs.present', answered({}, [{}]))).toEqual([]);
  });
});

describe('tools', () => {
  const run = runner(toolsChecks);
  const sent = { tools: [WEATHER_TOOL], tool_choice: { type: 'function', function: { name: 'get_weather' } } };
  const call = (args: unknown, extra: Record<string, unknown> = {}) => ({
    id: 'call_1',
    type: 'function',
    name: 'get_weather',
    arguments: args,
    ...extra,
  });
  const withCall = (args: unknown, extra: Record<string, unknown> = {}) =>
    answered(sent, [{ content: null, toolCalls: [call(args, extra)] }]);

  test('a well-formed call with valid arguments passes', () => {
    const evidence = withCall('{"city":"Paris"}');
    expect(worstVerdict(run('tools.call-shape', evidence))).toBe('pass');
    expect(worstVerdict(run('tools.arguments-valid', evidence))).toBe('pass');
  });

  test('arguments as an object fail call-shape only (tool-args-object)', () => {
    const evidence = withCall({ city: 'Paris' });
    expect(findingsOf(run('tools.call-shape', evidence))[0]).toMatchObject({
      key: 'arguments-type',
      path: '/choices/0/message/tool_calls/0/function/arguments',
    });
    expect(worstVerdict(run('tools.arguments-valid', evidence))).toBe('pass');
  });

  test('a missing id, a wrong type or an undeclared name fail call-shape', () => {
    const keys = findingsOf(run('tools.call-shape', withCall('{}', { id: undefined, type: 'tool', name: 'launch' }))).map((f) => f.key);
    expect(keys).toEqual(['id', 'type', 'name']);
  });

  test('a call without type follows 003, where type is optional (conflict required-flags-003)', () => {
    const outcomes = run('tools.call-shape', withCall('{"city":"Paris"}', { type: undefined }));
    expect(findingsOf(outcomes)[0]).toMatchObject({ key: 'type-absent', conflict: 'required-flags-003' });
    expect(verdictUnder(outcomes, 'strict')).toBe('fail');
    expect(verdictUnder(outcomes, 'documented')).toBe('warn');
    expect(verdictUnder(outcomes, 'lenient')).toBe('pass');
  });

  test('arguments that are not JSON fail arguments-valid under every profile', () => {
    const outcomes = run('tools.arguments-valid', withCall('{"city":"Paris"'));
    expect(findingsOf(outcomes)[0]?.key).toBe('not-json');
    expect(verdictUnder(outcomes, 'lenient')).toBe('fail');
  });

  test('arguments that break the schema warn without strict, and fail with strict: true (tool-args-invalid)', () => {
    const loose = findingsOf(run('tools.arguments-valid', withCall('{"unit":"kelvin"}')));
    expect(loose[0]).toMatchObject({ verdict: 'warn', key: 'schema-not-strict' });
    expect(loose[0]?.message).toMatch(/^Received: arguments .*\nDocumented: valid against the parameters schema of get_weather/);
    const strictTool = { ...WEATHER_TOOL, function: { ...WEATHER_TOOL.function, strict: true } };
    const strict = answered({ ...sent, tools: [strictTool] }, [{ content: null, toolCalls: [call('{"unit":"kelvin"}')] }]);
    expect(findingsOf(run('tools.arguments-valid', strict))[0]).toMatchObject({ verdict: 'fail', key: 'schema' });
  });

  const forcedTo = (toolChoice: unknown, choice: Parameters<typeof answered>[1][number]) =>
    answered({ tools: [WEATHER_TOOL], tool_choice: toolChoice }, [choice]);

  test('tools.choice-honoured: a forced call must come, unless the answer was cut', () => {
    const named = { type: 'function', function: { name: 'get_weather' } };
    expect(worstVerdict(run('tools.choice-honoured', forcedTo(named, { content: null, toolCalls: [call('{}')] })))).toBe('pass');
    expect(worstVerdict(run('tools.choice-honoured', forcedTo('required', { content: null, toolCalls: [call('{}')] })))).toBe('pass');
    expect(findingsOf(run('tools.choice-honoured', forcedTo(named, { content: 'Sunny.' })))[0]?.key).toBe('no-call');
    expect(findingsOf(run('tools.choice-honoured', forcedTo('required', { content: 'Sunny.' })))[0]?.key).toBe('no-call');
    expect(worstVerdict(run('tools.choice-honoured', forcedTo(named, { content: 'The weat', finishReason: 'length' })))).toBe('skip');
    expect(
      findingsOf(run('tools.choice-honoured', forcedTo(named, { content: null, toolCalls: [call('{}', { name: 'get_local_time' })] })))[0]
        ?.key,
    ).toBe('other-function');
    expect(run('tools.choice-honoured', forcedTo('auto', { content: 'Sunny.' }))).toEqual([]);
    const stream = streamed({ tools: [WEATHER_TOOL], tool_choice: 'required' }, [{ content: 'Sunny.', finishReason: 'stop' }]);
    expect(worstVerdict(run('tools.choice-honoured', stream))).toBe('fail');
  });

  test('tools.finish-reason-consistent: "tool_calls" needs calls; calls may end "stop" (the documented value)', () => {
    const consistent = (choice: Parameters<typeof answered>[1][number]) => run('tools.finish-reason-consistent', answered(sent, [choice]));
    expect(worstVerdict(consistent({ content: null, toolCalls: [call('{}')], finishReason: 'tool_calls' }))).toBe('pass');
    expect(worstVerdict(consistent({ content: null, toolCalls: [call('{}')], finishReason: 'stop' }))).toBe('pass');
    const without = consistent({ content: 'Sunny.', finishReason: 'tool_calls' });
    expect(findingsOf(without)[0]).toMatchObject({ key: 'no-call', path: '/choices/0/finish_reason' });
    expect(verdictUnder(without, 'lenient')).toBe('fail');
    expect(consistent({ content: 'Sunny.' })).toEqual([]);
  });

  test('message.tool_calls: null reads as no call', () => {
    const body = answered(sent, [{ content: 'Sunny.' }]);
    const message = (body.json as { choices: Array<{ message: Record<string, unknown> }> }).choices[0]!.message;
    message['tool_calls'] = null;
    expect(worstVerdict(run('tools.call-shape', body))).toBe('skip');
  });

  test('an answer without a tool call skips', () => {
    expect(worstVerdict(run('tools.call-shape', answered(sent, [{ content: 'It is sunny.' }])))).toBe('skip');
  });

  const deltas = (first: Record<string, unknown>, second: Record<string, unknown>) =>
    streamed(sent, [
      { toolCalls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' }, ...first }] },
      { toolCalls: [{ function: { arguments: '{"city":' }, ...second }] },
      { toolCalls: [{ index: 0, function: { arguments: '"Paris"}' } }], finishReason: 'stop' },
    ]);

  test('streamed deltas with an index that concatenate to JSON pass stream-deltas and call-shape', () => {
    const stream = deltas({ index: 0 }, { index: 0 });
    expect(worstVerdict(run('tools.stream-deltas', stream))).toBe('pass');
    expect(worstVerdict(run('tools.call-shape', stream))).toBe('pass');
    expect(run('tools.arguments-valid', stream)).toEqual([]);
  });

  test('deltas without index fail stream-deltas (tool-delta-no-index)', () => {
    const outcomes = run('tools.stream-deltas', deltas({}, {}));
    expect(findingsOf(outcomes)[0]?.key).toBe('index');
    expect(findingsOf(outcomes)[0]?.path).toMatch(/^\/choices\/0\/delta\/tool_calls\/0 \(chunk 1\)\/index$/);
  });

  test('fragments that do not concatenate to JSON fail stream-deltas', () => {
    const broken = streamed(sent, [
      {
        toolCalls: [{ index: 0, id: 'c', type: 'function', function: { name: 'get_weather', arguments: '{"city":' } }],
        finishReason: 'stop',
      },
    ]);
    expect(findingsOf(run('tools.stream-deltas', broken))[0]?.key).toBe('not-json');
  });

  test('requests without tools are not its business; a rejection fails call-shape', () => {
    expect(run('tools.call-shape', answered({}, [{}]))).toEqual([]);
    expect(worstVerdict(run('tools.call-shape', errorAnswer(400, openAiError('bad tools'), { sent })))).toBe('fail');
    expect(worstVerdict(run('tools.call-shape', errorAnswer(400, openAiError('tools are not supported'), { sent })))).toBe('skip');
  });
});

describe('structured output', () => {
  const run = runner(structuredOutputChecks);
  const objectSent = { response_format: { type: 'json_object' } };
  const schemaSent = { response_format: { type: 'json_schema', json_schema: { name: 'planet', schema: PLANET_SCHEMA, strict: true } } };

  test('json_object: JSON content passes, streamed too', () => {
    expect(worstVerdict(run('structured-output.json-object', answered(objectSent, [{ content: '{"name":"Saturn","moons":146}' }])))).toBe(
      'pass',
    );
    const stream = streamed(objectSent, [{ content: '{"name":' }, { content: '"Saturn"}', finishReason: 'stop' }]);
    expect(worstVerdict(run('structured-output.json-object', stream))).toBe('pass');
  });

  test('json_object: prose or fenced JSON fails (json-mode-ignored)', () => {
    expect(
      findingsOf(run('structured-output.json-object', answered(objectSent, [{ content: 'Saturn is a gas giant.' }])))[0],
    ).toMatchObject({
      key: 'not-json',
      path: '/choices/0/message/content',
    });
    const fenced = findingsOf(run('structured-output.json-object', answered(objectSent, [{ content: '```json\n{}\n```' }])));
    expect(fenced[0]?.message).toContain('Markdown fence');
  });

  test('json_object: content cut by "length" skips (002)', () => {
    expect(
      worstVerdict(run('structured-output.json-object', answered(objectSent, [{ content: '{"name":"Sat', finishReason: 'length' }]))),
    ).toBe('skip');
  });

  test('json_schema: content valid against the schema passes; a missing required property fails (schema-violation)', () => {
    expect(worstVerdict(run('structured-output.json-schema', answered(schemaSent, [{ content: '{"name":"Saturn","moons":146}' }])))).toBe(
      'pass',
    );
    const outcomes = run('structured-output.json-schema', answered(schemaSent, [{ content: '{"name":"Saturn"}' }]));
    expect(findingsOf(outcomes)[0]).toMatchObject({ key: 'schema' });
    expect(findingsOf(outcomes)[0]?.message).toContain('moons');
  });

  test('json_schema: a schema that does not compile skips; other formats are not its business', () => {
    const bad = { response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 12 } } } };
    expect(worstVerdict(run('structured-output.json-schema', answered(bad, [{ content: '{}' }])))).toBe('skip');
    expect(run('structured-output.json-schema', answered(objectSent, [{ content: '{}' }]))).toEqual([]);
  });

  test('a rejection fails unless the format is said to be unsupported; no response skips', () => {
    expect(worstVerdict(run('structured-output.json-object', errorAnswer(400, openAiError('bad'), { sent: objectSent })))).toBe('fail');
    expect(
      worstVerdict(
        run('structured-output.json-object', errorAnswer(400, openAiError('json_object is not supported'), { sent: objectSent })),
      ),
    ).toBe('skip');
    const silent = noResponse();
    silent.sent = objectSent;
    expect(worstVerdict(run('structured-output.json-object', silent))).toBe('skip');
  });
});

describe('reasoning', () => {
  const run = runner(reasoningChecks);
  const deepseek = (on: boolean) => ({ model: 'deepseek/deepseek-r1-turbo', separate_reasoning: on });
  const glm = (on: boolean) => ({ model: 'zai-org/glm-4.5', enable_thinking: on });

  test('separate_reasoning true with reasoning_content and clean content passes; false without it passes', () => {
    expect(
      worstVerdict(run('reasoning.separate', answered(deepseek(true), [{ reasoning: 'Let me think: 91 = 7 × 13.', content: 'No.' }]))),
    ).toBe('pass');
    expect(worstVerdict(run('reasoning.separate', answered(deepseek(false), [{ content: '<think>hm</think>No.' }])))).toBe('pass');
    const stream = streamed(deepseek(true), [{ reasoning: 'Let me' }, { reasoning: ' think.' }, { content: 'No.', finishReason: 'stop' }]);
    expect(worstVerdict(run('reasoning.separate', stream))).toBe('pass');
  });

  test('separate_reasoning true without reasoning_content fails (reasoning-ignored)', () => {
    const outcomes = run('reasoning.separate', answered(deepseek(true), [{ content: 'No.' }]));
    expect(findingsOf(outcomes)[0]).toMatchObject({ key: 'missing', path: '/choices/0/message/reasoning_content' });
  });

  test('think tags left in content, or reasoning when switched off, fail', () => {
    expect(
      findingsOf(run('reasoning.separate', answered(deepseek(true), [{ reasoning: 'x', content: '<think>x</think>No.' }])))[0]?.key,
    ).toBe('tags-in-content');
    expect(findingsOf(run('reasoning.separate', answered(deepseek(false), [{ reasoning: 'thinking…', content: 'No.' }])))[0]?.key).toBe(
      'present',
    );
  });

  test('enable_thinking false without reasoning passes; with reasoning fails (thinking-ignored)', () => {
    expect(worstVerdict(run('reasoning.thinking-toggle', answered(glm(false), [{ content: 'No.' }])))).toBe('pass');
    const outcomes = run('reasoning.thinking-toggle', answered(glm(false), [{ reasoning: 'Let me think.', content: 'No.' }]));
    expect(findingsOf(outcomes)[0]).toMatchObject({ key: 'reasoning-present' });
  });

  test('enable_thinking true: reasoning_content passes, inline thinking carries reasoning-content-scope, none fails', () => {
    expect(worstVerdict(run('reasoning.thinking-toggle', answered(glm(true), [{ reasoning: 'Hm.', content: 'No.' }])))).toBe('pass');
    expect(findingsOf(run('reasoning.thinking-toggle', answered(glm(true), [{ content: '<think>Hm.</think>No.' }])))[0]?.conflict).toBe(
      'reasoning-content-scope',
    );
    expect(findingsOf(run('reasoning.thinking-toggle', answered(glm(true), [{ content: 'No.' }])))[0]?.key).toBe('no-reasoning');
  });

  test('a model the target lacks skips, from a 404 or from GET /models', () => {
    const missing = errorAnswer(404, openAiError('The model deepseek/deepseek-r1-turbo does not exist'), { sent: deepseek(true) });
    expect(worstVerdict(run('reasoning.separate', missing))).toBe('skip');
    const listing = answered({}, [{}]);
    listing.tags = [MODEL_ABSENT_TAG, 'toggle:enable_thinking', 'model:zai-org/glm-4.5'];
    expect(run('reasoning.thinking-toggle', listing)).toEqual([expect.objectContaining({ verdict: 'skip' })]);
    expect(run('reasoning.separate', listing)).toEqual([]);
  });

  test('a plain rejection of the switch fails', () => {
    expect(worstVerdict(run('reasoning.separate', errorAnswer(400, openAiError('bad request'), { sent: deepseek(true) })))).toBe('fail');
  });
});

describe('hostile evidence', () => {
  const SENT_KEYS = [
    'model',
    'n',
    'max_tokens',
    'max_completion_tokens',
    'stop',
    'seed',
    'logprobs',
    'top_logprobs',
    'tools',
    'response_format',
    'separate_reasoning',
    'enable_thinking',
    'stream',
  ];
  const TAGS = [
    'invalid',
    'stream',
    'param:temperature',
    'malformed-json',
    'unknown-model',
    'auth:none',
    'auth:bogus',
    'edge',
    'beyond',
    'semantics:limit',
    'truncation-expected',
    'semantics:stop',
    MODEL_ABSENT_TAG,
    'toggle:enable_thinking',
  ];
  const plausible = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.constantFrom<unknown>(true, 2, 'x', [{ type: 'function', function: { name: 'f', parameters: { type: 12 } } }], {
      type: 'json_schema',
      json_schema: { schema: { type: 'object' } },
    }),
  );
  const body = fc.oneof(
    fc.jsonValue({ maxDepth: 4 }),
    fc.record({
      choices: fc.array(
        fc.record({ index: fc.jsonValue(), message: fc.jsonValue(), finish_reason: fc.jsonValue(), logprobs: fc.jsonValue() }),
      ),
      usage: fc.jsonValue(),
    }),
  );
  const observation = fc
    .record({
      status: fc.constantFrom(200, 400, 401, 404, 422, 500, 503),
      sent: fc.dictionary(fc.constantFrom(...SENT_KEYS), plausible),
      tags: fc.subarray(TAGS),
      json: body,
      stream: fc.boolean(),
      chunks: fc.array(
        fc.oneof(
          fc.jsonValue({ maxDepth: 4 }),
          fc.record({ choices: fc.array(fc.record({ index: fc.jsonValue(), delta: fc.jsonValue(), finish_reason: fc.jsonValue() })) }),
        ),
        { maxLength: 4 },
      ),
    })
    .map(({ status, sent, tags, json, stream, chunks }) =>
      stream
        ? fakeObservation({ status, sent, tags, headers: { 'content-type': 'text/event-stream' }, body: sseBody(chunks) })
        : fakeObservation({ status, sent, tags, body: JSON.stringify(json) }),
    );
  const every = [
    ...logprobsChecks,
    ...toolsChecks,
    ...structuredOutputChecks,
    ...reasoningChecks,
    ...paramsChecks,
    ...semanticsChecks,
    ...errorsChecks,
    ...authChecks,
  ];

  test('no check of these areas throws, whatever the body, request and tags', () => {
    fc.assert(
      fc.property(observation, observation, fc.jsonValue(), (a, b, value) => {
        const evidence: Evidence[] = [
          a,
          { kind: 'comparison', probe: 'p', tags: [], relation: 'same-seed', a, b, deterministic: true },
          { kind: 'comparison', probe: 'p', tags: [], relation: 'health-after-reject', a, b, deterministic: false },
          { kind: 'boundary', probe: 'p', tags: a.tags, param: 'temperature', value, expected: 'either', observation: a },
          {
            kind: 'property',
            probe: 'p',
            tags: [],
            property: 'params.valid-accepted',
            runs: 1,
            cases: [a],
            failure: { seed: 1, path: '0', counterexample: value, message: 'm', observation: a },
          },
        ];
        for (const check of every) for (const item of evidence) expect(Array.isArray(check.run(item, CTX))).toBe(true);
      }),
      { numRuns: 150, seed: 3 },
    );
  });
});
