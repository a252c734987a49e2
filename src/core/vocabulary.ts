/** The words every layer shares: areas, profiles, severities, verdicts and depths. */

export const AREAS = [
  'schema',
  'streaming',
  'usage',
  'params',
  'semantics',
  'errors',
  'auth',
  'transport',
  'logprobs',
  'tools',
  'structured-output',
  'reasoning',
  'clients',
  'proxy',
] as const;
export type Area = (typeof AREAS)[number];

export const PROFILES = ['strict', 'documented', 'lenient'] as const;
export type Profile = (typeof PROFILES)[number];

export type Severity = 'critical' | 'high' | 'medium' | 'low';

/** pass | fail | warn (legal under some reading, or risky for clients) | skip (with a reason). */
export type Verdict = 'pass' | 'fail' | 'warn' | 'skip';

/** A verdict, or `not-run` for a check left out of the run. */
export type CheckVerdict = Verdict | 'not-run';

export const DEPTHS = ['smoke', 'standard', 'deep'] as const;
export type Depth = (typeof DEPTHS)[number];

/** Whether work that starts at depth `from` is done at `depth`. */
export const runsAt = (from: Depth, depth: Depth): boolean => DEPTHS.indexOf(depth) >= DEPTHS.indexOf(from);
