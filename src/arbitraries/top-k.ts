/** top_k within its documented range, and its invalid twin. */
import type { Arbitrary } from 'fast-check';
import { paramRange } from '../contract/ranges.ts';
import { inRange, invalidRangeValue, type RangeConstraints } from './range-value.ts';

export function topK(constraints: RangeConstraints = {}): Arbitrary<number> {
  return inRange(paramRange('top_k'), constraints);
}

export function invalidTopK(): Arbitrary<unknown> {
  return invalidRangeValue(paramRange('top_k'));
}
