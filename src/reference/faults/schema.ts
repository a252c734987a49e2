/**
 * Faults in the shape of answers (000_96bde8db4d236014.txt, 响应信息): a non-empty id, created in Unix seconds,
 * object "chat.completion", the model requested, at least one choice with its content, integer usage,
 * finish_reason stop/length, JSON content type.
 */
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, FinishReason } from '../../contract/types.ts';
import { mapChoices } from '../answer-editing.ts';
import type { Behaviour } from '../behaviour.ts';
import { withHeader } from '../headers.ts';
import { offContract } from '../off-contract.ts';

function stopAsEos<T extends { finish_reason?: FinishReason | null | undefined }>(choice: T): T {
  return choice.finish_reason === 'stop' ? { ...choice, finish_reason: offContract<FinishReason>('eos_token') } : choice;
}

/** A model the reference does not serve and no request names: what a gateway's fallback route answers from. */
const FALLBACK_MODEL = 'fallback-small-v1';

/** With n > 1, a choice after the first: the ones a server that fills only the first choice leaves without content. */
const afterFirstOfSeveral = (request: ChatCompletionRequest, index: number): boolean =>
  typeof request.n === 'number' && request.n > 1 && index > 0;

/** The stream form: those choices' deltas carry no content, and a delta left with nothing to say is not sent at all. */
function withoutLaterContent(chunks: ChatCompletionChunk[], request: ChatCompletionRequest): ChatCompletionChunk[] {
  const entries = chunks.flatMap((chunk) => chunk.choices);
  const stopped = new Set(entries.filter((c) => c.finish_reason === 'stop').map((c) => c.index));
  const calling = new Set(entries.filter((c) => c.delta.tool_calls?.length).map((c) => c.index));
  const blank = (index: number) => afterFirstOfSeveral(request, index) && stopped.has(index) && !calling.has(index);
  return chunks.flatMap((chunk): ChatCompletionChunk[] => {
    const choices = chunk.choices.flatMap((choice) => {
      if (!blank(choice.index)) return [choice];
      const { content: _content, ...delta } = choice.delta;
      return Object.keys(delta).length === 0 && choice.finish_reason === null ? [] : [{ ...choice, delta, logprobs: null }];
    });
    return choices.length === 0 && chunk.choices.length > 0 ? [] : [{ ...chunk, choices }];
  });
}

/** Error replies pass through the same headers hook, so only requests that got a rendered answer are changed. */
function createJsonAsText(): Behaviour {
  const answered = new WeakSet<object>();
  return {
    name: 'json-as-text',
    kind: 'fault',
    description: 'Non-stream answers are sent with Content-Type text/plain.',
    detectedBy: ['schema.json-content-type', 'clients.nonstream-parse', 'clients.structured-output'],
    response(body, request) {
      answered.add(request);
      return body;
    },
    headers: (headers, request) =>
      request !== undefined && answered.has(request) ? withHeader(headers, 'Content-Type', 'text/plain; charset=utf-8') : headers,
  };
}

export const schemaFaults: readonly Behaviour[] = [
  {
    name: 'empty-id',
    kind: 'fault',
    // The openai SDK's stream helper takes fields after the first chunk only from chunks with an id: it loses usage.
    description: 'Answers and stream chunks carry id "" (the same on every chunk of a stream).',
    detectedBy: ['schema.response-valid', 'schema.chunk-valid', 'clients.stream-usage'],
    response: (body) => ({ ...body, id: '' }),
    chunks: (chunks) => chunks.map((chunk) => ({ ...chunk, id: '' })),
  },
  {
    name: 'missing-id',
    kind: 'fault',
    description: 'The non-stream response has no id.',
    detectedBy: ['schema.response-valid'],
    response: ({ id: _id, ...body }) => offContract<ChatCompletion>(body),
  },
  {
    name: 'created-string',
    kind: 'fault',
    description: 'created is a string of digits instead of an integer.',
    detectedBy: ['schema.response-valid', 'clients.nonstream-parse', 'clients.structured-output'],
    response: (body) => ({ ...body, created: offContract<number>(String(body.created)) }),
  },
  {
    name: 'created-ms',
    kind: 'fault',
    description: 'created is in milliseconds instead of Unix seconds.',
    detectedBy: ['schema.created-seconds'],
    response: (body) => ({ ...body, created: body.created * 1000 }),
  },
  {
    name: 'wrong-object',
    kind: 'fault',
    description: 'The non-stream response says object "text_completion".',
    detectedBy: ['schema.response-valid'],
    response: (body) => ({ ...body, object: offContract<ChatCompletion['object']>('text_completion') }),
  },
  {
    name: 'float-usage',
    kind: 'fault',
    description: 'Usage counts are fractional (prompt + completion still equals total).',
    detectedBy: ['schema.response-valid'],
    response(body) {
      const usage = body.usage;
      if (!usage) return body;
      const prompt = usage.prompt_tokens + 0.25;
      const completion = usage.completion_tokens + 0.25;
      return { ...body, usage: { ...usage, prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion } };
    },
  },
  {
    name: 'usage-missing',
    kind: 'fault',
    description: 'Non-stream answers carry no usage object.',
    detectedBy: ['schema.usage-present'],
    response(body) {
      const { usage: _dropped, ...rest } = body;
      return rest;
    },
  },
  {
    name: 'bad-finish-reason',
    kind: 'fault',
    description: 'finish_reason "stop" is reported as "eos_token".',
    detectedBy: ['schema.finish-reason-documented'],
    response: (body) => mapChoices(body, stopAsEos),
    chunks: (chunks) => chunks.map((chunk) => mapChoices(chunk, stopAsEos)),
  },
  createJsonAsText(),
  {
    name: 'model-swap',
    kind: 'fault',
    description: `Every answer names the model ${FALLBACK_MODEL}, whatever model was requested.`,
    detectedBy: ['schema.model-echo'],
    response: (body) => ({ ...body, model: FALLBACK_MODEL }),
    chunks: (chunks) => chunks.map((chunk) => ({ ...chunk, model: FALLBACK_MODEL })),
  },
  {
    name: 'null-content',
    kind: 'fault',
    description: 'With n > 1, every choice but the first finishes "stop" with content null and no tool call.',
    detectedBy: ['schema.content-present'],
    response: (body, request) =>
      mapChoices(body, (choice) =>
        afterFirstOfSeveral(request, choice.index) && choice.finish_reason === 'stop' && !choice.message.tool_calls?.length
          ? { ...choice, message: { ...choice.message, content: null }, logprobs: null }
          : choice,
      ),
    chunks: withoutLaterContent,
  },
  {
    name: 'empty-choices',
    kind: 'fault',
    description: 'A non-stream answer to a single-choice request comes back with choices: [] (usage still counts what was generated).',
    detectedBy: ['schema.response-valid'],
    response: (body, request) => (typeof request.n === 'number' && request.n > 1 ? body : { ...body, choices: [] }),
  },
];
