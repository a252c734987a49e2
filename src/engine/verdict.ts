/**
 * Policy: how the profile turns findings into verdicts. Checks say what they saw; only this module decides
 * whether a behaviour that some reading of the documents allows is a failure, an observation or forgiven.
 */
import { treatment } from '../contract/conflicts.ts';
import type { Finding, Outcome } from '../core/evidence.ts';
import type { Profile, Verdict } from '../core/vocabulary.ts';

/** A finding's verdict under a profile: the spec's conflict table decides for recorded conflicts; strict fails every warning. */
export function resolveFinding(finding: Finding, profile: Profile): 'fail' | 'warn' | 'pass' {
  if (finding.conflict) return treatment(finding.conflict, profile);
  if (finding.verdict === 'warn' && profile === 'strict') return 'fail';
  return finding.verdict;
}

export function resolveOutcome(outcome: Outcome, profile: Profile): Verdict {
  return 'finding' in outcome ? resolveFinding(outcome.finding, profile) : outcome.verdict;
}

const RANK: Record<Verdict, number> = { fail: 3, warn: 2, pass: 1, skip: 0 };

/** A check's verdict over all evidence it judged: the worst verdict wins; skip only when nothing was judged. */
export function combineVerdicts(verdicts: readonly Verdict[]): Verdict {
  return verdicts.reduce<Verdict>((worst, v) => (RANK[v] > RANK[worst] ? v : worst), 'skip');
}

/** 1 when anything failed under the profile, else 0. */
export function exitCodeFor(
  verdicts: ReadonlyArray<Verdict | 'not-run'>,
  run: { complete: boolean; signalled: boolean } = { complete: true, signalled: false },
): 0 | 1 | 130 {
  if (verdicts.includes('fail')) return 1;
  if (run.signalled) return 130;
  // A run that could not finish (the target stopped answering, a suite crashed) has not shown conformance.
  return run.complete ? 0 : 1;
}
