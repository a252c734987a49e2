/**
 * Faults in the shape of the non-stream response (000_96bde8db4d236014.txt, 响应信息): id, created in
 * Unix seconds, object "chat.completion", integer usage, finish_reason stop/length, JSON content type.
 */
import type { ChatCompletion, FinishReason } from '../../contract/types.ts';
import { mapChoices } from '../answer-editing.ts';
import type { Behaviour } from '../behaviour.ts';
import { withHeader } from '../headers.ts';
import { offContract } from '../off-contract.ts';

function stopAsEos<T extends { finish_reason?: FinishReason | null | undefined }>(choice: T): T {
  return choice.finish_reason === 'stop' ? { ...choice, finish_reason: offContract<FinishReason>('eos_token') } : choice;
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
];
