/**
 * Correct answers, built by hand: a non-stream chat.completion and the chunk sequence of the same answer, shaped as
 * the documents describe them. Tests change one thing at a time to break exactly one rule.
 */
import type { Check, CheckContext } from '../../src/checks/types.ts';
import type { Evidence, Finding, Observation, Outcome } from '../../src/core/evidence.ts';
import type { Verdict } from '../../src/core/vocabulary.ts';
import { type FakeResponse, fakeObservation, sseBody } from './evidence.ts';

type Json = Record<string, unknown>;

export const NOW = (): number => Math.floor(Date.now() / 1000);

export interface AnswerSpec {
  /** Content tokens per choice; every choice gets the same tokens unless `perChoice` says otherwise. */
  tokens?: string[];
  n?: number;
  finishReason?: string;
  includeUsage?: boolean;
  promptTokens?: number;
  created?: number;
}

const DEFAULT_TOKENS = ['1', ',', ' 2', ',', ' 3'];

function usageOf(spec: AnswerSpec) {
  const n = spec.n ?? 1;
  const completion = (spec.tokens ?? DEFAULT_TOKENS).length * n;
  const prompt = spec.promptTokens ?? 12;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

export function completion(spec: AnswerSpec = {}): Json {
  const tokens = spec.tokens ?? DEFAULT_TOKENS;
  return {
    id: 'chatcmpl-abc',
    object: 'chat.completion',
    created: spec.created ?? NOW(),
    model: 'reference-chat',
    choices: Array.from({ length: spec.n ?? 1 }, (_, index) => ({
      index,
      message: { role: 'assistant', content: tokens.join('') },
      logprobs: null,
      finish_reason: spec.finishReason ?? 'stop',
    })),
    usage: usageOf(spec),
  };
}

/** Role delta, one delta per token, a finish chunk per choice (choices interleaved), then the usage chunk if asked. */
export function chunkSequence(spec: AnswerSpec = {}): Json[] {
  const tokens = spec.tokens ?? DEFAULT_TOKENS;
  const n = spec.n ?? 1;
  const envelope = (choices: Json[]): Json => ({
    id: 'chatcmpl-abc',
    object: 'chat.completion.chunk',
    created: spec.created ?? NOW(),
    model: 'reference-chat',
    choices,
    ...(spec.includeUsage ? { usage: null } : {}),
  });
  const part = (index: number, delta: Json, finish: string | null = null): Json => ({
    index,
    delta,
    logprobs: null,
    finish_reason: finish,
  });
  const chunks: Json[] = [];
  const rounds: Json[][] = [
    Array.from({ length: n }, (_, i) => part(i, { role: 'assistant', content: '' })),
    ...tokens.map((token) => Array.from({ length: n }, (_, i) => part(i, { content: token }))),
    Array.from({ length: n }, (_, i) => part(i, {}, spec.finishReason ?? 'stop')),
  ];
  for (const round of rounds) for (const choice of round) chunks.push(envelope([choice]));
  if (spec.includeUsage) chunks.push({ ...envelope([]), usage: usageOf(spec) });
  return chunks;
}

export interface StreamOptions extends Omit<FakeResponse, 'body'> {
  /** Raw SSE body parts; default: `sseBody(chunks)`. */
  body?: FakeResponse['body'];
}

/** A stream:true observation answered with `chunks` as SSE (or with the given raw body). */
export function streamObservation(chunks: unknown[], options: StreamOptions = {}): Observation {
  const { sent, headers, body, ...rest } = options;
  return fakeObservation({
    ...rest,
    sent: { model: 'reference-chat', messages: [], stream: true, ...sent },
    headers: { 'content-type': 'text/event-stream', ...headers },
    body: body ?? sseBody(chunks),
  });
}

/** A non-stream observation answered with `value` as JSON. */
export function jsonObservation(value: unknown, options: Omit<FakeResponse, 'body'> = {}): Observation {
  return fakeObservation({ ...options, sent: { model: 'reference-chat', messages: [], ...options.sent }, body: JSON.stringify(value) });
}

/** Byte-level re-splitting of a body: every `size` bytes, so splits land inside UTF-8 characters and CRLF pairs. */
export function splitBytes(text: string, size: number): Uint8Array[] {
  const bytes = new TextEncoder().encode(text);
  const parts: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) parts.push(bytes.subarray(at, at + size));
  return parts;
}

/** The legal SSE variants of a chunk list: each must leave every check's verdict unchanged. */
export function legalVariants(chunks: unknown[]): Record<string, string[] | Uint8Array[]> {
  const plain = sseBody(chunks);
  const joined = plain.join('');
  return {
    plain,
    crlf: plain.map((e) => e.replace(/\n/g, '\r\n')),
    'keep-alive comments': plain.flatMap((e) => [': keep-alive\n\n', e]),
    'no space after data:': plain.map((e) => e.replace(/^data: /, 'data:')),
    'byte split (3)': splitBytes(joined, 3),
    'byte split (1) with CRLF': splitBytes(joined.replace(/\n/g, '\r\n'), 1),
    'extra fields': sseBody(chunks.map((c) => ({ ...(c as Json), system_fingerprint: 'fp_1', x_extra: { nested: [1] } }))),
  };
}

/** Every outcome a check gives for a piece of evidence, reduced to the worst verdict ('none' when it had nothing to say). */
export function worstVerdict(outcomes: readonly Outcome[]): Verdict | 'none' {
  const rank: Record<Verdict, number> = { skip: 0, pass: 1, warn: 2, fail: 3 };
  if (outcomes.length === 0) return 'none';
  return outcomes.map((o) => o.verdict).reduce((worst, v) => (rank[v] > rank[worst] ? v : worst));
}

/** Findings of the outcomes (fail and warn). */
export const findingsOf = (outcomes: readonly Outcome[]): Finding[] => outcomes.flatMap((o) => ('finding' in o ? [o.finding] : []));

export const CTX: CheckContext = { profile: 'documented', model: 'reference-chat' };

/** Runs the check with `id` from `checks` on `evidence`. */
export function runCheck(checks: readonly Check[], id: string, evidence: Evidence): Outcome[] {
  const check = checks.find((c) => c.id === id);
  if (!check) throw new Error(`no check ${id}`);
  return check.run(evidence, CTX);
}
