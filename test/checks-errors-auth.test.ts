import { describe, expect, test } from 'vitest';
import { authChecks } from '../src/checks/auth.ts';
import { errorsChecks } from '../src/checks/errors.ts';
import { findingsOf, runCheck, streamObservation, worstVerdict } from './support/chunks.ts';
import { fakeComparison } from './support/evidence.ts';
import { errorAnswer, noResponse, ok, openAiError } from './support/requests.ts';

const errors = (id: string, evidence: Parameters<typeof runCheck>[2]) => runCheck(errorsChecks, id, evidence);
const auth = (id: string, evidence: Parameters<typeof runCheck>[2]) => runCheck(authChecks, id, evidence);

const invalidTags = ['invalid', 'defect:out-of-range', 'param:temperature'];
const rejection = (status = 400, body: unknown = openAiError('temperature must be ≤ 2', 'temperature'), tags = invalidTags) =>
  errorAnswer(status, body, { tags, sent: { temperature: 3 } });

describe('errors.client-error-status', () => {
  test('4xx passes', () => {
    expect(worstVerdict(errors('errors.client-error-status', rejection()))).toBe('pass');
  });

  test('5xx fails (crash-on-invalid)', () => {
    const outcomes = errors('errors.client-error-status', rejection(500, openAiError('boom', null, 'server_error')));
    expect(findingsOf(outcomes)[0]).toMatchObject({ key: 'server-error' });
    expect(findingsOf(outcomes)[0]?.message).toBe(
      'Received: HTTP 500 (application/json) for out-of-range (temperature)\nDocumented: 4xx with an error object',
    );
  });

  test('200 fails (error-200)', () => {
    expect(findingsOf(errors('errors.client-error-status', rejection(200)))[0]?.key).toBe('accepted');
  });

  test('a 200 stream to an invalid stream request is left to pre-stream-rejection', () => {
    const stream = streamObservation([{ error: { message: 'bad' } }], { tags: [...invalidTags, 'stream'] });
    expect(worstVerdict(errors('errors.client-error-status', stream))).toBe('skip');
  });

  test('valid requests and transport failures', () => {
    expect(errors('errors.client-error-status', ok())).toEqual([]);
    expect(worstVerdict(errors('errors.client-error-status', noResponse('reset', ['invalid'])))).toBe('skip');
  });
});

describe('errors.envelope', () => {
  test('an OpenAI-shaped JSON error passes', () => {
    expect(worstVerdict(errors('errors.envelope', rejection()))).toBe('pass');
  });

  test('a flat body fails (flat-error)', () => {
    const outcomes = errors('errors.envelope', rejection(400, { message: 'bad temperature', code: 400 }));
    expect(findingsOf(outcomes)[0]).toMatchObject({ key: 'no-error-object', path: '/error' });
  });

  test('a text/plain 500 fails twice: content type and body', () => {
    const outcomes = errors('errors.envelope', errorAnswer(500, 'Internal Server Error', { headers: { 'content-type': 'text/plain' } }));
    expect(findingsOf(outcomes).map((f) => f.key)).toEqual(['content-type', 'no-error-object']);
  });

  test('an error object missing param and code fails at their paths', () => {
    const outcomes = errors('errors.envelope', rejection(400, { error: { message: 'bad', type: 'invalid_request_error' } }));
    expect(worstVerdict(outcomes)).toBe('fail');
    expect(findingsOf(outcomes).map((f) => f.message).join('\n')).toMatch(/param/);
  });

  test('2xx and 401 answers of the auth probes are not its business', () => {
    expect(errors('errors.envelope', ok())).toEqual([]);
    expect(errors('errors.envelope', errorAnswer(401, 'nope', { tags: ['auth:none'] }))).toEqual([]);
  });
});

describe('errors.param-named', () => {
  test('error.param naming the field passes, also in a dotted path', () => {
    expect(worstVerdict(errors('errors.param-named', rejection()))).toBe('pass');
    const nested = errorAnswer(400, openAiError('bad role', 'messages[0].role'), { tags: ['invalid', 'param:messages'] });
    expect(worstVerdict(errors('errors.param-named', nested))).toBe('pass');
  });

  test('param null warns (no-param)', () => {
    const outcomes = errors('errors.param-named', rejection(400, openAiError('temperature too high', null)));
    expect(worstVerdict(outcomes)).toBe('warn');
    expect(findingsOf(outcomes)[0]).toMatchObject({ key: 'param-null', path: '/error/param' });
  });

  test('param naming another field warns', () => {
    expect(findingsOf(errors('errors.param-named', rejection(400, openAiError('bad', 'body'))))[0]?.key).toBe('param-other');
  });

  test('requests without a field to blame are not its business', () => {
    expect(errors('errors.param-named', errorAnswer(400, openAiError('bad json'), { tags: ['invalid', 'malformed-json'] }))).toEqual([]);
  });
});

describe('errors.pre-stream-rejection', () => {
  const tags = [...invalidTags, 'stream'];

  test('a 4xx JSON error before any SSE passes', () => {
    expect(worstVerdict(errors('errors.pre-stream-rejection', rejection(400, openAiError('bad', 'temperature'), tags)))).toBe('pass');
  });

  test('a 200 stream carrying data: {"error":…} fails (error-in-stream)', () => {
    const stream = streamObservation([openAiError('temperature too high', 'temperature')], { tags });
    const outcomes = errors('errors.pre-stream-rejection', stream);
    expect(findingsOf(outcomes)[0]?.key).toBe('stream-200');
    expect(findingsOf(outcomes)[0]?.message).toContain('data: {"error":…}');
  });

  test('a 4xx sent as text/event-stream fails', () => {
    const sse = errorAnswer(400, 'data: {"error":{}}\n\n', { tags, headers: { 'content-type': 'text/event-stream' } });
    expect(findingsOf(errors('errors.pre-stream-rejection', sse))[0]?.key).toBe('sse-error');
  });

  test('non-stream requests are not its business', () => {
    expect(errors('errors.pre-stream-rejection', rejection())).toEqual([]);
  });
});

describe('errors.unknown-model', () => {
  const tags = ['unknown-model'];
  test('404 passes; another 4xx passes', () => {
    expect(worstVerdict(errors('errors.unknown-model', errorAnswer(404, openAiError('model not found'), { tags })))).toBe('pass');
    expect(worstVerdict(errors('errors.unknown-model', errorAnswer(400, openAiError('bad model'), { tags })))).toBe('pass');
  });
  test('200 fails (unknown-model-ok)', () => {
    const served = ok({ model: 'chat-conformance/no-such-model' });
    served.tags = tags;
    expect(findingsOf(errors('errors.unknown-model', served))[0]?.key).toBe('served');
  });
});

describe('errors.malformed-json', () => {
  const tags = ['invalid', 'malformed-json'];
  test('400 passes; 422 warns', () => {
    expect(worstVerdict(errors('errors.malformed-json', errorAnswer(400, openAiError('bad json'), { tags })))).toBe('pass');
    expect(worstVerdict(errors('errors.malformed-json', errorAnswer(422, openAiError('bad json'), { tags })))).toBe('warn');
  });
  test('500 text/plain fails (malformed-json-500)', () => {
    const outcomes = errors('errors.malformed-json', errorAnswer(500, 'Internal Server Error', { tags, headers: { 'content-type': 'text/plain' } }));
    expect(findingsOf(outcomes)[0]).toMatchObject({ key: 'server-error' });
  });
});

describe('errors.healthy-after-reject', () => {
  test('a normal answer after a rejection passes', () => {
    expect(worstVerdict(errors('errors.healthy-after-reject', fakeComparison('health-after-reject', rejection(), ok())))).toBe('pass');
  });

  test('503 after a rejection fails (wedge-after-invalid)', () => {
    const wedged = errorAnswer(503, openAiError('recovering', null, 'server_error'));
    const outcomes = errors('errors.healthy-after-reject', fakeComparison('health-after-reject', rejection(), wedged));
    expect(findingsOf(outcomes)[0]).toMatchObject({ key: 'server-error' });
  });

  test('no response at all after a rejection fails', () => {
    const outcomes = errors('errors.healthy-after-reject', fakeComparison('health-after-reject', rejection(), noResponse('reset')));
    expect(findingsOf(outcomes)[0]?.key).toBe('unreachable');
  });

  test('nothing to recover from, or no budget, skips', () => {
    expect(worstVerdict(errors('errors.healthy-after-reject', fakeComparison('health-after-reject', ok(), ok())))).toBe('skip');
    expect(worstVerdict(errors('errors.healthy-after-reject', fakeComparison('health-after-reject', rejection(), noResponse('budget-exhausted'))))).toBe('skip');
  });
});

describe('auth.missing-key', () => {
  const tags = ['auth:none'];
  test('401 passes', () => {
    expect(worstVerdict(auth('auth.missing-key', errorAnswer(401, openAiError('missing key', null, 'authentication_error'), { tags })))).toBe('pass');
  });
  test('200 fails (no-auth); 403 warns; 500 fails', () => {
    const served = ok();
    served.tags = tags;
    expect(findingsOf(auth('auth.missing-key', served))[0]?.key).toBe('served');
    expect(worstVerdict(auth('auth.missing-key', errorAnswer(403, openAiError('forbidden'), { tags })))).toBe('warn');
    expect(worstVerdict(auth('auth.missing-key', errorAnswer(500, openAiError('boom'), { tags })))).toBe('fail');
  });
  test('bogus-key evidence is not its business', () => {
    expect(auth('auth.missing-key', errorAnswer(401, openAiError('x'), { tags: ['auth:bogus'] }))).toEqual([]);
  });
});

describe('auth.invalid-key', () => {
  const tags = ['auth:bogus'];
  test('401 passes', () => {
    expect(worstVerdict(auth('auth.invalid-key', errorAnswer(401, openAiError('bad key', null, 'authentication_error'), { tags })))).toBe('pass');
  });
  test('200 fails (any-key)', () => {
    const served = ok();
    served.tags = tags;
    const outcomes = auth('auth.invalid-key', served);
    expect(findingsOf(outcomes)[0]?.message).toBe(
      'Received: HTTP 200 (application/json) for a request with a bogus key\nDocumented: the Authorization header is required (Bearer key); a request without a valid key gets 401',
    );
  });
});

describe('auth.error-envelope', () => {
  test('a JSON 401 with the error object passes', () => {
    expect(worstVerdict(auth('auth.error-envelope', errorAnswer(401, openAiError('bad key', null, 'authentication_error'), { tags: ['auth:bogus'] })))).toBe('pass');
  });
  test('a plain-text 401 fails (auth-plain-text)', () => {
    const outcomes = auth('auth.error-envelope', errorAnswer(401, 'Unauthorized', { headers: { 'content-type': 'text/plain' } }));
    expect(findingsOf(outcomes).map((f) => f.key)).toEqual(['content-type', 'no-error-object']);
  });
  test('an error without a message fails; other statuses are not its business', () => {
    expect(findingsOf(auth('auth.error-envelope', errorAnswer(401, { error: { type: 'auth' } })))[0]?.key).toBe('message');
    expect(auth('auth.error-envelope', rejection())).toEqual([]);
  });
});
