import { describe, expect, test } from 'vitest';
import { paramsChecks } from '../src/checks/params.ts';
import { findCheck } from '../src/checks/registry.ts';
import { paramRanges } from '../src/contract/ranges.ts';
import { validateRequest } from '../src/contract/validators.ts';
import type { Observation } from '../src/core/evidence.ts';
import { boundaryRowsAt, boundaryTable, propertyShare, validEdgeExamples } from '../src/plans/params.ts';
import { checkTable } from './support/check-table.ts';
import { findingsOf, runCheck, worstVerdict } from './support/chunks.ts';
import { answered, boundary, errorAnswer, noResponse, ok, openAiError, property, streamed } from './support/requests.ts';

const run = (id: string, evidence: Parameters<typeof runCheck>[2]) => runCheck(paramsChecks, id, evidence);

describe('params.valid-accepted / params.invalid-rejected (property evidence)', () => {
  test('a property that found no counterexample passes', () => {
    expect(worstVerdict(run('params.valid-accepted', property('params.valid-accepted')))).toBe('pass');
    expect(worstVerdict(run('params.invalid-rejected', property('params.invalid-rejected')))).toBe('pass');
  });

  test('a counterexample fails with its message and the request (reject-valid-edges, accept-out-of-range)', () => {
    const failure = { seed: 7, path: '0:1', counterexample: { top_p: 1 }, message: 'Received: HTTP 400\nDocumented: 200' };
    const outcomes = run('params.valid-accepted', property('params.valid-accepted', { failure }));
    expect(worstVerdict(outcomes)).toBe('fail');
    expect(findingsOf(outcomes)[0]?.message).toMatch(/^Received: HTTP 400\nDocumented: 200 \(case \{"top_p":1\}\)$/);
    const withRequest = run('params.valid-accepted', property('params.valid-accepted', { failure: { ...failure, observation: ok() } }));
    expect(findingsOf(withRequest)[0]?.message).toBe(failure.message);
    const rejected = run(
      'params.invalid-rejected',
      property('params.invalid-rejected', { failure: { ...failure, message: 'Received: HTTP 200' } }),
    );
    expect(worstVerdict(rejected)).toBe('fail');
  });

  test('an interrupted or empty run is not a pass', () => {
    expect(worstVerdict(run('params.valid-accepted', property('params.valid-accepted', { interrupted: true, runs: 2 })))).toBe('skip');
    expect(worstVerdict(run('params.invalid-rejected', property('params.invalid-rejected', { runs: 0 })))).toBe('skip');
  });

  test('a counterexample that was only rate limited skips', () => {
    const limited = errorAnswer(429, openAiError('slow down'), { headers: { 'retry-after': '1' } });
    const failure = { seed: 7, path: '0', counterexample: {}, message: 'Received: HTTP 429', observation: limited };
    expect(worstVerdict(run('params.valid-accepted', property('params.valid-accepted', { failure })))).toBe('skip');
  });

  test('other evidence is not its business', () => {
    expect(run('params.valid-accepted', property('params.invalid-rejected'))).toEqual([]);
    expect(run('params.valid-accepted', ok())).toEqual([]);
  });
});

/** The invalid property's counterexample: a request whose last message carries `name`, answered as `answer`. */
function acceptedName(name: string, answer = ok({ messages: [{ role: 'user', content: 'Hi', name }] })) {
  const body = { model: 'm', messages: [{ role: 'user', content: 'Hi', name }] };
  const failure = {
    seed: 1,
    path: '0',
    counterexample: { body, defect: 'bad-messages', param: 'messages' },
    message: 'Received: HTTP 200 for bad-messages (messages)\nDocumented: 4xx',
    observation: answer,
  };
  return property('params.invalid-rejected', { failure });
}

describe('message names', () =>
  checkTable(paramsChecks, 'params.invalid-rejected', [
    {
      name: 'accepting a name with a dash follows OpenAI and "may contain" (conflict message-name-pattern)',
      given: () => acceptedName('a-b'),
      want: 'fail',
      conflict: 'message-name-pattern',
      profiles: { strict: 'fail', documented: 'warn', lenient: 'pass' },
    },
    {
      name: 'accepting a name with a space fails under every profile',
      given: () => acceptedName('a b'),
      want: 'fail',
      profiles: { strict: 'fail', documented: 'fail', lenient: 'fail' },
    },
    {
      name: 'accepting a name of 65 characters fails under every profile',
      given: () => acceptedName('a'.repeat(65)),
      want: 'fail',
      profiles: { lenient: 'fail' },
    },
    {
      name: 'a crash on a dashed name is no reading of the documents',
      given: () =>
        acceptedName('a-b', errorAnswer(500, openAiError('boom'), { sent: { messages: [{ role: 'user', content: 'Hi', name: 'a-b' }] } })),
      want: 'fail',
      profiles: { lenient: 'fail' },
    },
    { name: 'rejecting names, dashed or not, passes', given: () => property('params.invalid-rejected'), want: 'pass' },
  ]));

describe('params.boundary-accepted', () => {
  const row = (expected: 'accept' | 'either', answer = ok(), conflict?: string) =>
    boundary({ param: 'top_p', value: 1, expected, side: 'edge', ...(conflict ? { conflict } : {}) }, answer);
  const rejected = () => errorAnswer(400, openAiError('top_p must be < 1', 'top_p'));

  test('an accepted edge passes', () => {
    expect(worstVerdict(run('params.boundary-accepted', row('accept')))).toBe('pass');
  });

  test('a rejected documented edge fails (reject-valid-edges)', () => {
    const outcomes = run('params.boundary-accepted', row('accept', rejected()));
    expect(worstVerdict(outcomes)).toBe('fail');
    const [finding] = findingsOf(outcomes);
    expect(finding?.message).toMatch(/^Received: HTTP 400.*top_p=1\nDocumented: /);
    expect(finding?.conflict).toBeUndefined();
    expect(finding?.path).toBe('/top_p');
  });

  test('a rejected ambiguous edge is a finding carrying the range conflict', () => {
    const [finding] = findingsOf(run('params.boundary-accepted', row('either', rejected(), 'range-temperature')));
    expect(finding?.conflict).toBe('range-temperature');
  });

  test('a 5xx at an edge fails; a transport failure skips; beyond rows are not its business', () => {
    expect(worstVerdict(run('params.boundary-accepted', row('accept', errorAnswer(500, openAiError('boom')))))).toBe('fail');
    expect(worstVerdict(run('params.boundary-accepted', row('accept', noResponse())))).toBe('skip');
    expect(run('params.boundary-accepted', boundary({ param: 'top_p', value: 1.01, expected: 'reject', side: 'beyond' }, ok()))).toEqual(
      [],
    );
  });

  test('a parameter the target says it does not support skips', () => {
    const unsupported = errorAnswer(400, openAiError('top_k is not supported by this model', 'top_k'));
    const evidence = boundary({ param: 'top_k', value: 64, expected: 'accept', side: 'edge' }, unsupported);
    expect(worstVerdict(run('params.boundary-accepted', evidence))).toBe('skip');
  });

  test('a rate-limited row skips', () => {
    expect(worstVerdict(run('params.boundary-accepted', row('accept', errorAnswer(429, openAiError('slow down')))))).toBe('skip');
  });
});

/** "The target lacks this", in the words servers use: each is a skip, never a failure. */
describe('"unsupported" in other words', () =>
  checkTable(paramsChecks, 'params.boundary-accepted', [
    ...[
      ['plain words', 400, openAiError('top_k is not supported by this model', 'top_k')],
      ['OpenAI', 400, openAiError('Unrecognized request argument supplied: top_k', null)],
      [
        'pydantic (vLLM, SGLang, LiteLLM)',
        400,
        {
          object: 'error',
          message: '1 validation error for ChatCompletionRequest\ntop_k\n  Extra inputs are not permitted [type=extra_forbidden]',
          type: 'BadRequestError',
          param: null,
          code: 400,
        },
      ],
      [
        'FastAPI detail list',
        422,
        { detail: [{ type: 'extra_forbidden', loc: ['body', 'top_k'], msg: 'Extra inputs are not permitted' }] },
      ],
      ['Groq', 400, openAiError("'n' : number must be at most 1", 'n')],
      [
        'Gemini',
        400,
        [
          {
            error: {
              code: 400,
              message: 'Invalid JSON payload received. Unknown name "top_k": Cannot find field.',
              status: 'INVALID_ARGUMENT',
            },
          },
        ],
      ],
    ].map(([name, status, body]) => ({
      name: `${String(name)}: skip`,
      given: () => boundary({ param: 'top_k', value: 64, expected: 'accept', side: 'edge' }, errorAnswer(status as number, body)),
      want: 'skip' as const,
    })),
    {
      name: 'a narrower range is not "unsupported": it fails',
      given: () =>
        boundary(
          { param: 'temperature', value: 2, expected: 'accept', side: 'edge' },
          errorAnswer(400, openAiError('temperature : number must be at most 1', 'temperature')),
        ),
      want: 'fail',
    },
    {
      name: 'an out-of-range message fails',
      given: () =>
        boundary(
          { param: 'top_k', value: 64, expected: 'accept', side: 'edge' },
          errorAnswer(400, openAiError('top_k must be less than 50', 'top_k')),
        ),
      want: 'fail',
    },
  ]));

describe('params.boundary-rejected', () => {
  const row = (answer = errorAnswer(400, openAiError('too high', 'temperature')), expected: 'reject' | 'either' = 'reject') =>
    boundary(
      { param: 'temperature', value: 2.01, expected, side: 'beyond', ...(expected === 'either' ? { conflict: 'range-top-p' } : {}) },
      answer,
    );

  test('a rejected value past the edge passes', () => {
    expect(worstVerdict(run('params.boundary-rejected', row()))).toBe('pass');
  });

  test('an accepted value past the edge fails (accept-out-of-range)', () => {
    const outcomes = run('params.boundary-rejected', row(ok()));
    expect(worstVerdict(outcomes)).toBe('fail');
    expect(findingsOf(outcomes)[0]?.key).toBe('temperature=2.01');
  });

  test('a 5xx past the edge fails (crash-on-invalid)', () => {
    expect(worstVerdict(run('params.boundary-rejected', row(errorAnswer(500, openAiError('boom')))))).toBe('fail');
  });

  test('accepting an ambiguous value beyond an exclusive edge carries the conflict', () => {
    expect(findingsOf(run('params.boundary-rejected', row(ok(), 'either')))[0]?.conflict).toBe('range-top-p');
  });
});

describe('the boundary table (params plan)', () => {
  test('every documented range has an edge row and a beyond row on each documented side', () => {
    const table = boundaryTable();
    for (const range of paramRanges()) {
      const rows = table.filter((r) => r.param === range.param);
      expect(rows.filter((r) => r.side === 'edge').length, range.param).toBeGreaterThanOrEqual(2);
      expect(rows.filter((r) => r.side === 'beyond').length, range.param).toBeGreaterThanOrEqual(2);
    }
  });

  test('ambiguous edges are `either` with the range conflict; the others follow the spec reading', () => {
    const table = boundaryTable();
    for (const row of table.filter((r) => r.expected === 'either')) expect(row.conflict, `${row.param}=${String(row.value)}`).toBeDefined();
    for (const row of table.filter((r) => r.expected !== 'either')) {
      const verdict = validateRequest({ model: 'm', messages: [], [row.param]: row.value, ...row.extra }).ok;
      expect(verdict, `${row.param}=${String(row.value)}`).toBe(row.expected === 'accept');
    }
  });

  test('smoke sends three rows, standard the primary rows within its budget', () => {
    expect(boundaryRowsAt('smoke')).toHaveLength(3);
    expect(boundaryRowsAt('standard').length).toBeLessThanOrEqual(50);
    expect(boundaryRowsAt('deep').length).toBeGreaterThanOrEqual(boundaryRowsAt('standard').length);
  });

  test('the edge examples tried first are valid requests', () => {
    for (const example of validEdgeExamples('m')) expect(validateRequest(example)).toEqual({ ok: true });
  });

  test('the property share leaves room to shrink and never exceeds the requests', () => {
    expect(propertyShare(4, 'standard')).toEqual({ runs: 3, shrinks: 1 });
    expect(propertyShare(0, 'standard')).toEqual({ runs: 0, shrinks: 0 });
    const deep = propertyShare(150, 'deep');
    expect(deep.runs + deep.shrinks).toBeLessThanOrEqual(150);
    expect(deep.shrinks).toBe(25);
  });
});

const examineValid = (o: Observation) => findCheck('params.valid-accepted')!.examine!(o);
const examineInvalid = (o: Observation) => findCheck('params.invalid-rejected')!.examine!(o);

describe('what the properties hold a single answer to', () => {
  test("valid: accepted (2xx); what the body holds is the schema checks' business", () => {
    expect(examineValid(answered({}, [{ content: 'Hi' }], { usage: 1 }))).toEqual({ ok: true });
    expect(examineValid(streamed({}, [{ content: 'Hi' }, { finishReason: 'stop' }]))).toEqual({ ok: true });
    expect(examineValid(answered({}, [{ content: 'Hi', finishReason: 'eos' }]))).toEqual({ ok: true });
    const rejected = examineValid(errorAnswer(400, openAiError('top_p must be < 1', 'top_p')));
    expect(rejected.ok).toBe(false);
    expect(rejected.ok === false && rejected.message).toMatch(/HTTP 400.*top_p must be/);
    expect(examineValid(errorAnswer(500, openAiError('boom'))).ok).toBe(false);
  });

  test("invalid: refused with 4xx; 200 or 5xx fail; the error body is errors.envelope's", () => {
    expect(examineInvalid(errorAnswer(400, openAiError('bad', 'n')))).toEqual({ ok: true });
    expect(examineInvalid(errorAnswer(422, { detail: 'bad' }))).toEqual({ ok: true });
    expect(examineInvalid(ok()).ok).toBe(false);
    expect(examineInvalid(errorAnswer(500, openAiError('boom'))).ok).toBe(false);
  });

  test('no answer, or a rate limit, cannot be judged either way', () => {
    for (const examine of [examineValid, examineInvalid]) {
      expect(examine(noResponse('reset')).ok).toBe('unjudged');
      expect(examine(errorAnswer(429, openAiError('slow down'))).ok).toBe('unjudged');
    }
  });
});
