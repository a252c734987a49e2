/**
 * Safe readers for JSON a target sent: any value may have any type, so nothing here assumes a shape.
 */

export type Json = Record<string, unknown>;

export const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

export const hasField = (value: unknown, key: string): boolean => isRecord(value) && Object.hasOwn(value, key);

/** Reads `value[k1][k2]…`, undefined as soon as a step is not an object or array. */
export function dig(value: unknown, ...keys: Array<string | number>): unknown {
  let at: unknown = value;
  for (const key of keys) {
    if (Array.isArray(at) && typeof key === 'number') at = at[key];
    // Own properties only: a body must not reach inherited members such as `constructor`.
    else if (typeof key === 'string' && hasField(at, key)) at = (at as Json)[key];
    else return undefined;
  }
  return at;
}

export const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

export const isInteger = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value);

export const isCount = (value: unknown): value is number => isInteger(value) && value >= 0;

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
