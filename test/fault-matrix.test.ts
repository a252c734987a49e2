/**
 * Self-verification in both directions: every fault of the reference provider makes the checks it names fail, and no
 * other check (a whole run, every area, under the strict profile, where every observation counts); the clean
 * reference and every legal variant give no failure and no warning; every reading (a variant legal under another
 * reading of the documents) passes under lenient, warns exactly on the checks that observe it under documented and
 * fails exactly those under strict. This is what keeps each check honest and each fault to one rule.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checks, findCheck } from '../src/checks/registry.ts';
import type { Profile } from '../src/core/vocabulary.ts';
import { evaluate, type EvidenceOf } from '../src/engine/evaluate.ts';
import { runConformance, type RunOutcome } from '../src/engine/run.ts';
import { plans } from '../src/plans/index.ts';
import type { Plan } from '../src/plans/probe.ts';
import { behaviours } from '../src/reference/catalogue.ts';
import { type RunningReference, startReference } from '../src/reference/server.ts';
import { runConfig } from './support/config.ts';

const API_KEY = 'sk-matrix-test';
let reference: RunningReference;

beforeAll(async () => {
  reference = await startReference({ port: 0, apiKey: API_KEY, gapMs: 2, seed: 7 });
});
afterAll(async () => {
  await reference.close();
});

/**
 * Tight bounds so hostile behaviours end in seconds, not minutes; loose enough for a busy machine (the server shares
 * the process with several runs at once, so the first bytes of an answer can wait on the event loop).
 */
const configFor = (target: string, profile: Profile) =>
  runConfig(target, { profile, limits: { connectMs: 2000, headersMs: 4000, idleMs: 2500, totalMs: 5000, maxBytes: 1024 * 1024 } });

/** `http://host:port/v1` → `http://host:port/<kind>/<name>/v1` */
const behaviourUrl = (kind: 'fault' | 'variant', name: string) => reference.url.replace(/\/v1$/, `/${kind}/${name}/v1`);

const run = (target: string, profile: Profile): Promise<RunOutcome> => runConformance(configFor(target, profile), { apiKey: API_KEY });

const withVerdict = (outcome: RunOutcome, verdicts: readonly string[]) =>
  outcome.checks.filter((c) => verdicts.includes(c.verdict)).map((c) => ({ id: c.id, verdict: c.verdict, findings: c.findings.map((f) => f.message) }));

const faults = behaviours.filter((b) => b.kind === 'fault');
const variants = behaviours.filter((b) => b.kind === 'variant' && !b.observedBy?.length);
const readings = behaviours.filter((b) => b.kind === 'variant' && b.observedBy?.length);

/** The plans with every probe's evidence also recorded in `into`, by area, as the engine hands it to the checks. */
const recording = (into: EvidenceOf[]): Plan[] =>
  plans.map((plan) => ({
    ...plan,
    probes: plan.probes.map((probe) => ({
      ...probe,
      run: async (io) => {
        const items = await probe.run(io);
        into.push({ area: plan.area, items });
        return items;
      },
    })),
  }));

const sortedIds = (results: ReadonlyArray<{ id: string; verdict: string }>, verdict: string): string[] =>
  results.filter((r) => r.verdict === verdict).map((r) => r.id).sort();

test('every check is proven by at least one fault, and every fault names registered checks', () => {
  for (const fault of faults) {
    expect(fault.detectedBy.length, fault.name).toBeGreaterThan(0);
    for (const id of fault.detectedBy) expect(findCheck(id), `${fault.name} → ${id}`).toBeDefined();
  }
  const proven = new Set<string>(faults.flatMap((f) => f.detectedBy));
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

describe.concurrent('readings: legal under another reading of the documents', () => {
  for (const reading of readings) {
    const observedBy = [...(reading.observedBy ?? [])].sort();
    test(`${reading.name}: lenient passes, documented warns and strict fails on ${observedBy.join(', ')}`, async () => {
      // Probes send the same requests under every profile, which only decides how findings count: one run's
      // evidence is judged under each.
      const evidence: EvidenceOf[] = [];
      const target = behaviourUrl('variant', reading.name);
      const outcome = await runConformance(configFor(target, 'strict'), { apiKey: API_KEY, plans: recording(evidence) });
      const judged = (profile: Profile) => checks.map((check) => evaluate(check, evidence, configFor(target, profile), 'no evidence'));
      expect(sortedIds(judged('strict'), 'fail'), 'the recorded evidence is what the run judged').toEqual(sortedIds(outcome.checks, 'fail'));
      expect(sortedIds(judged('lenient'), 'fail'), 'lenient').toEqual([]);
      const documented = judged('documented');
      expect(sortedIds(documented, 'fail'), 'documented: failures').toEqual([]);
      expect(sortedIds(documented, 'warn'), 'documented: warnings').toEqual(observedBy);
      expect(sortedIds(outcome.checks, 'fail'), 'strict').toEqual(observedBy);
      expect(outcome.incomplete).toBeUndefined();
    });
  }
});

test('a function declared with strict: true makes tool-args-invalid fail tools.arguments-valid under every profile', async () => {
  const target = behaviourUrl('fault', 'tool-args-invalid');
  for (const profile of ['lenient', 'documented'] as const) {
    const outcome = await runConformance({ ...configFor(target, profile), only: ['tools'] }, { apiKey: API_KEY });
    expect(sortedIds(outcome.checks, 'fail'), profile).toEqual(['tools.arguments-valid']);
  }
});
