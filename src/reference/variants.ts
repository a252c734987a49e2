/**
 * Legal variants of the reference provider: each changes the bytes or the shape of an answer in a way
 * the contract allows, so every check must still pass. SSE framing rules are those of the WHATWG
 * event-stream format that 000_96bde8db4d236014.txt refers to ("数据专用的服务器发送事件").
 */
import { mapChoices } from './answer-editing.ts';
import type { Behaviour, SseEventText, WriteContext } from './behaviour.ts';
import { finish, flushStreamHeaders, pause, send } from './paced-writer.ts';
import { createRandom, hashToSeed, type Random } from './random.ts';

const CR = 0x0d;
const LF = 0x0a;
/** Long enough that each piece leaves in its own TCP segment and arrives as its own read. */
const SPLIT_PAUSE_MS = 2;

function withCrlf(events: SseEventText[]): SseEventText[] {
  return events.map((event) => event.replace(/\r?\n/g, '\r\n'));
}

/**
 * Deterministic cut points for one part: inside its first multi-byte UTF-8 character, between its
 * first CR and LF, and one to three more anywhere.
 */
export function splitPoints(bytes: Uint8Array, random: Random): number[] {
  const points = new Set<number>();
  const lead = bytes.findIndex((b) => b >= 0xc0);
  if (lead >= 0) points.add(lead + 1);
  const crlf = bytes.findIndex((b, i) => b === CR && bytes[i + 1] === LF);
  if (crlf >= 0) points.add(crlf + 1);
  const extra = random.between(1, 3);
  for (let i = 0; i < extra; i += 1) points.add(random.between(1, Math.max(1, bytes.byteLength - 1)));
  return [...points].filter((p) => p > 0 && p < bytes.byteLength).sort((a, b) => a - b);
}

export function splitAt(bytes: Uint8Array, points: number[]): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, bytes.byteLength]) {
    if (point > start) pieces.push(bytes.subarray(start, point));
    start = point;
  }
  return pieces;
}

async function writeSplit(parts: Uint8Array[], ctx: WriteContext): Promise<void> {
  const random = createRandom(hashToSeed('byte-split'));
  flushStreamHeaders(ctx);
  for (const [i, part] of parts.entries()) {
    await pause(i === 0 ? ctx.ttftMs : ctx.gapMs, ctx);
    for (const [j, piece] of splitAt(part, splitPoints(part, random.fork(String(i)))).entries()) {
      if (j > 0) await pause(SPLIT_PAUSE_MS, ctx);
      if (!(await send(ctx, piece))) return finish(ctx);
    }
  }
  finish(ctx);
}

const EXTRA = {
  top: 'provider_trace_id',
  choice: 'x_choice_rank',
  message: 'x_annotations',
} as const;

/** Unknown fields are legal, and a value with one more field still has its documented type. */
function extended<T extends object>(value: T, field: string, extra: unknown): T {
  return { ...value, [field]: extra };
}

export const variants: readonly Behaviour[] = [
  {
    name: 'crlf',
    kind: 'variant',
    description: 'SSE lines end with CRLF instead of LF.',
    detectedBy: [],
    events: withCrlf,
  },
  {
    name: 'keep-alive',
    kind: 'variant',
    description: 'A ": keep-alive" comment precedes every event, the first one included.',
    detectedBy: [],
    events: (events) => events.flatMap((event) => [': keep-alive\n\n', event]),
  },
  {
    name: 'no-space',
    kind: 'variant',
    description: 'Data lines are written "data:{…}" with no space after the colon.',
    detectedBy: [],
    events: (events) => events.map((event) => event.replace(/^data: /gm, 'data:')),
  },
  {
    name: 'byte-split',
    kind: 'variant',
    description: 'CRLF-framed events written in pieces cut at seeded byte offsets, inside UTF-8 characters and between CR and LF.',
    detectedBy: [],
    events: withCrlf,
    write: writeSplit,
  },
  {
    name: 'extra-fields',
    kind: 'variant',
    description: 'Unknown extra fields appear in responses, choices, messages, chunks and deltas.',
    detectedBy: [],
    response: (body) =>
      extended(
        mapChoices(body, (choice) => extended({ ...choice, message: extended(choice.message, EXTRA.message, []) }, EXTRA.choice, 0)),
        EXTRA.top,
        `trace-${body.id}`,
      ),
    chunks: (chunks) =>
      chunks.map((chunk) =>
        extended(
          mapChoices(chunk, (choice) => extended({ ...choice, delta: extended(choice.delta, EXTRA.message, []) }, EXTRA.choice, 0)),
          EXTRA.top,
          `trace-${chunk.id}`,
        ),
      ),
  },
];
