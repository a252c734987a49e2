/** Merges plan parts into the run report: every registered check appears once, with its area's verdict or `not-run`. */
import { checks } from '../checks/registry.ts';
import { runBudget } from './budget.ts';
import type { RunConfig } from './config.ts';
import type { PlanPart } from './parts.ts';
import { REPORT_SCHEMA_VERSION, type CheckResult, type RunReport } from './result.ts';
import { exitCodeFor } from './verdict.ts';
import type { Area, Verdict } from '../core/vocabulary.ts';

export interface MergeInput {
  config: RunConfig;
  version: string;
  parts: readonly PlanPart[];
  /** Areas the run meant to execute. */
  areas: readonly Area[];
  startedAt: Date;
  endedAt: Date;
  /** Requests spent before the plans (preflight). */
  preflightRequests: number;
  /** Why the run did not finish, when it did not (interrupted, a suite crashed…). */
  interruption?: string;
  /** True when a signal (Ctrl-C, SIGTERM) stopped the run. */
  signalled?: boolean;
}

export function mergeReport(input: MergeInput): RunReport {
  const byArea = new Map(input.parts.map((p) => [p.area, p]));
  const missing = input.areas.filter((a) => !byArea.has(a));
  const reasons = [
    input.interruption,
    ...input.parts.flatMap((p) => (p.incomplete ? [`${p.area}: ${p.incomplete}`] : [])),
    missing.length ? `no result for ${missing.join(', ')}` : undefined,
  ].filter((r): r is string => Boolean(r));

  let offset = 0;
  const exchanges: RunReport['exchanges'] = [];
  const results: CheckResult[] = [];
  for (const part of [...input.parts].sort((a, b) => input.areas.indexOf(a.area) - input.areas.indexOf(b.area))) {
    // Each plan numbers its exchanges from 1; the report numbers them across the run.
    exchanges.push(...part.exchanges.map((e) => ({ ...e, id: e.id + offset })));
    results.push(
      ...part.checks.map((c) => ({
        ...c,
        findings: c.findings.map((f) => (f.exchangeId === undefined ? f : { ...f, exchangeId: f.exchangeId + offset })),
      })),
    );
    offset += part.exchanges.reduce((max, e) => Math.max(max, e.id), 0);
  }
  for (const check of checks) {
    if (results.some((r) => r.id === check.id)) continue;
    const reason = input.areas.includes(check.area) ? (input.interruption ?? 'its suite produced no result') : 'area not selected';
    results.push({ id: check.id, area: check.area, severity: check.severity, rule: check.rule, source: check.source, verdict: 'not-run', findings: [], skipReason: reason, evaluated: 0 });
  }
  results.sort((a, b) => checks.findIndex((c) => c.id === a.id) - checks.findIndex((c) => c.id === b.id));

  const totals: Record<Verdict | 'not-run', number> = { pass: 0, fail: 0, warn: 0, skip: 0, 'not-run': 0 };
  for (const r of results) totals[r.verdict] += 1;
  const report: RunReport = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'chat-conformance', version: input.version },
    target: input.config.target,
    embedded: input.config.embedded,
    model: input.config.model,
    profile: input.config.profile,
    depth: input.config.depth,
    seed: input.config.seed,
    startedAt: input.startedAt.toISOString(),
    endedAt: input.endedAt.toISOString(),
    complete: reasons.length === 0,
    budget: {
      requestLimit: runBudget(input.config.depth, input.areas),
      requests: input.preflightRequests + input.parts.reduce((n, p) => n + p.requests, 0),
      retries: input.parts.reduce((n, p) => n + p.retries, 0),
      tokens: {
        prompt: input.parts.reduce((n, p) => n + p.tokens.prompt, 0),
        completion: input.parts.reduce((n, p) => n + p.tokens.completion, 0),
      },
    },
    totals,
    exitCode: exitCodeFor(
      results.map((r) => r.verdict),
      { complete: reasons.length === 0, signalled: input.signalled === true },
    ),
    checks: results,
    boundaries: input.parts.flatMap((p) => p.boundaries),
    exchanges,
  };
  if (reasons.length) report.incompleteReason = reasons.join('; ');
  return report;
}
