/**
 * Faults in how client mistakes are answered: status codes, the error envelope
 * (`{error:{message,type,param,code}}`), and the server's health after a rejection.
 */
import type { ErrorResponse } from '../../contract/types.ts';
import type { Json } from '../../core/json.ts';
import type { Behaviour, ConnectionKey, ErrorReply } from '../behaviour.ts';
import { ERROR_CODES, errorReply } from '../error-replies.ts';
import { offContract } from '../off-contract.ts';
import { isStreamRequest } from '../request-options.ts';
import { DONE_EVENT, dataEvent } from '../sse-events.ts';

const VALIDATION_CODES: readonly unknown[] = [ERROR_CODES.invalidValue, ERROR_CODES.missingParameter];

/** A rejected parameter value: not auth, model, JSON or schema-support trouble. */
function isValidationError(reply: ErrorReply, request: Json | undefined): boolean {
  return reply.status === 400 && request !== undefined && VALIDATION_CODES.includes(reply.body.error.code);
}

/** Connections whose last request was rejected: per connection, so clients sending at once never see each other's wedge. */
const wedgedConnections = new WeakSet<ConnectionKey>();

const wedgeAfterInvalid: Behaviour = {
  name: 'wedge-after-invalid',
  kind: 'fault',
  description: 'After a rejected request, the next request on the same connection is answered 500 (with the error object).',
  detectedBy: ['errors.healthy-after-reject'],
  validate(_request, errors, connection) {
    if (!wedgedConnections.delete(connection)) return errors;
    // A 500, not a 503: a client that retries 503s would hide the failure.
    return [
      errorReply(500, {
        message: 'The engine failed after the previous request.',
        type: 'server_error',
        param: null,
        code: 'engine_failed',
      }),
    ];
  },
  error(reply, _request, connection) {
    if (reply.status >= 400 && reply.status < 500) wedgedConnections.add(connection);
    return reply;
  },
};

function sseErrorEvent(reply: ErrorReply): string {
  return dataEvent(JSON.stringify(reply.body)) + DONE_EVENT;
}

export const errorFaults: readonly Behaviour[] = [
  {
    name: 'crash-on-invalid',
    kind: 'fault',
    description: 'Invalid parameter values are answered 500 (with the error object).',
    detectedBy: ['errors.client-error-status', 'params.invalid-rejected', 'params.boundary-rejected'],
    error: (reply, request) =>
      isValidationError(reply, request)
        ? errorReply(500, {
            message: 'Internal error while processing the request.',
            type: 'server_error',
            param: null,
            code: 'internal_error',
          })
        : reply,
  },
  wedgeAfterInvalid,
  {
    name: 'flat-error',
    kind: 'fault',
    description: 'Error bodies (other than 401) are flat {"message":…,"code":400} instead of {"error":{…}}.',
    detectedBy: ['errors.envelope', 'clients.typed-errors'],
    error(reply) {
      if (reply.status === 401) return reply;
      return { ...reply, body: offContract<ErrorResponse>({ message: reply.body.error.message, code: reply.status }) };
    },
  },
  {
    name: 'error-no-message',
    kind: 'fault',
    description: '4xx error objects (other than 401) carry type, param and code but no message.',
    detectedBy: ['errors.envelope'],
    error(reply) {
      if (reply.status < 400 || reply.status >= 500 || reply.status === 401) return reply;
      const { message: _message, ...rest } = reply.body.error;
      return { ...reply, body: { error: offContract<ErrorResponse['error']>(rest) } };
    },
  },
  {
    name: 'error-200',
    kind: 'fault',
    description: 'Validation errors are returned with HTTP 200 (body still the error object).',
    detectedBy: [
      'errors.client-error-status',
      'errors.pre-stream-rejection',
      'params.invalid-rejected',
      'params.boundary-rejected',
      'clients.typed-errors',
    ],
    error: (reply, request) => (isValidationError(reply, request) ? { ...reply, status: 200 } : reply),
  },
  {
    name: 'error-in-stream',
    kind: 'fault',
    description: 'An invalid stream request gets a 200 SSE stream carrying data: {"error":…} instead of a 4xx.',
    detectedBy: ['errors.pre-stream-rejection'],
    error(reply, request) {
      if (!isValidationError(reply, request) || !isStreamRequest(request)) return reply;
      return {
        status: 200,
        body: offContract<ErrorResponse>(sseErrorEvent(reply)),
        headers: { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache' },
      };
    },
  },
  {
    name: 'unknown-model-ok',
    kind: 'fault',
    description: 'An unknown model is answered 200 as if it existed.',
    detectedBy: ['errors.unknown-model'],
    validate: (_request, errors) => errors.filter((reply) => reply.body.error.code !== ERROR_CODES.modelNotFound),
  },
  {
    name: 'malformed-json-500',
    kind: 'fault',
    description: 'A malformed JSON body is answered 500 (with the error object) instead of 400.',
    detectedBy: ['errors.malformed-json', 'errors.client-error-status'],
    error: (reply) =>
      reply.body.error.code === ERROR_CODES.invalidJson
        ? errorReply(500, {
            message: 'Internal error while reading the request.',
            type: 'server_error',
            param: null,
            code: 'internal_error',
          })
        : reply,
  },
  {
    name: 'no-param',
    kind: 'fault',
    description: 'Validation errors carry param: null instead of naming the offending field.',
    detectedBy: ['errors.param-named'],
    error(reply) {
      const { error } = reply.body;
      if (error.param === null) return reply;
      return { ...reply, body: { ...reply.body, error: { ...error, param: null } } };
    },
  },
];
