/**
 * What a run points at: the embedded reference provider, started on a free port with a key of its own, or an
 * external target that preflight has found usable. Either way the result is the run's settings and its key.
 */
import { randomBytes } from 'node:crypto';
import type { RunConfig } from '../core/run-config.ts';
import type { UpstreamControl } from '../core/upstream.ts';
import { startReference } from '../reference/server.ts';
import type { ParsedRun } from './options.ts';
import { preflight } from './preflight.ts';

/** Key variable named for the embedded reference, so a real provider's key in the environment is never sent to it. */
export const EMBEDDED_KEY_ENV = 'CONFORMANCE_EMBEDDED_KEY';
export const EMBEDDED_MODEL = 'reference-chat';
/** Gap between the embedded reference's events: small, but enough for the incremental-delivery check to judge. */
export const EMBEDDED_GAP_MS = 2;

export interface PreparedTarget {
  config: RunConfig;
  apiKey?: string;
  /** Requests preflight spent. */
  preflightRequests: number;
  /** True when an interrupt came before the target was confirmed usable; nothing should be sent. */
  interrupted: boolean;
  /** A proxy run: the instrumented upstream it drives, or the key of the upstream it also asks directly. */
  hooks?: { upstream?: UpstreamControl; upstreamKey?: string };
  /** More values no output may contain (an upstream's key). */
  secrets?: string[];
  close(): Promise<void>;
}

export interface PrepareOptions {
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  note(line: string): void;
}

export async function prepareTarget(parsed: ParsedRun['config'], options: PrepareOptions): Promise<PreparedTarget> {
  if (parsed.target === undefined) {
    const apiKey = `sk-embedded-${randomBytes(12).toString('hex')}`;
    const reference = await startReference({ port: 0, apiKey, gapMs: EMBEDDED_GAP_MS, seed: parsed.seed });
    options.note(`no --target: running against the embedded reference provider at ${reference.url}`);
    return {
      config: {
        ...parsed,
        target: reference.url,
        embedded: true,
        deterministic: true,
        model: parsed.model ?? EMBEDDED_MODEL,
        apiKeyEnv: EMBEDDED_KEY_ENV,
      },
      apiKey,
      preflightRequests: 0,
      interrupted: false,
      close: () => reference.close(),
    };
  }
  const apiKey = options.env[parsed.apiKeyEnv] || undefined;
  if (!apiKey)
    options.note(`note: $${parsed.apiKeyEnv} is not set; requests carry no Authorization header and the auth checks are skipped`);
  const checked = await preflight({
    target: parsed.target,
    ...(apiKey ? { apiKey } : {}),
    headers: parsed.headers,
    limits: parsed.limits,
    ...(parsed.model ? { model: parsed.model } : {}),
    apiKeyEnv: parsed.apiKeyEnv,
    note: options.note,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return {
    config: { ...parsed, target: parsed.target, embedded: false, model: checked?.model ?? parsed.model ?? '(not resolved)' },
    ...(apiKey ? { apiKey } : {}),
    preflightRequests: checked?.requests ?? 0,
    interrupted: checked === undefined,
    close: async () => undefined,
  };
}
