/** repetition_penalty within its documented range, and its invalid twin. */
import type { Arbitrary } from 'fast-check';
import { paramRange } from '../contract/ranges.ts';
import { inRange, invalidRangeValue, type RangeConstraints } from './range-value.ts';

export function repetitionPenalty(constraints: RangeConstraints = {}): Arbitrary<number> {
  return inRange(paramRange('repetition_penalty'), constraints);
}

export function invalidRepetitionPenalty(): Arbitrary<unknown> {
  return invalidRangeValue(paramRange('repetition_penalty'));
}
