/**
 * Bounded HTTP for probing an untrusted target: every exchange has a connect, headers, idle and total deadline and
 * a byte cap, and whatever the target does comes back as a recorded Exchange (never as a thrown error).
 * Credentials are removed before anything is recorded.
 */
import { setMaxListeners } from 'node:events';
import { Agent, Client, type Dispatcher } from 'undici';
import type { Exchange, ReadChunk, RecordedRequest, RetryRecord, TransportError, TransportErrorCode } from '../core/exchange.ts';
import type { Limits } from '../core/limits.ts';
import { isEventStream } from '../core/media-type.ts';
import { looksLikeCredentialName, maskSecretBytes, redactHeaders, redactText, stripUrlCredentials } from './redact.ts';

export interface ClientOptions {
  /** Base URL ending before `/chat/completions` (e.g. `…/v1`), no trailing slash. */
  baseUrl: string;
  apiKey?: string;
  /** Sent on every request (gateways route on them). */
  headers?: Record<string, string>;
  limits: Limits;
  /** Exchanges in flight at once; the rest wait their turn. */
  concurrency: number;
  /** Slots shared with other clients (several runs under one concurrency limit); default: `concurrency` of its own. */
  slots?: SlotPool;
  /** Attempts (retries included) this client may send. */
  requestBudget: number;
  /** Retries of a 429/503: at most `max`, each waiting Retry-After or the client's back-off, never above `maxWaitMs`. */
  retry?: { max: number; maxWaitMs: number; backoffMs?: number };
  /** Aborting it ends every exchange in flight; its reason (an Error) becomes their error message. */
  signal?: AbortSignal;
  /** Sees every finished exchange before its connection slot goes to the next request (a breaker decides there). */
  onExchange?: (exchange: Exchange) => void;
}

export type Auth = { kind: 'default' } | { kind: 'none' } | { kind: 'bearer'; token: string } | { kind: 'raw'; value: string };

export interface SendOptions {
  label: string;
  method: 'GET' | 'POST';
  /** Appended to the base URL, e.g. `/chat/completions`. */
  path: string;
  body?: string;
  /** Default: the run's key. */
  auth?: Auth;
  headers?: Record<string, string>;
  /** Waiting requests with a higher priority go first (a follow-up in a chain before fresh work). Default 0. */
  priority?: number;
  /**
   * Requests naming the same connection share one connection of their own, never used by any other request
   * (a rejected request and the follow-up that must still succeed on the same keep-alive connection).
   */
  connection?: string;
  /** Looks at each body read as it arrives; a reason returned cuts the exchange with error `runaway`. */
  stopWhen?: (bytes: Uint8Array) => string | undefined;
  /** Looks at each body read as it arrives; a reason returned ends the exchange there, error `left` (the client hangs up). */
  leaveWhen?: (bytes: Uint8Array) => string | undefined;
  /** Record a 429/503 as it came instead of retrying it (a proxy's status is what is under test). */
  noRetry?: true;
  /** The caller's own cancel: aborting it cuts the exchange, recorded as `aborted`. */
  signal?: AbortSignal;
  /** Sees the answer as it arrives (only the attempt that will be returned, never one about to be retried). */
  live?: LiveAnswer;
}

/** Status line, headers and body reads as they arrive, unredacted: what a client library reading the exchange sees. */
export interface LiveAnswer {
  headers(head: { status: number; statusText: string; headers: Record<string, string> }): void;
  read(bytes: Uint8Array): void;
}

export interface HttpClient {
  send(options: SendOptions): Promise<Exchange>;
  /** Closes a connection named in `SendOptions.connection` once nothing more will be sent on it. */
  release(connection: string): Promise<void>;
  stats(): { requests: number; retries: number; exchanges: number };
  /** The text with the run's secrets masked, for whatever else reports what the target sent. */
  redact(text: string): string;
  close(): Promise<void>;
}

const DEFAULT_RETRY = { max: 2, maxWaitMs: 10_000, backoffMs: 500 };
const EXCERPT_BYTES = 2048;
const RETRYABLE_STATUS = new Set([429, 503]);
const USER_AGENT = 'chat-conformance';

/**
 * Why the client itself cut an exchange. Its own timers are exact; undici's timeouts, which tick at about half a
 * second, stay configured behind them as a backstop.
 */
class Cut extends Error {
  constructor(
    readonly code: 'headers-timeout' | 'idle-timeout' | 'total-timeout' | 'runaway',
    message: string,
  ) {
    super(message);
  }
}

const ERROR_CODES: Record<string, TransportErrorCode> = {
  ECONNREFUSED: 'refused',
  EHOSTUNREACH: 'refused',
  ENETUNREACH: 'refused',
  EADDRNOTAVAIL: 'refused',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_NONAME: 'dns',
  EAI_FAIL: 'dns',
  UND_ERR_CONNECT_TIMEOUT: 'connect-timeout',
  ETIMEDOUT: 'connect-timeout',
  UND_ERR_HEADERS_TIMEOUT: 'headers-timeout',
  UND_ERR_BODY_TIMEOUT: 'idle-timeout',
  UND_ERR_SOCKET: 'reset',
  ECONNRESET: 'reset',
  ECONNABORTED: 'reset',
  EPIPE: 'reset',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'reset',
  HPE_INVALID_EOF_STATE: 'reset',
  UND_ERR_RES_EXCEEDED_MAX_SIZE: 'too-large',
  UND_ERR_HEADERS_OVERFLOW: 'protocol',
  UND_ERR_ABORTED: 'aborted',
  UND_ERR_DESTROYED: 'aborted',
  UND_ERR_CLOSED: 'aborted',
};

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string') return code;
  // Connecting to a name with several addresses fails with an AggregateError of the per-address errors.
  if (Array.isArray(errors) && errors.length > 0) return errorCode(errors[0]);
  return cause === undefined ? undefined : errorCode(cause);
}

function classify(error: unknown): TransportErrorCode {
  const code = errorCode(error);
  if (code === undefined) return 'protocol';
  const known = ERROR_CODES[code];
  if (known) return known;
  if (code.startsWith('HPE_')) return 'protocol';
  if (/^(ERR_TLS|ERR_SSL|EPROTO$)|CERT|UNABLE_TO_(GET|VERIFY)/.test(code)) return 'tls';
  return 'protocol';
}

const describeError = (error: unknown): string => {
  const message = error instanceof Error ? error.message : String(error);
  const code = errorCode(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
};

/** Retry-After in seconds or as an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

const lowerKeys = (headers: Record<string, string> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));

const roundMs = (ms: number): number => Math.round(ms * 10) / 10;

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

interface Waiter {
  priority: number;
  grant(): void;
}

/** Permission to have one exchange in flight; `acquire` resolves false when the signal ends the wait. */
export interface SlotPool {
  acquire(signal: AbortSignal | undefined, priority: number): Promise<boolean>;
  release(): void;
}

/** A counting semaphore: the highest priority waits least, equal priorities in arrival order; waiters give up on abort. */
class Slots implements SlotPool {
  private active = 0;
  private readonly waiting: Waiter[] = [];

  constructor(private readonly size: number) {}

  acquire(signal: AbortSignal | undefined, priority: number): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    if (this.active < this.size) {
      this.active += 1;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const waiter: Waiter = {
        priority,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          this.active += 1;
          resolve(true);
        },
      };
      const onAbort = () => {
        const at = this.waiting.indexOf(waiter);
        if (at !== -1) this.waiting.splice(at, 1);
        resolve(false);
      };
      const before = this.waiting.findIndex((w) => w.priority < priority);
      this.waiting.splice(before === -1 ? this.waiting.length : before, 0, waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  release(): void {
    this.active -= 1;
    this.waiting.shift()?.grant();
  }
}

/** Why the run's signal ended an exchange, for its error message. */
const abortMessage = (signal: AbortSignal): string =>
  signal.reason instanceof Error && signal.reason.name !== 'AbortError' ? signal.reason.message : 'the run was interrupted';

interface Attempt {
  exchange: Exchange;
  retryAfterMs?: number;
}

class BoundedClient implements HttpClient {
  private readonly agent: Agent;
  private readonly connections = new Map<string, Client>();
  private readonly slots: SlotPool;
  private readonly retry: { max: number; maxWaitMs: number; backoffMs: number };
  /** The run's key: becomes `[REDACTED]` in recorded headers, so a reproduction can take it from the environment. */
  private readonly keySecrets: string[];
  /** Everything that must not appear in recorded text: the key and credential-like configured header values. */
  private readonly allSecrets: string[];
  private nextId = 0;
  private requests = 0;
  private retries = 0;
  private exchanges = 0;

  constructor(private readonly options: ClientOptions) {
    const { limits } = options;
    this.agent = new Agent({
      connect: { timeout: limits.connectMs },
      headersTimeout: limits.headersMs,
      bodyTimeout: limits.idleMs,
      connections: Math.max(1, options.concurrency),
    });
    this.slots = options.slots ?? new Slots(Math.max(1, options.concurrency));
    // Every waiting and in-flight exchange listens to the run's signal; that many listeners are by design.
    if (options.signal) setMaxListeners(0, options.signal);
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.keySecrets = options.apiKey ? [options.apiKey] : [];
    const configured = Object.entries(options.headers ?? {})
      .filter(([name]) => looksLikeCredentialName(name))
      .flatMap(([, value]) => [value, value.replace(/^\S+\s+/, '')]);
    this.allSecrets = [...this.keySecrets, ...configured];
  }

  stats() {
    return { requests: this.requests, retries: this.retries, exchanges: this.exchanges };
  }

  redact(text: string): string {
    return redactText(text, this.allSecrets);
  }

  async close(): Promise<void> {
    await Promise.all([...this.connections.keys()].map((key) => this.release(key)));
    await this.agent.close();
  }

  async release(connection: string): Promise<void> {
    const own = this.connections.get(connection);
    this.connections.delete(connection);
    await own?.close().catch(() => undefined);
  }

  /** The shared pool, or the connection of its own a request names. */
  private dispatcher(send: SendOptions, origin: string): Dispatcher {
    if (send.connection === undefined) return this.agent;
    let own = this.connections.get(send.connection);
    if (!own) {
      const { limits } = this.options;
      own = new Client(origin, {
        connect: { timeout: limits.connectMs },
        headersTimeout: limits.headersMs,
        bodyTimeout: limits.idleMs,
        pipelining: 1,
      });
      this.connections.set(send.connection, own);
    }
    return own;
  }

  async send(send: SendOptions): Promise<Exchange> {
    const id = ++this.nextId;
    const request = this.prepare(send);
    const { signal } = this.options;
    let exchange: Exchange;
    if (!(await this.slots.acquire(signal, send.priority ?? 0))) {
      const why = signal?.aborted ? abortMessage(signal) : 'the run was interrupted';
      exchange = this.notSent(id, send.label, request.recorded, 'aborted', `not sent: ${why}`);
    } else {
      try {
        exchange = await this.sendWithRetries(id, send, request);
        this.options.onExchange?.(exchange);
      } finally {
        this.slots.release();
      }
    }
    this.exchanges += 1;
    return exchange;
  }

  private prepare(send: SendOptions) {
    const url = `${this.options.baseUrl.replace(/\/+$/, '')}${send.path}`;
    const headers: Record<string, string> = { 'user-agent': USER_AGENT, 'accept-encoding': 'identity' };
    if (send.body !== undefined) headers['content-type'] = 'application/json';
    Object.assign(headers, lowerKeys(this.options.headers));
    const auth = send.auth ?? { kind: 'default' };
    if (auth.kind === 'none') delete headers['authorization'];
    else if (auth.kind === 'bearer') headers['authorization'] = `Bearer ${auth.token}`;
    else if (auth.kind === 'raw') headers['authorization'] = auth.value;
    else if (this.options.apiKey) headers['authorization'] = `Bearer ${this.options.apiKey}`;
    Object.assign(headers, lowerKeys(send.headers));

    const recorded: RecordedRequest = {
      method: send.method,
      url: redactText(stripUrlCredentials(url), this.allSecrets),
      headers: this.recordHeaders(headers),
    };
    if (send.body !== undefined) recorded.body = redactText(send.body, this.allSecrets);
    return { url, method: send.method, headers, body: send.body, recorded, stopWhen: send.stopWhen, leaveWhen: send.leaveWhen };
  }

  private recordHeaders(headers: Record<string, string>): Record<string, string> {
    const masked = redactHeaders(headers, this.keySecrets);
    for (const [name, value] of Object.entries(masked)) masked[name] = redactText(value, this.allSecrets);
    return masked;
  }

  private async sendWithRetries(id: number, send: SendOptions, request: ReturnType<BoundedClient['prepare']>): Promise<Exchange> {
    const { signal } = this.options;
    const { label } = send;
    const started = performance.now();
    const retries: RetryRecord[] = [];
    if (this.requests >= this.options.requestBudget) {
      return this.notSent(
        id,
        label,
        request.recorded,
        'budget-exhausted',
        `the request budget (${this.options.requestBudget}) is used up; nothing was sent`,
      );
    }
    for (;;) {
      const retryLater = (status: number) =>
        RETRYABLE_STATUS.has(status) && retries.length < this.retry.max && this.requests < this.options.requestBudget;
      const { exchange, retryAfterMs } = await this.attempt(id, send, request, retryLater);
      exchange.retries = retries;
      const status = exchange.response?.status;
      const retryable = status !== undefined && RETRYABLE_STATUS.has(status) && exchange.error === undefined;
      if (!retryable || send.noRetry || retries.length >= this.retry.max || this.requests >= this.options.requestBudget) return exchange;
      // Without Retry-After the client backs off on its own, doubling each time.
      const waitMs = Math.min(retryAfterMs ?? this.retry.backoffMs * 2 ** retries.length, this.retry.maxWaitMs);
      retries.push({ status, waitMs, retryAfter: retryAfterMs !== undefined, atMs: roundMs(performance.now() - started) });
      this.retries += 1;
      await sleep(waitMs, signal);
      if (signal?.aborted) {
        exchange.error = { code: 'aborted', message: `${abortMessage(signal)} while waiting to retry` };
        return exchange;
      }
    }
  }

  private notSent(id: number, label: string, recorded: RecordedRequest, code: TransportErrorCode, message: string): Exchange {
    return {
      id,
      label,
      request: recorded,
      reads: [],
      timings: { totalMs: 0, gapsMs: [] },
      error: { code, message },
      retries: [],
      unsent: true,
    };
  }

  private async attempt(
    id: number,
    send: SendOptions,
    request: ReturnType<BoundedClient['prepare']>,
    retryLater: (status: number) => boolean,
  ): Promise<Attempt> {
    const { label } = send;
    const { limits, signal: runSignal } = this.options;
    this.requests += 1;
    const start = performance.now();
    const elapsed = () => roundMs(performance.now() - start);
    const cut = new AbortController();
    const cutAfter = (ms: number, code: Cut['code'], message: string) => setTimeout(() => cut.abort(new Cut(code, message)), ms);
    const total = cutAfter(limits.totalMs, 'total-timeout', `the exchange exceeded its ${limits.totalMs} ms deadline`);
    const headers = cutAfter(limits.headersMs, 'headers-timeout', `no response headers within ${limits.headersMs} ms`);
    let idle: NodeJS.Timeout | undefined;
    let padding: NodeJS.Timeout | undefined;
    const signal = AbortSignal.any([cut.signal, ...(runSignal ? [runSignal] : []), ...(send.signal ? [send.signal] : [])]);
    let cancelledAt: number | undefined;
    const onCancel = () => (cancelledAt ??= elapsed());
    send.signal?.addEventListener('abort', onCancel, { once: true });

    const reads: ReadChunk[] = [];
    let headersMs: number | undefined;
    let status: number | undefined;
    let statusText = '';
    let responseHeaders: Record<string, string> = {};
    let received = 0;
    let error: TransportError | undefined;
    const fail = (cause: unknown) => {
      const reason: unknown = cut.signal.reason;
      if (reason instanceof Cut) error = { code: reason.code, message: reason.message };
      else if (runSignal?.aborted) error = { code: 'aborted', message: `cut short: ${abortMessage(runSignal)}` };
      else if (send.signal?.aborted) error = { code: 'aborted', message: `cancelled by the client after ${cancelledAt ?? elapsed()} ms` };
      else error = { code: classify(cause), message: redactText(describeError(cause), this.allSecrets) };
    };

    try {
      const target = new URL(request.url);
      const response = await this.dispatcher(send, target.origin).request({
        origin: target.origin,
        path: `${target.pathname}${target.search}`,
        method: request.method,
        headers: request.headers,
        body: request.body ?? null,
        signal,
        headersTimeout: limits.headersMs,
        bodyTimeout: limits.idleMs,
      });
      headersMs = elapsed();
      clearTimeout(headers);
      idle = cutAfter(limits.idleMs, 'idle-timeout', `no body byte for ${limits.idleMs} ms`);
      status = response.statusCode;
      statusText = response.statusText ?? '';
      responseHeaders = flattenHeaders(response.headers);
      const live = retryLater(status) ? undefined : send.live;
      live?.headers({ status, statusText, headers: responseHeaders });
      // A JSON body that has begun and then only pads with whitespace is making no progress, though bytes arrive.
      const padded = !isEventStream(responseHeaders['content-type']);
      try {
        for await (const chunk of response.body as AsyncIterable<Buffer>) {
          idle.refresh();
          if (padded && !isBlank(chunk)) {
            padding ??= cutAfter(
              limits.idleMs,
              'runaway',
              `the body carried nothing but whitespace for ${limits.idleMs} ms; reading stopped`,
            );
            padding.refresh();
          }
          const atMs = elapsed();
          const room = limits.maxBytes - received;
          if (chunk.length > room) {
            if (room > 0) reads.push({ atMs, bytes: new Uint8Array(chunk.subarray(0, room)) });
            if (room > 0) live?.read(new Uint8Array(chunk.subarray(0, room)));
            received += Math.max(0, room);
            error = { code: 'too-large', message: `the body exceeded ${limits.maxBytes} bytes; reading stopped there` };
            break;
          }
          reads.push({ atMs, bytes: new Uint8Array(chunk) });
          live?.read(new Uint8Array(chunk));
          received += chunk.length;
          const runaway = request.stopWhen?.(chunk);
          if (runaway !== undefined) {
            error = { code: 'runaway', message: runaway };
            break;
          }
          const leaving = request.leaveWhen?.(chunk);
          if (leaving !== undefined) {
            error = { code: 'left', message: leaving };
            break;
          }
        }
      } finally {
        // Stops a body that was cut (cap, deadline) from holding the connection: an unfinished body aborts it.
        response.body.destroy();
      }
    } catch (cause) {
      fail(cause);
    } finally {
      send.signal?.removeEventListener('abort', onCancel);
      clearTimeout(total);
      clearTimeout(headers);
      clearTimeout(idle);
      clearTimeout(padding);
    }

    const masked = maskSecretBytes(
      reads.map((r) => r.bytes),
      this.allSecrets,
    );
    const maskedReads = reads.map((r, i) => ({ atMs: r.atMs, bytes: masked[i]! }));
    const exchange: Exchange = {
      id,
      label,
      request: request.recorded,
      reads: maskedReads,
      timings: {
        startMs: start,
        totalMs: elapsed(),
        gapsMs: maskedReads.slice(1).map((r, i) => roundMs(r.atMs - maskedReads[i]!.atMs)),
      },
      retries: [],
    };
    if (headersMs !== undefined) exchange.timings.headersMs = headersMs;
    if (maskedReads[0]) exchange.timings.firstByteMs = maskedReads[0].atMs;
    if (status !== undefined) {
      exchange.response = {
        status,
        ...(statusText ? { statusText: redactText(statusText, this.allSecrets) } : {}),
        headers: this.recordHeaders(responseHeaders),
        bodyBytes: received,
        excerpt: redactText(excerptOf(masked), this.allSecrets),
      };
    }
    if (error) exchange.error = error;
    const attempt: Attempt = { exchange };
    const retryAfterMs = parseRetryAfter(responseHeaders['retry-after']);
    if (retryAfterMs !== undefined) attempt.retryAfterMs = retryAfterMs;
    return attempt;
  }
}

/** Only JSON whitespace (space, tab, CR, LF); read as latin1 so the test runs natively over large reads. */
const isBlank = (bytes: Buffer): boolean => !/[^ \t\r\n]/.test(bytes.toString('latin1'));

/** The first bytes of the body as text, without a broken character at the cut. */
function excerptOf(chunks: readonly Uint8Array[]): string {
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  const total = chunks.reduce((n, c) => n + c.length, 0);
  let text = '';
  let taken = 0;
  for (const chunk of chunks) {
    if (taken >= EXCERPT_BYTES) break;
    const part = chunk.subarray(0, EXCERPT_BYTES - taken);
    text += decoder.decode(part, { stream: true });
    taken += part.length;
  }
  // A whole body is decoded to its end; a cut one leaves out the character split by the cut.
  return taken === total ? text + decoder.decode() : text;
}

export function createSlotPool(size: number): SlotPool {
  return new Slots(Math.max(1, size));
}

export function createClient(options: ClientOptions): HttpClient {
  return new BoundedClient(options);
}
