/** Text matching a documented name pattern and length (message names, function names), and text that does not. */
import fc from 'fast-check';

export interface PatternTextConstraints {
  /** Longest text to produce when shorter than the documented maximum. */
  maxLength?: number;
}

export function patternText(pattern: string, maxLength: number, constraints: PatternTextConstraints = {}): fc.Arbitrary<string> {
  const regex = new RegExp(pattern);
  const longest = Math.min(maxLength, constraints.maxLength ?? maxLength);
  const common = fc.stringMatching(regex).filter((s) => s.length > 0 && s.length <= longest);
  // The longest documented name is worth trying on its own.
  const atLimit = fc.constant('a'.repeat(longest)).filter((s) => regex.test(s));
  return fc.oneof({ arbitrary: common, weight: 4 }, { arbitrary: atLimit, weight: 1 });
}

/**
 * Characters outside the documented name patterns (spaces, punctuation, non-ASCII), and the dash: a message name
 * may not hold one under 000's list of characters, though OpenAI accepts it (conflict message-name-pattern). Where
 * a pattern allows a character, the texts holding it are filtered out.
 */
const FOREIGN = [' ', '!', '.', '/', '@', 'é', '名', '\t', '-'];

export function invalidPatternText(pattern: string, maxLength: number): fc.Arbitrary<string> {
  const regex = new RegExp(pattern);
  const valid = fc.stringMatching(regex).filter((s) => s.length > 0 && s.length < maxLength);
  const withForeign = fc.tuple(valid, fc.constantFrom(...FOREIGN), fc.nat()).map(([text, ch, at]) => {
    const i = at % (text.length + 1);
    return text.slice(0, i) + ch + text.slice(i);
  });
  const tooLong = fc.integer({ min: maxLength + 1, max: maxLength + 16 }).map((length) => 'a'.repeat(length));
  const empty = fc.constant('');
  return fc
    .oneof({ arbitrary: withForeign, weight: 3 }, { arbitrary: tooLong, weight: 1 }, { arbitrary: empty, weight: 1 })
    .filter((s) => !regex.test(s) || s.length > maxLength);
}
