/**
 * Whether parameters take effect: a reply cut by max_tokens at every depth; from standard depth max_tokens
 * streamed, max_completion_tokens alone, n=2, a stop sequence taken from the target's own answer (as a string, and
 * as an array in a stream), the same seeded request twice and two over-long max_tokens; at deep depth a one-token
 * limit, n=3 and max_completion_tokens streamed.
 */
import { answerOf } from '../checks/answers.ts';
import type { CheckId } from '../checks/registry.ts';
import { LIMIT_TAG, STOP_RELATION, TRUNCATION_PROMPT, TRUNCATION_TAG } from '../checks/semantics.ts';
import type { ChatRequestBody } from '../contract/types.ts';
import type { Comparison, Observation } from '../core/evidence.ts';
import { CHEAP_MAX_TOKENS } from '../core/limits.ts';
import type { Plan, ProbeIO } from './probe.ts';
import { ask, single, withUsage } from './requests.ts';

/** A limit the counting prompt cannot finish within. */
const LIMIT = 5;
const LIMIT_TAGS = [LIMIT_TAG, TRUNCATION_TAG];
const truncated: ChatRequestBody = { messages: ask(TRUNCATION_PROMPT), max_tokens: LIMIT };

const MAX_TOKENS: CheckId[] = ['semantics.max-tokens'];
const COMPLETION_LIMIT: CheckId[] = ['semantics.max-completion-tokens'];

/** Prose long enough to offer a word to stop at, short enough to stay cheap. */
const prose: ChatRequestBody = { messages: ask('Describe a quiet harbour town in two sentences.'), max_tokens: 32, temperature: 0 };

/**
 * A stop sequence from the target's own answer: a word of three letters or more, first seen past the opening words,
 * so the stopped answer has text before it. Undefined when the answer offers none.
 */
export function stopFrom(text: string): string | undefined {
  const words = [...text.matchAll(/\p{L}{3,}/gu)].filter((m) => text.indexOf(m[0]) === m.index);
  const word = words[Math.min(words.length - 1, Math.max(2, Math.floor(words.length / 2)))];
  return word && (word.index ?? 0) > 0 ? word[0] : undefined;
}

/** The first answer, then (side by side) the same request stopped at a word of it: as a string, and streamed as an array. */
async function stopPairs(io: ProbeIO): Promise<Comparison[]> {
  const body = { ...prose, seed: io.config.seed };
  const first = await io.chat('semantics-stop', { body, tags: ['stop-source'] });
  const stop = stopFrom(answerOf(first)?.choices[0]?.content ?? '');
  if (stop === undefined) return [];
  const pair = (b: Observation): Comparison => ({
    kind: 'comparison',
    probe: 'semantics-stop',
    tags: [],
    relation: STOP_RELATION,
    a: first,
    b,
    deterministic: io.deterministic,
  });
  const stopped = await Promise.all([
    io.chat('semantics-stop', { body: { ...body, stop }, tags: ['stopped'] }),
    io.chat('semantics-stop', { body: { ...body, stop: [stop, 'QZX'], stream: true }, tags: ['stopped'] }),
  ]);
  return stopped.map(pair);
}

/** Far beyond any context window, and merely larger than most: the documents say an over-long max_tokens is lowered. */
const OVERFLOW = [2 ** 31 - 1, 1_000_000];

export const semanticsPlan: Plan = {
  area: 'semantics',
  probes: [
    single('semantics-max-tokens', `a reply cut at max_tokens ${LIMIT}`, 'smoke', MAX_TOKENS, truncated, LIMIT_TAGS),
    single('semantics-n', 'n=2', 'standard', ['semantics.n-choices'], { messages: ask('Say hello.'), max_tokens: 8, n: 2 }, ['n=2']),
    single(
      'semantics-max-completion-tokens',
      `a reply cut at max_completion_tokens ${LIMIT}, sent alone`,
      'standard',
      COMPLETION_LIMIT,
      { messages: ask(TRUNCATION_PROMPT), max_completion_tokens: LIMIT },
      LIMIT_TAGS,
    ),
    single('semantics-max-tokens-stream', `a stream cut at max_tokens ${LIMIT}`, 'standard', MAX_TOKENS, { ...truncated, ...withUsage }, [
      ...LIMIT_TAGS,
      'include-usage',
    ]),
    {
      id: 'semantics-stop',
      title: "a stop sequence taken from the target's own answer, as a string and as an array in a stream",
      from: 'standard',
      feeds: ['semantics.stop-sequence'],
      requests: () => 3,
      run: stopPairs,
    },
    {
      id: 'semantics-seed',
      title: 'the same seeded request twice',
      from: 'standard',
      feeds: ['semantics.seed-determinism'],
      requests: () => 2,
      async run(io) {
        const body: ChatRequestBody = {
          messages: ask('Write one sentence about the sea.'),
          max_tokens: CHEAP_MAX_TOKENS,
          seed: io.config.seed,
        };
        // One after the other: a target may only be deterministic for requests it does not batch together.
        const a = await io.chat('semantics-seed', { body, tags: ['seeded'] });
        const b = await io.chat('semantics-seed', { body, tags: ['seeded'] });
        return [
          { kind: 'comparison', probe: 'semantics-seed', tags: ['seeded'], relation: 'same-seed', a, b, deterministic: io.deterministic },
        ];
      },
    },
    {
      id: 'semantics-max-tokens-overflow',
      title: 'max_tokens far beyond any context window, and merely larger than most',
      from: 'standard',
      feeds: ['semantics.max-tokens-overflow'],
      requests: () => OVERFLOW.length,
      run: (io) =>
        Promise.all(
          OVERFLOW.map((limit) =>
            io.chat('semantics-max-tokens-overflow', {
              body: { messages: ask('Say OK.'), max_tokens: limit },
              tags: ['overflow'],
              connection: true,
            }),
          ),
        ),
    },
    single('semantics-max-tokens-one', 'a reply cut at max_tokens 1', 'deep', MAX_TOKENS, { ...truncated, max_tokens: 1 }, LIMIT_TAGS),
    single('semantics-n3', 'n=3', 'deep', ['semantics.n-choices'], { messages: ask('Say hello.'), max_tokens: 4, n: 3 }, ['n=3']),
    single(
      'semantics-max-completion-tokens-stream',
      `a stream cut at max_completion_tokens ${LIMIT}`,
      'deep',
      COMPLETION_LIMIT,
      { messages: ask(TRUNCATION_PROMPT), max_completion_tokens: LIMIT, ...withUsage },
      [...LIMIT_TAGS, 'include-usage'],
    ),
  ],
};
