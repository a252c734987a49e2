/**
 * vitest reporter of a conformance run: reads each conformance test's check result from its task metadata, puts
 * the report together with the run's facts and writes it as the CLI does (report.json, junit.xml, summary.md,
 * report.html). A check whose test did not run (filtered out with -t or a file filter) is reported as not run.
 */
import type { Reporter, TestModule } from 'vitest/node';
import { checks } from '../checks/registry.ts';
import { assembleReport } from '../engine/assemble.ts';
import { describeCheck } from '../engine/evaluate.ts';
import type { CheckResult } from '../engine/result.ts';
import { writeReports } from '../report/write.ts';
import { RUN_KEY } from './context.ts';

export default class ConformanceReporter implements Reporter {
  async onTestRunEnd(modules: ReadonlyArray<TestModule>): Promise<void> {
    const results = new Map<string, CheckResult>();
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const result = test.meta().conformance;
        if (result && test.result().state !== 'pending') results.set(result.id, result);
      }
    }
    const project = modules.find((m) => m.project.name === 'conformance')?.project;
    if (!project || results.size === 0) return;
    const run = project.getProvidedContext()[RUN_KEY];
    const checked = checks.map(
      (check): CheckResult =>
        results.get(check.id) ?? {
          ...describeCheck(check),
          verdict: 'not-run',
          findings: [],
          skipReason: 'its test did not run (filtered out)',
          evaluated: 0,
        },
    );
    const report = assembleReport(run.facts, checked);
    const secrets = [process.env[run.apiKeyEnv]].filter((s): s is string => Boolean(s));
    const written = await writeReports(report, run.reportDir, { secrets });
    process.stderr.write(`conformance reports in ${written.runDir}\n`);
  }
}
