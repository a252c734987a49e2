/** messages[].name: "可以包含 a-z、A-Z、0-9 和下划线，最大长度为 64 个字符" (000), from the spec's pattern and maxLength. */
import type fc from 'fast-check';
import { limits } from '../contract/ranges.ts';
import { invalidPatternText, patternText, type PatternTextConstraints } from './pattern-text.ts';

export function messageName(constraints: PatternTextConstraints = {}): fc.Arbitrary<string> {
  const { messageNamePattern, messageNameMaxLength } = limits();
  return patternText(messageNamePattern, messageNameMaxLength, constraints);
}

export function invalidMessageName(): fc.Arbitrary<string> {
  const { messageNamePattern, messageNameMaxLength } = limits();
  return invalidPatternText(messageNamePattern, messageNameMaxLength);
}
