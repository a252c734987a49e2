/**
 * Log probabilities: logprobs with top_logprobs 3 at every depth; streamed, and logprobs without top_logprobs,
 * from standard depth; top_logprobs at its documented edges (0 and 20) at deep depth.
 */
import { paramRange } from '../contract/ranges.ts';
import type { Plan, Probe, ProbeIO } from '../engine/probe.ts';
import { ask, type Body, probe } from './requests.ts';
import type { Depth } from '../core/vocabulary.ts';

const base = { messages: ask('Name three colours.'), max_tokens: 8, logprobs: true };

const ALL = ['logprobs.present', 'logprobs.top-count', 'logprobs.values'];

/** The body is built when the probe runs, so the documented range is read only then. */
function single(id: string, title: string, from: Depth, body: () => Body): Probe {
  const send = async (io: ProbeIO) => [await io.chat(id, { body: body(), tags: ['logprobs'] })];
  return probe({ id, title, from, feeds: ALL, requests: 1, send });
}

const edge = (side: 'minimum' | 'maximum'): number => {
  const range = paramRange('top_logprobs');
  return range[side] ?? (side === 'minimum' ? 0 : 20);
};

export const logprobsPlan: Plan = {
  area: 'logprobs',
  probes: [
    single('logprobs-top3', 'logprobs with top_logprobs 3', 'smoke', () => ({ ...base, top_logprobs: 3 })),
    single('logprobs-stream', 'logprobs with top_logprobs 3, streamed', 'standard', () => ({ ...base, top_logprobs: 3, stream: true })),
    single('logprobs-alone', 'logprobs without top_logprobs', 'standard', () => ({ ...base })),
    single('logprobs-top-min', 'top_logprobs at its documented minimum', 'deep', () => ({ ...base, top_logprobs: edge('minimum') })),
    single('logprobs-top-max', 'top_logprobs at its documented maximum', 'deep', () => ({ ...base, top_logprobs: edge('maximum') })),
  ],
};
