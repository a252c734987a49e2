/**
 * The matrix junit.xml: every cell's suites in one file, named `target/model · area`. A failure the expectations
 * file accepts is a skipped testcase saying so, so a CI test view goes red only where the run does.
 */
import type { RunReport } from '../engine/result.ts';
import { type RenderOptions, redactOutput, redactReport } from '../report/json.ts';
import { escapeXmlAttr, junitSuites } from '../report/junit.ts';
import type { MatrixView } from './result.ts';

function acceptingExpected(report: RunReport): RunReport {
  const outcome = report.expectations;
  if (!outcome) return report;
  const known = new Set(outcome.expectedFailures);
  return {
    ...report,
    checks: report.checks.map((c) =>
      known.has(c.id)
        ? {
            ...c,
            verdict: 'skip' as const,
            skipReason: `expected failure (${outcome.file}): ${c.findings.find((f) => f.verdict === 'fail')?.message.split('\n')[0] ?? c.rule}`,
          }
        : c,
    ),
  };
}

export function renderMatrixJunit(view: MatrixView, options: RenderOptions = {}): string {
  const suites = view.matrix.cells.flatMap((cell, i) =>
    junitSuites(acceptingExpected(redactReport(view.reports[i]!, options.secrets)), `${cell.target}/${cell.model} · `),
  );
  const count = (pattern: RegExp): number => suites.reduce((n, s) => n + (s.match(pattern)?.length ?? 0), 0);
  const root = `<testsuites name="${escapeXmlAttr(`chat-conformance matrix ${view.matrix.config}`)}" tests="${count(/<testcase /g)}" failures="${count(/<failure /g)}" errors="0" skipped="${count(/<skipped /g)}" timestamp="${escapeXmlAttr(view.matrix.startedAt)}">`;
  return redactOutput(['<?xml version="1.0" encoding="UTF-8"?>', root, ...suites, '</testsuites>', ''].join('\n'), options.secrets);
}
