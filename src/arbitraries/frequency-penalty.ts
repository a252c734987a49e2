/** frequency_penalty within its documented range, and its invalid twin. */
import type { Arbitrary } from 'fast-check';
import { paramRange } from '../contract/ranges.ts';
import { inRange, invalidRangeValue, type RangeConstraints } from './range-value.ts';

export function frequencyPenalty(constraints: RangeConstraints = {}): Arbitrary<number> {
  return inRange(paramRange('frequency_penalty'), constraints);
}

export function invalidFrequencyPenalty(): Arbitrary<unknown> {
  return invalidRangeValue(paramRange('frequency_penalty'));
}
