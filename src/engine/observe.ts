/** Turns a recorded exchange into evidence checks can read: JSON for plain answers, decoded events for streams. */

import type { Observation } from '../core/evidence.ts';
import { bodyBytes, bodyText, type Exchange } from '../core/exchange.ts';
import { isEventStream } from '../core/media-type.ts';
import { parseChunks } from '../sse/chunks.ts';
import { checkFraming } from '../sse/frames.ts';

export interface ObservationMeta {
  probe: string;
  tags?: readonly string[];
  sent?: Record<string, unknown>;
}

/**
 * A response is read as SSE when it says so, or when a stream was asked for and it looks like SSE anyway
 * (a wrong Content-Type must not hide the stream from the streaming checks).
 */
function readAsStream(exchange: Exchange, streamRequested: boolean): boolean {
  const contentType = exchange.response?.headers['content-type'];
  if (isEventStream(contentType)) return true;
  if (!streamRequested || exchange.response?.status !== 200) return false;
  return /^(\uFEFF)?(data|:|event|id|retry)/.test(bodyText(exchange).trimStart());
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function damageOf(exchange: Exchange): string | undefined {
  if (exchange.error) return `the exchange was cut (${exchange.error.code}: ${exchange.error.message})`;
  try {
    strictUtf8.decode(bodyBytes(exchange));
  } catch {
    return 'the body is not valid UTF-8';
  }
  return undefined;
}

export function observe(exchange: Exchange, meta: ObservationMeta): Observation {
  const streamRequested = meta.sent?.['stream'] === true;
  const tags = [...(meta.tags ?? [])];
  if (streamRequested && !tags.includes('stream')) tags.push('stream');
  const observation: Observation = { kind: 'observation', probe: meta.probe, tags, exchange };
  if (meta.sent) observation.sent = meta.sent;
  const damage = damageOf(exchange);
  if (damage) observation.damage = damage;
  if (!exchange.response) return observation;

  if (readAsStream(exchange, streamRequested)) {
    const framing = checkFraming(exchange.reads, exchange.response.headers['content-type']);
    observation.stream = { framing, chunks: parseChunks(framing) };
    return observation;
  }
  const text = bodyText(exchange);
  if (text.trim() === '') {
    observation.jsonError = 'empty body';
    return observation;
  }
  try {
    observation.json = JSON.parse(text);
  } catch (error) {
    observation.jsonError = error instanceof Error ? error.message : String(error);
  }
  return observation;
}
