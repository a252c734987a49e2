/**
 * Before spending the budget: is the target an HTTP server that accepts our key, and which model do we test?
 * Only an unusable target is a tool error (exit 2); a server that answers badly is for the checks to judge.
 */

import type { Exchange } from '../core/exchange.ts';
import type { Limits } from '../core/limits.ts';
import { createClient } from '../http/client.ts';
import { ToolError } from './errors.ts';

export interface PreflightInput {
  target: string;
  apiKey?: string;
  headers: Record<string, string>;
  limits: Limits;
  model?: string;
  apiKeyEnv: string;
  note: (line: string) => void;
  signal?: AbortSignal;
}

export interface PreflightResult {
  model: string;
  requests: number;
}

const UNREACHABLE = new Set(['refused', 'dns', 'tls', 'protocol', 'connect-timeout']);

function assertUsable(exchange: Exchange, target: string, apiKeyEnv: string): void {
  if (exchange.error && UNREACHABLE.has(exchange.error.code)) {
    throw new ToolError('CC_UNREACHABLE', `cannot reach ${target}: ${exchange.error.message}`);
  }
  const status = exchange.response?.status;
  if (status === 401 || status === 403) {
    throw new ToolError(
      'CC_UNAUTHORIZED',
      `${target} refused the credentials (HTTP ${status}); set the API key in $${apiKeyEnv} or name another variable with --api-key-env`,
    );
  }
}

/** A 404/405 to a plain request means nothing can be tested: a wrong base path or a model the target does not serve. */
function assertEndpoint(exchange: Exchange, target: string, model: string): void {
  const status = exchange.response?.status;
  if (status === 404 || status === 405) {
    throw new ToolError(
      'CC_BAD_TARGET',
      `POST ${target}/chat/completions answered HTTP ${status} for model ${model}; check that --target is the base URL (…/v1) and --model a model it serves`,
    );
  }
}

function firstModelId(exchange: Exchange): string | undefined {
  if (exchange.response?.status !== 200) return undefined;
  try {
    const body = JSON.parse(exchange.response.excerpt.length < exchange.response.bodyBytes ? '' : exchange.response.excerpt) as {
      data?: Array<{ id?: unknown }>;
    };
    const id = body.data?.[0]?.id;
    return typeof id === 'string' && id !== '' ? id : undefined;
  } catch {
    return undefined;
  }
}

/** Resolves to undefined when the run was interrupted before the target was confirmed usable. */
export async function preflight(input: PreflightInput): Promise<PreflightResult | undefined> {
  const client = createClient({
    baseUrl: input.target,
    ...(input.apiKey ? { apiKey: input.apiKey } : {}),
    headers: input.headers,
    limits: { ...input.limits, maxBytes: Math.min(input.limits.maxBytes, 1024 * 1024) },
    concurrency: 1,
    requestBudget: 2,
    retry: { max: 2, maxWaitMs: 10_000 },
    ...(input.signal ? { signal: input.signal } : {}),
  });
  try {
    let model = input.model;
    if (model === undefined) {
      const listing = await client.send({ label: 'preflight-models', method: 'GET', path: '/models' });
      if (input.signal?.aborted) return undefined;
      assertUsable(listing, input.target, input.apiKeyEnv);
      model = firstModelId(listing);
      if (model === undefined) {
        const why = listing.error?.message ?? `HTTP ${listing.response?.status ?? '?'}`;
        throw new ToolError('CC_NO_MODEL', `GET ${input.target}/models did not name a model (${why}); pass --model ID`);
      }
      input.note(`using model ${model}, the first listed by GET /models (choose one with --model)`);
    }
    const plain = await client.send({
      label: 'preflight-chat',
      method: 'POST',
      path: '/chat/completions',
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Say hi.' }], max_tokens: 1 }),
    });
    if (input.signal?.aborted) return undefined;
    assertUsable(plain, input.target, input.apiKeyEnv);
    assertEndpoint(plain, input.target, model);
    return { model, requests: client.stats().requests };
  } finally {
    await client.close();
  }
}
