import { describe, expect, test } from 'vitest';
import { LIMIT_TAG, STOP_RELATION, semanticsChecks, TRUNCATION_PROMPT, TRUNCATION_TAG } from '../src/checks/semantics.ts';
import { stopFrom } from '../src/plans/semantics.ts';
import { findingsOf, runCheck, worstVerdict } from './support/chunks.ts';
import { fakeComparison } from './support/evidence.ts';
import { answered, errorAnswer, openAiError, streamed } from './support/requests.ts';

const run = (id: string, evidence: Parameters<typeof runCheck>[2]) => runCheck(semanticsChecks, id, evidence);
const ask = (text: string) => [{ role: 'user', content: text }];

describe('semantics.n-choices', () => {
  const sent = { messages: ask('Say hello.'), max_tokens: 8, n: 2 };

  test('n choices with indices 0..n-1, each finished, pass', () => {
    expect(worstVerdict(run('semantics.n-choices', answered(sent, [{}, {}])))).toBe('pass');
  });

  test('one choice for n=2 fails (n-ignored)', () => {
    const outcomes = run('semantics.n-choices', answered(sent, [{}]));
    expect(worstVerdict(outcomes)).toBe('fail');
    expect(findingsOf(outcomes)[0]).toMatchObject({ key: 'count', path: '/choices' });
    expect(findingsOf(outcomes)[0]?.message).toBe('Received: 1 choice(s) for n=2\nDocumented: 2 choices');
  });

  test('duplicate indices or an unfinished choice fail', () => {
    expect(findingsOf(run('semantics.n-choices', answered(sent, [{ index: 0 }, { index: 0 }])))[0]?.key).toBe('indices');
    expect(findingsOf(run('semantics.n-choices', answered(sent, [{}, { finishReason: null }])))[0]?.key).toBe('unfinished');
  });

  test('requests without n>1, and streams, are not its business', () => {
    expect(run('semantics.n-choices', answered({ messages: [] }, [{}]))).toEqual([]);
    expect(run('semantics.n-choices', streamed(sent, [{ content: 'Hi', finishReason: 'stop' }]))).toEqual([]);
  });

  test('a rejected n=2 fails unless the target says n is unsupported', () => {
    expect(worstVerdict(run('semantics.n-choices', errorAnswer(400, openAiError('bad n', 'n'), { sent })))).toBe('fail');
    expect(worstVerdict(run('semantics.n-choices', errorAnswer(400, openAiError('n > 1 is not supported', 'n'), { sent })))).toBe('skip');
    expect(worstVerdict(run('semantics.n-choices', errorAnswer(400, openAiError("'n' : number must be at most 1", 'n'), { sent })))).toBe(
      'skip',
    );
  });

  test('a rate-limited answer skips; a bare 503 is judged', () => {
    expect(worstVerdict(run('semantics.n-choices', errorAnswer(429, openAiError('slow down'), { sent })))).toBe('skip');
    expect(worstVerdict(run('semantics.n-choices', errorAnswer(503, openAiError('busy'), { sent, headers: { 'retry-after': '3' } })))).toBe(
      'skip',
    );
    expect(worstVerdict(run('semantics.n-choices', errorAnswer(503, openAiError('engine down'), { sent })))).toBe('fail');
  });
});

describe('semantics.max-tokens', () => {
  const sent = { messages: ask(TRUNCATION_PROMPT), max_tokens: 5 };
  const tags = [LIMIT_TAG, TRUNCATION_TAG];

  test('a reply cut at the limit with "length" passes, streamed or not', () => {
    expect(
      worstVerdict(run('semantics.max-tokens', answered(sent, [{ content: '1, 2, 3', finishReason: 'length' }], { usage: 5, tags }))),
    ).toBe('pass');
    const stream = streamed(sent, [{ content: '1, 2' }, { content: ', 3', finishReason: 'length' }], { usage: 5, tags });
    expect(worstVerdict(run('semantics.max-tokens', stream))).toBe('pass');
  });

  test('more tokens than max_tokens fails (max-tokens-ignored)', () => {
    const outcomes = run(
      'semantics.max-tokens',
      answered(sent, [{ content: '1, 2, 3, 4, 5, 6', finishReason: 'length' }], { usage: 40, tags }),
    );
    expect(findingsOf(outcomes)).toContainEqual(expect.objectContaining({ key: 'exceeded', path: '/usage/completion_tokens' }));
  });

  test('a reply cut at the limit reported as "stop" fails (length-as-stop)', () => {
    const outcomes = run('semantics.max-tokens', answered(sent, [{ content: '1, 2, 3', finishReason: 'stop' }], { usage: 5, tags }));
    expect(findingsOf(outcomes)[0]).toMatchObject({ key: 'finish-reason', path: '/choices/0/finish_reason' });
  });

  test('without usage the counting shows the cut', () => {
    const stream = streamed(sent, [{ content: '1, 2, 3', finishReason: 'stop' }], { tags });
    expect(worstVerdict(run('semantics.max-tokens', stream))).toBe('fail');
  });

  test('a model that stopped before the limit skips', () => {
    expect(worstVerdict(run('semantics.max-tokens', answered(sent, [{ content: 'No.', finishReason: 'stop' }], { usage: 2, tags })))).toBe(
      'skip',
    );
  });

  test('an untagged answer is judged only on its count', () => {
    expect(worstVerdict(run('semantics.max-tokens', answered({ max_tokens: 16 }, [{ content: 'Hi' }], { usage: 3 })))).toBe('pass');
    expect(worstVerdict(run('semantics.max-tokens', answered({ max_tokens: 16 }, [{ content: 'Hi' }], { usage: 30 })))).toBe('fail');
    expect(run('semantics.max-tokens', errorAnswer(400, openAiError('x'), { sent: { max_tokens: 16 } }))).toEqual([]);
  });
});

describe('semantics.max-completion-tokens', () => {
  const sent = { messages: ask(TRUNCATION_PROMPT), max_tokens: 32, max_completion_tokens: 5 };
  const tags = [LIMIT_TAG, TRUNCATION_TAG];

  test('the tighter limit holds: passes', () => {
    expect(
      worstVerdict(
        run('semantics.max-completion-tokens', answered(sent, [{ content: '1, 2', finishReason: 'length' }], { usage: 5, tags })),
      ),
    ).toBe('pass');
  });

  test('output running to max_tokens fails (max-completion-tokens-ignored)', () => {
    const outcomes = run(
      'semantics.max-completion-tokens',
      answered(sent, [{ content: '1, 2, 3, 4', finishReason: 'length' }], { usage: 32, tags }),
    );
    expect(worstVerdict(outcomes)).toBe('fail');
    expect(findingsOf(outcomes)[0]?.message).toContain('max_completion_tokens = 5');
  });

  test('max_tokens alone is not its business, and max-tokens leaves the pair to it', () => {
    expect(run('semantics.max-completion-tokens', answered({ max_tokens: 5 }, [{}], { usage: 1 }))).toEqual([]);
    expect(run('semantics.max-tokens', answered(sent, [{}], { usage: 1 }))).toEqual([]);
  });
});

describe('semantics.stop-sequence', () => {
  const FIRST = 'The harbour is quiet at dawn. Boats rest by the old stone wall.';
  const prompt = { messages: ask('Describe a quiet harbour town in two sentences.'), max_tokens: 32, temperature: 0 };
  const first = answered(prompt, [{ content: FIRST }]);
  const stopAt = (stop: unknown) => ({ ...prompt, stop });
  const judge = (content: string, finishReason = 'stop', stop: unknown = 'Boats', deterministic = true) =>
    run(
      'semantics.stop-sequence',
      fakeComparison(STOP_RELATION, first, answered(stopAt(stop), [{ content, finishReason }]), deterministic),
    );

  test('the first answer up to and including the stop sequence passes (string, array and streamed forms)', () => {
    expect(worstVerdict(judge('The harbour is quiet at dawn. Boats'))).toBe('pass');
    expect(worstVerdict(judge('The harbour is quiet at dawn. Boats', 'stop', ['Boats', 'QZX']))).toBe('pass');
    const stream = streamed(stopAt(['Boats', 'QZX']), [
      { content: 'The harbour is quiet' },
      { content: ' at dawn. Boats', finishReason: 'stop' },
    ]);
    expect(worstVerdict(run('semantics.stop-sequence', fakeComparison(STOP_RELATION, first, stream)))).toBe('pass');
  });

  test('output going on past the stop sequence fails, on any target (stop-ignored)', () => {
    for (const deterministic of [true, false]) {
      const [finding] = findingsOf(judge(FIRST, 'stop', 'Boats', deterministic));
      expect(finding).toMatchObject({ key: 'continued', path: '/choices/0/message/content' });
    }
    expect(findingsOf(judge('Another text entirely, with Boats and more after.'))[0]?.key).toBe('continued');
  });

  test('the first answer cut before the stop sequence, without it, carries conflict stop-included (stop-excluded)', () => {
    const [finding] = findingsOf(judge('The harbour is quiet at dawn. '));
    expect(finding).toMatchObject({ key: 'excluded', conflict: 'stop-included' });
  });

  test('a reply that ends at the stop sequence must not say "length"', () => {
    expect(findingsOf(judge('The harbour is quiet at dawn. Boats', 'length'))[0]?.key).toBe('finish-reason');
  });

  test('an answer that does not reproduce the first one is judged only on not going past the stop sequence', () => {
    expect(worstVerdict(judge('A different answer that never reaches it.'))).toBe('pass');
    expect(worstVerdict(judge('Fishing nets dry. Boats'))).toBe('pass');
  });

  test('a rejected array form carries conflict stop-array; the string form fails plainly', () => {
    const pair = (stop: unknown) =>
      fakeComparison(STOP_RELATION, first, errorAnswer(400, openAiError('stop must be a string', 'stop'), { sent: stopAt(stop) }));
    expect(findingsOf(run('semantics.stop-sequence', pair(['Boats', 'QZX'])))[0]?.conflict).toBe('stop-array');
    expect(findingsOf(run('semantics.stop-sequence', pair('Boats')))[0]?.conflict).toBeUndefined();
  });

  test('other evidence is not its business', () => {
    expect(run('semantics.stop-sequence', answered(stopAt('l'), [{ content: 'Hello' }]))).toEqual([]);
  });
});

describe('the stop sequence a probe picks from an answer', () => {
  test('a word first seen past the opening words', () => {
    expect(stopFrom(FIRST_TEXT)).toBe('rest');
    expect(stopFrom('Hi.')).toBeUndefined();
    expect(stopFrom('')).toBeUndefined();
  });
  test('never a word that occurs earlier inside another', () => {
    const stop = stopFrom('there is the thermal theme there')!;
    expect('there is the thermal theme there'.indexOf(stop)).toBeGreaterThan(0);
    expect(stop).not.toBe('the');
  });
});

const FIRST_TEXT = 'The harbour is quiet at dawn. Boats rest by the old stone wall.';

describe('semantics.max-tokens-overflow', () => {
  const overflow = (limit: number) => ({ messages: ask('Say OK.'), max_tokens: limit });
  const judge = (observation: ReturnType<typeof answered>) => worstVerdict(run('semantics.max-tokens-overflow', observation));
  const tags = ['overflow'];
  test('answered normally passes; refusing a value beyond any context passes; refusing a merely large one follows the conflict', () => {
    expect(judge(answered(overflow(2 ** 31 - 1), [{ content: 'OK' }], { usage: 1, tags }))).toBe('pass');
    expect(judge(errorAnswer(400, openAiError('max_tokens is too large', 'max_tokens'), { sent: overflow(2 ** 31 - 1), tags }))).toBe(
      'pass',
    );
    const refused = run(
      'semantics.max-tokens-overflow',
      errorAnswer(400, openAiError('max_tokens is too large', 'max_tokens'), { sent: overflow(1_000_000), tags }),
    );
    expect(findingsOf(refused)[0]?.conflict).toBe('max-tokens-context-lowered');
  });
  test('a 5xx fails', () => {
    expect(judge(errorAnswer(500, openAiError('boom'), { sent: overflow(2 ** 31 - 1), tags }))).toBe('fail');
  });
});

describe('semantics.seed-determinism', () => {
  const sent = { messages: ask('Write one sentence about the sea.'), seed: 11 };
  const a = answered(sent, [{ content: 'The sea is calm.' }]);

  test('the same output twice passes', () => {
    expect(
      worstVerdict(run('semantics.seed-determinism', fakeComparison('same-seed', a, answered(sent, [{ content: 'The sea is calm.' }])))),
    ).toBe('pass');
  });

  test('different output fails on a deterministic target (seed-ignored) and warns otherwise', () => {
    const b = answered(sent, [{ content: 'The sea is rough.' }]);
    expect(worstVerdict(run('semantics.seed-determinism', fakeComparison('same-seed', a, b, true)))).toBe('fail');
    const outcomes = run('semantics.seed-determinism', fakeComparison('same-seed', a, b, false));
    expect(worstVerdict(outcomes)).toBe('warn');
    expect(findingsOf(outcomes)[0]?.message).toContain('"The sea is calm." then "The sea is rough."');
  });

  test('an unanswered request skips; other comparisons are not its business', () => {
    expect(worstVerdict(run('semantics.seed-determinism', fakeComparison('same-seed', a, errorAnswer(500, 'x'))))).toBe('skip');
    expect(run('semantics.seed-determinism', fakeComparison('stream-vs-nonstream', a, a))).toEqual([]);
  });
});
