/**
 * The text of one data-only server-sent event (000_96bde8db4d236014.txt: "数据专用的服务器发送事件",
 * terminated by `data: [DONE]`), as the provider writes it and as a consumer reads it back.
 */
import { isRecord, type Json } from '../core/json.ts';
import type { SseEventText } from './behaviour.ts';

export const DONE_EVENT: SseEventText = 'data: [DONE]\n\n';

export function dataEvent(payload: string): SseEventText {
  return `data: ${payload}\n\n`;
}

/** The data payload of one event: its `data:` lines joined by LF, as a consumer sees it. */
function eventPayload(event: SseEventText): string | undefined {
  const lines = event.split(/\r\n|\r|\n/).filter((line) => line.startsWith('data:'));
  if (lines.length === 0) return undefined;
  return lines.map((line) => line.slice(line.startsWith('data: ') ? 6 : 5)).join('\n');
}

export function isDoneEvent(event: SseEventText): boolean {
  return eventPayload(event)?.trim() === '[DONE]';
}

/** The JSON object an event carries, when its payload is one. */
export function eventObject(event: SseEventText): Json | undefined {
  const payload = eventPayload(event);
  if (payload === undefined || payload.trim() === '[DONE]') return undefined;
  try {
    const value: unknown = JSON.parse(payload);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The JSON object a written stream part carries, when it is one event with one. */
export function partObject(part: Uint8Array): Json | undefined {
  return eventObject(Buffer.from(part).toString('utf8'));
}
