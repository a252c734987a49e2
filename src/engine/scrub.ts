/**
 * A client library reads answers as they arrive, before the client masks them for the record: what it returned or
 * threw has the run's secrets masked here, so nothing a target echoes back reaches a report.
 */
import type { Evidence } from '../core/evidence.ts';

function masked<T>(value: T, redact: (text: string) => string): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => masked(item, redact)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, masked(item, redact)])) as T;
  }
  return value;
}

export function scrubClientResults(evidence: readonly Evidence[], redact: (text: string) => string): Evidence[] {
  return evidence.map((item) =>
    item.kind === 'client' ? { ...item, ...masked({ returned: item.returned, threw: item.threw }, redact) } : item,
  );
}
