/**
 * Vitest reporter for conformance runs: one line per check as its verdict lands, plus the plans' progress notes.
 * The full report is rendered by the CLI afterwards, so this stays terse.
 */
import type { Reporter, TestCase, TestModule } from 'vitest/node';
import type { SerializedError } from 'vitest';
import { PROGRESS_PREFIX } from '../engine/vitest-suite.ts';
import { renderProgressLine } from './terminal.ts';
import type { Area, Verdict } from '../core/vocabulary.ts';

export class ProgressReporter implements Reporter {
  /** Errors outside any check (a suite that failed to load, an unhandled rejection): the run is then incomplete. */
  readonly crashes: string[] = [];
  private readonly write: (line: string) => void;

  constructor(write: (line: string) => void) {
    this.write = write;
  }

  onUserConsoleLog(log: { content: string }): void {
    for (const line of log.content.split('\n')) {
      if (line.startsWith(PROGRESS_PREFIX)) this.write(`  … ${line.slice(PROGRESS_PREFIX.length)}`);
      else if (line.trim() !== '') this.write(`  ${line}`);
    }
  }

  onTestCaseResult(testCase: TestCase): void {
    const verdict = (testCase.meta().verdict ?? 'not-run') as Verdict | 'not-run';
    const area = testCase.parent.type === 'suite' ? testCase.parent.name : '';
    this.write(renderProgressLine(area as Area, testCase.name, verdict));
  }

  onTestModuleEnd(testModule: TestModule): void {
    for (const error of testModule.errors()) this.crashes.push(`${testModule.moduleId}: ${error.message}`);
  }

  onTestRunEnd(_modules: ReadonlyArray<TestModule>, unhandled: ReadonlyArray<SerializedError>): void {
    for (const error of unhandled) this.crashes.push(error.message);
  }
}
