/**
 * A real proxy, not ours: http-proxy (node-http-proxy, a dev-dependency) in front of the instrumented upstream,
 * set up as its README shows, with the error handler it asks every user to add (a 502 while nothing has been
 * written, else the connection is cut). The proxy checks must report what it really does and nothing more: it
 * passes requests, answers, errors and streams through untouched, but
 * - it does not pass a client's departure on (it waits for the incoming request's 'aborted' event, which Node does
 *   not emit for a request whose body was read in full), so the upstream keeps streaming for nobody;
 * - it pipes the upstream's answer into the client's, and a pipe whose source breaks off never ends its
 *   destination (nor calls the error handler), so a stream the upstream cuts hangs at the client.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import httpProxy from 'http-proxy';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunConfig } from '../src/core/run-config.ts';
import type { ProxySetup } from '../src/core/upstream.ts';
import { type RunOutcome, runConformance } from '../src/engine/run.ts';
import { type InstrumentedUpstream, startInstrumentedUpstream } from '../src/reference/instrumented-upstream.ts';
import { UPSTREAM_GAP_MS } from '../src/run/proxy-target.ts';
import { runConfig } from './support/config.ts';

const API_KEY = 'sk-third-party';

let upstream: InstrumentedUpstream;
let server: Server;
let proxy: httpProxy;
let target: string;

beforeAll(async () => {
  upstream = await startInstrumentedUpstream({ port: 0, apiKey: API_KEY, gapMs: UPSTREAM_GAP_MS, seed: 7 });
  proxy = httpProxy.createProxyServer({ target: upstream.url.replace(/\/v1$/, ''), changeOrigin: true });
  proxy.on('error', (error, _req, res) => {
    const response = res as ServerResponse;
    if (typeof response.writeHead !== 'function' || response.headersSent) return void res.destroy();
    response.writeHead(502, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: { message: `upstream unreachable: ${error.message}`, type: 'bad_gateway' } }));
  });
  server = createServer((req, res) => proxy.web(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  target = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  proxy.close();
  await upstream.close();
});

function configFor(mode: ProxySetup['mode']): RunConfig {
  return runConfig(target, {
    profile: 'strict',
    limits: { connectMs: 2000, headersMs: 3000, idleMs: 3000, totalMs: 8000, maxBytes: 1024 * 1024 },
    only: mode === 'differential' ? ['proxy'] : [],
    proxy: { mode, upstream: upstream.url, upstreamKeyEnv: 'CONFORMANCE_UPSTREAM_API_KEY' },
  });
}

const run = (mode: ProxySetup['mode']): Promise<RunOutcome> =>
  runConformance(configFor(mode), { apiKey: API_KEY, upstream: upstream.control, upstreamKey: API_KEY });

describe('http-proxy in front of the instrumented upstream', () => {
  test('passes everything through, but neither a client that leaves nor an upstream that breaks off', async () => {
    const outcome = await run('instrumented');
    const unclean = outcome.checks.filter((c) => c.verdict === 'fail' || c.verdict === 'warn');
    expect(unclean.map((c) => [c.id, c.verdict, c.findings.map((f) => f.key)])).toEqual([
      ['proxy.cancellation', 'fail', ['not-passed-on']],
      ['proxy.honest-truncation', 'fail', ['hung']],
    ]);
    expect(unclean[0]!.findings[0]!.message).toMatch(/the upstream wrote its answer to the end/);
    for (const id of [
      'proxy.request-fidelity',
      'proxy.response-fidelity',
      'proxy.status-fidelity',
      'proxy.no-buffering',
      'proxy.isolation',
      'proxy.limits',
    ]) {
      expect(outcome.checks.find((c) => c.id === id)?.verdict, id).toBe('pass');
    }
    // Nothing was changed on the way, field by field, and every answer arrived as JSON the upstream sent.
    expect(outcome.proxy?.fields.filter((row) => row.change !== 'unchanged')).toEqual([]);
    expect(outcome.proxy?.fields.some((row) => row.field === 'separate_reasoning')).toBe(true);
    expect(outcome.proxy?.answers.filter((row) => !row.jsonEqual)).toEqual([]);
  });

  test('answers as the upstream does in a differential run', async () => {
    const outcome = await run('differential');
    expect(outcome.checks.find((c) => c.id === 'proxy.matches-direct')?.verdict).toBe('pass');
    expect(outcome.proxy?.differences.every((row) => row.verdict === 'pass')).toBe(true);
  });
});
