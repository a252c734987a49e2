import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createBreaker, UNRESPONSIVE_AFTER } from '../src/engine/breaker.ts';
import { executePlan } from '../src/engine/execute.ts';
import { plans } from '../src/plans/index.ts';
import { startReference, type RunningReference } from '../src/reference/server.ts';
import { fakeExchange } from './support/evidence.ts';
import type { RunConfig } from '../src/core/run-config.ts';

const silent = () => fakeExchange({ noResponse: true, error: { code: 'headers-timeout', message: 'no headers within 400 ms' } });
const answered = () => fakeExchange({ status: 200, body: '{}' });

test(`trips after ${UNRESPONSIVE_AFTER} silent exchanges in a row, and an answer in between resets the count`, () => {
  const breaker = createBreaker();
  breaker.observe(silent());
  breaker.observe(silent());
  breaker.observe(answered());
  breaker.observe(silent());
  breaker.observe(silent());
  expect(breaker.tripped()).toBeUndefined();
  breaker.observe(silent());
  expect(breaker.tripped()).toMatch(/stopped answering .*headers-timeout/);
});

test('a bad answer is still an answer', () => {
  const breaker = createBreaker();
  for (let i = 0; i < 5; i += 1) breaker.observe(fakeExchange({ status: 500, body: 'oops' }));
  expect(breaker.tripped()).toBeUndefined();
});

test('plans sharing a marker file stop together', async () => {
  const marker = join(await mkdtemp(join(tmpdir(), 'cc-breaker-')), 'unresponsive.txt');
  const first = createBreaker(marker);
  for (let i = 0; i < UNRESPONSIVE_AFTER; i += 1) first.observe(silent());
  expect(createBreaker(marker).tripped()).toBe(first.tripped());
});

let reference: RunningReference;
beforeAll(async () => {
  reference = await startReference({ port: 0, apiKey: 'sk-breaker' });
});
afterAll(async () => {
  await reference.close();
});

test('against a target that never sends headers, a plan stops after a few requests and says why', async () => {
  const config: RunConfig = {
    target: reference.url.replace(/\/v1$/, '/fault/slow-headers/v1'),
    embedded: false,
    deterministic: false,
    model: 'reference-chat',
    reasoningModels: { separateReasoning: 'deepseek/deepseek-r1-turbo', enableThinking: 'zai-org/glm-4.5' },
    apiKeyEnv: 'CONFORMANCE_API_KEY',
    profile: 'documented',
    depth: 'standard',
    seed: 1,
    concurrency: 1,
    limits: { connectMs: 500, headersMs: 200, idleMs: 200, totalMs: 1000, maxBytes: 1024 * 1024 },
    only: [],
    skip: [],
    headers: {},
    reportDir: 'reports',
  };
  const result = await executePlan(plans.streaming, config, { apiKey: 'sk-breaker' });
  expect(result.requests).toBe(UNRESPONSIVE_AFTER);
  expect(result.incomplete).toMatch(/stopped answering/);
});
