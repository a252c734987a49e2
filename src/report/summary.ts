/**
 * summary.md: a Markdown digest of a run for CI job summaries (GitHub step summary). Also home of the small
 * digests (headline, per-area counts, grouped findings) that the terminal and HTML renderers share.
 * Target-supplied text is escaped or fenced: Markdown renders HTML and links, and the target is hostile input.
 */

import { AREAS, type Verdict } from '../core/vocabulary.ts';
import type { BoundaryRow, CheckResult, ExpectationsOutcome, FindingRecord, RunComparison, RunReport } from '../engine/result.ts';
import { type RenderOptions, redactOutput, redactReport } from './json.ts';
import { proxyHeadline, proxyTables } from './proxy.ts';

export type CheckVerdict = Verdict | 'not-run';

export const VERDICT_ORDER: readonly CheckVerdict[] = ['pass', 'fail', 'warn', 'skip', 'not-run'];

/**
 * Merges findings that share a verdict and key (the same problem reported twice, e.g. by two plans),
 * summing occurrences and keeping the first record's reproduction. Failures come first, then warnings.
 */
export function groupFindings(findings: readonly FindingRecord[]): FindingRecord[] {
  const groups = new Map<string, FindingRecord>();
  for (const finding of findings) {
    const id = `${finding.verdict}\u0000${finding.key}`;
    const seen = groups.get(id);
    if (seen) seen.occurrences += finding.occurrences;
    else groups.set(id, { ...finding });
  }
  const rank = { fail: 0, warn: 1, pass: 2 } as const;
  return [...groups.values()].sort((a, b) => rank[a.verdict] - rank[b.verdict]);
}

/** A check's distinct fail and warn findings; those a profile forgave (recorded as pass) are observations. */
export const countedFindings = (check: CheckResult): FindingRecord[] => groupFindings(check.findings).filter((f) => f.verdict !== 'pass');

export type AreaCounts = { area: string } & Record<CheckVerdict, number>;

/** Check counts per area, in the registry's area order (unknown areas last, alphabetically). */
export function countByArea(checks: readonly CheckResult[]): AreaCounts[] {
  const rows = new Map<string, AreaCounts>();
  for (const check of checks) {
    const row = rows.get(check.area) ?? { area: check.area, pass: 0, fail: 0, warn: 0, skip: 0, 'not-run': 0 };
    row[check.verdict] += 1;
    rows.set(check.area, row);
  }
  const rank = (area: string): number => {
    const i = (AREAS as readonly string[]).indexOf(area);
    return i === -1 ? AREAS.length : i;
  };
  return [...rows.values()].sort((a, b) => rank(a.area) - rank(b.area) || a.area.localeCompare(b.area));
}

export function checksByArea(checks: readonly CheckResult[]): Array<{ area: string; checks: CheckResult[] }> {
  return countByArea(checks).map(({ area }) => ({ area, checks: checks.filter((c) => c.area === area) }));
}

const plural = (count: number, one: string, many: string): string => `${count} ${count === 1 ? one : many}`;

/** `3 failing checks · 2 warnings · 41 passed · 4 skipped` (+ `· 1 not run` when any did not run). */
export function countsPhrase(totals: RunReport['totals']): string {
  const parts = [
    totals.fail === 0 ? 'no failing checks' : plural(totals.fail, 'failing check', 'failing checks'),
    plural(totals.warn, 'warning', 'warnings'),
    `${totals.pass} passed`,
    `${totals.skip} skipped`,
  ];
  if (totals['not-run'] > 0) parts.push(`${totals['not-run']} not run`);
  return parts.join(' · ');
}

/** `target …, model …, profile …, depth …, seed …` */
export function runFacts(report: RunReport): string {
  const target = report.embedded ? `${report.target} (embedded reference)` : report.target;
  return `target ${target}, model ${report.model}, profile ${report.profile}, depth ${report.depth}, seed ${report.seed}`;
}

/** The run's verdict mark; it follows the given exit code, it never decides it. */
export function verdictMark(report: RunReport): '❌' | '✅' | '⚠️' {
  if (report.exitCode !== 0) return '❌';
  return report.complete ? '✅' : '⚠️';
}

export function headline(report: RunReport): string {
  return `${verdictMark(report)} ${countsPhrase(report.totals)} — ${runFacts(report)}`;
}

export function incompleteNotice(report: RunReport): string | undefined {
  if (report.complete) return undefined;
  const reason = report.incompleteReason ?? 'the run stopped early';
  return `Incomplete run: ${reason}. Checks that did not run are listed as not run, never as passed.`;
}

/** `2026-11-22T03:00:41.5Z` → `2026-11-22T03:00Z`; text that is not a time is kept as it is. */
export function minuteStamp(iso: string): string {
  const time = Date.parse(iso);
  return Number.isFinite(time) ? `${new Date(time).toISOString().slice(0, 16)}Z` : iso;
}

/** Changes other than newly failing and now passing (e.g. pass → warn, or a check that did not run). */
export const otherChanges = (comparison: RunComparison): RunComparison['changed'] =>
  comparison.changed.filter((c) => !comparison.newlyFailing.includes(c.id) && !comparison.newlyPassing.includes(c.id));

/**
 * `Since 2026-11-22T03:00Z (seed 3): 2 newly failing (a, b) · 1 now passing (c) · 1 other change`,
 * naming at most `maxIds` checks per list.
 */
export function comparisonPhrase(comparison: RunComparison, maxIds = 4): string {
  const names = (ids: readonly string[]): string =>
    ids.length > maxIds ? `${ids.slice(0, maxIds).join(', ')}, +${ids.length - maxIds} more` : ids.join(', ');
  const parts: string[] = [];
  if (comparison.newlyFailing.length > 0) parts.push(`${comparison.newlyFailing.length} newly failing (${names(comparison.newlyFailing)})`);
  if (comparison.newlyPassing.length > 0) parts.push(`${comparison.newlyPassing.length} now passing (${names(comparison.newlyPassing)})`);
  const others = otherChanges(comparison).length;
  if (others > 0) parts.push(plural(others, 'other verdict change', 'other verdict changes'));
  const since = `Since ${minuteStamp(comparison.against.startedAt)} (seed ${comparison.against.seed})`;
  return `${since}: ${parts.length > 0 ? parts.join(' · ') : 'no check changed its verdict'}`;
}

/** `Expectations (file): 1 expected failure (a) · 1 unexpected (b, was pass) · 1 progress (c)`. */
export function expectationsPhrase(outcome: ExpectationsOutcome, maxIds = 4): string {
  const names = (ids: readonly string[]): string =>
    ids.length > maxIds ? `${ids.slice(0, maxIds).join(', ')}, +${ids.length - maxIds} more` : ids.join(', ');
  const unexpected = outcome.unexpected.map((u) => `${u.id}: ${u.expected === 'unlisted' ? 'not listed' : `expected ${u.expected}`}`);
  const parts = [
    `${plural(outcome.expectedFailures.length, 'expected failure', 'expected failures')}${outcome.expectedFailures.length > 0 ? ` (${names(outcome.expectedFailures)})` : ''}`,
    `${outcome.unexpected.length} unexpected${unexpected.length > 0 ? ` (${names(unexpected)})` : ''}`,
  ];
  if (outcome.progress.length > 0)
    parts.push(`${outcome.progress.length} progress (${names(outcome.progress)}: expected to fail, now better)`);
  return `Expectations (${outcome.file}): ${parts.join(' · ')}`;
}

export function durationMs(report: RunReport): number | undefined {
  const ms = Date.parse(report.endedAt) - Date.parse(report.startedAt);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

export function budgetLines(report: RunReport): string[] {
  const { budget } = report;
  const tokens = budget.tokens.prompt + budget.tokens.completion;
  const fmt = (value: number): string => value.toLocaleString('en-US');
  const duration = durationMs(report);
  return [
    `Requests: ${fmt(budget.requests)} / ${fmt(budget.requestLimit)}`,
    `Retries: ${fmt(budget.retries)}`,
    `Tokens: ${fmt(budget.tokens.prompt)} prompt + ${fmt(budget.tokens.completion)} completion = ${fmt(tokens)}`,
    `Duration: ${duration === undefined ? 'unknown' : formatDuration(duration)} (${report.startedAt} → ${report.endedAt})`,
  ];
}

/** Messages are `Received: …\nDocumented: …`; one-line contexts join the lines. */
export const oneLine = (text: string): string =>
  text
    .split(/\r\n|\r|\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' · ');

export function findingFacts(finding: FindingRecord): string[] {
  const facts = [finding.occurrences === 1 ? '1 occurrence' : `${finding.occurrences} occurrences`];
  facts.push(`probe ${finding.probe}`);
  if (finding.exchangeId !== undefined) facts.push(`exchange #${finding.exchangeId}`);
  if (finding.path) facts.push(`at ${finding.path}`);
  if (finding.conflict) facts.push(`conflict ${finding.conflict}`);
  return facts;
}

/** How many distinct findings a summary shows per check before pointing at report.json. */
const SUMMARY_FINDINGS_PER_CHECK = 5;

// Control characters and bidirectional overrides can disguise text; Markdown has no use for them.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const INVISIBLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/** Escapes text for Markdown inline context (also inside a table cell). */
export function mdInline(text: string): string {
  return text
    .replace(INVISIBLE, '')
    .replace(/\r\n|\r|\n/g, ' ')
    .replace(/[\\`*_[\]<>|~&!#]/g, (c) => `\\${c}`);
}

/** Inline code span that survives backticks in the text. */
export function mdCode(text: string): string {
  const clean = text.replace(INVISIBLE, '').replace(/\r\n|\r|\n/g, ' ');
  const longest = Math.max(0, ...[...clean.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = clean.startsWith('`') || clean.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${clean}${pad}${fence}`;
}

/** Fenced block that no backtick run inside the text can close early. */
export function mdFence(text: string, info = 'text'): string {
  const clean = text.replace(INVISIBLE, '');
  const longest = Math.max(0, ...[...clean.matchAll(/`{3,}/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${clean.replace(/\n+$/, '')}\n${fence}`;
}

/** A code span inside a table cell: GFM splits cells on `|` even within code, unless escaped. */
export const mdCellCode = (text: string): string => mdCode(text).replace(/\|/g, '\\|');

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function areaSection(report: RunReport): string {
  const rows = countByArea(report.checks);
  const total: AreaCounts = { area: 'total', pass: 0, fail: 0, warn: 0, skip: 0, 'not-run': 0 };
  for (const row of rows) for (const v of VERDICT_ORDER) total[v] += row[v];
  const cells = (row: AreaCounts, bold: boolean): string[] => {
    const b = (s: string): string => (bold ? `**${s}**` : s);
    return [b(mdInline(row.area)), ...VERDICT_ORDER.map((v) => b(String(row[v])))];
  };
  return [
    '## Checks by area',
    '',
    table(['Area', '✅ pass', '❌ fail', '⚠️ warn', '⏭️ skip', 'not run'], [...rows.map((r) => cells(r, false)), cells(total, true)]),
  ].join('\n');
}

function findingBlock(finding: FindingRecord, label: string): string {
  const lines = [`**${label}** · ${findingFacts(finding).map(mdInline).join(' · ')}`, '', mdFence(finding.message)];
  if (finding.sent) lines.push('', 'Sent:', '', mdFence(finding.sent, 'json'));
  if (finding.received) lines.push('', 'Got:', '', mdFence(finding.received));
  if (finding.curl) lines.push('', 'Reproduce with:', '', mdFence(finding.curl, 'sh'));
  if (finding.replay) {
    lines.push(
      '',
      `Replay with (seed ${finding.replay.seed}, path ${mdCode(finding.replay.path)}):`,
      '',
      mdFence(finding.replay.command, 'sh'),
    );
  }
  return lines.join('\n');
}

function failureSection(failing: readonly CheckResult[]): string {
  const blocks = failing.map((check) => {
    const findings = countedFindings(check);
    const shown = findings.slice(0, SUMMARY_FINDINGS_PER_CHECK);
    const parts = [
      `### ❌ ${mdCode(check.id)}`,
      '',
      `**Rule:** ${mdInline(check.rule)}  `,
      `**Source:** ${mdInline(check.source)} · **Severity:** ${mdInline(check.severity)}`,
    ];
    shown.forEach((finding, i) => {
      const label = findings.length === 1 ? 'Finding' : `Finding ${i + 1} of ${findings.length}`;
      parts.push('', findingBlock(finding, label));
    });
    if (findings.length > shown.length) {
      parts.push('', `…and ${findings.length - shown.length} more distinct findings in report.json.`);
    }
    if (findings.length === 0) parts.push('', 'No finding was recorded for this check.');
    return parts.join('\n');
  });
  return [`## Failures (${failing.length})`, '', blocks.join('\n\n')].join('\n');
}

interface Note {
  check: CheckResult;
  finding: FindingRecord;
}

/** Warnings of checks that did not fail, and findings a profile forgave (observations). */
export function observations(report: RunReport): { warnings: Note[]; forgiven: Note[] } {
  const warnings: Note[] = [];
  const forgiven: Note[] = [];
  for (const check of report.checks) {
    for (const finding of groupFindings(check.findings)) {
      if (finding.verdict === 'warn' && check.verdict !== 'fail') warnings.push({ check, finding });
      if (finding.verdict === 'pass') forgiven.push({ check, finding });
    }
  }
  return { warnings, forgiven };
}

function noteLine(note: Note, mark: string): string {
  const { check, finding } = note;
  const facts = findingFacts(finding).filter((f) => !f.startsWith('probe ') && !f.startsWith('exchange '));
  return `- ${mark} ${mdCode(check.id)} — ${mdInline(oneLine(finding.message))} _(${facts.map(mdInline).join(' · ')})_`;
}

function observationSection(report: RunReport): string | undefined {
  const { warnings, forgiven } = observations(report);
  if (warnings.length + forgiven.length === 0) return undefined;
  const lines = [`## Warnings and observations (${warnings.length + forgiven.length})`, ''];
  lines.push(...warnings.map((note) => noteLine(note, '⚠️')));
  if (forgiven.length > 0) {
    if (warnings.length > 0) lines.push('');
    lines.push(`Accepted under profile ${mdInline(report.profile)}:`, '');
    lines.push(...forgiven.map((note) => noteLine(note, 'ℹ️')));
  }
  return lines.join('\n');
}

function comparisonSection(report: RunReport): string | undefined {
  const comparison = report.comparison;
  if (!comparison) return undefined;
  const { against } = comparison;
  const lines = [
    '## Since the previous run',
    '',
    `Compared with the run of ${mdInline(against.startedAt)} (seed ${against.seed}), read from ${mdCode(against.file)}.`,
  ];
  const was = new Map(comparison.changed.map((c) => [c.id, c.from]));
  if (comparison.newlyFailing.length > 0) {
    const rows = comparison.newlyFailing.map((id) => {
      const check = report.checks.find((c) => c.id === id);
      return [mdCellCode(id), mdInline(was.get(id) ?? 'not-run'), mdInline(check?.severity ?? ''), mdInline(check?.rule ?? '')];
    });
    lines.push('', `### ❌ Newly failing (${rows.length})`, '', table(['Check', 'Before', 'Severity', 'Rule'], rows));
  }
  if (comparison.newlyPassing.length > 0) {
    lines.push('', `### ✅ Now passing (${comparison.newlyPassing.length})`, '');
    lines.push(...comparison.newlyPassing.map((id) => `- ${mdCode(id)} (failed before)`));
  }
  const others = otherChanges(comparison);
  if (others.length > 0) {
    const rows = others.map((c) => [mdCellCode(c.id), mdInline(c.from), mdInline(c.to)]);
    lines.push('', `### Other verdict changes (${others.length})`, '', table(['Check', 'Before', 'Now'], rows));
  }
  if (comparison.changed.length === 0) lines.push('', 'No check changed its verdict.');
  return lines.join('\n');
}

function expectationsSection(report: RunReport): string | undefined {
  const outcome = report.expectations;
  if (!outcome) return undefined;
  const lines = ['## Against expectations', '', `Judged against ${mdCode(outcome.file)}: only unexpected failures set the exit code.`];
  if (outcome.unexpected.length > 0) {
    const rows = outcome.unexpected.map((u) => [mdCellCode(u.id), mdInline(u.expected === 'unlisted' ? 'not listed' : u.expected)]);
    lines.push('', `### ❌ Unexpected failures (${rows.length})`, '', table(['Check', 'Expected'], rows));
  }
  if (outcome.expectedFailures.length > 0) {
    lines.push(
      '',
      `### Expected failures (${outcome.expectedFailures.length})`,
      '',
      ...outcome.expectedFailures.map((id) => `- ${mdCode(id)}`),
    );
  }
  if (outcome.progress.length > 0) {
    lines.push(
      '',
      `### ✅ Progress (${outcome.progress.length})`,
      '',
      'Expected to fail, now passing or only warning; `--update-expectations` records it.',
      '',
    );
    lines.push(...outcome.progress.map((id) => `- ${mdCode(id)}`));
  }
  return lines.join('\n');
}

function reasonSection(title: string, intro: string, checks: readonly CheckResult[]): string | undefined {
  if (checks.length === 0) return undefined;
  const rows = checks.map((c) => [mdCellCode(c.id), mdInline(c.skipReason ?? 'no reason recorded')]);
  return [`## ${title} (${checks.length})`, '', intro, '', table(['Check', 'Reason'], rows)].join('\n');
}

const BOUNDARY_MARK: Record<BoundaryRow['verdict'], string> = { pass: '✅', fail: '❌', warn: '⚠️', skip: '⏭️' };

function boundarySection(rows: readonly BoundaryRow[]): string | undefined {
  if (rows.length === 0) return undefined;
  const body = rows.map((row) => [
    mdCellCode(row.param),
    mdCellCode(row.value),
    row.expected,
    mdInline(row.got),
    `${BOUNDARY_MARK[row.verdict]} ${row.verdict}`,
    row.conflict ? mdCellCode(row.conflict) : '',
  ]);
  return ['## Parameter boundaries', '', table(['Parameter', 'Value', 'Expected', 'Got', 'Verdict', 'Conflict'], body)].join('\n');
}

function proxySection(report: RunReport): string | undefined {
  if (!report.proxy) return undefined;
  const tables = proxyTables(report.proxy).map((t) =>
    [
      `### ${mdInline(t.title)}`,
      '',
      mdInline(t.intro),
      '',
      table(
        t.header.map(mdInline),
        t.rows.map((row) => row.map(mdInline)),
      ),
    ].join('\n'),
  );
  return ['## Proxy', '', mdInline(proxyHeadline(report.proxy)), ...tables.flatMap((t) => ['', t])].join('\n');
}

export function renderSummary(report: RunReport, options: RenderOptions = {}): string {
  const safe = redactReport(report, options.secrets);
  const notice = incompleteNotice(safe);
  const failing = safe.checks.filter((c) => c.verdict === 'fail');
  const sections = [
    `# chat-conformance ${verdictMark(safe)}`,
    notice ? `> ⚠️ **${mdInline(notice)}**` : undefined,
    mdInline(headline(safe)),
    comparisonSection(safe),
    expectationsSection(safe),
    areaSection(safe),
    failing.length > 0 ? failureSection(failing) : undefined,
    proxySection(safe),
    observationSection(safe),
    reasonSection(
      'Skipped',
      'Skipped checks are not counted as passes.',
      safe.checks.filter((c) => c.verdict === 'skip'),
    ),
    reasonSection(
      'Not run',
      'These checks were filtered out or never reached.',
      safe.checks.filter((c) => c.verdict === 'not-run'),
    ),
    boundarySection(safe.boundaries),
    [
      '## Budget',
      '',
      ...budgetLines(safe).map((line) => `- ${mdInline(line)}`),
      `- Tool: ${mdInline(`${safe.tool.name} ${safe.tool.version}`)} · report schema ${safe.schemaVersion}`,
    ].join('\n'),
  ];
  const text = `${sections.filter((s): s is string => s !== undefined).join('\n\n')}\n`;
  return redactOutput(text, options.secrets);
}
