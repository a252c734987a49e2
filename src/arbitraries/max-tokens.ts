/** max_tokens / max_completion_tokens: small positive integers (requests stay cheap), and wrongly typed values. */

import fc from 'fast-check';
import { CHEAP_MAX_TOKENS } from '../core/limits.ts';

export interface MaxTokensConstraints {
  max?: number;
}

export function maxTokens(constraints: MaxTokensConstraints = {}): fc.Arbitrary<number> {
  return fc.integer({ min: 1, max: constraints.max ?? CHEAP_MAX_TOKENS });
}

/** The documents give max_tokens no range, so only its type can be wrong. */
export function invalidMaxTokens(): fc.Arbitrary<unknown> {
  return fc.oneof(fc.constant('16'), fc.constant(1.5), fc.boolean(), fc.constant([16]));
}
