/** What the SSE framing checker reports about a byte stream (the checker itself lives in `sse/`). */

export type FramingViolationKind =
  | 'content-type' // Content-Type is not text/event-stream
  | 'not-data-field' // a field other than data (event:, id:, retry:, or an unknown field); the documents promise data-only SSE
  | 'multi-line-data' // one event spread over several data: lines (legal SSE, risky for clients: reported, checks warn)
  | 'data-not-json' // a data payload (other than [DONE]) that is not a JSON object
  | 'done-missing' // the stream ended without data: [DONE]
  | 'done-repeated' // [DONE] more than once
  | 'data-after-done' // any event after [DONE]
  | 'unterminated-event' // bytes after the last blank line (event never dispatched)
  | 'invalid-utf8' // the byte stream is not valid UTF-8
  | 'line-too-long'; // a line exceeded maxLineBytes (checker stops buffering; memory stays bounded)

export interface FramingViolation {
  kind: FramingViolationKind;
  /** Byte offset in the body where the problem starts. */
  offset: number;
  excerpt: string;
  /** Data event position, when the violation concerns one. */
  event?: number;
}

export interface SseDataEvent {
  /** Position among dispatched data events, `[DONE]` included (0-based). */
  position: number;
  /** The event's data: its data lines joined with `\n`. */
  data: string;
  isDone: boolean;
  dataLines: number;
  /** Time of the feed that completed the event. */
  atMs: number;
}

export interface FramingReport {
  contentType?: string;
  events: SseDataEvent[];
  /** At most `MAX_REPORTED_PER_KIND` of each kind, ordered by offset; `violationCounts` has the totals. */
  violations: FramingViolation[];
  /** How many times each kind occurred, including those not listed in `violations`. */
  violationCounts?: Partial<Record<FramingViolationKind, number>>;
  doneCount: number;
  /** The last dispatched event was `[DONE]`. */
  endedWithDone: boolean;
  comments: number;
  bytes: number;
  /** Some events or lines were not kept (line-too-long or maxEvents). */
  truncated: boolean;
}
