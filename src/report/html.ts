/**
 * report.html: one self-contained page (inline CSS and SVG, no scripts, no network) with the run's facts,
 * the pass/fail matrix, the latency pictures, the findings with reproduction lines and the boundary table.
 * All text goes through the `markup` template, which escapes by default: most of it comes from the target.
 */
import {
  type BoundaryRow,
  type CheckResult,
  type ExchangeSummary,
  type FindingRecord,
  GAPS_KEPT,
  type RunReport,
} from '../engine/result.ts';
import { type RenderOptions, redactOutput, redactReport } from './json.ts';
import { proxyHeadline, proxyTables } from './proxy.ts';
import {
  budgetLines,
  checksByArea,
  countByArea,
  countedFindings,
  countsPhrase,
  findingFacts,
  incompleteNotice,
  observations,
  oneLine,
  otherChanges,
  VERDICT_ORDER,
  verdictMark,
} from './summary.ts';
import {
  binValues,
  formatMs,
  GAP_EDGES_MS,
  histogramSvg,
  type LatencyRow,
  latencySvg,
  type Markup,
  type MatrixRow,
  markup,
  matrixSvg,
  raw,
  VERDICT_STYLE,
} from './svg.ts';

/** Beyond this many exchanges the latency chart keeps the slowest, so the page stays usable. */
export const LATENCY_ROWS_MAX = 300;

export const REPORT_STYLE = `
:root { color-scheme: light; --fail: #c62828; --warn: #f9a825; --pass: #2e7d32; --muted: #616161; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto; max-width: 1100px; padding: 24px; color: #212121; }
h1 { font-size: 22px; margin: 0 0 8px; }
h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 1px solid #e0e0e0; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 4px; }
code, pre, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12.5px; }
pre { background: #f5f5f5; border: 1px solid #e0e0e0; border-radius: 4px; padding: 8px 10px; white-space: pre-wrap; overflow-wrap: anywhere; margin: 4px 0 8px; }
.verdict { font-size: 16px; font-weight: 600; margin: 8px 0 16px; }
.banner { background: #fff8e1; border: 1px solid var(--warn); border-radius: 4px; padding: 8px 12px; margin: 12px 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #e0e0e0; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #fafafa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.fail { color: var(--fail); } .warn { color: #8d6e00; } .pass { color: var(--pass); } .muted, .skip { color: var(--muted); }
.check { border-left: 4px solid var(--fail); padding: 2px 0 2px 12px; margin: 16px 0; }
.finding { margin: 8px 0 16px; }
.facts-line { color: var(--muted); font-size: 13px; }
.chart { display: block; margin: 8px 0; max-width: 100%; height: auto; }
.chart .lbl { font: 11px system-ui, sans-serif; fill: #424242; }
.chart .lbl.small { font-size: 9.5px; }
.chart .lbl.mono { font-family: ui-monospace, Menlo, Consolas, monospace; }
.chart .lbl.err { fill: var(--fail); }
.chart .glyph { font: bold 12px system-ui, sans-serif; }
.chart .grid { stroke: #eeeeee; stroke-width: 1; }
.chart .row:hover rect { opacity: 0.8; }
details summary { cursor: pointer; color: #1565c0; }
`;

/** A fragment id safe in any context, stable for a check id. */
export const checkAnchor = (id: string): string => `check-${id.replace(/[^A-Za-z0-9._-]/g, '_')}`;

function factsList(report: RunReport): Markup {
  const facts: Array<[string, string]> = [
    ['Target', report.embedded ? `${report.target} (embedded reference)` : report.target],
    ['Model', report.model],
    ['Profile', report.profile],
    ['Depth', report.depth],
    ['Seed', String(report.seed)],
    ...budgetLines(report).map((line): [string, string] => {
      const at = line.indexOf(': ');
      return [line.slice(0, at), line.slice(at + 2)];
    }),
    ['Exit code', String(report.exitCode)],
    ['Tool', `${report.tool.name} ${report.tool.version} (report schema ${report.schemaVersion})`],
  ];
  return markup`<dl class="facts">${facts.map(([k, v]) => markup`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`;
}

function areaTable(report: RunReport): Markup {
  const rows = countByArea(report.checks);
  const head = VERDICT_ORDER.map((v) => markup`<th>${VERDICT_STYLE[v].label}</th>`);
  const body = rows.map((row) => markup`<tr><td>${row.area}</td>${VERDICT_ORDER.map((v) => markup`<td class="num">${row[v]}</td>`)}</tr>`);
  return markup`<table><thead><tr><th>Area</th>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function cellTitle(check: CheckResult): string {
  const findings = countedFindings(check);
  const lines = [`${check.id} — ${VERDICT_STYLE[check.verdict].label}`, check.rule];
  if (check.skipReason) lines.push(`Reason: ${check.skipReason}`);
  const first = findings[0];
  if (first) lines.push(oneLine(first.message));
  if (findings.length > 1) lines.push(`(${findings.length} distinct findings)`);
  return lines.join('\n');
}

export function matrixRows(checks: readonly CheckResult[]): MatrixRow[] {
  return checksByArea(checks).map(({ area, checks: inArea }) => ({
    area,
    cells: inArea.map((check) => ({
      id: check.id,
      verdict: check.verdict,
      title: cellTitle(check),
      ...(check.findings.length > 0 ? { href: `#${checkAnchor(check.id)}` } : {}),
    })),
  }));
}

function exchangeTitle(e: ExchangeSummary): string {
  const parts = [`#${e.id} ${e.label}`, `${e.method} ${e.url}`, e.status !== undefined ? `HTTP ${e.status}` : 'no response'];
  if (e.error) parts.push(`error: ${e.error}`);
  if (e.headersMs !== undefined) parts.push(`headers ${formatMs(e.headersMs)}`);
  if (e.firstByteMs !== undefined) parts.push(`first byte ${formatMs(e.firstByteMs)}`);
  parts.push(`total ${formatMs(e.totalMs)}`);
  if (e.maxGapMs !== undefined) parts.push(`largest gap ${formatMs(e.maxGapMs)}`);
  parts.push(`${e.bytes} bytes`);
  if (e.retries > 0) parts.push(`${e.retries} retries`);
  return parts.join('\n');
}

/** The exchanges the latency chart shows: all of them, or the slowest ones kept in run order. */
export function latencyRows(exchanges: readonly ExchangeSummary[], max = LATENCY_ROWS_MAX): LatencyRow[] {
  const kept =
    exchanges.length <= max
      ? [...exchanges]
      : [...exchanges]
          .sort((a, b) => b.totalMs - a.totalMs)
          .slice(0, max)
          .sort((a, b) => a.id - b.id);
  return kept.map((e) => ({
    label: `#${e.id} ${e.label}`,
    ...(e.headersMs !== undefined ? { headersMs: e.headersMs } : {}),
    ...(e.firstByteMs !== undefined ? { firstByteMs: e.firstByteMs } : {}),
    totalMs: e.totalMs,
    ...(e.error !== undefined ? { error: e.error } : {}),
    title: exchangeTitle(e),
  }));
}

/** Every recorded gap between body reads; reports written before gaps were kept give one value per exchange. */
export function streamGaps(exchanges: readonly ExchangeSummary[]): number[] {
  return exchanges.flatMap((e) => e.gapsMs ?? (e.maxGapMs !== undefined ? [e.maxGapMs] : []));
}

function latencySection(exchanges: readonly ExchangeSummary[]): Markup {
  if (exchanges.length === 0) return markup`<h2 id="latency">Latency</h2><p class="muted">No exchanges were recorded.</p>`;
  const rows = latencyRows(exchanges);
  const note =
    rows.length < exchanges.length ? markup`<p class="muted">Showing the ${rows.length} slowest of ${exchanges.length} exchanges.</p>` : '';
  const gaps = streamGaps(exchanges);
  const read = exchanges.filter((e) => e.gapsMs !== undefined || e.maxGapMs !== undefined).length;
  // Reports from before every gap was kept carry only each exchange's largest one.
  const largestOnly = exchanges.some((e) => e.gapsMs === undefined && e.maxGapMs !== undefined);
  const histogram =
    gaps.length === 0
      ? markup`<p class="muted">No exchange had more than one body read.</p>`
      : largestOnly
        ? histogramSvg(binValues(gaps, GAP_EDGES_MS), 'Histogram of the largest gap between body reads, per exchange', 'exchange')
        : histogramSvg(binValues(gaps, GAP_EDGES_MS), 'Histogram of the gaps between consecutive body reads', 'gap');
  const caption = largestOnly
    ? markup`Largest silence between consecutive body reads of each exchange (${read} exchanges with more than one read; this report does not keep every gap).`
    : markup`Every silence between consecutive body reads (${gaps.length} gaps in ${read} exchanges with more than one read; at most the first ${GAPS_KEPT} of each).`;
  return markup`<h2 id="latency">Latency</h2>
<p>Each bar is one exchange: time to response headers, then to the first body byte, then to the end. Hover a bar for details.</p>
${note}${latencySvg(rows)}
<h3>Gaps between stream reads</h3>
<p>${caption}</p>
${histogram}`;
}

function comparisonSection(report: RunReport): Markup {
  const comparison = report.comparison;
  if (!comparison) return markup``;
  const rule = (id: string): string => report.checks.find((c) => c.id === id)?.rule ?? '';
  const was = new Map(comparison.changed.map((c) => [c.id, c.from]));
  const failing = comparison.newlyFailing.map(
    (id) => markup`<li><code class="fail">${id}</code> — ${rule(id)} <span class="muted">(was ${was.get(id) ?? 'not-run'})</span></li>`,
  );
  const passing = comparison.newlyPassing.map(
    (id) => markup`<li><code class="pass">${id}</code> <span class="muted">(failed before)</span></li>`,
  );
  const others = otherChanges(comparison).map(
    (c) => markup`<li><code>${c.id}</code>: <span class="${c.from}">${c.from}</span> → <span class="${c.to}">${c.to}</span></li>`,
  );
  return markup`<h2 id="changes">Since the previous run</h2>
<p>Compared with the run of ${comparison.against.startedAt} (seed ${comparison.against.seed}), read from <code>${comparison.against.file}</code>.</p>
${comparison.changed.length === 0 ? markup`<p class="muted">No check changed its verdict.</p>` : ''}
${failing.length > 0 ? markup`<h3 class="fail">Newly failing (${failing.length})</h3><ul>${failing}</ul>` : ''}
${passing.length > 0 ? markup`<h3 class="pass">Now passing (${passing.length})</h3><ul>${passing}</ul>` : ''}
${others.length > 0 ? markup`<h3>Other verdict changes (${others.length})</h3><ul>${others}</ul>` : ''}`;
}

function expectationsSection(report: RunReport): Markup {
  const outcome = report.expectations;
  if (!outcome) return markup``;
  const list = (ids: readonly string[], cls: string): Markup =>
    markup`<ul>${ids.map((id) => markup`<li><code class="${cls}">${id}</code></li>`)}</ul>`;
  const unexpected = outcome.unexpected.map(
    (u) =>
      markup`<li><code class="fail">${u.id}</code> <span class="muted">(${u.expected === 'unlisted' ? 'not listed' : `expected ${u.expected}`})</span></li>`,
  );
  return markup`<h2 id="expectations">Against expectations</h2>
<p>Judged against <code>${outcome.file}</code>: only unexpected failures set the exit code.</p>
${unexpected.length > 0 ? markup`<h3 class="fail">Unexpected failures (${unexpected.length})</h3><ul>${unexpected}</ul>` : ''}
${outcome.expectedFailures.length > 0 ? markup`<h3>Expected failures (${outcome.expectedFailures.length})</h3>${list(outcome.expectedFailures, 'fail')}` : ''}
${outcome.progress.length > 0 ? markup`<h3 class="pass">Progress (${outcome.progress.length})</h3>${list(outcome.progress, 'pass')}` : ''}`;
}

function findingSection(finding: FindingRecord, label: string): Markup {
  const cls = finding.verdict === 'fail' ? 'fail' : finding.verdict === 'warn' ? 'warn' : 'pass';
  return markup`<div class="finding">
<div class="facts-line"><strong class="${cls}">${label}</strong> · ${findingFacts(finding).join(' · ')}</div>
<pre>${finding.message}</pre>
${finding.sent ? markup`<div>Sent:</div><pre>${finding.sent}</pre>` : ''}
${finding.received ? markup`<div>Got:</div><pre>${finding.received}</pre>` : ''}
${finding.curl ? markup`<div>Reproduce with:</div><pre>${finding.curl}</pre>` : ''}
${finding.replay ? markup`<div>Replay with (seed ${finding.replay.seed}, path <code>${finding.replay.path}</code>):</div><pre>${finding.replay.command}</pre>` : ''}
</div>`;
}

function checkSection(check: CheckResult): Markup {
  const findings = countedFindings(check);
  const blocks = findings.map((f, i) =>
    findingSection(f, findings.length === 1 ? f.verdict : `${f.verdict} ${i + 1} of ${findings.length}`),
  );
  return markup`<section class="check" id="${checkAnchor(check.id)}">
<h3 class="fail">✗ <code>${check.id}</code></h3>
<div>${check.rule} <span class="muted">(${check.source} · ${check.severity})</span></div>
${blocks}
</section>`;
}

function observationsSection(report: RunReport, anchored: Set<string>): Markup {
  const { warnings, forgiven } = observations(report);
  if (warnings.length + forgiven.length === 0) return markup``;
  // One anchor per check (the matrix links to it): a check with several notes gets it on the first.
  const item = ({ check, finding }: { check: CheckResult; finding: FindingRecord }, cls: string): Markup => {
    const anchor = anchored.has(check.id) ? '' : markup` id="${checkAnchor(check.id)}"`;
    anchored.add(check.id);
    return markup`<li${anchor}><code class="${cls}">${check.id}</code> — ${oneLine(finding.message)} <span class="muted">(${findingFacts(finding).join(' · ')})</span>${finding.curl ? markup`<details><summary>Reproduce</summary><pre>${finding.curl}</pre></details>` : ''}</li>`;
  };
  return markup`<h2 id="warnings">Warnings and observations (${warnings.length + forgiven.length})</h2>
${warnings.length > 0 ? markup`<ul>${warnings.map((note) => item(note, 'warn'))}</ul>` : ''}
${forgiven.length > 0 ? markup`<p>Accepted under profile ${report.profile}:</p><ul>${forgiven.map((note) => item(note, 'pass'))}</ul>` : ''}`;
}

function reasonTable(title: string, anchor: string, intro: string, checks: readonly CheckResult[]): Markup {
  if (checks.length === 0) return markup``;
  const rows = checks.map((c) => markup`<tr><td><code>${c.id}</code></td><td>${c.skipReason ?? 'no reason recorded'}</td></tr>`);
  return markup`<h2 id="${anchor}">${title} (${checks.length})</h2><p class="muted">${intro}</p>
<table><thead><tr><th>Check</th><th>Reason</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function boundaryTable(rows: readonly BoundaryRow[]): Markup {
  if (rows.length === 0) return markup``;
  const body = rows.map(
    (r) =>
      markup`<tr><td><code>${r.param}</code></td><td><code>${r.value}</code></td><td>${r.expected}</td><td>${r.got}</td><td class="${r.verdict}">${r.verdict}</td><td>${r.conflict ? markup`<code>${r.conflict}</code>` : ''}</td></tr>`,
  );
  return markup`<h2 id="boundaries">Parameter boundaries</h2>
<table><thead><tr><th>Parameter</th><th>Value</th><th>Expected</th><th>Got</th><th>Verdict</th><th>Conflict</th></tr></thead><tbody>${body}</tbody></table>`;
}

function proxySection(report: RunReport): Markup {
  if (!report.proxy) return markup``;
  const tables = proxyTables(report.proxy).map(
    (t) => markup`<h3>${t.title}</h3><p class="muted">${t.intro}</p>
<table><thead><tr>${t.header.map((h) => markup`<th>${h}</th>`)}</tr></thead><tbody>${t.rows.map((row) => markup`<tr>${row.map((cell) => markup`<td>${cell}</td>`)}</tr>`)}</tbody></table>`,
  );
  return markup`<h2 id="proxy">Proxy</h2>
<p>${proxyHeadline(report.proxy)}</p>
${tables}`;
}

function exchangeTable(exchanges: readonly ExchangeSummary[]): Markup {
  if (exchanges.length === 0) return markup``;
  const ms = (value: number | undefined): string => (value === undefined ? '' : formatMs(value));
  const rows = exchanges.map(
    (e) =>
      markup`<tr><td class="num">${e.id}</td><td>${e.label}</td><td>${e.status ?? ''}</td><td class="fail">${e.error ?? ''}</td><td class="num">${ms(e.headersMs)}</td><td class="num">${ms(e.firstByteMs)}</td><td class="num">${ms(e.totalMs)}</td><td class="num">${ms(e.maxGapMs)}</td><td class="num">${e.bytes}</td><td class="num">${e.retries}</td></tr>`,
  );
  return markup`<h2 id="exchanges">Exchanges</h2>
<details><summary>All ${exchanges.length} exchanges</summary>
<table><thead><tr><th>#</th><th>Probe</th><th>Status</th><th>Error</th><th>Headers</th><th>First byte</th><th>Total</th><th>Largest gap</th><th>Bytes</th><th>Retries</th></tr></thead><tbody>${rows}</tbody></table>
</details>`;
}

export function renderHtml(report: RunReport, options: RenderOptions = {}): string {
  const safe = redactReport(report, options.secrets);
  const notice = incompleteNotice(safe);
  const failing = safe.checks.filter((c) => c.verdict === 'fail');
  const page = markup`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>chat-conformance ${verdictMark(safe)} ${safe.target}</title>
<style>${raw(REPORT_STYLE)}</style>
</head>
<body>
<header>
<h1>chat-conformance report</h1>
${notice ? markup`<div class="banner"><strong>⚠ ${notice}</strong></div>` : ''}
<div class="verdict">${verdictMark(safe)} ${countsPhrase(safe.totals)}</div>
${factsList(safe)}
</header>
${comparisonSection(safe)}
${expectationsSection(safe)}
<h2 id="matrix">Pass/fail matrix</h2>
<p>One row per area, one cell per check (numbered in run order). Hover a cell for the check and its finding; cells with findings link to them.</p>
${matrixSvg(matrixRows(safe.checks))}
${areaTable(safe)}
${latencySection(safe.exchanges)}
<h2 id="failures">Failures (${failing.length})</h2>
${failing.length === 0 ? markup`<p class="pass">No check failed.</p>` : failing.map(checkSection)}
${proxySection(safe)}
${observationsSection(safe, new Set(failing.map((c) => c.id)))}
${reasonTable(
  'Skipped',
  'skipped',
  'Skipped checks are not counted as passes.',
  safe.checks.filter((c) => c.verdict === 'skip'),
)}
${reasonTable(
  'Not run',
  'not-run',
  'These checks were filtered out or never reached.',
  safe.checks.filter((c) => c.verdict === 'not-run'),
)}
${boundaryTable(safe.boundaries)}
${exchangeTable(safe.exchanges)}
</body>
</html>
`;
  return redactOutput(page.value, options.secrets);
}
