/**
 * What a chat request asks for. Read defensively even where the type says more: a fault that
 * switches validation off (accept-out-of-range) lets values of the wrong type through.
 */
import type { ChatCompletionRequest } from '../contract/types.ts';
import type { Json } from '../core/json.ts';

/** Also for a body that failed validation, as error and header hooks see it. */
export function isStreamRequest(request: Json | undefined): boolean {
  return request?.stream === true;
}

/** stream_options.include_usage (000_96bde8db4d236014.txt). */
export function wantsUsage(request: ChatCompletionRequest): boolean {
  return request.stream_options?.include_usage === true;
}

/** The non-empty stop sequences, from a string or a list. */
export function stopSequences(request: ChatCompletionRequest): string[] {
  const stop = request.stop;
  const list = typeof stop === 'string' ? [stop] : Array.isArray(stop) ? stop : [];
  return list.filter((s) => typeof s === 'string' && s.length > 0);
}

/** response_format json_object or json_schema: the content must stay parseable JSON. */
export function asksForJson(request: ChatCompletionRequest): boolean {
  const format = request.response_format;
  return typeof format === 'object' && format !== null && String(format.type).startsWith('json');
}

/** Plain text is asked for: no JSON mode and no tools, so altering a word breaks nothing but the rule at hand. */
export const asksForText = (request: ChatCompletionRequest): boolean => !asksForJson(request) && !request.tools?.length;
