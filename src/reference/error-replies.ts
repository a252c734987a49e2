/**
 * Error replies of the reference provider, built by the one `errorReply`. Every error body is the
 * OpenAI-style envelope `{"error":{"message","type","param","code"}}`; the `code` values below let a
 * behaviour recognise which error it is reshaping.
 */
import type { ErrorObject } from '../contract/types.ts';
import type { ErrorReply } from './behaviour.ts';

export const ERROR_CODES = {
  invalidJson: 'invalid_json',
  notAnObject: 'invalid_request_body',
  invalidValue: 'invalid_value',
  missingParameter: 'missing_required_parameter',
  unsupportedSchema: 'unsupported_schema',
  invalidApiKey: 'invalid_api_key',
  modelNotFound: 'model_not_found',
  notFound: 'not_found',
  unknownBehaviour: 'unknown_behaviour',
  methodNotAllowed: 'method_not_allowed',
  bodyTooLarge: 'request_too_large',
  behaviourFailed: 'behaviour_failed',
  unprocessable: 'unprocessable_request',
} as const;

/** The provider's own types, and those of the statuses only faults use (429, 500, 503). */
export type ErrorType = 'invalid_request_error' | 'authentication_error' | 'not_found_error' | 'rate_limit_error' | 'server_error';

export function errorReply(status: number, error: ErrorObject & { type: ErrorType }, headers?: Record<string, string>): ErrorReply {
  const reply: ErrorReply = { status, body: { error } };
  if (headers) reply.headers = headers;
  return reply;
}

/** A 400 for a request the provider cannot serve as sent. */
export const invalidRequest = (code: string, message: string, param: string | null = null): ErrorReply =>
  errorReply(400, { message, type: 'invalid_request_error', param, code });

export const invalidJson = (detail: string): ErrorReply =>
  invalidRequest(ERROR_CODES.invalidJson, `The request body is not valid JSON: ${detail}`);

export const notAnObject = (received: string): ErrorReply =>
  invalidRequest(ERROR_CODES.notAnObject, `The request body must be a JSON object, received ${received}.`);

export const unauthorized = (): ErrorReply =>
  errorReply(401, {
    message: 'Missing or invalid API key. Send "Authorization: Bearer <key>".',
    type: 'authentication_error',
    param: null,
    code: ERROR_CODES.invalidApiKey,
  });

export const modelNotFound = (model: string): ErrorReply =>
  errorReply(404, {
    message: `The model ${JSON.stringify(model)} does not exist.`,
    type: 'invalid_request_error',
    param: 'model',
    code: ERROR_CODES.modelNotFound,
  });

export const routeNotFound = (path: string): ErrorReply =>
  errorReply(404, { message: `No route for ${path}.`, type: 'not_found_error', param: null, code: ERROR_CODES.notFound });

export const unknownBehaviour = (kind: string, name: string): ErrorReply =>
  errorReply(404, {
    message: `No reference ${kind} is named ${JSON.stringify(name)}.`,
    type: 'not_found_error',
    param: null,
    code: ERROR_CODES.unknownBehaviour,
  });

export const methodNotAllowed = (method: string, allow: string): ErrorReply =>
  errorReply(
    405,
    {
      message: `Method ${method} is not allowed here; use ${allow}.`,
      type: 'invalid_request_error',
      param: null,
      code: ERROR_CODES.methodNotAllowed,
    },
    { allow },
  );

export const bodyTooLarge = (limit: number): ErrorReply =>
  errorReply(413, {
    message: `The request body exceeds ${limit} bytes.`,
    type: 'invalid_request_error',
    param: null,
    code: ERROR_CODES.bodyTooLarge,
  });

export const behaviourFailed = (name: string, stage: string, detail: string): ErrorReply =>
  invalidRequest(ERROR_CODES.behaviourFailed, `Behaviour ${name} failed in its ${stage} hook: ${detail}`);

export const unprocessable = (detail: string): ErrorReply =>
  invalidRequest(ERROR_CODES.unprocessable, `The request could not be processed: ${detail}`);
