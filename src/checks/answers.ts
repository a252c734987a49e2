/**
 * Reading answers: the JSON object of a non-stream success, a stream's chunks by choice, and one `Answer` view that
 * reads a JSON body and a stream alike; and the first judgement of a request that must be answered or refused.
 * Like the guards, nothing here trusts the shape of what the target sent.
 */

import type { Comparison, Evidence, Finding, Observation, Outcome, StreamEvidence } from '../core/evidence.ts';
import { asArray, dig, hasField, isCount, isInteger, isRecord, type Json } from '../core/json.ts';
import {
  describeStatus,
  incompleteReason,
  isStream,
  isSuccess,
  observations,
  statusKey,
  statusOf,
  transportSkip,
  unsupportedSkip,
} from './guards.ts';
import { fail, pass, receivedDocumented, skip, warn } from './outcome.ts';

/** The JSON object of a successful non-stream answer. */
export const okJson = (o: Observation): Json | undefined => (!isStream(o) && statusOf(o) === 200 && isRecord(o.json) ? o.json : undefined);

export type Streamed = Observation & { stream: StreamEvidence };

/** Runs `judge` on every observation that was read as a stream. */
export const onStreams = (evidence: Evidence, judge: (o: Streamed) => Outcome[]): Outcome[] =>
  observations(evidence).flatMap((o) => (isStream(o) ? judge(o) : []));

export interface Chunk {
  /** Position among the stream's data events (`[DONE]` included). */
  position: number;
  atMs: number;
  value: Json;
  /** Arrived after the first `[DONE]`, where a client has stopped reading. */
  afterDone: boolean;
}

/**
 * A content-filter preamble: a chunk with `prompt_filter_results` (or the older `prompt_annotations`) and no choices,
 * which Azure OpenAI sends first, often with an empty id, object and model and `created: 0`. It carries no part of the
 * answer, so the answer's rules leave it out; streaming.chunk-object reports it once.
 */
export const isFilterPreamble = (value: Json): boolean =>
  (hasField(value, 'prompt_filter_results') || hasField(value, 'prompt_annotations')) &&
  Array.isArray(value['choices']) &&
  value['choices'].length === 0 &&
  (value['usage'] === undefined || value['usage'] === null);

/** A choice entry Azure's asynchronous content filter adds: filter results or offsets, no delta, no finish. */
const isFilterEntry = (choice: unknown): boolean =>
  isRecord(choice) &&
  !hasField(choice, 'delta') &&
  (hasField(choice, 'content_filter_results') || hasField(choice, 'content_filter_offsets')) &&
  !isFinish(choice['finish_reason']);

/** A content-filter annotation chunk: every choice a filter entry. schema.chunk-valid reports it once. */
export const isFilterAnnotation = (value: Json): boolean => {
  const choices = value['choices'];
  return Array.isArray(choices) && choices.length > 0 && choices.every(isFilterEntry);
};

/** The stream's data payloads that are JSON objects, in arrival order, content-filter chunks included. */
export function payloadsOf(o: Observation): Chunk[] {
  if (!isStream(o)) return [];
  const doneAt = o.stream.framing.events.find((e) => e.isDone)?.position ?? Infinity;
  return o.stream.chunks.flatMap((c) =>
    isRecord(c.value) ? [{ position: c.position, atMs: c.atMs, value: c.value, afterDone: c.position > doneAt }] : [],
  );
}

/** The stream's chunks: its JSON object payloads but the content-filter ones, which carry no part of the answer. */
export const chunksOf = (o: Observation): Chunk[] =>
  payloadsOf(o).filter((c) => !isFilterPreamble(c.value) && !isFilterAnnotation(c.value));

/** The chunks a client reads: those before `[DONE]`. */
export const clientChunks = (o: Observation): Chunk[] => chunksOf(o).filter((c) => !c.afterDone);

export interface ChoiceDelta {
  chunk: Chunk;
  choice: Json;
}

/** Each choice's entries in arrival order, by `index` (entries without a non-negative integer index are left out). */
export function choiceStreams(o: Observation): Map<number, ChoiceDelta[]> {
  const streams = new Map<number, ChoiceDelta[]>();
  for (const chunk of clientChunks(o)) {
    for (const choice of asArray(dig(chunk.value, 'choices'))) {
      const index = dig(choice, 'index');
      if (!isRecord(choice) || !isCount(index)) continue;
      const entries = streams.get(index) ?? [];
      entries.push({ chunk, choice });
      streams.set(index, entries);
    }
  }
  return streams;
}

/** A finish_reason that ends a choice: anything but null, absent or the empty string. */
export const isFinish = (reason: unknown): boolean => reason !== null && reason !== undefined && reason !== '';

/** The concatenated `delta[key]` strings of one choice's entries. */
export const deltaText = (entries: readonly ChoiceDelta[], key = 'content'): string =>
  entries
    .map((e) => dig(e.choice, 'delta', key))
    .filter((t): t is string => typeof t === 'string')
    .join('');

export interface StreamPair {
  stream: Observation;
  plain: Observation;
}

/** The stream and non-stream sides of a comparison, when it has exactly one of each. */
export function streamPair(a: Observation, b: Observation): StreamPair | undefined {
  if (isStream(a) === isStream(b)) return undefined;
  return isStream(a) ? { stream: a, plain: b } : { stream: b, plain: a };
}

/** Runs `judge` on a stream-vs-nonstream comparison that holds one complete stream and one complete answer. */
export function onStreamPairs(evidence: Evidence, judge: (pair: StreamPair, c: Comparison) => Outcome[]): Outcome[] {
  if (evidence.kind !== 'comparison' || evidence.relation !== 'stream-vs-nonstream') return [];
  const pair = streamPair(evidence.a, evidence.b);
  if (!pair) return [skip('the comparison does not hold one stream and one non-stream answer')];
  const cut = incompleteReason(pair.stream) ?? incompleteReason(pair.plain);
  return cut ? [skip(cut)] : judge(pair, evidence);
}

export interface AnswerToolCall {
  /** `index` as received (streams), or the array position (non-stream). */
  index: unknown;
  id: unknown;
  type: unknown;
  name: unknown;
  /** Non-stream: the value received. Stream: the fragments joined, or the first non-string fragment as received. */
  arguments: unknown;
  /** JSON pointer of the first place this call appeared. */
  path: string;
}

/** One choice of a successful answer, read the same way from a JSON body or from stream chunks. */
export interface AnswerChoice {
  index: number;
  /** Concatenated content; null when no content was ever sent. */
  content: string | null;
  reasoning: string | null;
  /** The finish_reason as received (last non-null value in a stream); null when none. */
  finishReason: unknown;
  toolCalls: AnswerToolCall[];
  /** Non-stream: `choice.logprobs` as received. Stream: the `logprobs.content` entries joined, or null when none came. */
  logprobs: unknown;
  /** JSON pointer prefix for messages: `/choices/0/message` or `/choices/0/delta`. */
  path: string;
}

export interface Answer {
  choices: AnswerChoice[];
  usage: unknown;
  streamed: boolean;
}

/**
 * The answer a 2xx response carried, or undefined when there is none to read (no choices array, not JSON).
 * Streams are folded per choice index; a chunk that does not parse is ignored here (the streaming checks judge it).
 */
export function answerOf(observation: Observation): Answer | undefined {
  if (!isSuccess(statusOf(observation))) return undefined;
  if (observation.stream) return foldStream(chunksOf(observation));
  const choices = dig(observation.json, 'choices');
  if (!Array.isArray(choices)) return undefined;
  return {
    streamed: false,
    usage: dig(observation.json, 'usage'),
    choices: choices.map((choice, position): AnswerChoice => {
      const message = dig(choice, 'message');
      const index = dig(choice, 'index');
      const at = `/choices/${position}/message`;
      return {
        index: isInteger(index) ? index : position,
        content: typeof dig(message, 'content') === 'string' ? (dig(message, 'content') as string) : null,
        reasoning: typeof dig(message, 'reasoning_content') === 'string' ? (dig(message, 'reasoning_content') as string) : null,
        finishReason: dig(choice, 'finish_reason') ?? null,
        toolCalls: asArray(dig(message, 'tool_calls')).map((call, i) => ({
          index: i,
          id: dig(call, 'id'),
          type: dig(call, 'type'),
          name: dig(call, 'function', 'name'),
          arguments: dig(call, 'function', 'arguments'),
          path: `${at}/tool_calls/${i}`,
        })),
        logprobs: dig(choice, 'logprobs') ?? null,
        path: at,
      };
    }),
  };
}

interface StreamCallDraft extends AnswerToolCall {
  parts: unknown[];
}

interface StreamChoiceDraft {
  index: number;
  content: string[];
  reasoning: string[];
  finishReason: unknown;
  calls: StreamCallDraft[];
  logprobs: unknown[] | null;
}

function foldStream(chunks: readonly Chunk[]): Answer {
  const drafts = new Map<number, StreamChoiceDraft>();
  let usage: unknown;
  for (const chunk of chunks) {
    const value = chunk.value;
    if (isRecord(value['usage'])) usage = value['usage'];
    asArray(value['choices']).forEach((choice, position) => {
      const rawIndex = dig(choice, 'index');
      const index = isInteger(rawIndex) ? rawIndex : position;
      let draft = drafts.get(index);
      if (!draft) {
        draft = { index, content: [], reasoning: [], finishReason: null, calls: [], logprobs: null };
        drafts.set(index, draft);
      }
      const delta = dig(choice, 'delta');
      const content = dig(delta, 'content');
      if (typeof content === 'string') draft.content.push(content);
      const reasoning = dig(delta, 'reasoning_content');
      if (typeof reasoning === 'string') draft.reasoning.push(reasoning);
      const finish = dig(choice, 'finish_reason');
      if (finish !== null && finish !== undefined) draft.finishReason = finish;
      const entries = dig(choice, 'logprobs', 'content');
      if (Array.isArray(entries)) draft.logprobs = [...(draft.logprobs ?? []), ...entries];
      asArray(dig(delta, 'tool_calls')).forEach((call, i) => {
        foldCallDelta(draft, call, `/choices/${position}/delta/tool_calls/${i} (chunk ${chunk.position})`);
      });
    });
  }
  const choices = [...drafts.values()]
    .sort((a, b) => a.index - b.index)
    .map(
      (d): AnswerChoice => ({
        index: d.index,
        content: d.content.length ? d.content.join('') : null,
        reasoning: d.reasoning.length ? d.reasoning.join('') : null,
        finishReason: d.finishReason,
        toolCalls: d.calls.map(({ parts, ...call }) => ({
          ...call,
          arguments: parts.every((p) => typeof p === 'string') ? parts.join('') : parts.find((p) => typeof p !== 'string'),
        })),
        logprobs: d.logprobs === null ? null : { content: d.logprobs },
        path: `/choices/${d.index}/delta`,
      }),
    );
  return { choices, usage, streamed: true };
}

/** Deltas without an integer index continue the most recent call, as most clients would do. */
function foldCallDelta(draft: StreamChoiceDraft, call: unknown, path: string): void {
  const index = dig(call, 'index');
  let target = isInteger(index) ? draft.calls.find((c) => c.index === index) : draft.calls.at(-1);
  if (!target) {
    target = { index, id: undefined, type: undefined, name: undefined, arguments: undefined, parts: [], path };
    draft.calls.push(target);
  }
  const id = dig(call, 'id');
  if (id !== undefined && id !== null && target.id === undefined) target.id = id;
  const type = dig(call, 'type');
  if (type !== undefined && type !== null && target.type === undefined) target.type = type;
  // The name is sent once by convention; a repeated identical name must not be doubled up.
  const name = dig(call, 'function', 'name');
  if (name !== undefined && name !== null && name !== '' && target.name === undefined) target.name = name;
  const args = dig(call, 'function', 'arguments');
  if (args !== undefined && args !== null) target.parts.push(args);
}

/** `usage.completion_tokens` when it is a non-negative integer. */
export function completionTokens(answer: Answer): number | undefined {
  const value = dig(answer.usage, 'completion_tokens');
  return isCount(value) ? value : undefined;
}

/** A `rejected` failure: `what` was refused although it should have been answered with `documented`. */
export const rejected = (
  observation: Observation,
  what: string,
  documented = '200 with an answer',
  extra: Partial<Finding> = {},
): Outcome => fail('rejected', receivedDocumented(`${describeStatus(observation)} for ${what}`, documented), extra);

/**
 * The answer to a request that asked for `capability`, or the outcomes that replace judging it: a skip when nothing
 * came back or the target says it lacks the capability, `refused` for any other non-2xx, a skip when no choices.
 */
export function answerFor(observation: Observation, capability: string, refused: Outcome): Answer | Outcome[] {
  const skipped = transportSkip(observation) ?? unsupportedSkip(observation, capability);
  if (skipped) return [skipped];
  if (!isSuccess(statusOf(observation))) return [refused];
  return answerOf(observation) ?? [skip('no choices to read (judged by the schema checks)')];
}

export interface Refusal {
  /** The status the rule asks for. */
  wanted: (status: number) => boolean;
  /** A refusal with another status: a warning rather than a failure. */
  tolerated?: (status: number) => boolean;
  /** The finding key of a 2xx answer. */
  served: string;
  /** What was sent, for the `Received:` line. */
  sent: string;
  documented: string;
}

/** The verdict on a request that must be refused, or the transport skip when nothing usable came back. */
export function judgeRefusal(observation: Observation, refusal: Refusal): Outcome[] {
  const skipped = transportSkip(observation);
  if (skipped) return [skipped];
  const status = statusOf(observation) ?? 0;
  if (refusal.wanted(status)) return [pass];
  const message = receivedDocumented(`${describeStatus(observation)} for ${refusal.sent}`, refusal.documented);
  if (refusal.tolerated?.(status)) return [warn(`status-${status}`, message)];
  return [fail(statusKey(status, refusal.served), message)];
}
