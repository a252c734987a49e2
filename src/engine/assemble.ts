/**
 * The run report, from what a run produced: the run's facts, the check results (however they reached the caller)
 * and the exchanges, summarised. Every renderer reads the report; nothing here decides anything but the totals and
 * the exit code.
 */
import type { Exchange } from '../core/exchange.ts';
import type { RunConfig } from '../core/run-config.ts';
import type { CheckVerdict } from '../core/vocabulary.ts';
import { PREFLIGHT_BUDGET, runBudget } from './budget.ts';
import { type CheckResult, type ExchangeSummary, GAPS_KEPT, REPORT_SCHEMA_VERSION, type RunReport } from './result.ts';
import type { RunOutcome } from './run.ts';
import { exitCodeFor } from './verdict.ts';

export function summariseExchange(exchange: Exchange): ExchangeSummary {
  const summary: ExchangeSummary = {
    id: exchange.id,
    label: exchange.label,
    method: exchange.request.method,
    url: exchange.request.url,
    totalMs: Math.round(exchange.timings.totalMs),
    bytes: exchange.reads.reduce((n, r) => n + r.bytes.length, 0),
    retries: exchange.retries.length,
  };
  if (exchange.response) summary.status = exchange.response.status;
  if (exchange.error) summary.error = exchange.error.code;
  if (exchange.timings.headersMs !== undefined) summary.headersMs = Math.round(exchange.timings.headersMs);
  if (exchange.timings.firstByteMs !== undefined) summary.firstByteMs = Math.round(exchange.timings.firstByteMs);
  const gaps = exchange.timings.gapsMs;
  if (gaps.length > 0) {
    // reduce, not Math.max(...gaps): an endless stream can record more reads than a call may take arguments.
    summary.maxGapMs = Math.round(gaps.reduce((max, ms) => Math.max(max, ms), 0));
    summary.gapsMs = gaps.slice(0, GAPS_KEPT).map((ms) => Math.round(ms * 10) / 10);
  }
  return summary;
}

/** What a report says about a run besides its check results: serialisable, so it can travel to vitest's workers. */
export type RunFacts = Omit<RunReport, 'checks' | 'totals' | 'exitCode' | 'comparison'> & {
  /** True when a signal (Ctrl-C, SIGTERM) stopped the run. */
  signalled: boolean;
};

export interface FactsInput {
  config: RunConfig;
  version: string;
  outcome: RunOutcome;
  startedAt: Date;
  endedAt: Date;
  /** Requests spent before the run (preflight). */
  preflightRequests: number;
  /** Why the run did not finish, when that happened outside the engine (a signal during preflight). */
  interruption?: string;
  signalled?: boolean;
}

export function runFacts(input: FactsInput): RunFacts {
  const { config, outcome } = input;
  const reason = input.interruption ?? outcome.incomplete;
  const areas = [...new Set(outcome.checks.filter((c) => c.verdict !== 'not-run').map((c) => c.area))];
  const facts: RunFacts = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'chat-conformance', version: input.version },
    target: config.target,
    embedded: config.embedded,
    model: config.model,
    profile: config.profile,
    depth: config.depth,
    seed: config.seed,
    startedAt: input.startedAt.toISOString(),
    endedAt: input.endedAt.toISOString(),
    complete: reason === undefined,
    budget: {
      // A differential proxy run also sends the upstream one plain request first (the model is known by then).
      requestLimit:
        (areas.length > 0 ? runBudget(config.depth, areas) : PREFLIGHT_BUDGET) + (config.proxy?.mode === 'differential' ? 1 : 0),
      requests: input.preflightRequests + outcome.requests,
      retries: outcome.retries,
      tokens: outcome.tokens,
    },
    boundaries: outcome.boundaries,
    ...(outcome.proxy ? { proxy: outcome.proxy } : {}),
    exchanges: outcome.sent.map((s) => summariseExchange(s.exchange)),
    signalled: input.signalled === true,
  };
  if (reason !== undefined) facts.incompleteReason = reason;
  return facts;
}

/** The report of a run from its facts and check results (the registry's order is kept). */
export function assembleReport(facts: RunFacts, checks: readonly CheckResult[]): RunReport {
  const totals: Record<CheckVerdict, number> = { pass: 0, fail: 0, warn: 0, skip: 0, 'not-run': 0 };
  for (const check of checks) totals[check.verdict] += 1;
  const { signalled, ...rest } = facts;
  return {
    ...rest,
    totals,
    exitCode: exitCodeFor(
      checks.map((c) => c.verdict),
      { complete: facts.complete, signalled },
    ),
    checks: [...checks],
  };
}
