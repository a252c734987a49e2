/**
 * A conformance-minded SSE framing checker. It decodes events the way the WHATWG EventSource algorithm does, but
 * where a client would silently ignore something (other fields, repeated terminators, trailing bytes, bad UTF-8)
 * it reports the problem. It is pure and incremental: the report depends only on the bytes, never on how they
 * were split into reads, and memory stays bounded by `maxLineBytes` plus the stored events.
 *
 * Decisions the documents leave open:
 * - `[DONE]` is recognised after trimming whitespace (`data:[DONE]`, `data: [DONE] `), because SSE strips only one
 *   leading space and real servers pad the sentinel; the exact byte form is not this checker's business.
 * - A second `[DONE]` is `done-repeated`; any other event after `[DONE]` is `data-after-done`.
 * - An event is dispatched only at a blank line, as in EventSource: a final event without its blank line is
 *   `unterminated-event` and does not count (so a stream ending in `data: [DONE]` with no blank line also gets
 *   `done-missing`). A trailing comment without a blank line is not reported: it never dispatches anything.
 * - A line longer than `maxLineBytes` is dropped. If it was a `data:` line, its event still takes a position but is
 *   not stored, and the report is `truncated`.
 */

import type { FramingReport, FramingViolation, FramingViolationKind, SseDataEvent } from '../core/framing.ts';
import { isEventStream } from '../core/media-type.ts';

/** Report order for violations seen at the same offset. */
const KIND_ORDER: readonly FramingViolationKind[] = [
  'content-type',
  'invalid-utf8',
  'line-too-long',
  'not-data-field',
  'multi-line-data',
  'data-not-json',
  'done-repeated',
  'data-after-done',
  'unterminated-event',
  'done-missing',
];

export interface FrameCheckerOptions {
  /** The response's Content-Type. Judged only when the key is present (`undefined` then means the header was absent). */
  contentType?: string;
  /** Default 1 MiB; also bounds the data of one event. */
  maxLineBytes?: number;
  /** Events stored in the report (default 100 000); later events are still checked. */
  maxEvents?: number;
}

export const MAX_REPORTED_PER_KIND = 20;
const EXCERPT_CHARS = 120;
const TAIL_BYTES = 80;
const MIN_LINE_BYTES = 64;

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const BOM = [0xef, 0xbb, 0xbf] as const;
const DATA_PREFIX = [0x64, 0x61, 0x74, 0x61, 0x3a] as const; // "data:"

const clip = (text: string): string => (text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text);

const hex = (bytes: readonly number[]): string => bytes.map((b) => `0x${b.toString(16).toUpperCase().padStart(2, '0')}`).join(' ');

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Incremental UTF-8 validation (RFC 3629: no overlongs, surrogates or code points above U+10FFFF). */
class Utf8Validator {
  private needed = 0;
  private lower = 0x80;
  private upper = 0xbf;
  private start = 0;
  private seen: number[] = [];

  constructor(private readonly onInvalid: (offset: number, excerpt: string) => void) {}

  feed(bytes: Uint8Array, base: number): void {
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (this.needed === 0 && b < 0x80) continue;
      this.step(b, base + i);
    }
  }

  end(): void {
    if (this.needed > 0) this.onInvalid(this.start, `truncated sequence ${hex(this.seen)} at end of body`);
  }

  private step(b: number, offset: number): void {
    if (this.needed > 0) {
      if (b >= this.lower && b <= this.upper) {
        this.seen.push(b);
        this.lower = 0x80;
        this.upper = 0xbf;
        this.needed -= 1;
        return;
      }
      this.onInvalid(this.start, `incomplete sequence ${hex(this.seen)} followed by ${hex([b])}`);
      this.needed = 0;
    }
    this.lead(b, offset);
  }

  private lead(b: number, offset: number): void {
    if (b < 0x80) return;
    this.start = offset;
    this.seen = [b];
    this.lower = 0x80;
    this.upper = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) this.needed = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      this.needed = 2;
      if (b === 0xe0) this.lower = 0xa0;
      if (b === 0xed) this.upper = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      this.needed = 3;
      if (b === 0xf0) this.lower = 0x90;
      if (b === 0xf4) this.upper = 0x8f;
    } else this.onInvalid(offset, `byte ${hex([b])} cannot start a character`);
  }
}

class FrameChecker {
  private readonly maxLineBytes: number;
  private readonly maxEvents: number;
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  private readonly utf8: Utf8Validator;

  private readonly events: SseDataEvent[] = [];
  private readonly violations: FramingViolation[] = [];
  private readonly counts: Partial<Record<FramingViolationKind, number>> = {};
  private doneCount = 0;
  private lastWasDone = false;
  private comments = 0;
  private bytes = 0;
  private truncated = false;
  private ended: FramingReport | undefined;

  /** Bytes of the BOM matched so far at the very start of the body; -1 once the start is settled. */
  private bomMatched = 0;
  private skipLf = false;
  private tail = new Uint8Array(0);

  private line: Uint8Array[] = [];
  private lineLength = 0;
  private lineStart = 0;
  /** Set while dropping an overlong line: what its first bytes said it was. */
  private overlong: 'data' | 'comment' | 'other' | undefined;

  private dataParts: string[] = [];
  private dataLength = 0;
  private dataLines = 0;
  private eventLost = false;
  private pendingStart: number | undefined;
  private pendingExcerpt = '';
  private position = 0;

  constructor(private readonly options: FrameCheckerOptions) {
    this.maxLineBytes = Math.max(MIN_LINE_BYTES, options.maxLineBytes ?? 1024 * 1024);
    this.maxEvents = Math.max(0, options.maxEvents ?? 100_000);
    this.utf8 = new Utf8Validator((offset, excerpt) => this.report('invalid-utf8', offset, excerpt));
    if ('contentType' in options) {
      const contentType = options.contentType;
      if (contentType === undefined) this.report('content-type', 0, '(no Content-Type header)');
      else if (!isEventStream(contentType)) this.report('content-type', 0, clip(contentType));
    }
  }

  feed(bytes: Uint8Array, atMs = 0): void {
    if (this.ended) throw new Error('feed() after end()');
    const base = this.bytes;
    this.bytes += bytes.length;
    this.utf8.feed(bytes, base);
    this.keepTail(bytes);

    let i = 0;
    while (this.bomMatched >= 0 && i < bytes.length) {
      if (bytes[i] === BOM[this.bomMatched]) {
        this.bomMatched += 1;
        i += 1;
        if (this.bomMatched === BOM.length) {
          this.bomMatched = -1;
          this.lineStart = BOM.length;
        }
      } else {
        this.appendToLine(Uint8Array.from(BOM.slice(0, this.bomMatched)));
        this.bomMatched = -1;
      }
    }

    let segment = i;
    for (; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (b === LF && this.skipLf) {
        this.skipLf = false;
        segment = i + 1;
        this.lineStart = base + i + 1;
        continue;
      }
      this.skipLf = false;
      if (b !== CR && b !== LF) continue;
      this.appendToLine(bytes.subarray(segment, i));
      this.completeLine(atMs);
      this.skipLf = b === CR;
      segment = i + 1;
      this.lineStart = base + i + 1;
    }
    this.appendToLine(bytes.subarray(segment));
  }

  end(): FramingReport {
    if (this.ended) return this.ended;
    if (this.bomMatched > 0) this.appendToLine(Uint8Array.from(BOM.slice(0, this.bomMatched)));
    this.utf8.end();

    const partial = this.partialLine();
    if (this.pendingStart !== undefined) {
      this.report('unterminated-event', this.pendingStart, `${this.pendingExcerpt} (no blank line before the end of the body)`);
    } else if (partial !== undefined) {
      this.report('unterminated-event', this.lineStart, `${partial} (no line ending before the end of the body)`);
    }
    if (this.doneCount === 0) this.report('done-missing', this.bytes, this.tailExcerpt());

    const violations = this.violations
      .map((v, index) => ({ v, index }))
      .sort((a, b) => a.v.offset - b.v.offset || KIND_ORDER.indexOf(a.v.kind) - KIND_ORDER.indexOf(b.v.kind) || a.index - b.index)
      .map(({ v }) => v);
    const report: FramingReport = {
      events: this.events,
      violations,
      violationCounts: { ...this.counts },
      doneCount: this.doneCount,
      endedWithDone: this.lastWasDone,
      comments: this.comments,
      bytes: this.bytes,
      truncated: this.truncated,
    };
    if (this.options.contentType !== undefined) report.contentType = this.options.contentType;
    this.ended = report;
    return report;
  }

  private report(kind: FramingViolationKind, offset: number, excerpt: string, event?: number): void {
    const count = (this.counts[kind] ?? 0) + 1;
    this.counts[kind] = count;
    if (count > MAX_REPORTED_PER_KIND) return;
    const violation: FramingViolation = { kind, offset, excerpt };
    if (event !== undefined) violation.event = event;
    this.violations.push(violation);
  }

  private keepTail(bytes: Uint8Array): void {
    const recent = bytes.length >= TAIL_BYTES ? bytes.subarray(bytes.length - TAIL_BYTES) : bytes;
    const joined = concat([this.tail, recent], this.tail.length + recent.length);
    this.tail = joined.slice(Math.max(0, joined.length - TAIL_BYTES));
  }

  private tailExcerpt(): string {
    if (this.bytes === 0) return '(empty body)';
    let start = 0;
    while (start < this.tail.length && (this.tail[start]! & 0xc0) === 0x80) start += 1;
    const text = this.decoder.decode(this.tail.subarray(start));
    return `${this.bytes > this.tail.length ? '…' : ''}${JSON.stringify(text)}`;
  }

  private appendToLine(segment: Uint8Array): void {
    if (segment.length === 0) return;
    if (this.overlong) return;
    if (this.lineLength + segment.length <= this.maxLineBytes) {
      this.line.push(segment.slice());
      this.lineLength += segment.length;
      return;
    }
    // Only the first maxLineBytes + 1 bytes decide what the line was, so the verdict does not depend on the split.
    const head = concat([...this.line, segment], this.lineLength + segment.length).subarray(0, this.maxLineBytes + 1);
    this.overlong = head[0] === COLON ? 'comment' : DATA_PREFIX.every((b, k) => head[k] === b) ? 'data' : 'other';
    this.line = [];
    this.lineLength = 0;
    this.truncated = true;
    const text = this.decoder.decode(head.subarray(0, EXCERPT_CHARS));
    this.report('line-too-long', this.lineStart, `${JSON.stringify(text)}… (line longer than ${this.maxLineBytes} bytes)`);
  }

  /** The unfinished last line, when it is something other than a comment. */
  private partialLine(): string | undefined {
    if (this.overlong) return this.overlong === 'comment' ? undefined : '(overlong line)';
    if (this.lineLength === 0) return undefined;
    const text = this.decoder.decode(concat(this.line, this.lineLength));
    return text.startsWith(':') ? undefined : clip(text);
  }

  private completeLine(atMs: number): void {
    if (this.overlong) {
      const kind = this.overlong;
      this.overlong = undefined;
      if (kind === 'comment') this.comments += 1;
      else if (kind === 'data') {
        this.markPending('(overlong data line)');
        this.dataLines += 1;
        this.loseEvent();
      } else this.markPending('(overlong line)');
      return;
    }
    const text = this.decoder.decode(concat(this.line, this.lineLength));
    this.line = [];
    this.lineLength = 0;
    this.processLine(text, atMs);
  }

  private processLine(text: string, atMs: number): void {
    if (text === '') {
      this.dispatch(atMs);
      return;
    }
    if (text.startsWith(':')) {
      this.comments += 1;
      return;
    }
    this.markPending(clip(text));
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    if (field !== 'data') {
      this.report('not-data-field', this.lineStart, clip(text));
      return;
    }
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    this.dataLines += 1;
    if (this.eventLost) return;
    if (this.dataLength + value.length > this.maxLineBytes) {
      this.truncated = true;
      this.report('line-too-long', this.lineStart, `${clip(text)} (event data longer than ${this.maxLineBytes} bytes)`);
      this.loseEvent();
      return;
    }
    this.dataParts.push(value);
    this.dataLength += value.length + 1;
  }

  private markPending(excerpt: string): void {
    if (this.pendingStart !== undefined) return;
    this.pendingStart = this.lineStart;
    this.pendingExcerpt = excerpt;
  }

  private loseEvent(): void {
    this.eventLost = true;
    this.dataParts = [];
    this.dataLength = 0;
  }

  private dispatch(atMs: number): void {
    const start = this.pendingStart ?? this.lineStart;
    const excerpt = this.pendingExcerpt;
    const dataLines = this.dataLines;
    const lost = this.eventLost;
    const data = this.dataParts.join('\n');
    this.pendingStart = undefined;
    this.pendingExcerpt = '';
    this.dataParts = [];
    this.dataLength = 0;
    this.dataLines = 0;
    this.eventLost = false;
    // As in EventSource: an event without data lines (only a comment, or only other fields) dispatches nothing.
    if (dataLines === 0) return;

    const position = this.position++;
    const isDone = !lost && data.trim() === '[DONE]';
    if (this.doneCount > 0) {
      this.report(isDone ? 'done-repeated' : 'data-after-done', start, excerpt, position);
    }
    this.lastWasDone = isDone;
    if (lost) return;
    if (isDone) this.doneCount += 1;
    if (dataLines > 1) this.report('multi-line-data', start, `${dataLines} data lines: ${clip(JSON.stringify(data))}`, position);
    if (!isDone && !isJsonObject(data)) this.report('data-not-json', start, clip(data), position);
    if (this.events.length < this.maxEvents) this.events.push({ position, data, isDone, dataLines, atMs });
    else this.truncated = true;
  }
}

export function createFrameChecker(options: FrameCheckerOptions = {}): {
  feed(bytes: Uint8Array, atMs?: number): void;
  end(): FramingReport;
} {
  const checker = new FrameChecker(options);
  return { feed: (bytes, atMs) => checker.feed(bytes, atMs), end: () => checker.end() };
}

/**
 * Checks a whole body given as the reads it arrived in. `contentType` is the response's header as received;
 * `undefined` means the header was absent, which is itself a violation.
 */
export function checkFraming(reads: ReadonlyArray<{ bytes: Uint8Array; atMs?: number }>, contentType?: string): FramingReport {
  const checker = createFrameChecker({ contentType });
  for (const read of reads) checker.feed(read.bytes, read.atMs);
  return checker.end();
}
