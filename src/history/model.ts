/**
 * A history, from the stored runs of each series (one cell of a matrix, or one folder of single runs): one row per
 * check and one column per run, since when each failing check fails, and which checks flip. A flip is a verdict
 * that differs from the check's previous judged verdict; runs where the check did not run are passed over.
 * Pure: the same runs give the same history.
 */
import type { CheckVerdict } from '../core/vocabulary.ts';
import type { StoredRun } from './read.ts';

/** Checks whose verdict flipped this often in the runs shown are flagged as flaky. */
export const FLAKY_FLIPS = 2;
export const DEFAULT_LAST = 10;

export interface CheckHistory {
  id: string;
  /** One verdict per run shown; `not-run` where the run did not have the check. */
  cells: CheckVerdict[];
  /** For a check failing in the newest run: the first run of its unbroken streak of failures. */
  failingSince?: { startedAt: string; folder: string; runs: number };
  flips: number;
  flaky: boolean;
  /** Runs (shown) in which the verdict flipped, by folder. */
  flipRuns: string[];
}

export interface SeriesHistory {
  series: string;
  /** `target · model` of the newest run. */
  label: string;
  /** Every stored run, oldest first. */
  runs: StoredRun[];
  /** The last `last` runs, oldest first: the columns. */
  shown: StoredRun[];
  checks: CheckHistory[];
}

const judged = (v: CheckVerdict | undefined): v is Exclude<CheckVerdict, 'not-run'> => v !== undefined && v !== 'not-run';

function failingSince(id: string, runs: readonly StoredRun[]): CheckHistory['failingSince'] {
  let since: StoredRun | undefined;
  let count = 0;
  for (let i = runs.length - 1; i >= 0; i--) {
    const run = runs[i]!;
    const verdict = run.verdicts.get(id);
    if (!judged(verdict)) continue;
    if (verdict !== 'fail') break;
    since = run;
    count += 1;
  }
  return since ? { startedAt: since.startedAt, folder: since.folder, runs: count } : undefined;
}

function flipsOf(id: string, shown: readonly StoredRun[]): { flips: number; flipRuns: string[] } {
  const flipRuns: string[] = [];
  let previous: CheckVerdict | undefined;
  for (const run of shown) {
    const verdict = run.verdicts.get(id);
    if (!judged(verdict)) continue;
    if (previous !== undefined && verdict !== previous) flipRuns.push(run.folder);
    previous = verdict;
  }
  return { flips: flipRuns.length, flipRuns };
}

export function seriesHistory(runs: readonly StoredRun[], last = DEFAULT_LAST): SeriesHistory {
  const ordered = [...runs].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const shown = ordered.slice(-last);
  const newest = ordered.at(-1);
  // Checks in the newest run's order, then any only older runs had.
  const ids = [...new Set([...(newest?.verdicts.keys() ?? []), ...ordered.flatMap((r) => [...r.verdicts.keys()])])];
  const checks = ids.map((id): CheckHistory => {
    const { flips, flipRuns } = flipsOf(id, shown);
    const row: CheckHistory = {
      id,
      cells: shown.map((r) => r.verdicts.get(id) ?? 'not-run'),
      flips,
      flaky: flips >= FLAKY_FLIPS,
      flipRuns,
    };
    const since = newest?.verdicts.get(id) === 'fail' ? failingSince(id, ordered) : undefined;
    if (since) row.failingSince = since;
    return row;
  });
  return { series: newest?.series ?? '.', label: newest ? `${newest.target} · ${newest.model}` : '', runs: ordered, shown, checks };
}

/**
 * One history per series (matrix reports are not series of checks): the runs of one folder that tested the same
 * target and model, so single runs against several targets in one report folder stay apart.
 */
export function buildHistory(runs: readonly StoredRun[], last = DEFAULT_LAST): SeriesHistory[] {
  const bySeries = new Map<string, StoredRun[]>();
  for (const run of runs) {
    if (run.kind !== 'run') continue;
    const key = [run.series, run.embedded ? 'embedded' : run.target, run.model].join('\u0000');
    bySeries.set(key, [...(bySeries.get(key) ?? []), run]);
  }
  return [...bySeries.keys()].sort().map((key) => seriesHistory(bySeries.get(key) ?? [], last));
}

/** Runs beyond the newest `keep` of each series (matrix reports included): what `--prune` removes. */
export function prunable(runs: readonly StoredRun[], keep: number): StoredRun[] {
  const bySeries = new Map<string, StoredRun[]>();
  for (const run of runs) bySeries.set(`${run.kind}:${run.series}`, [...(bySeries.get(`${run.kind}:${run.series}`) ?? []), run]);
  return [...bySeries.values()].flatMap((list) =>
    [...list].sort((a, b) => a.startedAt.localeCompare(b.startedAt)).slice(0, Math.max(0, list.length - keep)),
  );
}
