/**
 * A WHATWG `Response` for an answer the bounded client received, as `fetch` would hand it to a client library: the
 * body decoded per Content-Encoding (fetch decodes gzip, deflate and br whatever was asked for) and no body for
 * statuses that have none.
 */
import { Duplex } from 'node:stream';
import type { ReadableWritablePair } from 'node:stream/web';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

const NULL_BODY_STATUS = new Set([204, 205, 304]);

const DECODERS: Record<string, () => Duplex> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/** The body decoded in the reverse order of the codings applied; codings fetch does not know are left as they are. */
function decoded(body: ReadableStream<Uint8Array>, contentEncoding: string | undefined): ReadableStream<Uint8Array> {
  const codings = (contentEncoding ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  return codings.reduceRight((stream, coding) => {
    const decoder = DECODERS[coding];
    return decoder ? stream.pipeThrough(Duplex.toWeb(decoder()) as ReadableWritablePair<Uint8Array, Uint8Array>) : stream;
  }, body);
}

/** Throws a TypeError, as `fetch` rejects, when the status cannot be a Response's (below 200 or above 599). */
export function fetchResponse(
  head: { status: number; statusText?: string; headers: Record<string, string> },
  body: ReadableStream<Uint8Array>,
): Response {
  const { status, headers } = head;
  const wrapped = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    try {
      wrapped.append(name, value);
    } catch {
      // A header value fetch would refuse is left out, as fetch leaves it out.
    }
  }
  const content = NULL_BODY_STATUS.has(status) ? null : decoded(body, headers['content-encoding']);
  const response = (statusText: string) => new Response(content, { status, statusText, headers: wrapped });
  try {
    return response(head.statusText ?? '');
  } catch {
    // A reason phrase the Response constructor refuses is dropped (HTTP/2 has none at all).
  }
  try {
    return response('');
  } catch (error) {
    throw new TypeError(`fetch failed: HTTP ${status} cannot be read as a response`, { cause: error });
  }
}
