/**
 * Changing a generated completion while keeping it truthful: logprobs follow the tokens, usage follows
 * the choices, and a re-run of the generator keeps the identity of the completion it replaces.
 */
import type { ChatCompletionRequest } from '../contract/types.ts';
import type { Completion, GeneratedChoice } from './behaviour.ts';
import { choiceTokenCount, generate } from './generate.ts';

/**
 * The server seed is not visible to hooks; a fault that re-runs the generator with a parameter
 * removed uses this one, so its answers are still a pure function of the request.
 */
const REGENERATION_SEED = 0;

/** What the generator answers to `request`, keeping the identity of the completion it replaces. */
export function regenerate(completion: Completion, request: ChatCompletionRequest): Completion {
  const fresh = generate(request, { serverSeed: REGENERATION_SEED, created: completion.created, sequence: 0 });
  return { ...fresh, id: completion.id, model: completion.model };
}

/** The request as if `field` had not been sent. */
export function withoutField(request: ChatCompletionRequest, field: OptionalField): ChatCompletionRequest {
  const rest = { ...request };
  delete rest[field];
  return rest;
}

type OptionalField = Exclude<keyof ChatCompletionRequest, 'model' | 'messages'>;

/** New choices with usage moved by exactly the tokens they gained or lost. */
export function withChoices(completion: Completion, choices: GeneratedChoice[]): Completion {
  const before = completion.choices.reduce((sum, choice) => sum + choiceTokenCount(choice), 0);
  const after = choices.reduce((sum, choice) => sum + choiceTokenCount(choice), 0);
  const completionTokens = Math.max(0, completion.usage.completion_tokens + after - before);
  return {
    ...completion,
    choices,
    usage: { ...completion.usage, completion_tokens: completionTokens, total_tokens: completion.usage.prompt_tokens + completionTokens },
  };
}

/** The choice with new content tokens; logprob entries follow them position by position. */
export function withTokens(choice: GeneratedChoice, tokens: string[]): GeneratedChoice {
  if (!choice.logprobs) return { ...choice, tokens };
  const old = choice.logprobs;
  const logprobs = tokens.map((token, i) => {
    const template = old[i] ?? old[old.length - 1];
    if (!template) return { token, logprob: -0.5, top: [] };
    if (template.token === token) return template;
    const top = template.top.map((alt, j) => (j === 0 && alt.token === template.token ? { ...alt, token } : alt));
    return { token, logprob: template.logprob, top };
  });
  return { ...choice, tokens, logprobs };
}
