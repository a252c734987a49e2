/**
 * Evidence for the request-driven checks (params, semantics, errors, auth, logprobs, tools, structured output,
 * reasoning): the request that was sent, and a hand-built answer or error that keeps or breaks one rule.
 */

import type { BoundaryEvidence, Observation, PropertyEvidence } from '../../src/core/evidence.ts';
import { jsonObservation, streamObservation } from './chunks.ts';
import { type FakeResponse, fakeObservation } from './evidence.ts';

type Json = Record<string, unknown>;

export interface ChoiceSpec {
  content?: string | null;
  reasoning?: string | null;
  finishReason?: string | null;
  toolCalls?: Array<{ id?: unknown; type?: unknown; name?: unknown; arguments?: unknown }>;
  logprobs?: unknown;
  index?: number;
}

/** A chat.completion with the given choices and usage. */
export function completionBody(choices: ChoiceSpec[], usage?: { completion: number; prompt?: number }): Json {
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: 'reference-chat',
    choices: choices.map((c, i) => ({
      index: c.index ?? i,
      message: {
        role: 'assistant',
        content: c.content === undefined ? 'Hello.' : c.content,
        ...(c.reasoning !== undefined ? { reasoning_content: c.reasoning } : {}),
        ...(c.toolCalls
          ? {
              tool_calls: c.toolCalls.map((t) => ({
                ...(t.id === undefined ? {} : { id: t.id }),
                ...(t.type === undefined ? {} : { type: t.type }),
                function: { name: t.name, arguments: t.arguments },
              })),
            }
          : {}),
      },
      logprobs: c.logprobs ?? null,
      finish_reason: c.finishReason === undefined ? 'stop' : c.finishReason,
    })),
    ...(usage
      ? {
          usage: {
            prompt_tokens: usage.prompt ?? 10,
            completion_tokens: usage.completion,
            total_tokens: (usage.prompt ?? 10) + usage.completion,
          },
        }
      : {}),
  };
}

/** A 200 non-stream answer to `sent`. */
export function answered(sent: Json, choices: ChoiceSpec[], options: { usage?: number; tags?: string[] } = {}): Observation {
  return jsonObservation(completionBody(choices, options.usage === undefined ? undefined : { completion: options.usage }), {
    sent,
    tags: options.tags ?? [],
  });
}

export interface DeltaSpec {
  content?: string;
  reasoning?: string;
  toolCalls?: unknown[];
  finishReason?: string;
  logprobs?: unknown;
  index?: number;
}

/** A 200 stream answering `sent`: one chunk per delta spec, then a usage chunk when `usage` is given. */
export function streamed(sent: Json, deltas: DeltaSpec[], options: { usage?: number; tags?: string[] } = {}): Observation {
  const envelope = (choices: unknown[], usage?: unknown): Json => ({
    id: 'chatcmpl-test',
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model: 'reference-chat',
    choices,
    ...(usage === undefined ? {} : { usage }),
  });
  const chunks: Json[] = [envelope([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }])];
  for (const d of deltas) {
    const delta: Json = {};
    if (d.content !== undefined) delta['content'] = d.content;
    if (d.reasoning !== undefined) delta['reasoning_content'] = d.reasoning;
    if (d.toolCalls !== undefined) delta['tool_calls'] = d.toolCalls;
    chunks.push(envelope([{ index: d.index ?? 0, delta, logprobs: d.logprobs ?? null, finish_reason: d.finishReason ?? null }]));
  }
  if (options.usage !== undefined) {
    chunks.push(envelope([], { prompt_tokens: 10, completion_tokens: options.usage, total_tokens: 10 + options.usage }));
  }
  return streamObservation(chunks, { sent: { ...sent, stream: true }, tags: options.tags ?? [] });
}

/** A non-2xx answer with a JSON error body (or any body given as a string). */
export function errorAnswer(
  status: number,
  body: unknown,
  options: { sent?: Json; tags?: string[]; headers?: Record<string, string> } = {},
): Observation {
  const spec: FakeResponse = {
    status,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    tags: options.tags ?? [],
    ...(options.sent ? { sent: options.sent } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
  };
  return fakeObservation(spec);
}

export const openAiError = (
  message: string,
  param: string | null = null,
  type = 'invalid_request_error',
  code: string | null = 'invalid_value',
) => ({
  error: { message, type, param, code },
});

/** Nothing came back: a transport failure. */
export function noResponse(code: 'reset' | 'budget-exhausted' = 'reset', tags: string[] = []): Observation {
  return fakeObservation({ noResponse: true, error: { code, message: code }, tags });
}

export function boundary(
  row: Pick<BoundaryEvidence, 'param' | 'value' | 'expected'> & { conflict?: string; side: 'edge' | 'beyond' },
  observation: Observation,
): BoundaryEvidence {
  return {
    kind: 'boundary',
    probe: 'params-boundary',
    tags: [row.side, 'range:0 < x < 2'],
    param: row.param,
    value: row.value,
    expected: row.expected,
    ...(row.conflict ? { conflict: row.conflict } : {}),
    observation,
  };
}

export function property(name: string, extra: Partial<PropertyEvidence> = {}): PropertyEvidence {
  return { kind: 'property', probe: 'params', tags: [], property: name, runs: 5, cases: [], ...extra };
}

export const ok = (sent: Json = {}) => answered(sent, [{ content: 'OK' }], { usage: 1 });
