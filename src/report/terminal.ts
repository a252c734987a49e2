/**
 * What a person reads in the terminal at the end of a run: failures with their reproduction, then warnings,
 * skipped checks and one summary line. Plain text unless colour is asked for; readable at 100 columns.
 */
import type { CheckResult, FindingRecord, RunReport } from '../engine/result.ts';
import { mapStrings, type RenderOptions, redactOutput, redactReport } from './json.ts';
import { proxyHeadline } from './proxy.ts';
import {
  type CheckVerdict,
  comparisonPhrase,
  countedFindings,
  countsPhrase,
  expectationsPhrase,
  findingFacts,
  incompleteNotice,
  observations,
  oneLine,
} from './summary.ts';

export interface TerminalOptions extends RenderOptions {
  /** Emit ANSI colour codes. */
  color: boolean;
  /** Show every finding in full (excerpts unclipped, passed checks listed). */
  verbose?: boolean;
  /** Folder the report files were written to, for the closing line. */
  reportsAt?: string;
}

export const WIDTH = 100;
/** Distinct findings printed per failing check unless verbose. */
const FINDINGS_PER_CHECK = 3;

const ANSI = { red: '31', green: '32', yellow: '33', cyan: '36', dim: '2', bold: '1' } as const;
type Style = keyof typeof ANSI;
type Paint = (style: Style, text: string) => string;

const painter =
  (color: boolean): Paint =>
  (style, text) =>
    color ? `\u001b[${ANSI[style]}m${text}\u001b[0m` : text;

export const GLYPH: Readonly<Record<CheckVerdict, string>> = {
  pass: '✓',
  fail: '✗',
  warn: '!',
  skip: '○',
  'not-run': '·',
};

const VERDICT_STYLE: Readonly<Record<CheckVerdict, Style>> = {
  pass: 'green',
  fail: 'red',
  warn: 'yellow',
  skip: 'dim',
  'not-run': 'dim',
};

/**
 * Target text may carry escape sequences that would move the cursor or recolour the terminal, or
 * bidirectional overrides that disguise it; show them as visible escapes instead.
 */
export function neutralizeControls(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return text.replace(/\r\n/g, '\n').replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u200E\u200F\u202A-\u202E\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

export function clipLine(text: string, width: number): string {
  const chars = [...text];
  return chars.length > width ? `${chars.slice(0, Math.max(1, width - 1)).join('')}…` : text;
}

/** Word-wraps one paragraph; the first line has `first` before it, the rest `rest`. Long words are left whole. */
export function wrap(text: string, width: number, first: string, rest = first): string[] {
  const words = text.split(/ +/).filter(Boolean);
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of words) {
    if (!empty && [...line].length + 1 + [...word].length > width) {
      lines.push(line);
      line = rest + word;
    } else {
      line += (empty ? '' : ' ') + word;
    }
    empty = false;
  }
  lines.push(line);
  return lines;
}

/** One short line for the progress reporter, e.g. `  ✓ streaming.done-terminator`. */
export function renderProgressLine(area: string, checkId: string, verdict: CheckVerdict, color = false): string {
  const paint = painter(color);
  const name = checkId.startsWith(`${area}.`) ? checkId : `${area} › ${checkId}`;
  return `  ${paint(VERDICT_STYLE[verdict], GLYPH[verdict])} ${clipLine(neutralizeControls(name), WIDTH - 4)}`;
}

function excerptLines(label: string, text: string, indent: string, verbose: boolean): string[] {
  const head = `${indent}${label} `;
  if (!verbose) return [clipLine(head + oneLine(text), WIDTH)];
  const [firstLine = '', ...more] = text.split(/\r\n|\r|\n/);
  const pad = ' '.repeat(head.length);
  return [head + firstLine, ...more.map((line) => pad + line)];
}

function findingLines(finding: FindingRecord, indent: string, opts: TerminalOptions, paint: Paint): string[] {
  const verbose = opts.verbose ?? false;
  const lines: string[] = [];
  for (const line of finding.message.split(/\r\n|\r|\n/)) {
    lines.push(...wrap(line, WIDTH, indent, `${indent}  `));
  }
  if (finding.sent) lines.push(...excerptLines('Sent:', finding.sent, indent, verbose));
  if (finding.received) lines.push(...excerptLines('Got: ', finding.received, indent, verbose));
  if (finding.curl) {
    // Never clipped: the line is meant to be pasted into a shell.
    lines.push(`${indent}${paint('bold', 'Reproduce with:')}`, `${indent}  ${finding.curl}`);
  }
  if (finding.replay) {
    lines.push(
      `${indent}${paint('bold', 'Replay with:')} ${finding.replay.command}`,
      `${indent}  ${paint('dim', `(seed ${finding.replay.seed}, path ${finding.replay.path})`)}`,
    );
  }
  return lines;
}

function failingCheckLines(check: CheckResult, opts: TerminalOptions, paint: Paint): string[] {
  const findings = countedFindings(check);
  const shown = opts.verbose ? findings : findings.slice(0, FINDINGS_PER_CHECK);
  const [first = '', ...rest] = wrap(`${check.id} — ${check.rule} (${check.source})`, WIDTH - 2, '', '    ');
  const lines = [`${paint('red', GLYPH.fail)} ${paint('bold', first)}`, ...rest.map((l) => paint('bold', l))];
  if (findings.length === 1 && findings[0]) {
    const only = findings[0];
    lines.push(paint('dim', `  ${[check.severity, ...findingFacts(only)].join(' · ')}`));
    lines.push(...findingLines(only, '  ', opts, paint));
  } else {
    lines.push(paint('dim', `  ${check.severity} · ${findings.length} distinct findings`));
    shown.forEach((finding, i) => {
      const mark = finding.verdict === 'warn' ? paint('yellow', ' (warning)') : '';
      lines.push(`  [${i + 1}] ${paint('dim', findingFacts(finding).join(' · '))}${mark}`);
      lines.push(...findingLines(finding, '      ', opts, paint));
    });
    if (findings.length > shown.length) {
      lines.push(paint('dim', `  … ${findings.length - shown.length} more distinct findings (see report.json, or --verbose)`));
    }
  }
  return lines;
}

function noteLines(glyph: string, check: CheckResult, finding: FindingRecord, opts: TerminalOptions): string[] {
  const facts: string[] = [];
  if (finding.occurrences > 1) facts.push(`${finding.occurrences} occurrences`);
  if (finding.conflict) facts.push(`conflict ${finding.conflict}`);
  const head = `${glyph} ${check.id}${facts.length > 0 ? ` (${facts.join(', ')})` : ''}`;
  const message = `    ${oneLine(finding.message)}`;
  return [head, opts.verbose ? message : clipLine(message, WIDTH)];
}

function observationLines(report: RunReport, opts: TerminalOptions, paint: Paint): string[] {
  const { warnings, forgiven } = observations(report);
  if (warnings.length + forgiven.length === 0) return [];
  const lines: string[] = [];
  if (warnings.length > 0) {
    lines.push(paint('bold', `Warnings (${warnings.length})`));
    for (const { check, finding } of warnings) {
      const [head = '', message = ''] = noteLines(GLYPH.warn, check, finding, opts);
      lines.push(paint('yellow', head), message);
    }
  }
  if (forgiven.length > 0) {
    lines.push(paint('bold', `Accepted under profile ${report.profile} (${forgiven.length})`));
    for (const { check, finding } of forgiven) {
      lines.push(...noteLines(GLYPH.pass, check, finding, opts).map((l) => paint('dim', l)));
    }
  }
  return lines;
}

/** Checks sharing a reason on one wrapped line: `  reason: id, id, id`. */
function reasonBlock(title: string, checks: readonly CheckResult[], all: readonly CheckResult[], paint: Paint): string[] {
  if (checks.length === 0) return [];
  const byReason = new Map<string, CheckResult[]>();
  for (const check of checks) {
    const reason = check.skipReason ?? 'no reason recorded';
    byReason.set(reason, [...(byReason.get(reason) ?? []), check]);
  }
  const lines = [paint('bold', `${title} (${checks.length})`)];
  for (const [reason, group] of byReason) {
    lines.push(...wrap(`${namesOf(group, all).join(', ')}: ${oneLine(reason)}`, WIDTH, '  ', '    ').map((l) => paint('dim', l)));
  }
  return lines;
}

/** Check ids, with a whole area written once as `area.*` when every check of it is in the group. */
function namesOf(group: readonly CheckResult[], all: readonly CheckResult[]): string[] {
  const names: string[] = [];
  for (const check of group) {
    const whole = all.filter((c) => c.area === check.area).every((c) => group.includes(c));
    const name = whole ? `${check.area}.*` : check.id;
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

function passedBlock(report: RunReport, paint: Paint): string[] {
  const passed = report.checks.filter((c) => c.verdict === 'pass');
  if (passed.length === 0) return [];
  return [
    paint('bold', `Passed (${passed.length})`),
    ...wrap(passed.map((c) => c.id).join(', '), WIDTH, '  ', '  ').map((l) => paint('green', l)),
  ];
}

/** One or two lines: red when something newly fails, green when something only got fixed. */
function comparisonLines(report: RunReport, paint: Paint): string[] {
  const comparison = report.comparison;
  if (!comparison) return [];
  const style: Style = comparison.newlyFailing.length > 0 ? 'red' : comparison.newlyPassing.length > 0 ? 'green' : 'dim';
  return wrap(comparisonPhrase(comparison), WIDTH, '', '  ').map((line) => paint(style, line));
}

/** Red when something failed unexpectedly, green when something only got better. */
function expectationsLines(report: RunReport, paint: Paint): string[] {
  const outcome = report.expectations;
  if (!outcome) return [];
  const style: Style = outcome.unexpected.length > 0 ? 'red' : outcome.progress.length > 0 ? 'green' : 'dim';
  return wrap(expectationsPhrase(outcome), WIDTH, '', '  ').map((line) => paint(style, line));
}

function closingLine(report: RunReport, opts: TerminalOptions, paint: Paint): string {
  const mark = report.exitCode !== 0 ? paint('red', GLYPH.fail) : paint('green', GLYPH.pass);
  const parts = [countsPhrase(report.totals), `${report.budget.requests}/${report.budget.requestLimit} requests`];
  if (report.budget.retries > 0) parts.push(report.budget.retries === 1 ? '1 retry' : `${report.budget.retries} retries`);
  const plain = parts.join(' · ');
  if (!opts.reportsAt) return `${mark} ${paint('bold', plain)}`;
  const where = `reports in ${opts.reportsAt}`;
  const sep = [...plain].length + [...where].length + 5 <= WIDTH ? ' · ' : '\n  ';
  return `${mark} ${paint('bold', plain)}${sep}${where}`;
}

export function renderTerminal(report: RunReport, options: TerminalOptions): string {
  const safe = mapStrings(redactReport(report, options.secrets), neutralizeControls);
  const paint = painter(options.color);
  const blocks: string[][] = [];
  const target = safe.embedded ? `${safe.target} (embedded reference)` : safe.target;
  blocks.push(
    wrap(
      `${safe.tool.name} ${safe.tool.version} · target ${target} · model ${safe.model} · profile ${safe.profile} · depth ${safe.depth} · seed ${safe.seed}`,
      WIDTH,
      '',
      '  ',
    ).map((l) => paint('dim', l)),
  );
  const notice = incompleteNotice(safe);
  if (notice) blocks.push(wrap(notice, WIDTH, '⚠ ', '  ').map((l) => paint('yellow', l)));
  const failing = safe.checks.filter((c) => c.verdict === 'fail');
  if (failing.length > 0) {
    blocks.push([paint('bold', `Failures (${failing.length})`)]);
    for (const check of failing) blocks.push(failingCheckLines(check, options, paint));
  }
  if (safe.proxy) blocks.push(wrap(`${proxyHeadline(safe.proxy)} (tables in summary.md and report.html)`, WIDTH, '', '  '));
  blocks.push(observationLines(safe, options, paint));
  blocks.push(
    reasonBlock(
      'Skipped, not counted as passes',
      safe.checks.filter((c) => c.verdict === 'skip'),
      safe.checks,
      paint,
    ),
  );
  blocks.push(
    reasonBlock(
      'Not run',
      safe.checks.filter((c) => c.verdict === 'not-run'),
      safe.checks,
      paint,
    ),
  );
  if (options.verbose) blocks.push(passedBlock(safe, paint));
  blocks.push(comparisonLines(safe, paint));
  blocks.push(expectationsLines(safe, paint));
  if (notice) blocks.push([paint('yellow', `⚠ INCOMPLETE: ${safe.incompleteReason ?? 'the run stopped early'}`)]);
  blocks.push([closingLine(safe, options, paint)]);
  const text = `${blocks
    .filter((b) => b.length > 0)
    .map((b) => b.join('\n'))
    .join('\n\n')}\n`;
  return redactOutput(text, options.secrets);
}
