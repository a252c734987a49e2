/**
 * Faults below the JSON layer: timing, connection handling, body size, bytes and headers. Also the
 * pacing and header helpers that every `write` and `headers` hook shares. Every long wait is capped
 * server-side and ends as soon as the client goes away.
 */
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Behaviour, ErrorReply, WriteContext } from '../behaviour.ts';
import { errorReply } from './errors.ts';
import { choicesOf, deltaOf, eventChunk } from './streaming.ts';

/** How long any deliberately slow or endless answer may hold a connection. */
export const HOLD_CAP_MS = 120_000;

const HUGE_BODY_BYTES = 64 * 1024 * 1024;
const HUGE_BODY_PIECE = 64 * 1024;
const ENDLESS_MIN_GAP_MS = 10;

/** Copy of `headers` with `name` set, replacing any spelling of the same header. */
export function withHeader(headers: Record<string, string>, name: string, value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, existing] of Object.entries(headers)) {
    if (key.toLowerCase() !== name.toLowerCase()) out[key] = existing;
  }
  out[name] = value;
  return out;
}

/** Aborts when the client has gone away; one listener per writer, however many pauses it takes. */
export function closedSignal(ctx: WriteContext): AbortSignal {
  const controller = new AbortController();
  if (ctx.isClosed()) controller.abort();
  else void ctx.closed.then(() => controller.abort());
  return controller.signal;
}

export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return;
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    // Aborted: the client left, so the writer stops waiting.
  }
}

/** Writes with backpressure; false once the client has gone away. */
export async function send(ctx: WriteContext, bytes: Uint8Array, signal: AbortSignal): Promise<boolean> {
  if (ctx.isClosed()) return false;
  if (!ctx.res.write(bytes)) {
    try {
      await once(ctx.res, 'drain', { signal });
    } catch {
      return false;
    }
  }
  return !ctx.isClosed();
}

export function finish(ctx: WriteContext): void {
  if (!ctx.res.writableEnded) ctx.res.end();
}

/** What the server does without a write hook: time to first token, then one part per gap. */
export async function writePaced(parts: Uint8Array[], ctx: WriteContext, signal = closedSignal(ctx)): Promise<void> {
  await writePartsFrom(parts, ctx, signal, ctx.ttftMs);
  finish(ctx);
}

/** Streams send their headers before the first wait, as the server does, so only the body is paced. */
export function flushStreamHeaders(ctx: WriteContext): void {
  if (isEventStream(ctx) && !ctx.res.headersSent && !ctx.isClosed()) ctx.res.flushHeaders();
}

async function writePartsFrom(parts: Uint8Array[], ctx: WriteContext, signal: AbortSignal, firstWaitMs: number): Promise<boolean> {
  flushStreamHeaders(ctx);
  for (const [i, part] of parts.entries()) {
    await pause(i === 0 ? firstWaitMs : ctx.gapMs, signal);
    if (!(await send(ctx, part, signal))) return false;
  }
  return true;
}

export function isEventStream(ctx: WriteContext): boolean {
  return String(ctx.res.getHeader('content-type') ?? '').includes('text/event-stream');
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
  const chunk = eventChunk(Buffer.from(part).toString('utf8'));
  if (!chunk) return false;
  const choices = choicesOf(chunk);
  const open = choices.every((choice) => choice.finish_reason === null || choice.finish_reason === undefined);
  return open && choices.some((choice) => typeof deltaOf(choice).content === 'string' && deltaOf(choice).content !== '');
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
  const reply = errorReply(429, 'Rate limit reached; retry after 1 second.', 'rate_limit_error', null, 'rate_limit_exceeded');
  return { ...reply, headers: { ...reply.headers, 'Retry-After': '1' } };
}

export const transportFaults: readonly Behaviour[] = [
  {
    name: 'slow-headers',
    kind: 'fault',
    description: 'Nothing, not even the status line, is sent for two minutes (or until the client leaves).',
    detectedBy: ['transport.headers-timely'],
    async write(parts, ctx) {
      const signal = closedSignal(ctx);
      await pause(HOLD_CAP_MS, signal);
      await writePaced(parts, ctx, signal);
    },
  },
  {
    name: 'stall',
    kind: 'fault',
    description: 'The body stops after a few events and the connection is held silently (up to two minutes).',
    detectedBy: ['transport.stream-progress'],
    async write(parts, ctx) {
      const signal = closedSignal(ctx);
      const { head, rest } = splitEarly(parts);
      if (await writePartsFrom(head, ctx, signal, ctx.ttftMs)) {
        await pause(HOLD_CAP_MS, signal);
        await writePartsFrom(rest, ctx, signal, 0);
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
      const signal = closedSignal(ctx);
      const started = Date.now();
      const { head, tail, filler } = isEventStream(ctx) && parts.length > 1 ? endlessStream(parts) : endlessJson(parts);
      ctx.res.removeHeader('content-length');
      if (!(await writePartsFrom(head, ctx, signal, ctx.ttftMs))) return finish(ctx);
      for (let i = 0; Date.now() - started < HOLD_CAP_MS; i += 1) {
        await pause(Math.max(ENDLESS_MIN_GAP_MS, ctx.gapMs), signal);
        if (!(await send(ctx, filler[i % filler.length] as Uint8Array, signal))) return finish(ctx);
      }
      await writePartsFrom(tail, ctx, signal, ctx.gapMs);
      finish(ctx);
    },
  },
  {
    name: 'reset',
    kind: 'fault',
    description: 'The connection is destroyed in the middle of the body.',
    detectedBy: ['transport.complete-body'],
    async write(parts, ctx) {
      const signal = closedSignal(ctx);
      const { head } = splitEarly(parts);
      await writePartsFrom(head, ctx, signal, ctx.ttftMs);
      // Let the written bytes leave before the socket goes, so the client sees a body cut short.
      await pause(Math.max(5, ctx.gapMs), signal);
      ctx.res.destroy();
    },
  },
  {
    name: 'huge-body',
    kind: 'fault',
    description: 'The non-stream JSON body is padded with 64 MiB of whitespace (still one valid JSON object).',
    detectedBy: ['transport.body-size'],
    async write(parts, ctx) {
      const signal = closedSignal(ctx);
      if (isEventStream(ctx)) return writePaced(parts, ctx, signal);
      const body = Buffer.concat(parts);
      const cut = body[0] === 0x7b ? 1 : body.byteLength;
      ctx.res.removeHeader('content-length');
      await pause(ctx.ttftMs, signal);
      if (!(await send(ctx, body.subarray(0, cut), signal))) return finish(ctx);
      const padding = Buffer.alloc(HUGE_BODY_PIECE, 0x20);
      for (let written = 0; written < HUGE_BODY_BYTES; written += padding.byteLength) {
        if (!(await send(ctx, padding, signal))) return finish(ctx);
      }
      await send(ctx, body.subarray(cut), signal);
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
      await writePaced(withInvalidByte(parts), ctx);
    },
  },
  {
    name: 'wrong-encoding',
    kind: 'fault',
    description: 'Content-Encoding: gzip is declared on a body that is not compressed.',
    detectedBy: ['transport.content-encoding'],
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
