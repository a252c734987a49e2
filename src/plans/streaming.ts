/**
 * Probes for streaming: a counting stream (long enough to judge pacing) and a seeded stream-vs-non-stream pair of
 * multi-byte text at every depth; n=2, a truncated stream and a counting pair from standard depth; n=3, repeats and
 * an n=2 pair at deep depth.
 */
import type { Plan, ProbeIO } from '../engine/probe.ts';
import { ask, type Body, probe, streamVsNonstream } from './requests.ts';
import type { Observation } from '../core/evidence.ts';
import { CHEAP_MAX_TOKENS } from '../core/limits.ts';

/** Checks that judge any single stream. */
const STREAM_CHECKS = [
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
const PAIR_CHECKS = [...STREAM_CHECKS, 'streaming.matches-nonstream'];

const streamOf = (io: ProbeIO, label: string, body: Body, tags: string[] = []): Promise<Observation> =>
  io.chat(label, { body: { ...body, stream: true }, tags });

const counting = { messages: ask('Count from 1 to 20.'), max_tokens: CHEAP_MAX_TOKENS };
const multiByte = { messages: ask('Repeat exactly: 🦙🚀 漢字 Ďábelské ñ'), max_tokens: CHEAP_MAX_TOKENS };
const truncated = { messages: ask('Count from 1 to 100.'), max_tokens: 5 };

export const streamingPlan: Plan = {
  area: 'streaming',
  probes: [
    probe({
      id: 'stream-basic',
      title: 'a counting stream',
      from: 'smoke',
      feeds: [...STREAM_CHECKS, 'streaming.incremental'],
      requests: 1,
      send: async (io) => [await streamOf(io, 'stream-basic', counting)],
    }),
    probe({
      id: 'stream-vs-nonstream',
      title: 'the same seeded multi-byte request streamed and not',
      from: 'smoke',
      feeds: PAIR_CHECKS,
      requests: 2,
      send: async (io) => [await streamVsNonstream(io, 'stream-vs-nonstream', multiByte, ['seeded', 'utf8'])],
    }),
    probe({
      id: 'stream-n2',
      title: 'two streamed choices',
      from: 'standard',
      feeds: STREAM_CHECKS,
      requests: 1,
      send: async (io) => [await streamOf(io, 'stream-n2', { ...counting, n: 2 }, ['n=2'])],
    }),
    probe({
      id: 'stream-vs-nonstream-count',
      title: 'the same seeded counting request streamed and not',
      from: 'standard',
      feeds: PAIR_CHECKS,
      requests: 2,
      send: async (io) => [await streamVsNonstream(io, 'stream-vs-nonstream-count', counting, ['seeded'])],
    }),
    probe({
      id: 'stream-length',
      title: 'a stream cut by max_tokens',
      from: 'standard',
      feeds: STREAM_CHECKS,
      requests: 1,
      send: async (io) => [await streamOf(io, 'stream-length', truncated, ['max_tokens=5'])],
    }),
    probe({
      id: 'stream-n3',
      title: 'three streamed choices',
      from: 'deep',
      feeds: STREAM_CHECKS,
      requests: 1,
      send: async (io) => [await streamOf(io, 'stream-n3', { ...counting, n: 3 }, ['n=3'])],
    }),
    probe({
      id: 'stream-repeat',
      title: 'the counting stream three more times (intermittent faults)',
      from: 'deep',
      feeds: [...STREAM_CHECKS, 'streaming.incremental'],
      requests: 3,
      send: (io) => Promise.all([1, 2, 3].map((i) => streamOf(io, 'stream-repeat', counting, [`repeat=${i}`]))),
    }),
    probe({
      id: 'stream-vs-nonstream-n2',
      title: 'two seeded choices streamed and not',
      from: 'deep',
      feeds: PAIR_CHECKS,
      requests: 2,
      send: async (io) => [await streamVsNonstream(io, 'stream-vs-nonstream-n2', { ...counting, n: 2 }, ['seeded', 'n=2'])],
    }),
  ],
};
