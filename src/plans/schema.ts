/**
 * Probes for the shape of answers: a plain answer and a stream at every depth; n=2, logprobs, a tool call, a
 * truncated answer and a usage stream from standard depth; streamed forms of those at deep depth.
 */
import type { CheckId } from '../checks/registry.ts';
import type { ChatRequestBody } from '../contract/types.ts';
import { CHEAP_MAX_TOKENS } from '../core/limits.ts';
import type { Depth } from '../core/vocabulary.ts';
import type { Plan, Probe } from './probe.ts';
import { ask, single } from './requests.ts';
import { WEATHER_TOOL } from './tools.ts';

const BODY_CHECKS: CheckId[] = [
  'schema.response-valid',
  'schema.created-seconds',
  'schema.finish-reason-documented',
  'schema.json-content-type',
  'schema.usage-present',
  'schema.model-echo',
  'schema.content-present',
];
const CHUNK_CHECKS: CheckId[] = [
  'schema.chunk-valid',
  'schema.created-seconds',
  'schema.finish-reason-documented',
  'schema.model-echo',
  'schema.content-present',
];

interface OneRequest {
  id: string;
  title: string;
  /** The shallowest depth that sends it. */
  from: Depth;
  body: ChatRequestBody;
  tags?: string[];
}

const oneRequest = ({ id, title, from, body, tags }: OneRequest): Probe =>
  single(id, title, from, body.stream === true ? CHUNK_CHECKS : BODY_CHECKS, body, tags);

const hello: ChatRequestBody = { messages: ask('Say hello in one short sentence.'), max_tokens: CHEAP_MAX_TOKENS };
const logprobs: ChatRequestBody = { ...hello, logprobs: true, top_logprobs: 2 };
const truncated: ChatRequestBody = { messages: ask('Count from 1 to 100.'), max_tokens: 4 };
const weather: ChatRequestBody = {
  messages: ask('What is the weather in Paris? Use the get_weather tool.'),
  tools: [WEATHER_TOOL],
  max_tokens: CHEAP_MAX_TOKENS,
};
const streamed = (body: ChatRequestBody): ChatRequestBody => ({ ...body, stream: true });

export const schemaPlan: Plan = {
  area: 'schema',
  probes: [
    oneRequest({ id: 'schema-plain', title: 'a plain answer', from: 'smoke', body: hello }),
    oneRequest({ id: 'schema-stream', title: 'a streamed answer', from: 'smoke', body: streamed(hello) }),
    oneRequest({ id: 'schema-n2', title: 'two choices', from: 'standard', body: { ...hello, n: 2 }, tags: ['n=2'] }),
    oneRequest({ id: 'schema-logprobs', title: 'logprobs', from: 'standard', body: logprobs, tags: ['logprobs'] }),
    oneRequest({ id: 'schema-tools', title: 'a tool call', from: 'standard', body: weather, tags: ['tools'] }),
    oneRequest({ id: 'schema-length', title: 'cut by max_tokens', from: 'standard', body: truncated, tags: ['max_tokens=4'] }),
    oneRequest({
      id: 'schema-stream-usage',
      title: 'a stream with a usage chunk',
      from: 'standard',
      body: { ...streamed(hello), stream_options: { include_usage: true } },
      tags: ['include-usage'],
    }),
    oneRequest({ id: 'schema-stream-n2', title: 'two streamed choices', from: 'deep', body: streamed({ ...hello, n: 2 }), tags: ['n=2'] }),
    oneRequest({ id: 'schema-stream-logprobs', title: 'streamed logprobs', from: 'deep', body: streamed(logprobs), tags: ['logprobs'] }),
    oneRequest({ id: 'schema-stream-tools', title: 'a streamed tool call', from: 'deep', body: streamed(weather), tags: ['tools'] }),
    oneRequest({
      id: 'schema-stream-length',
      title: 'a stream cut by max_tokens',
      from: 'deep',
      body: streamed(truncated),
      tags: ['max_tokens=4'],
    }),
  ],
};
