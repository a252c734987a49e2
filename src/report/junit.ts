/**
 * junit.xml for CI test views: one <testsuite> per area, one <testcase> per check. A warning passes (CI
 * should not go red on it) but carries its text in <system-out>; skipped and not-run checks are <skipped>.
 */
import type { CheckResult, FindingRecord, RunReport } from '../engine/result.ts';
import { type RenderOptions, redactOutput, redactReport } from './json.ts';
import { proxyHeadline, proxyTables, textTable } from './proxy.ts';
import { checksByArea, durationMs, findingFacts, groupFindings, oneLine } from './summary.ts';
import { escapeXml, escapeXmlText } from './svg.ts';

/** Attribute values also need line breaks and tabs as references, or parsers normalise them to spaces. */
export function escapeXmlAttr(text: string): string {
  return escapeXml(text).replace(/\r/g, '&#13;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');
}

const attrs = (pairs: ReadonlyArray<readonly [string, string | number | undefined]>): string =>
  pairs
    .filter((pair): pair is readonly [string, string | number] => pair[1] !== undefined)
    .map(([name, value]) => ` ${name}="${escapeXmlAttr(String(value))}"`)
    .join('');

const MESSAGE_MAX = 300;

function indentBlock(text: string, indent: string): string {
  return text
    .split(/\r\n|\r|\n/)
    .map((line) => indent + line)
    .join('\n');
}

/** The text a CI viewer shows for one finding: message, facts, excerpts and how to reproduce it. */
export function findingText(finding: FindingRecord): string {
  const lines = [finding.message, `(${findingFacts(finding).join(' · ')})`];
  if (finding.sent) lines.push(`Sent: ${finding.sent}`);
  if (finding.received) lines.push(`Got: ${finding.received}`);
  if (finding.curl) lines.push('Reproduce with:', `  ${finding.curl}`);
  if (finding.replay) {
    lines.push(`Replay with: ${finding.replay.command}`, `  (seed ${finding.replay.seed}, path ${finding.replay.path})`);
  }
  return lines.join('\n');
}

function findingsText(check: CheckResult, verdicts: ReadonlyArray<FindingRecord['verdict']>): string {
  const findings = groupFindings(check.findings).filter((f) => verdicts.includes(f.verdict));
  const header = `${check.rule} (${check.source}) · severity ${check.severity}`;
  const body = findings.map((f, i) => {
    const tag = f.verdict === 'fail' ? '' : f.verdict === 'warn' ? ' warning' : ` accepted under profile`;
    return `[${i + 1}]${tag}\n${indentBlock(findingText(f), '    ')}`;
  });
  return [header, ...body].join('\n\n');
}

function testcase(check: CheckResult, prefix = ''): string {
  const open = `    <testcase${attrs([
    ['classname', `${prefix}${check.area}`],
    ['name', check.id],
  ])}`;
  const notes = check.findings.some((f) => f.verdict !== 'fail')
    ? `\n      <system-out>${escapeXmlText(findingsText(check, ['warn', 'pass']))}</system-out>`
    : '';
  switch (check.verdict) {
    case 'fail': {
      const first = groupFindings(check.findings).find((f) => f.verdict === 'fail');
      const message = first ? oneLine(first.message) : check.rule;
      const clipped = message.length > MESSAGE_MAX ? `${message.slice(0, MESSAGE_MAX - 1)}…` : message;
      return `${open}>\n      <failure${attrs([
        ['message', clipped],
        ['type', check.severity],
      ])}>${escapeXmlText(findingsText(check, ['fail']))}</failure>${notes}\n    </testcase>`;
    }
    case 'skip':
    case 'not-run': {
      const reason = check.skipReason ?? (check.verdict === 'skip' ? 'skipped' : 'not run');
      const message = check.verdict === 'not-run' ? `not run: ${reason}` : reason;
      return `${open}>\n      <skipped${attrs([['message', message]])}/>\n    </testcase>`;
    }
    case 'warn':
    case 'pass':
      return notes ? `${open}>${notes}\n    </testcase>` : `${open}/>`;
  }
}

function suiteCounts(checks: readonly CheckResult[]): { tests: number; failures: number; skipped: number } {
  return {
    tests: checks.length,
    failures: checks.filter((c) => c.verdict === 'fail').length,
    skipped: checks.filter((c) => c.verdict === 'skip' || c.verdict === 'not-run').length,
  };
}

function properties(report: RunReport): string {
  const pairs: Array<[string, string]> = [
    ['target', report.target],
    ['embedded', String(report.embedded)],
    ['model', report.model],
    ['profile', report.profile],
    ['depth', report.depth],
    ['seed', String(report.seed)],
    ['complete', String(report.complete)],
  ];
  if (report.incompleteReason) pairs.push(['incompleteReason', report.incompleteReason]);
  const items = pairs.map(
    ([name, value]) =>
      `      <property${attrs([
        ['name', name],
        ['value', value],
      ])}/>`,
  );
  return `    <properties>\n${items.join('\n')}\n    </properties>`;
}

/** One <testsuite> per area of a (redacted) report; `prefix` names the run when several share one file. */
export function junitSuites(safe: RunReport, prefix = ''): string[] {
  return checksByArea(safe.checks).map(({ area, checks }) => {
    const counts = suiteCounts(checks);
    const head = `  <testsuite${attrs([
      ['name', `${prefix}${area}`],
      ['tests', counts.tests],
      ['failures', counts.failures],
      ['errors', 0],
      ['skipped', counts.skipped],
      ['timestamp', safe.startedAt],
    ])}>`;
    // The proxy's request and answer tables travel with its suite, where a CI view shows them.
    const tables =
      area === 'proxy' && safe.proxy ? [proxyHeadline(safe.proxy), ...proxyTables(safe.proxy).map(textTable)].join('\n\n') : undefined;
    const out = tables ? [`    <system-out>${escapeXmlText(tables)}</system-out>`] : [];
    return [head, properties(safe), ...checks.map((check) => testcase(check, prefix)), ...out, '  </testsuite>'].join('\n');
  });
}

export function renderJunit(report: RunReport, options: RenderOptions = {}): string {
  const safe = redactReport(report, options.secrets);
  const duration = durationMs(safe);
  const time = duration === undefined ? undefined : (duration / 1000).toFixed(3);
  const suites = junitSuites(safe);
  const total = suiteCounts(safe.checks);
  const root = `<testsuites${attrs([
    ['name', `${safe.tool.name} ${safe.target}`],
    ['tests', total.tests],
    ['failures', total.failures],
    ['errors', 0],
    ['skipped', total.skipped],
    ['time', time],
    ['timestamp', safe.startedAt],
  ])}>`;
  const xml = ['<?xml version="1.0" encoding="UTF-8"?>', root, ...suites, '</testsuites>', ''].join('\n');
  return redactOutput(xml, options.secrets);
}
