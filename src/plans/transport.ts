/**
 * Probes for transport: ordinary requests whose exchanges every transport check judges. A plain answer at every
 * depth, a stream from standard depth, and a longer stream and two choices at deep depth.
 */
import { CHEAP_MAX_TOKENS } from '../engine/budget.ts';
import { DEPTHS, type Depth } from '../engine/config.ts';
import type { Plan, Probe } from '../engine/probe.ts';

const TRANSPORT_CHECKS = [
  'transport.headers-timely',
  'transport.stream-progress',
  'transport.bounded-duration',
  'transport.complete-body',
  'transport.body-size',
  'transport.valid-utf8',
  'transport.content-encoding',
  'transport.not-rate-limited',
];

const ask = (text: string) => [{ role: 'user', content: text }];

/** A probe that sends one ordinary request, from depth `from` up. */
function ordinary(id: string, title: string, from: Depth, body: Record<string, unknown>, tags: string[] = []): Probe {
  const runs = (depth: Depth) => DEPTHS.indexOf(depth) >= DEPTHS.indexOf(from);
  return {
    id,
    title,
    feeds: TRANSPORT_CHECKS,
    cost: (depth) => (runs(depth) ? 1 : 0),
    run: async (io) => (runs(io.config.depth) && io.remainingBudget() >= 1 ? [await io.chat(id, { body, tags })] : []),
  };
}

const hello = { messages: ask('Say hello in one short sentence.'), max_tokens: CHEAP_MAX_TOKENS };
const counting = { messages: ask('Count from 1 to 20.'), max_tokens: CHEAP_MAX_TOKENS };

export const transportPlan: Plan = {
  area: 'transport',
  probes: [
    ordinary('transport-plain', 'a plain answer', 'smoke', hello),
    ordinary('transport-stream', 'a streamed answer', 'standard', { ...hello, stream: true }),
    ordinary('transport-stream-long', 'a longer stream', 'deep', { ...counting, stream: true }),
    ordinary('transport-n2', 'two choices', 'deep', { ...hello, n: 2 }, ['n=2']),
  ],
};
