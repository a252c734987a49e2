/**
 * One area's conformance suite: a test per check of the area, reading the check's result from the run the global
 * setup provided. A failing check throws its findings; a warning passes with an annotation; a skip carries its reason.
 */
import { describe, inject, test } from 'vitest';
import type { Area } from '../core/vocabulary.ts';
import type { CheckResult } from '../engine/result.ts';
import { RUN_KEY } from './context.ts';

function describeFailure(result: CheckResult): string {
  const lines = [`${result.id}: ${result.rule} (${result.source})`];
  for (const f of result.findings.filter((f) => f.verdict === 'fail')) {
    lines.push('', f.message + (f.occurrences > 1 ? ` (${f.occurrences} occurrences)` : ''));
    if (f.curl) lines.push(`Reproduce with: ${f.curl}`);
    if (f.replay) lines.push(`Replay with: ${f.replay.command}`);
  }
  return lines.join('\n');
}

export function conformanceSuite(area: Area): void {
  const run = inject(RUN_KEY);
  describe(area, () => {
    for (const result of run.checks.filter((c) => c.area === area)) {
      test(result.id, async (ctx) => {
        ctx.task.meta.conformance = result;
        if (result.verdict === 'not-run' || result.verdict === 'skip') {
          ctx.skip(result.skipReason ?? result.verdict);
          return;
        }
        if (result.verdict === 'fail') {
          const failure = new Error(describeFailure(result));
          // The findings say where the problem is; a stack into the suite would not.
          failure.stack = failure.message;
          throw failure;
        }
        for (const f of result.findings) await ctx.annotate(`${f.verdict}: ${f.message}`, 'warning');
      });
    }
  });
}
