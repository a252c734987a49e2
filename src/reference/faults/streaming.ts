/**
 * Faults in SSE framing and chunk sequencing (000_96bde8db4d236014.txt: data-only server-sent events
 * terminated by `data: [DONE]`).
 */
import type { ChatCompletionChunk, ChunkChoice } from '../../contract/types.ts';
import { mapChoices } from '../answer-editing.ts';
import type { Behaviour, SseEventText } from '../behaviour.ts';
import { withHeader } from '../headers.ts';
import { offContract } from '../off-contract.ts';
import { flushStreamHeaders, isClosed, pause } from '../paced-writer.ts';
import { asksForText, isStreamRequest } from '../request-options.ts';
import { dataEvent, eventObject, isDoneEvent } from '../sse-events.ts';

/** A token that reads differently but is just as valid: letters change case, digits move on by one. */
function alteredToken(token: string): string {
  const altered = token.replace(/[A-Za-z0-9]/g, (c) => {
    if (c >= '0' && c <= '9') return String((Number(c) + 1) % 10);
    return c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase();
  });
  return altered === token ? `${token}~` : altered;
}

/** Empties the content of the `nth` non-empty content delta (0-based) of the stream. */
function losePiece(chunks: ChatCompletionChunk[], nth: number): ChatCompletionChunk[] {
  let seen = 0;
  return chunks.map((chunk) =>
    mapChoices(chunk, (choice) => {
      const content = choice.delta.content;
      if (typeof content !== 'string' || content === '' || seen++ !== nth) return choice;
      return { ...choice, delta: { ...choice.delta, content: '' } };
    }),
  );
}

/** Replaces the first character of `text` that needs more than one UTF-8 byte. */
function withReplacementChar(text: string): string | undefined {
  const chars = Array.from(text);
  const at = chars.findIndex((c) => (c.codePointAt(0) ?? 0) > 0x7f && c !== '\uFFFD');
  if (at < 0) return undefined;
  chars[at] = '\uFFFD';
  return chars.join('');
}

/** Rewrites the first delta content that `rewrite` accepts; every other chunk is untouched. */
function rewriteFirstContent(chunks: ChatCompletionChunk[], rewrite: (content: string) => string | undefined): ChatCompletionChunk[] {
  let done = false;
  return chunks.map((chunk) => {
    if (done) return chunk;
    return mapChoices(chunk, (choice) => {
      const content = choice.delta.content;
      if (done || typeof content !== 'string' || content === '') return choice;
      const rewritten = rewrite(content);
      if (rewritten === undefined) return choice;
      done = true;
      return { ...choice, delta: { ...choice.delta, content: rewritten } };
    });
  });
}

function splitOverTwoDataLines(event: SseEventText): SseEventText | undefined {
  const chunk = eventObject(event);
  const entries = chunk ? Object.entries(chunk) : [];
  const [first, ...rest] = entries;
  if (!first || rest.length === 0) return undefined;
  const head = `{${JSON.stringify(first[0])}:${JSON.stringify(first[1])},`;
  const tail = `${rest.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`).join(',')}}`;
  // A consumer joins data lines with LF, which is JSON whitespace: the payload stays one valid object.
  return `data: ${head}\ndata: ${tail}\n\n`;
}

export const streamingFaults: readonly Behaviour[] = [
  {
    name: 'no-done',
    kind: 'fault',
    description: 'The stream ends without the data: [DONE] terminator.',
    detectedBy: ['streaming.done-terminator'],
    events: (events) => events.filter((event) => !isDoneEvent(event)),
  },
  {
    name: 'double-done',
    kind: 'fault',
    description: 'The data: [DONE] terminator is sent twice.',
    detectedBy: ['streaming.done-once'],
    events: (events) => events.flatMap((event) => (isDoneEvent(event) ? [event, event] : [event])),
  },
  {
    name: 'data-after-done',
    kind: 'fault',
    description: 'A chunk (with empty choices) follows data: [DONE].',
    detectedBy: ['streaming.done-once'],
    events(events) {
      const first = events.map(eventObject).find((chunk) => chunk !== undefined);
      if (!first) return events;
      const straggler = dataEvent(JSON.stringify({ ...first, choices: [] }));
      return events.flatMap((event) => (isDoneEvent(event) ? [event, straggler] : [event]));
    },
  },
  {
    name: 'named-events',
    kind: 'fault',
    description: 'Every event carries an event: message line before its data line.',
    detectedBy: ['streaming.data-only'],
    events: (events) => events.map((event) => `event: message\n${event}`),
  },
  {
    name: 'multi-line-data',
    kind: 'fault',
    description: 'One chunk JSON payload is spread over two data: lines of the same event.',
    detectedBy: ['streaming.single-line-data'],
    events(events) {
      let done = false;
      return events.map((event) => {
        if (done) return event;
        const split = splitOverTwoDataLines(event);
        if (split === undefined) return event;
        done = true;
        return split;
      });
    },
  },
  {
    name: 'non-json-payload',
    kind: 'fault',
    description: 'A data: ping event that is not JSON appears in the middle of the stream.',
    detectedBy: ['streaming.payload-json', 'clients.stream-assembly', 'clients.tool-call-assembly'],
    events(events) {
      const at = Math.max(1, Math.floor((events.length - 1) / 2));
      return [...events.slice(0, at), dataEvent('ping'), ...events.slice(at)];
    },
  },
  {
    name: 'stream-json-content-type',
    kind: 'fault',
    description: 'stream:true is answered with Content-Type application/json; the body is still SSE.',
    detectedBy: ['streaming.content-type'],
    headers: (headers, request) => (isStreamRequest(request) ? withHeader(headers, 'Content-Type', 'application/json') : headers),
  },
  {
    name: 'no-role',
    kind: 'fault',
    description: 'The first delta of each choice lacks role "assistant".',
    detectedBy: ['streaming.role-first', 'clients.stream-assembly', 'clients.tool-call-assembly'],
    chunks(chunks) {
      const seen = new Set<number>();
      return chunks.map((chunk) =>
        mapChoices(chunk, (choice) => {
          if (seen.has(choice.index)) return choice;
          seen.add(choice.index);
          const { role: _role, ...delta } = choice.delta;
          return { ...choice, delta };
        }),
      );
    },
  },
  {
    name: 'unstable-id',
    kind: 'fault',
    description: 'Every chunk after the first carries a different id.',
    detectedBy: ['streaming.stable-identity'],
    chunks: (chunks) => chunks.map((chunk, i) => (i === 0 ? chunk : { ...chunk, id: `${chunk.id}-${i}` })),
  },
  {
    name: 'wrong-chunk-object',
    kind: 'fault',
    // Not "chat.completion": that is 000's literal reading (the chunk-object-literal reading).
    description: 'Chunks say object "text_completion", as a legacy completions stream does, instead of "chat.completion.chunk".',
    detectedBy: ['streaming.chunk-object'],
    chunks: (chunks) => chunks.map((chunk) => ({ ...chunk, object: offContract<ChatCompletionChunk['object']>('text_completion') })),
  },
  {
    name: 'double-finish',
    kind: 'fault',
    description: 'Each finish chunk is followed by a second one with the same finish_reason and an empty delta.',
    detectedBy: ['streaming.single-finish'],
    chunks(chunks) {
      return chunks.flatMap((chunk) => {
        const finished = chunk.choices.filter((choice) => choice.finish_reason !== null);
        if (finished.length === 0) return [chunk];
        const repeat: ChatCompletionChunk = {
          ...chunk,
          choices: finished.map((choice) => ({ ...choice, delta: {}, ...('logprobs' in choice ? { logprobs: null } : {}) })),
        };
        return [chunk, repeat];
      });
    },
  },
  {
    name: 'empty-finish-reason',
    kind: 'fault',
    description: 'Non-final chunks carry finish_reason "" instead of null.',
    detectedBy: ['streaming.single-finish'],
    chunks: (chunks) =>
      chunks.map((chunk) =>
        mapChoices(chunk, (choice) =>
          choice.finish_reason === null ? { ...choice, finish_reason: offContract<ChunkChoice['finish_reason']>('') } : choice,
        ),
      ),
  },
  {
    name: 'drop-choice',
    kind: 'fault',
    description: 'With n>1 only choice 0 is streamed.',
    detectedBy: ['streaming.all-choices'],
    chunks(chunks) {
      return chunks.flatMap((chunk) => {
        if (chunk.choices.length === 0) return [chunk];
        const kept = chunk.choices.filter((choice) => choice.index === 0);
        return kept.length === 0 ? [] : [{ ...chunk, choices: kept }];
      });
    },
  },
  {
    name: 'stream-differs',
    kind: 'fault',
    description: 'One streamed content token differs from the non-stream content for the same plain-text request.',
    detectedBy: ['streaming.matches-nonstream'],
    chunks: (chunks, request) => (asksForText(request) ? rewriteFirstContent(chunks, alteredToken) : chunks),
  },
  {
    name: 'lost-delta',
    kind: 'fault',
    description: 'The text of one content delta is lost on the way (the chunk arrives with empty content), for a plain-text request.',
    detectedBy: ['streaming.matches-nonstream'],
    chunks: (chunks, request) => (asksForText(request) ? losePiece(chunks, 2) : chunks),
  },
  {
    name: 'burst',
    kind: 'fault',
    description: 'The whole stream is written in one write after the full generation time.',
    detectedBy: ['streaming.incremental'],
    async write(parts, ctx) {
      flushStreamHeaders(ctx);
      // At least 100 ms, so a client can tell one late burst from events spread over time.
      await pause(Math.max(BURST_MIN_MS, ctx.ttftMs + ctx.gapMs * Math.max(0, parts.length - 1)), ctx);
      if (!isClosed(ctx)) ctx.res.end(Buffer.concat(parts));
    },
  },
  {
    name: 'replacement-char',
    kind: 'fault',
    description: 'A multi-byte character in one streamed delta arrives as U+FFFD (non-stream content intact).',
    detectedBy: ['streaming.utf8-intact'],
    chunks: (chunks) => rewriteFirstContent(chunks, withReplacementChar),
  },
];

const BURST_MIN_MS = 100;
