/**
 * Binds a plan to vitest: one describe per area, the plan executed once before its tests, one test per check.
 * A failing check throws its findings; a warning passes with an annotation; a skip carries its reason.
 */
import { join } from 'node:path';
import { beforeAll, describe, test } from 'vitest';
import { checksOf } from '../checks/registry.ts';
import type { RunConfig } from './config.ts';
import { createBreaker } from './breaker.ts';
import { executePlan } from './execute.ts';
import { writePart } from './parts.ts';
import type { Plan } from './probe.ts';
import type { CheckResult, PlanResult } from './result.ts';

/** Environment variable through which `chat-conformance run` hands the resolved run to the suites. */
export const RUN_ENV = 'CONFORMANCE_RUN';
/** File in the parts folder whose presence tells every plan the target stopped answering. */
const UNRESPONSIVE_MARKER = 'unresponsive.txt';
/** Prefix of console lines that the progress reporter shows as progress, not as output. */
export const PROGRESS_PREFIX = '\u00a7progress ';

declare module 'vitest' {
  interface TaskMeta {
    verdict?: CheckResult['verdict'];
  }
}

export interface SuiteRun {
  config: RunConfig;
  partsDir: string;
}

function suiteRun(): SuiteRun | undefined {
  const raw = process.env[RUN_ENV];
  return raw ? (JSON.parse(raw) as SuiteRun) : undefined;
}

function describeFailure(result: CheckResult): string {
  const lines = [`${result.id}: ${result.rule} (${result.source})`];
  for (const f of result.findings.filter((f) => f.verdict === 'fail')) {
    lines.push('', f.message + (f.occurrences > 1 ? ` (${f.occurrences} occurrences)` : ''));
    if (f.curl) lines.push(`Reproduce with: ${f.curl}`);
    if (f.replay) lines.push(`Replay with: ${f.replay.command}`);
  }
  return lines.join('\n');
}

export function conformanceSuite(plan: Plan): void {
  const run = suiteRun();
  describe.skipIf(!run)(plan.area, () => {
    let result: PlanResult | undefined;
    beforeAll(async () => {
      if (!run) return;
      result = await executePlan(plan, run.config, {
        apiKey: process.env[run.config.apiKeyEnv],
        breaker: createBreaker(join(run.partsDir, UNRESPONSIVE_MARKER)),
        onProgress: (message) => console.log(`${PROGRESS_PREFIX}${plan.area}: ${message}`),
      });
      await writePart(run.partsDir, result);
    });
    for (const check of checksOf(plan.area)) {
      test(check.id, (ctx) => {
        const outcome = result?.checks.find((c) => c.id === check.id);
        ctx.task.meta.verdict = outcome?.verdict ?? 'not-run';
        if (!outcome || outcome.verdict === 'not-run' || outcome.verdict === 'skip') {
          ctx.skip(outcome?.skipReason ?? 'no result');
          return;
        }
        if (outcome.verdict === 'fail') throw new Error(describeFailure(outcome));
      });
    }
  });
}
