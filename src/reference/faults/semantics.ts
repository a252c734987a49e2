/**
 * Faults in what the generation parameters mean: n, max_tokens, max_completion_tokens, stop and seed
 * (000_96bde8db4d236014.txt; max_completion_tokens from 003_f82a578225befbf7.txt).
 */
import type { ChatCompletionRequest } from '../../contract/types.ts';
import type { Behaviour, GeneratedChoice } from '../behaviour.ts';
import { regenerate, withChoices, withoutField, withTokens } from '../completion-editing.ts';
import { errorReply } from '../error-replies.ts';
import { asksForText, stopSequences } from '../request-options.ts';

function endedAtStop(choice: GeneratedChoice, stops: string[]): string | undefined {
  if (choice.finishReason !== 'stop') return undefined;
  const text = choice.tokens.join('');
  return stops.filter((stop) => text.endsWith(stop)).sort((a, b) => b.length - a.length)[0];
}

/** Cuts `length` UTF-16 units off the end of the token list, splitting the token it ends inside. */
function dropTail(tokens: string[], length: number): string[] {
  const keep = tokens.join('').length - length;
  const kept: string[] = [];
  let offset = 0;
  for (const token of tokens) {
    if (offset >= keep) break;
    kept.push(offset + token.length <= keep ? token : token.slice(0, keep - offset));
    offset += token.length;
  }
  return kept;
}

/** A parameter that bounds output length is ignored: the answer is generated as if it were absent. */
function lengthLimitIgnored(name: string, field: 'max_tokens' | 'max_completion_tokens'): Behaviour {
  return {
    name,
    kind: 'fault',
    description: `${field} is ignored: output runs past it (usage reports the true counts).`,
    // Ignoring max_tokens 5 on a long answer also runs a stream past 8× its allowance: the run cuts it as runaway.
    detectedBy:
      field === 'max_tokens'
        ? ['semantics.max-tokens', 'usage.within-max-tokens', 'transport.bounded-duration']
        : ['semantics.max-completion-tokens'],
    generate(completion, request) {
      if (typeof request[field] !== 'number' || !completion.choices.some((choice) => choice.finishReason === 'length')) return completion;
      return regenerate(completion, withoutField(request, field));
    },
  };
}

/** The context window the overflow fault pretends the model has. */
const CONTEXT_WINDOW = 32_768;

/** Counts alterations process-wide, so no two altered answers are alike (two random picks could coincide). */
let alterations = 0;

/** Replaces the last word or number (not the last token) with a running number: same token count, never the same text twice. */
function alteredOnce(choice: GeneratedChoice): GeneratedChoice {
  const tokens = [...choice.tokens];
  const words = tokens.flatMap((token, i) => (i < tokens.length - 1 && /^ ?[A-Za-z0-9]+$/.test(token) ? [i] : []));
  const at = words.at(-1) ?? (tokens.length > 0 ? 0 : undefined);
  if (at === undefined) return choice;
  alterations += 1;
  const space = (tokens[at] as string).startsWith(' ') ? ' ' : '';
  tokens[at] = `${space}${alterations}`;
  return withTokens(choice, tokens);
}

/** A seed only matters where sampling is random: greedy decoding (temperature 0) is deterministic without one. */
const samplesWithSeed = (request: ChatCompletionRequest): boolean =>
  request.seed !== undefined && request.seed !== null && request.temperature !== 0;

export const semanticsFaults: readonly Behaviour[] = [
  {
    name: 'n-ignored',
    kind: 'fault',
    description: 'A non-stream request with n>1 is answered with a single choice.',
    detectedBy: ['semantics.n-choices'],
    // Streams keep every choice: a stream that drops choices is the drop-choice fault.
    generate: (completion, request) =>
      completion.choices.length > 1 && request.stream !== true ? withChoices(completion, completion.choices.slice(0, 1)) : completion,
  },
  lengthLimitIgnored('max-tokens-ignored', 'max_tokens'),
  {
    name: 'length-as-stop',
    kind: 'fault',
    description: 'Output truncated by the token limit is reported with finish_reason "stop".',
    detectedBy: ['semantics.max-tokens', 'semantics.max-completion-tokens'],
    generate: (completion) => ({
      ...completion,
      choices: completion.choices.map((choice) => (choice.finishReason === 'length' ? { ...choice, finishReason: 'stop' } : choice)),
    }),
  },
  lengthLimitIgnored('max-completion-tokens-ignored', 'max_completion_tokens'),
  {
    name: 'stop-ignored',
    kind: 'fault',
    description: 'Stop sequences are ignored: output runs past them.',
    detectedBy: ['semantics.stop-sequence'],
    generate(completion, request) {
      const stops = stopSequences(request);
      if (!completion.choices.some((choice) => endedAtStop(choice, stops) !== undefined)) return completion;
      return regenerate(completion, withoutField(request, 'stop'));
    },
  },
  {
    name: 'stop-excluded',
    kind: 'fault',
    description: 'The stop sequence is cut from the output (OpenAI style; the documents include it).',
    detectedBy: ['semantics.stop-sequence'],
    generate(completion, request) {
      const stops = stopSequences(request);
      const choices = completion.choices.map((choice) => {
        const stop = endedAtStop(choice, stops);
        return stop === undefined ? choice : withTokens(choice, dropTail(choice.tokens, stop.length));
      });
      return withChoices(completion, choices);
    },
  },
  {
    name: 'seed-ignored',
    kind: 'fault',
    description: 'Repeating a sampled request (temperature above 0) with the same seed gives different output.',
    detectedBy: ['semantics.seed-determinism'],
    generate: (completion, request) =>
      asksForText(request) && samplesWithSeed(request) ? { ...completion, choices: completion.choices.map(alteredOnce) } : completion,
  },
  {
    name: 'overflow-500',
    kind: 'fault',
    description: `A max_tokens beyond the context window (${CONTEXT_WINDOW} tokens) is answered 500 instead of being lowered to fit.`,
    detectedBy: ['semantics.max-tokens-overflow'],
    validate: (request, errors) =>
      typeof request['max_tokens'] === 'number' && request['max_tokens'] > CONTEXT_WINDOW
        ? [
            ...errors,
            errorReply(500, {
              message: 'The prompt and max_tokens exceed the context window.',
              type: 'server_error',
              param: null,
              code: 'context_overflow',
            }),
          ]
        : errors,
  },
];
