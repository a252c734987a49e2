/**
 * Error replies of the reference provider. Every error body is the OpenAI-style envelope
 * `{"error":{"message","type","param","code"}}`; the `code` values below let a behaviour recognise
 * which error it is reshaping.
 */
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

export type ErrorType = 'invalid_request_error' | 'authentication_error' | 'not_found_error';

export function errorReply(
  status: number,
  type: ErrorType,
  code: string,
  message: string,
  param: string | null = null,
  headers?: Record<string, string>,
): ErrorReply {
  const reply: ErrorReply = { status, body: { error: { message, type, param, code } } };
  if (headers) reply.headers = headers;
  return reply;
}

export const invalidJson = (detail: string): ErrorReply =>
  errorReply(400, 'invalid_request_error', ERROR_CODES.invalidJson, `The request body is not valid JSON: ${detail}`);

export const notAnObject = (received: string): ErrorReply =>
  errorReply(400, 'invalid_request_error', ERROR_CODES.notAnObject, `The request body must be a JSON object, received ${received}.`);

export const unauthorized = (): ErrorReply =>
  errorReply(401, 'authentication_error', ERROR_CODES.invalidApiKey, 'Missing or invalid API key. Send "Authorization: Bearer <key>".');

export const modelNotFound = (model: string): ErrorReply =>
  errorReply(404, 'invalid_request_error', ERROR_CODES.modelNotFound, `The model ${JSON.stringify(model)} does not exist.`, 'model');

export const routeNotFound = (path: string): ErrorReply =>
  errorReply(404, 'not_found_error', ERROR_CODES.notFound, `No route for ${path}.`);

export const unknownBehaviour = (kind: string, name: string): ErrorReply =>
  errorReply(404, 'not_found_error', ERROR_CODES.unknownBehaviour, `No reference ${kind} is named ${JSON.stringify(name)}.`);

export const methodNotAllowed = (method: string, allow: string): ErrorReply =>
  errorReply(405, 'invalid_request_error', ERROR_CODES.methodNotAllowed, `Method ${method} is not allowed here; use ${allow}.`, null, {
    allow,
  });

export const bodyTooLarge = (limit: number): ErrorReply =>
  errorReply(413, 'invalid_request_error', ERROR_CODES.bodyTooLarge, `The request body exceeds ${limit} bytes.`);

export const behaviourFailed = (name: string, stage: string, detail: string): ErrorReply =>
  errorReply(400, 'invalid_request_error', ERROR_CODES.behaviourFailed, `Behaviour ${name} failed in its ${stage} hook: ${detail}`);
