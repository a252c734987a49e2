/**
 * Whole request bodies: any combination of documented parameters within range, and requests with exactly one
 * documented rule broken (each tagged with the defect and the field to blame).
 */
import fc from 'fast-check';
import { paramRanges } from '../contract/ranges.ts';
import type { ChatRequestBody } from '../contract/types.ts';
import { CHEAP_MAX_TOKENS } from '../core/limits.ts';
import { invalidLogitBias, logitBias } from './logit-bias.ts';
import { invalidMaxTokens, maxTokens } from './max-tokens.ts';
import { invalidMessages, messages } from './messages.ts';
import { invalidFunctionName } from './names.ts';
import { inRange, outOfRange, wrongNumericType } from './range-value.ts';
import { invalidSeed, seed } from './seed.ts';
import { invalidStop, stop } from './stop.ts';

export interface ChatRequestConstraints {
  /** Set `model` in the body (otherwise the sender fills it in). */
  model?: string;
  /** `true`/`false` fixes the mode; `either` (default) mixes both. */
  stream?: boolean | 'either';
  /** Largest max_tokens and n, to keep requests cheap. */
  maxTokens?: number;
  maxN?: number;
  /** Also send `stop` as an array (conflict stop-array). */
  stopArrays?: boolean;
}

/** The ranged parameters, each within its range (n capped by `maxN`). */
function rangedParams(maxN: number): Record<string, fc.Arbitrary<number>> {
  const out: Record<string, fc.Arbitrary<number>> = {};
  for (const range of paramRanges()) {
    out[range.param] = inRange(range, range.param === 'n' ? { max: maxN } : {});
  }
  return out;
}

function streamMode(mode: boolean | 'either'): fc.Arbitrary<Record<string, unknown>> {
  const on = fc.boolean().map((usage) => ({ stream: true, ...(usage ? { stream_options: { include_usage: true } } : {}) }));
  const off = fc.constantFrom<Record<string, unknown>>({}, { stream: false });
  if (mode === true) return on;
  if (mode === false) return off;
  return fc.oneof(off, on);
}

export function chatRequest(constraints: ChatRequestConstraints = {}): fc.Arbitrary<ChatRequestBody> {
  const maxN = Math.max(2, constraints.maxN ?? 2);
  const ranged = rangedParams(maxN);
  const body = fc.record(
    {
      messages: messages(),
      max_tokens: maxTokens({ max: constraints.maxTokens ?? CHEAP_MAX_TOKENS }),
      ...ranged,
      seed: seed(),
      stop: stop({ arrays: constraints.stopArrays ?? false }),
      logit_bias: logitBias(),
      logprobs: fc.boolean(),
    },
    { requiredKeys: ['messages', 'max_tokens'], noNullPrototype: true },
  );
  return fc.tuple(body, streamMode(constraints.stream ?? 'either')).map(([params, mode]) => {
    // The ranged fields are named by the spec at run time, so the record is typed here, once.
    const request = { ...(constraints.model ? { model: constraints.model } : {}), ...params, ...mode } as ChatRequestBody;
    // "如果使用此参数，则必须将 logprobs 设置为 true" (000): top_logprobs only travels with logprobs.
    if (request.top_logprobs !== undefined) request.logprobs = true;
    return request;
  });
}

export interface InvalidChatRequest {
  /** The body to send. When it has no `model`, send it as raw JSON so no model is filled in. */
  body: Record<string, unknown>;
  /** What is wrong, e.g. `out-of-range`, `wrong-type`, `missing-messages`. */
  defect: string;
  /** The top-level field to blame, when a single one is. */
  param?: string;
}

type Body = Record<string, unknown>;
type Defect = fc.Arbitrary<(body: Body) => InvalidChatRequest>;

const setField = (defect: string, param: string) => (value: unknown) => (body: Body) => ({
  body: { ...body, [param]: value },
  defect,
  param,
});

const without = (defect: string, param: string) => (body: Body) => {
  const { [param]: _removed, ...rest } = body;
  return { body: rest, defect, param };
};

/** Every single-rule defect; `missing-model` only when the body carries a model to remove. */
function defects(withModel: boolean): Defect[] {
  const list: Defect[] = [];
  for (const range of paramRanges()) {
    list.push(outOfRange(range).map(setField('out-of-range', range.param)));
    list.push(wrongNumericType(range).map(setField('wrong-type', range.param)));
  }
  list.push(invalidStop().map(setField('bad-stop', 'stop')));
  list.push(invalidLogitBias().map(setField('bad-logit-bias', 'logit_bias')));
  list.push(invalidMaxTokens().map(setField('wrong-type', 'max_tokens')));
  list.push(invalidSeed().map(setField('wrong-type', 'seed')));
  list.push(invalidMessages().map(setField('bad-messages', 'messages')));
  list.push(
    invalidFunctionName().map((name) => (body: Body) => ({
      body: { ...body, tools: [{ type: 'function', function: { name, parameters: { type: 'object' } } }] },
      defect: 'bad-function-name',
      param: 'tools',
    })),
  );
  list.push(fc.constant(without('missing-messages', 'messages')));
  if (withModel) list.push(fc.constant(without('missing-model', 'model')));
  list.push(
    fc.integer({ min: 0, max: 20 }).map((k) => (body: Body) => {
      // Cross-field rule of 000: top_logprobs requires logprobs true.
      const { logprobs: _dropped, ...rest } = body;
      return { body: { ...rest, top_logprobs: k, ...(k % 2 === 0 ? { logprobs: false } : {}) }, defect: 'top-logprobs-without-logprobs' };
    }),
  );
  return list;
}

/** A valid request with exactly one documented rule broken. */
export function invalidChatRequest(constraints: ChatRequestConstraints = {}): fc.Arbitrary<InvalidChatRequest> {
  return fc
    .tuple(chatRequest({ ...constraints, stopArrays: false }), fc.oneof(...defects(constraints.model !== undefined)))
    .map(([body, apply]) => apply({ ...body }));
}
