/**
 * What a proxy did to a JSON object on its way, field by field: unchanged, changed (rewritten, clamped), dropped or
 * added. Values are compared as JSON (`1.0` and `1`, or keys in another order, are the same value), objects field
 * by field, arrays whole. Pure; the request table of a proxy run's report is built from the same rows.
 */
import { excerpt, isRecord } from '../core/json.ts';

export type FieldChange = 'unchanged' | 'changed' | 'dropped' | 'added';

export interface FieldDiff {
  /** Dotted path, e.g. `stream_options.include_usage`. */
  field: string;
  change: FieldChange;
  sent?: unknown;
  received?: unknown;
}

export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (!isRecord(a) || !isRecord(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]));
}

/**
 * Every field of `sent` and `received`: top-level fields once each, and inside an object that changed, the fields
 * that differ (so a changed `stream_options` reads as `stream_options.include_usage`).
 */
export function diffFields(sent: Record<string, unknown>, received: Record<string, unknown>, prefix = ''): FieldDiff[] {
  const rows: FieldDiff[] = [];
  for (const key of Object.keys(sent)) {
    const field = `${prefix}${key}`;
    if (!Object.hasOwn(received, key)) rows.push({ field, change: 'dropped', sent: sent[key] });
    else if (jsonEqual(sent[key], received[key])) rows.push({ field, change: 'unchanged', sent: sent[key], received: received[key] });
    else if (isRecord(sent[key]) && isRecord(received[key])) {
      rows.push(...diffFields(sent[key], received[key], `${field}.`).filter((row) => row.change !== 'unchanged'));
    } else rows.push({ field, change: 'changed', sent: sent[key], received: received[key] });
  }
  for (const key of Object.keys(received)) {
    if (!Object.hasOwn(sent, key)) rows.push({ field: `${prefix}${key}`, change: 'added', received: received[key] });
  }
  return rows;
}

/**
 * How a change reads for a client: a field dropped or rewritten changes what the upstream does (fail); one added, or
 * a model name mapped (routing is what gateways are for), is worth knowing (warn).
 */
export function changeVerdict(row: FieldDiff): 'pass' | 'warn' | 'fail' {
  if (row.change === 'unchanged') return 'pass';
  if (row.change === 'added' || (row.change === 'changed' && row.field === 'model')) return 'warn';
  return 'fail';
}

/** A value for a table cell or a message: short, one line. */
export const shown = (value: unknown): string => excerpt(value, 60);

/** `temperature: sent 1.5, received 1` */
export function describeChange(row: FieldDiff): string {
  switch (row.change) {
    case 'dropped':
      return `${row.field} (sent ${shown(row.sent)}) did not arrive`;
    case 'added':
      return `${row.field} arrived (${shown(row.received)}) though the client did not send it`;
    case 'changed':
      return `${row.field}: sent ${shown(row.sent)}, arrived ${shown(row.received)}`;
    default:
      return `${row.field} unchanged`;
  }
}
