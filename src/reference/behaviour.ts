/**
 * How a fault or a legal variant bends the reference provider. The server runs a fixed pipeline —
 * authenticate, validate, generate, render, serialize, write — and a behaviour may replace or wrap any stage.
 * Each behaviour should touch exactly one rule of the contract and leave everything else correct.
 */
import type { ServerResponse } from 'node:http';
import type { CheckId } from '../checks/registry.ts';

/** A parsed, validated chat request as the generator sees it. */
export type ChatRequest = Record<string, unknown> & { model: string; messages: unknown[] };

/** One generated choice, before it is rendered as a message or as deltas. */
export interface GeneratedChoice {
  index: number;
  /** Content tokens in order; their concatenation is the message content. */
  tokens: string[];
  /** Reasoning tokens (reasoning_content), when the request asked for separated reasoning. */
  reasoningTokens?: string[];
  toolCalls?: Array<{ id: string; name: string; arguments: string }>;
  finishReason: 'stop' | 'length' | 'tool_calls';
  /** Per content token: logprob and alternatives, when logprobs were requested. */
  logprobs?: Array<{ token: string; logprob: number; top: Array<{ token: string; logprob: number }> }>;
}

export interface Completion {
  id: string;
  created: number;
  model: string;
  choices: GeneratedChoice[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

export interface ErrorReply {
  status: number;
  /** Body object (normally `{error:{message,type,param,code}}`). */
  body: unknown;
  headers?: Record<string, string>;
}

/** A piece of the SSE stream: the event text as it will be written (e.g. `data: {...}\n\n`). */
export type SseEventText = string;

export interface WriteContext {
  res: ServerResponse;
  /** Aborts when the response has closed (client gone, or cut at the deadline); writers must stop then. */
  closed: AbortSignal;
  /** The body is an SSE stream (its headers go out before the first wait). */
  stream: boolean;
  /** Configured latency: time to first token and gap between tokens. */
  ttftMs: number;
  gapMs: number;
}

export interface Behaviour {
  name: string;
  kind: 'fault' | 'variant';
  /** One line: what it does. */
  description: string;
  /** Check ids that must fail against it (faults only). */
  detectedBy: readonly CheckId[];

  /** Decide authentication instead of the normal bearer check. Return true to accept. */
  authenticate?(authorization: string | undefined, expected: string): boolean;
  /** Adjust the list of validation errors (e.g. drop range errors, or invent one for a valid value). */
  validate?(request: Record<string, unknown>, errors: ErrorReply[]): ErrorReply[];
  /** Reshape an error reply (status, body, headers). */
  error?(reply: ErrorReply, request: Record<string, unknown> | undefined): ErrorReply;
  /** Change what is generated (n ignored, stop ignored, max_tokens ignored…). */
  generate?(completion: Completion, request: ChatRequest): Completion;
  /** Change the non-stream response object before it is serialized. */
  response?(body: Record<string, unknown>, request: ChatRequest): Record<string, unknown>;
  /** Change the list of stream chunk objects before they are serialized. */
  chunks?(chunks: Array<Record<string, unknown>>, request: ChatRequest): Array<Record<string, unknown>>;
  /** Change the serialized SSE events (framing faults and variants). The list ends with the `[DONE]` event. */
  events?(events: SseEventText[], request: ChatRequest): SseEventText[];
  /** Change response headers. */
  headers?(headers: Record<string, string>, request: ChatRequest | undefined): Record<string, string>;
  /**
   * Take over writing the body (transport faults, byte-split variant). Receives the bytes the server
   * would have written, one entry per write; must stop once `ctx.closed` aborts and finish in bounded time.
   */
  write?(parts: Uint8Array[], ctx: WriteContext): Promise<void>;
}
