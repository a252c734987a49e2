/**
 * Values of a documented numeric range (src/contract/ranges.ts), on a readable grid: steps of 0.01 for numbers,
 * 1 for integers. Ambiguous edges (where readings of the documents disagree) are left to the boundary table.
 */
import fc from 'fast-check';
import type { ParamRange } from '../contract/ranges.ts';

export interface RangeConstraints {
  /** Smallest value to produce, when tighter than the documented bound (e.g. to keep requests cheap). */
  min?: number;
  /** Largest value to produce, when tighter than the documented bound. */
  max?: number;
}

/** Grid step: ε of the boundary table. */
export const stepOf = (range: ParamRange): number => (range.type === 'integer' ? 1 : 0.01);

/** Values to the grid, as integers of steps (0.01 → 1), so float noise never crosses a bound. */
const SCALE = (range: ParamRange): number => (range.type === 'integer' ? 1 : 100);

/** Span used when a side of a range is not documented. */
const OPEN_SPAN = 10;

export interface GridBounds {
  /** Lowest and highest valid grid points, in steps. */
  lo: number;
  hi: number;
  scale: number;
}

/** The valid grid of a range under the spec's reading, without its ambiguous edges. */
export function validGrid(range: ParamRange, constraints: RangeConstraints = {}): GridBounds {
  const scale = SCALE(range);
  const ambiguous = new Set(range.ambiguous.map((v) => Math.round(v * scale)));
  const lowRaw = range.minimum ?? range.exclusiveMinimum;
  const highRaw = range.maximum ?? range.exclusiveMaximum;
  let lo = Math.round((lowRaw ?? (highRaw ?? 0) - OPEN_SPAN) * scale);
  let hi = Math.round((highRaw ?? (lowRaw ?? 0) + OPEN_SPAN) * scale);
  if (range.exclusiveMinimum !== undefined || ambiguous.has(lo)) lo += 1;
  if (range.exclusiveMaximum !== undefined || ambiguous.has(hi)) hi -= 1;
  if (constraints.min !== undefined) lo = Math.max(lo, Math.ceil(constraints.min * scale));
  if (constraints.max !== undefined) hi = Math.min(hi, Math.floor(constraints.max * scale));
  if (lo > hi) throw new Error(`range of ${range.param} has no valid value within the constraints`);
  return { lo, hi, scale };
}

/** Any value of the range, biased towards its valid edges. */
export function inRange(range: ParamRange, constraints: RangeConstraints = {}): fc.Arbitrary<number> {
  const { lo, hi, scale } = validGrid(range, constraints);
  const grid = fc.integer({ min: lo, max: hi }).map((k) => k / scale);
  const edges = [...new Set([lo, hi])].map((k) => k / scale);
  return fc.oneof({ arbitrary: grid, weight: 3 }, { arbitrary: fc.constantFrom(...edges), weight: 1 });
}

/** How far past a bound invalid values reach, in steps: near misses matter most, and big ones stay cheap. */
const REACH = { number: 200, integer: 8 } as const;

/**
 * A value outside the range under every reading: strictly past an ambiguous edge, or on an exclusive edge the
 * documents agree on.
 */
export function outOfRange(range: ParamRange): fc.Arbitrary<number> {
  const scale = SCALE(range);
  const ambiguous = new Set(range.ambiguous.map((v) => Math.round(v * scale)));
  const reach = REACH[range.type];
  const sides: Array<fc.Arbitrary<number>> = [];
  const low = range.minimum ?? range.exclusiveMinimum;
  if (low !== undefined) {
    const edge = Math.round(low * scale);
    const first = range.exclusiveMinimum !== undefined && !ambiguous.has(edge) ? edge : edge - 1;
    sides.push(fc.integer({ min: first - reach, max: first }).map((k) => k / scale));
  }
  const high = range.maximum ?? range.exclusiveMaximum;
  if (high !== undefined) {
    const edge = Math.round(high * scale);
    const first = range.exclusiveMaximum !== undefined && !ambiguous.has(edge) ? edge : edge + 1;
    sides.push(fc.integer({ min: first, max: first + reach }).map((k) => k / scale));
  }
  if (sides.length === 0) throw new Error(`range of ${range.param} has no documented bound`);
  return fc.oneof(...sides);
}

/** A value of the wrong JSON type for a numeric parameter (null stays valid: every range is `T | null`). */
export function wrongNumericType(range: ParamRange): fc.Arbitrary<unknown> {
  const { lo, hi, scale } = validGrid(range);
  const inside = (lo + Math.floor((hi - lo) / 2)) / scale;
  // No numeric strings: lenient validators read "0.5" as 0.5, which the params area judges apart (a warning).
  const options: Array<fc.Arbitrary<unknown>> = [
    fc.constantFrom('hot', 'high', ''),
    fc.boolean(),
    fc.constant([inside]),
    fc.constant({ value: inside }),
  ];
  if (range.type === 'integer') options.push(fc.constant(inside + 0.5));
  return fc.oneof(...options);
}

/** An invalid value of a ranged parameter: out of range or of the wrong type. */
export function invalidRangeValue(range: ParamRange): fc.Arbitrary<unknown> {
  return fc.oneof({ arbitrary: outOfRange(range), weight: 3 }, { arbitrary: wrongNumericType(range), weight: 1 });
}
