/**
 * Faults in the reasoning switches (000_96bde8db4d236014.txt): separate_reasoning moves reasoning to
 * reasoning_content (deepseek/deepseek-r1-turbo); enable_thinking turns thinking off (zai-org/glm-4.5).
 */
import { isRecord } from '../../core/json.ts';
import type { Behaviour } from '../behaviour.ts';
import { type Chunk, choicesOf, deltaOf, isUsageChunk, mapChoices } from '../chunk-editing.ts';
import { regenerate, withoutField } from '../completion-editing.ts';
import { reasoningMode } from '../models.ts';

function withoutReasoning(message: unknown): unknown {
  if (!isRecord(message) || !('reasoning_content' in message)) return message;
  const { reasoning_content: _hidden, ...rest } = message;
  return rest;
}

/** A chunk that only carried reasoning says nothing once the reasoning is gone. */
function isEmptyChunk(chunk: Chunk): boolean {
  if (isUsageChunk(chunk)) return false;
  const choices = choicesOf(chunk);
  return (
    choices.length > 0 &&
    choices.every((choice) => Object.keys(deltaOf(choice)).length === 0 && (choice.finish_reason === null || choice.finish_reason === undefined))
  );
}

export const reasoningFaults: readonly Behaviour[] = [
  {
    name: 'reasoning-ignored',
    kind: 'fault',
    description: 'separate_reasoning:true returns no reasoning_content (the reasoning is produced, counted and dropped).',
    detectedBy: ['reasoning.separate'],
    response(body, request) {
      if (request.separate_reasoning !== true || !Array.isArray(body.choices)) return body;
      return { ...body, choices: body.choices.map((c) => (isRecord(c) ? { ...c, message: withoutReasoning(c.message) } : c)) };
    },
    chunks: (chunks, request) =>
      request.separate_reasoning !== true
        ? chunks
        : chunks.map((chunk) => mapChoices(chunk, (c) => ({ ...c, delta: withoutReasoning(c.delta) }))).filter((chunk) => !isEmptyChunk(chunk)),
  },
  {
    name: 'thinking-ignored',
    kind: 'fault',
    description: 'enable_thinking:false still returns reasoning_content.',
    detectedBy: ['reasoning.thinking-toggle'],
    generate(completion, request) {
      const thinking = withoutField(request, 'enable_thinking');
      if (reasoningMode(request) !== 'none' || reasoningMode(thinking) !== 'separate') return completion;
      return regenerate(completion, thinking);
    },
  },
];
