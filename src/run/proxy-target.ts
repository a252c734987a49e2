/**
 * What a proxy run points at: the proxy under test (`--target`, preflighted like any target) and its upstream.
 * Instrumented: the tool starts its reference provider as the upstream on a known port and checks that the proxy
 * forwarded the preflight request there. Differential: the upstream is preflighted with its own key.
 */
import type { ProxySetup } from '../core/upstream.ts';
import { type InstrumentedUpstream, startInstrumentedUpstream } from '../reference/instrumented-upstream.ts';
import { ToolError } from './errors.ts';
import { normaliseTarget, type ParsedRun } from './options.ts';
import { preflight } from './preflight.ts';
import { type PreparedTarget, type PrepareOptions, prepareTarget } from './target.ts';

export interface ProxyFlags {
  /** Differential: the upstream's base URL. */
  upstream?: string;
  /** Instrumented: where the tool's upstream listens. */
  upstreamPort: number;
  upstreamHost: string;
  upstreamKeyEnv: string;
  upstreamModel?: string;
}

export const DEFAULT_UPSTREAM_PORT = 8090;
export const DEFAULT_UPSTREAM_KEY_ENV = 'CONFORMANCE_UPSTREAM_API_KEY';
/**
 * Gap between the instrumented upstream's events: small, but wide enough that events passed on one by one still
 * arrive in reads of their own after the extra hop (a proxy's own buffering then shows, and only that).
 */
export const UPSTREAM_GAP_MS = 10;

export async function prepareProxy(parsed: ParsedRun['config'], flags: ProxyFlags, options: PrepareOptions): Promise<PreparedTarget> {
  if (parsed.target === undefined) throw new ToolError('CC_BAD_FLAG', 'proxy needs --target: the base URL (…/v1) of the proxy under test');
  return flags.upstream === undefined ? instrumented(parsed, flags, options) : differential(parsed, flags.upstream, flags, options);
}

async function instrumented(parsed: ParsedRun['config'], flags: ProxyFlags, options: PrepareOptions): Promise<PreparedTarget> {
  const clientKey = options.env[parsed.apiKeyEnv] || undefined;
  const upstreamKey = options.env[flags.upstreamKeyEnv] || undefined;
  const key = upstreamKey ?? clientKey;
  if (key === undefined) {
    throw new ToolError(
      'CC_BAD_FLAG',
      `set $${parsed.apiKeyEnv} (the key clients give the proxy), or $${flags.upstreamKeyEnv} when the proxy puts its own key in their place`,
    );
  }
  let upstream: InstrumentedUpstream;
  try {
    upstream = await startInstrumentedUpstream({
      port: flags.upstreamPort,
      host: flags.upstreamHost,
      apiKey: key,
      seed: parsed.seed,
      gapMs: UPSTREAM_GAP_MS,
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'the port is in use' : (code ?? (error instanceof Error ? error.message : String(error)));
    throw new ToolError(
      'CC_BAD_FLAG',
      `cannot start the instrumented upstream on ${flags.upstreamHost}:${flags.upstreamPort} (${why}); choose another with --upstream-port`,
    );
  }
  const accepts = upstreamKey ? `$${flags.upstreamKeyEnv}` : `the client's key ($${parsed.apiKeyEnv})`;
  options.note(`instrumented upstream at ${upstream.url} (accepts ${accepts}); the proxy under test must forward there`);
  try {
    const target = await prepareTarget(parsed, options);
    if (!target.interrupted && upstream.control.received() === 0) {
      throw new ToolError(
        'CC_UNREACHABLE',
        `the proxy at ${parsed.target} answered, but did not forward the preflight request to the instrumented upstream at ${upstream.url}; configure it to forward there`,
      );
    }
    const proxy: ProxySetup = { mode: 'instrumented', upstream: upstream.url, upstreamKeyEnv: flags.upstreamKeyEnv };
    // The upstream is the deterministic reference: whatever differs between two answers is the proxy's doing.
    return {
      ...target,
      config: { ...target.config, deterministic: true, proxy },
      hooks: { upstream: upstream.control },
      secrets: [key],
      close: async () => {
        await target.close();
        await upstream.close();
      },
    };
  } catch (error) {
    await upstream.close();
    throw error;
  }
}

async function differential(parsed: ParsedRun['config'], raw: string, flags: ProxyFlags, options: PrepareOptions): Promise<PreparedTarget> {
  const url = normaliseTarget(raw, '--upstream');
  const upstreamKey = options.env[flags.upstreamKeyEnv] || undefined;
  if (!upstreamKey)
    options.note(`note: $${flags.upstreamKeyEnv} is not set; requests straight to the upstream carry no Authorization header`);
  const target = await prepareTarget(parsed, options);
  const model = flags.upstreamModel ?? target.config.model;
  const checked = target.interrupted
    ? undefined
    : await preflight({
        target: url,
        ...(upstreamKey ? { apiKey: upstreamKey } : {}),
        headers: parsed.headers,
        limits: parsed.limits,
        model,
        apiKeyEnv: flags.upstreamKeyEnv,
        note: options.note,
        ...(options.signal ? { signal: options.signal } : {}),
      });
  const proxy: ProxySetup = {
    mode: 'differential',
    upstream: url,
    upstreamKeyEnv: flags.upstreamKeyEnv,
    ...(flags.upstreamModel ? { upstreamModel: flags.upstreamModel } : {}),
  };
  return {
    ...target,
    config: { ...target.config, proxy },
    preflightRequests: target.preflightRequests + (checked?.requests ?? 0),
    interrupted: target.interrupted || checked === undefined,
    ...(upstreamKey ? { hooks: { upstreamKey }, secrets: [upstreamKey] } : {}),
  };
}
