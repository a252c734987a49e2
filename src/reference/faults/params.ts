/** Faults in parameter validation: ranges and types from 000_96bde8db4d236014.txt (必需范围). */
import type { Json } from '../../core/json.ts';
import type { Behaviour, ErrorReply } from '../behaviour.ts';
import { ERROR_CODES, invalidRequest } from '../error-replies.ts';
import { violationOf } from '../validate.ts';

/** Schema keywords of a value outside a documented range (a count of items included); types are not among them. */
const RANGE_KEYWORDS = new Set(['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minItems', 'maxItems']);

function isRangeError(reply: ErrorReply): boolean {
  const keyword = violationOf(reply)?.keyword;
  return keyword !== undefined && RANGE_KEYWORDS.has(keyword);
}

/**
 * Edge values the documents allow: top_p "0 < x <= 1", top_logprobs "0 <= x <= 20", min_p
 * "0 <= x <= 1", and temperature "介于 0 和 2 之间" (000_96bde8db4d236014.txt). n is left alone:
 * its edge 1 is the default.
 */
const VALID_EDGES: ReadonlyArray<readonly [string, readonly number[]]> = [
  ['temperature', [0, 2]],
  ['top_p', [1]],
  ['top_logprobs', [0, 20]],
  ['min_p', [0, 1]],
];

function edgeRejections(request: Json): ErrorReply[] {
  return VALID_EDGES.flatMap(([field, edges]) => {
    const value = request[field];
    if (typeof value !== 'number' || !edges.includes(value)) return [];
    return [
      invalidRequest(
        ERROR_CODES.invalidValue,
        `${field} must be strictly between ${Math.min(...edges, 0)} and ${Math.max(...edges)} (received ${value}).`,
        field,
      ),
    ];
  });
}

export const paramsFaults: readonly Behaviour[] = [
  {
    name: 'accept-out-of-range',
    kind: 'fault',
    description:
      'Range validation is off: values outside a documented range are answered 200 (types, required fields, auth, model and JSON stay checked).',
    detectedBy: ['params.invalid-rejected', 'params.boundary-rejected'],
    validate: (_request, errors) => errors.filter((reply) => !isRangeError(reply)),
  },
  {
    name: 'reject-valid-edges',
    kind: 'fault',
    description: 'Documented edge values are rejected with 400 (temperature 0 or 2, top_p 1, top_logprobs 0 or 20, min_p 0 or 1).',
    detectedBy: ['params.valid-accepted', 'params.boundary-accepted'],
    validate: (request, errors) => [...errors, ...edgeRejections(request)],
  },
];
