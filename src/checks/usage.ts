/**
 * Token usage (000_96bde8db4d236014.txt, stream_options.include_usage and usage): with include_usage one extra
 * chunk before `data: [DONE]` carries the whole request's usage and `choices: []`, every other chunk carries
 * `usage: null`; counts are integers and total = prompt + completion.
 */

import type { Comparison, Evidence, Observation, Outcome } from '../core/evidence.ts';
import { asArray, dig, excerpt, hasField, isCount, isRecord } from '../core/json.ts';
import {
  type Answer,
  answerOf,
  type ChoiceDelta,
  type Chunk,
  choiceStreams,
  chunksOf,
  isFinish,
  okJson,
  onStreamPairs,
  onStreams,
  type StreamPair,
} from './answers.ts';
import { ifComplete, isStream, observations, requestedN, statusOf, streamRequested, usageRequested } from './guards.ts';
import { collapse, deviation, list, pass, skip } from './outcome.ts';
import { defineCheck } from './types.ts';

const DOC = '000_96bde8db4d236014.txt';
const OPENAI = 'OpenAI convention (assumed)';
const COUNTS = ['prompt_tokens', 'completion_tokens', 'total_tokens'] as const;

/** Chunks whose usage is present and not null. */
const usageChunks = (chunks: readonly Chunk[]): Chunk[] =>
  chunks.filter((c) => dig(c.value, 'usage') !== null && dig(c.value, 'usage') !== undefined);

const hasFinishIn = (chunk: Chunk): boolean =>
  asArray(dig(chunk.value, 'choices')).some((choice) => isFinish(dig(choice, 'finish_reason')));

/** Runs `judge` on the chunks of each stream that asked for usage (stream_options.include_usage: true). */
const onUsageStreams = (evidence: Evidence, judge: (chunks: Chunk[]) => Outcome[]): Outcome[] =>
  onStreams(evidence, (o) => (usageRequested(o) ? judge(chunksOf(o)) : []));

/** Like `onUsageStreams`, for rules that need the whole stream: a cut stream is skipped with the reason. */
const onCompleteUsageStreams = (evidence: Evidence, judge: (chunks: Chunk[]) => Outcome[]): Outcome[] =>
  onStreams(evidence, (o) => (usageRequested(o) ? ifComplete(o, () => judge(chunksOf(o))) : []));

/** The usage a whole answer reported: the non-stream body's, or the last usage chunk's before `[DONE]`. */
function reportedUsage(o: Observation): { where: string; usage: unknown } | undefined {
  if (isStream(o)) {
    const last = usageChunks(chunksOf(o).filter((c) => !c.afterDone)).at(-1);
    return last ? { where: `chunk ${last.position} /usage`, usage: dig(last.value, 'usage') } : undefined;
  }
  const body = okJson(o);
  return body && hasField(body, 'usage') ? { where: '/usage', usage: dig(body, 'usage') } : undefined;
}

const chunkPresent = defineCheck({
  id: 'usage.chunk-present',
  area: 'usage',
  severity: 'medium',
  rule: 'With stream_options.include_usage, exactly one extra chunk carries the usage of the whole request.',
  source: DOC,
  run: (evidence) =>
    onCompleteUsageStreams(evidence, (chunks) => {
      const found = usageChunks(chunks);
      if (found.length === 1) return [pass];
      const documented = `one chunk with non-null usage before data: [DONE] (${DOC})`;
      if (found.length === 0) {
        return [deviation('fail', 'missing', `no chunk with usage among ${chunks.length} chunks`, documented)];
      }
      const received = `${found.length} chunks with usage (chunks ${list(found.map((c) => c.position))})`;
      return [deviation('fail', 'several', received, documented)];
    }),
});

function placementOutcomes(chunks: readonly Chunk[]): Outcome[] {
  const usage = usageChunks(chunks).at(-1);
  if (!usage) return [skip('no usage chunk; usage.chunk-present reports it')];
  const documented = `the usage chunk after every finish chunk, as the last chunk before data: [DONE] (${DOC})`;
  const it = `the usage chunk (chunk ${usage.position})`;
  if (usage.afterDone) return [deviation('fail', 'after-done', `${it} after data: [DONE]`, documented)];
  const later = chunks.filter((c) => !c.afterDone && c.position > usage.position);
  const finish = later.find(hasFinishIn);
  if (finish) return [deviation('fail', 'before-finish', `${it} before the finish chunk ${finish.position}`, documented)];
  if (later.length === 0) return [pass];
  const received = `${later.length} chunk(s) after ${it}, first ${excerpt(later[0]!.value)}`;
  return [deviation('fail', 'not-last', received, documented)];
}

const chunkPlacement = defineCheck({
  id: 'usage.chunk-placement',
  area: 'usage',
  severity: 'medium',
  rule: 'The usage chunk comes after every finish chunk and just before data: [DONE] ("在 data: [DONE] 消息之前").',
  source: DOC,
  run: (evidence) => onCompleteUsageStreams(evidence, placementOutcomes),
});

function emptyChoicesOutcome(c: Chunk): Outcome {
  const choices = dig(c.value, 'choices');
  // A usage chunk without choices is a chunk without its required choices: schema.chunk-valid reports it.
  if (!Array.isArray(choices) || choices.length === 0) return pass;
  const received = `chunk ${c.position} carries usage and /choices = ${excerpt(choices)}`;
  // Usage "in the last chunk" read on its own puts it on the answer's last chunk: the profile decides.
  const extra = { path: '/choices', conflict: 'usage-chunk-choices' };
  return deviation('fail', 'choices-not-empty', received, `choices: [] on the extra usage chunk (${DOC})`, extra);
}

const chunkEmptyChoices = defineCheck({
  id: 'usage.chunk-empty-choices',
  area: 'usage',
  severity: 'medium',
  rule: 'Usage travels in an extra chunk whose "choices field is always an empty array" (usage on the last answer chunk: conflict usage-chunk-choices).',
  source: DOC,
  run: (evidence) =>
    onUsageStreams(evidence, (chunks) => {
      const found = usageChunks(chunks);
      if (found.length === 0) return [skip('no usage chunk; usage.chunk-present reports it')];
      return collapse(found.map(emptyChoicesOutcome));
    }),
});

function nullOutcome(c: Chunk, documented: string): Outcome {
  if (!hasField(c.value, 'usage')) {
    // OpenAI-style servers leave the key out; the documents ask for an explicit null, and the profile decides.
    const extra = { path: '/usage', conflict: 'usage-null-vs-absent' };
    return deviation('fail', 'absent', `chunk ${c.position} has no usage field`, documented, extra);
  }
  const usage = dig(c.value, 'usage');
  if (usage === null) return pass;
  const received = `chunk ${c.position} /usage = ${excerpt(usage)} before the usage chunk`;
  return deviation('fail', 'non-null', received, documented, { path: '/usage' });
}

const nullElsewhere = defineCheck({
  id: 'usage.null-elsewhere',
  area: 'usage',
  severity: 'low',
  rule: 'With include_usage, "all other chunks also contain a usage field, but with value null".',
  source: DOC,
  run: (evidence) =>
    onUsageStreams(evidence, (chunks) => {
      const read = chunks.filter((c) => !c.afterDone);
      const last = usageChunks(read).at(-1);
      const others = read.filter((c) => c !== last);
      if (others.length === 0) return [skip('the stream had no chunks besides the usage chunk')];
      return collapse(others.map((c) => nullOutcome(c, `"usage": null on every chunk but the usage chunk (${DOC})`)));
    }),
});

const notRequested = defineCheck({
  id: 'usage.not-requested',
  area: 'usage',
  severity: 'low',
  rule: "Without stream_options.include_usage no chunk carries usage (opt-in; 000 and 002 also put usage in a stream's last chunk unconditionally: conflict usage-unrequested-last-chunk).",
  source: DOC,
  run: (evidence) =>
    onStreams(evidence, (o) => {
      if (!streamRequested(o) || !isRecord(o.sent) || usageRequested(o)) return [];
      const found = usageChunks(chunksOf(o));
      const first = found[0];
      if (!first) return [pass];
      const usage = excerpt(dig(first.value, 'usage'));
      const received = `chunk ${first.position} /usage = ${usage} (${found.length} chunk(s) with usage), not requested`;
      const documented = `usage only when stream_options.include_usage is true (${DOC}); unasked, the documents' "usage is in the last chunk" (${DOC})`;
      // "Usage is in the last chunk of a stream" read without condition sends it unasked; the profile decides.
      const extra = { path: '/usage', conflict: 'usage-unrequested-last-chunk' };
      return [deviation('fail', 'unrequested', received, documented, extra)];
    }),
});

function totalsOutcome(where: string, usage: unknown): Outcome {
  const counts = COUNTS.map((name) => dig(usage, name));
  if (!counts.every((v) => Number.isInteger(v))) {
    return skip(`${where} lacks integer token counts; the schema checks report their type`);
  }
  const [prompt, completion, total] = counts as [number, number, number];
  const documented = `non-negative counts, total_tokens = prompt_tokens + completion_tokens ("提示 + 完成", ${DOC})`;
  const negative = COUNTS.filter((_, i) => (counts[i] as number) < 0);
  if (negative.length > 0) {
    const received = `${where} ${excerpt(usage)}: negative ${negative.join(', ')}`;
    return deviation('fail', 'negative', received, documented, { path: '/usage' });
  }
  if (prompt + completion === total) return pass;
  const sum = `prompt_tokens ${prompt} + completion_tokens ${completion} = ${prompt + completion}`;
  const received = `${where}: ${sum}, total_tokens ${total}`;
  return deviation('fail', 'sum', received, documented, { path: '/usage/total_tokens' });
}

const totalsAddUp = defineCheck({
  id: 'usage.totals-add-up',
  area: 'usage',
  severity: 'medium',
  rule: 'total_tokens is "the total tokens used in the request (prompt + completion)", and no count is negative.',
  source: DOC,
  run: (evidence) =>
    observations(evidence).flatMap((o) => {
      if (!isStream(o)) {
        const usage = dig(okJson(o), 'usage');
        return isRecord(usage) ? [totalsOutcome('/usage', usage)] : [];
      }
      const judge = (c: Chunk) => totalsOutcome(`chunk ${c.position} /usage`, dig(c.value, 'usage'));
      return collapse(usageChunks(chunksOf(o)).map(judge));
    }),
});

/** An answer that produced something: content, reasoning or a tool call. */
const producedOutput = (answer: Answer): boolean =>
  answer.choices.some((c) => Boolean(c.content) || Boolean(c.reasoning) || c.toolCalls.length > 0);

const countsNonzero = defineCheck({
  id: 'usage.counts-nonzero',
  area: 'usage',
  severity: 'medium',
  rule: 'An answer with output reports the tokens it used: its usage is not all zeros ("提示中的 tokens 数量", "生成的完成中的 tokens 数量").',
  source: DOC,
  run: (evidence) =>
    observations(evidence).flatMap((o) => {
      const answer = answerOf(o);
      const reported = reportedUsage(o);
      if (!answer || !reported || !isRecord(reported.usage) || !producedOutput(answer)) return [];
      if (COUNTS.some((name) => dig(reported.usage, name) !== 0)) return [pass];
      const received = `${reported.where} = ${excerpt(reported.usage)} for an answer with output`;
      const documented = `the prompt and completion tokens actually used (${DOC})`;
      return [deviation('fail', 'all-zero', received, documented, { path: '/usage' })];
    }),
});

/** The finish_reason of every choice of an answer (undefined for a streamed choice that never finished). */
function finishesOf(o: Observation): unknown[] {
  if (isStream(o)) {
    const reasons = (entries: ChoiceDelta[]) => entries.map((e) => dig(e.choice, 'finish_reason'));
    return [...choiceStreams(o).values()].map((entries) => reasons(entries).find(isFinish));
  }
  return asArray(dig(okJson(o), 'choices')).map((c) => dig(c, 'finish_reason'));
}

function maxTokensOutcome(o: Observation, maxTokens: number): Outcome {
  const reported = reportedUsage(o);
  const completion = dig(reported?.usage, 'completion_tokens');
  if (!reported || !isCount(completion)) return skip('the answer reported no integer completion_tokens');
  const finishes = finishesOf(o);
  const n = Math.max(requestedN(o), finishes.length);
  const perChoice = n > 1 ? ` per choice, ${n} choices` : '';
  const documented = `completion_tokens ≤ max_tokens (${maxTokens}${perChoice}), equal when finish_reason is "length" (${DOC})`;
  const path = '/usage/completion_tokens';
  const received = `${reported.where}/completion_tokens = ${completion} with max_tokens ${maxTokens}`;
  if (completion > maxTokens * n) return deviation('fail', 'over', received, documented, { path });
  // Equality is judged only when every choice asked for was seen finishing with "length"; a missing choice is
  // streaming.all-choices' finding.
  const allLength = finishes.length >= n && finishes.every((f) => f === 'length');
  if (!allLength || completion === maxTokens * n) return pass;
  return deviation('fail', 'length-short', `${received}, every choice finished with "length"`, documented, { path });
}

const withinMaxTokens = defineCheck({
  id: 'usage.within-max-tokens',
  area: 'usage',
  severity: 'medium',
  rule: 'completion_tokens stays within max_tokens ("生成的最大 tokens 数量"), and equals it when finish_reason is "length".',
  source: DOC,
  run: (evidence) =>
    observations(evidence).flatMap((o) => {
      const maxTokens = dig(o.sent, 'max_tokens');
      if (!isCount(maxTokens) || statusOf(o) !== 200) return [];
      return ifComplete(o, () => [maxTokensOutcome(o, maxTokens)]);
    }),
});

function usageMatchOutcomes(pair: StreamPair, c: Comparison): Outcome[] {
  const streamed = reportedUsage(pair.stream)?.usage;
  const plain = reportedUsage(pair.plain)?.usage;
  if (!isRecord(streamed) || !isRecord(plain)) return [skip('one side reported no usage (a stream needs include_usage)')];
  if (!COUNTS.every((name) => isCount(dig(streamed, name)) && isCount(dig(plain, name)))) {
    return [skip('a count is not a non-negative integer (schema.response-valid reports it)')];
  }
  const differing = COUNTS.filter((name) => dig(streamed, name) !== dig(plain, name));
  if (differing.length === 0) return [pass];
  const shown = (name: string) => `${name} stream ${excerpt(dig(streamed, name))} vs non-stream ${excerpt(dig(plain, name))}`;
  const documented = `the same usage for the same seeded request, streamed or not (${OPENAI})`;
  // The prompt is the same whatever is sampled, so its count must agree even on a target that is not deterministic.
  const verdict = c.deterministic || differing.includes('prompt_tokens') ? 'fail' : 'warn';
  return [deviation(verdict, differing.join('+'), differing.map(shown).join('; '), documented, { path: '/usage' })];
}

const streamMatchesNonstream = defineCheck({
  id: 'usage.stream-matches-nonstream',
  area: 'usage',
  severity: 'medium',
  rule: 'Stream and non-stream usage agree for the same seeded request: prompt_tokens always, the rest on a deterministic target (else a warning).',
  source: OPENAI,
  run: (evidence) => onStreamPairs(evidence, usageMatchOutcomes),
});

export const usageChecks = [
  chunkPresent,
  chunkPlacement,
  chunkEmptyChoices,
  nullElsewhere,
  notRequested,
  totalsAddUp,
  countsNonzero,
  withinMaxTokens,
  streamMatchesNonstream,
] as const;
