import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checks } from '../src/checks/registry.ts';
import type { RunConfig } from '../src/core/run-config.ts';
import { allot } from '../src/engine/allot.ts';
import { runConformance } from '../src/engine/run.ts';
import type { Plan, Probe } from '../src/plans/probe.ts';
import { type RunningReference, startReference } from '../src/reference/server.ts';
import { runConfig } from './support/config.ts';

const fixed = (id: string, requests: number): Probe => ({
  id,
  title: id,
  from: 'smoke',
  feeds: ['schema.response-valid'],
  requests: () => requests,
  run: async () => [],
});
const sharing = (id: string, share: number): Probe => ({ ...fixed(id, 1), share });

describe('planning within an area budget', () => {
  const selected = checks.filter((c) => c.id === 'schema.response-valid');
  const plan = (probes: Probe[]): Plan => ({ area: 'schema', probes });

  test('fixed probes in plan order while they fit, then what is left shared by weight', () => {
    // schema has 8 requests at standard depth.
    const [area] = allot([plan([fixed('a', 3), sharing('p', 1), fixed('b', 4), fixed('c', 2), sharing('q', 3)])], selected, 'standard');
    expect(area!.allotments.map((a) => [a.probe.id, a.allowance])).toEqual([
      ['a', 3],
      ['b', 4],
      ['q', 1],
    ]);
    expect(area!.left.map((l) => l.probe.id)).toEqual(['c', 'p']);
    expect(area!.left[0]!.reason).toMatch(/request budget of schema \(8 at depth standard\) left too little/);
  });

  test('probes of checks nobody selected, or from a deeper depth, are not planned', () => {
    const deep: Probe = { ...fixed('deep', 1), from: 'deep' };
    const unwanted: Probe = { ...fixed('other', 1), feeds: ['schema.chunk-valid'] };
    const [area] = allot([plan([deep, unwanted, fixed('kept', 1)])], selected, 'standard');
    expect(area!.allotments.map((a) => a.probe.id)).toEqual(['kept']);
  });
});

describe('a run', () => {
  let fast: RunningReference;
  let slow: RunningReference;
  beforeAll(async () => {
    fast = await startReference({ port: 0, apiKey: 'sk-engine', gapMs: 2, seed: 3 });
    slow = await startReference({ port: 0, apiKey: 'sk-engine', ttftMs: 20, gapMs: 3, seed: 3 });
  });
  afterAll(async () => {
    await Promise.all([fast.close(), slow.close()]);
  });

  const config = (target: string, overrides: Partial<RunConfig> = {}): RunConfig =>
    runConfig(target, {
      seed: 5,
      limits: { connectMs: 3000, headersMs: 3000, idleMs: 3000, totalMs: 10_000, maxBytes: 1 << 20 },
      ...overrides,
    });

  test('numbers its exchanges in plan order and reaches the same verdicts, however the latency falls', async () => {
    const [a, b] = await Promise.all([
      runConformance(config(fast.url), { apiKey: 'sk-engine' }),
      runConformance(config(slow.url, { concurrency: 3 }), { apiKey: 'sk-engine' }),
    ]);
    const sent = (outcome: typeof a) => outcome.sent.map((s) => `${s.exchange.id} ${s.exchange.label} ${s.exchange.request.body ?? ''}`);
    expect(sent(b)).toEqual(sent(a));
    expect(b.checks.map((c) => `${c.id} ${c.verdict}`)).toEqual(a.checks.map((c) => `${c.id} ${c.verdict}`));
    expect(a.sent.length).toBeLessThanOrEqual(a.planned);
  });

  test('requests a probe waits for are recorded as the answer they followed', async () => {
    const outcome = await runConformance(config(fast.url, { only: ['semantics.seed-determinism'] }), { apiKey: 'sk-engine' });
    const [first, second] = outcome.sent;
    expect(second?.after).toBe(first?.exchange);
  });

  test('with no key for an external target, the auth area is skipped with the reason and sends nothing', async () => {
    const outcome = await runConformance(config(fast.url, { only: ['auth'], apiKeyEnv: 'NO_SUCH_KEY_VARIABLE' }));
    expect(outcome.sent).toEqual([]);
    const auth = outcome.checks.filter((c) => c.area === 'auth');
    expect(auth.map((c) => c.verdict)).toEqual(['skip', 'skip', 'skip']);
    expect(auth[0]!.skipReason).toMatch(/no API key is configured \(\$NO_SUCH_KEY_VARIABLE is not set\)/);
  });

  test('an interrupt before anything was sent leaves every check not run, and the run incomplete', async () => {
    const controller = new AbortController();
    controller.abort();
    const outcome = await runConformance(config(fast.url), { apiKey: 'sk-engine', signal: controller.signal });
    expect(outcome.sent).toEqual([]);
    expect(outcome.incomplete).toBe('interrupted');
    expect(new Set(outcome.checks.map((c) => c.verdict))).toEqual(new Set(['not-run']));
  });
});
