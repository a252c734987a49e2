/**
 * What matters to clients: against a fault both SDKs read past, its wire check fails while every clients check passes,
 * so the report separates what is out of contract from what breaks code written against the SDKs. The same selection
 * against a fault that does break an SDK shows the difference.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checks } from '../src/checks/registry.ts';
import type { RunConfig } from '../src/core/run-config.ts';
import { runConformance } from '../src/engine/run.ts';
import { type RunningReference, startReference } from '../src/reference/server.ts';
import { countByArea } from '../src/report/summary.ts';
import { runConfig } from './support/config.ts';

const KEY = 'sk-clients-test';
let reference: RunningReference;

beforeAll(async () => {
  // Streams paced a few milliseconds per event, so a client that cancels after the first text does so mid-way.
  reference = await startReference({ port: 0, apiKey: KEY, gapMs: 5 });
});
afterAll(async () => {
  await reference.close();
});

function configFor(fault: string, wireCheck: string): RunConfig {
  return runConfig(reference.url.replace(/\/v1$/, `/fault/${fault}/v1`), {
    profile: 'strict',
    seed: 3,
    limits: { connectMs: 2000, headersMs: 2000, idleMs: 2000, totalMs: 8000, maxBytes: 1024 * 1024 },
    only: ['clients', wireCheck],
  });
}

const clientChecks = checks.filter((c) => c.area === 'clients').map((c) => c.id);

describe.concurrent('faults both SDKs read past', () => {
  for (const [fault, wireCheck] of [
    ['usage-absent', 'usage.null-elsewhere'],
    ['named-events', 'streaming.data-only'],
    ['data-after-done', 'streaming.done-once'],
  ] as const) {
    test(`${fault}: ${wireCheck} fails, every clients check passes`, async () => {
      const outcome = await runConformance(configFor(fault, wireCheck), { apiKey: KEY });
      const verdicts = Object.fromEntries(outcome.checks.filter((c) => c.verdict !== 'not-run').map((c) => [c.id, c.verdict]));
      expect(verdicts).toEqual({ [wireCheck]: 'fail', ...Object.fromEntries(clientChecks.map((id) => [id, 'pass'])) });
      // The summary's per-area table says the same: the clients row has nothing but passes.
      expect(countByArea(outcome.checks).find((row) => row.area === 'clients')).toMatchObject({
        pass: clientChecks.length,
        fail: 0,
        warn: 0,
        skip: 0,
      });
    });
  }
});

test('a fault that breaks an SDK fails a clients check beside its wire check', async () => {
  const outcome = await runConformance(configFor('usage-before-finish', 'usage.chunk-placement'), { apiKey: KEY });
  const failing = outcome.checks.filter((c) => c.verdict === 'fail');
  expect(failing.map((c) => c.id).sort()).toEqual(['clients.stream-usage', 'usage.chunk-placement']);
  const finding = failing.find((c) => c.id === 'clients.stream-usage')?.findings[0]?.message;
  expect(finding).toMatch(
    /the raw answer was a stream whose usage chunk says \{"prompt_tokens".*openai .* chat\.completions\.stream reported usage null/s,
  );
});

test('at smoke depth one stream, read by both SDKs, still finds what breaks their stream reading', async () => {
  const outcome = await runConformance({ ...configFor('usage-before-finish', 'usage.chunk-placement'), depth: 'smoke' }, { apiKey: KEY });
  const clientsExchanges = outcome.sent.map((s) => s.exchange).filter((e) => e.label.startsWith('clients-'));
  expect(clientsExchanges.map((e) => e.label)).toEqual(['clients-stream']);
  const verdicts = Object.fromEntries(outcome.checks.filter((c) => c.area === 'clients').map((c) => [c.id, c.verdict]));
  expect(verdicts).toMatchObject({ 'clients.stream-usage': 'fail', 'clients.stream-assembly': 'pass', 'clients.nonstream-parse': 'skip' });
});
