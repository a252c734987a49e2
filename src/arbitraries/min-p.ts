/** min_p within its documented range, and its invalid twin. */
import type { Arbitrary } from 'fast-check';
import { paramRange } from '../contract/ranges.ts';
import { inRange, invalidRangeValue, type RangeConstraints } from './range-value.ts';

export function minP(constraints: RangeConstraints = {}): Arbitrary<number> {
  return inRange(paramRange('min_p'), constraints);
}

export function invalidMinP(): Arbitrary<unknown> {
  return invalidRangeValue(paramRange('min_p'));
}
