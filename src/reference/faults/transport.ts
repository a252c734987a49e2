/**
 * Faults below the JSON layer: timing, connection handling, body size, bytes and headers. Every long
 * wait is capped server-side and ends as soon as the client goes away.
 */
import { asArray, dig } from '../../core/json.ts';
import type { Behaviour, ErrorReply, WriteContext } from '../behaviour.ts';
import { errorReply } from '../error-replies.ts';
import { withHeader } from '../headers.ts';
import { finish, pause, send, writePaced } from '../paced-writer.ts';
import { partObject } from '../sse-events.ts';

/** How long any deliberately slow or endless answer may hold a connection. */
const HOLD_CAP_MS = 120_000;

const HUGE_BODY_BYTES = 64 * 1024 * 1024;
const HUGE_BODY_PIECE = 64 * 1024;
const ENDLESS_MIN_GAP_MS = 10;

/** The configured latency, as the server paces a stream: time to first token, then one part per gap. */
async function writeWithLatency(parts: Uint8Array[], ctx: WriteContext): Promise<void> {
  await writePaced(parts, ctx, { firstMs: ctx.ttftMs, gapMs: ctx.gapMs });
  finish(ctx);
}

/** The first few events of a stream, or the first half of a single body. */
function splitEarly(parts: Uint8Array[]): { head: Uint8Array[]; rest: Uint8Array[] } {
  if (parts.length >= 2) {
    const cut = Math.min(3, parts.length - 1);
    return { head: parts.slice(0, cut), rest: parts.slice(cut) };
  }
  const only = parts[0] ?? new Uint8Array();
  const half = Math.floor(only.byteLength / 2);
  return { head: [only.subarray(0, half)], rest: [only.subarray(half)] };
}

function isContentPart(part: Uint8Array): boolean {
  const chunk = partObject(part);
  if (!chunk) return false;
  const choices = asArray(chunk.choices);
  const open = choices.every((choice) => dig(choice, 'finish_reason') === null || dig(choice, 'finish_reason') === undefined);
  return open && choices.some((choice) => typeof dig(choice, 'delta', 'content') === 'string' && dig(choice, 'delta', 'content') !== '');
}

/** Inserts 0xFF right after the opening quote of the first non-empty content string (else of the id). */
function withInvalidByte(parts: Uint8Array[]): Uint8Array[] {
  for (const marker of ['"content":"', '"id":"']) {
    const needle = Buffer.from(marker);
    for (const [i, part] of parts.entries()) {
      const bytes = Buffer.from(part);
      let at = bytes.indexOf(needle);
      while (at >= 0 && bytes[at + needle.length] === 0x22) at = bytes.indexOf(needle, at + 1);
      if (at < 0) continue;
      const cut = at + needle.length;
      const out = [...parts];
      out[i] = Buffer.concat([bytes.subarray(0, cut), Buffer.from([0xff]), bytes.subarray(cut)]);
      return out;
    }
  }
  return parts;
}

/** Everything up to the last content event, then copies of the content events, then the rest. */
function endlessStream(parts: Uint8Array[]): { head: Uint8Array[]; tail: Uint8Array[]; filler: Uint8Array[] } {
  const cut = Math.max(1, parts.findLastIndex(isContentPart) + 1);
  const content = parts.filter(isContentPart);
  return { head: parts.slice(0, cut), tail: parts.slice(cut), filler: content.length > 0 ? content : parts.slice(0, 1) };
}

/** Whitespace inside the object is legal JSON, so a JSON body can go on forever without breaking. */
function endlessJson(parts: Uint8Array[]): { head: Uint8Array[]; tail: Uint8Array[]; filler: Uint8Array[] } {
  const body = Buffer.concat(parts);
  return { head: [body.subarray(0, 1)], tail: [body.subarray(1)], filler: [Buffer.from(' ')] };
}

function rateLimitReply(): ErrorReply {
  return errorReply(
    429,
    { message: 'Rate limit reached; retry after 1 second.', type: 'rate_limit_error', param: null, code: 'rate_limit_exceeded' },
    { 'Retry-After': '1' },
  );
}

export const transportFaults: readonly Behaviour[] = [
  {
    name: 'slow-headers',
    kind: 'fault',
    description: 'Nothing, not even the status line, is sent for two minutes (or until the client leaves).',
    detectedBy: ['transport.headers-timely'],
    async write(parts, ctx) {
      await pause(HOLD_CAP_MS, ctx);
      await writeWithLatency(parts, ctx);
    },
  },
  {
    name: 'stall',
    kind: 'fault',
    description: 'The body stops after a few events and the connection is held silently (up to two minutes).',
    detectedBy: ['transport.stream-progress'],
    async write(parts, ctx) {
      const { head, rest } = splitEarly(parts);
      if (await writePaced(head, ctx, { firstMs: ctx.ttftMs, gapMs: ctx.gapMs })) {
        await pause(HOLD_CAP_MS, ctx);
        await writePaced(rest, ctx, { firstMs: 0, gapMs: ctx.gapMs });
      }
      finish(ctx);
    },
  },
  {
    name: 'endless',
    kind: 'fault',
    description: 'The body never ends: valid content chunks keep coming until the client leaves (capped at two minutes).',
    detectedBy: ['transport.bounded-duration'],
    async write(parts, ctx) {
      const started = Date.now();
      const { head, tail, filler } = ctx.stream && parts.length > 1 ? endlessStream(parts) : endlessJson(parts);
      ctx.res.removeHeader('content-length');
      if (!(await writePaced(head, ctx, { firstMs: ctx.ttftMs, gapMs: ctx.gapMs }))) return finish(ctx);
      for (let i = 0; Date.now() - started < HOLD_CAP_MS; i += 1) {
        await pause(Math.max(ENDLESS_MIN_GAP_MS, ctx.gapMs), ctx);
        if (!(await send(ctx, filler[i % filler.length] as Uint8Array))) return finish(ctx);
      }
      await writePaced(tail, ctx, { firstMs: ctx.gapMs, gapMs: ctx.gapMs });
      finish(ctx);
    },
  },
  {
    name: 'reset',
    kind: 'fault',
    description: 'The connection is destroyed in the middle of the body.',
    detectedBy: ['transport.complete-body'],
    async write(parts, ctx) {
      const { head } = splitEarly(parts);
      await writePaced(head, ctx, { firstMs: ctx.ttftMs, gapMs: ctx.gapMs });
      // Let the written bytes leave before the socket goes, so the client sees a body cut short.
      await pause(Math.max(5, ctx.gapMs), ctx);
      ctx.res.destroy();
    },
  },
  {
    name: 'huge-body',
    kind: 'fault',
    description: 'The non-stream JSON body is padded with 64 MiB of whitespace (still one valid JSON object).',
    detectedBy: ['transport.body-size'],
    async write(parts, ctx) {
      if (ctx.stream) return writeWithLatency(parts, ctx);
      const body = Buffer.concat(parts);
      const cut = body[0] === 0x7b ? 1 : body.byteLength;
      ctx.res.removeHeader('content-length');
      await pause(ctx.ttftMs, ctx);
      if (!(await send(ctx, body.subarray(0, cut)))) return finish(ctx);
      const padding = Buffer.alloc(HUGE_BODY_PIECE, 0x20);
      for (let written = 0; written < HUGE_BODY_BYTES; written += padding.byteLength) {
        if (!(await send(ctx, padding))) return finish(ctx);
      }
      await send(ctx, body.subarray(cut));
      finish(ctx);
    },
  },
  {
    name: 'invalid-utf8',
    kind: 'fault',
    description: 'A 0xFF byte (never valid UTF-8) is written inside a content string.',
    detectedBy: ['transport.valid-utf8'],
    async write(parts, ctx) {
      // One byte more than any declared length would say.
      ctx.res.removeHeader('content-length');
      await writeWithLatency(withInvalidByte(parts), ctx);
    },
  },
  {
    name: 'wrong-encoding',
    kind: 'fault',
    description: 'Content-Encoding: gzip is declared on a body that is not compressed.',
    detectedBy: [
      'transport.content-encoding',
      'clients.nonstream-parse',
      'clients.stream-assembly',
      'clients.tool-call-assembly',
      'clients.structured-output',
      'clients.typed-errors',
    ],
    headers: (headers) => withHeader(headers, 'Content-Encoding', 'gzip'),
  },
  {
    name: 'rate-limited',
    kind: 'fault',
    description: 'Every request is refused with 429, Retry-After: 1 and the error object.',
    detectedBy: ['transport.not-rate-limited'],
    validate: () => [rateLimitReply()],
    error: () => rateLimitReply(),
  },
];
