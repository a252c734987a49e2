/**
 * A proxy run's section in every report: the request fields as a table (what changed one row each, the unchanged
 * ones one row per request), the answers and the differences; hostile text from the target escaped everywhere, and
 * report.json valid against schema.json with its keys in the documented order.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, test } from 'vitest';
import type { ProxyReport, RunReport } from '../src/engine/result.ts';
import { renderHtml } from '../src/report/html.ts';
import { renderJson } from '../src/report/json.ts';
import { renderJunit } from '../src/report/junit.ts';
import schema from '../src/report/schema.json' with { type: 'json' };
import { renderSummary } from '../src/report/summary.ts';
import { renderTerminal } from '../src/report/terminal.ts';
import { sampleReport } from './fixtures/report-sample.ts';

const HOSTILE = '<script>alert(1)</script>';

const proxy: ProxyReport = {
  mode: 'instrumented',
  upstream: 'http://127.0.0.1:8090/v1',
  fields: [
    { probe: 'proxy-request-fields', exchangeId: 3, field: 'temperature', sent: '1.5', received: '1', change: 'changed', verdict: 'fail' },
    { probe: 'proxy-request-fields', exchangeId: 3, field: 'separate_reasoning', sent: 'true', change: 'dropped', verdict: 'fail' },
    {
      probe: 'proxy-request-fields',
      exchangeId: 3,
      field: 'x_gateway',
      received: JSON.stringify(HOSTILE),
      change: 'added',
      verdict: 'warn',
    },
    { probe: 'proxy-request-fields', exchangeId: 3, field: 'model', sent: '"m"', received: '"m"', change: 'unchanged', verdict: 'pass' },
    { probe: 'proxy-request-fields', exchangeId: 3, field: 'messages', sent: '[…]', received: '[…]', change: 'unchanged', verdict: 'pass' },
    {
      probe: 'proxy-request-fields',
      exchangeId: 3,
      field: 'Authorization',
      sent: "the client's key",
      received: "the client's key",
      change: 'unchanged',
      verdict: 'pass',
    },
  ],
  answers: [
    {
      probe: 'proxy-response-stream',
      exchangeId: 4,
      upstream: 'HTTP 200 · 20 events',
      client: 'HTTP 200 · 19 events',
      jsonEqual: false,
      byteEqual: false,
    },
  ],
  differences: [],
};

function proxyReport(): RunReport {
  const report = sampleReport();
  const check = {
    id: 'proxy.request-fidelity',
    area: 'proxy' as const,
    severity: 'high' as const,
    rule: 'r',
    source: 's',
    verdict: 'pass' as const,
    findings: [],
    evaluated: 1,
  };
  return { ...report, checks: [...report.checks, check], proxy };
}

describe('the proxy section', () => {
  test('summary.md: one row per change, one row for what did not change, the answers table', () => {
    const md = renderSummary(proxyReport());
    expect(md).toContain('## Proxy');
    expect(md).toContain('| proxy-request-fields \\#3 | temperature | 1.5 | 1 | ❌ rewritten |');
    expect(md).toContain('| proxy-request-fields \\#3 | separate\\_reasoning | true | — | ❌ dropped |');
    expect(md).toContain('| proxy-request-fields \\#3 | model, messages, Authorization | as sent | as sent | ✅ unchanged |');
    expect(md).toContain('| proxy-response-stream \\#4 | HTTP 200 · 20 events | HTTP 200 · 19 events | ❌ no | no |');
    expect(md).not.toContain(HOSTILE);
    expect(renderSummary(sampleReport())).not.toContain('## Proxy');
  });

  test('report.html and junit.xml carry the same tables, escaped', () => {
    const html = renderHtml(proxyReport());
    expect(html).toContain('<h2 id="proxy">Proxy</h2>');
    expect(html).toContain('<td>separate_reasoning</td>');
    expect(html).not.toContain(HOSTILE);
    const xml = renderJunit(proxyReport());
    expect(xml).toMatch(/<testsuite name="proxy"[^>]*>[\s\S]*<system-out>Proxy run against the instrumented upstream/);
    expect(xml).not.toContain(HOSTILE);
    const terminal = renderTerminal(proxyReport(), { color: false, verbose: false }).replace(/\s+/g, ' ');
    expect(terminal).toContain('3 of 6 request fields changed on the way · 1 of 1 answers differ');
  });

  test('report.json validates, with the proxy section in its documented place and order', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats.default(ajv);
    const json = renderJson(proxyReport());
    const value = JSON.parse(json) as Record<string, unknown>;
    expect(ajv.validate(schema, value), JSON.stringify(ajv.errors)).toBe(true);
    expect(Object.keys(value).slice(-2)).toEqual(['proxy', 'exchanges']);
    expect(Object.keys((value['proxy'] as { fields: object[] }).fields[1]!)).toEqual([
      'probe',
      'exchangeId',
      'field',
      'sent',
      'change',
      'verdict',
    ]);
  });
});
