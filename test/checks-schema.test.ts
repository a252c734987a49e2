import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { schemaChecks } from '../src/checks/schema.ts';
import type { Observation } from '../src/core/evidence.ts';
import { checkTable, type Row } from './support/check-table.ts';
import {
  chunkSequence,
  completion,
  findingsOf,
  jsonObservation,
  legalVariants,
  NOW,
  runCheck,
  streamObservation,
  worstVerdict,
} from './support/chunks.ts';
import { fakeComparison, fakeObservation } from './support/evidence.ts';

const table = (id: string, rows: Row[]) => checkTable(schemaChecks, id, rows);

type Json = Record<string, unknown>;

/** The first chunk Azure OpenAI streams: the prompt's content-filter results, no choices, an empty identity. */
const azurePreamble = {
  choices: [],
  created: 0,
  id: '',
  model: '',
  object: '',
  prompt_filter_results: [{ prompt_index: 0, content_filter_results: {} }],
};

const rawObservation = (body: string): Observation => fakeObservation({ sent: { model: 'reference-chat', messages: [] }, body });
const withBody = (change: (body: Record<string, unknown>) => Record<string, unknown>) => () => jsonObservation(change(completion()));
const withMessage = (change: (message: Json) => Json) =>
  withBody((b) => ({ ...b, choices: (b.choices as Json[]).map((c) => ({ ...c, message: change(c.message as Json) })) }));
const chunksWith = (change: (chunk: Record<string, unknown>) => Record<string, unknown>) => () =>
  streamObservation(chunkSequence().map(change));

table('schema.response-valid', [
  { name: 'a documented completion passes', given: () => jsonObservation(completion()), want: 'pass' },
  { name: 'n=2 and length pass', given: () => jsonObservation(completion({ n: 2, finishReason: 'length' })), want: 'pass' },
  {
    name: 'unknown extra fields pass',
    given: withBody((b) => ({ ...b, system_fingerprint: 'fp', choices: [{ ...(b.choices as object[])[0], extra: 1 }] })),
    want: 'pass',
  },
  { name: 'fault missing-id: no id', given: withBody(({ id: _id, ...b }) => b), want: 'fail', key: 'required::required property "id"' },
  {
    name: 'fault created-string',
    given: withBody((b) => ({ ...b, created: String(b.created) })),
    want: 'fail',
    key: 'type:/created:type integer',
  },
  { name: 'fault wrong-object', given: withBody((b) => ({ ...b, object: 'text_completion' })), want: 'fail' },
  {
    name: 'fault float-usage',
    given: withBody((b) => ({ ...b, usage: { prompt_tokens: 1.25, completion_tokens: 2.25, total_tokens: 3.5 } })),
    want: 'fail',
    key: 'type:/usage/prompt_tokens:type integer',
  },
  {
    name: 'a finish_reason value is left to schema.finish-reason-documented',
    given: () => jsonObservation(completion({ finishReason: 'eos_token' })),
    want: 'pass',
  },
  { name: 'usage: null is left to schema.usage-present', given: withBody((b) => ({ ...b, usage: null })), want: 'pass' },
  {
    name: 'a null finish_reason fails',
    given: withBody((b) => ({ ...b, choices: [{ index: 0, message: { role: 'assistant', content: 'x' }, finish_reason: null }] })),
    want: 'fail',
  },
  { name: 'choices: [] fails', given: withBody((b) => ({ ...b, choices: [] })), want: 'fail', key: 'minItems:/choices:at least 1 items' },
  { name: 'an empty id fails', given: withBody((b) => ({ ...b, id: '' })), want: 'fail', key: 'minLength:/id:at least 1 characters' },
  {
    name: 'an empty model fails',
    given: withBody((b) => ({ ...b, model: '' })),
    want: 'fail',
    key: 'minLength:/model:at least 1 characters',
  },
  { name: 'message.tool_calls: null passes (Mistral)', given: withMessage((m) => ({ ...m, tool_calls: null })), want: 'pass' },
  {
    name: 'a tool call without type passes (003 marks it optional)',
    given: withMessage((m) => ({ ...m, content: null, tool_calls: [{ id: 'call_1', function: { name: 'f', arguments: '{}' } }] })),
    want: 'pass',
  },
  {
    name: 'a tool call without function fails',
    given: withMessage((m) => ({ ...m, content: null, tool_calls: [{ id: 'call_1', type: 'function' }] })),
    want: 'fail',
  },
  {
    name: 'logprob entries without bytes and with top_logprobs: null pass',
    given: withBody((b) => ({
      ...b,
      choices: [{ ...(b.choices as Json[])[0], logprobs: { content: [{ token: '1', logprob: -0.2, top_logprobs: null }] } }],
    })),
    want: 'pass',
  },
  { name: 'a body that is not JSON is skipped', given: () => rawObservation('not json'), want: 'skip' },
  {
    name: 'an error status is not its business',
    given: () => jsonObservation({ error: { message: 'bad' } }, { status: 400 }),
    want: 'none',
  },
  { name: 'a stream is not its business', given: () => streamObservation(chunkSequence()), want: 'none' },
]);

test('schema.response-valid reports one finding per problem, with the JSON pointer', () => {
  const outcomes = runCheck(schemaChecks, 'schema.response-valid', jsonObservation({ ...completion(), created: 'x', object: 'y' }));
  const findings = findingsOf(outcomes);
  expect(findings.map((f) => f.path).sort()).toEqual(['/created', '/object']);
  expect(findings.find((f) => f.path === '/created')?.message).toContain('/created: must be integer; found "x"');
});

const inChoices = (change: (choice: Json) => Json) => chunksWith((c) => ({ ...c, choices: (c.choices as Json[]).map(change) }));

table('schema.chunk-valid', [
  { name: 'a documented stream passes', given: () => streamObservation(chunkSequence()), want: 'pass' },
  { name: 'a usage stream passes', given: () => streamObservation(chunkSequence({ includeUsage: true, n: 2 })), want: 'pass' },
  {
    name: 'object chat.completion is left to streaming.chunk-object (conflict chunk-object-name)',
    given: chunksWith((c) => ({ ...c, object: 'chat.completion' })),
    want: 'pass',
  },
  { name: 'a chunk without choices fails', given: chunksWith(({ choices: _c, ...c }) => c), want: 'fail' },
  {
    name: 'an empty model fails',
    given: chunksWith((c) => ({ ...c, model: '' })),
    want: 'fail',
    key: 'minLength:/model:at least 1 characters',
  },
  {
    name: 'a choice without a finish_reason key passes (read as null)',
    given: inChoices(({ finish_reason, ...ch }) => (finish_reason === null ? ch : { ...ch, finish_reason })),
    want: 'pass',
  },
  {
    name: 'delta.role: null after the first delta passes',
    given: inChoices((ch) => ({ ...ch, delta: { role: null, ...(ch.delta as Json) } })),
    want: 'pass',
  },
  {
    name: 'delta.tool_calls: null passes (LiteLLM)',
    given: inChoices((ch) => ({ ...ch, delta: { ...(ch.delta as Json), tool_calls: null } })),
    want: 'pass',
  },
  {
    name: 'null id, type and name on a later tool-call fragment pass',
    given: inChoices((ch) => ({
      ...ch,
      delta: { tool_calls: [{ index: 0, id: null, type: null, function: { name: null, arguments: '{}' } }] },
    })),
    want: 'pass',
  },
  {
    name: 'a tool-call fragment without index is left to tools.stream-deltas',
    given: inChoices((ch) => ({ ...ch, delta: { tool_calls: [{ function: { arguments: '{}' } }] } })),
    want: 'pass',
  },
  {
    name: 'an Azure content-filter preamble is left to streaming.chunk-object',
    given: () => streamObservation([azurePreamble, ...chunkSequence()]),
    want: 'pass',
  },
  {
    name: 'an Azure content-filter annotation (choices without delta) warns once',
    given: () =>
      streamObservation([
        ...chunkSequence(),
        {
          ...chunkSequence()[0]!,
          choices: [{ index: 0, finish_reason: null, content_filter_offsets: { start_offset: 0 }, content_filter_results: {} }],
        },
      ]),
    want: 'warn',
    key: 'filter-annotation',
    profiles: { strict: 'fail', documented: 'warn', lenient: 'warn' },
  },
  {
    name: 'a choice without delta and without filter results fails',
    given: () => streamObservation([...chunkSequence(), { ...chunkSequence()[0]!, choices: [{ index: 0, finish_reason: null }] }]),
    want: 'fail',
    profiles: { lenient: 'fail' },
  },
  {
    name: 'finish_reason "" is left to streaming.single-finish',
    given: chunksWith((c) => ({
      ...c,
      choices: (c.choices as Array<Record<string, unknown>>).map((ch) => ({ ...ch, finish_reason: ch.finish_reason ?? '' })),
    })),
    want: 'pass',
  },
  {
    name: 'a non-object payload is left to streaming.payload-json',
    given: () => streamObservation([...chunkSequence(), null, 'ping']),
    want: 'pass',
  },
  { name: 'an empty stream is skipped', given: () => streamObservation([]), want: 'skip' },
  { name: 'a non-stream answer is not its business', given: () => jsonObservation(completion()), want: 'none' },
]);

test('schema.chunk-valid reports a problem repeated on every chunk once', () => {
  const outcomes = runCheck(schemaChecks, 'schema.chunk-valid', chunksWith((c) => ({ ...c, created: 'x' }))());
  expect(findingsOf(outcomes)).toHaveLength(1);
});

describe('schema.chunk-valid under legal SSE variants', () => {
  for (const [name, body] of Object.entries(legalVariants(chunkSequence({ includeUsage: true })))) {
    test(name, () => {
      const o = streamObservation([], { body, sent: { stream_options: { include_usage: true } } });
      expect(worstVerdict(runCheck(schemaChecks, 'schema.chunk-valid', o))).toBe('pass');
    });
  }
});

table('schema.created-seconds', [
  { name: 'seconds pass', given: () => jsonObservation(completion()), want: 'pass' },
  { name: 'fault created-ms', given: () => jsonObservation(completion({ created: NOW() * 1000 })), want: 'fail', key: 'milliseconds' },
  {
    name: 'a year ago fails',
    given: () => jsonObservation(completion({ created: NOW() - 365 * 86_400 })),
    want: 'fail',
    key: 'out-of-range',
  },
  {
    name: 'milliseconds in chunks fail',
    given: () => streamObservation(chunkSequence({ created: NOW() * 1000 })),
    want: 'fail',
    key: 'milliseconds',
  },
  { name: 'seconds in chunks pass', given: () => streamObservation(chunkSequence()), want: 'pass' },
  { name: 'a string created is left to schema.response-valid', given: withBody((b) => ({ ...b, created: '1700000000' })), want: 'none' },
]);

const toolCallStop = () => completion({ finishReason: 'tool_calls' });

table('schema.finish-reason-documented', [
  { name: 'stop passes', given: () => jsonObservation(completion()), want: 'pass' },
  { name: 'length passes', given: () => jsonObservation(completion({ finishReason: 'length' })), want: 'pass' },
  {
    name: 'fault bad-finish-reason (non-stream)',
    given: () => jsonObservation(completion({ finishReason: 'eos_token' })),
    want: 'fail',
    key: 'value:eos_token',
  },
  {
    name: 'fault bad-finish-reason (stream)',
    given: () => streamObservation(chunkSequence({ finishReason: 'eos_token' })),
    want: 'fail',
    key: 'value:eos_token',
  },
  {
    name: 'tool_calls carries its conflict',
    given: () => jsonObservation(toolCallStop()),
    want: 'fail',
    conflict: 'finish-reason-tool-calls',
    profiles: { strict: 'fail', documented: 'warn', lenient: 'pass' },
  },
  {
    name: 'content_filter (OpenAI, Azure) carries finish-reason-openai-values',
    given: () => jsonObservation(completion({ finishReason: 'content_filter' })),
    want: 'fail',
    conflict: 'finish-reason-openai-values',
    profiles: { strict: 'fail', documented: 'warn', lenient: 'pass' },
  },
  {
    name: 'function_call (legacy OpenAI) carries finish-reason-openai-values',
    given: () => streamObservation(chunkSequence({ finishReason: 'function_call' })),
    want: 'fail',
    conflict: 'finish-reason-openai-values',
    profiles: { strict: 'fail', documented: 'warn', lenient: 'pass' },
  },
  {
    name: 'an unknown value fails under every profile',
    given: () => jsonObservation(completion({ finishReason: 'eos_token' })),
    want: 'fail',
    profiles: { strict: 'fail', documented: 'fail', lenient: 'fail' },
  },
  { name: '"" in a non-stream answer fails', given: () => jsonObservation(completion({ finishReason: '' })), want: 'fail' },
  {
    name: '"" in a stream is left to streaming.single-finish',
    given: chunksWith((c) => ({
      ...c,
      choices: (c.choices as Array<Record<string, unknown>>).map((ch) => ({ ...ch, finish_reason: ch.finish_reason ?? '' })),
    })),
    want: 'pass',
  },
]);

table('schema.json-content-type', [
  { name: 'application/json passes', given: () => jsonObservation(completion()), want: 'pass' },
  {
    name: 'a charset parameter passes',
    given: () => jsonObservation(completion(), { headers: { 'content-type': 'application/json; charset=utf-8' } }),
    want: 'pass',
  },
  {
    name: 'fault json-as-text',
    given: () => jsonObservation(completion(), { headers: { 'content-type': 'text/plain; charset=utf-8' } }),
    want: 'fail',
    key: 'content-type',
  },
  {
    name: 'two JSON objects fail',
    given: () => rawObservation(`${JSON.stringify(completion())}${JSON.stringify(completion())}`),
    want: 'fail',
    key: 'not-json',
  },
  { name: 'a JSON array fails', given: () => jsonObservation([completion()]), want: 'fail', key: 'not-object' },
  {
    name: 'an SSE answer to a non-stream request fails',
    given: () => streamObservation(chunkSequence(), { sent: { stream: false } }),
    want: 'fail',
    key: 'content-type',
  },
  {
    name: 'a cut body is skipped',
    given: () => jsonObservation(completion(), { error: { code: 'too-large', message: 'the body exceeded 10 bytes' } }),
    want: 'skip',
  },
  { name: 'a stream request is not its business', given: () => streamObservation(chunkSequence()), want: 'none' },
]);

table('schema.usage-present', [
  { name: 'usage present passes', given: () => jsonObservation(completion()), want: 'pass' },
  {
    name: 'usage absent warns with its conflict',
    given: withBody(({ usage: _u, ...b }) => b),
    want: 'warn',
    key: 'absent',
    conflict: 'usage-optional',
  },
  {
    name: 'usage null warns with its conflict',
    given: withBody((b) => ({ ...b, usage: null })),
    want: 'warn',
    key: 'null',
    conflict: 'usage-optional',
    profiles: { strict: 'fail', documented: 'warn', lenient: 'pass' },
  },
  { name: 'a stream is not its business', given: () => streamObservation(chunkSequence()), want: 'none' },
]);

const answering =
  (model: string, sent = 'gpt-4o') =>
  () =>
    jsonObservation({ ...completion(), model }, { sent: { model: sent } });

table('schema.model-echo', [
  { name: 'the same model passes', given: answering('gpt-4o'), want: 'pass' },
  { name: 'a dated variant passes (OpenAI)', given: answering('gpt-4o-2024-08-06'), want: 'pass' },
  { name: 'a tagged variant passes (Ollama)', given: answering('llama3:latest', 'llama3'), want: 'pass' },
  { name: 'an org prefix either way passes (OpenRouter, vLLM)', given: answering('openai/gpt-4o', 'gpt-4o'), want: 'pass' },
  { name: 'a model without its prefix passes', given: answering('Qwen2.5-7B-Instruct', 'Qwen/Qwen2.5-7B-Instruct'), want: 'pass' },
  {
    name: 'an unrelated model warns, never fails',
    given: answering('llama-3-8b'),
    want: 'warn',
    key: 'unrelated:"llama-3-8b"',
    profiles: { documented: 'warn', lenient: 'warn' },
  },
  { name: 'a sibling model is not a variant', given: answering('gpt-4o-mini'), want: 'warn' },
  {
    name: 'a stream names its model in the chunks',
    given: () => streamObservation(chunkSequence(), { sent: { model: 'other-model' } }),
    want: 'warn',
  },
  { name: 'an empty model is left to the schema checks', given: answering(''), want: 'skip' },
  {
    name: 'an error is not its business',
    given: () => jsonObservation({ error: { message: 'x' } }, { status: 400, sent: { model: 'gpt-4o' } }),
    want: 'none',
  },
  {
    name: 'a request without a model is not its business',
    given: () => jsonObservation(completion(), { sent: { model: undefined } }),
    want: 'none',
  },
]);

const answerWith = (message: Json, finishReason = 'stop') =>
  withBody((b) => ({ ...b, choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: finishReason }] }));

table('schema.content-present', [
  { name: 'content with stop passes', given: () => jsonObservation(completion()), want: 'pass' },
  { name: 'content null with stop and no tool call fails', given: answerWith({ content: null }), want: 'fail', key: 'null-content' },
  { name: 'no content key with stop fails', given: answerWith({}), want: 'fail', key: 'null-content' },
  { name: 'content "" with stop passes (an empty reply is still a reply)', given: answerWith({ content: '' }), want: 'pass' },
  {
    name: 'content null with a tool call passes',
    given: answerWith({ content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] }),
    want: 'pass',
  },
  { name: 'content null cut by length passes', given: answerWith({ content: null }, 'length'), want: 'pass' },
  {
    name: 'a stream whose deltas never carry content fails',
    given: () =>
      streamObservation(
        chunkSequence().map((c) => ({ ...c, choices: (c.choices as Json[]).map((ch) => ({ ...ch, delta: { role: 'assistant' } })) })),
      ),
    want: 'fail',
  },
  { name: 'a stream with content passes', given: () => streamObservation(chunkSequence()), want: 'pass' },
]);

test('checks read both sides of a comparison', () => {
  const pair = fakeComparison('stream-vs-nonstream', jsonObservation({ ...completion(), object: 'x' }), streamObservation(chunkSequence()));
  expect(worstVerdict(runCheck(schemaChecks, 'schema.response-valid', pair))).toBe('fail');
  expect(worstVerdict(runCheck(schemaChecks, 'schema.chunk-valid', pair))).toBe('pass');
});

test('no schema check throws on hostile bodies or chunks', () => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.array(fc.jsonValue(), { maxLength: 4 }), (body, chunks) => {
      const evidence = [
        jsonObservation(body),
        jsonObservation({ ...completion(), choices: body, usage: body, created: body }),
        streamObservation(chunks),
      ];
      for (const check of schemaChecks)
        for (const e of evidence) expect(() => check.run(e, { profile: 'strict', model: 'm' })).not.toThrow();
    }),
    { numRuns: 60 },
  );
});
