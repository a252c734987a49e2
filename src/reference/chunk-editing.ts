/** Reading and editing the chunk objects of a stream before they are serialized. */
import { isRecord, type Json } from '../core/json.ts';

export type Chunk = Json;
export type ChunkChoice = Json & { index?: unknown; delta?: unknown; finish_reason?: unknown };

export function choicesOf(chunk: Chunk): ChunkChoice[] {
  return Array.isArray(chunk.choices) ? chunk.choices.filter(isRecord) : [];
}

export function deltaOf(choice: ChunkChoice): Json {
  return isRecord(choice.delta) ? choice.delta : {};
}

/** The include_usage chunk: no choices, non-null usage (000_96bde8db4d236014.txt, stream_options). */
export function isUsageChunk(chunk: Chunk): boolean {
  return Array.isArray(chunk.choices) && chunk.choices.length === 0 && isRecord(chunk.usage);
}

export function hasFinish(chunk: Chunk): boolean {
  return choicesOf(chunk).some((choice) => choice.finish_reason !== null && choice.finish_reason !== undefined);
}

export function mapChoices(chunk: Chunk, map: (choice: ChunkChoice) => ChunkChoice): Chunk {
  return Array.isArray(chunk.choices) ? { ...chunk, choices: choicesOf(chunk).map(map) } : chunk;
}
