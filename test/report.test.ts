import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, describe, expect, test } from 'vitest';
import type { Exchange } from '../src/core/exchange.ts';
import { summariseExchange } from '../src/engine/assemble.ts';
import { type CheckResult, GAPS_KEPT, type RunReport } from '../src/engine/result.ts';
import { LATENCY_ROWS_MAX, latencyRows, renderHtml, streamGaps } from '../src/report/html.ts';
import { renderJson } from '../src/report/json.ts';
import { renderJunit } from '../src/report/junit.ts';
import schema from '../src/report/schema.json' with { type: 'json' };
import { renderSummary } from '../src/report/summary.ts';
import { binValues, escapeXml, markup, niceTicks, stripXmlIllegal } from '../src/report/svg.ts';
import { renderProgressLine, renderTerminal, WIDTH } from '../src/report/terminal.ts';
import { runStamp, writeReports } from '../src/report/write.ts';
import { countTotals, FAKE_KEY, sampleReport, sampleReportWithLeakedKey } from './fixtures/report-sample.ts';

const HOSTILE = '<script>alert(1)</script>';

function check(report: RunReport, id: string): CheckResult {
  const found = report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`fixture has no ${id}`);
  return found;
}

/** The report with one more failing check whose finding repeats `times` times as separate records. */
function withRepeatedFinding(times: number): RunReport {
  const report = sampleReport();
  const target = check(report, 'streaming.done-once');
  target.verdict = 'fail';
  target.findings = Array.from({ length: times }, (_, i) => ({
    verdict: 'fail' as const,
    key: 'data-after-done',
    message: 'Received: a data event after [DONE]\nDocumented: nothing follows data: [DONE]',
    occurrences: 1,
    probe: 'stream-basic',
    exchangeId: 40 + i,
    curl: 'curl -sS -N http://127.0.0.1:4010/v1/chat/completions',
  }));
  report.totals = countTotals(report.checks);
  return report;
}

/** A report where everything the target controls is an attack on the renderer. */
function hostileReport(): RunReport {
  const report = sampleReport();
  report.model = `<img src=x onerror=alert(2)>`;
  report.target = `http://127.0.0.1:4010/v1?q="><script>alert(3)</script>`;
  const finding = check(report, 'streaming.done-terminator').findings[0]!;
  finding.message = `Received: ${HOSTILE}\u0000\u001b[2J\u202e\nDocumented: \`\`\`]]> & "quotes" | pipes`;
  finding.received = `HTTP 200 ${HOSTILE}`;
  finding.sent = `{"content":"</pre>${HOSTILE}"}`;
  check(report, 'reasoning.separate').skipReason = `model said ${HOSTILE} | and \`\`\` fences`;
  report.boundaries.push({ param: 'stop', value: `</code>${HOSTILE}`, expected: 'accept', got: '500', verdict: 'fail' });
  const exchange = report.exchanges[0]!;
  exchange.label = HOSTILE;
  exchange.error = `"><script>alert(4)</script>`;
  const comparison = report.comparison!;
  comparison.against.file = `reports/</code>${HOSTILE}.json`;
  comparison.newlyFailing.push(`x.${HOSTILE}`);
  comparison.changed.push({ id: `x.${HOSTILE}`, from: 'not-run', to: 'fail' });
  return report;
}

/** The sample with no verdict changed since the run it is compared with. */
function unchangedReport(): RunReport {
  const report = sampleReport();
  report.comparison = { ...report.comparison!, newlyFailing: [], newlyPassing: [], changed: [] };
  return report;
}

/** The histogram's bars as `[label, count]`, read from their tooltips. */
function histogramBars(html: string): Array<[string, number]> {
  const svg = svgBlocks(html).find((block) => block.includes('class="chart histogram"')) ?? '';
  return [...svg.matchAll(/<title>([^<]+) ms: (\d+) (?:gap|exchange)s?<\/title>/g)].map((m) => [m[1]!, Number(m[2])]);
}

// --- a tiny XML well-formedness checker (enough for junit.xml and inline SVG) ---

const XML_NAME = '[A-Za-z_][\\w:.-]*';
const ENTITY = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9A-Fa-f]+);/g;

function assertCleanCharacterData(text: string, where: string): void {
  if (text.replace(ENTITY, '').includes('&')) throw new Error(`bare & in ${where}: ${text.slice(0, 80)}`);
  if (text.includes('<')) throw new Error(`bare < in ${where}`);
}

/** Throws unless `xml` is one well-formed element tree (no DTD, no CDATA, no processing instructions but the declaration). */
function assertWellFormedXml(xml: string): { elements: string[] } {
  if (stripXmlIllegal(xml) !== xml) throw new Error('contains characters illegal in XML 1.0');
  const token = new RegExp(
    `<!--[\\s\\S]*?-->|<\\/(${XML_NAME})\\s*>|<(${XML_NAME})((?:\\s+${XML_NAME}\\s*=\\s*(?:"[^"]*"|'[^']*'))*)\\s*(\\/?)>|([^<]+)`,
    'y',
  );
  let at = xml.startsWith('<?xml') ? xml.indexOf('?>') + 2 : 0;
  const stack: string[] = [];
  const elements: string[] = [];
  let roots = 0;
  while (at < xml.length) {
    token.lastIndex = at;
    const m = token.exec(xml);
    if (!m) throw new Error(`not well-formed at ${at}: ${xml.slice(at, at + 60)}`);
    at = token.lastIndex;
    const [, close, open, attributes = '', selfClose, text] = m;
    if (close) {
      if (stack.pop() !== close) throw new Error(`mismatched </${close}> at ${at}`);
    } else if (open) {
      if (stack.length === 0) roots += 1;
      elements.push(open);
      const names = [...attributes.matchAll(new RegExp(`(${XML_NAME})\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, 'g'))];
      const seen = new Set<string>();
      for (const [, name = '', dq, sq] of names) {
        if (seen.has(name)) throw new Error(`duplicate attribute ${name} on <${open}>`);
        seen.add(name);
        assertCleanCharacterData(dq ?? sq ?? '', `attribute ${name}`);
      }
      if (!selfClose) stack.push(open);
    } else if (text !== undefined) {
      if (stack.length === 0 && text.trim() !== '') throw new Error('text outside the root element');
      assertCleanCharacterData(text, `<${stack.at(-1)}>`);
    }
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.join('><')}>`);
  if (roots !== 1) throw new Error(`expected one root element, found ${roots}`);
  return { elements };
}

/** A Markdown line with its code spans removed (a backslash-escaped backtick opens none). */
function withoutCodeSpans(line: string): string {
  let out = '';
  for (let i = 0; i < line.length; ) {
    if (line[i] === '\\') {
      out += line.slice(i, i + 2);
      i += 2;
      continue;
    }
    const run = /^`+/.exec(line.slice(i))?.[0];
    if (run) {
      const close = line.indexOf(run, i + run.length);
      if (close !== -1) {
        i = close + run.length;
        continue;
      }
    }
    out += line[i];
    i += 1;
  }
  return out;
}

const svgBlocks = (html: string): string[] => [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0]);

describe('report.json', () => {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats.default(ajv);
  const validate = ajv.compile(schema);

  test('the rendered sample validates against schema.json', () => {
    const value: unknown = JSON.parse(renderJson(sampleReport()));
    expect(validate(value), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  test('an interrupted run validates too', () => {
    const report = sampleReport();
    report.complete = false;
    report.incompleteReason = 'interrupted (SIGINT) during params';
    check(report, 'params.invalid-rejected').verdict = 'not-run';
    const value: unknown = JSON.parse(renderJson(report));
    expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
  });

  test('the schema is strict: an undocumented field or verdict is rejected', () => {
    const extra = JSON.parse(renderJson(sampleReport())) as Record<string, unknown>;
    extra['surprise'] = true;
    expect(validate(extra)).toBe(false);
    const badVerdict = JSON.parse(renderJson(sampleReport())) as { checks: Array<{ verdict: string }> };
    badVerdict.checks[0]!.verdict = 'maybe';
    expect(validate(badVerdict)).toBe(false);
  });

  test('key order is fixed by the format, not by how the report object was built', () => {
    const report = sampleReport();
    const reversed = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(reversed);
      if (value && typeof value === 'object') {
        return Object.fromEntries(
          Object.entries(value)
            .reverse()
            .map(([k, v]) => [k, reversed(v)]),
        );
      }
      return value;
    };
    const text = renderJson(report);
    expect(renderJson(reversed(report) as RunReport)).toBe(text);
    expect(Object.keys(JSON.parse(text) as object).slice(0, 3)).toEqual(['schemaVersion', 'tool', 'target']);
    expect(text.split('\n')[1]).toBe('  "schemaVersion": 1,');
    expect(text.endsWith('}\n')).toBe(true);
  });

  test('a run with no comparison and no kept gaps (an older report) still validates', () => {
    const report = sampleReport();
    delete report.comparison;
    for (const exchange of report.exchanges) delete exchange.gapsMs;
    const value: unknown = JSON.parse(renderJson(report));
    expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
  });

  test('the comparison sits after the budget, and its verdicts and the gap count are constrained', () => {
    const text = renderJson(sampleReport());
    const parsed = JSON.parse(text) as Record<string, unknown>;
    const keys = Object.keys(parsed);
    expect(keys.indexOf('comparison')).toBe(keys.indexOf('budget') + 1);
    expect(Object.keys(parsed['comparison'] as object)).toEqual(['against', 'newlyFailing', 'newlyPassing', 'changed']);
    const badVerdict = structuredClone(parsed) as { comparison: { changed: Array<{ to: string }> } };
    badVerdict.comparison.changed[0]!.to = 'worse';
    expect(validate(badVerdict)).toBe(false);
    const tooManyGaps = structuredClone(parsed) as { exchanges: Array<{ gapsMs?: number[] }> };
    tooManyGaps.exchanges[1]!.gapsMs = Array.from({ length: GAPS_KEPT + 1 }, () => 1);
    expect(validate(tooManyGaps)).toBe(false);
  });

  test('stream gaps are written on one line per exchange', () => {
    const text = renderJson(sampleReport());
    expect(text).toContain('      "gapsMs": [0.4, 3.1, 2.8, 2710],\n');
    expect(text).not.toMatch(/"gapsMs": \[\n/);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(sampleReport())));
  });

  test('undefined optional fields are left out rather than written as null', () => {
    const parsed = JSON.parse(renderJson(sampleReport())) as { checks: Array<Record<string, unknown>> };
    const passing = parsed.checks.find((c) => c['verdict'] === 'pass')!;
    expect(Object.keys(passing)).not.toContain('skipReason');
  });
});

describe('junit.xml', () => {
  test('is well-formed and has one suite per area, one case per check', () => {
    const report = sampleReport();
    const xml = renderJunit(report);
    const { elements } = assertWellFormedXml(xml);
    const areas = new Set(report.checks.map((c) => c.area));
    expect(elements.filter((e) => e === 'testsuite')).toHaveLength(areas.size);
    expect(elements.filter((e) => e === 'testcase')).toHaveLength(report.checks.length);
    expect(xml).toContain('<testcase classname="streaming" name="streaming.done-terminator">');
  });

  test('count attributes agree with the cases inside each suite and with the totals', () => {
    const report = sampleReport();
    const xml = renderJunit(report);
    const suites = [...xml.matchAll(/<testsuite (name="([^"]+)"[^>]*)>([\s\S]*?)<\/testsuite>/g)];
    expect(suites.length).toBeGreaterThan(0);
    for (const [, head = '', area, body = ''] of suites) {
      const attr = (name: string): number => Number(new RegExp(`${name}="(\\d+)"`).exec(head)?.[1]);
      const inArea = report.checks.filter((c) => c.area === area);
      expect(attr('tests')).toBe((body.match(/<testcase /g) ?? []).length);
      expect(attr('tests')).toBe(inArea.length);
      expect(attr('failures')).toBe((body.match(/<failure /g) ?? []).length);
      expect(attr('skipped')).toBe((body.match(/<skipped /g) ?? []).length);
    }
    const root = /<testsuites [^>]*>/.exec(xml)?.[0] ?? '';
    expect(root).toContain(`tests="${report.checks.length}"`);
    expect(root).toContain(`failures="${report.totals.fail}"`);
    expect(root).toContain(`skipped="${report.totals.skip + report.totals['not-run']}"`);
    expect(root).toContain('time="72.480"');
  });

  test('a failure carries the finding, its excerpt, curl and replay; a warning passes with <system-out>', () => {
    const xml = renderJunit(sampleReport());
    const property = /<testcase classname="params" name="params.valid-accepted">([\s\S]*?)<\/testcase>/.exec(xml)?.[1] ?? '';
    expect(property).toMatch(/<failure message="Received: HTTP 400 [^"]*" type="high">/);
    expect(property).toContain('Reproduce with:');
    expect(property).toContain('Replay with: npx chat-conformance run --target=');
    expect(property).toContain('path 17:3:0');
    const warned = /<testcase classname="usage" name="usage.null-elsewhere">([\s\S]*?)<\/testcase>/.exec(xml)?.[1] ?? '';
    expect(warned).not.toContain('<failure');
    expect(warned).toContain('<system-out>');
    expect(warned).toContain('conflict usage-null-vs-absent');
    expect(xml).toContain('<skipped message="not run: filtered out by --skip=semantics.seed-determinism"/>');
  });

  test('hostile text is escaped and characters illegal in XML are stripped', () => {
    const xml = renderJunit(hostileReport());
    assertWellFormedXml(xml);
    expect(xml).not.toContain('<script>');
    expect(xml).not.toContain('\u0000');
    expect(xml).not.toContain('\u001b');
    expect(xml).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    // Line breaks inside attributes are kept as references, or parsers turn them into spaces.
    expect(xml).toMatch(/<skipped message="model said [^"]*"\/>/);
  });
});

describe('summary.md', () => {
  test('has the verdict line, the area table and every section', () => {
    const md = renderSummary(sampleReport());
    const [heading, , verdict] = md.split('\n');
    expect(heading).toBe('# chat-conformance ❌');
    expect(verdict).toMatch(/^❌ 5 failing checks · 3 warnings · 44 passed · 5 skipped · 1 not run — target https:/);
    expect(verdict).toContain('profile documented, depth standard, seed 42');
    for (const section of [
      '## Checks by area',
      '## Failures (5)',
      '## Warnings and observations',
      '## Skipped (5)',
      '## Not run (1)',
      '## Parameter boundaries',
      '## Budget',
    ]) {
      expect(md).toContain(section);
    }
    expect(md).toContain('| streaming | 11 | 2 | 1 | 0 | 0 |');
    expect(md).toContain('Reproduce with:');
    expect(md).toContain('Replay with (seed 42, path `17:3:0`)');
    expect(md).toContain('- Requests: 37 / 150');
    expect(md).toContain('Skipped checks are not counted as passes.');
  });

  test('says what changed since the previous run: newly failing with rules, then now passing, then the rest', () => {
    const md = renderSummary(sampleReport());
    const section = md.slice(md.indexOf('## Since the previous run'), md.indexOf('## Checks by area'));
    expect(md.indexOf('## Since the previous run')).toBeGreaterThan(md.indexOf('❌ 5 failing checks'));
    expect(section).toContain('Compared with the run of 2026-11-22T06:34:00.000Z (seed 42), read from `reports/latest/report.json`.');
    const order = ['### ❌ Newly failing (2)', '### ✅ Now passing (1)', '### Other verdict changes (2)'].map((h) => section.indexOf(h));
    expect(order.every((at) => at > 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(section).toContain(
      '| `schema.created-seconds` | pass | medium | \\`created\\` is Unix seconds (within a day of now), not milliseconds |',
    );
    expect(section).toContain('- `usage.totals-add-up` (failed before)');
    expect(section).toContain('| `errors.param-named` | pass | warn |');
    expect(section).toContain('| `semantics.seed-determinism` | pass | not-run |');
    expect(section).not.toContain('| `usage.totals-add-up` | fail | pass |');
  });

  test('a comparison with no change says so; a run with no comparison has no such section', () => {
    expect(renderSummary(unchangedReport())).toContain(
      '## Since the previous run\n\nCompared with the run of 2026-11-22T06:34:00.000Z (seed 42), read from `reports/latest/report.json`.\n\nNo check changed its verdict.\n',
    );
    const report = sampleReport();
    delete report.comparison;
    expect(renderSummary(report)).not.toContain('Since the previous run');
  });

  test('an incomplete run says so before anything else', () => {
    const report = sampleReport();
    report.complete = false;
    report.incompleteReason = 'request budget exhausted in params';
    const lines = renderSummary(report).split('\n');
    expect(lines[2]).toMatch(/^> ⚠️ \*\*Incomplete run: request budget exhausted in params\./);
  });

  test('target text cannot break out of fences or tables', () => {
    const md = renderSummary(hostileReport());
    // Fences and code spans show text literally; everywhere else no tag may survive.
    const prose = md
      .replace(/^(`{3,})[^\n]*\n[\s\S]*?\n\1$/gm, '')
      .split('\n')
      .map(withoutCodeSpans)
      .join('\n');
    expect(prose).toContain('Reproduce with:');
    expect(prose).not.toMatch(/(?<!\\)<(script|img|\/code)/);
    const boundaryRow = md.split('\n').find((line) => line.startsWith('| `stop`')) ?? '';
    expect(boundaryRow.split(/(?<!\\)\|/)).toHaveLength(8);
    // The message holds a ``` run, so its fence must be longer.
    expect(md).toContain('````text\nReceived: ');
    const skipRow = md.split('\n').find((line) => line.startsWith('| `reasoning.separate`')) ?? '';
    expect(skipRow.split(/(?<!\\)\|/)).toHaveLength(4);
  });

  test('matches the stored summary of the sample run', async () => {
    await expect(renderSummary(sampleReport())).toMatchFileSnapshot('./__snapshots__/report-summary.md');
  });
});

describe('report.html', () => {
  test('is one self-contained page with the matrix and latency pictures', () => {
    const html = renderHtml(sampleReport());
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    const svgs = svgBlocks(html);
    expect(svgs.map((svg) => /class="chart (\w+)"/.exec(svg)?.[1])).toEqual(['matrix', 'latency', 'histogram']);
    for (const svg of svgs) assertWellFormedXml(svg);
    const matrix = svgs[0]!;
    expect((matrix.match(/<rect /g) ?? []).length).toBeGreaterThanOrEqual(sampleReport().checks.length);
    expect(matrix).toContain('<title>streaming.done-terminator — fail');
    expect(matrix).toContain('href="#check-streaming.done-terminator"');
    expect(html).toContain('id="check-streaming.done-terminator"');
    // No network: no scripts, stylesheets, fonts or images from anywhere.
    expect(html).not.toMatch(/<script|<link|@import|url\(|src=/i);
    expect(html).toContain(`Content-Security-Policy`);
  });

  test('chart geometry stays inside each picture', () => {
    for (const svg of svgBlocks(renderHtml(sampleReport()))) {
      const [, w = '0', h = '0'] = /viewBox="0 0 ([\d.]+) ([\d.]+)"/.exec(svg) ?? [];
      for (const [, x, y, width, height] of svg.matchAll(/<rect x="([\d.-]+)" y="([\d.-]+)" width="([\d.-]+)" height="([\d.-]+)"/g)) {
        expect(Number(x)).toBeGreaterThanOrEqual(0);
        expect(Number(y)).toBeGreaterThanOrEqual(0);
        expect(Number(x) + Number(width)).toBeLessThanOrEqual(Number(w));
        expect(Number(y) + Number(height)).toBeLessThanOrEqual(Number(h));
      }
    }
  });

  test('shows findings with excerpts, reproduction lines and the boundary table', () => {
    const html = renderHtml(sampleReport());
    expect(html).toContain('Reproduce with:');
    expect(html).toContain('curl -sS -N https://llm-gateway.internal.example/openai/v1/chat/completions');
    expect(html).toContain('Replay with (seed 42');
    expect(html).toContain('49 occurrences');
    expect(html).toContain('<h2 id="boundaries">Parameter boundaries</h2>');
    expect(html).toContain('<code>presence_penalty</code>');
  });

  test('escapes every string that came from the target', () => {
    const html = renderHtml(hostileReport());
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(2)&gt;');
    expect(html).toContain('read from <code>reports/&lt;/code&gt;&lt;script&gt;');
    expect(html).not.toContain('\u0000');
    for (const svg of svgBlocks(html)) assertWellFormedXml(svg);
  });

  test('shows what changed since the previous run', () => {
    const html = renderHtml(sampleReport());
    const section = html.slice(html.indexOf('<h2 id="changes">'), html.indexOf('<h2 id="matrix">'));
    expect(section).toContain('Since the previous run');
    expect(section).toContain('read from <code>reports/latest/report.json</code>');
    expect(section).toContain('<h3 class="fail">Newly failing (2)</h3>');
    expect(section).toContain(
      '<li><code class="fail">params.boundary-accepted</code> — each documented edge value is accepted <span class="muted">(was pass)</span></li>',
    );
    expect(section).toContain('<h3 class="pass">Now passing (1)</h3>');
    expect(section).toContain('<code>errors.param-named</code>: <span class="pass">pass</span> → <span class="warn">warn</span>');
    expect(renderHtml(unchangedReport())).toContain('No check changed its verdict.');
    const report = sampleReport();
    delete report.comparison;
    expect(renderHtml(report)).not.toContain('id="changes"');
  });

  test('the gap histogram counts every gap between stream reads', () => {
    const report = sampleReport();
    const gaps = report.exchanges.flatMap((e) => e.gapsMs ?? []);
    const streams = report.exchanges.filter((e) => e.gapsMs !== undefined);
    expect(gaps.length).toBeGreaterThan(streams.length * 8);
    expect(streamGaps(report.exchanges)).toEqual(gaps);
    const html = renderHtml(report);
    const bars = histogramBars(html);
    expect(bars.reduce((n, [, count]) => n + count, 0)).toBe(gaps.length);
    const small = gaps.filter((g) => g < 1).length;
    expect(bars[0]).toEqual(['0–1', small]);
    expect(html).toContain(`${gaps.length} gaps in ${streams.length} exchanges with more than one read`);
  });

  test('an older report without every gap falls back to the largest gap of each exchange', () => {
    const report = sampleReport();
    for (const exchange of report.exchanges) delete exchange.gapsMs;
    const withGaps = report.exchanges.filter((e) => e.maxGapMs !== undefined);
    const html = renderHtml(report);
    expect(histogramBars(html).reduce((n, [, count]) => n + count, 0)).toBe(withGaps.length);
    expect(html).toContain('Histogram of the largest gap between body reads, per exchange');
    expect(html).toContain(`(${withGaps.length} exchanges with more than one read; this report does not keep every gap)`);
  });

  test('a long run keeps the slowest exchanges in the latency chart, in run order', () => {
    const many = Array.from({ length: LATENCY_ROWS_MAX + 100 }, (_, i) => ({
      id: i + 1,
      label: 'params-valid',
      method: 'POST',
      url: 'http://127.0.0.1:4010/v1/chat/completions',
      status: 200,
      totalMs: (i * 7919) % 1000,
      bytes: 10,
      retries: 0,
    }));
    const rows = latencyRows(many);
    expect(rows).toHaveLength(LATENCY_ROWS_MAX);
    const kept = rows.map((r) => Number(/^#(\d+)/.exec(r.label)?.[1]));
    expect(kept).toEqual([...kept].sort((a, b) => a - b));
    const slowestDropped = Math.max(...many.filter((e) => !kept.includes(e.id)).map((e) => e.totalMs));
    expect(Math.min(...rows.map((r) => r.totalMs))).toBeGreaterThanOrEqual(slowestDropped);
  });

  test('says when nothing was exchanged instead of drawing an empty chart', () => {
    const report = sampleReport();
    report.exchanges = [];
    const html = renderHtml(report);
    expect(html).toContain('No exchanges were recorded.');
    expect(svgBlocks(html)).toHaveLength(1);
  });
});

describe('terminal', () => {
  test('groups repeated findings into one entry with a count', () => {
    const text = renderTerminal(withRepeatedFinding(37), { color: false });
    const block = text.slice(text.indexOf('✗ streaming.done-once'));
    expect(block).toMatch(/^✗ streaming.done-once — .*\n {2}high · 37 occurrences · probe stream-basic · exchange #40\n/);
    expect(text.match(/a data event after \[DONE\]/g)).toHaveLength(1);
  });

  test('prints each failing check with rule, source, message, excerpts and reproduction', () => {
    const text = renderTerminal(sampleReport(), { color: false, reportsAt: 'reports/2026-11-23T06-34-00Z-42' });
    expect(text).toContain('✗ streaming.done-terminator — the stream ends with `data: [DONE]` (000_96bde8db4d236014.txt)');
    expect(text).toContain('  Received: stream closed after the finish chunk without data: [DONE]');
    expect(text).toContain('  Documented: the stream is terminated by a data: [DONE] message');
    expect(text).toMatch(/\n {2}Sent: \{"model"/);
    expect(text).toMatch(/\n {2}Got: {2}HTTP 200 text\/event-stream/);
    expect(text).toContain('  Reproduce with:\n    curl -sS -N https://');
    expect(text).toContain('  Replay with: npx chat-conformance run --target=');
    // The two `/id` records of streaming.stable-identity are one problem.
    expect(text).toContain('[1] 49 occurrences · probe stream-basic · exchange #7 · at /id');
    expect(text).toContain('! usage.null-elsewhere (41 occurrences, conflict usage-null-vs-absent)');
    expect(text).toContain('Skipped, not counted as passes (5)');
    expect(text).toContain('  logprobs.*: logprobs:true');
    expect(text.trimEnd().split('\n').at(-2)).toBe(
      '✗ 5 failing checks · 3 warnings · 44 passed · 5 skipped · 1 not run · 37/150 requests · 1 retry',
    );
    expect(text.trimEnd().split('\n').at(-1)).toBe('  reports in reports/2026-11-23T06-34-00Z-42');
  });

  test('stays within 100 columns except for lines meant to be pasted', () => {
    const lines = renderTerminal(sampleReport(), { color: false }).split('\n');
    const long = lines.filter((line) => [...line].length > WIDTH);
    expect(long.length).toBeGreaterThan(0);
    for (const line of long) expect(line).toMatch(/^\s*(curl |Replay with: )/);
  });

  test('colour only when asked', () => {
    const plain = renderTerminal(sampleReport(), { color: false });
    const coloured = renderTerminal(sampleReport(), { color: true });
    expect(plain).not.toContain('\u001b[');
    expect(coloured).toContain('\u001b[31m✗\u001b[0m');
    expect(coloured.replace(new RegExp(`${String.fromCharCode(27)}\\[\\d+m`, 'g'), '')).toBe(plain);
  });

  test('neutralises terminal escape sequences from the target', () => {
    const text = renderTerminal(hostileReport(), { color: false });
    expect(text).not.toContain('\u001b');
    expect(text).not.toContain('\u202e');
    expect(text).toContain('\\x1b[2J');
  });

  test('verbose shows every finding in full and lists passed checks', () => {
    const text = renderTerminal(withRepeatedFinding(1), { color: false, verbose: true });
    expect(text).toContain('Passed (43)');
    expect(text).toContain('"finish_reason":"stop"}]}\n');
  });

  test('an incomplete run is flagged at the top and next to the counts', () => {
    const report = sampleReport();
    report.complete = false;
    report.incompleteReason = 'interrupted (SIGINT)';
    const lines = renderTerminal(report, { color: false }).trimEnd().split('\n');
    expect(lines[3]).toBe('⚠ Incomplete run: interrupted (SIGINT). Checks that did not run are listed as not run, never as');
    expect(lines.at(-3)).toBe('⚠ INCOMPLETE: interrupted (SIGINT)');
  });

  test('names the verdict changes since the previous run just before the closing line', () => {
    const blocks = renderTerminal(sampleReport(), { color: false, reportsAt: 'reports/x' }).trimEnd().split('\n\n');
    expect(blocks.at(-1)).toMatch(/^✗ 5 failing checks/);
    expect(blocks.at(-2)).toBe(
      'Since 2026-11-22T06:34Z (seed 42): 2 newly failing (schema.created-seconds,\n' +
        '  params.boundary-accepted) · 1 now passing (usage.totals-add-up) · 2 other verdict changes',
    );
    const unchanged = renderTerminal(unchangedReport(), { color: true });
    expect(unchanged).toContain('\u001b[2mSince 2026-11-22T06:34Z (seed 42): no check changed its verdict\u001b[0m');
    expect(renderTerminal(sampleReport(), { color: true })).toContain('\u001b[31mSince 2026-11-22T06:34Z');
    const report = sampleReport();
    delete report.comparison;
    expect(renderTerminal(report, { color: false })).not.toContain('Since ');
  });

  test('a long list of changes names a few checks and counts the rest', () => {
    const report = sampleReport();
    const failing = report.checks.slice(0, 9).map((c) => c.id);
    report.comparison = {
      ...report.comparison!,
      newlyFailing: failing,
      newlyPassing: [],
      changed: failing.map((id) => ({ id, from: 'pass' as const, to: 'fail' as const })),
    };
    const block = renderTerminal(report, { color: false }).trimEnd().split('\n\n').at(-2) ?? '';
    expect(block.split('\n').length).toBeLessThanOrEqual(2);
    for (const line of block.split('\n')) expect([...line].length).toBeLessThanOrEqual(WIDTH);
    expect(block.replace(/\n {2}/g, ' ')).toBe(
      `Since 2026-11-22T06:34Z (seed 42): 9 newly failing (${failing.slice(0, 4).join(', ')}, +5 more)`,
    );
  });

  test('progress lines are short and carry the verdict glyph', () => {
    expect(renderProgressLine('streaming', 'streaming.done-terminator', 'pass')).toBe('  ✓ streaming.done-terminator');
    expect(renderProgressLine('usage', 'usage.chunk-present', 'fail')).toBe('  ✗ usage.chunk-present');
    expect(renderProgressLine('auth', 'auth.missing-key', 'skip', true)).toBe('  \u001b[2m○\u001b[0m auth.missing-key');
  });

  test('matches the stored terminal output of the sample run', async () => {
    const text = renderTerminal(sampleReport(), { color: false, reportsAt: 'reports/2026-11-23T06-34-00Z-42' });
    await expect(text).toMatchFileSnapshot('./__snapshots__/report-terminal.txt');
  });
});

describe('exchange summaries', () => {
  function streamed(gaps: number[]): Exchange {
    return {
      id: 3,
      label: 'stream-basic',
      request: { method: 'POST', url: 'http://127.0.0.1:4010/v1/chat/completions', headers: {} },
      response: { status: 200, headers: {}, bodyBytes: gaps.length + 1, excerpt: '' },
      reads: Array.from({ length: gaps.length + 1 }, (_, i) => ({ atMs: i, bytes: new Uint8Array(1) })),
      timings: { headersMs: 10.26, firstByteMs: 12.7, totalMs: 480.4, gapsMs: gaps },
      retries: [],
    };
  }

  test('keep the first gaps at 0.1 ms, and the largest of all of them', () => {
    const gaps = Array.from({ length: GAPS_KEPT + 50 }, (_, i) => 1.2345 + (i % 7));
    gaps[GAPS_KEPT + 10] = 912.76;
    const summary = summariseExchange(streamed(gaps));
    expect(summary.gapsMs).toHaveLength(GAPS_KEPT);
    expect(summary.gapsMs!.slice(0, 3)).toEqual([1.2, 2.2, 3.2]);
    expect(summary.maxGapMs).toBe(913);
    expect(summary.bytes).toBe(GAPS_KEPT + 51);
  });

  test('a body read at once has no gaps', () => {
    const summary = summariseExchange(streamed([]));
    expect(summary).not.toHaveProperty('gapsMs');
    expect(summary).not.toHaveProperty('maxGapMs');
  });
});

describe('secrets', () => {
  const renderers: Record<string, (r: RunReport, secrets: string[]) => string> = {
    json: (r, secrets) => renderJson(r, { secrets }),
    junit: (r, secrets) => renderJunit(r, { secrets }),
    summary: (r, secrets) => renderSummary(r, { secrets }),
    html: (r, secrets) => renderHtml(r, { secrets }),
    terminal: (r, secrets) => renderTerminal(r, { color: true, verbose: true, secrets }),
  };

  test.each(Object.keys(renderers))('%s output never shows a known key', (name) => {
    const output = renderers[name]!(sampleReportWithLeakedKey(), [FAKE_KEY]);
    expect(output).not.toContain(FAKE_KEY);
    expect(output).not.toContain(FAKE_KEY.slice(8));
    expect(output).toContain('[REDACTED]');
  });
});

describe('writeReports', () => {
  const dirs: string[] = [];
  const tempDir = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'cc-report-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  const FILES = ['junit.xml', 'report.html', 'report.json', 'summary.md'];

  test('names the run folder after the start time and seed', () => {
    expect(runStamp('2026-11-23T06:34:00.000Z')).toBe('2026-11-23T06-34-00Z');
    expect(runStamp('2026-11-23T07:34:00.5+01:00')).toBe('2026-11-23T06-34-00Z');
  });

  test('creates the report folder, the run folder and latest/', async () => {
    const reportDir = join(await tempDir(), 'nested', 'reports');
    const written = await writeReports(sampleReport(), reportDir);
    expect(written.runDir).toBe(join(reportDir, '2026-11-23T06-34-00Z-42'));
    expect(written.files.map((f) => f.slice(written.runDir.length + 1)).sort()).toEqual(FILES);
    expect((await readdir(written.runDir)).sort()).toEqual(FILES);
    expect((await readdir(join(reportDir, 'latest'))).sort()).toEqual(FILES);
    const json = await readFile(join(written.runDir, 'report.json'), 'utf8');
    expect(await readFile(join(reportDir, 'latest', 'report.json'), 'utf8')).toBe(json);
    expect(json).toBe(renderJson(sampleReport()));
    expect((await readdir(reportDir)).sort()).toEqual(['2026-11-23T06-34-00Z-42', 'latest']);
  });

  test('replaces a non-empty latest/ with the newest run and leaves no temporary folders', async () => {
    const reportDir = await tempDir();
    await mkdir(join(reportDir, 'latest'));
    await writeFile(join(reportDir, 'latest', 'stale.txt'), 'from an older run');
    await writeReports(sampleReport(), reportDir);
    const second = sampleReport();
    second.seed = 7;
    second.startedAt = '2026-11-23T07:00:00.000Z';
    await writeReports(second, reportDir);
    expect((await readdir(join(reportDir, 'latest'))).sort()).toEqual(FILES);
    expect(await readFile(join(reportDir, 'latest', 'report.json'), 'utf8')).toContain('"seed": 7,');
    expect((await readdir(reportDir)).sort()).toEqual(['2026-11-23T06-34-00Z-42', '2026-11-23T07-00-00Z-7', 'latest']);
  });

  test('writes an interrupted run', async () => {
    const reportDir = await tempDir();
    const report = sampleReport();
    report.complete = false;
    report.incompleteReason = 'interrupted (SIGINT)';
    report.checks.slice(20).forEach((c) => {
      c.verdict = 'not-run';
      c.findings = [];
    });
    report.totals = countTotals(report.checks);
    const written = await writeReports(report, reportDir);
    expect(await readFile(join(written.runDir, 'summary.md'), 'utf8')).toContain('Incomplete run: interrupted (SIGINT)');
  });

  test('no written file shows a known key', async () => {
    const reportDir = await tempDir();
    const written = await writeReports(sampleReportWithLeakedKey(), reportDir, { secrets: [FAKE_KEY] });
    for (const dir of [written.runDir, join(reportDir, 'latest')]) {
      for (const file of FILES) expect(await readFile(join(dir, file), 'utf8')).not.toContain(FAKE_KEY);
    }
  });
});

describe('svg helpers', () => {
  test('markup escapes interpolated strings and keeps nested markup', () => {
    const inner = markup`<b>${'<i>'}</b>`;
    expect(markup`<p title="${'"x"'}">${inner}${['a&', 'b']}${undefined}${0}</p>`.value).toBe(
      '<p title="&quot;x&quot;"><b>&lt;i&gt;</b>a&amp;b0</p>',
    );
    expect(escapeXml("'\u0001\uFFFE\uD800ok")).toBe('&#39;ok');
  });

  test('ticks are round and cover the maximum', () => {
    expect(niceTicks(2950)).toEqual([0, 1000, 2000, 3000]);
    expect(niceTicks(7)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(0)).toEqual([0, 1]);
    expect(niceTicks(0.7)).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
    expect(niceTicks(1000)).toEqual([0, 200, 400, 600, 800, 1000]);
  });

  test('values fall into half-open bins, the last one open-ended', () => {
    const bins = binValues([0, 0.5, 1, 4.9, 5, 99, 1e6, Number.NaN], [0, 1, 5, 100]);
    expect(bins.map((b) => b.count)).toEqual([2, 2, 2, 1]);
    expect(bins.at(-1)?.to).toBe(Infinity);
  });
});
