/**
 * What probes produce and checks judge: observations of exchanges, pairs of them, property runs, boundary rows and
 * client library calls, and what a check says about them.
 */
import type { Exchange } from './exchange.ts';
import type { FramingReport } from './framing.ts';
import type { UpstreamScript, UpstreamSeen } from './upstream.ts';

/** One request/response observed on the wire, with what the engine could decode from it. */
export interface Observation {
  kind: 'observation';
  /** Probe that produced it, e.g. `stream-basic`. */
  probe: string;
  /** Free-form facts about the request that checks gate on, e.g. `stream`, `include-usage`, `n>1`, `invalid`. */
  tags: readonly string[];
  /** The JSON body that was sent (absent when a raw/malformed body was sent on purpose). */
  sent?: Record<string, unknown>;
  exchange: Exchange;
  /**
   * Why the body cannot be taken at its word, when it cannot: the exchange was cut (timeout, reset, byte cap, a
   * stream that ran away) or its bytes are not valid UTF-8. Only the transport checks judge such bodies.
   */
  damage?: string;
  /** Parsed JSON body of a non-stream response (undefined when absent or not JSON). */
  json?: unknown;
  /** Why the body did not parse as JSON, when it did not. */
  jsonError?: string;
  /** Decoded SSE stream, when the response was read as a stream. */
  stream?: StreamEvidence;
}

export interface StreamEvidence {
  framing: FramingReport;
  /** Data payloads other than `[DONE]`, parsed, in arrival order. */
  chunks: ChunkEvidence[];
}

export interface ChunkEvidence {
  /** Position among data events (0-based). */
  position: number;
  raw: string;
  value?: unknown;
  parseError?: string;
  /** Milliseconds since the request was sent when the event completed. */
  atMs: number;
}

/** Two observations of requests that must agree (stream vs non-stream, same seed twice, reject-then-healthy…). */
export interface Comparison {
  kind: 'comparison';
  probe: string;
  tags: readonly string[];
  /** What the pair means, e.g. `stream-vs-nonstream`, `same-seed`, `health-after-reject`. */
  relation: string;
  a: Observation;
  b: Observation;
  /** True when the target is known to be deterministic (the embedded reference, or --deterministic). */
  deterministic: boolean;
}

/** Outcome of a fast-check property run against the target. */
export interface PropertyEvidence {
  kind: 'property';
  probe: string;
  tags: readonly string[];
  property: string;
  runs: number;
  /** Every answer the cases got, in the order they were sent (run-scoped checks judge them like any other). */
  cases: Observation[];
  /** Cases that could not be judged (no answer, rate-limited), and why the first could not. */
  unjudged?: { count: number; reason: string };
  /** Present when the property failed: the shrunk counterexample and how to replay it. */
  failure?: {
    seed: number;
    path: string;
    counterexample: unknown;
    message: string;
    observation?: Observation;
  };
  /** True when the run stopped early (budget or time) rather than completing. */
  interrupted?: boolean;
}

/** One row of a parameter boundary table: an edge value sent, and how the target answered. */
export interface BoundaryEvidence {
  kind: 'boundary';
  probe: string;
  tags: readonly string[];
  param: string;
  value: unknown;
  /** What the spec's reading expects, and `either` where the documents disagree. */
  expected: 'accept' | 'reject' | 'either';
  conflict?: string;
  observation: Observation;
}

/** The client libraries a run drives: the official `openai` SDK, and the Vercel AI SDK's OpenAI-compatible provider. */
export type ClientLibrary = 'openai' | 'ai-sdk';

/** What a client library threw, or reported as an error part of a stream. */
export interface ClientError {
  /** The error's class, e.g. `BadRequestError`, `APICallError`. */
  name: string;
  message: string;
  /** The HTTP status the error carries, when it carries one. */
  status?: number;
}

/**
 * One call of a client library against the target: the exchanges underneath it, and what the library gave its
 * caller. Checks compare the two: "the raw answer was …; the SDK returned … / threw …".
 */
export interface ClientEvidence {
  kind: 'client';
  probe: string;
  tags: readonly string[];
  library: ClientLibrary;
  /** The installed version of the library. */
  version: string;
  /** The call made, e.g. `chat.completions.create`. */
  call: string;
  /** The library read an answer recorded from another library's request instead of sending its own. */
  replayed: boolean;
  /** The exchanges the call went out as (or the one replayed to it), in order. */
  observations: Observation[];
  /** What the call gave back, as plain JSON: the fields the library exposes (text, finish reason, usage, tool calls…). */
  returned?: Record<string, unknown>;
  threw?: ClientError;
}

/** One request sent through a proxy under test, with what its upstream saw or answered. */
export interface ProxiedExchange {
  /** What the client sent and got back through the proxy. */
  client: Observation;
  /** Instrumented upstream: how it was told to answer, and every request it received for this one (a proxy may retry). */
  script?: UpstreamScript;
  upstream?: UpstreamSeen[];
  /** Differential: the same request sent straight to the upstream. */
  direct?: Observation;
}

/**
 * Requests through a proxy under test. Only the proxy checks read it: the deliberate upstream failures it provokes
 * are not the answers the other checks judge.
 */
export interface ProxiedEvidence {
  kind: 'proxied';
  probe: string;
  tags: readonly string[];
  /** One exchange, or several sent side by side (isolation). */
  exchanges: ProxiedExchange[];
  deterministic: boolean;
}

export type Evidence = Observation | Comparison | PropertyEvidence | BoundaryEvidence | ProxiedEvidence | ClientEvidence;

/** A deviation found by a check. `key` de-duplicates repeats of the same problem. */
export interface Finding {
  verdict: 'fail' | 'warn';
  /** Identifies a repeat of the same problem (e.g. the JSON path or the violation kind). */
  key: string;
  /** Two lines in the `Received: … / Documented: …` idiom, or one sentence. */
  message: string;
  /** JSON pointer into the offending body, when there is one. */
  path?: string;
  /** Id of a recorded document conflict (spec `x-conflicts`); the profile then decides the verdict. */
  conflict?: string;
}

export type Outcome = { verdict: 'pass' } | { verdict: 'skip'; reason: string } | { verdict: 'fail' | 'warn'; finding: Finding };
