/**
 * Self-verification: every fault of the reference provider makes the checks that claim it fail, and the clean
 * reference and every legal variant give no failure and no warning. This is what keeps each check honest.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checks, findCheck } from '../src/checks/registry.ts';
import { executePlan } from '../src/engine/execute.ts';
import type { PlanResult } from '../src/engine/result.ts';
import { plans } from '../src/plans/index.ts';
import { behaviours } from '../src/reference/catalogue.ts';
import { startReference, type RunningReference } from '../src/reference/server.ts';
import type { Area, Profile } from '../src/core/vocabulary.ts';
import type { RunConfig } from '../src/core/run-config.ts';

const API_KEY = 'sk-matrix-test';
let reference: RunningReference;

beforeAll(async () => {
  reference = await startReference({ port: 0, apiKey: API_KEY, gapMs: 2, seed: 7 });
});
afterAll(async () => {
  await reference.close();
});

function configFor(target: string, profile: Profile, only: string[] = []): RunConfig {
  return {
    target,
    embedded: true,
    deterministic: true,
    model: 'reference-chat',
    reasoningModels: { separateReasoning: 'deepseek/deepseek-r1-turbo', enableThinking: 'zai-org/glm-4.5' },
    apiKeyEnv: 'CONFORMANCE_API_KEY',
    profile,
    depth: 'standard',
    seed: 11,
    concurrency: 4,
    // Tight bounds so hostile behaviours end in milliseconds, not minutes.
    limits: { connectMs: 1000, headersMs: 400, idleMs: 400, totalMs: 3000, maxBytes: 1024 * 1024 },
    only,
    skip: [],
    headers: {},
    reportDir: 'reports',
  };
}

/** `http://host:port/v1` → `http://host:port/<kind>/<name>/v1` */
const behaviourUrl = (kind: 'fault' | 'variant', name: string) => reference.url.replace(/\/v1$/, `/${kind}/${name}/v1`);

async function runAreas(target: string, areas: readonly Area[], profile: Profile, only: string[] = []): Promise<PlanResult[]> {
  const results: PlanResult[] = [];
  for (const area of areas) results.push(await executePlan(plans[area], configFor(target, profile, only), { apiKey: API_KEY }));
  return results;
}

const verdicts = (results: PlanResult[]) => results.flatMap((r) => r.checks.map((c) => ({ id: c.id, verdict: c.verdict, findings: c.findings })));

const faults = behaviours.filter((b) => b.kind === 'fault');
const variants = behaviours.filter((b) => b.kind === 'variant');
const allAreas = Object.keys(plans) as Area[];

test('every check is proven by at least one fault, and every fault names registered checks', () => {
  for (const fault of faults) {
    expect(fault.detectedBy.length, fault.name).toBeGreaterThan(0);
    for (const id of fault.detectedBy) expect(findCheck(id), `${fault.name} → ${id}`).toBeDefined();
  }
  const proven = new Set(faults.flatMap((f) => f.detectedBy));
  expect(checks.filter((c) => !proven.has(c.id)).map((c) => c.id)).toEqual([]);
});

describe('the clean reference', () => {
  for (const profile of ['documented', 'strict'] as const) {
    test(`passes every check under the ${profile} profile`, async () => {
      const results = await runAreas(reference.url, allAreas, profile);
      const bad = verdicts(results).filter((v) => v.verdict === 'fail' || v.verdict === 'warn');
      expect(bad, JSON.stringify(bad, null, 2)).toEqual([]);
      expect(results.filter((r) => r.incomplete).map((r) => `${r.area}: ${r.incomplete}`)).toEqual([]);
    });
  }
});

describe('legal variants', () => {
  for (const variant of variants) {
    test(`${variant.name}: no failure and no warning`, async () => {
      const results = await runAreas(behaviourUrl('variant', variant.name), allAreas, 'strict');
      const bad = verdicts(results).filter((v) => v.verdict === 'fail' || v.verdict === 'warn');
      expect(bad, JSON.stringify(bad, null, 2)).toEqual([]);
    });
  }
});

describe('faults', () => {
  for (const fault of faults) {
    test(`${fault.name} fails ${fault.detectedBy.join(', ')}`, async () => {
      const areas = [...new Set(fault.detectedBy.map((id) => findCheck(id)!.area))];
      // Strict counts every observation as a failure, so a fault that is legal under some reading still shows.
      // Only the claimed checks run, so only the probes that feed them send requests.
      const results = await runAreas(behaviourUrl('fault', fault.name), areas, 'strict', [...fault.detectedBy]);
      const byId = new Map(verdicts(results).map((v) => [v.id, v]));
      for (const id of fault.detectedBy) expect(byId.get(id)?.verdict, `${fault.name} → ${id}`).toBe('fail');
    });
  }
});
