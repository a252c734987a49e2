/**
 * What the conformance run hands to vitest: the run's facts and every check's result, provided by the global setup
 * and injected into the suites; each test then carries its check's result in its task metadata for reporters.
 */
import type {} from 'vitest';
import type { RunFacts } from '../engine/assemble.ts';
import type { CheckResult } from '../engine/result.ts';

export const RUN_KEY = 'conformance:run' as const;

export interface ProvidedRun {
  facts: RunFacts;
  checks: CheckResult[];
  reportDir: string;
  /** Name of the environment variable holding the key, so the reporter can keep it out of the reports. */
  apiKeyEnv: string;
}

declare module 'vitest' {
  interface ProvidedContext {
    'conformance:run': ProvidedRun;
  }
  interface TaskMeta {
    /** The result of the check a conformance test stands for. */
    conformance?: CheckResult;
  }
}

/** The file that holds an area's suite. */
export const suiteFile = (area: string): string => `suites/${area}.test.ts`;
