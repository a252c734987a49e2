/**
 * Faults in token usage reporting. With stream_options.include_usage one extra chunk before
 * [DONE] carries usage and `choices: []`, and every other chunk carries `usage: null`
 * (000_96bde8db4d236014.txt); totals are prompt + completion.
 */
import type { ChatCompletionChunk, Usage } from '../../contract/types.ts';
import { hasFinish, isUsageChunk } from '../answer-editing.ts';
import type { Behaviour } from '../behaviour.ts';
import { wantsUsage } from '../request-options.ts';

function withUsage<T extends { usage?: Usage | null }>(answer: T, change: (usage: Usage) => Usage): T {
  return answer.usage ? { ...answer, usage: change(answer.usage) } : answer;
}

function plusOne(usage: Usage, field: keyof Usage): Usage {
  return { ...usage, [field]: usage[field] + 1 };
}

/** The usage chunk removed from the list, and where it was. */
function takeUsageChunk(chunks: ChatCompletionChunk[]): { usage?: ChatCompletionChunk; rest: ChatCompletionChunk[] } {
  const at = chunks.findIndex(isUsageChunk);
  if (at < 0) return { rest: chunks };
  return { usage: chunks[at], rest: [...chunks.slice(0, at), ...chunks.slice(at + 1)] };
}

/**
 * Usage of each generated completion, looked up again when its stream is rendered: the pipeline hands
 * the generate and chunks hooks the same request object.
 */
function createUsageUnrequested(): Behaviour {
  const generated = new WeakMap<object, Usage>();
  return {
    name: 'usage-unrequested',
    kind: 'fault',
    description: 'A usage chunk is streamed although include_usage was not requested.',
    detectedBy: ['usage.not-requested'],
    generate(completion, request) {
      generated.set(request, { ...completion.usage });
      return completion;
    },
    chunks(chunks, request) {
      if (wantsUsage(request) || chunks.some(isUsageChunk)) return chunks;
      const first = chunks[0];
      const usage = generated.get(request);
      if (!first || !usage) return chunks;
      const { id, object, created, model } = first;
      return [...chunks, { id, object, created, model, choices: [], usage }];
    },
  };
}

export const usageFaults: readonly Behaviour[] = [
  {
    name: 'usage-ignored',
    kind: 'fault',
    description: 'include_usage is ignored: no usage chunk is streamed (other chunks keep usage: null).',
    detectedBy: ['usage.chunk-present'],
    chunks: (chunks) => chunks.filter((chunk) => !isUsageChunk(chunk)),
  },
  {
    name: 'usage-on-finish',
    kind: 'fault',
    description: 'Usage rides on the last finish chunk (choices not empty); there is no separate usage chunk.',
    detectedBy: ['usage.chunk-empty-choices'],
    chunks(chunks) {
      const { usage, rest } = takeUsageChunk(chunks);
      const lastFinish = rest.findLastIndex(hasFinish);
      if (!usage || lastFinish < 0) return chunks;
      return rest.map((chunk, i) => (i === lastFinish ? { ...chunk, usage: usage.usage } : chunk));
    },
  },
  {
    name: 'usage-before-finish',
    kind: 'fault',
    description: 'The usage chunk is sent before the finish chunk instead of after it.',
    detectedBy: ['usage.chunk-placement', 'clients.stream-usage'],
    chunks(chunks) {
      const { usage, rest } = takeUsageChunk(chunks);
      const firstFinish = rest.findIndex(hasFinish);
      if (!usage || firstFinish < 0) return chunks;
      return [...rest.slice(0, firstFinish), usage, ...rest.slice(firstFinish)];
    },
  },
  {
    name: 'usage-absent',
    kind: 'fault',
    description: 'Chunks other than the usage chunk omit the usage key instead of carrying usage: null.',
    detectedBy: ['usage.null-elsewhere'],
    chunks: (chunks) =>
      chunks.map((chunk) => {
        if (chunk.usage !== null) return chunk;
        const { usage: _usage, ...rest } = chunk;
        return rest;
      }),
  },
  createUsageUnrequested(),
  {
    name: 'zero-usage',
    kind: 'fault',
    description: 'Answers that finish on their own report usage 0/0/0 although they carry content (answers cut by max_tokens still count).',
    detectedBy: ['usage.counts-nonzero'],
    // Left alone when a choice was cut at the limit, where zeros would also break completion_tokens = max_tokens.
    generate: (completion) =>
      completion.choices.some((choice) => choice.finishReason === 'length')
        ? completion
        : { ...completion, usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 } },
  },
  {
    name: 'usage-bad-total',
    kind: 'fault',
    description: 'total_tokens is one more than prompt_tokens + completion_tokens.',
    detectedBy: ['usage.totals-add-up'],
    response: (body) => withUsage(body, (usage) => plusOne(usage, 'total_tokens')),
    chunks: (chunks) => chunks.map((chunk) => withUsage(chunk, (usage) => plusOne(usage, 'total_tokens'))),
  },
  {
    name: 'usage-stream-mismatch',
    kind: 'fault',
    description: 'Streamed usage counts one more prompt token (and total) than the non-stream answer.',
    detectedBy: ['usage.stream-matches-nonstream'],
    // prompt_tokens rather than completion_tokens, so completion_tokens ≤ max_tokens still holds.
    chunks: (chunks) => chunks.map((chunk) => withUsage(chunk, (usage) => plusOne(plusOne(usage, 'prompt_tokens'), 'total_tokens'))),
  },
];
