/**
 * Ten stored nightly runs of one matrix cell with a planted pattern: one check fails from the seventh night on,
 * one flips between pass and warn five times, one flips once; latency and tokens drift upwards. Written through
 * the real report writer, so each run has its report.html to link to.
 */
import { join } from 'node:path';
import type { CheckVerdict } from '../../src/core/vocabulary.ts';
import type { RunReport } from '../../src/engine/result.ts';
import { writeReports } from '../../src/report/write.ts';
import { sampleReport } from '../fixtures/report-sample.ts';

export const NIGHTS = 10;
export const CELL_FOLDER = 'targets/gateway/reference-chat';

export const PLANTED = {
  /** Fails from night 7 (2026-11-20) on. */
  failing: 'streaming.done-terminator',
  failingSince: '2026-11-20',
  /** pass/warn, flipping five times. */
  flaky: 'streaming.incremental',
  flakyFlips: 5,
  /** Fails on nights 1–3, passes after: one flip, not flaky. */
  once: 'usage.totals-add-up',
} as const;

const FLAKY: readonly CheckVerdict[] = ['pass', 'warn', 'pass', 'pass', 'warn', 'pass', 'warn', 'warn', 'warn', 'warn'];

export function plantedVerdict(id: string, night: number): CheckVerdict {
  if (id === PLANTED.failing) return night >= 6 ? 'fail' : 'pass';
  if (id === PLANTED.flaky) return FLAKY[night] ?? 'pass';
  if (id === PLANTED.once) return night < 3 ? 'fail' : 'pass';
  return 'pass';
}

export function plantedNight(night: number): RunReport {
  const report = sampleReport();
  delete report.comparison;
  report.startedAt = `2026-11-${String(14 + night).padStart(2, '0')}T03:00:00.000Z`;
  report.endedAt = `2026-11-${String(14 + night).padStart(2, '0')}T03:01:30.000Z`;
  report.seed = 20261123;
  report.target = 'https://gateway.example/v1';
  report.model = 'reference-chat';
  report.complete = true;
  delete report.incompleteReason;
  report.checks = report.checks.map((check) => {
    const verdict = plantedVerdict(check.id, night);
    const kept = verdict === 'fail' || verdict === 'warn' ? check.findings.filter((f) => f.verdict === verdict) : [];
    const findings =
      kept.length > 0 || verdict === 'pass'
        ? kept
        : [
            {
              verdict: verdict as 'fail' | 'warn',
              key: 'planted',
              message: `planted ${verdict} on night ${night + 1}`,
              occurrences: 1,
              probe: 'planted',
            },
          ];
    const { skipReason: _dropped, ...rest } = check;
    return { ...rest, verdict, findings };
  });
  const totals = { pass: 0, fail: 0, warn: 0, skip: 0, 'not-run': 0 };
  for (const check of report.checks) totals[check.verdict] += 1;
  report.totals = totals;
  report.exitCode = totals.fail > 0 ? 1 : 0;
  const slower = 1 + night * 0.12;
  report.exchanges = report.exchanges.map((e) => ({
    ...e,
    ...(e.firstByteMs !== undefined ? { firstByteMs: Math.round(e.firstByteMs * slower) } : {}),
    totalMs: Math.round(e.totalMs * slower),
  }));
  report.budget = { ...report.budget, tokens: { prompt: 900 + night * 30, completion: 300 + night * 25 } };
  return report;
}

/** Writes the ten nights under `dir`; returns the folder of the cell. */
export async function plantHistory(dir: string): Promise<string> {
  const cell = join(dir, CELL_FOLDER);
  for (let night = 0; night < NIGHTS; night++) await writeReports(plantedNight(night), cell);
  return cell;
}
