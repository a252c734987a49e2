/**
 * The `fetch` a client library is handed: WHATWG semantics on top of the run's bounded client. What the library
 * sends goes out as every request of the run does (the run's key and headers, its bounds, budget and breaker); the
 * answer reaches the library as it arrives, so a stream it cancels is cut and its connection closed; and each call is
 * recorded as an exchange like any other.
 */
import type { Observation } from '../core/evidence.ts';
import type { LiveAnswer } from '../http/client.ts';
import { fetchResponse } from '../http/fetch-response.ts';
import type { ClientFetch } from '../plans/probe.ts';

/** One call as the run sends it. */
export interface FetchCall {
  method: 'GET' | 'POST';
  /** After the target's base URL, e.g. `/chat/completions`. */
  path: string;
  body?: string;
  /** The library's own headers, less those the run decides (credentials, encodings, framing, configured headers). */
  headers: Record<string, string>;
  /** The library's cancel, unless the route keeps reading. */
  signal?: AbortSignal;
  live: LiveAnswer;
}

export interface FetchRoute {
  /** The target's base URL: the only place a call may go. */
  target: string;
  /** Header names the run sets itself (lower-case); the library's values for them are not sent. */
  reserved: ReadonlySet<string>;
  send(call: FetchCall): Promise<Observation>;
  /**
   * When the library stops reading (it fails mid-stream, or cancels), the run still reads the rest of the answer into
   * the record, within its bounds, so the whole answer can be judged and replayed. Otherwise the exchange is cut.
   */
  keepReading?: boolean;
}

/** Headers the run's client decides, whatever the library says: the key, and how bytes travel. */
const RUN_DECIDES = new Set([
  'authorization',
  'accept-encoding',
  'content-length',
  'host',
  'connection',
  'transfer-encoding',
  'keep-alive',
]);

const aborted = (signal: AbortSignal): unknown => signal.reason ?? new DOMException('This operation was aborted', 'AbortError');

async function requestOf(
  input: string | URL | Request,
  init: RequestInit | undefined,
): Promise<{ url: string; method: string; headers: Headers; body?: string }> {
  const request = input instanceof Request ? input : undefined;
  const url = request ? request.url : String(input);
  const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
  const headers = new Headers(init?.headers ?? request?.headers);
  const source = init?.body ?? (request?.body ? await request.text() : undefined);
  if (source === undefined || source === null) return { url, method, headers };
  if (typeof source === 'string') return { url, method, headers, body: source };
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source))
    return { url, method, headers, body: Buffer.from(source as ArrayBuffer).toString('utf8') };
  return { url, method, headers, body: await new Response(source).text() };
}

export function clientFetch(route: FetchRoute): ClientFetch {
  const pending: Array<Promise<Observation>> = [];

  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    if (signal?.aborted) throw aborted(signal);
    const request = await requestOf(input, init);
    if (!request.url.startsWith(`${route.target}/`))
      throw new TypeError(`fetch failed: ${request.url} is not under the target ${route.target}`);
    if (request.method !== 'GET' && request.method !== 'POST')
      throw new TypeError(`fetch failed: the run sends GET and POST only, not ${request.method}`);
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      if (!RUN_DECIDES.has(name) && !route.reserved.has(name)) headers[name] = value;
    });

    // The library stops reading when it aborts its signal or cancels the body. Then the exchange is cut, closing
    // the connection, unless the route keeps reading the rest into the record.
    const cancel = new AbortController();
    const gone = signal ? AbortSignal.any([signal, cancel.signal]) : cancel.signal;
    const reason = () => (signal?.aborted ? aborted(signal) : new TypeError('terminated: the body was cancelled'));
    let body!: ReadableStreamDefaultController<Uint8Array>;
    const stream = new ReadableStream<Uint8Array>({
      start: (c) => {
        body = c;
      },
      cancel: () => cancel.abort(),
    });
    const settle = (end: (c: ReadableStreamDefaultController<Uint8Array>) => void) => {
      try {
        end(body);
      } catch {
        // The library has already cancelled the body.
      }
    };

    return new Promise<Response>((resolve, reject) => {
      let answered = false;
      const answer = (head: Parameters<LiveAnswer['headers']>[0]) => {
        if (gone.aborted) return;
        try {
          resolve(fetchResponse(head, stream));
          answered = true;
        } catch (error) {
          reject(error);
        }
      };
      const live: LiveAnswer = {
        headers: answer,
        read: (bytes) => {
          if (!gone.aborted) settle((c) => c.enqueue(bytes));
        },
      };
      gone.addEventListener('abort', () => (answered ? settle((c) => c.error(reason())) : reject(reason())), { once: true });
      const sent = route.send({
        method: request.method as 'GET' | 'POST',
        path: request.url.slice(route.target.length),
        ...(request.body !== undefined ? { body: request.body } : {}),
        headers,
        ...(route.keepReading ? {} : { signal: gone }),
        live,
      });
      pending.push(sent);
      void sent.then(({ exchange }) => {
        if (gone.aborted) return;
        if (!answered) {
          // No answer went out live (nothing sent, no response, or the last of several attempts): read it from the record.
          if (!exchange.response || exchange.unsent)
            return reject(new TypeError(`fetch failed: ${exchange.error?.message ?? 'no response'}`));
          for (const read of exchange.reads) live.read(read.bytes);
          answer({ ...exchange.response, statusText: exchange.response.statusText ?? '' });
        }
        settle((c) => (exchange.error ? c.error(new TypeError(`terminated: ${exchange.error.message}`)) : c.close()));
      });
    });
  };

  return { fetch, settled: () => Promise.all(pending) };
}
