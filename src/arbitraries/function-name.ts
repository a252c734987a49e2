/** tools[].function.name: "必须是 a-z、A-Z、0-9，或包含下划线和破折号，最大长度为 64" (000), from the spec. */
import type fc from 'fast-check';
import { limits } from '../contract/ranges.ts';
import { invalidPatternText, patternText, type PatternTextConstraints } from './pattern-text.ts';

export function functionName(constraints: PatternTextConstraints = {}): fc.Arbitrary<string> {
  const { functionNamePattern, functionNameMaxLength } = limits();
  return patternText(functionNamePattern, functionNameMaxLength, constraints);
}

export function invalidFunctionName(): fc.Arbitrary<string> {
  const { functionNamePattern, functionNameMaxLength } = limits();
  return invalidPatternText(functionNamePattern, functionNameMaxLength);
}
