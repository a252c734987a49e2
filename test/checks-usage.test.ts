import fc from 'fast-check';
import { expect, test } from 'vitest';
import { streamingChecks } from '../src/checks/streaming.ts';
import { usageChecks } from '../src/checks/usage.ts';
import type { Evidence } from '../src/core/evidence.ts';
import { type CorrectStreams, checkTable, legalSseTable, type Row } from './support/check-table.ts';
import { CTX, chunkSequence, completion, findingsOf, jsonObservation, runCheck, streamObservation } from './support/chunks.ts';
import { fakeComparison, resetError, sseBody } from './support/evidence.ts';

type Json = Record<string, unknown>;

const table = (id: string, rows: Row[]) => checkTable(usageChecks, id, rows);

const INCLUDE = { stream_options: { include_usage: true } };
const usageStream =
  (chunks: Json[], sent: Json = {}) =>
  () =>
    streamObservation(chunks, { sent: { ...INCLUDE, ...sent } });
const withUsage = (spec: Parameters<typeof chunkSequence>[0] = {}) => chunkSequence({ includeUsage: true, ...spec });
const isUsageChunk = (c: Json) => Array.isArray(c.choices) && c.choices.length === 0;
const hasFinish = (c: Json) => (c.choices as Json[]).some((ch) => ch.finish_reason !== null);

/** The usage chunk moved to just before the first finish chunk. */
function usageBeforeFinish(chunks: Json[]): Json[] {
  const usage = chunks.find(isUsageChunk)!;
  const rest = chunks.filter((c) => c !== usage);
  const at = rest.findIndex(hasFinish);
  return [...rest.slice(0, at), usage, ...rest.slice(at)];
}

/** The usage chunk folded into the last finish chunk. */
function usageOnFinish(chunks: Json[]): Json[] {
  const usage = chunks.find(isUsageChunk)!;
  const rest = chunks.filter((c) => c !== usage);
  const at = rest.findLastIndex(hasFinish);
  return rest.map((c, i) => (i === at ? { ...c, usage: usage.usage } : c));
}

const PER_OBSERVATION = usageChecks.filter((c) => c.id !== 'usage.stream-matches-nonstream').map((c) => c.id);
const correctStreams: CorrectStreams = {
  'usage stream, two choices': { chunks: withUsage({ n: 2 }), sent: { ...INCLUDE, n: 2, max_tokens: 16 } },
  'stream without usage': { chunks: chunkSequence(), sent: { max_tokens: 16 } },
};
legalSseTable(usageChecks, PER_OBSERVATION, correctStreams, ['pass', 'skip', 'none']);

table('usage.chunk-present', [
  { name: 'one usage chunk passes', given: usageStream(withUsage()), want: 'pass' },
  { name: 'fault usage-ignored', given: usageStream(withUsage().filter((c) => !isUsageChunk(c))), want: 'fail', key: 'missing' },
  {
    name: 'usage on every chunk fails',
    given: usageStream(withUsage().map((c) => ({ ...c, usage: { prompt_tokens: 1, completion_tokens: 0, total_tokens: 1 } }))),
    want: 'fail',
    key: 'several',
  },
  {
    name: 'a cut stream is skipped',
    given: () => streamObservation([], { body: sseBody(withUsage().slice(0, 2), { done: false }), sent: INCLUDE, error: resetError }),
    want: 'skip',
  },
  { name: 'a stream without include_usage is not its business', given: () => streamObservation(chunkSequence()), want: 'none' },
]);

table('usage.chunk-placement', [
  { name: 'usage last before [DONE] passes', given: usageStream(withUsage({ n: 2 }), { n: 2 }), want: 'pass' },
  { name: 'usage riding on the finish chunk is placed right', given: usageStream(usageOnFinish(withUsage())), want: 'pass' },
  { name: 'fault usage-before-finish', given: usageStream(usageBeforeFinish(withUsage())), want: 'fail', key: 'before-finish' },
  {
    name: 'a content chunk after the usage chunk fails',
    given: usageStream([...withUsage(), { ...chunkSequence()[1]!, usage: null, choices: [] }]),
    want: 'fail',
    key: 'not-last',
  },
  {
    name: 'the usage chunk after [DONE] fails',
    given: () => {
      const chunks = withUsage();
      const body = [...sseBody(chunks.filter((c) => !isUsageChunk(c))), ...sseBody([chunks.at(-1)], { done: false })];
      return streamObservation([], { body, sent: INCLUDE });
    },
    want: 'fail',
    key: 'after-done',
  },
  { name: 'no usage chunk is left to usage.chunk-present', given: usageStream(withUsage().slice(0, -1)), want: 'skip' },
]);

/** The usage chunk with one empty entry in its choices, after the finish chunk (OpenRouter). */
const usageWithEmptyEntry = (chunks: Json[]): Json[] =>
  chunks.map((c) =>
    isUsageChunk(c) ? { ...c, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] } : c,
  );

table('usage.chunk-empty-choices', [
  { name: 'choices: [] passes', given: usageStream(withUsage()), want: 'pass', profiles: { strict: 'pass' } },
  {
    name: 'fault usage-on-finish: usage on the last chunk of the answer (conflict usage-chunk-choices)',
    given: usageStream(usageOnFinish(withUsage())),
    want: 'fail',
    key: 'choices-not-empty',
    conflict: 'usage-chunk-choices',
    profiles: { strict: 'fail', documented: 'warn', lenient: 'pass' },
  },
  {
    name: 'a last usage chunk with an empty entry in choices (OpenRouter) carries the same conflict',
    given: usageStream(usageWithEmptyEntry(withUsage())),
    want: 'fail',
    conflict: 'usage-chunk-choices',
    profiles: { strict: 'fail', documented: 'warn', lenient: 'pass' },
  },
  {
    name: 'no choices key is left to schema.chunk-valid',
    given: usageStream(withUsage().map((c) => (isUsageChunk(c) ? { ...c, choices: undefined } : c))),
    want: 'pass',
  },
  { name: 'no usage chunk is left to usage.chunk-present', given: usageStream(withUsage().slice(0, -1)), want: 'skip' },
]);

table('usage.null-elsewhere', [
  { name: 'usage: null everywhere else passes', given: usageStream(withUsage({ n: 2 })), want: 'pass' },
  { name: 'usage on the finish chunk, null before it, passes', given: usageStream(usageOnFinish(withUsage())), want: 'pass' },
  {
    name: 'fault usage-absent carries its conflict',
    given: usageStream(withUsage().map((c) => (c.usage === null ? { ...c, usage: undefined } : c))),
    want: 'fail',
    key: 'absent',
    conflict: 'usage-null-vs-absent',
  },
  {
    name: 'running usage on every chunk fails',
    given: usageStream(
      withUsage().map((c) => (c.usage === null ? { ...c, usage: { prompt_tokens: 1, completion_tokens: 0, total_tokens: 1 } } : c)),
    ),
    want: 'fail',
    key: 'non-null',
  },
  { name: 'without include_usage it is not its business', given: () => streamObservation(chunkSequence()), want: 'none' },
]);

test('usage on the finish chunk, or riding with an empty entry, is reported by usage.chunk-empty-choices alone', () => {
  for (const chunks of [usageOnFinish(withUsage()), usageWithEmptyEntry(withUsage())]) {
    const o = usageStream(chunks, { max_tokens: 16 })();
    const findings = usageChecks.flatMap((c) => findingsOf(c.run(o, CTX)).map((f) => `${c.id}: ${f.key}`));
    expect(findings).toEqual(['usage.chunk-empty-choices: choices-not-empty']);
    expect(findingsOf(runCheck(streamingChecks, 'streaming.single-finish', o))).toEqual([]);
  }
});

test('usage.null-elsewhere reports a missing key on every chunk once', () => {
  const o = usageStream(withUsage().map((c) => (c.usage === null ? { ...c, usage: undefined } : c)))();
  expect(findingsOf(runCheck(usageChecks, 'usage.null-elsewhere', o))).toHaveLength(1);
});

const unrequested = () => [
  ...chunkSequence(),
  { ...chunkSequence()[0]!, choices: [], usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 } },
];

table('usage.not-requested', [
  { name: 'no usage passes', given: () => streamObservation(chunkSequence()), want: 'pass' },
  {
    name: 'usage: null on every chunk passes',
    given: () => streamObservation(chunkSequence().map((c) => ({ ...c, usage: null }))),
    want: 'pass',
  },
  {
    name: 'fault usage-unrequested: usage in the last chunk, as 000 and 002 say without condition (OpenRouter)',
    given: () => streamObservation(unrequested()),
    want: 'fail',
    key: 'unrequested',
    conflict: 'usage-unrequested-last-chunk',
    profiles: { strict: 'fail', documented: 'warn', lenient: 'pass' },
  },
  {
    name: 'include_usage: false counts as not requested',
    given: () => streamObservation(unrequested(), { sent: { stream_options: { include_usage: false } } }),
    want: 'fail',
    profiles: { strict: 'fail', documented: 'warn', lenient: 'pass' },
  },
  { name: 'with include_usage it is not its business', given: usageStream(withUsage()), want: 'none' },
  { name: 'a non-stream answer is not its business', given: () => jsonObservation(completion()), want: 'none' },
]);

const badTotal = (usage: Json) => ({ ...usage, total_tokens: (usage.total_tokens as number) + 1 });

table('usage.totals-add-up', [
  { name: 'a non-stream total passes', given: () => jsonObservation(completion()), want: 'pass' },
  { name: 'a stream total passes', given: usageStream(withUsage()), want: 'pass' },
  {
    name: 'fault usage-bad-total (non-stream)',
    given: () => jsonObservation({ ...completion(), usage: badTotal(completion().usage as Json) }),
    want: 'fail',
    key: 'sum',
  },
  {
    name: 'fault usage-bad-total (stream)',
    given: usageStream(withUsage().map((c) => (isUsageChunk(c) ? { ...c, usage: badTotal(c.usage as Json) } : c))),
    want: 'fail',
    key: 'sum',
  },
  {
    name: 'a negative count fails',
    given: () => jsonObservation({ ...completion(), usage: { prompt_tokens: 5, completion_tokens: -2, total_tokens: 3 } }),
    want: 'fail',
    key: 'negative',
  },
  {
    name: 'fractional counts are left to schema.response-valid',
    given: () => jsonObservation({ ...completion(), usage: { prompt_tokens: 1.25, completion_tokens: 2.25, total_tokens: 3.5 } }),
    want: 'skip',
  },
  { name: 'no usage is not its business', given: () => streamObservation(chunkSequence()), want: 'none' },
]);

const zeroUsage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };

table('usage.counts-nonzero', [
  { name: 'counted usage passes', given: () => jsonObservation(completion()), want: 'pass' },
  {
    name: 'all-zero usage for an answer with content fails',
    given: () => jsonObservation({ ...completion(), usage: zeroUsage }),
    want: 'fail',
    key: 'all-zero',
    profiles: { lenient: 'fail' },
  },
  {
    name: 'all-zero usage in a usage chunk fails',
    given: usageStream(withUsage().map((c) => (isUsageChunk(c) ? { ...c, usage: zeroUsage } : c))),
    want: 'fail',
    key: 'all-zero',
  },
  {
    name: 'a counted prompt is enough for this rule (usage.within-max-tokens and the totals judge the rest)',
    given: () => jsonObservation({ ...completion(), usage: { prompt_tokens: 7, completion_tokens: 0, total_tokens: 7 } }),
    want: 'pass',
  },
  {
    name: 'all zeros for an answer without output is not its business',
    given: () => jsonObservation({ ...completion({ tokens: [] }), usage: zeroUsage }),
    want: 'none',
  },
  { name: 'no usage is not its business', given: () => jsonObservation({ ...completion(), usage: null }), want: 'none' },
]);

const cut = (tokens: number, finishReason: string, extra: Parameters<typeof completion>[0] = {}) =>
  completion({ tokens: Array.from({ length: tokens }, (_, i) => ` ${i}`), finishReason, ...extra });

table('usage.within-max-tokens', [
  {
    name: 'fewer tokens than max_tokens with stop passes',
    given: () => jsonObservation(cut(5, 'stop'), { sent: { max_tokens: 16 } }),
    want: 'pass',
  },
  {
    name: 'exactly max_tokens with length passes',
    given: () => jsonObservation(cut(5, 'length'), { sent: { max_tokens: 5 } }),
    want: 'pass',
  },
  {
    name: 'truncation reported as stop is left to semantics.max-tokens',
    given: () => jsonObservation(cut(5, 'stop'), { sent: { max_tokens: 5 } }),
    want: 'pass',
  },
  {
    name: 'n=2, both cut, passes',
    given: () => jsonObservation(cut(5, 'length', { n: 2 }), { sent: { max_tokens: 5, n: 2 } }),
    want: 'pass',
  },
  {
    name: 'fault max-tokens-ignored',
    given: () => jsonObservation(cut(20, 'stop'), { sent: { max_tokens: 16 } }),
    want: 'fail',
    key: 'over',
  },
  {
    name: 'length with fewer tokens than max_tokens fails',
    given: () => jsonObservation(cut(3, 'length'), { sent: { max_tokens: 5 } }),
    want: 'fail',
    key: 'length-short',
  },
  {
    name: 'a usage stream cut at max_tokens passes',
    given: usageStream(withUsage({ tokens: ['a', 'b', 'c', 'd', 'e'], finishReason: 'length' }), { max_tokens: 5 }),
    want: 'pass',
  },
  {
    name: 'a usage stream over max_tokens fails',
    given: usageStream(withUsage({ tokens: ['a', 'b', 'c'] }), { max_tokens: 2 }),
    want: 'fail',
    key: 'over',
  },
  {
    name: 'a stream without usage is skipped',
    given: () => streamObservation(chunkSequence(), { sent: { max_tokens: 16 } }),
    want: 'skip',
  },
  { name: 'no max_tokens is not its business', given: () => jsonObservation(completion()), want: 'none' },
]);

const usagePair =
  (streamUsage: (u: Json) => Json, deterministic = true) =>
  () =>
    fakeComparison(
      'stream-vs-nonstream',
      jsonObservation(completion()),
      streamObservation(
        withUsage().map((c) => (isUsageChunk(c) ? { ...c, usage: streamUsage(c.usage as Json) } : c)),
        { sent: INCLUDE },
      ),
      deterministic,
    );
const onePromptMore = (u: Json) => ({ ...u, prompt_tokens: (u.prompt_tokens as number) + 1, total_tokens: (u.total_tokens as number) + 1 });
const oneCompletionMore = (u: Json) => ({
  ...u,
  completion_tokens: (u.completion_tokens as number) + 1,
  total_tokens: (u.total_tokens as number) + 1,
});

table('usage.stream-matches-nonstream', [
  { name: 'equal usage passes', given: usagePair((u) => u), want: 'pass' },
  {
    name: 'fault usage-stream-mismatch (deterministic target)',
    given: usagePair(onePromptMore),
    want: 'fail',
    key: 'prompt_tokens+total_tokens',
  },
  { name: 'a completion mismatch on a non-deterministic target warns', given: usagePair(oneCompletionMore, false), want: 'warn' },
  {
    name: 'a prompt_tokens mismatch fails on any target: the prompt does not depend on sampling',
    given: usagePair(onePromptMore, false),
    want: 'fail',
  },
  { name: 'counts that are not integers are left to the schema', given: usagePair((u) => ({ ...u, prompt_tokens: 1.5 })), want: 'skip' },
  {
    name: 'a stream without usage is skipped',
    given: () => fakeComparison('stream-vs-nonstream', jsonObservation(completion()), streamObservation(chunkSequence())),
    want: 'skip',
  },
  {
    name: 'another relation is not its business',
    given: () => fakeComparison('same-seed', jsonObservation(completion()), jsonObservation(completion())),
    want: 'none',
  },
]);

test('no usage check throws on hostile chunks', () => {
  fc.assert(
    fc.property(fc.array(fc.jsonValue(), { maxLength: 5 }), fc.jsonValue(), (chunks, value) => {
      const sent = { ...INCLUDE, max_tokens: value, n: value };
      const evidence: Evidence[] = [
        streamObservation(chunks, { sent }),
        streamObservation(
          chunks.map((c) => ({ usage: c, choices: [{ index: 0, finish_reason: c }] })),
          { sent },
        ),
        jsonObservation({ usage: value, choices: value }, { sent: { max_tokens: 3 } }),
        fakeComparison(
          'stream-vs-nonstream',
          jsonObservation({ usage: value }),
          streamObservation(
            chunks.map((c) => ({ usage: c })),
            { sent },
          ),
        ),
      ];
      for (const check of usageChecks)
        for (const e of evidence) expect(() => check.run(e, { profile: 'strict', model: 'm' })).not.toThrow();
    }),
    { numRuns: 80 },
  );
});
