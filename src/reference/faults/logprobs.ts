/**
 * Faults in log probabilities (000_96bde8db4d236014.txt: logprobs returns the log probability of each
 * output token; top_logprobs asks for 0–20 alternatives per position).
 */
import { mapChoices } from '../answer-editing.ts';
import type { Behaviour, Completion, GeneratedChoice } from '../behaviour.ts';

function mapLogprobs(
  completion: Completion,
  map: (entry: NonNullable<GeneratedChoice['logprobs']>[number]) => NonNullable<GeneratedChoice['logprobs']>[number],
): Completion {
  return {
    ...completion,
    choices: completion.choices.map((choice) => (choice.logprobs ? { ...choice, logprobs: choice.logprobs.map(map) } : choice)),
  };
}

function withoutLogprobs<T extends { logprobs?: unknown }>(choice: T): T {
  return choice.logprobs === undefined || choice.logprobs === null ? choice : { ...choice, logprobs: null };
}

export const logprobsFaults: readonly Behaviour[] = [
  {
    name: 'logprobs-ignored',
    kind: 'fault',
    description: 'logprobs:true is answered with logprobs: null.',
    detectedBy: ['logprobs.present'],
    response: (body) => mapChoices(body, withoutLogprobs),
    chunks: (chunks) => chunks.map((chunk) => mapChoices(chunk, withoutLogprobs)),
  },
  {
    name: 'top-logprobs-count',
    kind: 'fault',
    description: 'Each position carries one top_logprobs alternative fewer than asked for.',
    detectedBy: ['logprobs.top-count'],
    generate: (completion) =>
      mapLogprobs(completion, (entry) => (entry.top.length > 0 ? { ...entry, top: entry.top.slice(0, -1) } : entry)),
  },
  {
    name: 'positive-logprob',
    kind: 'fault',
    description: 'Probabilities (0 < p ≤ 1) are reported where log probabilities (≤ 0) belong.',
    detectedBy: ['logprobs.values'],
    generate: (completion) =>
      mapLogprobs(completion, (entry) => ({
        ...entry,
        logprob: Math.exp(entry.logprob),
        top: entry.top.map((alt) => ({ ...alt, logprob: Math.exp(alt.logprob) })),
      })),
  },
];
