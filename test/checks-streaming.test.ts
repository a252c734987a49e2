import fc from 'fast-check';
import { expect, test } from 'vitest';
import { INCREMENTAL_MIN_MS, streamingChecks } from '../src/checks/streaming.ts';
import type { Evidence, Observation } from '../src/core/evidence.ts';
import { observe } from '../src/engine/observe.ts';
import { type CorrectStreams, checkTable, legalSseTable, type Row } from './support/check-table.ts';
import {
  chunkSequence,
  completion,
  findingsOf,
  jsonObservation,
  runCheck,
  splitBytes,
  streamObservation,
  worstVerdict,
} from './support/chunks.ts';
import { fakeComparison, fakeExchange, resetError, sseBody } from './support/evidence.ts';

type Json = Record<string, unknown>;

const table = (id: string, rows: Row[]) => checkTable(streamingChecks, id, rows);

const choicesOf = (chunk: Json) => chunk.choices as Json[];
const mapChoices = (chunks: Json[], change: (choice: Json, chunkIndex: number) => Json): Json[] =>
  chunks.map((chunk, i) => ({ ...chunk, choices: choicesOf(chunk).map((choice) => change(choice, i)) }));
const stream =
  (chunks: Json[], sent: Json = {}) =>
  () =>
    streamObservation(chunks, { sent });
const events =
  (...texts: string[]) =>
  () =>
    streamObservation([], { body: texts });

/** Every check that judges a single stream: none may fail or warn on a correct stream in any legal SSE form. */
const PER_STREAM = streamingChecks.filter((c) => c.id !== 'streaming.matches-nonstream').map((c) => c.id);

const correctStreams: CorrectStreams = {
  'one choice': { chunks: chunkSequence(), sent: {} },
  'two choices with usage': {
    chunks: chunkSequence({ n: 2, includeUsage: true }),
    sent: { n: 2, stream_options: { include_usage: true } },
  },
  'multi-byte tokens': { chunks: chunkSequence({ tokens: ['🦙', '🚀', ' 漢', '字', ' Ď', 'á', 'bel', 'ské', ' ñ'] }), sent: {} },
};
legalSseTable(streamingChecks, PER_STREAM, correctStreams, ['pass', 'skip']);

table('streaming.content-type', [
  { name: 'text/event-stream passes', given: stream(chunkSequence()), want: 'pass' },
  {
    name: 'a charset parameter passes',
    given: () => streamObservation(chunkSequence(), { headers: { 'content-type': 'text/event-stream; charset=utf-8' } }),
    want: 'pass',
  },
  {
    name: 'fault stream-json-content-type: SSE body labelled application/json',
    given: () => streamObservation(chunkSequence(), { headers: { 'content-type': 'application/json' } }),
    want: 'fail',
    key: 'content-type',
  },
  {
    name: 'stream:true answered with one JSON body fails',
    given: () => jsonObservation(completion(), { sent: { stream: true } }),
    want: 'fail',
  },
  { name: 'a non-stream request is not its business', given: () => jsonObservation(completion()), want: 'none' },
  {
    name: 'an error status is not its business',
    given: () => jsonObservation({ error: {} }, { status: 400, sent: { stream: true } }),
    want: 'none',
  },
]);

table('streaming.data-only', [
  { name: 'data lines pass', given: stream(chunkSequence()), want: 'pass' },
  { name: 'comments pass', given: events(': hello\n\n', ...sseBody(chunkSequence())), want: 'pass' },
  {
    name: 'fault named-events',
    given: events(...sseBody(chunkSequence()).map((e) => `event: message\n${e}`)),
    want: 'fail',
    key: 'field:event',
  },
  { name: 'an id: line fails', given: events('id: 7\n', ...sseBody(chunkSequence())), want: 'fail', key: 'field:id' },
]);

test('streaming.data-only reports an event: line on every event once', () => {
  const o = events(...sseBody(chunkSequence()).map((e) => `event: message\n${e}`))();
  expect(findingsOf(runCheck(streamingChecks, 'streaming.data-only', o))).toHaveLength(1);
});

const [firstChunk, ...restChunks] = sseBody(chunkSequence());
const splitOverTwoLines = (event: string) => event.replace('data: {"id":"chatcmpl-abc",', 'data: {"id":"chatcmpl-abc",\ndata: ');

table('streaming.single-line-data', [
  { name: 'one data line per event passes', given: stream(chunkSequence()), want: 'pass' },
  {
    name: 'fault multi-line-data warns',
    given: events(splitOverTwoLines(firstChunk!), ...restChunks),
    want: 'warn',
    key: 'multi-line-data',
  },
]);

table('streaming.payload-json', [
  { name: 'JSON objects pass', given: stream(chunkSequence()), want: 'pass' },
  {
    name: 'fault non-json-payload: data: ping',
    given: events(firstChunk!, 'data: ping\n\n', ...restChunks),
    want: 'fail',
    key: 'not-json-object',
  },
  { name: 'data: null fails', given: events(firstChunk!, 'data: null\n\n', ...restChunks), want: 'fail' },
  { name: 'a JSON array fails', given: events(firstChunk!, 'data: [1,2]\n\n', ...restChunks), want: 'fail' },
]);

const withoutDone = sseBody(chunkSequence(), { done: false });

table('streaming.done-terminator', [
  { name: '[DONE] passes', given: stream(chunkSequence()), want: 'pass' },
  { name: '[DONE] with a trailing space passes', given: events(...withoutDone, 'data: [DONE] \n\n'), want: 'pass' },
  { name: 'fault no-done', given: events(...withoutDone), want: 'fail', key: 'done-missing' },
  { name: '[DONE] without its blank line fails', given: events(...withoutDone, 'data: [DONE]'), want: 'fail' },
  {
    name: 'a stream cut by a reset is skipped',
    given: () => streamObservation([], { body: withoutDone.slice(0, 2), error: resetError }),
    want: 'skip',
  },
  { name: 'a non-stream answer is not its business', given: () => jsonObservation(completion()), want: 'none' },
]);

table('streaming.done-once', [
  { name: 'one [DONE] passes', given: stream(chunkSequence()), want: 'pass' },
  { name: 'fault double-done', given: events(...sseBody(chunkSequence()), 'data: [DONE]\n\n'), want: 'fail', key: 'done-repeated' },
  { name: 'fault data-after-done', given: events(...sseBody(chunkSequence()), restChunks[0]!), want: 'fail', key: 'data-after-done' },
  { name: 'no [DONE] is left to streaming.done-terminator', given: events(...withoutDone), want: 'skip' },
]);

/** The first chunk Azure OpenAI streams: the prompt's content-filter results, no choices, an empty identity. */
const azurePreamble = {
  choices: [],
  created: 0,
  id: '',
  model: '',
  object: '',
  prompt_filter_results: [{ prompt_index: 0, content_filter_results: {} }],
};

table('streaming.chunk-object', [
  { name: 'chat.completion.chunk passes', given: stream(chunkSequence()), want: 'pass' },
  {
    name: 'reading chunk-object-literal: chat.completion reads 000 literally (conflict chunk-object-name)',
    given: stream(chunkSequence().map((c) => ({ ...c, object: 'chat.completion' }))),
    want: 'fail',
    key: 'object:"chat.completion"',
    conflict: 'chunk-object-name',
    profiles: { strict: 'fail', documented: 'warn', lenient: 'pass' },
  },
  {
    name: 'a missing object fails under every profile',
    given: stream(chunkSequence().map(({ object: _o, ...c }) => c)),
    want: 'fail',
    profiles: { lenient: 'fail' },
  },
  {
    name: 'fault wrong-chunk-object: another object fails under every profile',
    given: stream(chunkSequence().map((c) => ({ ...c, object: 'text_completion' }))),
    want: 'fail',
    profiles: { lenient: 'fail' },
  },
  {
    name: 'an Azure content-filter preamble warns once',
    given: stream([azurePreamble, ...chunkSequence()]),
    want: 'warn',
    key: 'filter-preamble',
    profiles: { strict: 'fail', documented: 'warn', lenient: 'warn' },
  },
  {
    name: 'a preamble that looks like the other chunks passes',
    given: stream([{ ...chunkSequence()[0]!, choices: [], prompt_filter_results: [] }, ...chunkSequence()]),
    want: 'pass',
  },
]);

test('an Azure preamble is one finding: the other streaming checks leave it out', () => {
  const o = stream([azurePreamble, ...chunkSequence({ includeUsage: true })], { stream_options: { include_usage: true } })();
  const findings = PER_STREAM.flatMap((id) => findingsOf(runCheck(streamingChecks, id, o)).map((f) => `${id}: ${f.key}`));
  expect(findings).toEqual(['streaming.chunk-object: filter-preamble']);
});

table('streaming.role-first', [
  { name: 'a role delta first passes', given: stream(chunkSequence()), want: 'pass' },
  { name: 'two choices with role deltas pass', given: stream(chunkSequence({ n: 2 }), { n: 2 }), want: 'pass' },
  {
    name: 'role repeated as assistant passes',
    given: stream(mapChoices(chunkSequence(), (ch) => ({ ...ch, delta: { role: 'assistant', ...(ch.delta as Json) } }))),
    want: 'pass',
  },
  {
    name: 'fault no-role',
    given: stream(mapChoices(chunkSequence(), (ch) => ({ ...ch, delta: { ...(ch.delta as Json), role: undefined } }))),
    want: 'fail',
    key: 'first-without-role',
  },
  {
    name: 'the second choice without a role fails',
    given: stream(
      mapChoices(chunkSequence({ n: 2 }), (ch) => (ch.index === 1 ? { ...ch, delta: { content: '' } } : ch)),
      { n: 2 },
    ),
    want: 'fail',
  },
  {
    name: 'role null after the first delta passes (vLLM, LiteLLM)',
    given: stream(mapChoices(chunkSequence(), (ch, i) => (i === 2 ? { ...ch, delta: { role: null, content: 'x' } } : ch))),
    want: 'pass',
  },
  {
    name: 'role null on the first delta fails',
    given: stream(mapChoices(chunkSequence(), (ch, i) => (i === 0 ? { ...ch, delta: { role: null, content: '' } } : ch))),
    want: 'fail',
    key: 'first-without-role',
  },
  {
    name: 'role assistant repeated on a later delta passes',
    given: stream(mapChoices(chunkSequence(), (ch, i) => (i === 3 ? { ...ch, delta: { role: 'assistant', content: 'x' } } : ch))),
    want: 'pass',
  },
  {
    name: 'role user carries the response-role-enum conflict',
    given: stream(mapChoices(chunkSequence(), (ch, i) => (i === 0 ? { ...ch, delta: { role: 'user', content: '' } } : ch))),
    want: 'fail',
    conflict: 'response-role-enum',
  },
  { name: 'a stream without choices is skipped', given: stream([]), want: 'skip' },
]);

table('streaming.stable-identity', [
  {
    name: 'the same id, created and model pass',
    given: stream(chunkSequence({ includeUsage: true }), { stream_options: { include_usage: true } }),
    want: 'pass',
  },
  {
    name: 'fault unstable-id',
    given: stream(chunkSequence().map((c, i) => ({ ...c, id: i === 0 ? c.id : `${String(c.id)}-${i}` }))),
    want: 'fail',
    key: 'id',
  },
  {
    name: 'created racing ahead of the clock fails',
    given: stream(chunkSequence().map((c, i) => ({ ...c, created: (c.created as number) + i }))),
    want: 'fail',
    key: 'created',
  },
  {
    name: 'created moving one second forward within a stream of 1.2 s warns (Ollama, llama.cpp)',
    given: () =>
      timedStream(
        sseBody(chunkSequence().map((c, i) => ({ ...c, created: (c.created as number) + (i >= 4 ? 1 : 0) }))),
        [10, 200, 400, 600, 800, 1000, 1200, 1210],
      ),
    want: 'warn',
    key: 'created-drift',
    profiles: { strict: 'fail', documented: 'warn', lenient: 'warn' },
  },
  {
    name: 'created moving two seconds forward within 35 ms fails',
    given: stream(chunkSequence().map((c, i, all) => ({ ...c, created: (c.created as number) + (i === all.length - 1 ? 2 : 0) }))),
    want: 'fail',
    key: 'created',
  },
  {
    name: 'created moving backwards fails',
    given: stream(chunkSequence().map((c, i) => ({ ...c, created: (c.created as number) - (i > 2 ? 1 : 0) }))),
    want: 'fail',
    key: 'created',
  },
  {
    name: 'an id that changes fails even when created drifts legitimately',
    given: () =>
      timedStream(
        sseBody(chunkSequence().map((c, i) => ({ ...c, id: `x-${i}`, created: (c.created as number) + (i >= 4 ? 1 : 0) }))),
        [10, 200, 400, 600, 800, 1000, 1200, 1210],
      ),
    want: 'fail',
    key: 'id',
  },
  {
    name: 'model missing on the last chunk fails',
    given: stream(chunkSequence().map((c, i, all) => (i === all.length - 1 ? { ...c, model: undefined } : c))),
    want: 'fail',
    key: 'model',
  },
]);

const finished = (chunks: Json[]) => chunks.findIndex((c) => choicesOf(c).some((ch) => ch.finish_reason !== null));

table('streaming.single-finish', [
  { name: 'one finish per choice passes', given: stream(chunkSequence({ n: 2, includeUsage: true }), { n: 2 }), want: 'pass' },
  {
    name: 'finish on the last content chunk passes',
    given: stream([
      ...chunkSequence().slice(0, -2),
      { ...chunkSequence().at(-2)!, choices: [{ index: 0, delta: { content: '3' }, finish_reason: 'stop' }] },
    ]),
    want: 'pass',
  },
  {
    name: 'fault double-finish',
    given: () => {
      const chunks = chunkSequence();
      const at = finished(chunks);
      return streamObservation([...chunks.slice(0, at + 1), chunks[at]!, ...chunks.slice(at + 1)]);
    },
    want: 'fail',
    key: 'repeated',
  },
  {
    name: 'fault empty-finish-reason',
    given: stream(mapChoices(chunkSequence(), (ch) => ({ ...ch, finish_reason: ch.finish_reason ?? '' }))),
    want: 'fail',
    key: 'empty-string',
  },
  { name: 'no finish fails', given: stream(chunkSequence().slice(0, -1)), want: 'fail', key: 'missing' },
  {
    name: 'content after the finish fails',
    given: () => {
      const chunks = chunkSequence();
      return streamObservation([...chunks, { ...chunks[1]!, choices: [{ index: 0, delta: { content: 'late' }, finish_reason: null }] }]);
    },
    want: 'fail',
    key: 'after-finish',
  },
  {
    name: 'a cut stream is skipped',
    given: () => streamObservation([], { body: sseBody(chunkSequence().slice(0, 3), { done: false }), error: resetError }),
    want: 'skip',
  },
  {
    name: 'an empty entry on the usage chunk after the finish is left to usage.chunk-empty-choices (OpenRouter)',
    given: stream([
      ...chunkSequence(),
      {
        ...chunkSequence()[0]!,
        choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
        usage: { prompt_tokens: 1, completion_tokens: 5, total_tokens: 6 },
      },
    ]),
    want: 'pass',
  },
  {
    name: 'content on the usage chunk after the finish still fails',
    given: stream([
      ...chunkSequence(),
      {
        ...chunkSequence()[0]!,
        choices: [{ index: 0, delta: { content: 'late' }, finish_reason: null }],
        usage: { prompt_tokens: 1, completion_tokens: 5, total_tokens: 6 },
      },
    ]),
    want: 'fail',
    key: 'after-finish',
  },
  {
    name: 'choices without a finish_reason key before the finish pass',
    given: stream(mapChoices(chunkSequence(), ({ finish_reason, ...ch }) => (finish_reason === null ? ch : { ...ch, finish_reason }))),
    want: 'pass',
  },
]);

table('streaming.all-choices', [
  { name: 'n=2 with both choices passes', given: stream(chunkSequence({ n: 2 }), { n: 2 }), want: 'pass' },
  { name: 'n absent means one choice', given: stream(chunkSequence()), want: 'pass' },
  {
    name: 'fault drop-choice',
    given: stream(
      chunkSequence({ n: 2 }).filter((c) => choicesOf(c)[0]?.index === 0),
      { n: 2 },
    ),
    want: 'fail',
    key: 'missing-choice',
  },
  {
    name: 'a choice that never finishes fails',
    given: stream(
      mapChoices(chunkSequence({ n: 2 }), (ch) => (ch.index === 1 ? { ...ch, finish_reason: null } : ch)),
      { n: 2 },
    ),
    want: 'fail',
    key: 'unfinished-choice',
  },
  { name: 'an index beyond n fails', given: stream(chunkSequence({ n: 2 })), want: 'fail', key: 'unexpected-index' },
  {
    name: 'a cut stream is skipped',
    given: () =>
      streamObservation([], { body: sseBody(chunkSequence({ n: 2 }).slice(0, 2), { done: false }), error: resetError, sent: { n: 2 } }),
    want: 'skip',
  },
]);

const pair =
  (chunks: Json[], body: Json, deterministic = true) =>
  () =>
    fakeComparison('stream-vs-nonstream', jsonObservation(body), streamObservation(chunks), deterministic);
const utf8Tokens = ['🦙', '🚀', ' 漢', '字', ' Ď', 'á', 'bel', 'ské', ' ñ'];

table('streaming.matches-nonstream', [
  { name: 'equal content passes', given: pair(chunkSequence(), completion()), want: 'pass' },
  { name: 'two equal choices pass', given: pair(chunkSequence({ n: 2 }), completion({ n: 2 })), want: 'pass' },
  {
    name: 'multi-byte content split at every byte passes',
    given: () =>
      fakeComparison(
        'stream-vs-nonstream',
        jsonObservation(completion({ tokens: utf8Tokens })),
        streamObservation([], { body: splitBytes(sseBody(chunkSequence({ tokens: utf8Tokens })).join(''), 1) }),
      ),
    want: 'pass',
  },
  {
    name: 'fault stream-differs (deterministic target)',
    given: pair(
      mapChoices(chunkSequence(), (ch, i) => (i === 1 ? { ...ch, delta: { content: '2' } } : ch)),
      completion(),
    ),
    want: 'fail',
    key: 'content-differs',
  },
  {
    name: 'a difference on a non-deterministic target warns',
    given: pair(chunkSequence({ tokens: ['a'] }), completion({ tokens: ['b'] }), false),
    want: 'warn',
  },
  {
    name: 'the non-stream text with a piece missing fails on any target (deltas lost in transit)',
    given: pair(
      chunkSequence({ tokens: ['The sea ', 'is calm ', 'today.'] }),
      completion({ tokens: ['The sea ', 'is calm ', 'and grey ', 'today.'] }),
      false,
    ),
    want: 'fail',
    key: 'pieces-missing',
  },
  {
    name: 'a shorter, different answer on a non-deterministic target only warns',
    given: pair(chunkSequence({ tokens: ['Calm water.'] }), completion({ tokens: ['The sea is calm and grey today.'] }), false),
    want: 'warn',
  },
  {
    name: 'a cut stream is skipped',
    given: () =>
      fakeComparison(
        'stream-vs-nonstream',
        jsonObservation(completion()),
        streamObservation([], { body: sseBody(chunkSequence().slice(0, 2)), error: resetError }),
      ),
    want: 'skip',
  },
  {
    name: 'two non-stream answers are skipped',
    given: () => fakeComparison('stream-vs-nonstream', jsonObservation(completion()), jsonObservation(completion())),
    want: 'skip',
  },
  {
    name: 'another relation is not its business',
    given: () => fakeComparison('same-seed', jsonObservation(completion()), streamObservation(chunkSequence())),
    want: 'none',
  },
  { name: 'a single observation is not its business', given: stream(chunkSequence()), want: 'none' },
]);

/** A stream whose reads arrive at the given times (ms after the request), one body part per read. */
function timedStream(parts: string[], times: number[]): Observation {
  const exchange = fakeExchange({ headers: { 'content-type': 'text/event-stream' }, body: parts });
  exchange.reads = exchange.reads.map((read, i) => ({ ...read, atMs: times[i] ?? read.atMs }));
  return observe(exchange, { probe: 'fake', sent: { stream: true } });
}

const paced = sseBody(chunkSequence({ tokens: ['a', 'b', 'c', 'd', 'e', 'f'] }));

table('streaming.incremental', [
  { name: 'one event per read, 5 ms apart, passes', given: () => streamObservation([], { body: paced, gapMs: 5 }), want: 'pass' },
  {
    name: 'fault burst: everything in one late read warns',
    given: () => timedStream([': \n\n', paced.join('')], [5, 120]),
    want: 'warn',
    key: 'burst',
  },
  {
    name: 'content in two reads a millisecond apart, late, warns',
    given: () => timedStream([paced[0]!, paced.slice(1, 4).join(''), paced.slice(4).join('')], [10, 900, 901]),
    want: 'warn',
  },
  { name: 'a reference with no gap is skipped, not warned', given: () => streamObservation([], { body: paced, gapMs: 0 }), want: 'skip' },
  {
    name: 'content that took a long time to start but then streamed passes',
    given: () =>
      timedStream(
        paced,
        paced.map((_, i) => (i === 0 ? 10 : 400 + i * 20)),
      ),
    want: 'pass',
  },
  {
    name: 'too few content events are skipped',
    given: () => streamObservation(chunkSequence({ tokens: ['a', 'b'] }), { gapMs: 50 }),
    want: 'skip',
  },
  {
    name: 'a cut stream is skipped',
    given: () => streamObservation([], { body: paced.slice(0, 4), gapMs: 50, error: resetError }),
    want: 'skip',
  },
]);

test(`streaming.incremental judges a stream only after ${INCREMENTAL_MIN_MS} ms`, () => {
  const quick = timedStream(
    paced,
    paced.map((_, i) => 1 + i),
  );
  expect(worstVerdict(runCheck(streamingChecks, 'streaming.incremental', quick))).toBe('skip');
});

const utf8Chunks = chunkSequence({ tokens: utf8Tokens });

table('streaming.utf8-intact', [
  { name: 'multi-byte deltas pass', given: stream(utf8Chunks), want: 'pass' },
  {
    name: 'multi-byte deltas split at every byte pass',
    given: () => streamObservation([], { body: splitBytes(sseBody(utf8Chunks).join(''), 1) }),
    want: 'pass',
  },
  {
    name: 'fault replacement-char',
    given: stream(mapChoices(utf8Chunks, (ch, i) => (i === 1 ? { ...ch, delta: { content: '\uFFFD' } } : ch))),
    want: 'fail',
    key: 'replacement-char',
  },
  {
    name: 'invalid bytes in the body are left to transport.valid-utf8',
    given: () => {
      const [head, ...tail] = sseBody(utf8Chunks);
      const bytes = new TextEncoder().encode(head!.replace('""', '"x"'));
      const broken = Uint8Array.from([...bytes.subarray(0, bytes.indexOf(0x78)), 0xff, ...bytes.subarray(bytes.indexOf(0x78) + 1)]);
      return streamObservation([], { body: [broken, ...tail] });
    },
    want: 'skip',
  },
  {
    name: 'U+FFFD in the non-stream answer too is not a split',
    given: () =>
      fakeComparison(
        'stream-vs-nonstream',
        jsonObservation(completion({ tokens: ['\uFFFD'] })),
        streamObservation(chunkSequence({ tokens: ['\uFFFD'] })),
      ),
    want: 'skip',
  },
  {
    name: 'a comparison judges its stream',
    given: () =>
      fakeComparison(
        'stream-vs-nonstream',
        jsonObservation(completion({ tokens: utf8Tokens })),
        streamObservation(mapChoices(utf8Chunks, (ch, i) => (i === 1 ? { ...ch, delta: { content: '\uFFFD' } } : ch))),
      ),
    want: 'fail',
  },
]);

test('no streaming check throws on hostile chunks or bytes', () => {
  fc.assert(
    fc.property(fc.array(fc.jsonValue(), { maxLength: 5 }), fc.uint8Array({ maxLength: 200 }), fc.jsonValue(), (chunks, bytes, body) => {
      const evidence: Evidence[] = [
        streamObservation(chunks, { sent: { n: body } }),
        streamObservation([], { body: [bytes] }),
        streamObservation(chunks.map((c) => ({ choices: [c, { index: 0, delta: c, finish_reason: c }] }))),
        fakeComparison('stream-vs-nonstream', jsonObservation({ choices: body }), streamObservation(chunks)),
        fakeComparison(
          'stream-vs-nonstream',
          jsonObservation({ choices: [body, { message: body, index: body }] }),
          streamObservation(chunks),
        ),
      ];
      for (const check of streamingChecks)
        for (const e of evidence) expect(() => check.run(e, { profile: 'strict', model: 'm' })).not.toThrow();
    }),
    { numRuns: 80 },
  );
});
