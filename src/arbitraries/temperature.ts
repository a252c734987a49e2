/** temperature within its documented range, and its invalid twin (out of range or wrongly typed). */
import type { Arbitrary } from 'fast-check';
import { paramRange } from '../contract/ranges.ts';
import { inRange, invalidRangeValue, type RangeConstraints } from './range-value.ts';

export function temperature(constraints: RangeConstraints = {}): Arbitrary<number> {
  return inRange(paramRange('temperature'), constraints);
}

export function invalidTemperature(): Arbitrary<unknown> {
  return invalidRangeValue(paramRange('temperature'));
}
