/**
 * How a fault or a legal variant bends the reference provider. The server runs a fixed pipeline —
 * authenticate, validate, generate, render, serialize, write — and a behaviour may replace or wrap any stage.
 * Each behaviour should touch exactly one rule of the contract and leave everything else correct.
 *
 * Hooks see the wire shapes as the generated types describe them; a fault that breaks a shape on
 * purpose says so with `offContract` where it breaks it.
 */
import type { ServerResponse } from 'node:http';
import type { CheckId } from '../checks/registry.ts';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, ErrorResponse, FinishReason, Usage } from '../contract/types.ts';
import type { Json } from '../core/json.ts';

/** One generated choice, before it is rendered as a message or as deltas. */
export interface GeneratedChoice {
  index: number;
  /** Content tokens in order; their concatenation is the message content. */
  tokens: string[];
  /** Reasoning tokens (reasoning_content), when the request asked for separated reasoning. */
  reasoningTokens?: string[];
  toolCalls?: Array<{ id: string; name: string; arguments: string }>;
  finishReason: FinishReason;
  /** Per content token: logprob and alternatives, when logprobs were requested. */
  logprobs?: Array<{ token: string; logprob: number; top: Array<{ token: string; logprob: number }> }>;
}

export interface Completion {
  id: string;
  created: number;
  model: string;
  choices: GeneratedChoice[];
  usage: Usage;
}

export interface ErrorReply {
  status: number;
  body: ErrorResponse;
  headers?: Record<string, string>;
}

/**
 * The client connection a request came on, as a key for state a fault keeps per connection (a
 * keep-alive client sends its requests one after another on it); nothing to read or write.
 */
export type ConnectionKey = object;

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
  /**
   * Variants legal only under another reading of the documents: the checks that see it. Under the lenient profile
   * nothing fails; under documented exactly these warn; under strict exactly these fail. Absent: every check passes.
   */
  observedBy?: readonly CheckId[];

  /** Decide authentication instead of the normal bearer check. Return true to accept. */
  authenticate?(authorization: string | undefined, expected: string): boolean;
  /** Adjust the list of validation errors (e.g. drop range errors, or invent one for a valid value). */
  validate?(request: Json, errors: ErrorReply[], connection: ConnectionKey): ErrorReply[];
  /** Reshape an error reply (status, body, headers); `request` is the parsed body, when there was one. */
  error?(reply: ErrorReply, request: Json | undefined, connection: ConnectionKey): ErrorReply;
  /** Change what is generated (n ignored, stop ignored, max_tokens ignored…). */
  generate?(completion: Completion, request: ChatCompletionRequest): Completion;
  /** Change the non-stream response object before it is serialized. */
  response?(body: ChatCompletion, request: ChatCompletionRequest): ChatCompletion;
  /** Change the list of stream chunk objects before they are serialized. */
  chunks?(chunks: ChatCompletionChunk[], request: ChatCompletionRequest): ChatCompletionChunk[];
  /** Change the serialized SSE events (framing faults and variants). The list ends with the `[DONE]` event. */
  events?(events: SseEventText[], request: ChatCompletionRequest): SseEventText[];
  /** Change response headers; `request` is the parsed body, when there was one. */
  headers?(headers: Record<string, string>, request: Json | undefined): Record<string, string>;
  /**
   * Take over writing the body (transport faults, byte-split variant). Receives the bytes the server
   * would have written, one entry per write; must stop once `ctx.closed` aborts and finish in bounded time.
   */
  write?(parts: Uint8Array[], ctx: WriteContext): Promise<void>;
}
