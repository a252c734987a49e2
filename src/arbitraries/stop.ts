/**
 * stop: a string, or "最多 4 个序列" as an array (the array form is the spec's reading of conflict stop-array, so it
 * is opt-in here), with the item bounds from the spec.
 */
import fc from 'fast-check';
import { limits } from '../contract/ranges.ts';

export interface StopConstraints {
  /** Also produce the array form (conflict stop-array). */
  arrays?: boolean;
}

const sequence = fc.string({ minLength: 1, maxLength: 8 });

export function stop(constraints: StopConstraints = {}): fc.Arbitrary<string | string[]> {
  if (!constraints.arrays) return sequence;
  const { stopMinItems, stopMaxItems } = limits();
  return fc.oneof(sequence, fc.array(sequence, { minLength: stopMinItems, maxLength: stopMaxItems }));
}

/** More sequences than documented, or sequences that are not strings. */
export function invalidStop(): fc.Arbitrary<unknown> {
  const { stopMaxItems } = limits();
  return fc.oneof(
    { arbitrary: fc.array(sequence, { minLength: stopMaxItems + 1, maxLength: stopMaxItems + 3 }), weight: 3 },
    { arbitrary: fc.array(fc.integer(), { minLength: 1, maxLength: 2 }), weight: 1 },
    { arbitrary: fc.integer(), weight: 1 },
    { arbitrary: fc.constant({ sequence: '.' }), weight: 1 },
  );
}
