/**
 * Self-verification in both directions: every fault of the reference provider makes the checks it names fail, and no
 * other check (a whole run, every area, under the strict profile, where every observation counts); the clean
 * reference and every legal variant give no failure and no warning; every reading (a variant legal under another
 * reading of the documents) passes under lenient, warns exactly on the checks that observe it under documented and
 * fails exactly those under strict. This is what keeps each check honest and each fault to one rule.
 *
 * The proxy checks the same way: a whole proxy run (the proxy area and the ordinary areas, strict) goes through the
 * reference proxy in front of an instrumented upstream; the faithful proxy gives no failure and no warning, and each
 * proxy fault fails exactly the checks it names. A differential run (the proxy area only) does the same for
 * proxy.matches-direct. These run after the reference faults, not beside them: the timing checks (a held stream, a
 * client's departure passed on) need a machine that is not swamped.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checks, findCheck } from '../src/checks/registry.ts';
import type { RunConfig } from '../src/core/run-config.ts';
import type { ProxySetup } from '../src/core/upstream.ts';
import type { Profile } from '../src/core/vocabulary.ts';
import { type EvidenceOf, evaluate } from '../src/engine/evaluate.ts';
import { type RunOutcome, runConformance } from '../src/engine/run.ts';
import { plans } from '../src/plans/index.ts';
import type { Plan } from '../src/plans/probe.ts';
import { behaviours } from '../src/reference/catalogue.ts';
import { type InstrumentedUpstream, startInstrumentedUpstream } from '../src/reference/instrumented-upstream.ts';
import { proxyFaults } from '../src/reference/proxy/faults.ts';
import { type RunningProxy, startProxy } from '../src/reference/proxy/server.ts';
import { type RunningReference, startReference } from '../src/reference/server.ts';
import { UPSTREAM_GAP_MS } from '../src/run/proxy-target.ts';
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
 * Tight bounds so hostile behaviours end in seconds, not minutes; loose enough for a busy machine: the server shares
 * the process with several runs at once, so on two loaded cores its timers fire late and an answer written in half a
 * second can take several.
 */
const configFor = (target: string, profile: Profile) =>
  runConfig(target, { profile, limits: { connectMs: 2000, headersMs: 8000, idleMs: 5000, totalMs: 10_000, maxBytes: 1024 * 1024 } });

/** `http://host:port/v1` → `http://host:port/<kind>/<name>/v1` */
const behaviourUrl = (kind: 'fault' | 'variant', name: string) => reference.url.replace(/\/v1$/, `/${kind}/${name}/v1`);

const run = (target: string, profile: Profile): Promise<RunOutcome> => runConformance(configFor(target, profile), { apiKey: API_KEY });

const withVerdict = (outcome: RunOutcome, verdicts: readonly string[]) =>
  outcome.checks
    .filter((c) => verdicts.includes(c.verdict))
    .map((c) => ({ id: c.id, verdict: c.verdict, findings: c.findings.map((f) => f.message) }));

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
  results
    .filter((r) => r.verdict === verdict)
    .map((r) => r.id)
    .sort();

test('every check is proven by at least one fault, and every fault names registered checks', () => {
  for (const fault of faults) {
    expect(fault.detectedBy.length, fault.name).toBeGreaterThan(0);
    for (const id of fault.detectedBy) expect(findCheck(id), `${fault.name} → ${id}`).toBeDefined();
  }
  // The proxy checks are proven by the reference proxy's faults (below).
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
      expect(
        failing.filter((id) => !(fault.detectedBy as readonly string[]).includes(id)),
        `${fault.name} fails checks it does not declare`,
      ).toEqual([]);
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
      expect(sortedIds(judged('strict'), 'fail'), 'the recorded evidence is what the run judged').toEqual(
        sortedIds(outcome.checks, 'fail'),
      );
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

const PROXY_KEY = 'sk-proxy-matrix';
const DIFFERENTIAL_CHECK = 'proxy.matches-direct';

describe('the reference proxy', () => {
  let upstream: InstrumentedUpstream;
  let proxy: RunningProxy;

  beforeAll(async () => {
    upstream = await startInstrumentedUpstream({ port: 0, apiKey: PROXY_KEY, gapMs: UPSTREAM_GAP_MS, seed: 7 });
    proxy = await startProxy({ upstream: upstream.url });
  });
  afterAll(async () => {
    await proxy.close();
    await upstream.close();
  });

  /** `http://host:port/v1` → `http://host:port/fault/<name>/v1` */
  const through = (fault: string | undefined) => (fault ? proxy.url.replace(/\/v1$/, `/fault/${fault}/v1`) : proxy.url);

  function proxyConfig(target: string, mode: ProxySetup['mode']): RunConfig {
    return runConfig(target, {
      profile: 'strict',
      // A buffering proxy holds a two-second stream back whole; the bounds let it arrive, so it is judged, not cut.
      limits: { connectMs: 2000, headersMs: 3000, idleMs: 3000, totalMs: 8000, maxBytes: 1024 * 1024 },
      only: mode === 'differential' ? ['proxy'] : [],
      proxy: { mode, upstream: upstream.url, upstreamKeyEnv: 'CONFORMANCE_UPSTREAM_API_KEY' },
    });
  }

  const proxyRun = (fault: string | undefined, mode: ProxySetup['mode']): Promise<RunOutcome> =>
    runConformance(proxyConfig(through(fault), mode), { apiKey: PROXY_KEY, upstream: upstream.control, upstreamKey: PROXY_KEY });

  const failing = (outcome: RunOutcome) =>
    outcome.checks
      .filter((c) => c.verdict === 'fail')
      .map((c) => c.id)
      .sort();

  const unclean = (outcome: RunOutcome) =>
    outcome.checks
      .filter((c) => c.verdict === 'fail' || c.verdict === 'warn')
      .map((c) => ({ id: c.id, findings: c.findings.map((f) => f.message) }));

  describe('the faithful reference proxy', () => {
    test('passes every proxy check and every ordinary one against the instrumented upstream', async () => {
      const outcome = await proxyRun(undefined, 'instrumented');
      expect(unclean(outcome)).toEqual([]);
      expect(outcome.incomplete).toBeUndefined();
      const proxyChecks = outcome.checks.filter((c) => c.area === 'proxy' && c.id !== DIFFERENTIAL_CHECK);
      expect(proxyChecks.map((c) => [c.id, c.verdict])).toEqual(proxyChecks.map((c) => [c.id, 'pass']));
      expect(outcome.checks.filter((c) => c.area === 'params').every((c) => c.verdict === 'not-run')).toBe(true);
      expect(outcome.requests).toBeLessThanOrEqual(148);
    });

    test('matches the upstream in a differential run', async () => {
      const outcome = await proxyRun(undefined, 'differential');
      expect(unclean(outcome)).toEqual([]);
      expect(outcome.checks.find((c) => c.id === DIFFERENTIAL_CHECK)?.verdict).toBe('pass');
    });
  });

  describe.concurrent('proxy faults against the instrumented upstream', () => {
    for (const fault of proxyFaults) {
      const expected = fault.detectedBy.filter((id) => id !== DIFFERENTIAL_CHECK).sort();
      test(`${fault.name} fails ${expected.join(', ')} and nothing else`, async () => {
        const outcome = await proxyRun(fault.name, 'instrumented');
        expect(failing(outcome), JSON.stringify(unclean(outcome), null, 1)).toEqual(expected);
      });
    }
  });

  describe.concurrent('proxy faults in a differential run', () => {
    for (const fault of proxyFaults) {
      const expected = fault.detectedBy.filter((id) => id === DIFFERENTIAL_CHECK);
      test(`${fault.name} ${expected.length > 0 ? 'fails' : 'does not fail'} ${DIFFERENTIAL_CHECK}`, async () => {
        const outcome = await proxyRun(fault.name, 'differential');
        expect(failing(outcome), JSON.stringify(unclean(outcome), null, 1)).toEqual(expected);
      });
    }
  });
});
