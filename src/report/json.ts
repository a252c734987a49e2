/**
 * report.json: the machine-readable form of a run. Key order is fixed by the tables below (not by how the
 * report object happened to be built), so two runs diff cleanly. The format is described by
 * src/report/schema.json and reports/README.md; bump REPORT_SCHEMA_VERSION when either changes incompatibly.
 */
import type {
  BoundaryRow,
  CheckResult,
  ExchangeSummary,
  FindingRecord,
  ProxyAnswerRow,
  ProxyDifferenceRow,
  ProxyFieldRow,
  ProxyReport,
  RunComparison,
  RunReport,
} from '../engine/result.ts';
import { redactText } from '../http/redact.ts';

export interface RenderOptions {
  /** Values that must never appear in output (API keys); replaced wherever they occur. */
  secrets?: readonly string[];
}

/** Every key of T, in the order it is written; the mapped type makes the compiler reject a missing or extra key. */
type KeyOrder<T> = { [K in keyof Required<T>]: null };

const REPORT_ORDER: KeyOrder<RunReport> = {
  schemaVersion: null,
  tool: null,
  target: null,
  embedded: null,
  model: null,
  profile: null,
  depth: null,
  seed: null,
  startedAt: null,
  endedAt: null,
  complete: null,
  incompleteReason: null,
  exitCode: null,
  totals: null,
  budget: null,
  comparison: null,
  expectations: null,
  checks: null,
  boundaries: null,
  proxy: null,
  exchanges: null,
};

const PROXY_ORDER: KeyOrder<ProxyReport> = { mode: null, upstream: null, fields: null, answers: null, differences: null };

const FIELD_ORDER: KeyOrder<ProxyFieldRow> = {
  probe: null,
  exchangeId: null,
  field: null,
  sent: null,
  received: null,
  change: null,
  verdict: null,
};

const ANSWER_ORDER: KeyOrder<ProxyAnswerRow> = {
  probe: null,
  exchangeId: null,
  upstream: null,
  client: null,
  jsonEqual: null,
  byteEqual: null,
};

const DIFFERENCE_ORDER: KeyOrder<ProxyDifferenceRow> = {
  probe: null,
  exchangeId: null,
  aspect: null,
  direct: null,
  proxied: null,
  verdict: null,
};

const TOOL_ORDER: KeyOrder<RunReport['tool']> = { name: null, version: null };

const TOTALS_ORDER: KeyOrder<RunReport['totals']> = { pass: null, fail: null, warn: null, skip: null, 'not-run': null };

const BUDGET_ORDER: KeyOrder<RunReport['budget']> = { requestLimit: null, requests: null, retries: null, tokens: null };

const COMPARISON_ORDER: KeyOrder<RunComparison> = { against: null, newlyFailing: null, newlyPassing: null, changed: null };

const AGAINST_ORDER: KeyOrder<RunComparison['against']> = { startedAt: null, seed: null, file: null };

const CHANGE_ORDER: KeyOrder<RunComparison['changed'][number]> = { id: null, from: null, to: null };

const EXPECTATIONS_ORDER: KeyOrder<NonNullable<RunReport['expectations']>> = {
  file: null,
  expectedFailures: null,
  unexpected: null,
  progress: null,
};

const TOKENS_ORDER: KeyOrder<RunReport['budget']['tokens']> = { prompt: null, completion: null };

const CHECK_ORDER: KeyOrder<CheckResult> = {
  id: null,
  area: null,
  severity: null,
  verdict: null,
  rule: null,
  source: null,
  skipReason: null,
  evaluated: null,
  findings: null,
};

const FINDING_ORDER: KeyOrder<FindingRecord> = {
  verdict: null,
  key: null,
  message: null,
  path: null,
  conflict: null,
  occurrences: null,
  probe: null,
  exchangeId: null,
  sent: null,
  received: null,
  curl: null,
  replay: null,
};

const REPLAY_ORDER: KeyOrder<NonNullable<FindingRecord['replay']>> = { seed: null, path: null, command: null };

const BOUNDARY_ORDER: KeyOrder<BoundaryRow> = {
  param: null,
  value: null,
  expected: null,
  got: null,
  verdict: null,
  conflict: null,
};

const EXCHANGE_ORDER: KeyOrder<ExchangeSummary> = {
  id: null,
  label: null,
  method: null,
  url: null,
  status: null,
  error: null,
  headersMs: null,
  firstByteMs: null,
  totalMs: null,
  maxGapMs: null,
  gapsMs: null,
  bytes: null,
  retries: null,
};

/** Copies the listed keys in order; absent and undefined values are left out, unlisted keys are dropped. */
function ordered<T extends object>(value: T, order: KeyOrder<T>): T {
  const out: Record<string, unknown> = {};
  const source = value as Record<string, unknown>;
  for (const key of Object.keys(order)) {
    if (source[key] !== undefined) out[key] = source[key];
  }
  return out as T;
}

function orderFinding(finding: FindingRecord): FindingRecord {
  const out = ordered(finding, FINDING_ORDER);
  if (finding.replay) out.replay = ordered(finding.replay, REPLAY_ORDER);
  return out;
}

/** The report with every object's keys in the documented order. */
export function orderReport(report: RunReport): RunReport {
  const out = ordered(report, REPORT_ORDER);
  out.tool = ordered(report.tool, TOOL_ORDER);
  out.totals = ordered(report.totals, TOTALS_ORDER);
  out.budget = ordered(report.budget, BUDGET_ORDER);
  out.budget.tokens = ordered(report.budget.tokens, TOKENS_ORDER);
  if (report.comparison) {
    out.comparison = ordered(report.comparison, COMPARISON_ORDER);
    out.comparison.against = ordered(report.comparison.against, AGAINST_ORDER);
    out.comparison.changed = report.comparison.changed.map((change) => ordered(change, CHANGE_ORDER));
  }
  if (report.expectations) {
    out.expectations = ordered(report.expectations, EXPECTATIONS_ORDER);
    out.expectations.unexpected = report.expectations.unexpected.map((u) => ({ id: u.id, expected: u.expected }));
  }
  out.checks = report.checks.map((check) => {
    const c = ordered(check, CHECK_ORDER);
    c.findings = check.findings.map(orderFinding);
    return c;
  });
  out.boundaries = report.boundaries.map((row) => ordered(row, BOUNDARY_ORDER));
  if (report.proxy) {
    out.proxy = ordered(report.proxy, PROXY_ORDER);
    out.proxy.fields = report.proxy.fields.map((row) => ordered(row, FIELD_ORDER));
    out.proxy.answers = report.proxy.answers.map((row) => ordered(row, ANSWER_ORDER));
    out.proxy.differences = report.proxy.differences.map((row) => ordered(row, DIFFERENCE_ORDER));
  }
  out.exchanges = report.exchanges.map((row) => ordered(row, EXCHANGE_ORDER));
  return out;
}

/** Applies `f` to every string in a JSON-like value (keys included), returning a copy. */
export function mapStrings<T>(value: T, f: (text: string) => string): T {
  if (typeof value === 'string') return f(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => mapStrings(item, f)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[f(key)] = mapStrings(item, f);
    return out as T;
  }
  return value;
}

/**
 * Redacts secrets in every string of the report before any escaping, so an escaped form of a secret
 * (`&amp;`, `\"`) cannot slip past the final pass over the rendered text.
 */
export function redactReport(report: RunReport, secrets: readonly string[] = []): RunReport {
  return mapStrings(report, (text) => redactText(text, [...secrets]));
}

/** The final defence every renderer applies to its whole output. */
export function redactOutput(text: string, secrets: readonly string[] = []): string {
  return redactText(text, [...secrets]);
}

const NUMBER_ARRAY = /\[\n\s+(-?\d[\d.eE+-]*(?:,\n\s+-?\d[\d.eE+-]*)*)\n\s*\]/g;

/**
 * Arrays of numbers (the stream gaps) on one line, not one number per line: a report of long streams would
 * otherwise run to tens of thousands of lines. JSON strings cannot hold a raw newline, so only arrays match.
 */
const compactNumberArrays = (json: string): string =>
  json.replace(NUMBER_ARRAY, (_, items: string) => `[${items.split(/,\n\s+/).join(', ')}]`);

export function renderJson(report: RunReport, options: RenderOptions = {}): string {
  const safe = orderReport(redactReport(report, options.secrets));
  return redactOutput(`${compactNumberArrays(JSON.stringify(safe, null, 2))}\n`, options.secrets);
}
