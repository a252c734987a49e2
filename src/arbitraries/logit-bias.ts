/** logit_bias: token ids (as strings) mapped to "-100 到 100 之间" integer biases (000), bounds from the spec. */
import fc from 'fast-check';
import { limits } from '../contract/ranges.ts';

export interface LogitBiasConstraints {
  /** Most entries in one map. */
  maxKeys?: number;
  /** Largest token id; small ids exist in every vocabulary. */
  maxTokenId?: number;
}

const tokenId = (max: number): fc.Arbitrary<string> => fc.integer({ min: 0, max }).map(String);

export function logitBias(constraints: LogitBiasConstraints = {}): fc.Arbitrary<Record<string, number>> {
  const { logitBiasMin, logitBiasMax } = limits();
  const bias = fc.oneof(
    { arbitrary: fc.integer({ min: logitBiasMin, max: logitBiasMax }), weight: 3 },
    { arbitrary: fc.constantFrom(logitBiasMin, logitBiasMax), weight: 1 },
  );
  return fc.dictionary(tokenId(constraints.maxTokenId ?? 1000), bias, {
    minKeys: 1,
    maxKeys: constraints.maxKeys ?? 3,
    noNullPrototype: true,
  });
}

/** A map with one bias out of range or not an integer. */
export function invalidLogitBias(): fc.Arbitrary<Record<string, unknown>> {
  const { logitBiasMin, logitBiasMax } = limits();
  const badBias = fc.oneof(
    fc.integer({ min: logitBiasMax + 1, max: logitBiasMax + 50 }),
    fc.integer({ min: logitBiasMin - 50, max: logitBiasMin - 1 }),
    fc.constant(1.5),
    fc.constant('5'),
  );
  return fc.tuple(tokenId(1000), badBias).map(([id, value]) => ({ [id]: value }));
}
