/** Small digests of a matrix that every matrix renderer shares: each cell's standing and the matrix headline. */
import type { CheckResult, RunReport } from '../engine/result.ts';
import type { MatrixView } from './result.ts';

export interface CellFailures {
  /** Failures that set the exit code: the unexpected ones (without an expectations file, every failure is). */
  counted: Array<{ check: CheckResult; expected?: string }>;
  /** Failures the expectations file lists. */
  known: CheckResult[];
}

export function failuresOf(report: RunReport): CellFailures {
  const failing = report.checks.filter((c) => c.verdict === 'fail');
  const outcome = report.expectations;
  if (!outcome) return { counted: failing.map((check) => ({ check })), known: [] };
  const unexpected = new Map(outcome.unexpected.map((u) => [u.id, u.expected === 'unlisted' ? 'not listed' : `expected ${u.expected}`]));
  return {
    counted: failing.filter((c) => unexpected.has(c.id)).map((check) => ({ check, expected: unexpected.get(check.id) ?? '' })),
    known: failing.filter((c) => !unexpected.has(c.id)),
  };
}

export type CellStanding = 'clean' | 'failing' | 'incomplete';

export const standingOf = (report: RunReport): CellStanding =>
  report.exitCode === 0 ? 'clean' : failuresOf(report).counted.length > 0 ? 'failing' : 'incomplete';

export const STANDING_MARK: Record<CellStanding, string> = { clean: '✅', failing: '❌', incomplete: '⚠️' };

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** `3 cells: 1 clean · 1 failing · 1 incomplete — 2 unexpected failures · 1 expected failure · 1 progress` */
export function matrixHeadline(view: MatrixView): string {
  const standings = view.reports.map(standingOf);
  const count = (s: CellStanding): number => standings.filter((x) => x === s).length;
  const failures = view.reports.map(failuresOf);
  const counted = failures.reduce((n, f) => n + f.counted.length, 0);
  const known = failures.reduce((n, f) => n + f.known.length, 0);
  const progress = view.reports.reduce((n, r) => n + (r.expectations?.progress.length ?? 0), 0);
  const cells = `${plural(view.reports.length, 'cell', 'cells')}: ${count('clean')} clean · ${count('failing')} failing · ${count('incomplete')} incomplete`;
  const parts = [plural(counted, 'unexpected failure', 'unexpected failures')];
  if (view.reports.some((r) => r.expectations)) parts.push(plural(known, 'expected failure', 'expected failures'), `${progress} progress`);
  return `${cells} — ${parts.join(' · ')}`;
}
