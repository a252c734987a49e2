/** Reading and editing a rendered answer, the completion object or the chunks of a stream, before it is serialized. */
import type { ChatCompletionChunk } from '../contract/types.ts';

/** The completion or chunk with each of its choices replaced by what `map` makes of it. */
export function mapChoices<T extends { choices: unknown[] }>(answer: T, map: (choice: T['choices'][number]) => T['choices'][number]): T {
  return { ...answer, choices: answer.choices.map(map) };
}

/** The include_usage chunk: no choices, non-null usage (000_96bde8db4d236014.txt, stream_options). */
export function isUsageChunk(chunk: ChatCompletionChunk): boolean {
  return chunk.choices.length === 0 && chunk.usage !== undefined && chunk.usage !== null;
}

export function hasFinish(chunk: ChatCompletionChunk): boolean {
  return chunk.choices.some((choice) => choice.finish_reason !== null);
}
