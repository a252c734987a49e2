/**
 * Probes of a proxy under test (proxy runs only). Against the instrumented upstream each request tells the upstream
 * how to answer it: plain answers carrying many fields the proxy may not know, scripted errors and a refused
 * connection, a paced stream, a stream the upstream cuts, one the client walks away from, two streams of one end
 * user side by side, and large bodies. Against any upstream (differential), seeded temperature-0 requests go through
 * the proxy and straight to the upstream. Evidence is tagged with what it is for; each proxy check reads its tags.
 */
import type { CheckId } from '../checks/registry.ts';
import type { ChatRequestBody } from '../contract/types.ts';
import type { ProxiedEvidence, ProxiedExchange } from '../core/evidence.ts';
import { PROXY_TAGS, type UpstreamScript } from '../core/upstream.ts';
import type { Depth } from '../core/vocabulary.ts';
import type { Plan, Probe, ProbeIO, ProxiedOptions, SendChat, UpstreamIO } from './probe.ts';
import { ask, withUsage } from './requests.ts';

/** Gap the paced stream is written with: a stream that arrives in one burst cannot hide. */
const PACING_GAP_MS = 100;
/** The client of the cancellation probe leaves after this many data events. */
const LEAVE_AFTER_EVENTS = 3;
/** A prompt that fills a 128k-token context window is about this large. */
const LARGE_REQUEST_BYTES = 512 * 1024;

const REQUEST_CHECKS: CheckId[] = ['proxy.request-fidelity', 'proxy.response-fidelity'];

const ANSWER: UpstreamScript = { kind: 'answer' };

const counting: ChatRequestBody = { messages: ask('Count from 1 to 20.'), max_tokens: 16 };

interface Step {
  script: UpstreamScript | ((io: ProbeIO) => UpstreamScript);
  request: (io: ProbeIO) => SendChat;
  options?: ProxiedOptions;
}

const evidence = (io: ProbeIO, id: string, tag: string, exchanges: ProxiedExchange[]): ProxiedEvidence => ({
  kind: 'proxied',
  probe: id,
  tags: [tag],
  exchanges,
  deterministic: io.deterministic,
});

/** A probe whose requests go through the proxy side by side, answered by the instrumented upstream. */
function through(id: string, title: string, from: Depth, feeds: readonly CheckId[], tag: string, steps: Step[]): Probe {
  return {
    id,
    title,
    from,
    feeds,
    needs: 'upstream',
    requests: () => steps.length,
    run: async (io) => {
      const upstream = io.upstream as UpstreamIO;
      const script = (s: Step) => (typeof s.script === 'function' ? s.script(io) : s.script);
      const exchanges = await Promise.all(steps.map((s) => upstream.chat(id, script(s), s.request(io), s.options)));
      return [evidence(io, id, tag, exchanges)];
    },
  };
}

const one = (
  id: string,
  title: string,
  from: Depth,
  feeds: readonly CheckId[],
  tag: string,
  script: UpstreamScript,
  body: ChatRequestBody,
  options?: ProxiedOptions,
): Probe => through(id, title, from, feeds, tag, [{ script, request: () => ({ body }), ...(options ? { options } : {}) }]);

/** Fields the proxy must pass on as they are, including ones outside the OpenAI schema (provider extensions). */
const sampling = (io: ProbeIO): SendChat => ({
  body: {
    ...counting,
    temperature: 1.5,
    top_p: 0.9,
    n: 2,
    stop: ['END', 'STOP'],
    seed: io.config.seed,
    presence_penalty: 0.5,
    frequency_penalty: 0.25,
    logit_bias: { '50256': -100 },
    logprobs: true,
    top_logprobs: 2,
    user: 'proxy-fidelity',
    top_k: 40,
    min_p: 0.05,
    repetition_penalty: 1.1,
    separate_reasoning: false,
    enable_thinking: false,
  },
});

const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather in a city.',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

const status = (code: number, stream: boolean, from: Depth, retryAfter?: string): Probe =>
  one(
    `proxy-status-${code}`,
    `an upstream ${code}${retryAfter ? ' with Retry-After' : ''}${stream ? ' (stream)' : ''}`,
    from,
    ['proxy.status-fidelity'],
    PROXY_TAGS.status,
    { kind: 'error', status: code, ...(retryAfter ? { retryAfter } : {}) },
    { ...counting, ...(stream ? { stream: true } : {}) },
  );

/** About `bytes` of prose after an instruction the upstream answers briefly. */
const largePrompt = (bytes: number): string => `Say OK. ${'All work and no play makes a long prompt. '.repeat(Math.ceil(bytes / 42))}`;

const isolation = (from: Depth, starts: number[]): Probe =>
  through(
    `proxy-isolation-${starts.length}`,
    `${starts.length} streams of one end user side by side`,
    from,
    ['proxy.isolation'],
    PROXY_TAGS.isolation,
    starts.map((start) => ({
      script: { kind: 'answer', gapMs: 40 },
      request: () => ({
        body: { messages: ask(`Count from ${start} to ${start + 40}.`), max_tokens: 30, stream: true, user: 'proxy-isolation' },
        connection: true,
      }),
    })),
  );

const instrumented: Probe[] = [
  through('proxy-request-fields', 'sampling fields and provider extensions', 'smoke', REQUEST_CHECKS, PROXY_TAGS.request, [
    { script: ANSWER, request: sampling },
  ]),
  one('proxy-request-stream', 'a stream with usage and tools', 'standard', REQUEST_CHECKS, PROXY_TAGS.request, ANSWER, {
    messages: ask('What is the weather in Paris?'),
    max_tokens: 32,
    tools: [WEATHER_TOOL],
    tool_choice: 'auto',
    ...withUsage,
  }),
  through('proxy-request-reasoning', 'separate_reasoning on the reasoning model', 'standard', REQUEST_CHECKS, PROXY_TAGS.request, [
    {
      script: ANSWER,
      request: (io) => ({
        body: {
          model: io.config.reasoningModels.separateReasoning,
          messages: ask('Why is the sky blue?'),
          max_tokens: 24,
          separate_reasoning: true,
        },
      }),
    },
  ]),
  one('proxy-request-format', 'a response_format with a JSON schema', 'standard', REQUEST_CHECKS, PROXY_TAGS.request, ANSWER, {
    messages: ask('Reply in JSON with an answer.'),
    max_tokens: 48,
    response_format: {
      type: 'json_schema',
      json_schema: { name: 'reply', schema: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] } },
    },
  }),
  through('proxy-request-no-key', 'no Authorization header', 'standard', REQUEST_CHECKS, PROXY_TAGS.request, [
    { script: ANSWER, request: () => ({ body: { messages: ask('Say OK.'), max_tokens: 4 }, auth: { kind: 'none' } }) },
  ]),
  one('proxy-response-plain', 'a plain answer of multi-byte text', 'standard', ['proxy.response-fidelity'], PROXY_TAGS.response, ANSWER, {
    messages: ask('Repeat exactly: 🦙🚀 漢字 Ďábelské ñ'),
    max_tokens: 16,
  }),
  one('proxy-response-stream', 'a stream with its usage chunk', 'standard', ['proxy.response-fidelity'], PROXY_TAGS.response, ANSWER, {
    messages: ask('Repeat exactly: 🦙🚀 漢字 Ďábelské ñ'),
    max_tokens: 16,
    ...withUsage,
  }),
  status(400, false, 'standard'),
  status(401, false, 'standard'),
  status(404, false, 'standard'),
  status(422, true, 'standard'),
  status(429, true, 'standard', '2'),
  status(500, true, 'standard'),
  status(503, false, 'standard'),
  one(
    'proxy-status-refused',
    'an upstream that closes the connection unanswered',
    'standard',
    ['proxy.status-fidelity'],
    PROXY_TAGS.status,
    { kind: 'refuse' },
    {
      ...counting,
      stream: true,
    },
  ),
  one(
    'proxy-pacing',
    `a stream written ${PACING_GAP_MS} ms apart`,
    'smoke',
    ['proxy.no-buffering'],
    PROXY_TAGS.pacing,
    { kind: 'answer', gapMs: PACING_GAP_MS },
    {
      messages: ask('Count from 1 to 20.'),
      max_tokens: 8,
      stream: true,
    },
  ),
  one(
    'proxy-cut',
    'a stream the upstream cuts after three events',
    'standard',
    ['proxy.honest-truncation'],
    PROXY_TAGS.cut,
    { kind: 'cut', afterEvents: 3 },
    {
      ...counting,
      stream: true,
    },
  ),
  one(
    'proxy-stall',
    'a stream that stalls for a second, then is cut',
    'deep',
    ['proxy.honest-truncation'],
    PROXY_TAGS.cut,
    { kind: 'cut', afterEvents: 3, holdMs: 1000 },
    {
      ...counting,
      stream: true,
    },
  ),
  one(
    'proxy-cancel',
    `a stream the client leaves after ${LEAVE_AFTER_EVENTS} events`,
    'standard',
    ['proxy.cancellation'],
    PROXY_TAGS.cancel,
    { kind: 'answer', gapMs: 40 },
    // About 40 events 40 ms apart: the stream outlasts the client's departure by more than the bound.
    { messages: ask('Count from 1 to 100.'), max_tokens: 40, stream: true },
    { leaveAfterEvents: LEAVE_AFTER_EVENTS, settleMs: 5000 },
  ),
  isolation('standard', [1, 200]),
  isolation('deep', [1, 200, 500]),
  one('proxy-large-request', 'a request body of half a megabyte', 'standard', ['proxy.limits'], PROXY_TAGS.limits, ANSWER, {
    messages: ask(largePrompt(LARGE_REQUEST_BYTES)),
    max_tokens: 4,
  }),
  one(
    'proxy-long-stream',
    'a stream of about a thousand events',
    'standard',
    ['proxy.limits'],
    PROXY_TAGS.limits,
    { kind: 'answer', gapMs: 0 },
    {
      messages: ask('Count from 1 to 500.'),
      max_tokens: 1200,
      stream: true,
    },
  ),
  through('proxy-large-response', 'an answer of up to a megabyte', 'standard', ['proxy.limits'], PROXY_TAGS.limits, [
    {
      // As large as the run's byte cap allows, so the cap never cuts it.
      script: (io) => ({ kind: 'large', bytes: Math.min(1024 * 1024, Math.floor(io.config.limits.maxBytes / 2)) }),
      request: () => ({ body: { messages: ask('Say OK.'), max_tokens: 4 } }),
    },
  ]),
];

/** A seeded temperature-0 request through the proxy and straight to the upstream. */
function pair(id: string, title: string, from: Depth, request: (io: ProbeIO) => SendChat): Probe {
  return {
    id,
    title,
    from,
    feeds: ['proxy.matches-direct'],
    needs: 'direct',
    requests: () => 2,
    run: async (io) => {
      const sent = request(io);
      const seeded = 'body' in sent ? { ...sent, body: { seed: io.config.seed, temperature: 0, ...sent.body } } : sent;
      const exchange = await io.direct!.pair(id, seeded);
      return [evidence(io, id, PROXY_TAGS.differential, [exchange])];
    },
  };
}

const differential: Probe[] = [
  pair('proxy-diff-plain', 'a plain answer', 'standard', () => ({ body: counting })),
  pair('proxy-diff-stream', 'a stream with its usage chunk', 'smoke', () => ({ body: { ...counting, ...withUsage } })),
  pair('proxy-diff-n2', 'two streamed choices', 'standard', () => ({ body: { ...counting, n: 2, stream: true } })),
  pair('proxy-diff-reasoning', 'separate_reasoning on the reasoning model', 'standard', (io) => ({
    body: {
      model: io.config.reasoningModels.separateReasoning,
      messages: ask('Why is the sky blue?'),
      max_tokens: 24,
      separate_reasoning: true,
    },
  })),
  pair('proxy-diff-range', 'a temperature out of range', 'standard', () => ({ invalidBody: { ...counting, temperature: 3 } })),
  pair('proxy-diff-unknown-model', 'a model nobody serves', 'standard', () => ({
    body: { ...counting, model: 'chat-conformance-no-such-model' },
  })),
];

export const proxyPlan: Plan = { area: 'proxy', probes: [...instrumented, ...differential] };
