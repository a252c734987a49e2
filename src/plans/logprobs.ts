/**
 * Log probabilities: logprobs with top_logprobs 3 at every depth; streamed, and logprobs without top_logprobs,
 * from standard depth; top_logprobs at its documented edges (0 and 20) at deep depth.
 */
import type { CheckId } from '../checks/registry.ts';
import { paramRange } from '../contract/ranges.ts';
import type { ChatRequestBody } from '../contract/types.ts';
import type { Depth } from '../core/vocabulary.ts';
import type { Plan, Probe } from './probe.ts';
import { ask } from './requests.ts';

const base: ChatRequestBody = { messages: ask('Name three colours.'), max_tokens: 8, logprobs: true };

const ALL: CheckId[] = ['logprobs.present', 'logprobs.top-count', 'logprobs.values'];

/** The body is built when the probe runs, so the documented range is read only then. */
const logprobsProbe = (id: string, title: string, from: Depth, body: () => ChatRequestBody): Probe => ({
  id,
  title,
  from,
  feeds: ALL,
  requests: () => 1,
  run: async (io) => [await io.chat(id, { body: body(), tags: ['logprobs'] })],
});

const edge = (side: 'minimum' | 'maximum'): number => {
  const range = paramRange('top_logprobs');
  return range[side] ?? (side === 'minimum' ? 0 : 20);
};

export const logprobsPlan: Plan = {
  area: 'logprobs',
  probes: [
    logprobsProbe('logprobs-top3', 'logprobs with top_logprobs 3', 'smoke', () => ({ ...base, top_logprobs: 3 })),
    logprobsProbe('logprobs-stream', 'logprobs with top_logprobs 3, streamed', 'standard', () => ({
      ...base,
      top_logprobs: 3,
      stream: true,
    })),
    logprobsProbe('logprobs-alone', 'logprobs without top_logprobs', 'standard', () => ({ ...base })),
    logprobsProbe('logprobs-top-min', 'top_logprobs at its documented minimum', 'deep', () => ({ ...base, top_logprobs: edge('minimum') })),
    logprobsProbe('logprobs-top-max', 'top_logprobs at its documented maximum', 'deep', () => ({ ...base, top_logprobs: edge('maximum') })),
  ],
};
