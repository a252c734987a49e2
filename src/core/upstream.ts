/**
 * What a proxy run knows about the upstream behind the proxy under test: how the run is set up, how the tool's own
 * (instrumented) upstream is told to answer one request, and what it saw. Times are `performance.now()` of the
 * tool's process, the clock the HTTP client stamps exchanges with (`Timings.startMs`).
 */

/** What each piece of proxied evidence is for: the probes tag it, each proxy check reads its tags. */
export const PROXY_TAGS = {
  request: 'proxy:request',
  response: 'proxy:response',
  status: 'proxy:status',
  pacing: 'proxy:pacing',
  cut: 'proxy:cut',
  cancel: 'proxy:cancel',
  isolation: 'proxy:isolation',
  limits: 'proxy:limits',
  differential: 'proxy:differential',
} as const;

export interface ProxySetup {
  /**
   * `instrumented`: the upstream is the tool's reference provider, answering each request as the probe asks and
   * recording what arrives. `differential`: any upstream; the same requests also go to it directly.
   */
  mode: 'instrumented' | 'differential';
  /** Base URL (…/v1) of the upstream the proxy forwards to. */
  upstream: string;
  /** Environment variable holding the upstream's key. */
  upstreamKeyEnv: string;
  /** Model the upstream is asked for directly (differential), when the proxy maps model names. */
  upstreamModel?: string;
}

/** How the instrumented upstream answers one request. */
export type UpstreamScript =
  /** A normal answer; a stream is paced `gapMs` apart when given. */
  | { kind: 'answer'; gapMs?: number }
  /** An error answer with the error object (and Retry-After when given). */
  | { kind: 'error'; status: number; retryAfter?: string }
  /** The connection is closed before any answer. */
  | { kind: 'refuse' }
  /** The stream stops after `afterEvents` events (held silent `holdMs` first: a stall), and the connection is cut. */
  | { kind: 'cut'; afterEvents: number; holdMs?: number }
  /** A non-stream answer whose content is padded to about `bytes`. */
  | { kind: 'large'; bytes: number };

/** How an answer of the upstream ended: it finished, it cut the connection on purpose, or its peer (the proxy) left first. */
export type UpstreamEnd = { atMs: number; how: 'finished' | 'cut' | 'peer-left' };

/** One request as the instrumented upstream received and answered it. */
export interface UpstreamRecord {
  receivedAtMs: number;
  method: string;
  url: string;
  /** Names lower-cased, values as received: credentials included, so only the engine reads these. */
  headers: Record<string, string>;
  body: string;
  bodyBytes: number;
  status?: number;
  responseHeaders: Record<string, string>;
  writes: Array<{ atMs: number; bytes: Uint8Array }>;
  end?: UpstreamEnd;
}

/** The instrumented upstream, as a proxy run drives it. */
export interface UpstreamControl {
  /** Base URL (…/v1) the proxy under test must forward to. */
  url: string;
  /** The key it accepts. */
  apiKey: string;
  /**
   * Registers how to answer the request named `name` (made unique if the upstream has seen the name before);
   * returns the marker that request carries, in its last user message, to be answered so.
   */
  script(name: string, script: UpstreamScript): string;
  /**
   * The marker's requests once each has ended, or as they are when `timeoutMs` has passed; with none yet, waits at
   * most `graceMs` for one to arrive.
   */
  settled(marker: string, bounds: { graceMs: number; timeoutMs: number }): Promise<UpstreamRecord[]>;
  /** Requests received so far, marked or not. */
  received(): number;
}

/** What the upstream's Authorization header was, compared with what the client sent. */
export type AuthorizationSeen =
  | 'absent'
  | 'client-key' // the client's own bearer key, passed through
  | 'upstream-key' // the upstream's key, which the proxy put in place of the client's
  | 'placeholder' // "Bearer undefined", "Bearer null", an empty token: a key the proxy never had
  | 'other';

/** A request as the upstream saw it, with credentials replaced by what they were: what evidence may carry. */
export interface UpstreamSeen {
  receivedAtMs: number;
  /** The body as received. */
  body: string;
  bodyBytes: number;
  /** Request headers, credentials removed. */
  headers: Record<string, string>;
  authorization: AuthorizationSeen;
  /** Headers other than Authorization that carried the client's key. */
  keyElsewhere: string[];
  status?: number;
  responseHeaders: Record<string, string>;
  /** The answer's body as written, as text. */
  responseBody: string;
  /** Data payloads of a streamed answer, in order, each with the time it was written. */
  events?: Array<{ data: string; atMs: number }>;
  end?: UpstreamEnd;
}
