/**
 * What a run produced, as data: the `RunReport` every renderer (terminal, report.json, junit.xml, summary.md,
 * report.html) reads. Renderers never decide exit codes.
 */
import type { Area, Severity, Verdict } from '../core/vocabulary.ts';

/** One distinct problem a check found, with how often it recurred and how to reproduce its first occurrence. */
export interface FindingRecord {
  /** Verdict after the profile was applied. `pass` when a conflict's profile treatment forgives it. */
  verdict: 'fail' | 'warn' | 'pass';
  key: string;
  message: string;
  path?: string;
  conflict?: string;
  occurrences: number;
  /** Probe that produced the first occurrence. */
  probe: string;
  /** Exchange id of the first occurrence, when one exchange shows it. */
  exchangeId?: number;
  /** What was sent (request body excerpt, key redacted). */
  sent?: string;
  /** What came back (status line + body excerpt). */
  received?: string;
  /** A curl line that reproduces the request, with the key as an environment variable reference. */
  curl?: string;
  /** fast-check replay of a property failure. */
  replay?: { seed: number; path: string; command: string };
}

export interface CheckResult {
  id: string;
  area: Area;
  severity: Severity;
  rule: string;
  source: string;
  /** `not-run` when the check was filtered out or its plan was interrupted before evaluating it. */
  verdict: Verdict | 'not-run';
  findings: FindingRecord[];
  /** Why it was skipped (first reason), when it was. */
  skipReason?: string;
  /** Pieces of evidence the check looked at. */
  evaluated: number;
}

export interface BoundaryRow {
  param: string;
  value: string;
  expected: 'accept' | 'reject' | 'either';
  /** HTTP status, or the transport error code. */
  got: string;
  /** `skip` when the boundary checks were not selected or could not judge the answer. */
  verdict: 'pass' | 'fail' | 'warn' | 'skip';
  conflict?: string;
}

/** One field of a request through a proxy: what the client sent, what the upstream received. */
export interface ProxyFieldRow {
  probe: string;
  exchangeId?: number;
  /** Dotted path, or `Authorization`. */
  field: string;
  /** Short renderings; absent when the field was not sent / did not arrive. */
  sent?: string;
  received?: string;
  change: 'unchanged' | 'changed' | 'dropped' | 'added';
  verdict: 'pass' | 'warn' | 'fail';
}

/** One answer through a proxy: what the upstream sent, what the client got, and whether they are the same. */
export interface ProxyAnswerRow {
  probe: string;
  exchangeId?: number;
  upstream: string;
  client: string;
  /** Same as JSON (every event of a stream). */
  jsonEqual: boolean;
  /** Same bytes (every event's payload text of a stream): information, not a rule. */
  byteEqual: boolean;
}

/** One difference between an answer straight from the upstream and the same through the proxy (differential). */
export interface ProxyDifferenceRow {
  probe: string;
  exchangeId?: number;
  aspect: string;
  direct: string;
  proxied: string;
  /** `pass` marks a pair with no difference. */
  verdict: 'pass' | 'warn' | 'fail';
}

/** What a proxy run saw of the proxy under test, beyond the checks' verdicts. */
export interface ProxyReport {
  mode: 'instrumented' | 'differential';
  /** The upstream's base URL, credentials removed. */
  upstream: string;
  fields: ProxyFieldRow[];
  answers: ProxyAnswerRow[];
  differences: ProxyDifferenceRow[];
}

export interface ExchangeSummary {
  id: number;
  label: string;
  method: string;
  url: string;
  status?: number;
  error?: string;
  headersMs?: number;
  firstByteMs?: number;
  totalMs: number;
  /** Largest gap between body reads. */
  maxGapMs?: number;
  /** Gaps between consecutive body reads, 0.1 ms resolution, the first GAPS_KEPT of them. */
  gapsMs?: number[];
  bytes: number;
  retries: number;
}

/** Gaps kept per exchange, so a long stream cannot bloat report.json. */
export const GAPS_KEPT = 256;

export const REPORT_SCHEMA_VERSION = 1;

/** What changed since an earlier run of the same target: its verdicts against this run's, check by check. */
export interface RunComparison {
  /** The earlier run; `file` is where its report.json was read (relative when under the working directory). */
  against: { startedAt: string; seed: number; file: string };
  /** Checks failing now that did not fail then (including checks the earlier run did not have or did not run). */
  newlyFailing: string[];
  /** Checks that failed then and pass now. */
  newlyPassing: string[];
  /** Every check whose verdict differs, the two lists above included; a check absent from one run counts as `not-run` there. */
  changed: Array<{ id: string; from: Verdict | 'not-run'; to: Verdict | 'not-run' }>;
}

/** How a run's verdicts stand against an expectations file: only unexpected results decide the exit code. */
export interface ExpectationsOutcome {
  /** The expectations file, as named. */
  file: string;
  /** Checks failing as the file expects (still failures, listed as known). */
  expectedFailures: string[];
  /** Checks failing that the file expected to pass, warn or skip (`expected`), or does not list (`unlisted`). */
  unexpected: Array<{ id: string; expected: Verdict | 'unlisted' }>;
  /** Checks the file expects to fail that now pass or only warn. */
  progress: string[];
}

export interface RunReport {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  tool: { name: 'chat-conformance'; version: string };
  /** Base URL with any credentials removed. */
  target: string;
  embedded: boolean;
  model: string;
  profile: string;
  depth: string;
  seed: number;
  startedAt: string;
  endedAt: string;
  /** False when the run was interrupted or a plan stopped early; `incompleteReason` says why. */
  complete: boolean;
  incompleteReason?: string;
  budget: { requestLimit: number; requests: number; retries: number; tokens: { prompt: number; completion: number } };
  totals: Record<Verdict | 'not-run', number>;
  /** 0 no failures, 1 conformance failures (2 never appears here: invocation errors write no report). */
  exitCode: 0 | 1 | 130;
  /** Verdict changes since an earlier run (`--baseline`, or the previous run in the report folder). */
  comparison?: RunComparison;
  /** Verdicts against an expectations file (`--expectations`); with it, only unexpected results set the exit code. */
  expectations?: ExpectationsOutcome;
  checks: CheckResult[];
  boundaries: BoundaryRow[];
  /** Proxy runs only: the request fields, answers and differences seen through the proxy. */
  proxy?: ProxyReport;
  exchanges: ExchangeSummary[];
}
