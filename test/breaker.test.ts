import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunConfig } from '../src/core/run-config.ts';
import { createBreaker, HOSTILE_LIMIT } from '../src/engine/breaker.ts';
import { runConformance } from '../src/engine/run.ts';
import { type RunningReference, startReference } from '../src/reference/server.ts';
import { runConfig } from './support/config.ts';
import { fakeExchange } from './support/evidence.ts';

const silent = () => fakeExchange({ noResponse: true, error: { code: 'headers-timeout', message: 'no headers within 400 ms' } });
const stalled = () =>
  fakeExchange({ status: 200, body: 'data: {}\n\n', error: { code: 'idle-timeout', message: 'no body byte for 400 ms' } });
const runaway = () => fakeExchange({ status: 200, body: 'data: {}\n\n', error: { code: 'runaway', message: 'too many events' } });
const answered = () => fakeExchange({ status: 200, body: '{}' });

describe('the breaker', () => {
  test(`trips once ${HOSTILE_LIMIT} of the latest exchanges got no usable answer, and aborts its signal`, () => {
    const breaker = createBreaker();
    breaker.observe(silent());
    breaker.observe(answered());
    breaker.observe(stalled());
    expect(breaker.tripped()).toBeUndefined();
    expect(breaker.signal.aborted).toBe(false);
    breaker.observe(runaway());
    expect(breaker.tripped()).toMatch(/stopped answering usably .*3 of the last 4 exchanges/);
    expect(breaker.signal.aborted).toBe(true);
  });

  test('hostile answers far apart do not trip it', () => {
    const breaker = createBreaker();
    for (let i = 0; i < 5; i += 1) {
      breaker.observe(silent());
      for (let j = 0; j < 7; j += 1) breaker.observe(answered());
    }
    expect(breaker.tripped()).toBeUndefined();
  });

  test('a bad answer is still an answer; exchanges the run itself cut do not count', () => {
    const breaker = createBreaker();
    for (let i = 0; i < 5; i += 1) breaker.observe(fakeExchange({ status: 500, body: 'oops' }));
    for (let i = 0; i < 5; i += 1) breaker.observe(fakeExchange({ noResponse: true, error: { code: 'aborted', message: 'cut short' } }));
    expect(breaker.tripped()).toBeUndefined();
  });

  test('refusals that outlast the retries count', () => {
    const breaker = createBreaker();
    for (let i = 0; i < 3; i += 1) {
      const refused = fakeExchange({ status: 429, body: '{}' });
      refused.retries = [{ status: 429, waitMs: 10, retryAfter: false, atMs: 0 }];
      breaker.observe(refused);
    }
    expect(breaker.tripped()).toMatch(/still refused with 429\/503 after retries/);
  });
});

describe('a run against a hostile target', () => {
  let reference: RunningReference;
  beforeAll(async () => {
    reference = await startReference({ port: 0, apiKey: 'sk-breaker', gapMs: 2 });
  });
  afterAll(async () => {
    await reference.close();
  });

  const config = (fault: string, concurrency: number): RunConfig =>
    runConfig(reference.url.replace(/\/v1$/, `/fault/${fault}/v1`), {
      deterministic: false,
      seed: 1,
      concurrency,
      limits: { connectMs: 500, headersMs: 200, idleMs: 200, totalMs: 1000, maxBytes: 1024 * 1024 },
    });

  test('that never sends headers: a few requests, then nothing more is sent, and the run says why', async () => {
    const outcome = await runConformance(config('slow-headers', 1), { apiKey: 'sk-breaker' });
    expect(outcome.requests).toBe(HOSTILE_LIMIT);
    expect(outcome.sent).toHaveLength(HOSTILE_LIMIT);
    expect(outcome.incomplete).toMatch(/stopped answering usably/);
  });

  test('whose answers never end: streams are cut as runaway, the requests in flight are cut, and the run ends early', async () => {
    const started = performance.now();
    const outcome = await runConformance(config('endless', 4), { apiKey: 'sk-breaker' });
    expect(performance.now() - started).toBeLessThan(3000);
    expect(outcome.sent.some((s) => s.exchange.error?.code === 'runaway')).toBe(true);
    expect(outcome.requests).toBeLessThan(20);
    expect(outcome.incomplete).toMatch(/far past what their request allows/);
  });
});
