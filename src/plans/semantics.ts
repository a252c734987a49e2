/**
 * Whether parameters take effect: a reply cut by max_tokens at every depth; from standard depth max_tokens
 * streamed, max_completion_tokens, n=2, the stop sequence as a string, as an array and streamed, and the same
 * seeded request twice; at deep depth a one-token limit and n=3.
 */
import type { CheckId } from '../checks/registry.ts';
import { LIMIT_TAG, STOP_PROMPT, STOP_SEQUENCE, STOP_TAG, TRUNCATION_PROMPT, TRUNCATION_TAG } from '../checks/semantics.ts';
import { CHEAP_MAX_TOKENS } from '../core/limits.ts';
import type { ChatRequestBody } from '../contract/types.ts';
import type { Plan } from './probe.ts';
import { ask, single, withUsage } from './requests.ts';

/** A limit the counting prompt cannot finish within. */
const LIMIT = 5;
const LIMIT_TAGS = [LIMIT_TAG, TRUNCATION_TAG];
const truncated: ChatRequestBody = { messages: ask(TRUNCATION_PROMPT), max_tokens: LIMIT };

/** Counting to ten with ", " takes about twenty tokens; the stop sequence comes well before the limit. */
const counting: ChatRequestBody = { messages: ask(STOP_PROMPT), max_tokens: 48 };

const MAX_TOKENS: CheckId[] = ['semantics.max-tokens'];
const STOP: CheckId[] = ['semantics.stop-sequence'];

export const semanticsPlan: Plan = {
  area: 'semantics',
  probes: [
    single('semantics-max-tokens', `a reply cut at max_tokens ${LIMIT}`, 'smoke', MAX_TOKENS, truncated, LIMIT_TAGS),
    single('semantics-n', 'n=2', 'standard', ['semantics.n-choices'], { messages: ask('Say hello.'), max_tokens: 8, n: 2 }, ['n=2']),
    single('semantics-stop-string', `stop ${JSON.stringify(STOP_SEQUENCE)} as a string`, 'standard', STOP, { ...counting, stop: STOP_SEQUENCE }, [STOP_TAG]),
    single(
      'semantics-max-completion-tokens',
      `a reply cut at max_completion_tokens ${LIMIT} (max_tokens larger)`,
      'standard',
      ['semantics.max-completion-tokens'],
      { messages: ask(TRUNCATION_PROMPT), max_tokens: 32, max_completion_tokens: LIMIT },
      LIMIT_TAGS,
    ),
    single('semantics-max-tokens-stream', `a stream cut at max_tokens ${LIMIT}`, 'standard', MAX_TOKENS, { ...truncated, ...withUsage }, [
      ...LIMIT_TAGS,
      'include-usage',
    ]),
    single('semantics-stop-array', 'stop as an array', 'standard', STOP, { ...counting, stop: [STOP_SEQUENCE, 'QZX'] }, [STOP_TAG]),
    single('semantics-stop-stream', 'stop in a stream', 'standard', STOP, { ...counting, stop: STOP_SEQUENCE, stream: true }, [STOP_TAG]),
    {
      id: 'semantics-seed',
      title: 'the same seeded request twice',
      from: 'standard',
      feeds: ['semantics.seed-determinism'],
      requests: () => 2,
      async run(io) {
        const body: ChatRequestBody = { messages: ask('Write one sentence about the sea.'), max_tokens: CHEAP_MAX_TOKENS, seed: io.config.seed };
        // One after the other: a target may only be deterministic for requests it does not batch together.
        const a = await io.chat('semantics-seed', { body, tags: ['seeded'] });
        const b = await io.chat('semantics-seed', { body, tags: ['seeded'] });
        return [{ kind: 'comparison', probe: 'semantics-seed', tags: ['seeded'], relation: 'same-seed', a, b, deterministic: io.deterministic }];
      },
    },
    single('semantics-max-tokens-one', 'a reply cut at max_tokens 1', 'deep', MAX_TOKENS, { ...truncated, max_tokens: 1 }, LIMIT_TAGS),
    single('semantics-n3', 'n=3', 'deep', ['semantics.n-choices'], { messages: ask('Say hello.'), max_tokens: 4, n: 3 }, ['n=3']),
    single(
      'semantics-max-completion-tokens-stream',
      `a stream cut at max_completion_tokens ${LIMIT}`,
      'deep',
      ['semantics.max-completion-tokens'],
      { messages: ask(TRUNCATION_PROMPT), max_tokens: 32, max_completion_tokens: LIMIT, ...withUsage },
      [...LIMIT_TAGS, 'include-usage'],
    ),
  ],
};
