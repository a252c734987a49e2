/**
 * The record of one HTTP round-trip. Everything a report shows about a request comes from here,
 * and every header value in it has already passed through redaction.
 */

export type TransportErrorCode =
  | 'refused' // nothing listens at the address
  | 'dns' // host name does not resolve
  | 'tls' // TLS handshake or certificate failure
  | 'connect-timeout'
  | 'headers-timeout' // connected, but status line and headers did not arrive in time
  | 'idle-timeout' // body started, then no byte for too long
  | 'total-timeout' // the whole exchange exceeded its deadline
  | 'runaway' // the stream ran far past what its request allows (max_tokens); reading stopped
  | 'too-large' // body exceeded the byte cap; reading stopped there
  | 'reset' // connection closed or reset before the body completed
  | 'protocol' // the peer is not speaking HTTP/1.1 correctly
  | 'decoding' // Content-Encoding the client did not ask for or cannot decode
  | 'left' // the client hung up on purpose (a probe of what a proxy does when its client goes away)
  | 'budget-exhausted' // the run's request budget was used up; nothing was sent
  | 'aborted'; // the run was interrupted, or the caller cancelled the exchange

export interface TransportError {
  code: TransportErrorCode;
  message: string;
}

export interface RecordedRequest {
  method: 'GET' | 'POST';
  url: string;
  /** Header names lower-cased; credentials replaced by a placeholder. */
  headers: Record<string, string>;
  /** Body text exactly as sent (JSON or deliberately malformed). */
  body?: string;
}

export interface RecordedResponse {
  status: number;
  /** The reason phrase of the status line, when it had one. */
  statusText?: string;
  headers: Record<string, string>;
  /** Total body bytes received (up to the cap). */
  bodyBytes: number;
  /** The first bytes of the body as text, for reports. */
  excerpt: string;
}

export interface ReadChunk {
  /** Milliseconds since the request started. */
  atMs: number;
  bytes: Uint8Array;
}

export interface Timings {
  /** `performance.now()` of the tool's process when the attempt began: lines the exchange up with the instrumented upstream. */
  startMs?: number;
  /** Request start to response headers. */
  headersMs?: number;
  /** Request start to the first body byte. */
  firstByteMs?: number;
  /** Request start to the end of the exchange (complete, error or abort). */
  totalMs: number;
  /** Gaps between consecutive body reads. */
  gapsMs: number[];
}

export interface RetryRecord {
  status: number;
  /** How long the client waited before trying again. */
  waitMs: number;
  /** The wait came from the answer's Retry-After header (otherwise it is the client's own back-off). */
  retryAfter: boolean;
  atMs: number;
}

export interface Exchange {
  /** Sequence number within the run. */
  id: number;
  /** What the request was for (probe id). */
  label: string;
  request: RecordedRequest;
  response?: RecordedResponse;
  /** The body as received, split exactly as the reads arrived (bounded by the byte cap). */
  reads: ReadChunk[];
  timings: Timings;
  error?: TransportError;
  /** Earlier attempts answered 429/503 and retried; the final attempt is the one recorded above. */
  retries: RetryRecord[];
  /** Nothing went out: the budget was spent or the run had stopped sending (`error` says which). */
  unsent?: true;
}

/** The body received, as one byte array. */
export function bodyBytes(exchange: Exchange): Uint8Array {
  const total = exchange.reads.reduce((n, r) => n + r.bytes.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const r of exchange.reads) {
    out.set(r.bytes, at);
    at += r.bytes.length;
  }
  return out;
}

/** The body received, decoded as UTF-8 (invalid sequences become U+FFFD). */
export function bodyText(exchange: Exchange): string {
  return new TextDecoder().decode(bodyBytes(exchange));
}
