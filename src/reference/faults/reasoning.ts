/**
 * Faults in the reasoning switches (000_96bde8db4d236014.txt): separate_reasoning moves reasoning to
 * reasoning_content (deepseek/deepseek-r1-turbo); enable_thinking turns thinking off (zai-org/glm-4.5).
 */
import type { ChatCompletionChunk } from '../../contract/types.ts';
import { isUsageChunk, mapChoices } from '../answer-editing.ts';
import type { Behaviour } from '../behaviour.ts';
import { regenerate, withoutField } from '../completion-editing.ts';
import { reasoningMode } from '../models.ts';

function withoutReasoning<T extends { reasoning_content?: string | null }>(message: T): T {
  const rest = { ...message };
  delete rest.reasoning_content;
  return rest;
}

/** A chunk that only carried reasoning says nothing once the reasoning is gone. */
function isEmptyChunk(chunk: ChatCompletionChunk): boolean {
  if (isUsageChunk(chunk)) return false;
  return (
    chunk.choices.length > 0 && chunk.choices.every((choice) => Object.keys(choice.delta).length === 0 && choice.finish_reason === null)
  );
}

export const reasoningFaults: readonly Behaviour[] = [
  {
    name: 'reasoning-ignored',
    kind: 'fault',
    description: 'separate_reasoning:true returns no reasoning_content (the reasoning is produced, counted and dropped).',
    detectedBy: ['reasoning.separate'],
    response: (body, request) =>
      request.separate_reasoning === true ? mapChoices(body, (choice) => ({ ...choice, message: withoutReasoning(choice.message) })) : body,
    chunks: (chunks, request) =>
      request.separate_reasoning !== true
        ? chunks
        : chunks
            .map((chunk) => mapChoices(chunk, (choice) => ({ ...choice, delta: withoutReasoning(choice.delta) })))
            .filter((chunk) => !isEmptyChunk(chunk)),
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
