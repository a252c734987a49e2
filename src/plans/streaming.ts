/**
 * Probes for streaming: a counting stream (long enough to judge pacing) and a seeded stream-vs-non-stream pair of
 * multi-byte text at every depth; n=2, a truncated stream and a counting pair from standard depth; n=3, repeats and
 * an n=2 pair at deep depth.
 */
import type { CheckId } from '../checks/registry.ts';
import type { ChatRequestBody } from '../contract/types.ts';
import type { Observation } from '../core/evidence.ts';
import { CHEAP_MAX_TOKENS } from '../core/limits.ts';
import type { Depth } from '../core/vocabulary.ts';
import type { Plan, Probe, ProbeIO } from './probe.ts';
import { ask, streamVsNonstream } from './requests.ts';

/** Checks that judge any single stream. */
const STREAM_CHECKS: CheckId[] = [
  'streaming.content-type',
  'streaming.data-only',
  'streaming.single-line-data',
  'streaming.payload-json',
  'streaming.done-terminator',
  'streaming.done-once',
  'streaming.chunk-object',
  'streaming.role-first',
  'streaming.stable-identity',
  'streaming.single-finish',
  'streaming.all-choices',
  'streaming.utf8-intact',
];
const PACED_CHECKS: CheckId[] = [...STREAM_CHECKS, 'streaming.incremental'];
const PAIR_CHECKS: CheckId[] = [...STREAM_CHECKS, 'streaming.matches-nonstream'];

const streamOf = (io: ProbeIO, label: string, body: ChatRequestBody, tags: string[] = []): Promise<Observation> =>
  io.chat(label, { body: { ...body, stream: true }, tags });

const counting: ChatRequestBody = { messages: ask('Count from 1 to 20.'), max_tokens: CHEAP_MAX_TOKENS };
const multiByte: ChatRequestBody = { messages: ask('Repeat exactly: 🦙🚀 漢字 Ďábelské ñ'), max_tokens: CHEAP_MAX_TOKENS };
const truncated: ChatRequestBody = { messages: ask('Count from 1 to 100.'), max_tokens: 5 };

const stream = (id: string, title: string, from: Depth, body: ChatRequestBody, tags: string[] = [], feeds = STREAM_CHECKS): Probe => ({
  id,
  title,
  from,
  feeds,
  requests: () => 1,
  run: async (io) => [await streamOf(io, id, body, tags)],
});

const pair = (id: string, title: string, from: Depth, body: ChatRequestBody, tags: string[]): Probe => ({
  id,
  title,
  from,
  feeds: PAIR_CHECKS,
  requests: () => 2,
  run: async (io) => [await streamVsNonstream(io, id, body, tags)],
});

export const streamingPlan: Plan = {
  area: 'streaming',
  probes: [
    stream('stream-basic', 'a counting stream', 'smoke', counting, [], PACED_CHECKS),
    pair('stream-vs-nonstream', 'the same seeded multi-byte request streamed and not', 'smoke', multiByte, ['seeded', 'utf8']),
    stream('stream-n2', 'two streamed choices', 'standard', { ...counting, n: 2 }, ['n=2']),
    pair('stream-vs-nonstream-count', 'the same seeded counting request streamed and not', 'standard', counting, ['seeded']),
    stream('stream-length', 'a stream cut by max_tokens', 'standard', truncated, ['max_tokens=5']),
    stream('stream-n3', 'three streamed choices', 'deep', { ...counting, n: 3 }, ['n=3']),
    {
      id: 'stream-repeat',
      title: 'the counting stream three more times (intermittent faults)',
      from: 'deep',
      feeds: PACED_CHECKS,
      requests: () => 3,
      run: (io) => Promise.all([1, 2, 3].map((i) => streamOf(io, 'stream-repeat', counting, [`repeat=${i}`]))),
    },
    pair('stream-vs-nonstream-n2', 'two seeded choices streamed and not', 'deep', { ...counting, n: 2 }, ['seeded', 'n=2']),
  ],
};
