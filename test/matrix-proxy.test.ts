/**
 * A matrix target that is a proxy: the reference proxy in front of a served reference provider, judged in a
 * differential run against that same reference beside an embedded target. The faithful proxy passes the proxy
 * area; with clamp-temperature it fails the checks that see the request change. In the instrumented set-up the tool
 * starts its upstream where the proxy forwards, once per cell in turn. A bad proxy setting is one line.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { RunReport } from '../src/engine/result.ts';
import type { MatrixReport } from '../src/matrix/result.ts';
import { type RunningProxy, startProxy } from '../src/reference/proxy/server.ts';
import { type RunningReference, startReference } from '../src/reference/server.ts';
import { EMBEDDED_GAP_MS } from '../src/run/target.ts';
import { cliInProcess } from './support/cli-in-process.ts';
import { closedPort } from './support/ports.ts';

const KEY = 'sk-matrix-proxy-test';
const ENV = { CC_TEST_PROXY_KEY: KEY, CC_TEST_UPSTREAM_KEY: KEY };

let dir: string;
let reference: RunningReference;
let proxy: RunningProxy;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cc-matrix-proxy-'));
  reference = await startReference({ port: 0, apiKey: KEY, gapMs: EMBEDDED_GAP_MS, seed: 1 });
  proxy = await startProxy({ upstream: reference.url });
});
afterAll(async () => {
  await proxy.close();
  await reference.close();
  await rm(dir, { recursive: true, force: true });
});

const readJson = async <T>(path: string): Promise<T> => JSON.parse(await readFile(path, 'utf8')) as T;

const proxyTarget = (name: string, baseUrl: string) => ({
  name,
  baseUrl,
  keyEnv: 'CC_TEST_PROXY_KEY',
  models: ['reference-chat'],
  only: ['proxy'],
  deterministic: true,
  proxy: { upstream: reference.url, upstreamKeyEnv: 'CC_TEST_UPSTREAM_KEY' },
});

test('a proxy target runs as a differential proxy run: a faithful proxy passes, a clamping one fails', async () => {
  const config = join(dir, 'proxy.json');
  await writeFile(
    config,
    JSON.stringify({
      targets: [
        { name: 'reference', embedded: true, depth: 'smoke' },
        proxyTarget('faithful', proxy.url),
        proxyTarget('clamping', proxy.url.replace(/\/v1$/, '/fault/clamp-temperature/v1')),
      ],
    }),
  );
  const reports = join(dir, 'reports');
  const result = await cliInProcess(['run', '--config', config, '--report-dir', reports], ENV);
  expect(result.code, result.stdout + result.stderr).toBe(1);
  expect(result.stdout + result.stderr).not.toContain(KEY);
  const cell = (target: string) => readJson<RunReport>(join(reports, 'targets', target, 'reference-chat', 'latest', 'report.json'));
  const verdicts = (report: RunReport) => report.checks.filter((c) => c.area === 'proxy').map((c) => [c.id, c.verdict]);

  const faithful = await cell('faithful');
  expect(faithful.complete, faithful.incompleteReason).toBe(true);
  expect(faithful.totals.fail).toBe(0);
  expect(verdicts(faithful)).toContainEqual(['proxy.matches-direct', 'pass']);
  expect(faithful.proxy).toMatchObject({ mode: 'differential', upstream: reference.url });
  expect(faithful.proxy?.differences.length).toBeGreaterThan(0);

  const clamping = await cell('clamping');
  const failed = clamping.checks.filter((c) => c.verdict === 'fail').map((c) => c.id);
  expect(failed.length).toBeGreaterThan(0);
  expect(
    failed.every((id) => id === 'proxy.matches-direct' || id === 'proxy.request-fidelity'),
    failed.join(),
  ).toBe(true);

  expect((await cell('reference')).proxy).toBeUndefined();
  const matrix = await readJson<MatrixReport>(join(reports, 'matrix', 'latest', 'report.json'));
  expect(matrix.cells.map((c) => [c.target, c.proxy?.mode, c.outcome?.exitCode])).toEqual([
    ['reference', undefined, 0],
    ['faithful', 'differential', 0],
    ['clamping', 'differential', 1],
  ]);
});

test('proxy targets in front of the instrumented upstream: the faithful proxy passes, a fault fails its check', async () => {
  const upstreamPort = await closedPort();
  const gateway = await startProxy({ upstream: `http://127.0.0.1:${upstreamPort}/v1` });
  try {
    const instrumented = (name: string, baseUrl: string) => ({
      name,
      baseUrl,
      keyEnv: 'CC_TEST_PROXY_KEY',
      models: ['reference-chat'],
      only: ['proxy'],
      proxy: { instrumented: true, upstreamPort },
    });
    const config = join(dir, 'instrumented.json');
    await writeFile(
      config,
      JSON.stringify({
        targets: [
          instrumented('faithful', gateway.url),
          instrumented('truncating', gateway.url.replace(/\/v1$/, '/fault/done-after-cut/v1')),
        ],
      }),
    );
    const reports = join(dir, 'instrumented-reports');
    const result = await cliInProcess(['run', '--config', config, '--report-dir', reports], ENV);
    expect(result.code, result.stdout + result.stderr).toBe(1);
    const cell = (target: string) => readJson<RunReport>(join(reports, 'targets', target, 'reference-chat', 'latest', 'report.json'));

    const faithful = await cell('faithful');
    expect(faithful.complete, faithful.incompleteReason).toBe(true);
    expect(faithful.proxy).toMatchObject({ mode: 'instrumented', upstream: `http://127.0.0.1:${upstreamPort}/v1` });
    expect(faithful.checks.filter((c) => c.area === 'proxy' && c.verdict === 'fail')).toEqual([]);
    expect(faithful.checks.some((c) => c.id === 'proxy.honest-truncation' && c.verdict === 'pass')).toBe(true);

    const truncating = await cell('truncating');
    expect(truncating.checks.filter((c) => c.verdict === 'fail').map((c) => c.id)).toEqual(['proxy.honest-truncation']);
  } finally {
    await gateway.close();
  }
});

test.each([
  [
    'an unknown proxy key',
    { upstream: 'http://127.0.0.1:9/v1', upstreem: 'x' },
    /targets\[0\] \("gw"\)\.proxy has an unknown key "upstreem"/,
  ],
  ['neither set-up', { upstreamKeyEnv: 'CC_TEST_UPSTREAM_KEY' }, /\.proxy needs exactly one of "upstream" .* and "instrumented": true/],
  [
    'a model for the instrumented upstream',
    { instrumented: true, upstreamModel: 'm' },
    /\.proxy\.upstreamModel applies to a differential run/,
  ],
  ['instrumented false', { instrumented: false }, /\.proxy\.instrumented must be true/],
  [
    'an upstream key variable not set',
    { upstream: 'http://127.0.0.1:9/v1', upstreamKeyEnv: 'CC_TEST_UNSET_KEY' },
    /\$CC_TEST_UNSET_KEY is not set/,
  ],
])('a bad proxy setting: %s, is one error line and exit 2', async (title, setting, message) => {
  const config = join(dir, `bad-${title.replace(/\W+/g, '-')}.json`);
  await writeFile(
    config,
    JSON.stringify({ targets: [{ name: 'gw', baseUrl: 'http://127.0.0.1:9/v1', keyEnv: 'CC_TEST_PROXY_KEY', proxy: setting }] }),
  );
  const result = await cliInProcess(['run', '--config', config], { ...ENV, CC_TEST_UNSET_KEY: '' });
  expect(result.code, result.stderr).toBe(2);
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(message);
});

test('the proxy area belongs to proxy targets only', async () => {
  const config = join(dir, 'not-a-proxy.json');
  await writeFile(config, JSON.stringify({ targets: [{ name: 'ref', embedded: true, only: ['proxy'] }] }));
  const result = await cliInProcess(['run', '--config', config]);
  expect(result.code).toBe(2);
  expect(result.stderr.trim()).toMatch(/^error: .*only names proxy, which runs against a proxy: give the target a "proxy" setting$/);
});
