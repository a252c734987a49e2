/**
 * Faults of the reference proxy (`serve --upstream URL --fault NAME`), each one a way real gateways break what
 * they pass through. Each names the checks that must fail when a proxy run (the proxy area and the ordinary areas
 * it runs) goes through it; test/fault-matrix.test.ts holds every name to that, in both directions.
 */
import type { ServerResponse } from 'node:http';
import type { CheckId } from '../../checks/registry.ts';
import { dig, isRecord, type Json } from '../../core/json.ts';
import { bufferedRelay, eventRelay, faithfulRelay, type Relay, writable } from './relay.ts';

export interface ProxyReply {
  status: number;
  body: Json;
}

export interface ProxyFault {
  name: string;
  description: string;
  /**
   * Checks that fail in a proxy run through it: the proxy checks of either set-up (proxy.matches-direct in a
   * differential run, the others against the instrumented upstream) and the ordinary checks that see the symptom.
   */
  detectedBy: readonly CheckId[];
  /** Refuses a request before forwarding it. */
  refuse?(bodyBytes: number): ProxyReply | undefined;
  /** Rewrites a JSON request body before forwarding it. */
  request?(body: Json): Json;
  /** Rewrites the request headers forwarded (names lower-case). */
  headers?(headers: Record<string, string>): Record<string, string>;
  /** Replaces an upstream error answer. */
  error?(status: number): ProxyReply | undefined;
  /** Relays the upstream body in its own way. */
  relay?(res: ServerResponse, request: Json | undefined): Relay;
  /** Keeps reading the upstream after the client has gone. */
  ignoresDisconnect?: true;
}

/** Fields of the OpenAI request schema: what a gateway that validates against it keeps. */
const OPENAI_FIELDS = new Set([
  'model',
  'messages',
  'audio',
  'frequency_penalty',
  'function_call',
  'functions',
  'logit_bias',
  'logprobs',
  'max_completion_tokens',
  'max_tokens',
  'metadata',
  'modalities',
  'n',
  'parallel_tool_calls',
  'prediction',
  'presence_penalty',
  'reasoning_effort',
  'response_format',
  'seed',
  'service_tier',
  'stop',
  'store',
  'stream',
  'stream_options',
  'temperature',
  'tool_choice',
  'tools',
  'top_logprobs',
  'top_p',
  'user',
  'web_search_options',
]);

const SMALL_BODY_LIMIT = 256 * 1024;

const payloadOf = (event: string): unknown => {
  const data = event
    .split(/\r?\n/)
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(5).trimStart())
    .join('\n');
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
};

const isUsageChunk = (event: string): boolean => {
  const payload = payloadOf(event);
  const choices = dig(payload, 'choices');
  return isRecord(dig(payload, 'usage')) && Array.isArray(choices) && choices.length === 0;
};

/** The newest streaming response of each end user (`user`), for the fault that mixes them up. */
const newestOfUser = new Map<string, ServerResponse>();

function mixingRelay(res: ServerResponse, request: Json | undefined): Relay {
  const user = request?.['user'];
  if (typeof user !== 'string' || request?.['stream'] !== true) return faithfulRelay(res);
  newestOfUser.set(user, res);
  res.once('close', () => newestOfUser.get(user) === res && newestOfUser.delete(user));
  const own = faithfulRelay(res);
  return {
    data: (chunk) => {
      const newest = newestOfUser.get(user);
      if (newest && newest !== res && writable(newest)) newest.write(chunk);
      else own.data(chunk);
    },
    end: () => own.end(),
    broken: () => own.broken(),
  };
}

export const proxyFaults: readonly ProxyFault[] = [
  {
    name: 'buffer',
    description: 'The whole upstream body is held back and written at once when the upstream has finished.',
    detectedBy: ['proxy.no-buffering', 'streaming.incremental'],
    relay: (res) => bufferedRelay(res),
  },
  {
    name: 'drop-unknown-fields',
    description: 'Request fields outside the OpenAI schema (separate_reasoning, enable_thinking, top_k, min_p, …) are dropped.',
    detectedBy: ['proxy.request-fidelity', 'proxy.matches-direct', 'reasoning.separate', 'reasoning.thinking-toggle'],
    request: (body) => Object.fromEntries(Object.entries(body).filter(([key]) => OPENAI_FIELDS.has(key))),
  },
  {
    name: 'clamp-temperature',
    description: 'temperature above 1 is clamped to 1, as gateways that map onto a 0–1 range do.',
    detectedBy: ['proxy.request-fidelity', 'proxy.matches-direct'],
    request: (body) => (typeof body['temperature'] === 'number' && body['temperature'] > 1 ? { ...body, temperature: 1 } : body),
  },
  {
    name: 'error-as-500',
    description: 'Every upstream 4xx answer becomes a 500 with a generic error body.',
    detectedBy: [
      'proxy.status-fidelity',
      'proxy.matches-direct',
      'errors.client-error-status',
      'errors.malformed-json',
      'errors.unknown-model',
      'auth.missing-key',
      'auth.invalid-key',
    ],
    error: (status) =>
      status >= 400 && status < 500
        ? { status: 500, body: { error: { message: 'The upstream request failed.', type: 'server_error', code: 'upstream_error' } } }
        : undefined,
  },
  {
    name: 'done-after-cut',
    description: 'When the upstream breaks off a stream, the proxy ends it with data: [DONE] as if it were complete.',
    detectedBy: ['proxy.honest-truncation'],
    relay: (res) => ({ ...faithfulRelay(res), broken: () => writable(res) && res.end('data: [DONE]\n\n') }),
  },
  {
    name: 'ignore-disconnect',
    description: 'A client that goes away is not passed on: the upstream request is read to its end.',
    detectedBy: ['proxy.cancellation'],
    ignoresDisconnect: true,
  },
  {
    name: 'bearer-undefined',
    description: 'A request without Authorization is forwarded with "Authorization: Bearer undefined".',
    detectedBy: ['proxy.request-fidelity'],
    headers: (headers) => {
      const token = headers['authorization']?.replace(/^Bearer\s+/i, '');
      return { ...headers, authorization: `Bearer ${token}` };
    },
  },
  {
    name: 'drop-usage',
    description: 'The usage chunk of a stream (empty choices, usage set) is not passed on.',
    detectedBy: ['proxy.response-fidelity', 'proxy.matches-direct', 'usage.chunk-present'],
    relay: (res) => eventRelay(res, (event) => !isUsageChunk(event)),
  },
  {
    name: 'mix-streams',
    description: "Streams of the same end user (user) in flight at once are all written into the newest one's response.",
    detectedBy: ['proxy.isolation'],
    relay: mixingRelay,
  },
  {
    name: 'small-body-limit',
    description: 'Request bodies over 256 KiB are refused with 413 (a web server default left in place).',
    detectedBy: ['proxy.limits'],
    refuse: (bytes) =>
      bytes > SMALL_BODY_LIMIT
        ? {
            status: 413,
            body: { error: { message: 'Request entity too large.', type: 'invalid_request_error', code: 'request_too_large' } },
          }
        : undefined,
  },
];

export function findProxyFault(name: string): ProxyFault | undefined {
  return proxyFaults.find((f) => f.name === name);
}
