/** Small constructors so checks read as rules, not as object literals. */
import type { Finding, Outcome } from '../core/evidence.ts';

export const pass: Outcome = { verdict: 'pass' };

export const skip = (reason: string): Outcome => ({ verdict: 'skip', reason });

export const fail = (key: string, message: string, extra: Partial<Finding> = {}): Outcome => ({
  verdict: 'fail',
  finding: { verdict: 'fail', key, message, ...extra },
});

export const warn = (key: string, message: string, extra: Partial<Finding> = {}): Outcome => ({
  verdict: 'warn',
  finding: { verdict: 'warn', key, message, ...extra },
});

/** `Received: …\nDocumented: …`, the message shape every finding uses. */
export const receivedDocumented = (received: string, documented: string): string => `Received: ${received}\nDocumented: ${documented}`;

/** `a, b, c, …` for messages: at most `max` items of a list that may be long. */
export const list = (items: readonly unknown[], max = 10): string =>
  items.slice(0, max).map(String).join(', ') + (items.length > max ? `, … (${items.length} in all)` : '');

/** A fail or warn outcome in the `Received: … / Documented: …` idiom. */
export const deviation = (
  verdict: 'fail' | 'warn',
  key: string,
  received: string,
  documented: string,
  extra: Partial<Finding> = {},
): Outcome => (verdict === 'fail' ? fail : warn)(key, receivedDocumented(received, documented), extra);

/**
 * The outcomes of one observation, condensed: each distinct finding once (a problem on every chunk is one finding),
 * else one pass, else the first skip.
 */
export function collapse(outcomes: readonly Outcome[]): Outcome[] {
  const seen = new Set<string>();
  const findings = outcomes.filter((o) => {
    if (!('finding' in o) || seen.has(o.finding.key)) return false;
    seen.add(o.finding.key);
    return true;
  });
  if (findings.length > 0) return findings;
  const settled = outcomes.find((o) => o.verdict === 'pass') ?? outcomes[0];
  return settled ? [settled] : [];
}
