/** Builds evidence by hand, so each check can be tested on exactly the bytes that break (or keep) its rule. */

import type { Comparison, Observation } from '../../src/core/evidence.ts';
import type { Exchange, TransportError } from '../../src/core/exchange.ts';
import { observe } from '../../src/engine/observe.ts';

export interface FakeResponse {
  probe?: string;
  tags?: string[];
  sent?: Record<string, unknown>;
  status?: number;
  headers?: Record<string, string>;
  /** The body as one string, or as the reads it arrived in (strings or raw bytes), each `gapMs` apart. */
  body?: string | Array<string | Uint8Array>;
  gapMs?: number;
  error?: TransportError;
  /** Omit the response entirely (nothing came back). */
  noResponse?: boolean;
}

/** A connection the target closed before the body was complete. */
export const resetError: TransportError = { code: 'reset', message: 'other side closed' };

const encoder = new TextEncoder();

export function fakeExchange(spec: FakeResponse, id = 1): Exchange {
  const parts = spec.body === undefined ? [] : typeof spec.body === 'string' ? [spec.body] : spec.body;
  const gap = spec.gapMs ?? 5;
  const reads = parts.map((part, i) => ({
    atMs: 10 + i * gap,
    bytes: typeof part === 'string' ? encoder.encode(part) : part,
  }));
  const bodyBytes = reads.reduce((n, r) => n + r.bytes.length, 0);
  const exchange: Exchange = {
    id,
    label: spec.probe ?? 'fake',
    request: {
      method: 'POST',
      url: 'http://127.0.0.1:1/v1/chat/completions',
      headers: { 'content-type': 'application/json', authorization: 'Bearer [REDACTED]' },
      body: JSON.stringify(spec.sent ?? {}),
    },
    reads,
    timings: {
      headersMs: 5,
      firstByteMs: reads[0]?.atMs,
      totalMs: (reads.at(-1)?.atMs ?? 5) + 1,
      gapsMs: reads.slice(1).map(() => gap),
    },
    retries: [],
  };
  if (!spec.noResponse) {
    exchange.response = {
      status: spec.status ?? 200,
      headers: { 'content-type': 'application/json', ...spec.headers },
      bodyBytes,
      excerpt: new TextDecoder().decode(reads.length ? reads[0]!.bytes : new Uint8Array()).slice(0, 2048),
    };
  }
  if (spec.error) exchange.error = spec.error;
  return exchange;
}

export function fakeObservation(spec: FakeResponse): Observation {
  return observe(fakeExchange(spec), { probe: spec.probe ?? 'fake', tags: spec.tags ?? [], sent: spec.sent ?? {} });
}

/** An SSE body from chunk objects: `data: <json>\n\n` per chunk, then `data: [DONE]\n\n`. */
export function sseBody(chunks: unknown[], options: { done?: boolean } = {}): string[] {
  const events = chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`);
  if (options.done !== false) events.push('data: [DONE]\n\n');
  return events;
}

export function fakeComparison(relation: string, a: Observation, b: Observation, deterministic = true): Comparison {
  return { kind: 'comparison', probe: relation, tags: [], relation, a, b, deterministic };
}
