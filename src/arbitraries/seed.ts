/** seed: an integer (000 "seed integer | null"), and values of the wrong type. */
import fc from 'fast-check';

export function seed(): fc.Arbitrary<number> {
  return fc.integer({ min: 0, max: 2 ** 31 - 1 });
}

export function invalidSeed(): fc.Arbitrary<unknown> {
  return fc.oneof(fc.constant(1.5), fc.integer({ min: 0, max: 1000 }).map(String), fc.boolean());
}
