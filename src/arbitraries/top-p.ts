/** top_p within its documented range, and its invalid twin. */
import type { Arbitrary } from 'fast-check';
import { paramRange } from '../contract/ranges.ts';
import { inRange, invalidRangeValue, type RangeConstraints } from './range-value.ts';

export function topP(constraints: RangeConstraints = {}): Arbitrary<number> {
  return inRange(paramRange('top_p'), constraints);
}

export function invalidTopP(): Arbitrary<unknown> {
  return invalidRangeValue(paramRange('top_p'));
}
