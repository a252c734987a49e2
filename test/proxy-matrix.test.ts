/**
 * The proxy checks verified in both directions, as test/fault-matrix.test.ts does for the others. A whole proxy run
 * (the proxy area and the ordinary areas, strict) goes through the reference proxy in front of an instrumented
 * upstream: the faithful proxy gives no failure and no warning, and each proxy fault fails exactly the checks it
 * names. A differential run (the proxy area only) does the same for proxy.matches-direct.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunConfig } from '../src/core/run-config.ts';
import type { ProxySetup } from '../src/core/upstream.ts';
import { runConformance, type RunOutcome } from '../src/engine/run.ts';
import { type InstrumentedUpstream, startInstrumentedUpstream } from '../src/reference/instrumented-upstream.ts';
import { proxyFaults } from '../src/reference/proxy/faults.ts';
import { type RunningProxy, startProxy } from '../src/reference/proxy/server.ts';

const API_KEY = 'sk-proxy-matrix';
const DIFFERENTIAL_CHECK = 'proxy.matches-direct';

let upstream: InstrumentedUpstream;
let proxy: RunningProxy;

beforeAll(async () => {
  upstream = await startInstrumentedUpstream({ port: 0, apiKey: API_KEY, gapMs: 2, seed: 7 });
  proxy = await startProxy({ upstream: upstream.url });
});
afterAll(async () => {
  await proxy.close();
  await upstream.close();
});

/** `http://host:port/v1` → `http://host:port/fault/<name>/v1` */
const through = (fault: string | undefined) => (fault ? proxy.url.replace(/\/v1$/, `/fault/${fault}/v1`) : proxy.url);

function configFor(target: string, mode: ProxySetup['mode']): RunConfig {
  return {
    target,
    embedded: false,
    deterministic: true,
    model: 'reference-chat',
    reasoningModels: { separateReasoning: 'deepseek/deepseek-r1-turbo', enableThinking: 'zai-org/glm-4.5' },
    apiKeyEnv: 'CONFORMANCE_API_KEY',
    profile: 'strict',
    depth: 'standard',
    seed: 11,
    concurrency: 8,
    // A buffering proxy holds a two-second stream back whole; the bounds let it arrive, so it is judged, not cut.
    limits: { connectMs: 2000, headersMs: 3000, idleMs: 3000, totalMs: 8000, maxBytes: 1024 * 1024 },
    only: mode === 'differential' ? ['proxy'] : [],
    skip: [],
    headers: {},
    reportDir: 'reports',
    proxy: { mode, upstream: upstream.url, upstreamKeyEnv: 'CONFORMANCE_UPSTREAM_API_KEY' },
  };
}

const run = (fault: string | undefined, mode: ProxySetup['mode']): Promise<RunOutcome> =>
  runConformance(configFor(through(fault), mode), { apiKey: API_KEY, upstream: upstream.control, upstreamKey: API_KEY });

const failing = (outcome: RunOutcome) => outcome.checks.filter((c) => c.verdict === 'fail').map((c) => c.id).sort();

const unclean = (outcome: RunOutcome) =>
  outcome.checks.filter((c) => c.verdict === 'fail' || c.verdict === 'warn').map((c) => ({ id: c.id, findings: c.findings.map((f) => f.message) }));

describe('the faithful reference proxy', () => {
  test('passes every proxy check and every ordinary one against the instrumented upstream', async () => {
    const outcome = await run(undefined, 'instrumented');
    expect(unclean(outcome)).toEqual([]);
    expect(outcome.incomplete).toBeUndefined();
    const proxyChecks = outcome.checks.filter((c) => c.area === 'proxy' && c.id !== DIFFERENTIAL_CHECK);
    expect(proxyChecks.map((c) => [c.id, c.verdict])).toEqual(proxyChecks.map((c) => [c.id, 'pass']));
    expect(outcome.checks.filter((c) => c.area === 'params').every((c) => c.verdict === 'not-run')).toBe(true);
    expect(outcome.requests).toBeLessThanOrEqual(148);
  });

  test('matches the upstream in a differential run', async () => {
    const outcome = await run(undefined, 'differential');
    expect(unclean(outcome)).toEqual([]);
    expect(outcome.checks.find((c) => c.id === DIFFERENTIAL_CHECK)?.verdict).toBe('pass');
  });
});

// One run at a time: each sends about a hundred requests through two servers, and the timing checks (and the
// other matrix, running beside this file) need a machine that is not swamped.
describe('proxy faults against the instrumented upstream', () => {
  for (const fault of proxyFaults) {
    const expected = fault.detectedBy.filter((id) => id !== DIFFERENTIAL_CHECK).sort();
    test(`${fault.name} fails ${expected.join(', ')} and nothing else`, async () => {
      const outcome = await run(fault.name, 'instrumented');
      expect(failing(outcome), JSON.stringify(unclean(outcome), null, 1)).toEqual(expected);
    });
  }
});

describe('proxy faults in a differential run', () => {
  for (const fault of proxyFaults) {
    const expected = fault.detectedBy.filter((id) => id === DIFFERENTIAL_CHECK);
    test(`${fault.name} ${expected.length > 0 ? 'fails' : 'does not fail'} ${DIFFERENTIAL_CHECK}`, async () => {
      const outcome = await run(fault.name, 'differential');
      expect(failing(outcome), JSON.stringify(unclean(outcome), null, 1)).toEqual(expected);
    });
  }
});
