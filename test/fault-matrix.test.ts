/**
 * Self-verification in both directions: every fault of the reference provider makes the checks it names fail, and no
 * other check (a whole run, every area, under the strict profile, where every observation counts); the clean
 * reference and every legal variant give no failure and no warning. This is what keeps each check honest and each
 * fault to one rule.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checks, findCheck } from '../src/checks/registry.ts';
import type { RunConfig } from '../src/core/run-config.ts';
import type { Profile } from '../src/core/vocabulary.ts';
import { runConformance, type RunOutcome } from '../src/engine/run.ts';
import { behaviours } from '../src/reference/catalogue.ts';
import { proxyFaults } from '../src/reference/proxy/faults.ts';
import { type RunningReference, startReference } from '../src/reference/server.ts';

const API_KEY = 'sk-matrix-test';
let reference: RunningReference;

beforeAll(async () => {
  reference = await startReference({ port: 0, apiKey: API_KEY, gapMs: 2, seed: 7 });
});
afterAll(async () => {
  await reference.close();
});

function configFor(target: string, profile: Profile): RunConfig {
  return {
    target,
    embedded: false,
    deterministic: true,
    model: 'reference-chat',
    reasoningModels: { separateReasoning: 'deepseek/deepseek-r1-turbo', enableThinking: 'zai-org/glm-4.5' },
    apiKeyEnv: 'CONFORMANCE_API_KEY',
    profile,
    depth: 'standard',
    seed: 11,
    concurrency: 8,
    // Tight bounds so hostile behaviours end in a second or two, not minutes; loose enough for a busy machine.
    limits: { connectMs: 2000, headersMs: 1500, idleMs: 1000, totalMs: 5000, maxBytes: 1024 * 1024 },
    only: [],
    skip: [],
    headers: {},
    reportDir: 'reports',
  };
}

/** `http://host:port/v1` → `http://host:port/<kind>/<name>/v1` */
const behaviourUrl = (kind: 'fault' | 'variant', name: string) => reference.url.replace(/\/v1$/, `/${kind}/${name}/v1`);

const run = (target: string, profile: Profile): Promise<RunOutcome> => runConformance(configFor(target, profile), { apiKey: API_KEY });

const withVerdict = (outcome: RunOutcome, verdicts: readonly string[]) =>
  outcome.checks.filter((c) => verdicts.includes(c.verdict)).map((c) => ({ id: c.id, verdict: c.verdict, findings: c.findings.map((f) => f.message) }));

const faults = behaviours.filter((b) => b.kind === 'fault');
const variants = behaviours.filter((b) => b.kind === 'variant');

test('every check is proven by at least one fault, and every fault names registered checks', () => {
  for (const fault of faults) {
    expect(fault.detectedBy.length, fault.name).toBeGreaterThan(0);
    for (const id of fault.detectedBy) expect(findCheck(id), `${fault.name} → ${id}`).toBeDefined();
  }
  // The proxy checks are proven by the reference proxy's faults (test/proxy-matrix.test.ts).
  const proven = new Set<string>([...faults, ...proxyFaults].flatMap((f) => f.detectedBy));
  expect(checks.filter((c) => !proven.has(c.id)).map((c) => c.id)).toEqual([]);
});

describe('the clean reference', () => {
  for (const profile of ['documented', 'strict'] as const) {
    test(`passes every check under the ${profile} profile`, async () => {
      const outcome = await run(reference.url, profile);
      expect(withVerdict(outcome, ['fail', 'warn'])).toEqual([]);
      expect(outcome.incomplete).toBeUndefined();
    });
  }
});

describe.concurrent('legal variants', () => {
  for (const variant of variants) {
    test(`${variant.name}: no failure and no warning`, async () => {
      const outcome = await run(behaviourUrl('variant', variant.name), 'strict');
      expect(withVerdict(outcome, ['fail', 'warn'])).toEqual([]);
    });
  }
});

describe.concurrent('faults', () => {
  for (const fault of faults) {
    test(`${fault.name} fails ${fault.detectedBy.join(', ')} and nothing else`, async () => {
      // Strict counts every observation as a failure, so a fault that is legal under some reading still shows.
      const outcome = await run(behaviourUrl('fault', fault.name), 'strict');
      const failing = outcome.checks.filter((c) => c.verdict === 'fail').map((c) => c.id);
      expect(failing.filter((id) => !(fault.detectedBy as readonly string[]).includes(id)), `${fault.name} fails checks it does not declare`).toEqual([]);
      expect([...fault.detectedBy].sort(), `${fault.name} leaves a declared check passing`).toEqual([...failing].sort());
    });
  }
});
