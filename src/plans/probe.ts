/**
 * What a plan is made of. A probe sends a few requests and returns evidence; a plan is the probes of one area.
 * Probes only send: they do I/O through `ProbeIO`, which the engine implements (one client, one pool, one budget
 * for the whole run), and they never judge: checks do, after every probe has finished.
 */
import type fc from 'fast-check';
import type { CheckId } from '../checks/registry.ts';
import type { ChatRequestBody } from '../contract/types.ts';
import type { Evidence, Observation, PropertyEvidence, ProxiedExchange } from '../core/evidence.ts';
import type { RunConfig } from '../core/run-config.ts';
import type { UpstreamScript } from '../core/upstream.ts';
import type { Area, Depth } from '../core/vocabulary.ts';

export type Auth = { kind: 'default' } | { kind: 'none' } | { kind: 'bearer'; token: string } | { kind: 'raw'; value: string };

interface SendCommon {
  /** Facts checks gate on (`include-usage`, `invalid`, …). `stream` is added when the body asks for a stream. */
  tags?: string[];
  /** `default` uses the run's key; `none` sends no Authorization; `bearer` the given token; `raw` the header as given. */
  auth?: Auth;
  headers?: Record<string, string>;
  /**
   * A connection no other request uses, so whatever a rejection does to its connection stays there: `true` for one
   * opened for this request alone; a name for one shared by the probe's requests naming it (a rejected request and
   * the follow-up that must still succeed on it).
   */
  connection?: string | true;
}

export type SendChat = SendCommon &
  (
    | { body: ChatRequestBody }
    /** A JSON body outside the request type on purpose (a wrong type, a missing field); `model` is filled in when absent. */
    | { invalidBody: Record<string, unknown> }
    /** These exact bytes (malformed JSON, a body without `model`). */
    | { rawBody: string }
  );

/** How a client library's calls go out (see `ProbeIO.fetcher`). */
export interface FetchOptions {
  /** Facts checks gate on; `stream` is added for a call whose body asks for a stream. */
  tags?: string[];
  /** As for `chat`; the library's own Authorization header is never sent. */
  auth?: Auth;
  /** As for `chat`. */
  connection?: string | true;
  /**
   * When the library stops reading (it fails mid-stream, or cancels), read the rest of the answer anyway, within the
   * run's bounds, so the record holds the whole answer. Otherwise its cancel cuts the exchange and closes the connection.
   */
  keepReading?: boolean;
}

/** A WHATWG `fetch` to hand a client library, and the exchanges its calls went out as. */
export interface ClientFetch {
  fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  /** One observation per call, in call order, once every exchange so far has ended (a cancelled one included). */
  settled(): Promise<Observation[]>;
}

/** A fast-check property against the target: every case is sent, then judged by the check named `property`. */
export interface PropertySpec<T> {
  property: CheckId;
  arbitrary: fc.Arbitrary<T>;
  /** Values tried before the generated ones (they count towards `runs`). */
  examples?: T[];
  runs: number;
  /** Most shrink steps once a case fails (each costs a request). */
  shrinks: number;
  send(value: T): Promise<Observation>;
}

export interface ProxiedOptions {
  /** The client hangs up after reading this many data events. */
  leaveAfterEvents?: number;
  /** Longest wait, once the client's exchange has ended, for the upstream to be done with the request (default 2 s). */
  settleMs?: number;
}

/** A proxy run against the instrumented upstream: requests through the proxy, each answered as its script says. */
export interface UpstreamIO {
  /** Sends through the proxy (never retried); resolves with what the client got and what the upstream saw. */
  chat(label: string, script: UpstreamScript, request: SendChat, options?: ProxiedOptions): Promise<ProxiedExchange>;
}

/** A differential proxy run: the same request through the proxy and straight to the upstream, side by side. */
export interface DirectIO {
  pair(label: string, request: SendChat): Promise<ProxiedExchange>;
}

export interface ProbeIO {
  config: RunConfig;
  /** Identical seeded requests give identical answers (the embedded reference, or --deterministic). */
  deterministic: boolean;
  /** Requests this probe may send; beyond it nothing more is sent. */
  allowance: number;
  /** True when the run evaluates this check (after --only/--skip); probes skip work nobody will read. */
  wants(check: CheckId): boolean;
  /** POST {target}/chat/completions, read fully (as SSE when the response says so) and decoded. */
  chat(label: string, request: SendChat): Promise<Observation>;
  /**
   * A `fetch` for a client library's `fetch` option (base URL: the target): each call goes out through the run's
   * client and counts against the allowance, the answer reaches the library as it arrives, and the exchange is
   * recorded like `chat`'s.
   */
  fetcher(label: string, options?: FetchOptions): ClientFetch;
  /** A `fetch` that sends nothing: it answers with the recorded exchange, read for read, cut where it was cut. */
  replay(observation: Observation): ClientFetch['fetch'];
  /** GET {target}{path}. */
  get(label: string, path: string): Promise<Observation>;
  /** Runs a property: the generated cases side by side, then shrinking one step at a time. */
  property<T>(spec: PropertySpec<T>): Promise<PropertyEvidence>;
  /** Present in a proxy run against the instrumented upstream. */
  upstream?: UpstreamIO;
  /** Present in a differential proxy run. */
  direct?: DirectIO;
}

export interface Probe {
  id: string;
  title: string;
  /** The shallowest depth that runs it. */
  from: Depth;
  /** Checks that read its evidence; the probe is not run when none of them is selected. */
  feeds: readonly CheckId[];
  /** Requests it sends at a depth (a share probe: the fewest it can use). */
  requests(depth: Depth): number;
  /**
   * Present on probes that take a share of what their area's budget leaves once the fixed probes are planned
   * (property runs); the value weighs the shares against each other.
   */
  share?: number;
  /** A capability of `ProbeIO` the probe cannot do without; it is planned only in runs that have it. */
  needs?: 'upstream' | 'direct';
  run(io: ProbeIO): Promise<Evidence[]>;
}

export interface Plan {
  area: Area;
  probes: readonly Probe[];
}
