/** Small constructors so checks read as rules, not as object literals. */
import type { Finding, Outcome } from './types.ts';

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
export const receivedDocumented = (received: string, documented: string): string =>
  `Received: ${received}\nDocumented: ${documented}`;

/** A short, single-line rendering of any value for messages. */
export function excerpt(value: unknown, max = 120): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
