/**
 * The `fetch` a client library is handed (ProbeIO.fetcher): its calls go out as the run sends every request and are
 * recorded; its answers arrive as they are read, so a cancel closes the connection; and what the library makes of an
 * answer can be replayed to another library from the record.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Evidence, Observation } from '../src/core/evidence.ts';
import type { RunConfig } from '../src/core/run-config.ts';
import { replayFetch } from '../src/engine/replay-fetch.ts';
import { runConformance } from '../src/engine/run.ts';
import { scrubClientResults } from '../src/engine/scrub.ts';
import { fetchResponse } from '../src/http/fetch-response.ts';
import type { ClientFetch, FetchOptions, Plan, ProbeIO } from '../src/plans/probe.ts';
import { fakeObservation } from './support/evidence.ts';

const KEY = 'sk-run-key-0123456789';
const EVENTS = ['data: {"n":1}\n\n', 'data: {"n":2}\n\n', 'data: {"n":3}\n\n', 'data: [DONE]\n\n'];

let server: Server;
let base: string;
let seen: IncomingHttpHeaders[] = [];
/** Streams the server gave up on because the client left before the last event. */
let abandoned = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push(req.headers);
      if (req.url?.startsWith('/slow/')) {
        // One event at once, the rest a second later: a client that cancels after the first leaves mid-stream.
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(EVENTS[0]);
        const rest = setTimeout(() => res.end(EVENTS.slice(1).join('')), 300);
        res.on('close', () => {
          if (!res.writableFinished) abandoned += 1;
          clearTimeout(rest);
        });
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, echoed: 'the key was sk-run-key-0123456789' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

function config(path = '/v1'): RunConfig {
  return {
    target: `${base}${path}`,
    embedded: false,
    deterministic: true,
    model: 'm',
    reasoningModels: { separateReasoning: 'a', enableThinking: 'b' },
    apiKeyEnv: 'TEST_KEY',
    profile: 'strict',
    depth: 'standard',
    seed: 1,
    concurrency: 4,
    limits: { connectMs: 1000, headersMs: 1000, idleMs: 1000, totalMs: 3000, maxBytes: 1 << 20 },
    only: ['clients.nonstream-parse'],
    skip: [],
    headers: { 'X-Gateway': 'from-the-run' },
    reportDir: 'reports',
  };
}

/** Runs one probe of `requests` requests that drives `io.fetcher` by hand, and hands back what it found. */
async function withFetcher<T>(
  path: string,
  requests: number,
  options: FetchOptions,
  drive: (wire: ClientFetch, target: string) => Promise<T>,
): Promise<{ result: T; observations: Observation[]; requests: number }> {
  let found: { result: T; observations: Observation[] } | undefined;
  const plan: Plan = {
    area: 'clients',
    probes: [
      {
        id: 'by-hand',
        title: 'a library call by hand',
        from: 'standard',
        feeds: ['clients.nonstream-parse'],
        requests: () => requests,
        async run(io: ProbeIO): Promise<Evidence[]> {
          const wire = io.fetcher('by-hand', options);
          const result = await drive(wire, io.config.target);
          found = { result, observations: await wire.settled() };
          return [];
        },
      },
    ],
  };
  const outcome = await runConformance(config(path), { apiKey: KEY, plans: [plan] });
  if (!found) throw new Error(`the probe did not finish: ${outcome.incomplete ?? ''}`);
  return { ...found, requests: outcome.requests };
}

describe('a library call through the run', () => {
  test("goes out with the run's key and headers, and is recorded like any request", async () => {
    seen = [];
    const { result, observations, requests } = await withFetcher('/v1', 1, { tags: ['by-hand'] }, async (wire, target) => {
      const response = await wire.fetch(`${target}/chat/completions`, {
        method: 'POST',
        headers: {
          authorization: 'Bearer sk-library-placeholder',
          'x-gateway': 'from-the-library',
          'x-library': 'yes',
          'accept-encoding': 'br',
        },
        body: JSON.stringify({ model: 'm', messages: [], stream: false }),
      });
      return { status: response.status, body: await response.json() };
    });
    expect(result).toEqual({ status: 200, body: { ok: true, echoed: `the key was ${KEY}` } });
    expect(seen[0]).toMatchObject({
      authorization: `Bearer ${KEY}`,
      'x-gateway': 'from-the-run',
      'x-library': 'yes',
      'accept-encoding': 'identity',
    });
    expect(requests).toBe(1);
    expect(observations).toHaveLength(1);
    expect(observations[0]?.sent).toEqual({ model: 'm', messages: [], stream: false });
    expect(observations[0]?.tags).toEqual(['by-hand']);
    expect(observations[0]?.exchange.request.headers['authorization']).not.toContain(KEY);
  });

  test('a cancel after the first event cuts the exchange and closes the connection', async () => {
    abandoned = 0;
    const { result, observations } = await withFetcher('/slow/v1', 1, {}, async (wire, target) => {
      const cancel = new AbortController();
      const response = await wire.fetch(`${target}/chat/completions`, { method: 'POST', body: '{"stream":true}', signal: cancel.signal });
      const reader = response.body!.getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      cancel.abort();
      const after = await reader.read().then(
        () => 'read on',
        (error: unknown) => (error instanceof Error ? error.name : String(error)),
      );
      return { first, after };
    });
    expect(result).toEqual({ first: EVENTS[0], after: 'AbortError' });
    const exchange = observations[0]!.exchange;
    expect(exchange.error).toMatchObject({ code: 'aborted', message: expect.stringMatching(/^cancelled by the client after [\d.]+ ms$/) });
    expect(exchange.timings.totalMs).toBeLessThan(300);
    await expect.poll(() => abandoned).toBe(1);
  });

  test('with keepReading, the record holds the whole answer after the library has stopped reading', async () => {
    const { result, observations } = await withFetcher('/slow/v1', 1, { keepReading: true }, async (wire, target) => {
      const response = await wire.fetch(`${target}/chat/completions`, { method: 'POST', body: '{"stream":true}' });
      const reader = response.body!.getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      await reader.cancel();
      return first;
    });
    expect(result).toBe(EVENTS[0]);
    const exchange = observations[0]!.exchange;
    expect(exchange.error).toBeUndefined();
    expect(new TextDecoder().decode(Buffer.concat(exchange.reads.map((r) => r.bytes)))).toBe(EVENTS.join(''));
  });

  test("past the probe's allowance nothing goes out and fetch rejects as fetch does", async () => {
    seen = [];
    const { result } = await withFetcher('/v1', 1, {}, async (wire, target) => {
      const call = () => wire.fetch(`${target}/chat/completions`, { method: 'POST', body: '{}' });
      await call();
      return call().then(
        () => 'answered',
        (error: unknown) => (error instanceof TypeError ? error.message : String(error)),
      );
    });
    expect(result).toMatch(/^fetch failed: the allowance of probe by-hand \(1 requests\) is used up/);
    expect(seen).toHaveLength(1);
  });

  test('only the target is reachable', async () => {
    const { result } = await withFetcher('/v1', 1, {}, (wire) =>
      wire.fetch('http://127.0.0.1:1/v1/chat/completions', { method: 'POST', body: '{}' }).then(
        () => 'answered',
        (error: unknown) => (error instanceof TypeError ? 'TypeError' : 'other'),
      ),
    );
    expect(result).toBe('TypeError');
  });
});

describe('answers as fetch hands them over', () => {
  const body = (text: Uint8Array | string) => new Response(text).body!;

  test('a gzip body is decoded, a body that only claims gzip fails as it is read, and the reason phrase is kept', async () => {
    const zipped = fetchResponse({ status: 200, statusText: 'OK', headers: { 'content-encoding': 'gzip' } }, body(gzipSync('{"a":1}')));
    expect(zipped.statusText).toBe('OK');
    expect(await zipped.json()).toEqual({ a: 1 });
    const claimed = fetchResponse({ status: 200, headers: { 'content-encoding': 'gzip' } }, body('{"a":1}'));
    await expect(claimed.text()).rejects.toThrow();
  });

  test('a status no Response can have rejects as fetch does; a 204 has no body', () => {
    expect(() => fetchResponse({ status: 999, headers: {} }, body(''))).toThrow(TypeError);
    expect(fetchResponse({ status: 204, headers: {} }, body('')).body).toBeNull();
  });

  test('a replayed answer arrives in the reads it was recorded in, and a cut one fails at the cut', async () => {
    const whole = fakeObservation({ status: 200, headers: { 'content-type': 'text/event-stream' }, body: EVENTS });
    const reads: string[] = [];
    for await (const read of (await replayFetch(whole)('ignored')).body!) reads.push(new TextDecoder().decode(read));
    expect(reads).toEqual(EVENTS);
    const cut = fakeObservation({ status: 200, body: EVENTS.slice(0, 1), error: { code: 'reset', message: 'other side closed' } });
    await expect((await replayFetch(cut)('ignored')).text()).rejects.toThrow(/terminated: other side closed/);
    await expect(
      replayFetch(fakeObservation({ noResponse: true, error: { code: 'refused', message: 'ECONNREFUSED' } }))('ignored'),
    ).rejects.toThrow(TypeError);
  });

  test("what a library returned or threw has the run's secrets masked", () => {
    const evidence = scrubClientResults(
      [
        {
          kind: 'client',
          probe: 'p',
          tags: [],
          library: 'openai',
          version: '1',
          call: 'c',
          replayed: false,
          observations: [],
          returned: { content: [`a ${KEY} b`] },
          threw: { name: 'E', message: `key ${KEY}` },
        },
      ],
      (text) => text.split(KEY).join('[REDACTED]'),
    );
    expect(JSON.stringify(evidence)).not.toContain(KEY);
    expect(evidence[0]).toMatchObject({ returned: { content: ['a [REDACTED] b'] }, threw: { message: 'key [REDACTED]' } });
  });
});
