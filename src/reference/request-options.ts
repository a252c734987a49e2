/**
 * What a chat request asks for, read defensively: a fault that switches validation off
 * (accept-out-of-range) lets values of the wrong type through.
 */
import { isRecord, type Json } from '../core/json.ts';

export function isStreamRequest(request: Json | undefined): boolean {
  return request?.stream === true;
}

/** stream_options.include_usage (000_96bde8db4d236014.txt). */
export function wantsUsage(request: Json): boolean {
  return isRecord(request.stream_options) && request.stream_options.include_usage === true;
}

/** The non-empty stop sequences, from a string or a list. */
export function stopSequences(request: Json): string[] {
  const stop = request.stop;
  const list = typeof stop === 'string' ? [stop] : Array.isArray(stop) ? stop : [];
  return list.filter((s): s is string => typeof s === 'string' && s.length > 0);
}
