/** presence_penalty within its documented range, and its invalid twin. */
import type { Arbitrary } from 'fast-check';
import { paramRange } from '../contract/ranges.ts';
import { inRange, invalidRangeValue, type RangeConstraints } from './range-value.ts';

export function presencePenalty(constraints: RangeConstraints = {}): Arbitrary<number> {
  return inRange(paramRange('presence_penalty'), constraints);
}

export function invalidPresencePenalty(): Arbitrary<unknown> {
  return invalidRangeValue(paramRange('presence_penalty'));
}
