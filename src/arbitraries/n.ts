/** n within its documented range, and its invalid twin. Each choice costs tokens, so callers usually cap it (`{ max: 2 }`). */
import type { Arbitrary } from 'fast-check';
import { paramRange } from '../contract/ranges.ts';
import { inRange, invalidRangeValue, type RangeConstraints } from './range-value.ts';

export function n(constraints: RangeConstraints = {}): Arbitrary<number> {
  return inRange(paramRange('n'), constraints);
}

export function invalidN(): Arbitrary<unknown> {
  return invalidRangeValue(paramRange('n'));
}
