/** top_logprobs within its documented range (the request must also set logprobs: true), and its invalid twin. */
import type { Arbitrary } from 'fast-check';
import { paramRange } from '../contract/ranges.ts';
import { inRange, invalidRangeValue, type RangeConstraints } from './range-value.ts';

export function topLogprobs(constraints: RangeConstraints = {}): Arbitrary<number> {
  return inRange(paramRange('top_logprobs'), constraints);
}

export function invalidTopLogprobs(): Arbitrary<unknown> {
  return invalidRangeValue(paramRange('top_logprobs'));
}
