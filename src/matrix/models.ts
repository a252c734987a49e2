/**
 * The models a target lists (GET {target}/models), for targets configured with "all" or with no models. One
 * bounded request; a target that cannot be reached or lists nothing is a reason, not an exception.
 */

import { isRecord } from '../core/json.ts';
import type { Limits } from '../core/limits.ts';
import { createClient } from '../http/client.ts';

export interface ListInput {
  target: string;
  apiKey?: string;
  headers: Record<string, string>;
  limits: Limits;
  signal?: AbortSignal;
}

export async function listModels(input: ListInput, limit: number): Promise<{ models: string[] } | { problem: string }> {
  const client = createClient({
    baseUrl: input.target,
    ...(input.apiKey ? { apiKey: input.apiKey } : {}),
    headers: input.headers,
    limits: { ...input.limits, maxBytes: Math.min(input.limits.maxBytes, 1024 * 1024) },
    concurrency: 1,
    requestBudget: 3,
    ...(input.signal ? { signal: input.signal } : {}),
  });
  try {
    const exchange = await client.send({ label: 'list-models', method: 'GET', path: '/models' });
    const status = exchange.response?.status;
    if (exchange.error && status === undefined) return { problem: `cannot reach ${input.target}: ${exchange.error.message}` };
    if (status !== 200) return { problem: `GET ${input.target}/models answered HTTP ${status ?? '?'}` };
    let body: unknown;
    try {
      body = JSON.parse(exchange.response?.excerpt ?? '');
    } catch {
      // The excerpt is cut at a few kilobytes; a listing that long still names its first models.
      body = { data: [...(exchange.response?.excerpt ?? '').matchAll(/"id"\s*:\s*"([^"\\]+)"/g)].map((m) => ({ id: m[1] })) };
    }
    const data = isRecord(body) && Array.isArray(body['data']) ? body['data'] : [];
    const ids = data.flatMap((m) => (isRecord(m) && typeof m['id'] === 'string' && m['id'] !== '' ? [m['id']] : []));
    if (ids.length === 0) return { problem: `GET ${input.target}/models named no model` };
    return { models: [...new Set(ids)].slice(0, limit) };
  } finally {
    await client.close();
  }
}
