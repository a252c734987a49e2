/**
 * Every fault of the reference provider is present when selected, and every legal variant still parses
 * as the same answer. Assertions read raw bytes so that nothing in a client library hides a fault;
 * transport faults are observed within a few hundred milliseconds, never by waiting for server caps.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import OpenAI from 'openai';
import { Client } from 'undici';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { behaviours, findBehaviour } from '../src/reference/catalogue.ts';
import { createRandom } from '../src/reference/random.ts';
import { type RunningReference, startReference } from '../src/reference/server.ts';
import { splitAt, splitPoints } from '../src/reference/variants.ts';

const KEY = 'sk-reference';
type Json = Record<string, any>;

let ref: RunningReference;
let origin: string;

beforeAll(async () => {
  ref = await startReference({ port: 0, gapMs: 1 });
  origin = ref.url.replace(/\/v1$/, '');
});
afterAll(async () => {
  await ref.close();
});

const faults = behaviours.filter((b) => b.kind === 'fault');
const variantList = behaviours.filter((b) => b.kind === 'variant');

const ask = (content: string, extra: Json = {}): Json => ({ model: 'reference-chat', messages: [{ role: 'user', content }], ...extra });
const COUNT = ask('count from 1 to 12');
const MULTIBYTE_TEXT = 'Café 你好 🚀 naïve über';
const MULTIBYTE = ask(`repeat exactly: ${MULTIBYTE_TEXT}`);
const INVALID = { ...COUNT, temperature: 5 };
const WITH_USAGE = { stream_options: { include_usage: true } };
const TOOL_REQUEST = ask('What is the weather in Paris?', {
  tools: [
    {
      type: 'function',
      function: {
        name: 'get_weather',
        parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city', 'days'] },
      },
    },
  ],
});

function baseUrl(kind: 'fault' | 'variant' | 'clean', name = ''): string {
  return kind === 'clean' ? `${origin}/v1` : `${origin}/${kind}/${name}/v1`;
}

interface Reply {
  status: number;
  headers: Headers;
  text: string;
}

async function post(base: string, body: unknown, init: { auth?: string | null; raw?: string; timeoutMs?: number } = {}): Promise<Reply> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.auth !== null) headers.authorization = init.auth ?? `Bearer ${KEY}`;
  const res = await fetch(`${base}/chat/completions`, {
    method: 'POST',
    headers,
    body: init.raw ?? JSON.stringify(body),
    signal: AbortSignal.timeout(init.timeoutMs ?? 3000),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** One request on a given keep-alive connection, so that consecutive requests share its socket. */
async function postOn(
  connection: Client,
  base: string,
  body: unknown,
): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }> {
  const res = await connection.request({
    path: `${new URL(base).pathname}/chat/completions`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
    body: JSON.stringify(body),
  });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

/** A 200 non-stream answer, parsed. */
async function complete(base: string, body: Json): Promise<Json> {
  const reply = await post(base, body);
  expect(reply.status).toBe(200);
  return JSON.parse(reply.text) as Json;
}

interface SseEvent {
  lines: string[];
  /** Data lines joined by LF, as an SSE consumer sees them; undefined for an event without data. */
  data?: string;
}

/** Events of an LF-framed SSE body, with their raw lines. */
function sseEvents(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block !== '')
    .map((block) => {
      const lines = block.split('\n');
      const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.replace(/^data: ?/, ''));
      return data.length > 0 ? { lines, data: data.join('\n') } : { lines };
    });
}

function jsonChunks(events: SseEvent[]): Json[] {
  return events.flatMap((e) => {
    if (e.data === undefined || e.data === '[DONE]') return [];
    try {
      return [JSON.parse(e.data) as Json];
    } catch {
      return [];
    }
  });
}

async function stream(base: string, body: Json): Promise<{ text: string; events: SseEvent[]; chunks: Json[]; reply: Reply }> {
  const reply = await post(base, { ...body, stream: true });
  expect(reply.status).toBe(200);
  const events = sseEvents(reply.text);
  return { text: reply.text, events, chunks: jsonChunks(events), reply };
}

function streamedContent(chunks: Json[], index = 0): string {
  return chunks
    .flatMap((c) => (Array.isArray(c.choices) ? (c.choices as Json[]) : []))
    .filter((c) => c.index === index && typeof c.delta?.content === 'string')
    .map((c) => c.delta.content as string)
    .join('');
}

function choiceEntries(chunks: Json[]): Json[] {
  return chunks.flatMap((c) => (Array.isArray(c.choices) ? (c.choices as Json[]) : []));
}

const isDone = (e: SseEvent): boolean => e.data === '[DONE]';
const usageChunks = (chunks: Json[]): Json[] => chunks.filter((c) => c.usage !== null && c.usage !== undefined);
const addsUp = (u: Json): boolean => u.prompt_tokens + u.completion_tokens === u.total_tokens;

interface RawResult {
  status?: number;
  headers?: IncomingHttpHeaders;
  headersAtMs?: number;
  reads: Array<{ atMs: number; bytes: Buffer }>;
  ended: boolean;
  error?: string;
}

/**
 * One request over node:http, which neither decodes nor validates the body. It stops at `timeoutMs`
 * or once `stopAfterBytes` arrived, recording every read with its time.
 */
function raw(base: string, body: Json, opts: { timeoutMs: number; stopAfterBytes?: number }): Promise<RawResult> {
  const started = performance.now();
  const result: RawResult = { reads: [], ended: false };
  return new Promise((resolve) => {
    let settled = false;
    const settle = (error?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error !== undefined && !result.ended) result.error = error;
      req.destroy();
      resolve(result);
    };
    const payload = JSON.stringify(body);
    const req = httpRequest(`${base}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}`, 'content-length': Buffer.byteLength(payload) },
    });
    const timer = setTimeout(() => settle('timeout'), opts.timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => settle(error.code ?? error.message));
    req.on('response', (res) => {
      result.status = res.statusCode;
      result.headers = res.headers;
      result.headersAtMs = performance.now() - started;
      let received = 0;
      res.on('data', (bytes: Buffer) => {
        result.reads.push({ atMs: performance.now() - started, bytes });
        received += bytes.length;
        if (opts.stopAfterBytes !== undefined && received >= opts.stopAfterBytes) settle('stopped');
      });
      res.on('end', () => {
        result.ended = true;
        settle();
      });
      res.on('aborted', () => settle('aborted'));
      res.on('error', (error: NodeJS.ErrnoException) => settle(error.code ?? error.message));
    });
    req.end(payload);
  });
}

const rawText = (r: RawResult): string => Buffer.concat(r.reads.map((x) => x.bytes)).toString('utf8');

/** One small assertion per fault, showing it is present when selected (and, where useful, absent without it). */
const faultAssertions: Record<string, (base: string) => Promise<void>> = {
  // streaming
  async 'no-done'(base) {
    const { events, chunks } = await stream(base, COUNT);
    expect(events.some(isDone)).toBe(false);
    expect(chunks.at(-1)?.choices[0].finish_reason).toBe('stop');
  },
  async 'double-done'(base) {
    const { events } = await stream(base, COUNT);
    expect(events.filter(isDone)).toHaveLength(2);
    expect(events.slice(-2).every(isDone)).toBe(true);
  },
  async 'data-after-done'(base) {
    const { events } = await stream(base, COUNT);
    const done = events.findIndex(isDone);
    expect(done).toBeGreaterThan(0);
    expect(jsonChunks(events.slice(done + 1))).toHaveLength(1);
  },
  async 'named-events'(base) {
    const { events, chunks } = await stream(base, COUNT);
    expect(events.every((e) => e.lines.includes('event: message'))).toBe(true);
    expect(streamedContent(chunks)).toBe('1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12');
  },
  async 'multi-line-data'(base) {
    const { events } = await stream(base, COUNT);
    const split = events.filter((e) => e.lines.filter((l) => l.startsWith('data:')).length === 2);
    expect(split).toHaveLength(1);
    expect(JSON.parse(split[0]?.data ?? '')).toMatchObject({ object: 'chat.completion.chunk' });
  },
  async 'non-json-payload'(base) {
    const { events } = await stream(base, COUNT);
    const bad = events.filter((e) => e.data !== undefined && !isDone(e) && jsonChunks([e]).length === 0);
    expect(bad.map((e) => e.data)).toEqual(['ping']);
    expect(events.findIndex((e) => e.data === 'ping')).toBeGreaterThan(0);
  },
  async 'stream-json-content-type'(base) {
    const { reply, events } = await stream(base, COUNT);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(events.at(-1)?.data).toBe('[DONE]');
    expect((await post(base, COUNT)).headers.get('content-type')).toMatch(/^application\/json/);
  },
  async 'no-role'(base) {
    const { chunks } = await stream(base, { ...COUNT, n: 2 });
    for (const index of [0, 1]) {
      const first = choiceEntries(chunks).find((c) => c.index === index);
      expect(first?.delta).not.toHaveProperty('role');
    }
    expect(streamedContent(chunks, 1)).toBe('1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12');
  },
  async 'unstable-id'(base) {
    const { chunks } = await stream(base, COUNT);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(chunks.length);
    expect(new Set(chunks.map((c) => c.created)).size).toBe(1);
  },
  async 'wrong-chunk-object'(base) {
    const { chunks } = await stream(base, COUNT);
    expect(chunks.every((c) => c.object === 'text_completion')).toBe(true);
  },
  async 'double-finish'(base) {
    const { chunks } = await stream(base, COUNT);
    const finishes = choiceEntries(chunks).filter((c) => c.finish_reason !== null);
    expect(finishes.map((c) => c.finish_reason)).toEqual(['stop', 'stop']);
    expect(streamedContent(chunks)).toBe('1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12');
  },
  async 'empty-finish-reason'(base) {
    const { chunks } = await stream(base, COUNT);
    const reasons = choiceEntries(chunks).map((c) => c.finish_reason);
    expect(reasons.at(-1)).toBe('stop');
    expect(reasons.slice(0, -1).every((r) => r === '')).toBe(true);
  },
  async 'drop-choice'(base) {
    const { chunks } = await stream(base, { ...COUNT, n: 3 });
    expect(new Set(choiceEntries(chunks).map((c) => c.index))).toEqual(new Set([0]));
    expect(new Set(choiceEntries((await stream(baseUrl('clean'), { ...COUNT, n: 3 })).chunks).map((c) => c.index))).toEqual(
      new Set([0, 1, 2]),
    );
  },
  async 'stream-differs'(base) {
    const body = ask('Tell me something.', { seed: 3 });
    const whole = await complete(base, body);
    const { chunks } = await stream(base, body);
    const streamed = streamedContent(chunks);
    expect(streamed).not.toBe(whole.choices[0].message.content);
    expect(streamed.length).toBeGreaterThanOrEqual((whole.choices[0].message.content as string).length);
    expect(streamedContent((await stream(baseUrl('clean'), body)).chunks)).toBe(
      (await complete(baseUrl('clean'), body)).choices[0].message.content,
    );
  },
  async 'lost-delta'(base) {
    const body = ask('Tell me something.', { seed: 3 });
    const whole = (await complete(base, body)).choices[0].message.content as string;
    const { chunks } = await stream(base, body);
    const streamed = streamedContent(chunks);
    expect(streamed.length).toBeLessThan(whole.length);
    expect(whole.startsWith(streamed.slice(0, 3))).toBe(true);
    expect(chunks.length).toBe((await stream(baseUrl('clean'), body)).chunks.length);
  },
  async burst(base) {
    const faulty = await raw(base, { ...COUNT, stream: true }, { timeoutMs: 2000 });
    expect(faulty.ended).toBe(true);
    expect(faulty.reads.length).toBeLessThanOrEqual(2);
    expect(faulty.reads[0]?.atMs).toBeGreaterThanOrEqual(90);
    expect(rawText(faulty)).toMatch(/data: \[DONE\]\n\n$/);
    const clean = await raw(baseUrl('clean'), { ...COUNT, stream: true }, { timeoutMs: 2000 });
    expect(clean.reads.length).toBeGreaterThan(3);
  },
  async 'replacement-char'(base) {
    const { chunks } = await stream(base, MULTIBYTE);
    expect(streamedContent(chunks)).toContain('\uFFFD');
    const whole = await complete(base, MULTIBYTE);
    expect(whole.choices[0].message.content).toBe(MULTIBYTE_TEXT);
  },

  // usage
  async 'usage-ignored'(base) {
    const { chunks } = await stream(base, { ...COUNT, ...WITH_USAGE });
    expect(usageChunks(chunks)).toHaveLength(0);
    expect(chunks.every((c) => c.usage === null)).toBe(true);
  },
  async 'usage-on-finish'(base) {
    const { chunks } = await stream(base, { ...COUNT, ...WITH_USAGE });
    const carriers = usageChunks(chunks);
    expect(carriers).toHaveLength(1);
    expect(carriers[0]?.choices[0].finish_reason).toBe('stop');
    expect(chunks.some((c) => Array.isArray(c.choices) && c.choices.length === 0)).toBe(false);
  },
  async 'usage-before-finish'(base) {
    const { chunks } = await stream(base, { ...COUNT, ...WITH_USAGE });
    const usageAt = chunks.findIndex((c) => c.usage !== null);
    const finishAt = chunks.findIndex((c) => c.choices?.[0]?.finish_reason);
    expect(usageAt).toBeGreaterThan(0);
    expect(usageAt).toBeLessThan(finishAt);
  },
  async 'usage-absent'(base) {
    const { chunks } = await stream(base, { ...COUNT, ...WITH_USAGE });
    expect(usageChunks(chunks)).toHaveLength(1);
    expect(chunks.filter((c) => !('usage' in c))).toHaveLength(chunks.length - 1);
  },
  async 'usage-unrequested'(base) {
    const { chunks } = await stream(base, COUNT);
    const carriers = usageChunks(chunks);
    expect(carriers).toHaveLength(1);
    expect(carriers[0]?.choices).toEqual([]);
    expect(carriers[0]?.usage).toEqual((await complete(base, COUNT)).usage);
  },
  async 'usage-bad-total'(base) {
    const { usage } = await complete(base, COUNT);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens + 1);
  },
  async 'usage-stream-mismatch'(base) {
    const whole = (await complete(base, COUNT)).usage as Json;
    const streamed = usageChunks((await stream(base, { ...COUNT, ...WITH_USAGE })).chunks)[0]?.usage as Json;
    expect(streamed).not.toEqual(whole);
    expect(addsUp(streamed)).toBe(true);
    expect(streamed.completion_tokens).toBe(whole.completion_tokens);
  },

  async 'zero-usage'(base) {
    const whole = await complete(base, COUNT);
    expect(whole.choices[0].message.content).toBe('1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12');
    expect(whole.usage).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
    expect(usageChunks((await stream(base, { ...COUNT, ...WITH_USAGE })).chunks)[0]?.usage).toEqual(whole.usage);
    const cut = await complete(base, { ...COUNT, max_tokens: 5 });
    expect(cut.choices[0].finish_reason).toBe('length');
    expect(cut.usage.completion_tokens).toBe(5);
  },

  // schema
  async 'missing-id'(base) {
    expect(await complete(base, COUNT)).not.toHaveProperty('id');
  },
  async 'created-string'(base) {
    expect(typeof (await complete(base, COUNT)).created).toBe('string');
  },
  async 'created-ms'(base) {
    const { created } = await complete(base, COUNT);
    expect(Math.abs(created - Date.now())).toBeLessThan(86_400_000);
  },
  async 'wrong-object'(base) {
    expect((await complete(base, COUNT)).object).toBe('text_completion');
  },
  async 'float-usage'(base) {
    const { usage } = await complete(base, COUNT);
    expect(Number.isInteger(usage.prompt_tokens)).toBe(false);
    expect(addsUp(usage)).toBe(true);
  },
  async 'usage-missing'(base) {
    const body = await complete(base, COUNT);
    expect(body).not.toHaveProperty('usage');
    expect(body.choices[0].message.content).toEqual(expect.any(String));
  },
  async 'bad-finish-reason'(base) {
    expect((await complete(base, COUNT)).choices[0].finish_reason).toBe('eos_token');
    expect(choiceEntries((await stream(base, COUNT)).chunks).at(-1)?.finish_reason).toBe('eos_token');
  },
  async 'json-as-text'(base) {
    const reply = await post(base, COUNT);
    expect(reply.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(JSON.parse(reply.text)).toMatchObject({ object: 'chat.completion' });
    expect((await post(base, INVALID)).headers.get('content-type')).toMatch(/^application\/json/);
  },

  async 'model-swap'(base) {
    expect((await complete(base, COUNT)).model).toBe('fallback-small-v1');
    const { chunks } = await stream(base, { ...COUNT, model: 'deepseek/deepseek-r1-turbo' });
    expect(chunks.every((c) => c.model === 'fallback-small-v1')).toBe(true);
  },
  async 'null-content'(base) {
    const answer = await complete(base, { ...COUNT, n: 2 });
    expect(answer.choices.map((c: Json) => c.message.content)).toEqual(['1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12', null]);
    expect(answer.choices.map((c: Json) => c.finish_reason)).toEqual(['stop', 'stop']);
    const { chunks } = await stream(base, { ...COUNT, n: 2 });
    expect(streamedContent(chunks, 1)).toBe('');
    expect(
      choiceEntries(chunks)
        .filter((c) => c.index === 1)
        .map((c) => c.finish_reason),
    ).toContain('stop');
    expect((await complete(base, COUNT)).choices[0].message.content).toBe('1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12');
  },
  async 'empty-choices'(base) {
    const answer = await complete(base, COUNT);
    expect(answer.choices).toEqual([]);
    expect(answer.usage.completion_tokens).toBeGreaterThan(0);
    expect((await complete(base, { ...COUNT, n: 2 })).choices).toHaveLength(2);
    expect(streamedContent((await stream(base, COUNT)).chunks)).toBe('1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12');
  },
  async 'empty-id'(base) {
    expect((await complete(base, COUNT)).id).toBe('');
    const { chunks } = await stream(base, { ...COUNT, ...WITH_USAGE });
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.every((c) => c.id === '')).toBe(true);
  },

  // semantics
  async 'n-ignored'(base) {
    const answer = await complete(base, { ...COUNT, n: 3 });
    expect(answer.choices).toHaveLength(1);
    expect(answer.usage.completion_tokens).toBe((await complete(base, COUNT)).usage.completion_tokens);
  },
  async 'max-tokens-ignored'(base) {
    const answer = await complete(base, { ...COUNT, max_tokens: 5 });
    expect(answer.usage.completion_tokens).toBeGreaterThan(5);
    expect(answer.choices[0].message.content).toBe('1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12');
    expect(addsUp(answer.usage)).toBe(true);
  },
  async 'length-as-stop'(base) {
    const answer = await complete(base, { ...COUNT, max_tokens: 5 });
    expect(answer.choices[0].finish_reason).toBe('stop');
    expect(answer.choices[0].message.content).toBe('1, 2, 3');
    expect(answer.usage.completion_tokens).toBe(5);
  },
  async 'max-completion-tokens-ignored'(base) {
    const answer = await complete(base, { ...COUNT, max_completion_tokens: 5 });
    expect(answer.usage.completion_tokens).toBeGreaterThan(5);
    expect(answer.choices[0].finish_reason).toBe('stop');
    expect((await complete(base, { ...COUNT, max_tokens: 5 })).choices[0].finish_reason).toBe('length');
  },
  async 'stop-ignored'(base) {
    const answer = await complete(base, { ...COUNT, stop: '5' });
    expect(answer.choices[0].message.content).toBe('1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12');
    expect((await complete(baseUrl('clean'), { ...COUNT, stop: '5' })).choices[0].message.content).toBe('1, 2, 3, 4, 5');
  },
  async 'stop-excluded'(base) {
    const answer = await complete(base, { ...COUNT, stop: ', 5' });
    expect(answer.choices[0].message.content).toBe('1, 2, 3, 4');
    expect(answer.choices[0].finish_reason).toBe('stop');
    expect(answer.usage.completion_tokens).toBe(7);
  },
  async 'seed-ignored'(base) {
    const body = { ...ask('count from 1 to 40'), seed: 42 };
    const first = await complete(base, body);
    const second = await complete(base, body);
    expect(first.choices[0].message.content).not.toBe(second.choices[0].message.content);
    expect(first.usage).toEqual(second.usage);
  },

  // params
  async 'overflow-500'(base) {
    const reply = await post(base, { ...COUNT, max_tokens: 2 ** 31 - 1 });
    expect(reply.status).toBe(500);
    expect(JSON.parse(reply.text).error).toMatchObject({ type: 'server_error', code: 'context_overflow' });
    expect((await post(base, { ...COUNT, max_tokens: 16 })).status).toBe(200);
  },
  async 'accept-out-of-range'(base) {
    expect((await post(base, INVALID)).status).toBe(200);
    expect((await post(base, { ...COUNT, n: 0 })).status).toBe(200);
    expect((await post(base, { ...COUNT, n: 'two' })).status).toBe(400);
    expect((await post(base, { ...COUNT, model: 'no-such-model' })).status).toBe(404);
    expect((await post(base, undefined, { raw: '{"model":' })).status).toBe(400);
    expect((await post(base, { model: 'reference-chat' })).status).toBe(400);
    expect((await post(base, COUNT, { auth: null })).status).toBe(401);
  },
  async 'reject-valid-edges'(base) {
    for (const edge of [
      { top_p: 1 },
      { temperature: 0 },
      { temperature: 2 },
      { logprobs: true, top_logprobs: 20 },
      { logprobs: true, top_logprobs: 0 },
    ]) {
      const reply = await post(base, { ...COUNT, ...edge });
      expect(reply.status).toBe(400);
      expect(JSON.parse(reply.text).error.param).toBe(Object.keys(edge).at(-1));
      expect((await post(baseUrl('clean'), { ...COUNT, ...edge })).status).toBe(200);
    }
    expect((await post(base, { ...COUNT, n: 1, top_p: 0.5 })).status).toBe(200);
  },

  // errors
  async 'crash-on-invalid'(base) {
    const reply = await post(base, INVALID);
    expect(reply.status).toBe(500);
    expect(JSON.parse(reply.text).error).toMatchObject({ type: 'server_error' });
    expect((await post(base, { ...COUNT, model: 'no-such-model' })).status).toBe(404);
  },
  async 'wedge-after-invalid'(base) {
    const rejected = new Client(origin, { pipelining: 1 });
    const other = new Client(origin, { pipelining: 1 });
    try {
      expect((await postOn(rejected, base, INVALID)).status).toBe(400);
      expect((await postOn(other, base, COUNT)).status).toBe(200);
      const wedged = await postOn(rejected, base, COUNT);
      expect(wedged.status).toBe(500);
      expect(JSON.parse(wedged.text).error).toMatchObject({ type: 'server_error', code: 'engine_failed' });
      expect((await postOn(rejected, base, COUNT)).status).toBe(200);
    } finally {
      await Promise.all([rejected.close(), other.close()]);
    }
  },
  async 'flat-error'(base) {
    const reply = await post(base, INVALID);
    expect(reply.status).toBe(400);
    const body = JSON.parse(reply.text) as Json;
    expect(body).not.toHaveProperty('error');
    expect(body).toMatchObject({ code: 400, message: expect.any(String) });
    expect(JSON.parse((await post(base, COUNT, { auth: null })).text)).toHaveProperty('error');
  },
  async 'error-200'(base) {
    const reply = await post(base, INVALID);
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.text).error).toMatchObject({ param: 'temperature' });
  },
  async 'error-in-stream'(base) {
    const reply = await post(base, { ...INVALID, stream: true });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = sseEvents(reply.text);
    expect(JSON.parse(events[0]?.data ?? '')).toHaveProperty('error.param', 'temperature');
    expect((await post(base, INVALID)).status).toBe(400);
  },
  async 'unknown-model-ok'(base) {
    const answer = await complete(base, { ...COUNT, model: 'no-such-model' });
    expect(answer.model).toBe('no-such-model');
  },
  async 'malformed-json-500'(base) {
    const reply = await post(base, undefined, { raw: '{"model":' });
    expect(reply.status).toBe(500);
    expect(JSON.parse(reply.text).error).toMatchObject({ type: 'server_error', code: 'internal_error' });
    expect((await post(base, INVALID)).status).toBe(400);
  },
  async 'no-param'(base) {
    const reply = await post(base, INVALID);
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.text).error.param).toBeNull();
    expect(JSON.parse((await post(baseUrl('clean'), INVALID)).text).error.param).toBe('temperature');
  },

  async 'error-no-message'(base) {
    const reply = await post(base, INVALID);
    expect(reply.status).toBe(400);
    const { error } = JSON.parse(reply.text) as Json;
    expect(error).not.toHaveProperty('message');
    expect(error).toMatchObject({ type: 'invalid_request_error', param: 'temperature', code: expect.any(String) });
    expect(JSON.parse((await post(base, COUNT, { auth: null })).text).error.message).toEqual(expect.any(String));
  },

  // auth
  async 'no-auth'(base) {
    expect((await post(base, COUNT, { auth: null })).status).toBe(200);
    expect((await post(base, COUNT, { auth: 'Bearer wrong' })).status).toBe(401);
  },
  async 'any-key'(base) {
    expect((await post(base, COUNT, { auth: 'Bearer wrong' })).status).toBe(200);
    expect((await post(base, COUNT, { auth: null })).status).toBe(401);
  },
  async 'auth-plain-text'(base) {
    const reply = await post(base, COUNT, { auth: 'Bearer wrong' });
    expect(reply.status).toBe(401);
    expect(reply.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(() => JSON.parse(reply.text)).toThrow();
  },

  // logprobs
  async 'logprobs-ignored'(base) {
    expect((await complete(base, { ...COUNT, logprobs: true })).choices[0].logprobs).toBeNull();
    expect(choiceEntries((await stream(base, { ...COUNT, logprobs: true })).chunks).every((c) => c.logprobs === null)).toBe(true);
  },
  async 'top-logprobs-count'(base) {
    const entries = (await complete(base, { ...COUNT, logprobs: true, top_logprobs: 3 })).choices[0].logprobs.content as Json[];
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((e) => e.top_logprobs.length === 2)).toBe(true);
  },
  async 'positive-logprob'(base) {
    const entries = (await complete(base, { ...COUNT, logprobs: true, top_logprobs: 2 })).choices[0].logprobs.content as Json[];
    expect(entries.every((e) => e.logprob > 0 && e.logprob <= 1)).toBe(true);
  },

  // tools
  async 'tool-args-object'(base) {
    const call = (await complete(base, TOOL_REQUEST)).choices[0].message.tool_calls[0];
    expect(call.function.arguments).toMatchObject({ city: expect.any(String), days: expect.any(Number) });
  },
  async 'tool-args-invalid'(base) {
    const call = (await complete(base, TOOL_REQUEST)).choices[0].message.tool_calls[0];
    const args = JSON.parse(call.function.arguments as string) as Json;
    expect(args).not.toHaveProperty('city');
    expect(args).toHaveProperty('days');
  },
  async 'tool-delta-no-index'(base) {
    const { chunks } = await stream(base, TOOL_REQUEST);
    const deltas = choiceEntries(chunks).flatMap((c) => (c.delta?.tool_calls ?? []) as Json[]);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.some((d) => 'index' in d)).toBe(false);
    const args = deltas.map((d) => d.function?.arguments ?? '').join('');
    expect(JSON.parse(args)).toHaveProperty('city');
  },

  async 'forced-call-ignored'(base) {
    for (const tool_choice of [{ type: 'function', function: { name: 'get_weather' } }, 'required']) {
      const choice = (await complete(base, { ...TOOL_REQUEST, tool_choice })).choices[0];
      expect(choice.message.tool_calls).toBeUndefined();
      expect(choice.message.content).toEqual(expect.any(String));
      expect(choice.finish_reason).toBe('stop');
    }
    expect((await complete(base, TOOL_REQUEST)).choices[0].message.tool_calls).toHaveLength(1);
  },
  async 'tool-calls-without-call'(base) {
    const offered = (await complete(base, { ...TOOL_REQUEST, tool_choice: 'none' })).choices[0];
    expect(offered.message.tool_calls).toBeUndefined();
    expect(offered.finish_reason).toBe('tool_calls');
    expect(choiceEntries((await stream(base, { ...TOOL_REQUEST, tool_choice: 'none' })).chunks).at(-1)?.finish_reason).toBe('tool_calls');
    expect((await complete(base, COUNT)).choices[0].finish_reason).toBe('stop');
    expect((await complete(base, TOOL_REQUEST)).choices[0].finish_reason).toBe('stop');
  },

  // structured output
  async 'json-mode-ignored'(base) {
    const content = (await complete(base, ask('Describe a river as JSON.', { response_format: { type: 'json_object' } }))).choices[0]
      .message.content;
    expect(() => JSON.parse(content as string)).toThrow();
  },
  async 'schema-violation'(base) {
    const schema = { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' } }, required: ['name', 'age'] };
    const body = ask('Give me a person.', { response_format: { type: 'json_schema', json_schema: { name: 'person', schema } } });
    const value = JSON.parse((await complete(base, body)).choices[0].message.content as string) as Json;
    expect(value).not.toHaveProperty('name');
    expect(value).toHaveProperty('age');
  },

  // reasoning
  async 'reasoning-ignored'(base) {
    const body = ask('Why is the sky blue?', { model: 'deepseek/deepseek-r1-turbo', separate_reasoning: true });
    expect((await complete(base, body)).choices[0].message).not.toHaveProperty('reasoning_content');
    const streamed = choiceEntries((await stream(base, body)).chunks);
    expect(streamed.some((c) => 'reasoning_content' in (c.delta ?? {}))).toBe(false);
    expect((await complete(baseUrl('clean'), body)).choices[0].message.reasoning_content).toEqual(expect.any(String));
  },
  async 'thinking-ignored'(base) {
    const body = ask('Why is the sky blue?', { model: 'zai-org/glm-4.5', enable_thinking: false });
    expect((await complete(base, body)).choices[0].message.reasoning_content).toMatch(/\S/);
    expect((await complete(baseUrl('clean'), body)).choices[0].message).not.toHaveProperty('reasoning_content');
  },

  // transport
  async 'slow-headers'(base) {
    const result = await raw(base, COUNT, { timeoutMs: 250 });
    expect(result.status).toBeUndefined();
    expect(result.error).toBe('timeout');
    expect((await raw(baseUrl('clean'), COUNT, { timeoutMs: 300 })).status).toBe(200);
  },
  async stall(base) {
    const result = await raw(base, { ...COUNT, stream: true }, { timeoutMs: 400 });
    expect(result.status).toBe(200);
    expect(result.error).toBe('timeout');
    expect(result.reads.length).toBeGreaterThan(0);
    expect(result.reads.at(-1)?.atMs).toBeLessThan(150);
    expect(rawText(result)).not.toContain('[DONE]');
  },
  async endless(base) {
    const result = await raw(base, { ...ask('count from 1 to 3'), stream: true }, { timeoutMs: 300 });
    expect(result.error).toBe('timeout');
    const chunks = jsonChunks(sseEvents(rawText(result)));
    expect(chunks.length).toBeGreaterThan(15);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.choices[0].finish_reason === null)).toBe(true);
    expect(rawText(result)).not.toContain('[DONE]');
  },
  async reset(base) {
    const result = await raw(base, { ...COUNT, stream: true }, { timeoutMs: 1000 });
    expect(result.status).toBe(200);
    expect(result.ended).toBe(false);
    expect(['aborted', 'ECONNRESET']).toContain(result.error);
    expect(rawText(result)).toContain('data: {');
  },
  async 'huge-body'(base) {
    const result = await raw(base, COUNT, { timeoutMs: 1500, stopAfterBytes: 4 * 1024 * 1024 });
    expect(result.status).toBe(200);
    expect(result.error).toBe('stopped');
    const head = rawText({ ...result, reads: result.reads.slice(0, 1) });
    expect(head.startsWith('{')).toBe(true);
  },
  async 'invalid-utf8'(base) {
    const result = await raw(base, { ...COUNT, stream: true }, { timeoutMs: 1000 });
    const bytes = Buffer.concat(result.reads.map((r) => r.bytes));
    expect(bytes.includes(0xff)).toBe(true);
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
    expect(bytes.toString('latin1')).toContain('"content":"\xff');
    const whole = await raw(base, COUNT, { timeoutMs: 1000 });
    expect(Buffer.concat(whole.reads.map((r) => r.bytes)).includes(0xff)).toBe(true);
  },
  async 'wrong-encoding'(base) {
    const result = await raw(base, COUNT, { timeoutMs: 1000 });
    expect(result.headers?.['content-encoding']).toBe('gzip');
    expect(result.reads[0]?.bytes.subarray(0, 2)).not.toEqual(Buffer.from([0x1f, 0x8b]));
    expect(JSON.parse(rawText(result))).toMatchObject({ object: 'chat.completion' });
  },

  // clients
  async 'cancel-poisons-conversation'(base) {
    const story = ask(`tell a story about lighthouse ${Math.random()}`, { max_tokens: 48 });
    const cancel = new AbortController();
    const res = await fetch(`${base}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ ...story, stream: true }),
      signal: cancel.signal,
    });
    await res.body?.getReader().read();
    cancel.abort();
    // The server learns of the hang-up asynchronously; give it a moment before asking again.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const again = await post(base, story);
    expect(again.status).toBe(500);
    expect(JSON.parse(again.text).error).toMatchObject({ type: 'server_error', code: 'generation_abandoned' });
    expect((await post(base, story)).status).toBe(200);
  },
  async 'rate-limited'(base) {
    for (const reply of [await post(base, COUNT), await post(base, COUNT, { auth: null })]) {
      expect(reply.status).toBe(429);
      expect(reply.headers.get('retry-after')).toBe('1');
      expect(JSON.parse(reply.text).error).toMatchObject({ code: 'rate_limit_exceeded' });
    }
  },
};

describe('catalogue', () => {
  test('has at least 40 faults and the legal variants, readings among them, all uniquely named', () => {
    expect(faults.length).toBeGreaterThanOrEqual(40);
    const clean = variantList.filter((v) => !v.observedBy?.length).map((v) => v.name);
    expect(clean.sort()).toEqual([
      'byte-split',
      'crlf',
      'dated-model',
      'extra-fields',
      'keep-alive',
      'logprobs-minimal',
      'no-space',
      'null-fields',
      'role-repeated',
    ]);
    expect(variantList.length - clean.length).toBeGreaterThanOrEqual(9);
    expect(new Set(behaviours.map((b) => b.name)).size).toBe(behaviours.length);
  });

  test('every fault names the checks that detect it and describes itself in one line', () => {
    for (const fault of faults) {
      expect(fault.detectedBy.length, fault.name).toBeGreaterThan(0);
      for (const id of fault.detectedBy) expect(id, fault.name).toMatch(/^[a-z-]+\.[a-z0-9-]+$/);
      expect(fault.description, fault.name).toMatch(/^[^\n]+$/);
    }
    for (const variant of variantList) expect(variant.detectedBy).toEqual([]);
    for (const fault of faults) expect(fault.observedBy, fault.name).toBeUndefined();
  });

  test('every fault has an assertion below', () => {
    expect(Object.keys(faultAssertions).sort()).toEqual(faults.map((f) => f.name).sort());
  });

  test('findBehaviour resolves names', () => {
    expect(findBehaviour('no-done')?.kind).toBe('fault');
    expect(findBehaviour('crlf')?.kind).toBe('variant');
    expect(findBehaviour('no-such-behaviour')).toBeUndefined();
  });
});

describe('faults are present when selected', () => {
  for (const fault of faults) {
    test(fault.name, async () => {
      const assertion = faultAssertions[fault.name];
      expect(assertion, `no assertion for ${fault.name}`).toBeDefined();
      await assertion?.(baseUrl('fault', fault.name));
    });
  }
});

describe('fault assertions discriminate', () => {
  // Each assertion above must fail against the clean server, or it would not show its fault.
  for (const fault of faults) {
    test(`${fault.name} is absent without the fault`, async () => {
      await expect(faultAssertions[fault.name]?.(baseUrl('clean'))).rejects.toThrow();
    });
  }
});

describe('per-connection state', () => {
  test('clients sending at the same time each see only the wedge their own rejection caused', async () => {
    const base = baseUrl('fault', 'wedge-after-invalid');
    const connections = Array.from({ length: 8 }, () => new Client(origin, { pipelining: 1 }));
    const rejects = (i: number): boolean => i % 2 === 0;
    try {
      const statuses = await Promise.all(
        connections.map(async (connection, i) => {
          const first = await postOn(connection, base, rejects(i) ? INVALID : COUNT);
          const second = await postOn(connection, base, COUNT);
          return [first.status, second.status];
        }),
      );
      expect(statuses).toEqual(connections.map((_, i) => (rejects(i) ? [400, 500] : [200, 200])));
    } finally {
      await Promise.all(connections.map((connection) => connection.close()));
    }
  });
});

/** The request every variant is read with: multi-byte text the answer repeats verbatim. */
const REPEAT = { model: 'reference-chat', messages: [{ role: 'user' as const, content: `repeat exactly: ${MULTIBYTE_TEXT}` }] };

const sdk = (base: string): OpenAI => new OpenAI({ apiKey: KEY, baseURL: base, maxRetries: 0, timeout: 5000 });

const rawStream = (base: string): Promise<RawResult> => raw(base, { ...REPEAT, stream: true }, { timeoutMs: 3000 });

/** A prompt without an instruction, seed after seed, until the answer shows `wanted` (answers are seeded, so which seed is fixed). */
async function seededAnswer(base: string, wanted: (answer: Json) => boolean): Promise<{ answer: Json; body: Json }> {
  for (let seed = 0; seed < 60; seed += 1) {
    const body = ask('Tell me something.', { seed });
    const answer = await complete(base, body);
    if (wanted(answer)) return { answer, body };
  }
  throw new Error('no seeded answer showed the behaviour');
}

/** One assertion per variant, showing it is present when selected (each fails against the clean server). */
const variantMarkers: Record<string, (base: string) => Promise<void>> = {
  async crlf(base) {
    expect(rawText(await rawStream(base))).toMatch(/^data: \{[^\n]*\}\r\n\r\n/);
  },
  async 'keep-alive'(base) {
    expect(rawText(await rawStream(base)).startsWith(': keep-alive\n\ndata: {')).toBe(true);
  },
  async 'no-space'(base) {
    expect(rawText(await rawStream(base)).startsWith('data:{')).toBe(true);
  },
  async 'byte-split'(base) {
    const r = await rawStream(base);
    const events = rawText(r).split('\r\n\r\n').length - 1;
    expect(r.reads.length).toBeGreaterThan(events);
    const splitInsideCharacter = r.reads.some((read) => {
      const last = read.bytes.at(-1) ?? 0;
      return last >= 0xc0 || (read.bytes.at(-1) === 0x0d && read !== r.reads.at(-1));
    });
    expect(splitInsideCharacter).toBe(true);
  },
  async 'extra-fields'(base) {
    const chunk = jsonChunks(sseEvents(rawText(await rawStream(base))))[1] as Json;
    expect(chunk).toHaveProperty('provider_trace_id');
    expect(chunk.choices[0]).toHaveProperty('x_choice_rank');
    expect(chunk.choices[0].delta).toHaveProperty('x_annotations');
  },
  async 'null-fields'(base) {
    expect((await complete(base, COUNT)).choices[0].message.tool_calls).toBeNull();
    const entries = choiceEntries((await stream(base, COUNT)).chunks);
    expect(entries[0]?.delta).toMatchObject({ role: 'assistant', tool_calls: null });
    expect(entries.slice(1).every((c) => c.delta.role === null && c.delta.tool_calls === null)).toBe(true);
    expect(entries.slice(0, -1).every((c) => !('finish_reason' in c))).toBe(true);
    expect(entries.at(-1)?.finish_reason).toBe('stop');
    const fragments = choiceEntries((await stream(base, TOOL_REQUEST)).chunks).flatMap((c) => (c.delta.tool_calls ?? []) as Json[]);
    expect(fragments[0]).toMatchObject({ id: expect.any(String), type: 'function', function: { name: 'get_weather' } });
    expect(fragments.slice(1).every((f) => f.id === null && f.type === null && f.function.name === null)).toBe(true);
    const helper = sdk(base).chat.completions.stream({
      ...REPEAT,
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: TOOL_REQUEST.tools[0].function.parameters } }],
    });
    const call = (await helper.finalChatCompletion()).choices[0]?.message.tool_calls?.[0];
    expect(call).toMatchObject({ type: 'function', function: { name: 'get_weather' } });
  },
  async 'dated-model'(base) {
    const forms = ['reference-chat-2024-08-06', 'reference-labs/reference-chat', 'reference-chat:latest'];
    const named = new Set<string>();
    for (const text of ['a', 'b', 'c', 'd', 'e', 'f']) {
      const body = ask(`Say ${text}.`);
      const { model } = await complete(base, body);
      expect(forms).toContain(model);
      expect(new Set((await stream(base, body)).chunks.map((c) => c.model))).toEqual(new Set([model]));
      named.add(model as string);
    }
    expect(named.size).toBeGreaterThan(1);
  },
  async 'role-repeated'(base) {
    const entries = choiceEntries((await stream(base, { ...COUNT, n: 2 })).chunks);
    expect(entries.length).toBeGreaterThan(4);
    expect(entries.every((c) => c.delta.role === 'assistant')).toBe(true);
  },
  async 'logprobs-minimal'(base) {
    const plain = (await complete(base, { ...COUNT, logprobs: true })).choices[0].logprobs.content as Json[];
    expect(plain.length).toBeGreaterThan(0);
    expect(plain.every((e) => !('bytes' in e) && e.top_logprobs === null && e.logprob <= 0)).toBe(true);
    const asked = (await complete(base, { ...COUNT, logprobs: true, top_logprobs: 2 })).choices[0].logprobs.content as Json[];
    expect(
      asked.every((e) => !('bytes' in e) && e.top_logprobs.length === 2 && e.top_logprobs.every((alt: Json) => !('bytes' in alt))),
    ).toBe(true);
    const streamed = choiceEntries((await stream(base, { ...COUNT, logprobs: true })).chunks).flatMap(
      (c) => (c.logprobs?.content ?? []) as Json[],
    );
    expect(streamed.map((e) => e.token)).toEqual(plain.map((e) => e.token));
    expect(streamed.every((e) => !('bytes' in e) && e.top_logprobs === null)).toBe(true);
  },

  // readings
  async 'created-per-chunk'(base) {
    const timed = await raw(base, { ...ask('count from 1 to 3'), stream: true }, { timeoutMs: 10_000 });
    expect(timed.reads.at(-1)!.atMs - timed.reads[0]!.atMs).toBeGreaterThanOrEqual(1000);
    const created = jsonChunks(sseEvents(rawText(timed))).map((c) => c.created as number);
    expect(created.at(-1)! - created[0]!).toBeGreaterThanOrEqual(1);
    expect(created.every((value, i) => i === 0 || value >= created[i - 1]!)).toBe(true);
    expect(Math.abs((await complete(base, COUNT)).created - Date.now() / 1000)).toBeLessThan(5);
  },
  async 'openrouter-usage'(base) {
    for (const extra of [{}, WITH_USAGE]) {
      const { chunks } = await stream(base, { ...COUNT, ...extra });
      const carriers = usageChunks(chunks);
      expect(carriers).toHaveLength(1);
      expect(chunks.at(-1)).toBe(carriers[0]);
      expect(carriers[0]?.choices).toEqual([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null, logprobs: null }]);
      expect(chunks.at(-2)?.choices[0].finish_reason).toBe('stop');
      expect(carriers[0]?.usage).toEqual((await complete(base, COUNT)).usage);
    }
  },
  async 'error-message-code'(base) {
    for (const [body, init, status] of [
      [INVALID, {}, 400],
      [COUNT, { auth: 'Bearer wrong' }, 401],
    ] as const) {
      const reply = await post(base, body, init);
      expect(reply.status).toBe(status);
      expect(JSON.parse(reply.text)).toEqual({ error: { message: expect.any(String), code: status, metadata: expect.any(Object) } });
    }
    await expect(sdk(base).chat.completions.create({ ...REPEAT, temperature: 7 })).rejects.toMatchObject({
      status: 400,
      code: 400,
      message: expect.stringContaining('temperature'),
    });
  },
  async 'error-no-param'(base) {
    for (const [body, init, status] of [
      [INVALID, {}, 400],
      [COUNT, { auth: 'Bearer wrong' }, 401],
    ] as const) {
      const reply = await post(base, body, init);
      expect(reply.status).toBe(status);
      expect(JSON.parse(reply.text)).toEqual({ error: { code: status, message: expect.any(String), type: expect.any(String) } });
    }
    await expect(sdk(base).chat.completions.create({ ...REPEAT, temperature: 7 })).rejects.toBeInstanceOf(OpenAI.BadRequestError);
  },
  async 'prompt-filter-preamble'(base) {
    const { chunks } = await stream(base, { ...COUNT, ...WITH_USAGE });
    expect(chunks[0]).toMatchObject({
      choices: [],
      id: '',
      model: '',
      object: '',
      created: 0,
      prompt_filter_results: [{ prompt_index: 0 }],
    });
    expect(chunks.slice(1).every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(streamedContent(chunks)).toBe('1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12');
  },
  async 'content-filter-finish'(base) {
    const { answer, body } = await seededAnswer(base, (a) => a.choices[0].finish_reason === 'content_filter');
    const content = answer.choices[0].message.content as string;
    const whole = await complete(baseUrl('clean'), body);
    expect(content.length).toBeGreaterThan(0);
    expect(whole.choices[0].message.content).toMatch(new RegExp(`^${content.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} Ďábel`, 'u'));
    expect(answer.usage.completion_tokens).toBeLessThan(whole.usage.completion_tokens);
    expect(streamedContent((await stream(base, body)).chunks)).toBe(content);
    expect((await complete(base, COUNT)).choices[0].finish_reason).toBe('stop');
  },
  async 'tool-call-untyped'(base) {
    const call = (await complete(base, TOOL_REQUEST)).choices[0].message.tool_calls[0] as Json;
    expect(call).not.toHaveProperty('type');
    expect(call).toMatchObject({ id: expect.any(String), function: { name: 'get_weather' } });
    const fragments = choiceEntries((await stream(base, TOOL_REQUEST)).chunks).flatMap((c) => (c.delta.tool_calls ?? []) as Json[]);
    expect(fragments[0]?.type).toBe('function');
  },
  async 'chunk-object-literal'(base) {
    const { chunks } = await stream(base, COUNT);
    expect(chunks.every((c) => c.object === 'chat.completion')).toBe(true);
    expect((await complete(base, COUNT)).object).toBe('chat.completion');
  },
  async 'name-dash'(base) {
    const named = (name: string) => ({ ...COUNT, messages: [{ role: 'user', content: 'count from 1 to 12', name }] });
    expect((await post(base, named('conformance-tester'))).status).toBe(200);
    for (const name of ['conformance tester', 'conformance.tester', '-'.repeat(65)])
      expect((await post(base, named(name))).status).toBe(400);
    const answer = await sdk(base).chat.completions.create({
      ...REPEAT,
      messages: [{ ...REPEAT.messages[0]!, name: 'conformance-tester' }],
    });
    expect(answer.choices[0]?.message.content).toBe(MULTIBYTE_TEXT);
  },
};

describe('legal variants parse as the same answer', () => {
  test('every variant has a marker below', () => {
    expect(Object.keys(variantMarkers).sort()).toEqual(variantList.map((v) => v.name).sort());
  });

  for (const variant of variantList) {
    test(`${variant.name}: the openai SDK reads the same answer, and the variant shows`, async () => {
      const base = baseUrl('variant', variant.name);
      const client = sdk(base);
      const whole = await client.chat.completions.create(REPEAT);
      let streamed = '';
      let finish: string | null = null;
      let usage: unknown;
      const chunks = await client.chat.completions.create({ ...REPEAT, stream: true, stream_options: { include_usage: true } });
      for await (const chunk of chunks) {
        streamed += chunk.choices[0]?.delta.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
        if (chunk.usage) usage = chunk.usage;
      }
      expect(whole.choices[0]?.message.content).toBe(MULTIBYTE_TEXT);
      expect(streamed).toBe(whole.choices[0]?.message.content);
      expect(finish).toBe('stop');
      expect(usage).toEqual(whole.usage);
      // The stream helper is the strictest reader: it rebuilds the message and refuses one without role or finish.
      const final = await client.chat.completions.stream(REPEAT).finalChatCompletion();
      expect(final.choices[0]?.message).toMatchObject({ role: 'assistant', content: MULTIBYTE_TEXT });
      await variantMarkers[variant.name]?.(base);
    });
  }

  test('variant markers discriminate: each fails against the clean server', async () => {
    for (const variant of variantList) {
      await expect(variantMarkers[variant.name]?.(baseUrl('clean')), variant.name).rejects.toThrow();
    }
  });

  test('byte-split cut points are deterministic and include a cut inside a multi-byte character', () => {
    const bytes = Buffer.from('data: {"content":"你好"}\r\n\r\n');
    const first = splitPoints(bytes, createRandom(9));
    expect(splitPoints(bytes, createRandom(9))).toEqual(first);
    const lead = bytes.indexOf(Buffer.from('你'));
    expect(first).toContain(lead + 1);
    expect(first).toContain(bytes.indexOf(0x0d) + 1);
    expect(Buffer.concat(splitAt(bytes, first))).toEqual(bytes);
  });
});

describe('after every fault', () => {
  test('the clean server still answers correctly and lets abandoned requests go', async () => {
    const answer = await complete(baseUrl('clean'), COUNT);
    expect(answer.choices[0].message.content).toBe('1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12');
    const { events, chunks } = await stream(baseUrl('clean'), { ...COUNT, ...WITH_USAGE });
    expect(events.filter(isDone)).toHaveLength(1);
    expect(streamedContent(chunks)).toBe(answer.choices[0].message.content);
    const deadline = Date.now() + 2000;
    while (ref.inFlight() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ref.inFlight()).toBe(0);
  });
});
