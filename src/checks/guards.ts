/**
 * Small readers that checks share: which observations a piece of evidence holds, what was asked for, and safe
 * access to JSON a target sent (any value may have any type, so nothing here assumes a shape).
 */
import { fail, receivedDocumented, warn } from './outcome.ts';
import type { Evidence, Finding, Observation, Outcome, StreamEvidence } from './types.ts';

export type Json = Record<string, unknown>;

export const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `value[key]` when `value` is an object with that own property (never one inherited from a prototype). */
export const field = (value: unknown, key: string): unknown =>
  isRecord(value) && Object.hasOwn(value, key) ? value[key] : undefined;

export const hasField = (value: unknown, key: string): boolean => isRecord(value) && Object.hasOwn(value, key);

export const isCount = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 0;

/** Every observation a piece of evidence carries; checks that judge single exchanges run on each. */
export function observations(evidence: Evidence): Observation[] {
  switch (evidence.kind) {
    case 'observation':
      return [evidence];
    case 'comparison':
      return [evidence.a, evidence.b];
    case 'boundary':
      return [evidence.observation];
    case 'property':
      return evidence.failure?.observation ? [evidence.failure.observation] : [];
    default:
      return [];
  }
}

const tagged = (o: Observation, tag: string): boolean => Array.isArray(o.tags) && o.tags.includes(tag);

export const statusOf = (o: Observation): number | undefined => o.exchange.response?.status;

export const headerOf = (o: Observation, name: string): string | undefined => o.exchange.response?.headers[name];

/** The media type of a Content-Type value, lower-cased, without parameters. */
export const mediaType = (contentType: string | undefined): string =>
  (contentType ?? '').split(';')[0]!.trim().toLowerCase();

export const streamRequested = (o: Observation): boolean => field(o.sent, 'stream') === true || tagged(o, 'stream');

export const usageRequested = (o: Observation): boolean =>
  field(field(o.sent, 'stream_options'), 'include_usage') === true || tagged(o, 'include-usage');

/** `n` as sent (1 when absent or not a positive integer). */
export function requestedN(o: Observation): number {
  const n = field(o.sent, 'n');
  return Number.isInteger(n) && (n as number) >= 1 ? (n as number) : 1;
}

export const isStream = (o: Observation): o is Observation & { stream: StreamEvidence } => o.stream !== undefined;

/** The JSON object of a successful non-stream answer. */
export const okJson = (o: Observation): Json | undefined =>
  !isStream(o) && statusOf(o) === 200 && isRecord(o.json) ? o.json : undefined;

/** Why a stream cannot be judged as a whole: the exchange was cut, or events were not kept. */
export function incompleteReason(o: Observation): string | undefined {
  const error = o.exchange.error;
  if (error) return `the exchange ended early (${error.code}: ${error.message}); the transport checks report it`;
  if (o.stream?.framing.truncated) return 'some events were too long to keep, so the stream is incomplete';
  return undefined;
}

export interface Chunk {
  /** Position among the stream's data events (`[DONE]` included). */
  position: number;
  atMs: number;
  value: Json;
  /** Arrived after the first `[DONE]`, where a client has stopped reading. */
  afterDone: boolean;
}

/** The stream's data payloads that are JSON objects, in arrival order. */
export function chunksOf(o: Observation): Chunk[] {
  if (!isStream(o)) return [];
  const doneAt = o.stream.framing.events.find((e) => e.isDone)?.position ?? Infinity;
  return o.stream.chunks.flatMap((c) =>
    isRecord(c.value) ? [{ position: c.position, atMs: c.atMs, value: c.value, afterDone: c.position > doneAt }] : [],
  );
}

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
    const choices = field(chunk.value, 'choices');
    if (!Array.isArray(choices)) continue;
    for (const choice of choices) {
      const index = field(choice, 'index');
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
  entries.map((e) => field(field(e.choice, 'delta'), key)).filter((t): t is string => typeof t === 'string').join('');

/** A JSON pointer with array indices replaced by `*`, so the same problem at every index is one key. */
export const starPath = (path: string): string => path.replace(/\/\d+(?=\/|$)/g, '/*');

/** The stream and non-stream sides of a comparison, when it has exactly one of each. */
export function streamPair(a: Observation, b: Observation): { stream: Observation; plain: Observation } | undefined {
  if (isStream(a) === isStream(b)) return undefined;
  return isStream(a) ? { stream: a, plain: b } : { stream: b, plain: a };
}

/**
 * The outcomes of one observation, condensed: each distinct finding once (a problem on every chunk is one finding),
 * else one pass, else the first skip.
 */
export function collapse(outcomes: readonly Outcome[]): Outcome[] {
  const seen = new Set<string>();
  const findings = outcomes.filter((o) => {
    if (!('finding' in o) || seen.has(o.finding.key)) return false;
    seen.add(o.finding.key);
    return true;
  });
  if (findings.length > 0) return findings;
  const settled = outcomes.find((o) => o.verdict === 'pass') ?? outcomes[0];
  return settled ? [settled] : [];
}

/** `a, b, c, …` for messages: at most `max` items of a list that may be long. */
export const list = (items: readonly unknown[], max = 10): string =>
  items.slice(0, max).map(String).join(', ') + (items.length > max ? `, … (${items.length} in all)` : '');

/** A fail or warn outcome in the `Received: … / Documented: …` idiom. */
export const deviation = (
  verdict: 'fail' | 'warn',
  key: string,
  received: string,
  documented: string,
  extra: Partial<Finding> = {},
): Outcome => (verdict === 'fail' ? fail : warn)(key, receivedDocumented(received, documented), extra);
