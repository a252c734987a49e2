/**
 * Probes for usage reporting: a stream with include_usage at every depth; a stream without stream_options, a truncated
 * answer, include_usage with n=2, include_usage:false and a seeded stream-vs-non-stream pair of a short answer (one that
 * finishes on its own) from standard depth; a truncated usage stream, n=2 without stream and an n=2 pair at deep depth.
 */
import type { CheckId } from '../checks/registry.ts';
import type { ChatRequestBody } from '../contract/types.ts';
import { CHEAP_MAX_TOKENS } from '../core/limits.ts';
import type { Depth } from '../core/vocabulary.ts';
import type { Plan, Probe } from './probe.ts';
import { ask, single, streamVsNonstream, withUsage } from './requests.ts';

const USAGE_STREAM_CHECKS: CheckId[] = [
  'usage.chunk-present',
  'usage.chunk-placement',
  'usage.chunk-empty-choices',
  'usage.null-elsewhere',
  'usage.totals-add-up',
  'usage.within-max-tokens',
  'usage.counts-nonzero',
];
const COUNT_CHECKS: CheckId[] = ['usage.totals-add-up', 'usage.within-max-tokens', 'usage.counts-nonzero'];
const UNREQUESTED_CHECKS: CheckId[] = ['usage.not-requested'];

const counting: ChatRequestBody = { messages: ask('Count from 1 to 20.'), max_tokens: CHEAP_MAX_TOKENS };
/** An answer that fits well within its limit, so its counts are those of an answer that finished on its own. */
const short: ChatRequestBody = { messages: ask('Count from 1 to 5.'), max_tokens: CHEAP_MAX_TOKENS };
const truncated: ChatRequestBody = { messages: ask('Count from 1 to 100.'), max_tokens: 5 };
const countingTags = ['include-usage', `max_tokens=${CHEAP_MAX_TOKENS}`];

/** The same seeded request streamed with include_usage and not streamed, side by side; the counts must agree. */
const usagePair = (id: string, title: string, from: Depth, body: ChatRequestBody, tags: string[]): Probe => ({
  id,
  title,
  from,
  feeds: [...COUNT_CHECKS, 'usage.stream-matches-nonstream'],
  requests: () => 2,
  run: async (io) => [await streamVsNonstream(io, id, body, tags, withUsage, ['include-usage'])],
});

export const usagePlan: Plan = {
  area: 'usage',
  probes: [
    single('usage-include', 'a stream with include_usage', 'smoke', USAGE_STREAM_CHECKS, { ...counting, ...withUsage }, countingTags),
    single('usage-unrequested', 'a stream without stream_options', 'standard', UNREQUESTED_CHECKS, { ...counting, stream: true }, []),
    single('usage-length', 'an answer cut by max_tokens', 'standard', COUNT_CHECKS, truncated, ['max_tokens=5']),
    single(
      'usage-include-n2',
      'two streamed choices with include_usage',
      'standard',
      USAGE_STREAM_CHECKS,
      { ...counting, n: 2, ...withUsage },
      [...countingTags, 'n=2'],
    ),
    single(
      'usage-include-false',
      'a stream with include_usage: false',
      'standard',
      UNREQUESTED_CHECKS,
      { ...counting, stream: true, stream_options: { include_usage: false } },
      ['include-usage=false'],
    ),
    usagePair('usage-stream-vs-nonstream', 'the same seeded short answer streamed (with usage) and not', 'standard', short, ['seeded']),
    single('usage-stream-length', 'a usage stream cut by max_tokens', 'deep', USAGE_STREAM_CHECKS, { ...truncated, ...withUsage }, [
      'include-usage',
      'max_tokens=5',
    ]),
    single('usage-n2', 'two truncated choices without stream', 'deep', COUNT_CHECKS, { ...truncated, n: 2 }, ['n=2', 'max_tokens=5']),
    usagePair('usage-stream-vs-nonstream-n2', 'two seeded choices streamed (with usage) and not', 'deep', { ...counting, n: 2 }, [
      'seeded',
      'n=2',
    ]),
  ],
};
