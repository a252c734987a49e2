/**
 * Names the documents constrain by pattern and length (000), read from the spec: messages[].name "可以包含 a-z、A-Z、
 * 0-9 和下划线，最大长度为 64 个字符" and tools[].function.name "必须是 a-z、A-Z、0-9，或包含下划线和破折号，最大长度为 64".
 */
import type fc from 'fast-check';
import { limits } from '../contract/ranges.ts';
import { invalidPatternText, type PatternTextConstraints, patternText } from './pattern-text.ts';

type NameField = 'messageName' | 'functionName';

function rule(name: NameField): [pattern: string, maxLength: number] {
  const all = limits();
  return [all[`${name}Pattern`], all[`${name}MaxLength`]];
}

export const messageName = (constraints: PatternTextConstraints = {}): fc.Arbitrary<string> =>
  patternText(...rule('messageName'), constraints);

export const invalidMessageName = (): fc.Arbitrary<string> => invalidPatternText(...rule('messageName'));

export const functionName = (constraints: PatternTextConstraints = {}): fc.Arbitrary<string> =>
  patternText(...rule('functionName'), constraints);

export const invalidFunctionName = (): fc.Arbitrary<string> => invalidPatternText(...rule('functionName'));
