import { describe, expect, test } from 'vitest';
import { authChecks } from '../src/checks/auth.ts';
import { errorsChecks } from '../src/checks/errors.ts';
import { checkTable } from './support/check-table.ts';
import { findingsOf, runCheck, streamObservation, worstVerdict } from './support/chunks.ts';
import { fakeComparison } from './support/evidence.ts';
import { boundary, errorAnswer, noResponse, ok, openAiError, streamed } from './support/requests.ts';

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

  test('a rate-limited answer is skipped, not counted as a refusal', () => {
    expect(worstVerdict(errors('errors.client-error-status', rejection(429, openAiError('slow down'))))).toBe('skip');
  });

  test('valid requests and transport failures', () => {
    expect(errors('errors.client-error-status', ok())).toEqual([]);
    expect(worstVerdict(errors('errors.client-error-status', noResponse('reset', ['invalid'])))).toBe('skip');
  });
});

const llamaCppError = { error: { code: 400, message: "'n' must be at least 1", type: 'invalid_request_error' } };
const openRouterError = { error: { code: 400, message: 'Provider returned error', metadata: { provider_name: 'Groq' } } };

checkTable(errorsChecks, 'errors.envelope', [
  { name: 'an OpenAI-shaped JSON error passes', given: () => rejection(), want: 'pass' },
  {
    name: 'a flat body fails (flat-error)',
    given: () => rejection(400, { message: 'bad temperature', code: 400 }),
    want: 'fail',
    key: 'no-error-object',
    profiles: { lenient: 'fail' },
  },
  {
    name: 'FastAPI {"detail": …} fails',
    given: () => errorAnswer(422, { detail: [{ msg: 'field required' }] }),
    want: 'fail',
    key: 'no-error-object',
  },
  {
    name: 'an error without a message fails',
    given: () => rejection(400, { error: { type: 'invalid_request_error', param: null, code: null } }),
    want: 'fail',
    key: 'message',
  },
  {
    name: 'an empty message fails',
    given: () => rejection(400, { error: { message: ' ', type: 'x', param: null, code: null } }),
    want: 'fail',
    key: 'message',
  },
  {
    name: 'an error without param warns (llama.cpp)',
    given: () => rejection(400, llamaCppError),
    want: 'warn',
    key: 'missing:param',
    profiles: { strict: 'fail', documented: 'warn', lenient: 'warn' },
  },
  {
    name: 'code, message and metadata warn for type and param (OpenRouter)',
    given: () => rejection(400, openRouterError),
    want: 'warn',
    key: 'missing:type',
    profiles: { documented: 'warn', lenient: 'warn' },
  },
  {
    name: 'a type that is not a string warns',
    given: () => rejection(400, { error: { message: 'bad', type: 4, param: null, code: null } }),
    want: 'warn',
  },
  {
    name: 'a JSON error labelled text/plain warns for the label',
    given: () => errorAnswer(400, openAiError('bad'), { headers: { 'content-type': 'text/plain' } }),
    want: 'warn',
    key: 'content-type',
  },
  {
    name: 'a text/plain 404 fails for the body',
    given: () => errorAnswer(404, '404 page not found', { headers: { 'content-type': 'text/plain' } }),
    want: 'fail',
    key: 'no-error-object',
  },
  {
    name: 'a 429 is skipped: transport.not-rate-limited judges it',
    given: () => errorAnswer(429, 'slow down', { headers: { 'content-type': 'text/plain' } }),
    want: 'skip',
  },
  {
    name: "every 4xx of the run is judged, not only the errors probes'",
    given: () => errorAnswer(400, 'bad', { tags: ['logprobs'] }),
    want: 'fail',
  },
  {
    name: 'a 4xx of a boundary row is judged',
    given: () => boundary({ param: 'top_p', value: 1.01, expected: 'reject', side: 'beyond' }, errorAnswer(400, { detail: 'top_p' })),
    want: 'fail',
  },
  { name: 'a 401 is left to auth.error-envelope', given: () => errorAnswer(401, 'nope', { tags: ['auth:none'] }), want: 'none' },
  {
    name: 'a 5xx is not its business',
    given: () => errorAnswer(500, 'Internal Server Error', { headers: { 'content-type': 'text/plain' } }),
    want: 'none',
  },
  { name: 'a 2xx is not its business', given: () => ok(), want: 'none' },
]);

test('errors.envelope judges a rejected request once, though its health comparison repeats it', () => {
  const rejected = rejection(400, { message: 'flat' });
  const comparison = fakeComparison('health-after-reject', rejected, ok());
  expect(findingsOf(errors('errors.envelope', rejected))).toHaveLength(1);
  expect(errors('errors.envelope', comparison)).toEqual([]);
});

test('errors.envelope and auth.error-envelope never judge the same answer', () => {
  for (const status of [400, 401, 403, 404, 422]) {
    const o = errorAnswer(status, 'plain', { tags: ['auth:none'] });
    const judged = [errors('errors.envelope', o), auth('auth.error-envelope', o)].filter((outcomes) => outcomes.length > 0);
    expect(judged, `HTTP ${status}`).toHaveLength(1);
  }
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

  test('a rate-limited answer is skipped', () => {
    expect(worstVerdict(errors('errors.param-named', rejection(429, openAiError('slow down', null))))).toBe('skip');
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

  test('an ordinary answer to the invalid request is skipped: the params checks judge the acceptance (a clamping gateway)', () => {
    const clamped = streamed({ temperature: 3 }, [{ content: 'Hello.' }, { finishReason: 'stop' }], { tags });
    const outcomes = errors('errors.pre-stream-rejection', clamped);
    expect(worstVerdict(outcomes)).toBe('skip');
    expect(outcomes[0]).toMatchObject({ reason: expect.stringContaining('accepted') });
  });

  test('a 200 stream carrying no answer fails', () => {
    const empty = streamObservation([{ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [] }], { tags });
    expect(findingsOf(errors('errors.pre-stream-rejection', empty))[0]?.message).toContain('carries no answer');
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
  test('a 429, or a 503 with Retry-After, is skipped: the refusal was not the rule at work', () => {
    expect(worstVerdict(errors('errors.malformed-json', errorAnswer(429, openAiError('slow down'), { tags })))).toBe('skip');
    const unavailable = errorAnswer(503, openAiError('busy'), { tags, headers: { 'retry-after': '5' } });
    expect(worstVerdict(errors('errors.malformed-json', unavailable))).toBe('skip');
    expect(worstVerdict(errors('errors.unknown-model', errorAnswer(429, openAiError('slow down'), { tags: ['unknown-model'] })))).toBe(
      'skip',
    );
  });

  test('500 text/plain fails (malformed-json-500)', () => {
    const outcomes = errors(
      'errors.malformed-json',
      errorAnswer(500, 'Internal Server Error', { tags, headers: { 'content-type': 'text/plain' } }),
    );
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

  test('a rate-limited health request is skipped; a bare 503 is not a rate limit', () => {
    const limited = errorAnswer(429, openAiError('slow down', null, 'rate_limit_error'), { headers: { 'retry-after': '1' } });
    expect(worstVerdict(errors('errors.healthy-after-reject', fakeComparison('health-after-reject', rejection(), limited)))).toBe('skip');
    const unavailable = errorAnswer(503, openAiError('overloaded', null, 'server_error'), { headers: { 'retry-after': '2' } });
    expect(worstVerdict(errors('errors.healthy-after-reject', fakeComparison('health-after-reject', rejection(), unavailable)))).toBe(
      'skip',
    );
    const limitedFirst = fakeComparison(
      'health-after-reject',
      errorAnswer(429, openAiError('slow down')),
      errorAnswer(500, openAiError('x')),
    );
    expect(worstVerdict(errors('errors.healthy-after-reject', limitedFirst))).toBe('skip');
  });

  test('no response at all after a rejection fails', () => {
    const outcomes = errors('errors.healthy-after-reject', fakeComparison('health-after-reject', rejection(), noResponse('reset')));
    expect(findingsOf(outcomes)[0]?.key).toBe('unreachable');
  });

  test('nothing to recover from, or no budget, skips', () => {
    expect(worstVerdict(errors('errors.healthy-after-reject', fakeComparison('health-after-reject', ok(), ok())))).toBe('skip');
    expect(
      worstVerdict(
        errors('errors.healthy-after-reject', fakeComparison('health-after-reject', rejection(), noResponse('budget-exhausted'))),
      ),
    ).toBe('skip');
  });
});

describe('auth.missing-key', () => {
  const tags = ['auth:none'];
  test('401 passes', () => {
    expect(
      worstVerdict(auth('auth.missing-key', errorAnswer(401, openAiError('missing key', null, 'authentication_error'), { tags }))),
    ).toBe('pass');
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
    expect(worstVerdict(auth('auth.invalid-key', errorAnswer(401, openAiError('bad key', null, 'authentication_error'), { tags })))).toBe(
      'pass',
    );
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

checkTable(authChecks, 'auth.error-envelope', [
  {
    name: 'a JSON 401 with the error object passes',
    given: () => errorAnswer(401, openAiError('bad key', null, 'authentication_error'), { tags: ['auth:bogus'] }),
    want: 'pass',
  },
  {
    name: 'a plain-text 401 fails (auth-plain-text)',
    given: () => errorAnswer(401, 'Unauthorized', { headers: { 'content-type': 'text/plain' } }),
    want: 'fail',
    key: 'no-error-object',
  },
  { name: 'an error without a message fails', given: () => errorAnswer(401, { error: { type: 'auth' } }), want: 'fail', key: 'message' },
  {
    name: 'a 401 without param or code warns (llama.cpp)',
    given: () => errorAnswer(401, { error: { code: 401, message: 'Invalid API Key', type: 'authentication_error' } }),
    want: 'warn',
    key: 'missing:param',
  },
  { name: 'a 401 of any probe is judged', given: () => errorAnswer(401, 'expired', { tags: ['tools'] }), want: 'fail' },
  { name: 'other statuses are not its business', given: () => rejection(), want: 'none' },
]);

test('auth checks skip a rate-limited answer', () => {
  const limited = errorAnswer(429, openAiError('slow down'), { tags: ['auth:none'] });
  expect(worstVerdict(auth('auth.missing-key', limited))).toBe('skip');
});
