/**
 * Legal variants of the reference provider: each changes the bytes or the shape of an answer in a way
 * the contract allows, so every check must still pass under every profile. SSE framing rules are those of
 * the WHATWG event-stream format that 000_96bde8db4d236014.txt refers to ("数据专用的服务器发送事件");
 * the shapes are those real servers send and the official SDKs read.
 */
import type { ChatCompletionChunk, ChatCompletionRequest, ChunkChoice, Delta, TokenLogprob, ToolCallDelta } from '../contract/types.ts';
import { mapChoices } from './answer-editing.ts';
import type { Behaviour, SseEventText, WriteContext } from './behaviour.ts';
import { finish, flushStreamHeaders, pause, send } from './paced-writer.ts';
import { canonicalJson, createRandom, hashToSeed, type Random } from './random.ts';

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

const framingVariants: readonly Behaviour[] = [
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
];

/**
 * Nulls where a field has nothing to say, as Mistral and LiteLLM send them: tool_calls null on messages and deltas
 * without calls, role null after a choice's first delta, id, type and name null on a call's later fragments, and no
 * finish_reason key at all until a choice finishes.
 */
function nullDelta(delta: Delta, first: boolean): Delta {
  const tool_calls: ToolCallDelta[] | null = delta.tool_calls?.length
    ? delta.tool_calls.map((call) => (call.id ? call : { ...call, id: null, type: null, function: { ...call.function, name: null } }))
    : null;
  return { ...delta, ...(first ? {} : { role: null }), tool_calls };
}

function nullChunks(chunks: ChatCompletionChunk[]): ChatCompletionChunk[] {
  const started = new Set<number>();
  return chunks.map((chunk) =>
    mapChoices(chunk, (choice): ChunkChoice => {
      const first = !started.has(choice.index);
      started.add(choice.index);
      const { finish_reason, ...rest } = choice;
      return { ...rest, delta: nullDelta(choice.delta, first), ...(finish_reason === null ? {} : { finish_reason }) };
    }),
  );
}

/** A date stamp, an organisation prefix or a tag on the model requested, picked by the conversation. */
function datedModel(model: string, request: ChatCompletionRequest): string {
  const forms = [`${model}-2024-08-06`, `reference-labs/${model}`, `${model}:latest`];
  return forms[hashToSeed(canonicalJson(request.messages)) % forms.length] as string;
}

/** Logprob entries as servers that leave out what was not asked for send them: no bytes, no empty alternatives. */
function minimalLogprob(entry: TokenLogprob, asked: boolean): TokenLogprob {
  const { bytes: _bytes, top_logprobs, ...rest } = entry;
  return { ...rest, top_logprobs: asked ? (top_logprobs ?? []).map(({ bytes: _b, ...alt }) => alt) : null };
}

function minimalLogprobs<T extends { logprobs?: { content: TokenLogprob[] | null } | null }>(choice: T, request: ChatCompletionRequest): T {
  const content = choice.logprobs?.content;
  if (!content) return choice;
  const asked = typeof request.top_logprobs === 'number' && request.top_logprobs > 0;
  return { ...choice, logprobs: { ...choice.logprobs, content: content.map((entry) => minimalLogprob(entry, asked)) } };
}

const shapeVariants: readonly Behaviour[] = [
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
  {
    name: 'null-fields',
    kind: 'variant',
    description:
      'Nulls for fields with nothing to say: tool_calls null on messages and deltas without calls, role null after the first delta, id/type/name null on later tool-call fragments, no finish_reason key before a choice finishes.',
    detectedBy: [],
    response: (body) =>
      mapChoices(body, (choice) =>
        choice.message.tool_calls?.length ? choice : { ...choice, message: { ...choice.message, tool_calls: null } },
      ),
    chunks: nullChunks,
  },
  {
    name: 'dated-model',
    kind: 'variant',
    description:
      'Answers name a dated, prefixed or tagged form of the model requested (reference-chat-2024-08-06, reference-labs/reference-chat, reference-chat:latest).',
    detectedBy: [],
    response: (body, request) => ({ ...body, model: datedModel(body.model, request) }),
    chunks: (chunks, request) => chunks.map((chunk) => ({ ...chunk, model: datedModel(chunk.model, request) })),
  },
  {
    name: 'role-repeated',
    kind: 'variant',
    description: 'Every delta of a stream carries role "assistant", not only the first of each choice.',
    detectedBy: [],
    chunks: (chunks) =>
      chunks.map((chunk) => mapChoices(chunk, (choice) => ({ ...choice, delta: { ...choice.delta, role: 'assistant' } }))),
  },
  {
    name: 'logprobs-minimal',
    kind: 'variant',
    description: 'Logprob entries carry no bytes, and top_logprobs is null when no alternatives were asked for.',
    detectedBy: [],
    response: (body, request) => mapChoices(body, (choice) => minimalLogprobs(choice, request)),
    chunks: (chunks, request) => chunks.map((chunk) => mapChoices(chunk, (choice) => minimalLogprobs(choice, request))),
  },
];

export const variants: readonly Behaviour[] = [...framingVariants, ...shapeVariants];
