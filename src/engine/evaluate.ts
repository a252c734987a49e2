/**
 * Judging, once every probe has answered: each selected check over the evidence it may read (its own area's, or
 * the whole run's for run-scoped checks), the profile applied, repeats merged into findings. Pure.
 */

import { damageOf } from '../checks/guards.ts';
import { skip } from '../checks/outcome.ts';
import type { RegisteredCheck } from '../checks/registry.ts';
import type { CheckContext } from '../checks/types.ts';
import type { Evidence, Outcome } from '../core/evidence.ts';
import type { RunConfig } from '../core/run-config.ts';
import type { Area, Verdict } from '../core/vocabulary.ts';
import { findingRecord, mergeFinding } from './findings.ts';
import type { BoundaryRow, CheckResult, FindingRecord } from './result.ts';
import { combineVerdicts, resolveOutcome } from './verdict.ts';

export interface EvidenceOf {
  area: Area;
  items: readonly Evidence[];
}

/** A bug in a check must not crash the run or pass silently: it becomes a visible failure of that check. */
function safeRun(check: RegisteredCheck, evidence: Evidence, ctx: CheckContext): Outcome[] {
  try {
    return check.run(evidence, ctx);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return [{ verdict: 'fail', finding: { verdict: 'fail', key: 'check-error', message: `check raised an error: ${message}` } }];
  }
}

export const describeCheck = (check: RegisteredCheck) => ({
  id: check.id,
  area: check.area,
  severity: check.severity,
  rule: check.rule,
  source: check.source,
});

export function notRun(check: RegisteredCheck, reason: string): CheckResult {
  return { ...describeCheck(check), verdict: 'not-run', findings: [], skipReason: reason, evaluated: 0 };
}

/** The evidence a check may read. */
const readable = (check: RegisteredCheck, evidence: readonly EvidenceOf[]): Evidence[] =>
  evidence.flatMap((e) => (check.scope === 'run' || e.area === check.area ? e.items : []));

export function evaluate(
  check: RegisteredCheck,
  evidence: readonly EvidenceOf[],
  config: RunConfig,
  /** Why no evidence reached the check when none did (probes left out, the run cut short). */
  noEvidence: string,
): CheckResult {
  const ctx: CheckContext = { profile: config.profile, model: config.model };
  const verdicts: Verdict[] = [];
  const findings: FindingRecord[] = [];
  let skipReason: string | undefined;
  let evaluated = 0;
  for (const item of readable(check, evidence)) {
    const damage = check.judgesDamage ? undefined : damageOf(item);
    const outcomes = safeRun(check, item, ctx);
    for (const outcome of damage && outcomes.length > 0 ? [skip(`${damage}; the transport checks report it`)] : outcomes) {
      evaluated += 1;
      const verdict = resolveOutcome(outcome, config.profile);
      verdicts.push(verdict);
      if (outcome.verdict === 'skip') skipReason ??= outcome.reason;
      if ('finding' in outcome) {
        mergeFinding(findings, findingRecord(check.id, outcome.finding, verdict as FindingRecord['verdict'], item, config));
      }
    }
  }
  const verdict = combineVerdicts(verdicts);
  const result: CheckResult = { ...describeCheck(check), verdict, findings, evaluated };
  if (verdict === 'skip') result.skipReason = skipReason ?? noEvidence;
  return result;
}

/** One row per boundary value sent: what was expected, what came back, and the worst verdict of the boundary checks. */
export function boundaryRows(evidence: readonly Evidence[], selected: readonly RegisteredCheck[], config: RunConfig): BoundaryRow[] {
  const boundaryChecks = selected.filter((c) => c.id === 'params.boundary-accepted' || c.id === 'params.boundary-rejected');
  const ctx: CheckContext = { profile: config.profile, model: config.model };
  return evidence.flatMap((item): BoundaryRow[] => {
    if (item.kind !== 'boundary') return [];
    const verdicts = boundaryChecks.flatMap((c) => safeRun(c, item, ctx)).map((o) => resolveOutcome(o, config.profile));
    const { exchange } = item.observation;
    const row: BoundaryRow = {
      param: item.param,
      value: JSON.stringify(item.value) ?? String(item.value),
      expected: item.expected,
      got: exchange.response ? String(exchange.response.status) : (exchange.error?.code ?? 'no response'),
      verdict: combineVerdicts(verdicts),
    };
    if (item.conflict) row.conflict = item.conflict;
    return [row];
  });
}
