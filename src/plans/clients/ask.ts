/**
 * One question put to every client library: the request in plain terms, each library's driver turning it into its
 * own call; and what a driver offers (the calls the clients checks read).
 */

import type { ChatRequestBody } from '../../contract/types.ts';
import type { ClientLibrary } from '../../core/evidence.ts';
import type { RunConfig } from '../../core/run-config.ts';
import type { CallResult } from './outcome.ts';

export type LibraryFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface Ask {
  messages: Array<{ role: 'system' | 'user'; content: string }>;
  maxTokens: number;
  /** A function the answer must call (tool_choice names it). */
  tool?: { name: string; description: string; parameters: Record<string, unknown> };
  /** A JSON schema the answer must follow (response_format json_schema, strict). */
  schema?: { name: string; schema: Record<string, unknown> };
  /** A stream asks for its usage chunk (stream_options.include_usage). */
  usage?: boolean;
  /** Fields sent as given over the request's own: a deliberate mistake, a model nobody serves. */
  override?: Record<string, unknown>;
}

/** The request as the wire carries it (the official SDK sends exactly this). */
export function askBody(ask: Ask, model: string): ChatRequestBody {
  const body: ChatRequestBody = { model, messages: ask.messages, max_tokens: ask.maxTokens };
  if (ask.tool) {
    body.tools = [{ type: 'function', function: ask.tool }];
    body.tool_choice = { type: 'function', function: { name: ask.tool.name } };
  }
  if (ask.schema) body.response_format = { type: 'json_schema', json_schema: { ...ask.schema, strict: true } };
  if (ask.usage) body.stream_options = { include_usage: true };
  return { ...body, ...ask.override };
}

export type CallKind = 'complete' | 'assemble' | 'parse' | 'cancel';

/** How one library makes each call the clients probes need; every call reports what the library gave its caller. */
export interface ClientDriver {
  library: ClientLibrary;
  version: string;
  /** The library's name for each call, for reports. */
  names: Record<CallKind, string>;
  /** A non-stream completion. */
  complete(fetch: LibraryFetch, config: RunConfig, ask: Ask): Promise<CallResult>;
  /** A stream, assembled by the library into text, finish reason, usage and tool calls. */
  assemble(fetch: LibraryFetch, config: RunConfig, ask: Ask): Promise<CallResult>;
  /** Structured output through the library's parse helper. */
  parse(fetch: LibraryFetch, config: RunConfig, ask: Ask): Promise<CallResult>;
  /** A stream cancelled as soon as its first text arrives: `cancelled` says whether it was. */
  cancel(fetch: LibraryFetch, config: RunConfig, ask: Ask): Promise<CallResult>;
}
